"""Exact search of a package space small enough to enumerate (see :mod:`sim.search.searcher` for the rules).

Every package of the free clauses is scored at once with numpy; ties go to the largest mean utility of the required
actors, then to the lowest package index. ``max_product`` (benchmark W1) keeps, per proposer, the few packages that
could ever be picked.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.core.compiled import Compiled
from sim.core.tolerances import EPS_TIE, TOL
from sim.core.utility import all_packages, feasible, grid_utilities, raw_utilities, triggered, vetoes


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
