"""The domestic stage after signing (Putnam 1988, REPORT §B.4): the wait for the vote, the ceasefire that must hold
through it, the votes, and what the table learns when a vote fails.

**The wait.** A signed package x is voted on K(x) rounds after signing, K(x) = max over the ratification steps x
triggers of their ``preconditions.ceasefire_held_rounds`` (0 when none asks: the vote is taken at signature).
Zelensky's condition for a referendum on a DMZ/FEZ arrangement is ≥ 60 days of real ceasefire (REPORT §B.4,
[S13][S14]): 9 weekly rounds.

**The ceasefire through the wait.** In each of the K rounds the ceasefire breaks down with probability

    h(x) = ``protocol.ceasefire_hazard.per_round`` · Π_{c} f_c(x_c),

f_c(o) the factor ``protocol.ceasefire_hazard.factors[c][o]`` (1 for an option not listed): monitoring, a
reassurance force or a guarantee lower it. Fortna (2003, "Scraps of paper? Agreements and the durability of
peace", *International Organization* 57(2); 2004, *Peace Time*) finds ceasefires with monitoring, peacekeepers and
guarantees markedly more durable; Walter (2002, *Committing to Peace*) that third-party security guarantees are what
lets civil-war settlements be implemented. The hazard and its factors are the scenario's assumptions. One uniform
draw per round of the wait, and only when h(x) > 0, so a scenario without a hazard draws as before. A breakdown
ends the signed text (reason ``ceasefire_broke_down``) before any vote.

**The votes** are those of :mod:`sim.core.ratify`: each triggered step passes with p_k(x), one uniform draw each,
in step order, all after the wait.

**Sending the text back** (``protocol.after_failed_ratification``): ``end`` (the default) ends the run with the
failure; ``renegotiate`` returns to the table in the round after the vote (or the breakdown), as long as a round
is left. A failed vote makes the body's constraint known: every package that triggers a failed step is ruled out
for the rest of the talks (a constraint of the compiled scenario, which every search applies; Putnam's win-set
made public: a government whose referendum on ceding land failed does not re-table a cession). This treats the
failure as a veto of the triggering options, not as a threshold on the body's support; a text the body might pass
with more support on other clauses is not tried. After a breakdown nothing is ruled out: the same text may be
signed again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from sim.core.compiled import Compiled
from sim.core.parts import Condition, Constraint
from sim.core.ratify import Step, step_probabilities


@dataclass(frozen=True)
class Domestic:
    """What happened to a signed text: ``wait`` rounds K(x); ``broke_down`` the round of the wait (1 … K) in which
    the ceasefire broke down, or 0; ``results`` each triggered step's vote (empty after a breakdown); ``failed``
    the indices of the steps that failed."""

    wait: int
    broke_down: int
    results: dict[str, bool]
    failed: tuple[int, ...]

    @property
    def passed(self) -> bool:
        return self.broke_down == 0 and not self.failed


def wait_rounds(cp: Compiled, triggered: np.ndarray) -> int:
    """K(x): the largest ``ceasefire_held_rounds`` of the triggered steps (``triggered`` (K,) bool), 0 if none."""
    held = held_rounds(cp)
    return max((held[k] for k in np.flatnonzero(triggered)), default=0)


def held_rounds(cp: Compiled) -> list[int]:
    """Per step (:func:`sim.core.ratify.build_steps` order: the actors' ratifications, then the ratification rules)
    its ``preconditions.ceasefire_held_rounds``; 0 for a rule, which has no preconditions."""
    return [r.delay for r in cp.ratifications] + [0] * (len(cp.steps) - len(cp.ratifications))


def hazard(cp: Compiled, package: np.ndarray) -> float:
    """h(x) of the module docstring: the per-round breakdown probability while x awaits its vote."""
    if cp.ceasefire_hazard <= 0.0:
        return 0.0
    if cp.hazard_factors is None:
        return cp.ceasefire_hazard
    return float(cp.ceasefire_hazard * np.prod(cp.hazard_factors[package + cp.offsets]))


class Uniforms(Protocol):
    """What the domestic stage draws from: the run's generator, or one run's stream of a batch
    (:mod:`sim.engine.batch`)."""

    def random(self) -> float: ...


def domestic_stage(cp: Compiled, package: np.ndarray, utility: np.ndarray, draws: Uniforms) -> Domestic:
    """The wait, the ceasefire through it and the votes on ``package`` (utilities ``utility`` (A,)), drawing from
    ``draws`` in that order (module docstring)."""
    trig, prob = step_probabilities(cp, package[None, :], utility[:, None])
    wait = wait_rounds(cp, trig[:, 0])
    h = hazard(cp, package) if wait else 0.0
    if h > 0.0:
        for j in range(1, wait + 1):
            if draws.random() < h:
                return Domestic(wait, j, {}, ())
    results: dict[str, bool] = {}
    failed = []
    for k, step in enumerate(cp.steps):
        if not trig[k, 0]:
            continue
        key, n = step.name, 2
        while key in results:  # two rules of the same body keep both results
            key, n = f"{step.name}#{n}", n + 1
        results[key] = bool(draws.random() < prob[k, 0])
        if not results[key]:
            failed.append(k)
    return Domestic(wait, 0, results, tuple(failed))


def exclusions(cp: Compiled, failed: frozenset[int]) -> tuple[Constraint, ...]:
    """Constraints ruling out every package that triggers one of the ``failed`` steps (module docstring): one per
    alternative of a step's triggers, each requiring an impossible option of the step's first triggering clause."""
    out = []
    for k in sorted(failed):
        step: Step = cp.steps[k]
        for conj in step.triggers:  # one constraint per alternative (any-of) of the triggers
            first = conj[0]
            never = Condition(first.clause, np.zeros_like(first.allowed))
            out.append(Constraint(f"ratification_failed:{step.name}", conj, (never,)))
    return tuple(out)
