"""Small statistics shared by the sweep summary and the plots."""

from __future__ import annotations

from typing import Any

import numpy as np

Z95 = 1.959963984540054
"""The 97.5% quantile of the standard normal: two-sided 95% intervals."""


def wilson_interval(k: Any, n: Any, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson (1927) score interval of a binomial proportion p̂ = k/n.

    centre = (p̂ + z²/2n) / (1 + z²/n), half-width = z / (1 + z²/n) · √(p̂(1 − p̂)/n + z²/4n²);
    E. B. Wilson, "Probable inference, the law of succession, and statistical inference",
    JASA 22 (1927) 209–212.
    Unlike the Wald interval it stays inside [0, 1] and is not empty at k = 0 or k = n. n = 0 gives (0, 1).

    >>> lo, hi = wilson_interval(5, 10)
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.2366, 0.7634)
    """
    k_arr = np.asarray(k, dtype=float)
    n_arr = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(n_arr > 0, k_arr / n_arr, 0.5)
        nn = np.where(n_arr > 0, n_arr, 1.0)
        denom = 1.0 + z**2 / nn
        centre = (p + z**2 / (2 * nn)) / denom
        half = z / denom * np.sqrt(p * (1 - p) / nn + z**2 / (4 * nn**2))
    # at k = 0 (k = n) the bound is exactly 0 (1): centre ∓ half cancel, which rounding can miss by an ulp
    lo = np.where((n_arr > 0) & (k_arr > 0), np.clip(centre - half, 0.0, 1.0), 0.0)
    hi = np.where((n_arr > 0) & (k_arr < n_arr), np.clip(centre + half, 0.0, 1.0), 1.0)
    return lo, hi
