"""The ``power``, ``veto_players`` and ``approvers`` sections of ``negsim analyze``.

Each approval rule of a scenario is a simple game on its voters (:mod:`sim.analysis.power`):

- ``unanimity``: every voter must accept (each a veto player, index 1/n);
- ``qmv``: accepting voters reach ``member_share`` of the rule's members and ``population_share`` of its population,
  exactly the test of :mod:`sim.search.enumeration` (the scenario language has no blocking-minority clause, so none is
  applied); a voter standing for several member states (``decision_rules.qmv.members``) weighs that many;
- ``contributors``: every ``required`` actor must accept;
- ``k_of_n``: at least ``k`` voters accept, every named veto among them;
- ``ratification``: a body passes with probability ``p``: no voters, so no game (reported with ``p``).

The approvers section evaluates each rule at the max–min package (the one ``analyze`` reports as ``egalitarian``;
also when there is no ZOPA, as long as some package satisfies the constraints and approvals): each voter's utility,
surplus U − R(0), whether a hard red line is hit, whether it accepts (surplus ≥ −TOL and no hard red line, the vote of
the engine and of the searches), its best and worst utility over all packages, whether the rule is triggered, whether
the vote would pass if it were, the voters rejecting and the *pivotal* ones (accepting voters whose switch to no would
make it fail): the hold-outs of the package.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from sim.analysis.power import (
    Game,
    PowerError,
    contributors_game,
    indices,
    k_of_n_game,
    qmv_game,
    unanimity_game,
)
from sim.core.compiled import Compiled, Rule
from sim.core.tolerances import TOL
from sim.core.utility import utilities, vetoes


def rule_names(cp: Compiled) -> list[str]:
    """Rule labels (``clause:type[:body]``), with ``#2``, ``#3``… on repeats so that each names one rule."""
    seen: Counter[str] = Counter()
    out = []
    for r in cp.rules:
        seen[r.label] += 1
        out.append(r.label if seen[r.label] == 1 else f"{r.label}#{seen[r.label]}")
    return out


def rule_game(rule: Rule) -> Game | None:
    """The simple game of an approval rule on ``rule.voters`` (None for a ratification)."""
    n = len(rule.voters)
    if rule.kind == "unanimity":
        return unanimity_game(n)
    if rule.kind == "contributors":
        return contributors_game(np.ones(n, dtype=bool))
    if rule.kind == "k_of_n":
        return k_of_n_game(rule.k, rule.veto)
    if rule.kind == "qmv":
        return qmv_game(rule.members, rule.population, rule.member_share, rule.population_share)
    return None


def _r(x: float) -> float:
    return round(float(x), 6)


def _power_entry(cp: Compiled, name: str, rule: Rule) -> dict[str, Any]:
    voters = [cp.actors[int(v)] for v in rule.voters]
    entry: dict[str, Any] = {
        "rule": name,
        "clause": cp.clauses[rule.clause],
        "type": rule.kind,
        "triggered_by": [o for o, t in zip(cp.options[rule.clause], rule.trigger, strict=True) if t],
        "voters": voters,
    }
    game = rule_game(rule)
    if game is None:
        entry.update(body=rule.body, p=rule.p, veto_players=[], note="passes with probability p: not a vote")
        return entry
    if rule.kind == "qmv":
        entry.update(
            member_share=rule.member_share,
            population_share=rule.population_share,
            members=dict(zip(voters, (float(m) for m in rule.members), strict=True)),
            population=dict(zip(voters, (float(p) for p in rule.population), strict=True)),
        )
    try:
        pw = indices(game)
    except PowerError as e:
        entry.update(banzhaf=None, banzhaf_raw=None, shapley_shubik=None, veto_players=None, error=str(e))
        return entry
    entry.update(
        banzhaf={v: (None if np.isnan(b) else _r(b)) for v, b in zip(voters, pw.banzhaf, strict=True)},
        banzhaf_raw={v: _r(b) for v, b in zip(voters, pw.banzhaf_raw, strict=True)},
        shapley_shubik={v: _r(s) for v, s in zip(voters, pw.shapley_shubik, strict=True)},
        veto_players=[v for v, x in zip(voters, pw.veto, strict=True) if x],
        dummies=[v for v, x in zip(voters, pw.dummy, strict=True) if x],
        method=pw.method,
    )
    return entry


