"""Choosing the package to put on the table: exact search by enumeration (small spaces) or MILP (large).

Rules (the proposer's objective):

- ``max_min_surplus`` (the mediator's single negotiating text, Fisher's one-text procedure, REPORT §C.10; also a
  proposer under alternating offers): maximise min_i (U_i(x) − a_i) over the required actors (signatories and the
  voters of every approval rule the package triggers), subject to their hard red lines, QMV thresholds and the
  cross-clause constraints; ties broken towards the largest mean utility of the required actors, then the lowest
  package index. A proposer under alternating offers must also reach its own aspiration.
- ``max_product`` (benchmark W1): among packages at or above the proposer's aspiration, the largest product of the
  other required actors' utilities (enumeration only).

Both searches are exact: enumeration scores every package of the free clauses; the MILP (:mod:`sim.milp`) is
solved to optimality by HiGHS. ``ENUMERATION_LIMIT`` decides which one runs under ``protocol.search: auto``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import highs
from .compiled import Compiled
from .errors import UsageError
from .milp import EPS_TIE, solve_maxmin
from .utility import all_packages, feasible, grid_utilities, raw_utilities, triggered, vetoes

ENUMERATION_LIMIT = 300_000
TOL = 1e-9


class Space:
    """The packages of the free clauses (others fixed at ``base``), enumerated once and kept."""

    def __init__(self, cp: Compiled, free: NDArray[np.bool_], base: NDArray[np.int64]):
        self._set(cp, _grid_packages(cp.n_options, free, base))
        self._grid: tuple[NDArray[np.bool_], NDArray[np.int64]] | None = (free.copy(), base.copy())

    @classmethod
    def of(cls, cp: Compiled, packages: NDArray[np.int64]) -> Space:
        """A space of the given packages (in the given order)."""
        space = cls.__new__(cls)
        space._set(cp, packages)
        space._grid = None
        return space

    def _set(self, cp: Compiled, packages: NDArray[np.int64]) -> None:
        self.packages = packages
        self.veto = vetoes(cp, packages)  # (A, N)
        self.ok = feasible(cp, packages)  # (N,)
        self.trig = triggered(cp, packages)  # (R, N)
        self.all_ok = bool(self.ok.all())
        self.any_veto = bool(self.veto.any())
        self.clipped: NDArray[np.float64] | None = None  # clip(U, 0, 1), made when needed
        self._values: NDArray[np.float64] | None = None  # held, so that its id cannot be reused
        self._u: NDArray[np.float64] | None = None
        self._products: dict[tuple[bytes, int], Any] = {}

    def utilities(self, cp: Compiled, values: NDArray[np.float64]) -> NDArray[np.float64]:
        if self._values is not values or self._u is None:
            if self._grid is not None:
                self._u = grid_utilities(cp, *self._grid, values)
            else:
                self._u = raw_utilities(cp, self.packages, values)
            self._values = values
            self._products = {}
            self.clipped = None
        return self._u

    def products(
        self, cp: Compiled, U: NDArray[np.float64], required: NDArray[np.bool_], self_floor: int
    ) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]] | None:
        """``max_product`` candidates, kept per (required, proposer): see :func:`_product_candidates`."""
        key = (required.tobytes(), self_floor)
        if key not in self._products:
            self._products[key] = _product_candidates(cp, self, U, required, self_floor)
        return self._products[key]


_GRIDS: dict[tuple[bytes, bytes, bytes], NDArray[np.int64]] = {}


def _grid_packages(n_options: NDArray[np.int64], free: NDArray[np.bool_], base: NDArray[np.int64]) -> NDArray[np.int64]:
    """Every package of the free clauses (others at ``base``) in ``itertools.product`` order; the last few grids
    are kept read-only, shared by every prepared scenario of the same shape (a sweep builds them once)."""
    key = (n_options.tobytes(), free.tobytes(), base.tobytes())
    grid = _GRIDS.get(key)
    if grid is None:
        sub = all_packages(np.where(free, n_options, 1))
        grid = np.where(free[None, :], sub, base[None, :])
        grid.flags.writeable = False
        if len(_GRIDS) >= 4:
            _GRIDS.pop(next(iter(_GRIDS)))
        _GRIDS[key] = grid
    return grid


PRODUCT_BINS = 256


def _product_candidates(
    cp: Compiled, space: Space, U: NDArray[np.float64], required: NDArray[np.bool_], self_floor: int
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]] | None:
    """The only packages ``max_product`` can pick for proposer p, whatever its aspiration: (indices, U_p, key).

    key = the product of the other required actors' clipped utilities where the package passes every test that
    does not depend on the aspirations, 0 elsewhere. Packages are binned by U_p (monotone); a package whose key is
    below the best key of the strictly higher bins − ``TOL`` is never within ``TOL`` of the best package that meets
    p's floor (those higher packages meet it too), so it is dropped: a few dozen of 65,536 remain in W1.
    None when an aspiration-dependent test (a triggered QMV rule) applies or no other actor counts.
    """
    others = required.copy()
    others[self_floor] = False
    if not others.any():
        return None
    ok = None if space.all_ok else space.ok.copy()
    if space.any_veto:
        ok = (space.ok.copy() if ok is None else ok) & ~space.veto[required].any(axis=0)
    for r, rl in enumerate(cp.rules):
        if rl.kind == "ratification" or not space.trig[r].any():
            continue
        if rl.kind not in ("unanimity", "contributors"):
            return None
        extra = rl.voters[~required[rl.voters]]
        if len(extra) and space.any_veto:
            ok = (space.ok.copy() if ok is None else ok) & ~(space.trig[r] & space.veto[extra].any(axis=0))
    if space.clipped is None:
        space.clipped = np.clip(U, 0.0, 1.0)
    prod = np.prod(space.clipped[others], axis=0)
    if ok is not None:
        prod = np.where(ok, prod, 0.0)
    up = U[self_floor]
    nb = PRODUCT_BINS
    b = np.clip((up * nb).astype(np.int64), 0, nb - 1)
    top = np.zeros(nb + 2)  # top[k + 1] = best key of bin k
    np.maximum.at(top, b + 1, prod)
    above = np.maximum.accumulate(top[::-1])[::-1]  # above[k + 1] = best key of bins >= k
    idx = np.flatnonzero(prod >= np.append(above, 0.0)[b + 2] - TOL)
    return idx, up[idx], prod[idx]


def _max_product(
    cp: Compiled,
    space: Space,
    U: NDArray[np.float64],
    aspiration: NDArray[np.float64],
    required: NDArray[np.bool_],
    self_floor: int,
) -> tuple[NDArray[np.int64], float] | None:
    """:func:`enumerate_best`'s ``max_product`` answer from the cached candidates; None when it cannot be sure to
    give the same answer (then the general code runs). The key is the candidate's product times the proposer's
    floor test (0 where it fails); when its maximum exceeds ``TOL``, every package within ``TOL`` of it passes all
    the tests and is a candidate, so the lowest such index is the general code's pick."""
    cand = space.products(cp, U, required, self_floor)
    if cand is None:
        return None
    idx, up, prod = cand
    key = prod * ((up - aspiration[self_floor]) >= -TOL)
    top = key.max(initial=0.0)
    if not top > TOL:
        return None
    best = int(idx[np.argmax(key >= top - TOL)])
    col = U[:, best : best + 1] - aspiration[:, None]
    others = required.copy()
    others[self_floor] = False
    score = _score(cp, col, space.trig[:, best : best + 1], required, others)
    return space.packages[best].copy(), float(score[0])


