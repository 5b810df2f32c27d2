"""The mediator's expected-value objective on spaces too large to enumerate: exact, by trigger patterns and MILPs.

The objective (:func:`sim.core.ratify.expected_value`): key(x) = EV(s(x), P(x)) + ε · mean_{i ∈ S} U_i(x), with s the
max–min score (smallest surplus), P(x) = Π_{k triggered} p_k(x) the probability that x is ratified
(:mod:`sim.core.ratify`), EV(s, P) = P (s − f) + f with f = ``EV_FAIL`` = −1 (a failed ratification counts as the
worst surplus), ε = ``EPS_TIE``. It is not linear, but it is so at a fixed P, over the few *trigger patterns* of the
steps:

1. A pattern says, for every step, whether it is off (not triggered), on (triggered, its preconditions held) or dead
   (triggered without its precondition: p = 0). The package space splits into the patterns' regions, each one a set
   of linear rows (:func:`sim.search.patterns.restrict`: options forbidden, or "not all of these conditions" rows).
   A step triggered by any of several alternatives (an OR of conjunctions) is off when every alternative has a "not
   all" row, and on (or dead) through binary indicators: b_a ≤ s_c for every condition c of alternative a,
   Σ_a b_a ≥ 1. There are at most 3^K patterns for K steps, and few steps in a scenario.
2. In a pattern, P is a constant P_π (the product of the fixed p of its steps on, 0 with a step dead) times, for a step
   on whose probability depends on the package (a logit of a support table or of an actor's utility), the increasing
   function q(L) = σ(λ (clip(L, 0, 1) − θ)) of a linear quantity L(x). At a fixed P, EV(z, P) = P (z − f) + f is
   linear in z, so max key is a MILP: the max–min rows (:func:`sim.search.milp.maxmin_rows`, built once per search;
   each MILP adds its rows to a copy) with w ≤ P z + f (1 − P) and objective w + ε · mean U.
3. A pattern with such a step is solved by branch and bound on L: over an interval [a, b] of L, P lies in
   [P_π q(a), P_π q(b)], and a MILP whose EV row bounds EV(z, P) at every P of that range bounds the key of every
   package there (:func:`ev_rows`: the P_π q(b) line when every min surplus is at least f, since EV rises with P
   there; the P_π q(a) line when none is above f, since EV then falls with P; their chord otherwise). Its solution
   x is scored exactly, and unless the bound is met the interval splits (:func:`split`) into the piece where x's
   bound is its value, to the change of q over δ = ``SPLIT`` ([a, L(x) + δ] when EV rises with P, [L(x) − δ, b]
   when it falls, [L(x) − δ, L(x) + δ] otherwise), and the rest in halves. Intervals shrink at every split, so it
   ends, with the optimum to ``EV_TOL`` plus that change (λ δ / 4 · |s| at most; twice that, and the chord's
   excess, when the surpluses straddle f). At most one such step may be on in a pattern (a clear error otherwise).
   Before an interval's MILP, its low end is lifted (:func:`lift`) to the highest L* whose bound B(P_π q(L*)) (the
   bound of 4 at P ≤ P_π q(L*)) is at most the best key found: no package below L* can beat it. The MILP then
   bounds over [P_π q(L*), P_π q(b)], a tighter chord (docs/performance.md, "Lifting an interval's low end").
4. Patterns are visited by an upper bound of their key, best first, until none can beat the best package found:
   usually few MILPs. The bound: s + ε mean U ≤ M* (the max–min optimum) ≤ the optimum O of the max–min MILP's LP
   relaxation (:func:`sim.search.milp.relaxed_optimum`), one LP; the max–min search itself runs only when no
   pattern has a package (docs/performance.md, "The expected-value search without the max–min MILP").

The same driver (:func:`best_expected`) serves the mediator (:func:`solve_expected`) and ``negsim analyze``'s
expected-value package, each with its own MILP rows.
"""

from __future__ import annotations

import functools
import heapq
import itertools
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from sim.core.compiled import Compiled
from sim.core.curves import logit_accept
from sim.core.ratify import Step, expected_value
from sim.core.tolerances import EPS_TIE, EV_FAIL
from sim.errors import UsageError
from sim.search import highs
from sim.search.milp import maxmin_rows, relaxed_optimum, z_bounds
from sim.search.mip import TOLERANCES, PackageModel
from sim.search.patterns import Pattern, linear_at, patterns, restrict, support_range, support_terms
from sim.search.problem import SearchProblem, SearchResult

