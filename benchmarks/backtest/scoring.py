"""Proper scores of probability forecasts of binary events (lower is better for both).

- Brier score (Brier 1950): B = (1/n) Σ_e (p_e − y_e)², in [0, 1]; 0.25 is what p = ½ always scores.
- Logarithmic score (Good 1952), as a loss: L = −(1/n) Σ_e [y_e ln p̃_e + (1 − y_e) ln(1 − p̃_e)] in nats, with
  p̃ = clip(p, ε, 1 − ε). The clipping (ε = ``EPS`` = 0.01) reads a forecast of 0 or 1 as 1 % or 99 %: without it
  one confident miss scores +∞ and hides every other event; with it a confident miss costs −ln 0.01 = 4.61 nats
  and a confident hit −ln 0.99 = 0.01. Every model, the reference "always no deal" included, is clipped alike.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

EPS = 0.01


def _arrays(p: Sequence[float], y: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    pa, ya = np.asarray(p, dtype=float), np.asarray(y, dtype=float)
    if pa.shape != ya.shape or pa.ndim != 1 or len(pa) == 0:
        raise ValueError("p and y must be 1-D and of one non-zero length")
    if np.any((pa < 0) | (pa > 1)) or not np.all((ya == 0) | (ya == 1)):
        raise ValueError("p must lie in [0, 1] and y be 0 or 1")
    return pa, ya


def brier(p: Sequence[float], y: Sequence[int]) -> float:
    """Mean squared difference between the forecast probabilities and the outcomes."""
    pa, ya = _arrays(p, y)
    return float(np.mean((pa - ya) ** 2))


def log_loss(p: Sequence[float], y: Sequence[int], eps: float = EPS) -> float:
    """Mean negative log-likelihood of the outcomes, forecasts clipped to [eps, 1 − eps]."""
    pa, ya = _arrays(p, y)
    if not 0 < eps < 0.5:
        raise ValueError("eps must lie in (0, 0.5)")
    q = np.clip(pa, eps, 1 - eps)
    return float(-np.mean(ya * np.log(q) + (1 - ya) * np.log(1 - q)))
