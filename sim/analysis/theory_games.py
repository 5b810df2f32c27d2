"""Closed forms of non-cooperative bargaining models used to validate the simulator (pure numpy).

Shares are fractions of a pie of size 1. Re-exported by :mod:`sim.analysis.theory`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatA = NDArray[np.float64]


def _check_discount(*deltas: float, allow_one: bool = False) -> None:
    for dl in deltas:
        if not (0.0 < dl < 1.0 or (allow_one and dl == 1.0)):
            raise ValueError(f"discount factor must be in (0, 1{']' if allow_one else ')'}, got {dl}")


def rubinstein_share(d1: float, d2: float) -> float:
    """Player 1's share in the unique SPE of infinite-horizon alternating offers, player 1 proposing first.

    x* = (1 − δ₂)/(1 − δ₁δ₂); player 2 gets δ₂(1 − δ₁)/(1 − δ₁δ₂); equal δ gives 1/(1 + δ) (Rubinstein 1982).

    >>> round(rubinstein_share(0.9, 0.8), 6)
    0.714286
    """
    _check_discount(d1, d2)
    return (1.0 - d2) / (1.0 - d1 * d2)


def rubinstein_finite(d1: float, d2: float, T: int) -> float:
    """Player 1's share in the SPE of alternating offers with at most T periods, by backward induction.

    Player 1 proposes in odd periods. The proposer of period T takes everything (s_T = 1); in period t < T the
    proposer offers the responder exactly the discounted value of being proposer next period, so its own share
    is s_t = 1 − δ_resp(t)·s_{t+1}. Returns s_1; as T → ∞ it tends to :func:`rubinstein_share` (Ståhl 1972,
    Rubinstein 1982).

    >>> [round(rubinstein_finite(0.9, 0.8, T), 6) for T in (1, 2, 3)]
    [1.0, 0.2, 0.92]
    """
    _check_discount(d1, d2, allow_one=True)
    if T < 1:
        raise ValueError("T must be ≥ 1")
    s = 1.0
    for t in range(T - 1, 0, -1):  # periods T−1 … 1; the responder in period t is player 2 iff t is odd
        s = 1.0 - (d2 if t % 2 == 1 else d1) * s
    return s


def rubinstein_continuous(r1: float, r2: float, dt: float) -> float:
    """Player 1's Rubinstein share with δ_i = exp(−r_i Δ) for a time between offers Δ = ``dt``.

    As Δ → 0 the share tends to r₂/(r₁ + r₂), the asymmetric Nash solution with weights α_i ∝ 1/r_i
    (Binmore, Rubinstein & Wolinsky 1986).

    >>> round(rubinstein_continuous(0.05, 0.10, 1.0), 6)
    0.683188
    """
    if r1 <= 0 or r2 <= 0 or dt <= 0:
        raise ValueError("rates and dt must be positive")
    # (1 − e^{−r₂Δ}) / (1 − e^{−(r₁+r₂)Δ}) with expm1 to keep precision as Δ → 0
    return math.expm1(-r2 * dt) / math.expm1(-(r1 + r2) * dt)


def outside_option_share(delta: float, w2: float) -> float:
    """Player 1's share when player 2 may opt out for w₂ whenever it responds (common discount δ).

    Outside-option principle (Binmore, Shaked & Sutton 1989): the option matters only when binding,
    x* = 1/(1 + δ) if w₂ ≤ δ/(1 + δ), else 1 − w₂.

    >>> outside_option_share(0.9, 0.6)
    0.4
    """
    _check_discount(delta)
    if not 0.0 <= w2 <= 1.0:
        raise ValueError("w2 must be in [0, 1]")
    return 1.0 / (1.0 + delta) if w2 <= delta / (1.0 + delta) else 1.0 - w2


@dataclass(frozen=True)
class BaronFerejohn:
    """Stationary SPE of the closed-rule Baron–Ferejohn game.

    ``values[i]``: ex-ante continuation value v_i; ``offer[i]``: what i is offered when included in a coalition
    (δ v_i); ``keep[i]``: what i keeps when recognised (1 − the q − 1 cheapest offers to others).
    """

    values: FloatA
    offer: FloatA
    keep: FloatA


def baron_ferejohn(n: int, delta: float, q: int, p: ArrayLike | None = None) -> BaronFerejohn:
    """Baron & Ferejohn (1989) legislative bargaining: n players, q votes needed, recognition probabilities p.

    The recognised player offers the q − 1 cheapest others their continuation value δ v_j and keeps the rest;
    agreement is immediate. With coalition partners drawn uniformly (π = (q − 1)/(n − 1), which is the
    equilibrium when all v_j are equal, and for unanimity π = 1) the stationary values solve the linear system
    v_i = p_i (1 − δπ Σ_{j≠i} v_j) + (1 − p_i) δπ v_i. Equal p gives v_i = 1/n, proposer 1 − (q − 1)δ/n, partners
    δ/n; unanimity with any p gives v = p. Heterogeneous p with q < n needs mixed coalition choices
    (Eraslan 2002) and is refused. Since the solution does not depend on δ < 1, δ = 1 is its limit.

    >>> r = baron_ferejohn(5, 0.9, q=5)
    >>> round(float(r.keep[0]), 6), round(float(r.offer[1]), 6)
    (0.28, 0.18)
    """
    if n < 2 or not 1 <= q <= n:
        raise ValueError("need n ≥ 2 and 1 ≤ q ≤ n")
    _check_discount(delta, allow_one=True)
    pp = np.full(n, 1.0 / n) if p is None else np.asarray(p, dtype=float).reshape(-1)
    if pp.shape != (n,) or (pp < 0).any() or not math.isclose(float(pp.sum()), 1.0, abs_tol=1e-9):
        raise ValueError("p must be n non-negative probabilities summing to 1")
    if q < n and not np.allclose(pp, pp[0]):
        raise ValueError("heterogeneous recognition with q < n needs mixed strategies (Eraslan 2002)")
    pi = (q - 1) / (n - 1)
    ds = delta if delta < 1.0 else 0.5  # the values are the δ → 1 limit (independent of δ, see docstring)
    # v_i (1 − (1 − p_i) δπ) + p_i δπ Σ_{j≠i} v_j = p_i
    M = ds * pi * np.outer(pp, np.ones(n))
    M[np.diag_indices(n)] = 1.0 - (1.0 - pp) * ds * pi
    v = np.linalg.solve(M, pp)
    offer = delta * v
    keep = np.empty(n)
    for i in range(n):
        others = np.sort(np.delete(offer, i))
        keep[i] = 1.0 - others[: q - 1].sum()
    return BaronFerejohn(values=v, offer=offer, keep=keep)


def fearon_range(p: float, c_a: float, c_b: float) -> tuple[float, float]:
    """Bargaining range of Fearon (1995): war is a lottery A wins with probability p, costing c_A and c_B.

    A prefers a split x (A's share) to war iff x ≥ p − c_A; B iff 1 − x ≥ 1 − p − c_B. The range
    [p − c_A, p + c_B], intersected with [0, 1], is never empty when costs are non-negative (ends rounded to
    12 decimals to drop float noise such as 0.6 − 0.1 = 0.49999999999999994).

    >>> fearon_range(0.6, 0.1, 0.15)
    (0.5, 0.75)
    """
    if not 0.0 <= p <= 1.0 or c_a < 0 or c_b < 0:
        raise ValueError("need p in [0, 1] and non-negative costs")
    return max(0.0, round(p - c_a, 12)), min(1.0, round(p + c_b, 12))


def putnam_clip(nbs: float, w_ua: float, w_ru: float) -> float | None:
    """Level-I outcome constrained by two Level-II win-sets (Putnam 1988), one-dimensional.

    x ∈ [0, 1] is the extent of the first side's concessions; its ratifiers accept only x ≤ w_UA, the other
    side's only x ≥ w_RU. The agreed point is clip(nbs, w_RU, w_UA), or ``None`` (no deal) when the win-sets
    do not intersect (w_RU > w_UA). A smaller own win-set can improve one's share ("tied hands").

    >>> putnam_clip(0.5, 0.4, 0.0), putnam_clip(0.5, 0.4, 0.45)
    (0.4, None)
    """
    if w_ru > w_ua:
        return None
    return float(min(max(nbs, w_ru), w_ua))


def win_set(ideal: float, status_quo: float) -> tuple[float, float]:
    """Win-set of a ratifier with Euclidean preferences on a line: W = [y − |q − y|, y + |q − y|] (Putnam 1988).

    The worse the status quo q is for the ratifier (the farther from its ideal y), the larger W.

    >>> win_set(0.5, 0.25)
    (0.25, 0.75)
    """
    r = abs(status_quo - ideal)
    return ideal - r, ideal + r