EV_TOL = 1e-8
"""An interval or pattern whose bound is within this of the best key found is closed (the optimum's precision)."""
MAX_SOLVES = 400
"""MILPs per search before it gives up with an error (it has always ended in a few dozen on the shipped scenarios)."""
SPLIT = 1e-7
"""An interval of L is split just above the solution's L(x): [a, L(x) + SPLIT], then the rest in two halves."""
LIFT_STEPS = 60
"""Bisection steps of :func:`lift` (an interval of L in [0, 1] to within 1e-18)."""

IntA = NDArray[np.int64]


def solve_above(
    m: PackageModel, cost: dict[int, float], cutoff: float, extra: dict | None = None, drop_implied: bool = False
) -> tuple[IntA, float] | None:
    """(package, objective) maximising ``cost`` over ``m``, or None when no package's objective exceeds ``cutoff``
    (HiGHS' ``objective_bound`` prunes every node that cannot beat it: regions that cannot improve end early);
    ``extra``: more HiGHS options (the mediator's: :data:`sim.search.highs.SEARCH_OPTIONS`); ``drop_implied``:
    HiGHS gets the program without its implied rows (:meth:`PackageModel.implied_rows`; the mediator's)."""
    c = np.zeros(m.n)
    for j, v in cost.items():
        c[j] = -v
    options = {**TOLERANCES, **(extra or {})}
    if np.isfinite(cutoff):
        options["objective_bound"] = -cutoff
    h = m.arrays(c, drop_implied).load(options)
    h.run()
    x = highs.optimum(h)
    if x is None:
        return None
    return m.package(x), float(-(c @ x))


def q_of(step: Step, level: float) -> float:
    """σ(λ (clip(L, 0, 1) − θ)), the probability of a varying step at L = ``level``."""
    return float(logit_accept(min(max(level, 0.0), 1.0) - step.threshold, step.lam))


def ev_shape(floor: float, z_hi: float) -> str:
    """How EV(z, P) = P (z − f) + f moves with P for z in [floor, z_hi]: ``rising`` (z ≥ f throughout), ``falling``
    (z ≤ f throughout: a package worse than failure gains from a lower P) or ``both``."""
    if floor >= EV_FAIL:
        return "rising"
    return "falling" if z_hi <= EV_FAIL else "both"


def ev_rows(m: PackageModel, z: int, probs: tuple[float, float], floor: float | None = None) -> int:
    """A variable w ≤ EV(z, P) = P (z − f) + f, f = ``EV_FAIL``, for every P in ``probs`` = [P_lo, P_hi].

    ``floor``: a lower bound of z at every package (default z's own bound). Over that range of P the bound is
    g(z) = max_P EV(z, P): the P_hi line where z ≥ f, the P_lo line where z ≤ f. When z stays on one side of f
    (:func:`ev_shape`: ``rising`` or ``falling``) or P is fixed, g is one line and so is the row,
    w − P z ≤ f (1 − P). Otherwise g is convex on [floor, z_hi] and w stays below its chord: an upper bound there,
    above g by at most (f − floor)(z_hi − f)(P_hi − P_lo) / (z_hi − floor), which vanishes as the branch and bound
    narrows the interval."""
    p_lo, p_hi = probs
    f = EV_FAIL
    lo = float(m.lb[z]) if floor is None else floor
    hi = float(m.ub[z])
    shape = ev_shape(lo, hi)
    w = m.add_var(-np.inf, np.inf)
    if shape != "both" or p_lo == p_hi:
        p = p_lo if shape == "falling" else p_hi
        m.add_row({w: 1.0, z: -p}, -np.inf, f * (1.0 - p))
        return w

    def g(v: float) -> float:
        return f + (v - f) * (p_hi if v >= f else p_lo)

    slope = (g(hi) - g(lo)) / (hi - lo)
    m.add_row({w: 1.0, z: -slope}, -np.inf, g(lo) - slope * lo)  # w ≤ g(lo) + slope (z − lo)
    return w


