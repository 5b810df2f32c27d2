"""Bueno de Mesquita's expected-utility ("predictioneer") model of one issue on an ordered scale (REPORT §C.7).

Source: Bueno de Mesquita (1997), "A decision making model: its structure and form", *International Interactions*
23(3–4); the explicit reconstruction of Scholz, Calbert & Smith (2011), "Unravelling Bueno de Mesquita's group
decision model", *J. Theoretical Politics* 23(4). Inputs per actor i: position x_i on [lo, hi] (Δx = hi − lo),
capability c_i ≥ 0, salience s_i ∈ [0, 1]. Pure numpy; the mapping of a scenario's clauses is
:mod:`sim.analysis.baselines`.

- Weighted mean μ = Σ c_i s_i x_i / Σ c_i s_i.
- Pairwise vote for x_j over x_k: v^{jk} = Σ_i c_i s_i [(|x_i − x_k|/Δx)^{r_i} − (|x_i − x_j|/Δx)^{r_i}]
  (r_i = 1: the linear vote). The Condorcet winner is a position with v^{jk} ≥ 0 against every other; on a line
  with linear distances it is the c·s-weighted median.
- P_i^j, the probability that i prevails over j: Σ_k max(0, v_k^{ij}) / Σ_k |v_k^{ij}| with
  v_k^{ij} = c_k s_k (U_k(x_i) − U_k(x_j)), U_k(y) = −(|x_k − y|/Δx)^{r_k}. **Convention** (REPORT asks to fix
  it): k runs over *every* actor, i and j included; ``voters`` restricts it. Where no voter cares
  (Σ_k |v_k^{ij}| = 0) P_i^j = ½, so P_i^j + P_j^i = 1 always.
- Utilities of i against j (d = |x_i − x_j|/Δx): U^s = 2 − 4(½ − ½d)^{r_i}, U^f = 2 − 4(½ + ½d)^{r_i},
  U^b = 2 − 4(½ − ¼(|x_i − μ| + |x_i − x_j|)/Δx)^{r_i}, U^w = 2 − 4(½ + ¼(|x_i − μ| + |x_i − x_j|)/Δx)^{r_i},
  U^sq = 2 − 4·½^{r_i}.
- EU_i(j) = s_j [P_i^j U^s + (1 − P_i^j) U^f] + (1 − s_j) U^s − [Q U^sq + (1 − Q)(T U^b + (1 − T) U^w)]
  (the target's salience s_j; the non-challenge branch subtracted as a whole — the two slips REPORT finds in the
  public Python port are not repeated). Q = T = 1 by default (BDM's values).
- Risk: security S_k = Σ_{j≠k} EU_j(k); R_i = (2 S_i − max S − min S)/(max S − min S) (R = 0 when every S is
  equal); r_i = (1 − R_i/3)/(1 + R_i/3) ∈ [½, 2].
- A round (Scholz et al.'s appendix, steps 2–11): r = 1, μ, EU, r from the risk; EU again with that r; then every
  i with EU_i(j) > 0 challenges j. Each j answers the challenge with the largest EU_i(j) (ties: the nearest
  challenger, then the lowest index), with e_i = EU_i(j) and e_j = EU_j(i): e_j > 0 (conflict) — j moves to x_i
  if e_i > e_j, else stays (the winner does not move); e_j ≤ 0 and |e_j| < e_i (compromise) — j moves toward x_i
  by the fraction |e_j/e_i|; |e_j| ≥ e_i (capitulation) — j moves to x_i. Everyone moves at once, from the old
  positions, so positions stay within [min x, max x]. Rounds repeat until no position moves by more than
  ``tol``·Δx or ``rounds`` are played; the forecast is μ (and the weighted median) of the last positions.

Every output is unchanged when all capabilities are multiplied by one positive number (``tests/test_bdm.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatA = NDArray[np.float64]


def _arrays(x: ArrayLike, c: ArrayLike, s: ArrayLike) -> tuple[FloatA, FloatA, FloatA]:
    xa, ca, sa = (np.asarray(v, dtype=float) for v in (x, c, s))
    if not (xa.ndim == 1 and xa.shape == ca.shape == sa.shape and len(xa) >= 1):
        raise ValueError("x, c and s must be 1-D arrays of one length (one entry per actor)")
    if np.any(ca < 0) or np.any(sa < 0) or not np.isfinite(np.r_[xa, ca, sa]).all():
        raise ValueError("capabilities and saliences must be finite and non-negative, positions finite")
    if not (ca * sa).sum() > 0:
        raise ValueError("some actor needs capability × salience > 0")
    return xa, ca, sa


def _span(x: FloatA, lo: float | None, hi: float | None) -> tuple[float, float]:
    lo_ = float(x.min()) if lo is None else float(lo)
    hi_ = float(x.max()) if hi is None else float(hi)
    return lo_, (hi_ - lo_ if hi_ > lo_ else 1.0)


def weighted_mean(x: ArrayLike, c: ArrayLike, s: ArrayLike) -> float:
    """μ = Σ c_i s_i x_i / Σ c_i s_i.

    >>> round(weighted_mean([0, 10], [1, 1], [0.5, 1.0]), 6)
    6.666667
    """
    xa, ca, sa = _arrays(x, c, s)
    w = ca * sa
    return float(w @ xa / w.sum())


def weighted_median(x: ArrayLike, c: ArrayLike, s: ArrayLike) -> float:
    """The lowest position at which the c·s weight of the positions at or below it reaches half of the total."""
    xa, ca, sa = _arrays(x, c, s)
    order = np.argsort(xa, kind="stable")
    cum = np.cumsum((ca * sa)[order])
    return float(xa[order][np.searchsorted(cum, cum[-1] / 2 - 1e-12 * cum[-1])])


def _weights_and_distances(
    x: ArrayLike, c: ArrayLike, s: ArrayLike, lo: float | None, hi: float | None, r: ArrayLike | None
) -> tuple[FloatA, FloatA]:
    """(w, dist): the weights w_i = c_i·s_i and dist[i, j] = (|x_i − x_j|/Δx)^{r_i}, shared by the votes and the
    win probabilities."""
    xa, ca, sa = _arrays(x, c, s)
    _, dx = _span(xa, lo, hi)
    ra = np.ones_like(xa) if r is None else np.asarray(r, dtype=float)
    return ca * sa, (np.abs(xa[:, None] - xa[None, :]) / dx) ** ra[:, None]


def pairwise_votes(
    x: ArrayLike,
    c: ArrayLike,
    s: ArrayLike,
    lo: float | None = None,
    hi: float | None = None,
    r: ArrayLike | None = None,
) -> FloatA:
    """V[j, k] = v^{jk}, the c·s-weighted vote for x_j over x_k (positive: x_j wins), distances over Δx."""
    w, dist = _weights_and_distances(x, c, s, lo, hi, r)
    return (w[:, None, None] * (dist[:, None, :] - dist[:, :, None])).sum(axis=0)


def condorcet_winner(
    x: ArrayLike, c: ArrayLike, s: ArrayLike, lo: float | None = None, hi: float | None = None
) -> float | None:
    """A position that no other beats in the linear pairwise vote (the lowest if several tie), or ``None``."""
    xa = np.asarray(x, dtype=float)
    V = pairwise_votes(x, c, s, lo, hi)
    tol = 1e-12 * max(1.0, float(np.abs(V).max()))
    winners = [j for j in np.argsort(xa, kind="stable") if np.all(V[j] >= -tol)]
    return float(xa[winners[0]]) if winners else None


def win_probability(
    x: ArrayLike,
    c: ArrayLike,
    s: ArrayLike,
    lo: float | None = None,
    hi: float | None = None,
    r: ArrayLike | None = None,
    voters: ArrayLike | None = None,
) -> FloatA:
    """P[i, j] = P_i^j, summing over every actor k (or over ``voters``, a boolean mask); ½ where none cares."""
    w, dist = _weights_and_distances(x, c, s, lo, hi, r)
    U = -dist  # U[k, y] = U_k(x_y)
    if voters is not None:
        w = w * np.asarray(voters, dtype=bool)
    v = w[:, None, None] * (U[:, :, None] - U[:, None, :])  # v[k, i, j] = c_k s_k (U_k(x_i) − U_k(x_j))
    top = np.maximum(v, 0.0).sum(axis=0)
    bottom = np.abs(v).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(bottom > 0, top / np.where(bottom > 0, bottom, 1.0), 0.5)


@dataclass(frozen=True)
class Utilities:
    """The basic utilities of i against j, each (n, n): success, failure, better, worse, status quo."""

    us: FloatA
    uf: FloatA
    ub: FloatA
    uw: FloatA
    usq: FloatA


def basic_utilities(x: FloatA, r: FloatA, mu: float, dx: float) -> Utilities:
    """U^s, U^f, U^b, U^w, U^sq of REPORT §C.7 for every ordered pair (i, j) (rows i)."""
    d = np.abs(x[:, None] - x[None, :]) / dx
    m = np.abs(x - mu)[:, None] / dx
    rr = r[:, None]
    return Utilities(
        us=2 - 4 * (0.5 - 0.5 * d) ** rr,
        uf=2 - 4 * (0.5 + 0.5 * d) ** rr,
        ub=2 - 4 * np.maximum(0.5 - 0.25 * (m + d), 0.0) ** rr,
        uw=2 - 4 * (0.5 + 0.25 * (m + d)) ** rr,
        usq=np.broadcast_to(2 - 4 * 0.5**rr, d.shape).copy(),
    )


def expected_utility(
    x: ArrayLike,
    c: ArrayLike,
    s: ArrayLike,
    lo: float | None = None,
    hi: float | None = None,
    r: ArrayLike | None = None,
    Q: float = 1.0,
    T: float = 1.0,
    mu: float | None = None,
) -> FloatA:
    """EU[i, j] = EU_i(j), i challenging j (diagonal 0); μ defaults to the weighted mean."""
    xa, ca, sa = _arrays(x, c, s)
    _, dx = _span(xa, lo, hi)
    ra = np.ones_like(xa) if r is None else np.asarray(r, dtype=float)
    m = weighted_mean(xa, ca, sa) if mu is None else float(mu)
    P = win_probability(xa, ca, sa, lo, hi, ra)
    u = basic_utilities(xa, ra, m, dx)
    sj = sa[None, :]
    eu = sj * (P * u.us + (1 - P) * u.uf) + (1 - sj) * u.us - (Q * u.usq + (1 - Q) * (T * u.ub + (1 - T) * u.uw))
    np.fill_diagonal(eu, 0.0)
    return eu


def risk_exponents(eu: FloatA) -> FloatA:
    """r_i = (1 − R_i/3)/(1 + R_i/3), R_i = (2 S_i − max S − min S)/(max S − min S), S_k = Σ_{j≠k} EU_j(k)."""
    S = eu.sum(axis=0) - np.diag(eu)
    hi, lo = float(S.max()), float(S.min())
    R = (2 * S - hi - lo) / (hi - lo) if hi - lo > 1e-12 * max(1.0, abs(hi)) else np.zeros_like(S)
    return (1 - R / 3) / (1 + R / 3)


def _respond(x: FloatA, eu: FloatA) -> FloatA:
    new = x.copy()
    for j in range(len(x)):
        challengers = np.flatnonzero(eu[:, j] > 0)
        if challengers.size == 0:
            continue
        best = eu[challengers, j].max()
        tied = challengers[eu[challengers, j] == best]
        i = int(tied[np.argmin(np.abs(x[tied] - x[j]))])  # argmin: the first (lowest index) of ties
        ei, ej = float(eu[i, j]), float(eu[j, i])
        if ej > 0:
            if ei > ej:
                new[j] = x[i]
        elif abs(ej) < ei:
            new[j] = x[j] + (x[i] - x[j]) * abs(ej / ei)
        else:
            new[j] = x[i]
    return new


@dataclass(frozen=True)
class BDMResult:
    """The trajectory of positions (rounds + 1, n) and the forecasts of the last positions."""

    positions: FloatA
    means: FloatA
    forecast: float
    median: float
    converged: bool
    risk: FloatA

    @property
    def rounds(self) -> int:
        return len(self.positions) - 1


def bdm_round(
    x: FloatA, c: FloatA, s: FloatA, lo: float, hi: float, Q: float = 1.0, T: float = 1.0
) -> tuple[FloatA, FloatA]:
    """One round (see the module docstring): the new positions and the risk exponents used."""
    mu = weighted_mean(x, c, s)
    r = risk_exponents(expected_utility(x, c, s, lo, hi, None, Q, T, mu))
    eu = expected_utility(x, c, s, lo, hi, r, Q, T, mu)
    return _respond(x, eu), r


def bdm(
    x: ArrayLike,
    c: ArrayLike,
    s: ArrayLike,
    lo: float | None = None,
    hi: float | None = None,
    Q: float = 1.0,
    T: float = 1.0,
    rounds: int = 20,
    tol: float = 1e-9,
) -> BDMResult:
    """Play BDM's rounds from positions ``x``; the forecast is the weighted mean of the last positions."""
    xa, ca, sa = _arrays(x, c, s)
    lo_, dx = _span(xa, lo, hi)
    path, means = [xa], [weighted_mean(xa, ca, sa)]
    risk = np.ones_like(xa)
    converged = False
    for _ in range(rounds):
        new, risk = bdm_round(path[-1], ca, sa, lo_, lo_ + dx, Q, T)
        path.append(new)
        means.append(weighted_mean(new, ca, sa))
        if np.abs(new - path[-2]).max() <= tol * dx:
            converged = True
            break
    last = path[-1]
    return BDMResult(
        positions=np.array(path),
        means=np.array(means),
        forecast=means[-1],
        median=weighted_median(last, ca, sa),
        converged=converged,
        risk=risk,
    )
