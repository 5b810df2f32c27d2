"""Exact branch and bound over clauses for the max–min rule, for spaces too large to enumerate.

Clauses are fixed one at a time; a partial package is dropped only when an upper bound on its best score (each actor
taking its best remaining option, or a weighted sum of actors with weights from the LP relaxation) falls below the
best score found minus the tolerance. Surviving packages are scored by :func:`sim.search.enumeration.enumerate_best` in
package-index order, so the answer is the enumeration's, ties included. It gives up (returns None) past
``BNB_MAX_NODES``, and the caller falls back to the MILP.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim.core.compiled import Compiled
from sim.core.tolerances import EPS_TIE, TOL
from sim.search import highs
from sim.search.enumeration import Space, enumerate_best

# -- exact branch and bound over clauses (max_min_surplus, spaces too large to enumerate) -----------------------
BNB_MAX_NODES = 20_000
BNB_BLIND_NODES = 2_000  # give up early when no feasible incumbent is known yet


def _lp_weights(
    U: NDArray[np.float64],
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
    A[: len(idx), :nx] = -U[idx][:, cols]
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
    lam = np.zeros(U.shape[0])
    if highs.optimum(h) is not None:
        lam[idx] = np.abs(np.asarray(h.getSolution().row_dual)[: len(idx)])
    if lam.sum() <= 0:
        lam[idx] = 1.0 / len(idx)
    return lam / lam.sum()


def branch_and_bound(
    cp: Compiled,
    values: NDArray[np.float64],
    aspiration: NDArray[np.float64],
    required: NDArray[np.bool_],
    free: NDArray[np.bool_],
    base: NDArray[np.int64],
    self_floor: int | None = None,
) -> tuple[NDArray[np.int64] | None, float] | None:
    """The package :func:`enumerate_best` would pick over the whole space, found without enumerating it.

    Clauses are fixed one at a time (layer by layer, in numpy); a partial package is dropped when an upper bound
    of its key (min surplus + ε · mean utility) is below the best key found − ``TOL``. Two bounds, both valid for
    every completion: each counted actor taking its best remaining option (min_i), and for weights λ from the LP
    relaxation, max_x min_i s_i ≤ max_x Σ λ_i s_i, which separates by clause. Every package within ``TOL`` of the
    optimum survives, and the survivors are scored by :func:`enumerate_best` itself (in package-index order), so
    the result, ties included, is the enumeration's. Returns None (caller falls back to the MILP) when more than
    ``BNB_MAX_NODES`` partial packages would have to be kept. Approval rules, vetoes of triggered voters and
    constraints only remove packages or lower their key, so the bounds ignore them and the leaves apply them.
    """
    A = cp.n_actors
    Uopt = values - cp.penalty  # (A, O) utility of each option
    others = required.copy()
    if self_floor is not None:
        others[self_floor] = False
    if not others.any():
        return None
    tie = np.zeros(Uopt.shape[1])
    tie[:] = EPS_TIE * Uopt[others].mean(axis=0)
    blocked = cp.hard[required].any(axis=0)
    # clauses in constraints, rule triggers and interactions first, then by how much they move the λ-sum
    coupled = {cond.clause for k in cp.constraints for cond in (*k.if_, *k.require)}
    coupled |= {r.clause for r in cp.rules} | {cond.clause for it in cp.interactions for cond in it.when}
    fixed_u = np.zeros(A)
    allowed: dict[int, NDArray[np.bool_]] = {}
    for c in range(cp.n_clauses):
        sl = slice(cp.offsets[c], cp.offsets[c] + cp.n_options[c])
        if free[c]:
            allowed[c] = ~blocked[sl]
            if not allowed[c].any():
                return None, -np.inf
        else:
            fixed_u += Uopt[:, cp.offsets[c] + base[c]]
    order = sorted(allowed, key=lambda c: (c not in coupled, c))
    lam = _lp_weights(
        Uopt, [allowed[c] for c in order], cp.offsets[order], tie, fixed_u - aspiration + _pos_inter(cp, A), others
    )
    # per-depth suffix bounds
    D = len(order)
    rem_max = np.zeros((D + 1, A))
    rem_lam = np.zeros(D + 1)
    rem_tie = np.zeros(D + 1)
    for d in range(D - 1, -1, -1):
        c = order[d]
        cols = cp.offsets[c] + np.flatnonzero(allowed[c])
        rem_max[d] = rem_max[d + 1] + Uopt[:, cols].max(axis=1)
        rem_lam[d] = rem_lam[d + 1] + (lam @ Uopt[:, cols] + tie[cols]).max()
        rem_tie[d] = rem_tie[d + 1] + tie[cols].max()
    inter_pos = _pos_inter(cp, A)
    inter_lam = float(lam @ inter_pos) + EPS_TIE * inter_pos[others].mean()
    greedy = base.copy()
    for c in order:
        cols = cp.offsets[c] + np.flatnonzero(allowed[c])
        greedy[c] = np.flatnonzero(allowed[c])[int(np.argmax(lam @ Uopt[:, cols] + tie[cols]))]
    asp_o = aspiration[others]
    best_key = _exact_keys(cp, values, aspiration, required, self_floor, np.stack([base, greedy])).max()
    pk = np.repeat(base[None, :], 1, axis=0)
    P = fixed_u[None, :].copy()
    for d, c in enumerate(order):
        opts = np.flatnonzero(allowed[c])
        n = len(pk)
        pk = np.repeat(pk, len(opts), axis=0)
        pk[:, c] = np.tile(opts, n)
        P = np.repeat(P, len(opts), axis=0) + np.tile(Uopt[:, cp.offsets[c] + opts].T, (n, 1))
        # upper bounds of every completion's key (interactions counted at their best)
        tau = P[:, others].mean(axis=1) * EPS_TIE
        s = P[:, others] - asp_o + rem_max[d + 1][others] + inter_pos[others]
        b1 = s.min(axis=1) + tau + rem_tie[d + 1] + EPS_TIE * inter_pos[others].mean()
        b2 = (P - aspiration) @ lam + tau + rem_lam[d + 1] + inter_lam
        keep = np.minimum(b1, b2) >= best_key - TOL - 1e-12
        if self_floor is not None:
            keep &= (
                P[:, self_floor] + rem_max[d + 1, self_floor] + inter_pos[self_floor] >= aspiration[self_floor] - TOL
            )
        pk, P = pk[keep], P[keep]
        if len(pk) > BNB_MAX_NODES or (len(pk) > BNB_BLIND_NODES and not np.isfinite(best_key)):
            return None
        if len(pk) == 0:
            break
        if d < D - 1 and (d < 3 or d % 3 == 0):
            # complete the most promising prefixes greedily for a better incumbent
            top = np.argsort(-np.minimum(b1, b2)[keep], kind="stable")[:32]
            cand = pk[top].copy()
            rest = order[d + 1 :]
            cand[:, rest] = greedy[rest]
            best_key = max(best_key, _exact_keys(cp, values, aspiration, required, self_floor, cand).max())
    if len(pk) == 0:
        return None, -np.inf
    idx = np.ravel_multi_index(pk.T, tuple(int(k) for k in cp.n_options))
    pk = pk[np.argsort(idx, kind="stable")]
    return enumerate_best(cp, Space.of(cp, pk), values, aspiration, required, self_floor)


def _pos_inter(cp: Compiled, A: int) -> NDArray[np.float64]:
    out = np.zeros(A)
    for it in cp.interactions:
        out[it.actor] += max(it.value, 0.0)
    return out


def _exact_keys(cp, values, aspiration, required, self_floor, packages) -> NDArray[np.float64]:
    """The enumeration's key of each package (−inf where infeasible)."""
    return enumerate_best(cp, Space.of(cp, packages), values, aspiration, required, self_floor, keys=True)
