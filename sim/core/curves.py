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