def _passes(game: Game, yes: np.ndarray) -> bool:
    mask = int(sum(1 << k for k in np.flatnonzero(yes)))
    return bool(game.wins(np.array([mask], dtype=np.int64))[0])


def _approver_entry(
    cp: Compiled, name: str, rule: Rule, pkg: np.ndarray, R: np.ndarray, best: dict[str, Any], worst: dict[str, Any]
) -> dict[str, Any]:
    u = utilities(cp, pkg[None, :])[:, 0]
    hit = vetoes(cp, pkg[None, :])[:, 0]
    triggered = bool(rule.trigger[int(pkg[rule.clause])])
    entry: dict[str, Any] = {"rule": name, "type": rule.kind, "triggered": triggered}
    game = rule_game(rule)
    if game is None:
        entry.update(body=rule.body, p=rule.p, passes=None if triggered else True)
        return entry
    vs = [int(v) for v in rule.voters]
    yes = np.array([u[v] - R[v] >= -TOL and not hit[v] for v in vs], dtype=bool)
    if_triggered = _passes(game, yes)
    pivotal = []
    if if_triggered:
        for y in np.flatnonzero(yes):
            flip = yes.copy()
            flip[y] = False
            if not _passes(game, flip):
                pivotal.append(cp.actors[vs[int(y)]])
    voters: dict[str, Any] = {}
    for k, v in enumerate(vs):
        a = cp.actors[v]
        voters[a] = {
            "utility": _r(u[v]),
            "surplus": _r(u[v] - R[v]),
            "hard_red_line_hit": bool(hit[v]),
            "accepts": bool(yes[k]),
            "best": None if best.get(a) is None else best[a]["utility"],
            "worst": None if worst.get(a) is None else worst[a]["utility"],
        }
    entry.update(
        passes=if_triggered or not triggered,
        passes_if_triggered=if_triggered,
        rejecting=[cp.actors[vs[k]] for k in np.flatnonzero(~yes)],
        pivotal=pivotal,
        tightest=cp.actors[min(vs, key=lambda v: u[v] - R[v])] if vs else None,
        voters=voters,
    )
    return entry


def power_section(
    cp: Compiled,
    R: np.ndarray,
    pkg: np.ndarray | None,
    best: dict[str, Any],
    worst: dict[str, Any],
    notes: list[str],
) -> dict[str, Any]:
    """``power`` (per rule), ``veto_players`` (per actor) and ``approvers`` (per rule, at ``pkg``) for ``analyze``.

    ``pkg`` is the max–min package (None: nothing satisfies the constraints and approvals); ``best`` and ``worst``
    are analyze's own; a note is added to ``notes`` for what could not be computed.
    """
    names = rule_names(cp)
    power = [_power_entry(cp, n, r) for n, r in zip(names, cp.rules, strict=True)]
    veto: dict[str, list[str]] = {a: (["signing"] if cp.signatory[i] else []) for i, a in enumerate(cp.actors)}
    for entry in power:
        for v in entry.get("veto_players") or []:
            veto[v].append(entry["rule"])
        if "error" in entry:
            notes.append(f"power of {entry['rule']} not computed: {entry['error']}")
    if pkg is None:
        approvers: list[dict[str, Any]] = []
        if cp.rules:
            notes.append("approvers: no package satisfies the constraints and approval rules, none to evaluate")
    else:
        approvers = [_approver_entry(cp, n, r, pkg, R, best, worst) for n, r in zip(names, cp.rules, strict=True)]
    return {"power": power, "veto_players": veto, "approvers": approvers}