def _score(
    cp: Compiled,
    surplus: NDArray[np.float64],
    trig: NDArray[np.bool_],
    required: NDArray[np.bool_],
    others: NDArray[np.bool_],
) -> NDArray[np.float64]:
    """min_i surplus_i over the counted actors and the voters of triggered unanimity rules (column by column)."""
    score = surplus[others].min(axis=0) if others.any() else np.zeros(surplus.shape[1])
    for r, rl in enumerate(cp.rules):
        if rl.kind in ("unanimity", "contributors") and trig[r].any():
            extra = rl.voters[~required[rl.voters]]
            if len(extra):
                score = np.where(trig[r], np.minimum(score, surplus[extra].min(axis=0)), score)
    return score


def space_size(cp: Compiled, free: NDArray[np.bool_]) -> int:
    return int(np.prod(np.where(free, cp.n_options, 1).astype(object)))


def enumerate_best(
    cp: Compiled,
    space: Space,
    values: NDArray[np.float64],
    aspiration: NDArray[np.float64],
    required: NDArray[np.bool_],
    self_floor: int | None = None,
    rule: str = "max_min_surplus",
    keys: bool = False,
) -> Any:
    """Exact search over an enumerated space; returns (package, score) or (None, −inf).

    ``keys=True`` returns the (N,) max–min keys instead (score + tie-break, −inf where infeasible)."""
    U = space.utilities(cp, values)
    if rule == "max_product" and self_floor is not None and not keys:
        fast = _max_product(cp, space, U, aspiration, required, self_floor)
        if fast is not None:
            return fast
    surplus = U - aspiration[:, None]
    ok = space.ok.copy()
    ok &= ~space.veto[required].any(axis=0)
    if self_floor is not None:
        ok &= surplus[self_floor] >= -TOL
    others = required.copy()
    if self_floor is not None:
        others[self_floor] = False
    score = surplus[others].min(axis=0) if others.any() else np.zeros(U.shape[1])
    for r, rl in enumerate(cp.rules):
        if rl.kind == "ratification":
            continue
        t = space.trig[r]
        if not t.any():
            continue
        voters = rl.voters
        if rl.kind in ("unanimity", "contributors"):
            extra = voters[~required[voters]]
            if len(extra):
                score = np.where(t, np.minimum(score, surplus[extra].min(axis=0)), score)
                ok &= ~(t & space.veto[extra].any(axis=0))
        else:
            yes = (surplus[voters] >= -TOL) & ~space.veto[voters]
            m = (rl.members[:, None] * yes).sum(axis=0) >= rl.member_share * rl.members.sum() - TOL
            p = (rl.population[:, None] * yes).sum(axis=0) >= rl.population_share * rl.population.sum() - TOL
            ok &= ~t | (m & p)
    if keys:
        tie0 = EPS_TIE * U[others].mean(axis=0) if others.any() else 0.0
        return np.where(ok, score + tie0, -np.inf)
    if not ok.any():
        return None, -np.inf
    if rule == "max_product":
        prod = np.prod(np.clip(U[others], 0.0, 1.0), axis=0) if others.any() else np.zeros(U.shape[1])
        key = np.where(ok, prod, -np.inf)
        best = int(np.argmax(key >= key.max() - TOL))
        return space.packages[best].copy(), float(score[best])
    tie = EPS_TIE * U[others].mean(axis=0) if others.any() else 0.0
    key = np.where(ok, score + tie, -np.inf)
    best = int(np.argmax(key >= key.max() - TOL))
    return space.packages[best].copy(), float(score[best])


