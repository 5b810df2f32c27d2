"""Outcome-space analysis at round 0: zone of agreement, bargaining solutions, Pareto frontier.

All questions are mixed-integer programs over the package space (:mod:`sim.search.mip`), so they are exact on scenarios
far too large to enumerate (Paris 2026 has 10^11 packages). "Individually rational" (IR) means what
``negsim evaluate`` calls *signed*: every signatory's surplus U_i − R_i(0) ≥ 0 with none of its red lines hit
(hard or soft),
every triggered approval rule passes (its voters accept: surplus ≥ 0, no hard red line), every constraint holds.

- ZOPA: some IR package exists (the max–min surplus z* ≥ 0).
- Egalitarian: max_x min_i (U_i − R_i); utilitarian: max Σ_i U_i over IR packages.
- Nash (1950): max Π_i (U_i − R_i) over IR packages, solved exactly by outer approximation: log g ≤ log s +
  (g − s)/s at tangent points s, adding the tangents at each solution until the bound equals the true value.
- Kalai–Smorodinsky (1975): ideal a_i = max U_i over IR packages; max_x min_i (U_i − R_i)/(a_i − R_i).
- Expected value (Putnam 1988): max P(x) · min_i (U_i − R_i) over IR packages, P(x) the probability that every
  ratification x triggers passes (:mod:`sim.analysis.expected`; trigger patterns and MILPs, exact).
- Pareto frontier of the signatories over the IR packages: every efficient package, not only the supported ones
  (:mod:`sim.analysis.frontier`: enumeration, else Sylva–Crema MILPs; a count, and bounds when it is too long to
  list). ``pareto`` is its list, ``frontier`` the count and how it was found.
- ``n_signed``: how many packages would be signed under the decision rules, counted exactly
  (:mod:`sim.analysis.signed`: enumeration, else a counting branch and bound, with bounds if its budget runs out).
- If there is no ZOPA: for each signatory, how far its reservation value must fall (others unchanged), and which
  single hard red line, made soft, would open one.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from sim.analysis.approvers import power_section
from sim.analysis.expected import expected_value_package, score
from sim.analysis.frontier import AMONG, frontier
from sim.analysis.signed import n_signed, signed_model
from sim.core.compiled import Compiled, compile_scenario
from sim.core.tolerances import TOL
from sim.core.utility import utilities
from sim.errors import UsageError
from sim.scenario.models import Scenario
from sim.search.mip import PackageModel


def max_min_surplus(cp: Compiled, R: np.ndarray, skip_red_line: tuple[int, int] | None = None):
    """(package, z*) maximising the smallest signatory surplus (approvals and constraints enforced)."""
    m = signed_model(cp, R, skip_red_line)
    z = m.add_var(-3.0, 2.0)
    cost = {z: 1.0}
    for i in np.flatnonzero(cp.signatory):
        u = m.clipped(int(i))
        m.add_row({z: 1.0, u: -1.0}, -np.inf, -float(R[i]))
        cost[u] = 1e-4  # tie-break towards efficiency
    pkg, x = m.solve(cost)
    return (pkg, float(x[z])) if x is not None else (None, -math.inf)


def _best(cp: Compiled, R: np.ndarray, weights: np.ndarray, ir: bool = True, maximize: bool = True):
    m = signed_model(cp, R) if ir else PackageModel(cp)
    if ir:
        for i in np.flatnonzero(cp.signatory):
            m.at_least(int(i), float(R[i]))
    cost: dict[int, float] = {}
    for i in np.flatnonzero(weights):
        if maximize:
            cost[m.clipped(int(i))] = float(weights[i])
        else:  # max(0, U_i) from below: its minimum is the minimum of the clipped utility
            w = m.add_var(0.0, np.inf)
            m.add_row({**{k: -v for k, v in m.utility(int(i)).items()}, w: 1.0}, 0.0, np.inf)
            cost[w] = float(weights[i])
    pkg, _ = m.solve(cost, maximize=maximize)
    return pkg


def nash_package(cp: Compiled, R: np.ndarray, max_iter: int = 60):
    """Exact maximiser of Σ_i log(U_i − R_i) over IR packages with every surplus > 0 (outer approximation)."""
    sig = [int(i) for i in np.flatnonzero(cp.signatory)]
    points: dict[int, set[float]] = {i: {1e-4, 1e-3, 0.01, 0.03, 0.1, 0.2, 0.4, 0.7, 1.0} for i in sig}
    best_pkg, best_val = None, -math.inf
    for _ in range(max_iter):
        m = signed_model(cp, R)
        ts = {}
        for i in sig:
            u = m.clipped(i)
            m.add_row({u: 1.0}, float(R[i]) + 1e-7, np.inf)
            t = m.add_var(-50.0, 1.0)
            ts[i] = t
            for s in sorted(points[i]):
                # t ≤ log s + (u_i − R_i − s)/s, u_i the clipped utility
                m.add_row({t: 1.0, u: -1.0 / s}, -np.inf, math.log(s) - 1.0 - float(R[i]) / s)
        pkg, x = m.solve({t: 1.0 for t in ts.values()})
        if pkg is None or x is None:
            return None, -math.inf
        uvec = _utilities(cp, pkg)
        gains = uvec[sig] - R[sig]
        true = float(np.sum(np.log(np.maximum(gains, 1e-300))))
        bound = float(sum(x[t] for t in ts.values()))
        if true > best_val:
            best_pkg, best_val = pkg, true
        if bound - best_val <= 1e-9:
            break
        for i, g in zip(sig, gains, strict=True):
            points[i].add(float(max(g, 1e-9)))
    return best_pkg, best_val


def ks_package(cp: Compiled, R: np.ndarray, ideal: np.ndarray):
    sig = np.flatnonzero(cp.signatory)
    m = signed_model(cp, R)
    z = m.add_var(-10.0, 10.0)
    cost = {z: 1.0}
    for i in sig:
        span = max(float(ideal[i] - R[i]), 1e-9)
        u = m.clipped(int(i))
        m.add_row({z: 1.0, u: -1.0 / span}, -np.inf, -float(R[i]) / span)
        m.at_least(int(i), float(R[i]))
        cost[u] = 1e-4 / span
    pkg, _ = m.solve(cost)
    return pkg


def _utilities(cp: Compiled, pkg: np.ndarray) -> np.ndarray:

    return utilities(cp, pkg[None, :])[:, 0]


def analyze(scenario: Scenario, max_frontier: int | None = None) -> dict[str, Any]:
    """Everything an analyst asks before running: see the module docstring. Returns a JSON-ready dict.

    ``max_frontier``: at most this many efficient packages are listed in ``pareto`` (``frontier`` says how many
    there are; None: :func:`sim.analysis.frontier.frontier`'s default)."""
    cp = compile_scenario(scenario)
    R = cp.reservation(0)
    sig = [int(i) for i in np.flatnonzero(cp.signatory)]
    names = [cp.actors[i] for i in sig]
    notes: list[str] = []

    def desc(pkg):
        if pkg is None:
            return None
        u = _utilities(cp, pkg)
        return {
            "package": cp.labels(pkg),
            "utilities": {cp.actors[i]: round(float(u[i]), 6) for i in sig},
            "surplus": {cp.actors[i]: round(float(u[i] - R[i]), 6) for i in sig},
        }

    ega, z = max_min_surplus(cp, R)
    zopa = ega is not None and z >= -TOL
    out: dict[str, Any] = {
        "scenario": scenario.id,
        "signatories": names,
        "reservation": {a: round(float(R[i]), 6) for i, a in enumerate(cp.actors)},
        "zopa": bool(zopa),
        "max_min_surplus": round(z, 6) if math.isfinite(z) else None,
        "egalitarian": desc(ega) if zopa else None,
        **n_signed(cp),
    }
    if zopa:
        ideal = np.zeros(cp.n_actors)
        for i in sig:
            w = np.zeros(cp.n_actors)
            w[i] = 1.0
            ideal[i] = _utilities(cp, _best(cp, R, w))[i]
        nash, val = nash_package(cp, R)
        out["nash"] = desc(nash)
        out["nash_log_product"] = round(val, 9) if nash is not None else None
        if nash is None:
            notes.append("every IR package leaves some signatory at exactly zero surplus: no Nash point")
        out["kalai_smorodinsky"] = desc(ks_package(cp, R, ideal))
        out["ideal"] = {cp.actors[i]: round(float(ideal[i]), 6) for i in sig}
        out["utilitarian"] = desc(_best(cp, R, cp.signatory.astype(float)))
        out["expected_value"] = _expected(cp, R, ega, z, desc, notes)
        out["frontier"], listed = frontier(cp, out["n_signed_at_most"], max_frontier)
        flags = out["frontier"].pop("supported_flags")
        # the efficient packages found are signed: a better lower bound when n_signed is only bounded
        out["n_signed_at_least"] = max(out["n_signed_at_least"], out["frontier"]["count_at_least"])
        out["pareto"] = [
            {**desc(pkg), **({} if flags is None else {"supported": flags[k]})} for k, pkg in enumerate(listed)
        ]
        if out["frontier"]["truncated"]:
            f = out["frontier"]
            more = f"{f['count']:,}" if f["count"] is not None else f"at least {f['count_at_least']:,}"
            notes.append(
                f"pareto lists the first {f['listed']:,} of {more} efficient signed packages (by the largest sum of "
                "the signatories' utilities); raise the limit with --max-frontier"
            )
    else:
        out.update(nash=None, kalai_smorodinsky=None, utilitarian=None, pareto=[], ideal=None, nash_log_product=None)
        out["frontier"] = _empty_frontier(max_frontier)
        out["expected_value"] = None
        out["to_open_a_zopa"] = _openings(cp, R, sig)
    best, worst = {}, {}
    for i, a in enumerate(cp.actors):
        w = np.zeros(cp.n_actors)
        w[i] = 1.0
        hi = _best(cp, R, w, ir=False)
        lo = _best(cp, R, w, ir=False, maximize=False)
        best[a] = (
            {"package": cp.labels(hi), "utility": round(float(_utilities(cp, hi)[i]), 6)} if hi is not None else None
        )
        worst[a] = (
            {"package": cp.labels(lo), "utility": round(float(_utilities(cp, lo)[i]), 6)} if lo is not None else None
        )
    out["best"], out["worst"] = best, worst
    out.update(power_section(cp, R, ega, best, worst, notes))  # power, veto_players, approvers
    out["notes"] = notes
    return out


def _empty_frontier(max_listed: int | None) -> dict[str, Any]:
    """No signed package: an empty frontier."""
    return {
        "among": AMONG,
        "max_listed": max_listed,
        "method": "none (no signed package)",
        "count": 0,
        "count_at_least": 0,
        "count_at_most": 0,
        "vectors": 0,
        "truncated": False,
        "listed": 0,
        "supported": 0,
    }


def _expected(cp: Compiled, R: np.ndarray, ega: np.ndarray, z: float, desc, notes: list[str]) -> dict[str, Any] | None:
    """The expected-value package (:mod:`sim.analysis.expected`) described as the others are, with its probability of
    ratification, min surplus and expected value; the max–min package's probability beside it."""
    p_ega = score(cp, R, ega)[1]
    try:
        found = expected_value_package(cp, R, lambda: signed_model(cp, R), ega, z) if cp.steps else None
    except UsageError as e:
        notes.append(f"expected_value not computed: {e}")
        return None
    if found is None:
        found = {"package": ega, "ratification_probability": p_ega, "min_surplus": z, "expected_value": p_ega * z}
    d = desc(found["package"])
    d.update(
        ratification_probability=round(found["ratification_probability"], 6),
        min_surplus=round(found["min_surplus"], 6),
        expected_value=round(found["expected_value"], 6),
        max_min_ratification_probability=round(p_ega, 6),
    )
    return d


def _openings(cp: Compiled, R: np.ndarray, sig: list[int]) -> dict[str, Any]:
    """Smallest single changes that open a zone of agreement."""
    drops = {}
    for i in sig:
        m = signed_model(cp, R)
        for k in sig:
            if k != i:
                m.at_least(k, float(R[k]))
        pkg, _ = m.solve(m.utility(i))
        drops[cp.actors[i]] = None if pkg is None else round(float(R[i] - _utilities(cp, pkg)[i]), 6)
    lines = []
    for i in sig:
        for c in sorted({int(cp.clause_of[j]) for j in np.flatnonzero(cp.hard[i])}):
            pkg, z = max_min_surplus(cp, R, skip_red_line=(i, c))
            if pkg is not None and z >= -TOL:
                lines.append({"actor": cp.actors[i], "clause": cp.clauses[c], "package": cp.labels(pkg)})
    return {"reservation_drop": drops, "soften_red_line": lines}
