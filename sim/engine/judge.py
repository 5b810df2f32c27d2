"""Why a run ended as it did: the stage that failed, each rejection's kind, who was pivotal, and the
counterfactual blame of each rejecting actor (docs/explain.md). Read-only: nothing here draws a random number.

Stages, in the order a run passes them (:data:`STAGES`): ``table`` (no signatory walked away), ``signing``
(every signatory accepted a final-stage package before ``max_rounds``), ``approval`` (every triggered approval
rule passed and the package met every constraint), ``ratification`` (the ceasefire held until the vote and every
triggered ratification passed: the domestic stage, :mod:`sim.engine.domestic`).
``failed_stage`` is the first stage not passed ("" for a deal). The engine ends a run only by a walk-away, at
``max_rounds`` or after ratification, so ``signing`` and ``approval`` failures are told apart by the last offer:
signed by every signatory (final stage) but stopped by a rule or a constraint is an ``approval`` failure.
Implementation after ratification is not modelled. After a text sent back (``renegotiate``) the verdict is of the
last text on the table.

A rejection (a required actor's reject or veto of the last offer) is ``structural`` when U_i < R_i (the offer
is below its reservation value, so no further concession would bring it) or it is a veto (a hard red line);
``timing`` when R_i ≤ U_i (it would accept once its aspiration a_i(t) has come down to U_i); ``absent`` for
an actor that walked away. R_i is the reservation value of the round of the vote. Only structural
rejections get a counterfactual (:mod:`sim.search.blame`): a timing one needs no change.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass, field

import numpy as np

from sim.core.compiled import Compiled
from sim.engine.records import Ballot
from sim.search.blame import Counterfactual, counterfactual

STAGES = ("table", "signing", "approval", "ratification")
"""The stages a deal passes, in order (module docstring)."""

CACHE_LIMIT = 20_000
"""A blame cache holding more counterfactuals than this is emptied before it grows further."""

BlameCache = MutableMapping[tuple[int, bytes, float, bytes], Counterfactual | None]


@dataclass(frozen=True)
class Verdict:
    """The fields of :class:`sim.engine.records.Outcome` this module decides."""

    failed_stage: str
    signed_package: dict[str, str] | None
    rejection: dict[str, str] = field(default_factory=dict)
    blame: dict[str, dict[str, str] | None] = field(default_factory=dict)
    blocking_clause: dict[str, str] = field(default_factory=dict)
    pivotal: list[str] = field(default_factory=list)


def rejection_kind(vote: str, utility: float, reservation: float) -> str:
    """``structural`` | ``timing`` | ``absent`` for a vote that is not an accept (module docstring)."""
    if vote == "absent":
        return "absent"
    if vote == "veto" or utility < reservation:
        return "structural"
    return "timing"


def failed_stage(reason: str, cp: Compiled, last: Ballot | None) -> str:
    """The first stage a run did not pass, from its ``reason`` and its last offer; "" for a deal."""
    if reason == "deal":
        return ""
    if reason.startswith("walk_away"):
        return "table"
    if reason.startswith(("ratification_failed", "ceasefire_broke_down")):
        return "ratification"
    if last is not None and last.final and bool(last.accepts[cp.signatory].all()):
        return "approval"
    return "signing"


def judge(
    cp: Compiled,
    last: Ballot | None,
    reservation: np.ndarray,
    reason: str,
    ratification: dict[str, bool],
    cache: BlameCache | None = None,
) -> Verdict:
    """The verdict of a run that ended with ``reason``; ``reservation`` is R(t) of the round ``last`` was voted
    in. Rejections and blame are recorded for runs without a deal; the signed package whenever ratification ran."""
    stage = failed_stage(reason, cp, last)
    signed = cp.labels(last.package) if last is not None and stage in ("", "ratification") else None
    if last is None or stage == "":
        return Verdict(stage, signed)
    rejecters = [i for i in range(cp.n_actors) if last.required[i] and last.votes[i] != "accept"]
    rejection = {
        cp.actors[i]: rejection_kind(last.votes[i], float(last.utility[i]), float(reservation[i])) for i in rejecters
    }
    blame: dict[str, dict[str, str] | None] = {}
    clause: dict[str, str] = {}
    for i in rejecters:
        if rejection[cp.actors[i]] != "structural":  # a timing rejection needs no change (U_i ≥ R_i already)
            continue
        others = np.array([j for j in np.flatnonzero(last.required) if j != i], dtype=np.int64)
        key = (i, last.package.tobytes(), float(reservation[i]), others.tobytes())
        if cache is not None and key in cache:
            cf = cache[key]
        else:
            cf = counterfactual(cp, i, last.package, float(reservation[i]), others)
            if cache is not None:
                if len(cache) >= CACHE_LIMIT:
                    cache.clear()
                cache[key] = cf
        blame[cp.actors[i]] = None if cf is None else cf.labels(cp)
        clause[cp.actors[i]] = "" if cf is None else "+".join(cf.labels(cp))
    pivotal: list[str] = []
    if stage in ("signing", "approval") and len(rejecters) == 1:
        pivotal = [cp.actors[rejecters[0]]]
    elif stage == "ratification":
        pivotal = [k.split(":", 1)[0] for k, ok in ratification.items() if not ok]
    return Verdict(stage, signed, rejection, blame, clause, pivotal)