class Searcher:
    """Finds proposals for one compiled scenario, caching enumerated spaces and MILP answers."""

    def __init__(self, cp: Compiled, mode: str = "auto"):
        self.cp = cp
        self.mode = mode
        self._spaces: dict[tuple[bytes, bytes], Space] = {}
        self._memo: dict[tuple, tuple[NDArray[np.int64] | None, float]] = {}

    def propose(
        self,
        values: NDArray[np.float64],
        aspiration: NDArray[np.float64],
        required: NDArray[np.bool_],
        free: NDArray[np.bool_],
        base: NDArray[np.int64],
        self_floor: int | None = None,
        rule: str = "max_min_surplus",
        values_key: object = None,
    ) -> tuple[NDArray[np.int64] | None, float]:
        cp = self.cp
        size = space_size(cp, free)
        use_enum = self.mode == "enumerate" or (self.mode == "auto" and size <= ENUMERATION_LIMIT)
        if rule == "max_product" and not use_enum:
            raise UsageError(
                f"offer_rule max_product needs enumeration, but the space has {size:,} packages "
                f"(limit {ENUMERATION_LIMIT:,}); use protocol.offer_rule: max_min_surplus"
            )
        if use_enum and size > 20 * ENUMERATION_LIMIT:
            raise UsageError(
                f"protocol.search: enumerate over {size:,} packages is too large "
                f"(at most {20 * ENUMERATION_LIMIT:,}); use auto or milp"
            )
        key = (
            values_key,
            np.round(aspiration, 12).tobytes(),
            required.tobytes(),
            free.tobytes(),
            base.tobytes(),
            self_floor,
            rule,
        )
        if values_key is not None and key in self._memo:
            pkg, score = self._memo[key]
            return (None if pkg is None else pkg.copy()), score
        if use_enum:
            skey = (free.tobytes(), base.tobytes())
            space = self._spaces.get(skey)
            if space is None:
                space = self._spaces[skey] = Space(cp, free, base)
            out = enumerate_best(cp, space, values, aspiration, required, self_floor, rule)
        else:
            out = None
            if self.mode != "milp" and rule == "max_min_surplus" and size <= BNB_MAX_SPACE:
                out = branch_and_bound(cp, values, aspiration, required, free, base, self_floor)
            if out is None:
                out = solve_maxmin(cp, values, aspiration, required, free, base, self_floor)
        if values_key is not None:
            self._memo[key] = out
        return out


# -- exact branch and bound over clauses (max_min_surplus, spaces too large to enumerate) -----------------------
BNB_MAX_NODES = 20_000
BNB_MAX_SPACE = 10**8  # beyond this the bounds rarely prune enough (Paris 2026): straight to the MILP
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
