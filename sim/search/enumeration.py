"""Exact search of a package space small enough to enumerate (see :mod:`sim.search.searcher` for the rules).

Every package of the free clauses is scored at once with numpy, in four steps: the utilities U (A, N) of the
space's packages; which packages pass (:func:`_passes`: constraints, the required actors' and triggered voters' hard
red lines, QMV thresholds, the proposer's floor); the score min_i s_i (:func:`_score`); the rule's key and the first
package within ``TOL`` of its maximum (:func:`_first_best`). Under ``max_min_surplus`` the key is
score + ``EPS_TIE`` · mean_{i ∈ S} U_i (ties to the largest mean utility, then to the lowest package index).
``max_product`` (benchmark W1) keeps, per proposer, the few packages that could ever be picked
(:func:`_product_candidates`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.core.compiled import Compiled
from sim.core.ratify import expected_value, pass_probability
from sim.core.tolerances import EPS_TIE, TOL
from sim.core.utility import all_packages, feasible, grid_utilities, raw_utilities, triggered, vetoes
from sim.search.problem import SearchProblem, SearchResult


class Space:
    """The packages of the free clauses (others fixed at ``base``), enumerated once and kept.

    ``packages`` (N, C); ``vetoed`` (A, N): a hard red line of the actor is hit; ``feasible`` (N,): every
    cross-clause constraint holds; ``triggered`` (R, N): the approval rule is triggered."""

    def __init__(self, compiled: Compiled, free: NDArray[np.bool_], base: NDArray[np.int64]):
        self._set(compiled, _grid_packages(compiled.n_options, free, base))
        self._grid: tuple[NDArray[np.bool_], NDArray[np.int64]] | None = (free.copy(), base.copy())

    @classmethod
    def of(cls, compiled: Compiled, packages: NDArray[np.int64]) -> Space:
        """A space of the given packages (in the given order)."""
        space = cls.__new__(cls)
        space._set(compiled, packages)
        space._grid = None
        return space

    def _set(self, compiled: Compiled, packages: NDArray[np.int64]) -> None:
        self.packages = packages
        self.vetoed = vetoes(compiled, packages)  # (A, N)
        self.feasible = feasible(compiled, packages)  # (N,)
        self.triggered = triggered(compiled, packages)  # (R, N)
        self.all_feasible = bool(self.feasible.all())
        self.any_veto = bool(self.vetoed.any())
        self.clipped: NDArray[np.float64] | None = None  # clip(U, 0, 1), made when needed
        self._values: NDArray[np.float64] | None = None  # held, so that its id cannot be reused
        self._utilities: NDArray[np.float64] | None = None
        self._products: dict[tuple[bytes, int], Any] = {}
        self._ratified: NDArray[np.float64] | None = None

    def ratified(self, compiled: Compiled, utilities: NDArray[np.float64]) -> NDArray[np.float64]:
        """(N,) P(x), the probability that each package is ratified (:func:`sim.core.ratify.pass_probability`,
        on the utilities last given to :meth:`utilities`), kept with them."""
        if self._ratified is None:
            self._ratified = pass_probability(compiled, self.packages, utilities)
        return self._ratified

    def utilities(self, compiled: Compiled, values: NDArray[np.float64]) -> NDArray[np.float64]:
        """(A, N) the unclipped utilities under ``values``, kept while the same array is passed again."""
        if self._values is not values or self._utilities is None:
            if self._grid is not None:
                self._utilities = grid_utilities(compiled, *self._grid, values)
            else:
                self._utilities = raw_utilities(compiled, self.packages, values)
            self._values = values
            self._products = {}
            self._ratified = None
            self.clipped = None
        return self._utilities

    def products(
        self, compiled: Compiled, utilities: NDArray[np.float64], required: NDArray[np.bool_], proposer: int
    ) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]] | None:
        """``max_product`` candidates, kept per (required, proposer): see :func:`_product_candidates`."""
        key = (required.tobytes(), proposer)
        if key not in self._products:
            self._products[key] = _product_candidates(compiled, self, utilities, required, proposer)
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


def space_size(compiled: Compiled, free: NDArray[np.bool_]) -> int:
    """Π_{c free} n_options_c, the number of packages of the free clauses (exact, a Python int)."""
    return int(np.prod(np.where(free, compiled.n_options, 1).astype(object)))


# -- the general search ----------------------------------------------------------------------------------------
def enumerate_best(problem: SearchProblem, space: Space) -> SearchResult:
    """The best package of ``space`` by ``problem.rule``, or no package when none passes.

    ``max_min_surplus``: the first package (in space order) whose key min_i s_i + ``EPS_TIE`` · mean_{i ∈ S} U_i
    is within ``TOL`` of the largest; ``max_product``: the first whose Π_{i ∈ S} clip(U_i, 0, 1) is within ``TOL``
    of the largest; ``expected_value``: the first whose key EV(s, P) + ``EPS_TIE`` · mean_{i ∈ S} U_i is within
    ``TOL`` of the largest, EV of :func:`sim.core.ratify.expected_value` (P (s + 1) − 1: a failure counts as
    surplus −1) with s the min surplus and P the probability that the package is ratified. The score is the
    package's min surplus (:func:`_score`)."""
    utilities = space.utilities(problem.compiled, problem.values)
    if problem.rule == "max_product" and problem.self_floor is not None:
        fast = _max_product(problem, space, utilities, problem.self_floor)
        if fast is not None:
            return fast
    surplus = utilities - problem.aspiration[:, None]
    passes = _passes(problem, space, surplus)
    if not passes.any():
        return SearchResult.none("enumeration")
    counted = problem.counted
    score = _score(problem.compiled, surplus, space.triggered, problem.required, counted)
    if problem.rule == "max_product":
        no_one = np.zeros(utilities.shape[1])
        product = np.prod(np.clip(utilities[counted], 0.0, 1.0), axis=0) if counted.any() else no_one
        best = _first_best(np.where(passes, product, -np.inf))
    elif problem.rule == "expected_value":
        key, _ = expected_keys(problem, space)
        best = _first_best(key)
    else:
        best = _first_best(np.where(passes, score + _tie_break(utilities, counted), -np.inf))
    return SearchResult(space.packages[best].copy(), float(score[best]), "enumeration")


