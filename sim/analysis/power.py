"""A priori voting power of simple games: Banzhaf, Shapley–Shubik, veto players and dummies.

A *simple game* on players 0 … n−1 says which coalitions win. Coalitions are bit masks (bit i set: player i is in),
and :attr:`Game.wins` maps an int64 array of masks to a bool array. Everything here is pure numpy.

Let η_i be the number of *swings* of player i: coalitions S ∌ i that lose while S ∪ {i} wins (i is critical).

- Absolute (raw, Penrose–Banzhaf) index: β'_i = η_i / 2^(n−1), the probability that i's vote decides the outcome
  when every other player votes yes or no with probability 1/2 independently (Penrose 1946; Banzhaf 1965;
  Felsenthal & Machover 1998, def. 3.2.2).
- Normalised Banzhaf index: β_i = η_i / Σ_j η_j (Banzhaf 1965; Felsenthal & Machover 1998, def. 3.2.6).
- Shapley–Shubik index: φ_i = Σ_{S swing for i} |S|! (n − |S| − 1)! / n!, the probability that i is pivotal when
  the players join in a uniformly random order (Shapley & Shubik 1954). Σ_i φ_i = 1 in every game where the grand
  coalition wins and the empty one loses.
- Veto player: a member of every winning coalition (for a monotone game: N ∖ {i} loses).
- Dummy: a player with no swing (β_i = φ_i = 0).

Two exact algorithms, same answers (``tests/test_power.py`` checks one against the other):

- brute force over all 2^n coalitions (any game given by ``wins``; n ≤ :data:`BRUTE_LIMIT`);
- dynamic programming on integer weights (generating functions, Brams & Affuso 1976; Felsenthal & Machover 1998
  §3.5 for the Banzhaf case): for games whose outcome depends only on the coalition's size and on d sums of
  non-negative integer weights, count the coalitions of the other players by (size, sums) with one convolution per
  player and remove player i by the inverse convolution; any n up to 62, at (n + 1) · Π_k (W_k + 1) cells.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.core.tolerances import TOL

IntA = NDArray[np.int64]
FloatA = NDArray[np.float64]
BoolA = NDArray[np.bool_]

BRUTE_LIMIT = 25
"""Largest n enumerated coalition by coalition (2^25 ≈ 3.4·10^7 coalitions, a few hundred MB at most)."""
DP_CELL_LIMIT = 20_000_000
"""Largest (n + 1) · Π_k (W_k + 1) state table of the dynamic program (int64: 160 MB)."""
_CHUNK = 1 << 16

Rule = Callable[..., BoolA]
"""``rule(size, *sums) -> wins``, broadcasting over arrays: the outcome of a coalition from its size and the sums of
each weight row over its members."""


class PowerError(ValueError):
    """The game is too large for both exact algorithms."""


@dataclass(frozen=True)
class Game:
    """A simple game. ``weights`` (d, n) and ``rule`` are given when the outcome depends only on sums of weights."""

    n: int
    wins: Callable[[IntA], BoolA]
    weights: FloatA | None = None
    rule: Rule | None = None
    name: str = ""


@dataclass(frozen=True)
class Power:
    swings: IntA  # (n, n): swings[i, k] = number of swing coalitions S of player i with |S| = k (S ∌ i)
    banzhaf: FloatA  # normalised; NaN when no player has a swing
    banzhaf_raw: FloatA
    shapley_shubik: FloatA
    veto: BoolA
    dummy: BoolA
    method: str  # "brute force" | "dynamic programming"


def _weighted(n: int, weights: FloatA, rule: Rule, name: str) -> Game:
    w = np.asarray(weights, dtype=float).reshape(-1, n)

    def wins(masks: IntA) -> BoolA:
        masks = np.asarray(masks, dtype=np.int64)
        out = np.empty(masks.shape, dtype=bool)
        flat, res = masks.ravel(), out.ravel()
        for a in range(0, flat.size, _CHUNK):
            bits = ((flat[a : a + _CHUNK, None] >> np.arange(n)) & 1).astype(float)
            res[a : a + _CHUNK] = rule(bits.sum(axis=1), *(bits @ w.T).T)
        return out

    return Game(n, wins, w, rule, name)


def weighted_game(quota: float, weights: FloatA) -> Game:
    """[q; w_1, …, w_n]: S wins iff Σ_{i∈S} w_i ≥ q (weighted majority game, Felsenthal & Machover 1998 §2.3)."""
    w = np.asarray(weights, dtype=float)
    q = float(quota)
    return _weighted(len(w), w[None, :], lambda size, s: s >= q - TOL, f"[{q:g}; {', '.join(f'{x:g}' for x in w)}]")


def qmv_game(
    members: FloatA,
    population: FloatA,
    member_share: float = 0.55,
    population_share: float = 0.65,
    min_blockers: int | None = None,
) -> Game:
    """Double majority: S wins iff Σ_S m ≥ member_share · Σ m and Σ_S p ≥ population_share · Σ p (to ``TOL``).

    This is the QMV test of :mod:`sim.search.enumeration` and :mod:`sim.search.mip` (a voter may stand for several
    members: ``m`` is its number of member states). The Council's rule (TEU art. 16(4), TFEU art. 238(3)) adds that a
    blocking minority must include at least four members, failing which the qualified majority is deemed attained:
    ``min_blockers=4`` makes S win also when the members outside it number fewer than four. The scenario language
    has no such clause, so :mod:`sim.analysis.approvers` never sets it.
    """
    m = np.asarray(members, dtype=float)
    p = np.asarray(population, dtype=float)
    mq, pq, mt = member_share * m.sum() - TOL, population_share * p.sum() - TOL, float(m.sum())

    def rule(size: FloatA, ms: FloatA, ps: FloatA) -> BoolA:
        ok = (ms >= mq) & (ps >= pq)
        return ok | (mt - ms < min_blockers - TOL) if min_blockers else ok

    if np.all(m == 1.0):  # one member per voter: the member count is the size (one dimension less to count)
        return _weighted(len(m), p[None, :], lambda size, ps: rule(size, size, ps), "qmv")
    return _weighted(len(m), np.vstack([m, p]), rule, "qmv")


def k_of_n_game(k: int, veto: BoolA) -> Game:
    """S wins iff |S| ≥ k and S holds every veto player (the ``k_of_n`` rule; ``veto`` is (n,) bool)."""
    v = np.asarray(veto, dtype=float)
    need = float(v.sum())
    return _weighted(len(v), v[None, :], lambda size, vs: (size >= k - TOL) & (vs >= need - TOL), f"{k} of {len(v)}")


def unanimity_game(n: int) -> Game:
    """S wins iff S = N: every player is a veto player and φ_i = β_i = 1/n."""
    return _weighted(n, np.zeros((0, n)), lambda size: size >= n - 0.5, "unanimity")


def contributors_game(required: BoolA) -> Game:
    """S wins iff it holds every required player (each one a veto player); the other players are dummies."""
    r = np.asarray(required, dtype=bool)
    k = float(r.sum())
    return _weighted(len(r), r[None, :].astype(float), lambda size, s: s >= k - 0.5, "contributors")


def _brute_swings(game: Game) -> tuple[IntA, BoolA]:
    n = game.n
    if n > BRUTE_LIMIT:
        raise PowerError(f"{n} players: brute force enumerates at most {BRUTE_LIMIT} (2^n coalitions)")
    N = 1 << n
    W = np.empty(N, dtype=bool)
    for a in range(0, N, _CHUNK):
        W[a : a + _CHUNK] = game.wins(np.arange(a, min(a + _CHUNK, N), dtype=np.int64))
    size = np.zeros(N, dtype=np.uint8)
    for i in range(n):
        size.reshape(-1, 2, 1 << i)[:, 1, :] += 1
    swings = np.zeros((n, n), dtype=np.int64)
    veto = np.zeros(n, dtype=bool)
    for i in range(n):
        w = W.reshape(-1, 2, 1 << i)
        without = w[:, 0, :]
        swing = w[:, 1, :] & ~without
        swings[i] = np.bincount(size.reshape(-1, 2, 1 << i)[:, 0, :][swing], minlength=n)[:n]
        veto[i] = bool(W[N - 1]) and not without.any()
    return swings, veto


def _integral(game: Game) -> IntA | None:
    if game.weights is None or game.rule is None:
        return None
    w = game.weights
    r = np.rint(w)
    if (w < 0).any() or not np.allclose(w, r, rtol=0.0, atol=1e-9):
        return None
    return r.astype(np.int64)


def _dp_cells(game: Game) -> int | None:
    w = _integral(game)
    return None if w is None else (game.n + 1) * math.prod(int(t) + 1 for t in w.sum(axis=1))


def _dp_swings(game: Game) -> tuple[IntA, BoolA]:
    n, w = game.n, _integral(game)
    assert w is not None and game.rule is not None
    if n > 62:
        raise PowerError(f"{n} players: the dynamic program counts coalitions in int64 (at most 62 players)")
    tot = w.sum(axis=1)
    shape = (n + 1, *(int(t) + 1 for t in tot))
    c = np.zeros(shape, dtype=np.int64)
    c[(0,) * len(shape)] = 1

    def shift(j: int) -> tuple[tuple[slice, ...], tuple[slice, ...]]:
        src = tuple(slice(0, int(t) + 1 - int(x)) for t, x in zip(tot, w[:, j], strict=True))
        dst = tuple(slice(int(x), int(t) + 1) for t, x in zip(tot, w[:, j], strict=True))
        return src, dst

    for j in range(n):  # multiply the generating function by (1 + x^{w_j} y)
        src, dst = shift(j)
        c[(slice(1, n + 1), *dst)] += c[(slice(0, n), *src)]  # numpy buffers overlapping operands
    grids = np.meshgrid(*(np.arange(s, dtype=float) for s in shape), indexing="ij", sparse=True)
    win = np.asarray(game.rule(*grids), dtype=bool)
    win = np.broadcast_to(win, shape)
    swings = np.zeros((n, n), dtype=np.int64)
    axes = tuple(range(1, len(shape)))
    for j in range(n):  # divide by (1 + x^{w_j} y): the coalitions of the others
        src, dst = shift(j)
        cj = np.zeros_like(c)
        cj[0] = c[0]
        for k in range(1, n + 1):
            cj[k] = c[k]
            at: tuple[int | slice, ...] = (k, *dst)
            below: tuple[int | slice, ...] = (k - 1, *src)
            cj[at] -= cj[below]
        piv = win[(slice(1, n + 1), *dst)] & ~win[(slice(0, n), *src)]
        swings[j] = (cj[(slice(0, n), *src)] * piv).sum(axis=axes) if axes else cj[:n] * piv
    full = np.int64((1 << n) - 1)
    masks = np.array([full] + [full & ~(1 << i) for i in range(n)], dtype=np.int64)
    out = game.wins(masks)
    return swings, bool(out[0]) & ~out[1:]  # veto in a monotone game: N wins, N ∖ {i} loses


def indices(game: Game, method: str = "auto") -> Power:
    """Banzhaf (normalised and raw), Shapley–Shubik, veto players and dummies of ``game`` (exact).

    ``method``: "brute" (every coalition), "dp" (integer weights; a monotone rule) or "auto" (the dynamic program
    when the weights are integers and its table fits :data:`DP_CELL_LIMIT`, else brute force up to
    :data:`BRUTE_LIMIT` players, else :class:`PowerError`).
    """
    cells = _dp_cells(game)
    if method == "auto":
        method = "dp" if cells is not None and cells <= DP_CELL_LIMIT else "brute"
        if method == "brute" and game.n > BRUTE_LIMIT:
            why = "its weights are not integers" if cells is None else f"its table has {cells:,} cells"
            raise PowerError(
                f"power of a {game.n}-player game: more than {BRUTE_LIMIT} players to enumerate and {why} "
                f"(the dynamic program needs non-negative integer weights and at most {DP_CELL_LIMIT:,} cells)"
            )
    if method == "dp":
        if cells is None:
            raise PowerError("the dynamic program needs a game of non-negative integer weights and a rule")
        swings, veto = _dp_swings(game)
        label = "dynamic programming"
    else:
        swings, veto = _brute_swings(game)
        label = "brute force"
    n = game.n
    eta = swings.sum(axis=1).astype(float)
    total = eta.sum()
    ss_w = np.array([1.0 / (n * math.comb(n - 1, k)) for k in range(n)]) if n else np.zeros(0)
    return Power(
        swings=swings,
        banzhaf=eta / total if total > 0 else np.full(n, np.nan),
        banzhaf_raw=eta / 2.0 ** (n - 1) if n else eta,
        shapley_shubik=swings @ ss_w,
        veto=veto,
        dummy=eta == 0,
        method=label,
    )
