"""Exact branch and bound over clauses for the max–min rule, for spaces too large to enumerate.

Clauses are fixed one at a time; a partial package is dropped only when an upper bound on its best score (each actor
taking its best remaining option, or a weighted sum of actors with weights from the LP relaxation) falls below the
best score found minus the tolerance. Surviving packages are scored by :func:`sim.search.enumeration.enumerate_best` in
package-index order, so the answer is the enumeration's, ties included. It gives up (returns None) past
``BNB_MAX_NODES``, and the caller falls back to the MILP, started from the best package the branch and bound had
found (:func:`attempt`).

Steps of :func:`branch_and_bound`: the options each free clause may take (:func:`_allowed_options`); the branching
order (:func:`_branching_order`); the bounds of every depth (:func:`_prepare_bounds`, with the LP weights of
:func:`_lp_weights`); the layers (:func:`_layers`, with :func:`_upper_bound` and :func:`_improve_incumbent`); the
survivors scored by the enumeration.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from sim.core.compiled import Compiled
from sim.core.tolerances import EPS_TIE, TOL
from sim.search import highs
from sim.search.enumeration import Space, enumerate_best, max_min_keys
from sim.search.problem import SearchProblem, SearchResult

BNB_MAX_NODES = 20_000
BNB_BLIND_NODES = 2_000  # give up early when no feasible incumbent is known yet
BOUND_ROUNDING = 1e-12  # the bounds are sums in another order than the keys: keep a prefix this close to the cut
GREEDY_EVERY = 3  # complete prefixes greedily at depths 0, 1, 2 and every third depth after
GREEDY_PREFIXES = 32  # how many of the most promising prefixes are completed


def branch_and_bound(problem: SearchProblem) -> SearchResult | None:
    """:func:`attempt`'s answer: the enumeration's package, or None when the branch and bound gave up."""
    return attempt(problem)[0]


def attempt(problem: SearchProblem) -> tuple[SearchResult | None, NDArray[np.int64] | None]:
    """(the package :func:`enumerate_best` would pick over the whole space, found without enumerating it, or None
    when it gave up; the best feasible package it had found, or None: a start for the MILP that takes over).

    Clauses are fixed one at a time (layer by layer, in numpy); a partial package is dropped when an upper bound
    of its key (min surplus + ε · mean utility) is below the best key found − ``TOL``. Two bounds, both valid for
    every completion: each counted actor taking its best remaining option (min_i), and for weights λ from the LP
    relaxation, max_x min_i s_i ≤ max_x Σ λ_i s_i, which separates by clause. Every package within ``TOL`` of the
    optimum survives, and the survivors are scored by :func:`enumerate_best` itself (in package-index order), so
    the result, ties included, is the enumeration's. Returns None (caller falls back to the MILP) when more than
    ``BNB_MAX_NODES`` partial packages would have to be kept, or when no actor is counted. Approval rules, vetoes
    of triggered voters and constraints only remove packages or lower their key, so the bounds ignore them and the
    leaves apply them. ``problem.rule`` must be ``max_min_surplus``.
    """
    cp = problem.compiled
    if not problem.counted.any():
        return None, None
    option_u = problem.values - cp.penalty  # (A, O) utility of each option
    allowed, fixed_u = _allowed_options(problem, option_u)
    if allowed is None:
        return SearchResult.none("branch_and_bound"), None
    bounds = _prepare_bounds(problem, option_u, allowed, _branching_order(cp, allowed), fixed_u)
    survivors, incumbent = _layers(problem, bounds, fixed_u)
    if survivors is None:
        return None, incumbent
    if len(survivors) == 0:
        return SearchResult.none("branch_and_bound"), incumbent
    index = np.ravel_multi_index(survivors.T, tuple(int(k) for k in cp.n_options))
    survivors = survivors[np.argsort(index, kind="stable")]
    return replace(enumerate_best(problem, Space.of(cp, survivors)), method="branch_and_bound"), incumbent


def _allowed_options(
    problem: SearchProblem, option_u: NDArray[np.float64]
) -> tuple[dict[int, NDArray[np.bool_]] | None, NDArray[np.float64]]:
    """Per free clause, its options that no required actor's hard red line forbids (None when a clause has none);
    and Σ_{c fixed} U_{·, base_c}, the utility every package gets from the clauses that are not on the table."""
    cp = problem.compiled
    blocked = cp.hard[problem.required].any(axis=0)
    fixed_u = np.zeros(cp.n_actors)
    allowed: dict[int, NDArray[np.bool_]] = {}
    for c in range(cp.n_clauses):
        if problem.free[c]:
            allowed[c] = ~blocked[cp.offsets[c] : cp.offsets[c] + cp.n_options[c]]
            if not allowed[c].any():
                return None, fixed_u
        else:
            fixed_u += option_u[:, cp.offsets[c] + problem.base[c]]
    return allowed, fixed_u


def _branching_order(cp: Compiled, allowed: dict[int, NDArray[np.bool_]]) -> list[int]:
    """The free clauses: those in constraints, rule triggers and interactions first, then by index."""
    coupled = {cond.clause for k in cp.constraints for cond in (*k.if_, *k.require)}
    coupled |= {r.clause for r in cp.rules} | {cond.clause for it in cp.interactions for cond in it.when}
    return sorted(allowed, key=lambda c: (c not in coupled, c))


@dataclass(frozen=True, eq=False)
class _Bounds:
    """What the bounds of a partial package need: clauses fixed at depth d are ``order[:d + 1]``.

    ``option_u`` (A, O) option utilities; ``tie`` (O,) ε · mean_{i ∈ S} of each option's utility; ``lam`` (A,) λ;
    ``rem_max`` (D + 1, A) Σ over the clauses after depth d of each actor's best allowed option; ``rem_lam``
    (D + 1,) Σ of max_k (λ · U_k + tie_k); ``rem_tie`` (D + 1,) Σ of max_k tie_k; ``inter_pos`` (A,) Σ of each
    actor's positive interaction values (interactions counted at their best); ``inter_lam`` λ · inter_pos +
    ε · mean_S inter_pos; ``greedy`` (C,) each free clause at its best option for λ · U + tie."""

    order: list[int]
    allowed: dict[int, NDArray[np.bool_]]
    option_u: NDArray[np.float64]
    tie: NDArray[np.float64]
    lam: NDArray[np.float64]
    rem_max: NDArray[np.float64]
    rem_lam: NDArray[np.float64]
    rem_tie: NDArray[np.float64]
    inter_pos: NDArray[np.float64]
    inter_lam: float
    greedy: NDArray[np.int64]


def _prepare_bounds(
    problem: SearchProblem,
    option_u: NDArray[np.float64],
    allowed: dict[int, NDArray[np.bool_]],
    order: list[int],
    fixed_u: NDArray[np.float64],
) -> _Bounds:
    """The λ weights at the root and the per-depth suffix sums of :class:`_Bounds`."""
    cp, counted = problem.compiled, problem.counted
    tie = np.zeros(option_u.shape[1])
    tie[:] = EPS_TIE * option_u[counted].mean(axis=0)
    inter_pos = _positive_interactions(cp)
    const = fixed_u - problem.aspiration + inter_pos
    lam = _lp_weights(option_u, [allowed[c] for c in order], cp.offsets[order], tie, const, counted)
    depth = len(order)
    rem_max = np.zeros((depth + 1, cp.n_actors))
    rem_lam = np.zeros(depth + 1)
    rem_tie = np.zeros(depth + 1)
    for d in range(depth - 1, -1, -1):
        cols = cp.offsets[order[d]] + np.flatnonzero(allowed[order[d]])
        rem_max[d] = rem_max[d + 1] + option_u[:, cols].max(axis=1)
        rem_lam[d] = rem_lam[d + 1] + (lam @ option_u[:, cols] + tie[cols]).max()
        rem_tie[d] = rem_tie[d + 1] + tie[cols].max()
    inter_lam = float(lam @ inter_pos) + EPS_TIE * inter_pos[counted].mean()
    greedy = problem.base.copy()
    for c in order:
        cols = cp.offsets[c] + np.flatnonzero(allowed[c])
        greedy[c] = np.flatnonzero(allowed[c])[int(np.argmax(lam @ option_u[:, cols] + tie[cols]))]
    return _Bounds(order, allowed, option_u, tie, lam, rem_max, rem_lam, rem_tie, inter_pos, inter_lam, greedy)


def _layers(
    problem: SearchProblem, bounds: _Bounds, fixed_u: NDArray[np.float64]
) -> tuple[NDArray[np.int64] | None, NDArray[np.int64] | None]:
    """((N, C) every package whose key bound reaches the best key found − ``TOL`` (empty when none), or None when
    more than ``BNB_MAX_NODES`` partial packages (or ``BNB_BLIND_NODES`` with no incumbent yet) would be kept;
    the incumbent: the first package of the best key found, None when none was feasible)."""
    cp, sf, aspiration = problem.compiled, problem.self_floor, problem.aspiration
    order = bounds.order
    best_key, incumbent = _best_of(problem, np.stack([problem.base, bounds.greedy]))
    partial = problem.base[None, :].copy()  # (N, C) the packages, clauses after depth d at base
    partial_u = fixed_u[None, :].copy()  # (N, A) the utility of their fixed clauses
    for d, c in enumerate(order):
        opts = np.flatnonzero(bounds.allowed[c])
        n, k = len(partial), len(opts)
        # child r = (parent r // k, option r % k): the same sums, in the same order, as np.repeat of the parents
        # plus np.tile of the options; only the kept children's packages are built
        child_u = (partial_u[:, None, :] + bounds.option_u[:, cp.offsets[c] + opts].T[None, :, :]).reshape(n * k, -1)
        bound = _upper_bound(problem, bounds, d, child_u)
        keep = bound >= best_key - TOL - BOUND_ROUNDING
        if sf is not None:
            reach = child_u[:, sf] + bounds.rem_max[d + 1, sf] + bounds.inter_pos[sf]
            keep &= reach >= aspiration[sf] - TOL
        kept = np.flatnonzero(keep)
        parent, option = np.divmod(kept, k)
        partial = partial[parent]
        partial[:, c] = opts[option]
        partial_u = child_u[kept]
        if len(partial) > BNB_MAX_NODES or (len(partial) > BNB_BLIND_NODES and not np.isfinite(best_key)):
            return None, incumbent
        if len(partial) == 0:
            break
        if d < len(order) - 1 and (d < GREEDY_EVERY or d % GREEDY_EVERY == 0):
            key, pkg = _improve_incumbent(problem, bounds, d, partial, bound[kept])
            if key > best_key:
                best_key, incumbent = key, pkg
    return partial, incumbent


def _upper_bound(
    problem: SearchProblem, bounds: _Bounds, d: int, partial_u: NDArray[np.float64]
) -> NDArray[np.float64]:
    """(N,) min(b1, b2), an upper bound of the key of every completion of the partial packages at depth d.

    With P the partial utilities, τ = ε · mean_{i ∈ S} P_i and I⁺ the positive interaction values:
    b1 = min_{i ∈ S} (P_i − a_i + rem_max_i + I⁺_i) + τ + rem_tie + ε · mean_S I⁺;
    b2 = Σ_i λ_i (P_i − a_i) + τ + rem_lam + λ · I⁺ + ε · mean_S I⁺."""
    counted, aspiration = problem.counted, problem.aspiration
    inter_pos = bounds.inter_pos
    counted_u = partial_u[:, counted]
    tau = counted_u.mean(axis=1) * EPS_TIE
    s = counted_u - aspiration[counted] + bounds.rem_max[d + 1][counted] + inter_pos[counted]
    b1 = s.min(axis=1) + tau + bounds.rem_tie[d + 1] + EPS_TIE * inter_pos[counted].mean()
    b2 = (partial_u - aspiration) @ bounds.lam + tau + bounds.rem_lam[d + 1] + bounds.inter_lam
    return np.minimum(b1, b2)


def _improve_incumbent(
    problem: SearchProblem, bounds: _Bounds, d: int, partial: NDArray[np.int64], bound: NDArray[np.float64]
) -> tuple[float, NDArray[np.int64] | None]:
    """:func:`_best_of` the ``GREEDY_PREFIXES`` most promising prefixes completed greedily."""
    top = np.argsort(-bound, kind="stable")[:GREEDY_PREFIXES]
    cand = partial[top].copy()
    rest = bounds.order[d + 1 :]
    cand[:, rest] = bounds.greedy[rest]
    return _best_of(problem, cand)


def _best_of(problem: SearchProblem, packages: NDArray[np.int64]) -> tuple[float, NDArray[np.int64] | None]:
    """(the best exact key of ``packages``, the first package with it; None when every key is −inf)."""
    keys = _keys(problem, packages)
    j = int(np.argmax(keys))
    return float(keys[j]), (packages[j].copy() if np.isfinite(keys[j]) else None)


def _lp_weights(
    option_u: NDArray[np.float64],
    allowed: list[NDArray[np.bool_]],
    offsets: NDArray[np.int64],
    tie: NDArray[np.float64],
    const: NDArray[np.float64],
    counted: NDArray[np.bool_],
) -> NDArray[np.float64]:
    """Weights λ over the counted actors: the duals of z ≤ const_i + U_i·x in the LP relaxation of
    max z + tie·x (one option per clause relaxed to a convex combination). Any λ ≥ 0 summing to 1 gives a valid
    bound; the LP's is the tightest at the root."""
    idx = np.flatnonzero(counted)
    cols = np.concatenate([offsets[c] + np.flatnonzero(a) for c, a in enumerate(allowed)]).astype(np.int64)
    nx, m = len(cols), len(idx) + len(allowed)
    A = np.zeros((m, nx + 1))
    A[: len(idx), :nx] = -option_u[idx][:, cols]
    A[: len(idx), nx] = 1.0
    pos = 0
    for c, a in enumerate(allowed):
        k = int(a.sum())
        A[len(idx) + c, pos : pos + k] = 1.0
        pos += k
    lo = np.concatenate([np.full(len(idx), -np.inf), np.ones(len(allowed))])
    hi = np.concatenate([const[idx], np.ones(len(allowed))])
    cost = np.concatenate([-tie[cols], [-1.0]])
    h = highs.load(cost, A, lo, hi, np.r_[np.zeros(nx), -1e3], np.r_[np.ones(nx), 1e3], np.zeros(nx + 1, dtype=bool))
    h.run()
    lam = np.zeros(option_u.shape[0])
    if highs.optimum(h) is not None:
        lam[idx] = np.abs(np.asarray(h.getSolution().row_dual)[: len(idx)])
    if lam.sum() <= 0:
        lam[idx] = 1.0 / len(idx)
    return lam / lam.sum()


def _positive_interactions(cp: Compiled) -> NDArray[np.float64]:
    """(A,) Σ of each actor's positive interaction values."""
    out = np.zeros(cp.n_actors)
    for it in cp.interactions:
        out[it.actor] += max(it.value, 0.0)
    return out


def _keys(problem: SearchProblem, packages: NDArray[np.int64]) -> NDArray[np.float64]:
    """The enumeration's max–min key of each package (−inf where infeasible)."""
    return max_min_keys(problem, Space.of(problem.compiled, packages))
