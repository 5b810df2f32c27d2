"""``negsim analyze``'s expected-value package: the signed package with the largest P(x) · min_i (U_i − R_i(0)).

P(x) is the probability that every ratification step x triggers passes, as the engine draws them
(:mod:`sim.core.ratify`); min_i (U_i − R_i(0)) the smallest signatory surplus over the reservation value at round 0,
with clipped utilities, over the packages ``negsim evaluate`` calls signed (:mod:`sim.analysis.bargaining`). It is
what a mediator that anticipates ratification would table (Putnam 1988: a package outside a domestic win-set is no
agreement), found exactly by the driver of :mod:`sim.search.expected` (trigger patterns, one MILP per pattern and per
interval of a varying step's support) with a 1e-4 tie-break towards the signatories' total utility.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from sim.analysis.signed import signed_mask
from sim.core.compiled import Compiled
from sim.core.ratify import expected_value, pass_probability
from sim.core.tolerances import TOL
from sim.core.utility import raw_utilities
from sim.search.expected import Interval, best_expected, ev_rows, solve_above
from sim.search.mip import PackageModel
from sim.search.patterns import Pattern, linear_at, restrict, support_range, support_terms

TIE = 1e-4
"""Weight of the signatories' total (clipped) utility in the key: the same tie-break as the max–min package."""


def score(cp: Compiled, R: np.ndarray, package: np.ndarray) -> tuple[float, float, float]:
    """(key, P(x), min_i (U_i − R_i)) of one package; the key is −inf unless it is signed."""
    table = package[None, :]
    raw = raw_utilities(cp, table)
    u = np.clip(raw[:, 0], 0.0, 1.0)
    sig = cp.signatory
    s = float((u[sig] - R[sig]).min())
    prob = float(pass_probability(cp, table, raw)[0])
    if not signed_mask(cp, table)[0]:
        return -np.inf, prob, s
    key = float(expected_value(np.array([s]), np.array([prob]))[0]) + TIE * float(u[sig].sum())
    return key, prob, s


def expected_value_package(
    cp: Compiled, R: np.ndarray, ir_model: Callable[[], PackageModel], egalitarian: np.ndarray, z: float
) -> dict[str, Any] | None:
    """The expected-value package (see the module docstring), given the signed-package model ``ir_model()`` and the
    max–min package ``egalitarian`` with its value ``z`` ≥ 0 (a ZOPA); None when no signed package has P > 0."""
    base = PackageModel(cp)
    sig = [int(i) for i in np.flatnonzero(cp.signatory)]

    def solve(pat: Pattern, probs: tuple[float, float], interval: Interval | None, cutoff: float):
        m = ir_model()
        if not restrict(m, cp.steps, pat):
            return None
        if interval is not None:
            k, a, b = interval
            m.add_row(support_terms(m, cp.steps[k]), a, b)
        zz = m.add_var(-TOL, 2.0)
        cost: dict[int, float] = {}
        for i in sig:
            u = m.clipped(i)
            m.add_row({zz: 1.0, u: -1.0}, -np.inf, -float(R[i]))
            cost[u] = TIE
        cost[ev_rows(m, zz, probs)] = 1.0  # zz ≥ −TOL > f: the P_hi line
        return solve_above(m, cost, cutoff)

    def bound(pmax: float) -> float:
        return pmax * max(z, 0.0) + TIE * len(sig)

    ranges = {k: support_range(base, s) for k, s in enumerate(cp.steps) if not s.constant}

    def support_of(k: int, pkg: np.ndarray) -> float:
        return linear_at(base, support_terms(base, cp.steps[k]), pkg)

    pkg, key = best_expected(cp, solve, lambda p: score(cp, R, p)[0], support_of, bound, ranges, egalitarian)
    if pkg is None or not np.isfinite(key):
        return None
    _, prob, s = score(cp, R, pkg)
    return {"package": pkg, "ratification_probability": prob, "min_surplus": s, "expected_value": prob * s}
