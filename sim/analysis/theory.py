"""Cooperative bargaining solutions on finite sets of utility vectors (pure numpy, no Mesa, no pydantic).

A *utility set* is an (N, n) array ``U``: N alternatives (packages, points of a discretised pie), n players.
``d`` is the (n,) disagreement point (reservation values R_i). Solutions return the **index** of the chosen
row (``U[i]`` is the point) or ``None`` when no alternative qualifies, so that callers holding packages can
map the answer back without searching. The engine's utilities are (A, N): pass ``utilities(cp, pk).T``.

Non-cooperative closed forms (Rubinstein, Baron–Ferejohn, Fearon, Putnam) live in :mod:`sim.analysis.theory_games`
and are re-exported here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sim.analysis.theory_games import (
    BaronFerejohn,
    baron_ferejohn,
    fearon_range,
    outside_option_share,
    putnam_clip,
    rubinstein_continuous,
    rubinstein_finite,
    rubinstein_share,
    win_set,
)

FloatA = NDArray[np.float64]
BoolA = NDArray[np.bool_]

__all__ = [
    "BaronFerejohn",
    "ZeuthenPath",
    "baron_ferejohn",
    "fearon_range",
    "ideal_point",
    "kalai_smorodinsky",
    "ks_level",
    "nash_point",
    "outside_option_share",
    "pareto_mask",
    "putnam_clip",
    "rubinstein_continuous",
    "rubinstein_finite",
    "rubinstein_share",
    "win_set",
    "zeuthen",
]

_TIE = 1e-9  # relative tolerance under which two objective values count as tied


def _as_set(U: ArrayLike, d: ArrayLike | None = None) -> tuple[FloatA, FloatA]:
    u = np.asarray(U, dtype=float)
    if u.ndim != 2:
        raise ValueError(f"U must be (N, n), got shape {u.shape}")
    if np.isnan(u).any():
        raise ValueError("U contains NaN")
    dd = np.zeros(u.shape[1]) if d is None else np.asarray(d, dtype=float).reshape(-1)
    if dd.shape != (u.shape[1],):
        raise ValueError(f"d must have {u.shape[1]} entries, got {dd.shape}")
    return u, dd


def _dominated_by_any(points: FloatA, front: FloatA) -> BoolA:
    """(P,) true where a point is weakly worse everywhere and strictly worse somewhere than a row of front."""
    if front.shape[0] == 0 or points.shape[0] == 0:
        return np.zeros(points.shape[0], dtype=bool)
    ge = (front[None, :, :] >= points[:, None, :]).all(axis=2)
    gt = (front[None, :, :] > points[:, None, :]).any(axis=2)
    return (ge & gt).any(axis=1)


def _screen(u: FloatA, chunk: int) -> BoolA:
    """(N,) true where a row is dominated by one of a few known Pareto-optimal rows (argmaxes of positive
    weighted sums, which cannot be dominated). A cheap exact pre-filter: it only removes dominated rows."""
    n = u.shape[1]
    grid = np.array(np.meshgrid(*([[1.0, 4.0]] * min(n, 4)), indexing="ij")).reshape(min(n, 4), -1).T
    weights = np.hstack([grid, np.ones((grid.shape[0], n - grid.shape[1]))])
    seeds = u[np.unique((u @ weights.T).argmax(axis=0))]
    out = np.zeros(u.shape[0], dtype=bool)
    for lo in range(0, u.shape[0], chunk):
        block = u[lo : lo + chunk]
        for y in seeds:
            out[lo : lo + chunk] |= (block <= y).all(axis=1) & (block < y).any(axis=1)
    return out


def _pareto_sorted_3d(s: FloatA) -> BoolA:
    """Pareto mask of distinct rows sorted in decreasing lexicographic order, three players.

    Row x is dominated iff an earlier row y has y₂ ≥ x₂ and y₃ ≥ x₃ (rows are distinct, and every dominator
    sorts first). That offline 2-D dominance query is answered by divide and conquer over positions
    (CDQ): at each of log₂ M levels, every right half-block is checked against its left half by one
    integer sort and a running maximum, O(M log² M) in total, fully vectorised.
    """
    M = s.shape[0]
    r2 = np.unique(s[:, 1], return_inverse=True)[1].astype(np.int64)
    r3 = np.unique(s[:, 2], return_inverse=True)[1].astype(np.int64)
    R2, R3 = int(r2.max()) + 1, int(r3.max()) + 1
    pos = np.arange(M, dtype=np.int64)
    dominated = np.zeros(M, dtype=bool)
    size = 1
    while size < M:
        block = pos // (2 * size)
        right = (pos // size) % 2 == 1
        # within a block: larger r2 first, and on equal r2 the left (earlier) rows first
        order = np.argsort(block * (2 * R2 + 2) + (R2 - r2) * 2 + right, kind="stable")
        b = block[order]
        val = np.where(right[order], 0, r3[order] + 1) + b * (R3 + 2)
        best = np.maximum.accumulate(val) - b * (R3 + 2) - 1  # max r3 of earlier left rows with r2 ≥, or −1
        hit = right[order] & (best >= r3[order])
        dominated[order[hit]] = True
        size *= 2
    return ~dominated


def pareto_mask(U: ArrayLike, chunk: int = 4096) -> BoolA:
    """(N,) mask of the Pareto-optimal rows of U (maximisation; equal rows are all kept).

    Row x is dominated if some row y has y ≥ x everywhere and y > x somewhere. Exact (no tolerance).
    Two players: one lexicographic sort and a running maximum, O(N log N). Three: a cheap pre-filter, then
    divide and conquer over the lexicographic order, O(N log² N) even when every row is optimal. More: rows
    sorted in decreasing lexicographic order (every dominator of x precedes x) are screened chunk by chunk
    against the front found so far and then against their own survivors, O(N·|front|).

    >>> pareto_mask([[1, 0], [0.5, 0.5], [0.4, 0.4], [0, 1], [0.5, 0.5]]).tolist()
    [True, True, False, True, True]
    """
    u, _ = _as_set(U)
    N, n = u.shape
    out = np.zeros(N, dtype=bool)
    if N == 0:
        return out
    if n == 1:
        return u[:, 0] == u[:, 0].max()
    if n == 2:
        order = np.lexsort((-u[:, 1], -u[:, 0]))  # last key is the primary one
        s = u[order]
        new_group = np.r_[True, s[1:, 0] != s[:-1, 0]]
        start = np.maximum.accumulate(np.where(new_group, np.arange(N), 0))
        run_max = np.maximum.accumulate(s[:, 1])
        prev_max = np.where(start > 0, run_max[np.maximum(start - 1, 0)], -np.inf)
        out[order] = (s[:, 1] > prev_max) & (s[:, 1] == s[start, 1])
        return out
    alive = np.flatnonzero(~_screen(u, 16 * chunk))
    v = u[alive]
    order = np.lexsort(tuple(-v[:, k] for k in range(n - 1, -1, -1)))  # decreasing, first column primary
    first = np.r_[True, (v[order[1:]] != v[order[:-1]]).any(axis=1)]
    group = np.cumsum(first) - 1  # rank of each sorted row among the distinct rows
    s = v[order[first]]
    if n == 3:
        keep = _pareto_sorted_3d(s)
    else:
        front = np.empty((0, n))
        keep = np.zeros(s.shape[0], dtype=bool)
        for lo in range(0, s.shape[0], chunk):
            block = s[lo : lo + chunk]
            cand = np.flatnonzero(~_dominated_by_any(block, front))
            ok = ~_dominated_by_any(block[cand], block[cand])
            keep[lo + cand[ok]] = True
            front = np.vstack([front, block[cand[ok]]])
    out[alive[order]] = keep[group]
    return out


def _pick(score: FloatA, U: FloatA) -> int | None:
    """Index of the best score; near-ties go to the first Pareto-optimal row among them (by index)."""
    if not np.isfinite(score).any():
        return None
    best = float(np.max(score))
    tied = np.flatnonzero(score >= best - _TIE * max(1.0, abs(best)))
    if tied.size == 1:
        return int(tied[0])
    return int(tied[np.argmax(pareto_mask(U[tied]))])


def nash_point(U: ArrayLike, d: ArrayLike | None = None, alpha: ArrayLike | None = None) -> int | None:
    """Index of the (weighted) Nash bargaining solution on a finite utility set.

    o* = argmax over {U ≥ d} of Π_i (U_i − d_i)^α_i, computed as Σ_i α_i log(U_i − d_i) (Nash 1950;
    asymmetric weights: Kalai 1977, Binmore–Rubinstein–Wolinsky 1986). α defaults to ones; players with α_i = 0
    only need U_i ≥ d_i. Returns ``None`` if no row gives every weighted player a strictly positive gain.
    Near-ties (relative 1e-9) are broken towards the first Pareto-optimal row, so the answer is Pareto-optimal
    and unchanged by positive affine rescaling of any player's utility (with d rescaled alike).

    >>> x = np.arange(11) / 10
    >>> float(x[nash_point(np.c_[x, 1 - x], d=[0.2, 0])])
    0.6
    """
    u, dd = _as_set(U, d)
    a = np.ones(u.shape[1]) if alpha is None else np.asarray(alpha, dtype=float).reshape(-1)
    if a.shape != dd.shape or (a < 0).any() or not (a > 0).any():
        raise ValueError("alpha must be non-negative, one per player, not all zero")
    gain = u - dd
    ok = (gain >= 0).all(axis=1) & (gain[:, a > 0] > 0).all(axis=1)
    with np.errstate(divide="ignore"):
        logs = np.where(a > 0, np.log(np.where(gain > 0, gain, 1.0)), 0.0)
    score = np.where(ok, logs @ a, -np.inf)
    return _pick(score, u)


def ideal_point(U: ArrayLike, d: ArrayLike | None = None) -> FloatA:
    """a_i = max{U_i : U ∈ S, U ≥ d} over individually rational rows (NaN if there is none)."""
    u, dd = _as_set(U, d)
    ir = (u >= dd).all(axis=1)
    if not ir.any():
        return np.full(u.shape[1], np.nan)
    return u[ir].max(axis=0)


def _ks_scores(u: FloatA, dd: FloatA) -> FloatA:
    a = ideal_point(u, dd)
    span = a - dd
    ir = (u >= dd).all(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        norm = np.where(span > 0, (u - dd) / np.where(span > 0, span, 1.0), 1.0)
    return np.where(ir, norm.min(axis=1), -np.inf)


def kalai_smorodinsky(U: ArrayLike, d: ArrayLike | None = None) -> int | None:
    """Index of the Kalai–Smorodinsky solution on a finite utility set (Kalai & Smorodinsky 1975).

    With the ideal point a (see :func:`ideal_point`), KS is the Pareto-maximal point on the segment from d to a,
    i.e. all normalised gains g_i = (U_i − d_i)/(a_i − d_i) equal. On a finite set this picks the
    individually rational row maximising min_i g_i (near-ties → first Pareto-optimal row); that maximum
    λ* (:func:`ks_level`) is exactly the KS point d + λ*(a − d) of the set's free-disposal hull, and the chosen
    row weakly dominates it. Players with a_i = d_i count as fully satisfied. ``None`` if no row is ≥ d.

    >>> x = np.arange(11) / 10
    >>> float(x[kalai_smorodinsky(np.c_[x, 1 - x], d=[0.2, 0])])
    0.6
    """
    u, dd = _as_set(U, d)
    return _pick(_ks_scores(u, dd), u)


def ks_level(U: ArrayLike, d: ArrayLike | None = None) -> float:
    """λ* = max over rows ≥ d of min_i (U_i − d_i)/(a_i − d_i); the KS point of the free-disposal hull is
    d + λ*(a − d). NaN if no row is individually rational."""
    u, dd = _as_set(U, d)
    s = _ks_scores(u, dd)
    return float(s.max()) if np.isfinite(s).any() else float("nan")


@dataclass(frozen=True)
class ZeuthenPath:
    """Trajectory of Zeuthen's process: proposals before each round and who conceded in it.

    ``x1[t]``, ``x2[t]`` are the proposals of players 1 and 2 at the start of round t; ``conceder[t]`` is 1, 2 or
    0 (both). The last entries are the final proposals; ``agreement`` is the accepted x.
    """

    x1: FloatA
    x2: FloatA
    conceder: NDArray[np.int64]
    agreement: float


def zeuthen(
    u1: Callable[[FloatA], ArrayLike] | ArrayLike,
    u2: Callable[[FloatA], ArrayLike] | ArrayLike,
    grid: ArrayLike,
    d: ArrayLike = (0.0, 0.0),
    step: float = 0.0,
) -> ZeuthenPath:
    """Zeuthen's (1930) risk-based concession process on a discretised one-dimensional pie (Harsanyi 1956).

    ``grid`` is the increasing array of feasible x; ``u1``, ``u2`` are vectorised functions of x (or their
    values on the grid). Each player starts at its best grid point. With proposals x₁, x₂ the willingness to
    risk conflict is r_i = (U_i(x_i) − U_i(x_j)) / (U_i(x_i) − d_i) (r_i := 1 when U_i(x_i) = d_i). If some
    r_i ≤ 0, player i accepts x_j. Otherwise the player with the smaller r concedes (both if equal): it moves
    towards x_j by at least ``step`` (at least one grid point) and by the least distance that makes the other's
    risk the smaller one; if no such proposal lies strictly between, it accepts x_j. Simultaneous concessions
    that meet or cross end at the grid point nearest the midpoint of the previous proposals. Harsanyi: r₁ ≤ r₂ iff
    x₁'s Nash product is ≤ x₂'s, so the process ends within one concession of the Nash point.

    >>> x = np.linspace(0, 1, 1001)
    >>> round(zeuthen(lambda t: t, lambda t: 1 - t, x).agreement, 3)
    0.5
    """
    g, v1, v2, (d1, d2) = _zeuthen_inputs(u1, u2, grid, d)
    k1, k2 = int(np.argmax(v1)), int(np.argmax(v2))
    xs1, xs2, who = [g[k1]], [g[k2]], list[int]()
    for _ in range(2 * g.size + 2):
        r1, r2 = _risk(v1, d1, k1, k2), _risk(v2, d2, k2, k1)
        if r1 <= 0 or r2 <= 0:
            agreed = g[k2] if r1 <= 0 else g[k1]
            return ZeuthenPath(np.array(xs1), np.array(xs2), np.array(who, dtype=np.int64), float(agreed))
        if r1 < r2:
            who.append(1)
            k1 = _concede(g, step, v1, v2, d1, d2, k1, k2)
        elif r2 < r1:
            who.append(2)
            k2 = _concede(g, step, v2, v1, d2, d1, k2, k1)
        else:
            who.append(0)
            k1, k2 = _concede_both(g, step, v1, v2, d1, d2, k1, k2)
        xs1.append(g[k1])
        xs2.append(g[k2])
    raise RuntimeError("Zeuthen process did not terminate")  # pragma: no cover


def _zeuthen_inputs(
    u1: Callable[[FloatA], ArrayLike] | ArrayLike,
    u2: Callable[[FloatA], ArrayLike] | ArrayLike,
    grid: ArrayLike,
    d: ArrayLike,
) -> tuple[FloatA, FloatA, FloatA, tuple[float, float]]:
    """The grid (non-empty, strictly increasing, else ValueError), both players' utilities on it (functions are
    evaluated, constants broadcast) and the disagreement point as two floats."""
    g = np.asarray(grid, dtype=float)
    if g.ndim != 1 or g.size < 1 or (np.diff(g) <= 0).any():
        raise ValueError("grid must be a non-empty strictly increasing 1-D array")
    v1 = np.asarray(u1(g) if callable(u1) else u1, dtype=float) * np.ones_like(g)
    v2 = np.asarray(u2(g) if callable(u2) else u2, dtype=float) * np.ones_like(g)
    d1, d2 = (float(z) for z in np.asarray(d, dtype=float).reshape(2))
    return g, v1, v2, (d1, d2)


def _risk(vi: FloatA, di: float, own: int, other: int) -> float:
    """r_i = (U_i(x_i) − U_i(x_j)) / (U_i(x_i) − d_i), and 1 when U_i(x_i) ≤ d_i."""
    top = vi[own] - di
    return 1.0 if top <= 0 else float((vi[own] - vi[other]) / top)


def _concede(g: FloatA, step: float, vi: FloatA, vj: FloatA, di: float, dj: float, own: int, other: int) -> int:
    """New grid index of the conceder i (utilities vi, proposal ``own``), or ``other`` to accept: the nearest
    proposal strictly between, at least ``step`` away from its own, against which the other player's risk is
    smaller than i's."""
    lo, hi = (own + 1, other) if other > own else (other + 1, own)
    idx = np.arange(lo, hi)
    idx = idx[np.abs(g[idx] - g[own]) >= step]
    if other < own:
        idx = idx[::-1]  # nearest to own first
    if idx.size == 0:
        return other
    # the other player's risk against each candidate c, versus the conceder's risk with proposal c
    rj = np.where(vj[other] > dj, (vj[other] - vj[idx]) / max(vj[other] - dj, 1e-300), 1.0)
    ri = np.where(vi[idx] > di, (vi[idx] - vi[other]) / np.maximum(vi[idx] - di, 1e-300), 1.0)
    better = np.flatnonzero(rj < ri)
    return int(idx[better[0]]) if better.size else other


def _concede_both(
    g: FloatA, step: float, v1: FloatA, v2: FloatA, d1: float, d2: float, k1: int, k2: int
) -> tuple[int, int]:
    """Equal risks: both concede at once; moves that meet or cross end at the grid point nearest the midpoint of
    the previous proposals."""
    n1, n2 = _concede(g, step, v1, v2, d1, d2, k1, k2), _concede(g, step, v2, v1, d2, d1, k2, k1)
    if n1 == n2 or np.sign(n1 - n2) != np.sign(k1 - k2):  # simultaneous moves met or crossed
        n1 = n2 = int(np.argmin(np.abs(g - (g[k1] + g[k2]) / 2)))
    return n1, n2
