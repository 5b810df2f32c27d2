"""Shared hypothesis strategies: finite utility sets on a grid (exact ties are common, as with packages)."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays


def utility_sets(min_n: int = 2, max_n: int = 3, max_rows: int = 40, levels: int = 20):
    """(N, n) arrays with entries k/levels."""
    return st.integers(min_n, max_n).flatmap(
        lambda n: arrays(
            np.float64,
            st.tuples(st.integers(1, max_rows), st.just(n)),
            elements=st.integers(0, levels).map(lambda k: k / levels),
        )
    )


def brute_pareto(U: np.ndarray) -> np.ndarray:
    ge = (U[None, :, :] >= U[:, None, :]).all(axis=2)
    gt = (U[None, :, :] > U[:, None, :]).any(axis=2)
    return ~(ge & gt).any(axis=1)