def split(a: float, b: float, at: float, shape: str) -> list[tuple[float, float]]:
    """The pieces [a, b] splits into around a package at L = ``at`` whose bound did not meet the best key: the piece
    where that package's bound is its value (to the change of q over ``SPLIT``: above it when EV rises with P,
    below it when EV falls, both sides otherwise) and the rest of [a, b] in halves; [] when that piece is all of
    [a, b]."""
    lo = a if shape == "rising" else max(a, at - SPLIT)
    hi = b if shape == "falling" else min(b, at + SPLIT)
    if lo <= a and hi >= b:
        return []
    below = [a, (a + lo) / 2] if lo > a else []
    above = [hi, (hi + b) / 2, b] if hi < b else [b]
    cuts = [*below, lo, *above] if lo > a else [a, *above]
    return [(x, y) for x, y in itertools.pairwise(cuts) if y > x]


Interval = tuple[int, float, float]  # (step, a, b): a ≤ L_step(x) ≤ b
Solve = Callable[[Pattern, tuple[float, float], Interval | None, float], tuple[IntA, float] | None]


def best_expected(
    cp: Compiled,
    solve: Solve,
    key_of: Callable[[IntA], float],
    support_of: Callable[[int, IntA], float],
    bound: Callable[[float], float],
    ranges: dict[int, tuple[float, float]],
    first: IntA | None,
    shape: Callable[[float], str] = lambda cutoff: "rising",
) -> tuple[IntA | None, float]:
    """(package, key) maximising the key over every pattern (see the module docstring), or ``first`` when no package
    has a finite key.

    ``solve(pattern, P, interval, cutoff)``: (package, objective) of the MILP over the pattern's region (and the
    interval of L) at the fixed probability P, or None when it has no package whose objective exceeds ``cutoff``;
    ``key_of``: the exact key of a package; ``support_of(k, package)``: L_k; ``bound(P_max)``: an upper bound of the
    key of every package whose P ≤ P_max; ``ranges``: the range of L of each varying step; ``first``: a package to
    start from; ``shape(cutoff)``: how EV moves with P over the min surpluses of the packages that could beat
    ``cutoff`` (:func:`ev_shape`; ``solve`` must bound with the same), which says where in an interval a package's
    bound is its value (:func:`split`)."""
    best_pkg, best = (first, key_of(first)) if first is not None else (None, -np.inf)
    todo = []
    for pat in patterns(cp):
        pmax = pat.constant * (1.0 if pat.logit is None else q_of(cp.steps[pat.logit], ranges[pat.logit][1]))
        todo.append((bound(pmax), pat))
    todo.sort(key=lambda t: -t[0])
    solves = 0
    for ub, pat in todo:
        if ub <= best + EV_TOL:
            break
        k = -1 if pat.logit is None else pat.logit
        heap: list = [(-ub, 0, None if k < 0 else (k, *ranges[k]))]
        tick = itertools.count(1)
        while heap:
            neg, _, interval = heapq.heappop(heap)
            if -neg <= best + EV_TOL:
                break
            if interval is None:
                probs = (pat.constant, pat.constant)
            else:
                step = cp.steps[k]
                # the low L whose packages (P <= P_pi q(L)) cannot beat the best key are dropped first
                interval = lift(interval, functools.partial(_bound_at, bound, pat.constant, step), best + EV_TOL)
                if interval is None:
                    continue
                probs = (pat.constant * q_of(step, interval[1]), pat.constant * q_of(step, interval[2]))
            solves += 1
            if solves > MAX_SOLVES:
                raise UsageError(
                    f"protocol.mediator_objective: expected_value needed more than {MAX_SOLVES} MILPs for one "
                    "proposal; use protocol.mediator_objective: max_min_surplus"
                )
            cutoff = best + EV_TOL
            how = shape(cutoff)
            found = solve(pat, probs, interval, cutoff)
            if found is None:
                continue
            pkg, obj = found
            key = key_of(pkg)
            if key > best + EV_TOL or (best_pkg is None and np.isfinite(key)):
                best_pkg, best = pkg, key
            if interval is None or obj <= best + EV_TOL:
                continue
            _, a, b = interval
            for lo, hi in split(a, b, support_of(k, pkg), how):  # none: its bound is its value
                heapq.heappush(heap, (-obj, next(tick), (k, lo, hi)))
    return best_pkg, best