def max_min_keys(problem: SearchProblem, space: Space) -> NDArray[np.float64]:
    """(N,) the ``max_min_surplus`` key of every package of ``space``: min_i s_i + ``EPS_TIE`` · mean_{i ∈ S} U_i
    where the package passes, −inf elsewhere (whatever ``problem.rule``)."""
    utilities = space.utilities(problem.compiled, problem.values)
    surplus = utilities - problem.aspiration[:, None]
    passes = _passes(problem, space, surplus)
    score = _score(problem.compiled, surplus, space.triggered, problem.required, problem.counted)
    return np.where(passes, score + _tie_break(utilities, problem.counted), -np.inf)


def expected_keys(problem: SearchProblem, space: Space) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(N,) the ``expected_value`` key of every package of ``space``, EV(s, P) + ``EPS_TIE`` · mean_{i ∈ S} U_i
    where it passes, −inf elsewhere; and (N,) its min surplus s (whatever ``problem.rule``)."""
    cp = problem.compiled
    utilities = space.utilities(cp, problem.values)
    surplus = utilities - problem.aspiration[:, None]
    passes = _passes(problem, space, surplus)
    score = _score(cp, surplus, space.triggered, problem.required, problem.counted)
    key = expected_value(score, space.ratified(cp, utilities)) + _tie_break(utilities, problem.counted)
    return np.where(passes, key, -np.inf), score


def _passes(problem: SearchProblem, space: Space, surplus: NDArray[np.float64]) -> NDArray[np.bool_]:
    """(N,) the packages every required actor and triggered rule can sign: constraints hold; no hard red line of a
    required actor, nor of a voter of a triggered unanimity rule; a triggered QMV rule passes, its voters v
    approving where s_v ≥ −TOL with no hard red line hit: Σ members_v ≥ share · Σ members − TOL and the same for
    population; a triggered k_of_n rule: at least k such voters, its vetoes among them; the proposer's floor
    s_p ≥ −TOL."""
    cp, required = problem.compiled, problem.required
    ok = space.feasible.copy()
    ok &= ~space.vetoed[required].any(axis=0)
    if problem.self_floor is not None:
        ok &= surplus[problem.self_floor] >= -TOL
    for r, rl in enumerate(cp.rules):
        if rl.kind == "ratification" or not space.triggered[r].any():
            continue
        t = space.triggered[r]
        voters = rl.voters
        if rl.kind in ("unanimity", "contributors"):
            extra = voters[~required[voters]]
            if len(extra):
                ok &= ~(t & space.vetoed[extra].any(axis=0))
        elif rl.kind == "k_of_n":
            yes = (surplus[voters] >= -TOL) & ~space.vetoed[voters]
            ok &= ~t | ((yes.sum(axis=0) >= rl.k) & yes[rl.veto].all(axis=0))
        else:
            yes = (surplus[voters] >= -TOL) & ~space.vetoed[voters]
            m = (rl.members[:, None] * yes).sum(axis=0) >= rl.member_share * rl.members.sum() - TOL
            p = (rl.population[:, None] * yes).sum(axis=0) >= rl.population_share * rl.population.sum() - TOL
            ok &= ~t | (m & p)
    return ok


def _score(
    cp: Compiled,
    surplus: NDArray[np.float64],
    trig: NDArray[np.bool_],
    required: NDArray[np.bool_],
    counted: NDArray[np.bool_],
) -> NDArray[np.float64]:
    """min_i surplus_i over the counted actors and the voters of triggered unanimity rules (column by column);
    0 where nothing is counted."""
    score = surplus[counted].min(axis=0) if counted.any() else np.zeros(surplus.shape[1])
    for r, rl in enumerate(cp.rules):
        if rl.kind in ("unanimity", "contributors") and trig[r].any():
            extra = rl.voters[~required[rl.voters]]
            if len(extra):
                score = np.where(trig[r], np.minimum(score, surplus[extra].min(axis=0)), score)
    return score


def _tie_break(utilities: NDArray[np.float64], counted: NDArray[np.bool_]) -> NDArray[np.float64] | float:
    """``EPS_TIE`` · mean_{i ∈ S} U_i per package (0 when nothing is counted)."""
    return EPS_TIE * utilities[counted].mean(axis=0) if counted.any() else 0.0


def _first_best(key: NDArray[np.float64]) -> int:
    """The first index whose key is within ``TOL`` of the largest."""
    return int(np.argmax(key >= key.max() - TOL))


# -- max_product (benchmark W1): the few packages that can ever be picked -------------------------------------
PRODUCT_BINS = 256


def _product_candidates(
    cp: Compiled, space: Space, utilities: NDArray[np.float64], required: NDArray[np.bool_], proposer: int
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]] | None:
    """The only packages ``max_product`` can pick for proposer p, whatever its aspiration: (indices, U_p, key).

    key = the product of the other required actors' clipped utilities where the package passes every test that
    does not depend on the aspirations, 0 elsewhere. Packages are binned by U_p (monotone); a package whose key is
    below the best key of the strictly higher bins − ``TOL`` is never within ``TOL`` of the best package that meets
    p's floor (those higher packages meet it too), so it is dropped: a few dozen of 65,536 remain in W1.
    None when an aspiration-dependent test (a triggered QMV rule) applies or no other actor counts.
    """
    others = required.copy()
    others[proposer] = False
    if not others.any():
        return None
    ok = None if space.all_feasible else space.feasible.copy()
    if space.any_veto:
        ok = (space.feasible.copy() if ok is None else ok) & ~space.vetoed[required].any(axis=0)
    for r, rl in enumerate(cp.rules):
        if rl.kind == "ratification" or not space.triggered[r].any():
            continue
        if rl.kind not in ("unanimity", "contributors"):
            return None
        extra = rl.voters[~required[rl.voters]]
        if len(extra) and space.any_veto:
            ok = (space.feasible.copy() if ok is None else ok) & ~(space.triggered[r] & space.vetoed[extra].any(axis=0))
    if space.clipped is None:
        space.clipped = np.clip(utilities, 0.0, 1.0)
    prod = _row_product(space.clipped, np.flatnonzero(others))
    if ok is not None:
        prod = np.where(ok, prod, 0.0)
    up = utilities[proposer]
    nb = PRODUCT_BINS
    scaled = up * nb
    np.clip(scaled, 0, nb - 1, out=scaled)  # clipped before the cast: the same bins as clipping the integers
    b1 = scaled.astype(np.intp)
    b1 += 1  # b1 = bin + 1
    top = np.zeros(nb + 2)  # top[k + 1] = best key of bin k
    np.maximum.at(top, b1, prod)
    above = np.maximum.accumulate(top[::-1])[::-1]  # above[k + 1] = best key of bins >= k
    floor = np.append(above, 0.0) - TOL  # floor[k + 2]: the best key of the bins above bin k, less TOL
    idx = np.flatnonzero(prod >= floor[b1 + 1])
    return idx, up[idx], prod[idx]


def _row_product(x: NDArray[np.float64], rows: NDArray[np.int64]) -> NDArray[np.float64]:
    """``np.prod(x[rows], axis=0)`` without gathering the rows: numpy multiplies the rows of an axis-0 product
    in order, ((x_a · x_b) · x_c) …, and so does this (the same floats, ``tests/test_max_product.py``)."""
    out = x[rows[0]].copy()
    for r in rows[1:]:
        out *= x[r]
    return out


def _max_product(
    problem: SearchProblem, space: Space, utilities: NDArray[np.float64], proposer: int
) -> SearchResult | None:
    """:func:`enumerate_best`'s ``max_product`` answer from the cached candidates; None when it cannot be sure to
    give the same answer (then the general code runs). The key is the candidate's product times the proposer's
    floor test (0 where it fails); when its maximum exceeds ``TOL``, every package within ``TOL`` of it passes all
    the tests and is a candidate, so the lowest such index is the general code's pick."""
    cp, required, aspiration = problem.compiled, problem.required, problem.aspiration
    cand = space.products(cp, utilities, required, proposer)
    if cand is None:
        return None
    idx, up, prod = cand
    key = prod * ((up - aspiration[proposer]) >= -TOL)
    top = key.max(initial=0.0)
    if not top > TOL:
        return None
    best = int(idx[np.argmax(key >= top - TOL)])
    surplus = utilities[:, best : best + 1] - aspiration[:, None]
    score = _score(cp, surplus, space.triggered[:, best : best + 1], required, problem.counted)
    return SearchResult(space.packages[best].copy(), float(score[0]), "enumeration")
