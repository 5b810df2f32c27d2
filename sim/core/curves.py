"""Time and acceptance curves: pure numpy, no knowledge of scenarios or Mesa.

Faratin, Sierra & Jennings (1998), "Negotiation decision functions for autonomous agents", Robotics and
Autonomous Systems 24: polynomial tactic α(t) = κ + (1 − κ)·(min(t, T)/T)^(1/β); exponential tactic
α(t) = exp((1 − min(t, T)/T)^β · ln κ). β < 1 is Boulware (firm until late), β = 1 linear, β > 1 Conceder.
In utility space (the aspiration an actor asks for) τ(t) = u_max − (u_max − R(t))·α(t).

:func:`faratin_alpha` and :func:`aspiration` take arrays; :func:`faratin_alpha_at` and :func:`aspiration_at` are
the same formulas for one actor and one round in Python float arithmetic (the engine asks once per actor and round,
where numpy's per-call overhead would dominate). Both run the same IEEE operations in the same order (division,
clip, ``pow``, multiply, subtract), so they agree bit for bit wherever numpy's ``power`` is the C library's ``pow``
(numpy's AVX-512 builds may use SIMD ``pow`` instead, which can differ by one unit in the last place:
numpy/numpy#23289, #25269); ``tests/test_engine_aspiration.py`` checks it.

Time (docs/scenario-format.md, "Time, discounting and payoffs"). Each actor's curve runs on its own horizon H_i,
not on the simulation's ``max_rounds`` (:func:`effective_horizon`: the actor's ``horizon``, else its deadline round,
else its expected patience 1/(1 − δ_i)). Discounting enters the aspiration as the value of holding out one more
round (:func:`discounted_aspiration_at`): a_i(t) = R_i(t) + δ_i·(τ_i(t+1) − R_i(t+1)). This is FSJ's acceptance
rule (accept an offer worth at least one's own next counter-offer τ(t+1)) with the next round's surplus over
disagreement discounted by δ, as the responder's condition of Rubinstein's (1982) game is.

Logit (quantal-response) acceptance, McKelvey & Palfrey (1995): P(accept) = 1 / (1 + exp(−λ (U − a))).
:func:`logit_accept` takes arrays (``scipy.special.expit``); :func:`logit_accept_at` is the same for one actor in
Python floats, with the C library's ``exp`` as scipy's ``expit`` computes it (1 / (1 + exp(−x))), so the engine
needs no scipy at run time; ``tests/test_curves_scalar.py`` checks the two agree bit for bit.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray


def faratin_alpha(t: ArrayLike, t_max: float, beta: ArrayLike, kappa: float = 0.0) -> NDArray[np.float64]:
    """Polynomial FSJ concession α(t) in [κ, 1].

    >>> [round(float(faratin_alpha(5, 10, b)), 6) for b in (0.2, 1.0, 5.0)]
    [0.03125, 0.5, 0.870551]
    """
    frac = np.clip(np.asarray(t, dtype=float) / float(t_max), 0.0, 1.0)
    return kappa + (1.0 - kappa) * frac ** (1.0 / np.asarray(beta, dtype=float))


def faratin_alpha_at(t: float, t_max: float, beta: float) -> float:
    """:func:`faratin_alpha` with κ = 0 for one round: (min(max(t/T, 0), 1))^(1/β), in Python floats.

    (κ + (1 − κ)·x with κ = 0 is x exactly, so dropping κ changes no bit.)

    >>> [round(faratin_alpha_at(5, 10, b), 6) for b in (0.2, 1.0, 5.0)]
    [0.03125, 0.5, 0.870551]
    """
    frac = min(max(t / t_max, 0.0), 1.0)
    return frac ** (1.0 / beta)


def faratin_alpha_exp(t: ArrayLike, t_max: float, beta: ArrayLike, kappa: float) -> NDArray[np.float64]:
    """Exponential FSJ concession α(t) = exp((1 − t/T)^β ln κ), κ in (0, 1].

    >>> round(float(faratin_alpha_exp(5, 10, 1.0, 0.1)), 6)
    0.316228
    """
    frac = np.clip(np.asarray(t, dtype=float) / float(t_max), 0.0, 1.0)
    return np.exp((1.0 - frac) ** np.asarray(beta, dtype=float) * np.log(kappa))


def aspiration(
    t: ArrayLike, t_max: float, beta: ArrayLike, reservation: ArrayLike, u_max: ArrayLike = 1.0
) -> NDArray[np.float64]:
    """Utility an actor asks for at round t: u_max − (u_max − R)·α(t), never below R."""
    r = np.asarray(reservation, dtype=float)
    top = np.maximum(np.asarray(u_max, dtype=float), r)
    return top - (top - r) * faratin_alpha(t, t_max, beta)


def aspiration_at(t: float, t_max: float, beta: float, reservation: float, u_max: float = 1.0) -> float:
    """:func:`aspiration` for one actor and one round, in Python floats: u_max − (u_max − R)·α(t), never below R.

    >>> aspiration_at(5, 10, 0.2, 0.3)  # 1 − 0.7 · 0.5^5
    0.978125
    """
    top = max(u_max, reservation)
    return top - (top - reservation) * faratin_alpha_at(t, t_max, beta)


def effective_horizon(horizon: float | None, deadline: float | None, discount: float, cap: float) -> float:
    """H_i, the rounds over which an actor concedes: ``horizon`` if given, else its deadline round (at least 1), else
    its expected patience 1/(1 − δ) (the expected number of rounds until a breakdown of probability 1 − δ per round,
    Binmore, Rubinstein & Wolinsky 1986), at most ``cap`` (δ = 1: ``cap``).

    >>> round(effective_horizon(None, None, 0.9, 1e5), 9), effective_horizon(None, 3, 0.9, 1e5)
    (10.0, 3.0)
    >>> effective_horizon(7, 3, 0.9, 1e5)
    7.0
    >>> effective_horizon(None, None, 1.0, 1e5), effective_horizon(None, 0, 0.5, 1e5)
    (100000.0, 1.0)
    """
    if horizon is not None:
        return float(horizon)
    if deadline is not None:
        return float(max(deadline, 1))
    return cap if discount >= 1.0 else min(1.0 / (1.0 - discount), cap)


def discounted_aspiration_at(
    t: float, horizon: float, beta: float, reservation: float, drift: float, u_max: float, discount: float
) -> float:
    """a(t) = R(t) + δ·(τ(t+1) − R(t+1)): the discounted value of holding out for one's next target, R(t+1) =
    R(t) + ``drift``, τ = :func:`aspiration_at` on the horizon H. Never below R(t); it reaches R(t) at t = H − 1.

    >>> discounted_aspiration_at(0, 4, 1.0, 0.2, 0.0, 1.0, 1.0)  # δ = 1: the next round's target τ(1)
    0.8
    >>> round(discounted_aspiration_at(0, 4, 1.0, 0.2, 0.0, 1.0, 0.5), 12)  # 0.2 + 0.5 · (0.8 − 0.2)
    0.5
    """
    nxt = reservation + drift
    return reservation + discount * (aspiration_at(t + 1, horizon, beta, nxt, u_max) - nxt)


def discounted_aspiration(
    t: ArrayLike,
    horizon: ArrayLike,
    beta: ArrayLike,
    reservation: ArrayLike,
    drift: ArrayLike,
    u_max: ArrayLike,
    discount: ArrayLike,
) -> NDArray[np.float64]:
    """:func:`discounted_aspiration_at` on arrays (one actor per element, or one actor over rounds)."""
    t_ = np.asarray(t, dtype=float)
    r = np.asarray(reservation, dtype=float)
    nxt = r + np.asarray(drift, dtype=float)
    top = np.maximum(np.asarray(u_max, dtype=float), nxt)
    frac = np.clip((t_ + 1.0) / np.asarray(horizon, dtype=float), 0.0, 1.0)
    tau = top - (top - nxt) * frac ** (1.0 / np.asarray(beta, dtype=float))
    return r + np.asarray(discount, dtype=float) * (tau - nxt)


def logit_accept(surplus: ArrayLike, lam: ArrayLike) -> NDArray[np.float64]:
    """P(accept) = 1 / (1 + exp(−λ·surplus)); λ = ∞ is the threshold rule (ties accept).

    >>> [round(float(logit_accept(d, l)), 6) for d, l in ((0.1, 5), (0.1, 50), (-0.1, 50))]
    [0.622459, 0.993307, 0.006693]
    """
    # lazy: scipy.special costs ~0.2 s to import; the engine uses logit_accept_at, so negsim run starts without it
    from scipy.special import expit

    s = np.asarray(surplus, dtype=float)
    lam_ = np.asarray(lam, dtype=float)
    with np.errstate(invalid="ignore"):
        p = expit(lam_ * s)
    return np.where(np.isinf(lam_), (s >= 0).astype(float), p)


def logit_accept_at(surplus: float, lam: float) -> float:
    """:func:`logit_accept` for one actor, in Python floats: 1 / (1 + exp(−λ·surplus)); λ = ±∞ is the threshold rule
    (ties accept). exp overflowing (λ·surplus below about −709.78) gives 1 / (1 + ∞) = 0, as ``expit`` does.

    >>> [round(logit_accept_at(d, l), 6) for d, l in ((0.1, 5), (0.1, 50), (-0.1, 50))]
    [0.622459, 0.993307, 0.006693]
    """
    if math.isinf(lam):
        return 1.0 if surplus >= 0 else 0.0
    try:
        return 1.0 / (1.0 + math.exp(-(lam * surplus)))
    except OverflowError:
        return 0.0