def lift(interval: Interval, bound_at: Callable[[float], float], cutoff: float) -> Interval | None:
    """``interval`` without the low values of L where ``bound_at(L)`` (the key bound of a package at P ≤ P_π q(L))
    is at most ``cutoff``: those packages cannot beat it. None when that is all of it. The new lower end L* is a
    point tested to satisfy ``bound_at(L*) ≤ cutoff``, found by bisection (``bound_at`` rises with L)."""
    k, a, b = interval
    if bound_at(b) <= cutoff:
        return None
    if bound_at(a) > cutoff:
        return interval
    lo, hi = a, b  # bound_at(lo) <= cutoff < bound_at(hi)
    for _ in range(LIFT_STEPS):
        mid = 0.5 * (lo + hi)
        if not lo < mid < hi:
            break
        lo, hi = (mid, hi) if bound_at(mid) <= cutoff else (lo, mid)
    return (k, lo, b)


def _bound_at(bound: Callable[[float], float], constant: float, step: Step, level: float) -> float:
    """``bound`` of the packages at P ≤ P_π q(L), L = ``level``."""
    return bound(constant * q_of(step, level))


# -- the mediator --------------------------------------------------------------------------------------------------
def solve_expected(
    problem: SearchProblem,
    maxmin: Callable[[], SearchResult],
    key_of: Callable[[IntA], tuple[float, float]],
) -> SearchResult:
    """The mediator's best package by the expected-value key (module docstring, 4; ``maxmin()``, the max–min search,
    answers without steps, an infeasible LP or no pattern's package). ``key_of(package)``: (key, min surplus), the
    enumeration's exact scoring of one package. ``score`` is the chosen package's min surplus."""
    cp, counted = problem.compiled, problem.counted
    if not cp.steps:
        return maxmin()
    rows = maxmin_rows(problem)  # built once: each pattern's MILP adds its rows to a copy
    top = relaxed_optimum(problem, rows)
    if top is None:
        return maxmin()
    base, z, _ = rows
    n_counted = max(int(counted.sum()), 1)
    t_lo = EPS_TIE * float(base.u_lo[counted].sum()) / n_counted
    t_hi = EPS_TIE * float(base.u_hi[counted].sum()) / n_counted
    # every package: s + t ≤ M* ≤ O (the LP relaxation's optimum), t = ε mean U ≥ t_lo; so key ≤ EV(O − t_lo) + t_hi
    s_top = top - t_lo

    def bound(pmax: float) -> float:  # EV rises with P when s > f, falls when s < f: the larger end of [0, pmax]
        ev = expected_value(np.array([s_top, s_top]), np.array([pmax, 0.0]))
        return float(ev.max()) + t_hi

    # the min surplus z of every package is at least min_i (u_lo_i − a_i) (over every actor, as z's own big-M bound);
    # a package with z < f has key ≤ EV(z, P) + t ≤ f + t_hi, so once the cutoff is there only z ≥ f matters
    lowest = float((base.u_lo - problem.aspiration).min())
    z_hi = z_bounds(base, problem.aspiration, counted)[1]

    def floor_at(cutoff: float) -> float:
        return max(lowest, EV_FAIL) if cutoff >= EV_FAIL + t_hi else lowest

    def shape(cutoff: float) -> str:
        return ev_shape(floor_at(cutoff), z_hi)

    def solve(pat: Pattern, probs: tuple[float, float], interval: Interval | None, cutoff: float):
        m = base.copy()
        if not restrict(m, cp.steps, pat):
            return None
        if interval is not None:
            k, a, b = interval
            m.add_row(support_terms(m, cp.steps[k]), a, b)
        w = ev_rows(m, z, probs, floor_at(cutoff))
        cost = {w: 1.0}
        for i in np.flatnonzero(counted):
            for j, v in m.utility(int(i), EPS_TIE / n_counted).items():
                cost[j] = cost.get(j, 0.0) + v
        return solve_above(m, cost, cutoff, highs.SEARCH_OPTIONS, drop_implied=True)

    def support_of(k: int, pkg: IntA) -> float:
        terms = support_terms(base, cp.steps[k])
        return linear_at(base, terms, pkg)

    ranges = {k: support_range(base, s) for k, s in enumerate(cp.steps) if not s.constant}
    pkg, _ = best_expected(cp, solve, lambda p: key_of(p)[0], support_of, bound, ranges, None, shape)
    if pkg is None:
        return maxmin()
    return SearchResult(pkg.copy(), key_of(pkg)[1], "milp")
