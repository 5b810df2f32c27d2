"""What would it take: the cheapest levers of the scenario's menu that make a package signed, and the nearest signed
variant of a given text (docs/whatif.md).

:func:`cheapest_levers` solves, over lever sets S of the ``levers:`` menu and packages x,

    minimise   Σ_{ℓ ∈ S} cost_ℓ
    subject to x is signed (:mod:`sim.analysis.signed`) in the scenario with S applied (:mod:`sim.scenario.levers`),
               and, given a package x⁰, x differs from x⁰ only in clauses that a clause edit of S allows,

exactly, as the MILP of :mod:`sim.search.levers`; then, among the lever sets of that cost, the package (and set)
with the largest sum of the signatories' utilities (a second MILP with the cost held at its optimum). Successive
calls with ``exclude`` (the sets found so far) give the next cheapest sets. Every answer is checked against the
exact test (:func:`sim.analysis.signed.signed_mask` on the edited scenario); when HiGHS' feasibility tolerance
let through a package that the test rejects, the MILP is solved again with every acceptance level raised by
``MARGIN``.

:func:`nearest_signed` finds, for a package x⁰, a signed package x' (no levers) that changes the fewest clauses,
ties broken by the weighted distance d(x⁰, x') = Σ_{c: x'_c ≠ x⁰_c} w̄_c, w̄_c the mean over the signatories of
their (normalised) salience of clause c: two MILPs, the count first, then the distance with the count fixed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from sim.analysis.signed import signed_mask
from sim.core.compiled import Compiled, compile_scenario
from sim.core.levers import CompiledLevers, compile_levers
from sim.core.utility import utilities
from sim.scenario.levers import apply_levers, by_id
from sim.scenario.models import Scenario
from sim.search.levers import signed_model
from sim.search.mip import Terms

MARGIN = 1e-6
"""How far above R(0) − TOL the MILP is asked again when its first answer fails the exact test."""

COST_SLACK = 1e-9
"""The second stage keeps the cost within this (relative, at least absolute) of the optimum."""

IntA = np.ndarray


def _is_signed(scenario: Scenario, lever_ids: list[str], pkg: IntA) -> bool:
    edited = apply_levers(scenario, by_id(scenario, lever_ids))
    return bool(signed_mask(compile_scenario(edited), pkg[None, :])[0])


def _edits_allow(scenario: Scenario, cp: Compiled, lever_ids: list[str], base: IntA | None, pkg: IntA) -> bool:
    """Every clause where ``pkg`` leaves ``base`` is opened by a chosen clause edit allowing its new option."""
    if base is None:
        return True
    chosen = by_id(scenario, lever_ids)
    for c in np.flatnonzero(pkg != base):
        opt = cp.options[c][int(pkg[c])]
        if not any(
            lev.kind == "clause_edit" and lev.clause == cp.clauses[c] and (lev.options is None or opt in lev.options)
            for lev in chosen
        ):
            return False
    return True


def cheapest_levers(
    scenario: Scenario,
    package: Mapping[str, str] | None = None,
    exclude: Iterable[Iterable[str]] = (),
    scenario_cuts: bool = False,
) -> dict[str, Any] | None:
    """The cheapest lever set (module docstring) making ``package`` (``{clause: option}``, the rest at the status
    quo) or, without one, any package signed; None when no set of the menu does (or every set is in ``exclude``).
    ``scenario_cuts``: a set of ``exclude`` excludes every set with the same levers other than clause edits (the
    same edited scenario), not only itself.

    Returns ``{"levers": [ids], "cost", "package": {clause: option}, "changed": {clause: [from, to]}, "utilities",
    "surplus"}`` (the surplus against R(0) of the edited scenario)."""
    cp = compile_scenario(scenario)
    levers = compile_levers(scenario, cp)
    base = None if package is None else cp.package(dict(package))
    ids = list(levers.ids)
    excluded = [[ids.index(i) for i in s] for s in exclude]
    over = np.array([k != "clause_edit" for k in levers.kinds], dtype=bool) if scenario_cuts else None
    for margin in (0.0, MARGIN):
        found = _solve(cp, levers, base, margin, excluded, over)
        if found is None:
            return None
        pkg, chosen = found
        names = [ids[k] for k in chosen]
        if _is_signed(scenario, names, pkg) and _edits_allow(scenario, cp, names, base, pkg):
            return _describe(scenario, cp, names, float(levers.cost[chosen].sum()), base, pkg)
    return None


def _solve(
    cp: Compiled,
    levers: CompiledLevers,
    base: IntA | None,
    margin: float,
    excluded: list[list[int]],
    over: np.ndarray | None,
) -> tuple[IntA, list[int]] | None:
    sm = signed_model(cp, levers, base, margin, excluded, over)
    cost: Terms = {sm.b[k]: float(levers.cost[k]) for k in range(levers.n) if levers.cost[k] != 0.0}
    pkg, chosen = sm.solve(cost)
    if pkg is None:
        return None
    best = float(levers.cost[chosen].sum())
    sm = signed_model(cp, levers, base, margin, excluded, over)
    if cost:
        sm.model.add_row(cost, -np.inf, best + COST_SLACK * max(1.0, abs(best)))
    gain: Terms = {}
    for i in np.flatnonzero(cp.signatory):
        u = sm.clip[int(i)]
        gain[u] = gain.get(u, 0.0) - 1.0
    pkg2, chosen2 = sm.solve(gain)
    return (pkg, chosen) if pkg2 is None else (pkg2, chosen2)


def _describe(
    scenario: Scenario, cp: Compiled, names: list[str], cost: float, base: IntA | None, pkg: IntA
) -> dict[str, Any]:
    edited = compile_scenario(apply_levers(scenario, by_id(scenario, names)))
    u = utilities(edited, pkg[None, :])[:, 0]
    R = edited.reservation(0)
    sig = np.flatnonzero(cp.signatory)
    ref = cp.sq if base is None else base
    return {
        "levers": names,
        "cost": cost,
        "package": cp.labels(pkg),
        "changed": _changed(cp, ref, pkg),
        "utilities": {cp.actors[i]: float(u[i]) for i in sig},
        "surplus": {cp.actors[i]: float(u[i] - R[i]) for i in sig},
    }


def _changed(cp: Compiled, ref: IntA, pkg: IntA) -> dict[str, list[str]]:
    """``{clause: [option in ref, option in pkg]}`` where they differ."""
    return {cp.clauses[c]: [cp.options[c][int(ref[c])], cp.options[c][int(pkg[c])]] for c in np.flatnonzero(pkg != ref)}


def weighted_distance_weights(cp: Compiled) -> np.ndarray:
    """(C,) w̄_c: the mean over the signatories of their normalised salience of clause c."""
    return cp.weights[cp.signatory].mean(axis=0)


def nearest_signed(cp: Compiled, x0: IntA) -> dict[str, Any] | None:
    """The nearest signed variant of ``x0`` (module docstring); None when no package is signed.

    Returns ``{"package": {clause: option}, "changed": {clause: [from, to]}, "n_changed", "distance"}``."""
    x0 = np.asarray(x0, dtype=np.int64)
    wbar = weighted_distance_weights(cp)
    keep: Terms = {int(cp.offsets[c] + x0[c]): 1.0 for c in range(cp.n_clauses)}
    close: Terms = {int(cp.offsets[c] + x0[c]): float(wbar[c]) for c in range(cp.n_clauses)}
    for margin in (0.0, MARGIN):
        sm = signed_model(cp, margin=margin)
        pkg, _ = sm.solve({j: -v for j, v in keep.items()})
        if pkg is None:
            return None
        kept = int((pkg == x0).sum())
        sm = signed_model(cp, margin=margin)
        sm.model.add_row(keep, kept - 0.5, np.inf)
        best, _ = sm.solve({j: -v for j, v in close.items()})
        pkg = pkg if best is None else best
        if signed_mask(cp, pkg[None, :])[0]:
            changed = np.flatnonzero(pkg != x0)
            return {
                "package": cp.labels(pkg),
                "changed": _changed(cp, x0, pkg),
                "n_changed": len(changed),
                "distance": float(wbar[changed].sum()),
            }
    return None
