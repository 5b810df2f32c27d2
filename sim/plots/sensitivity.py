"""Figures of sensitivity and scenario discovery: a tornado of Sobol/Morris indices, the boxes of a tree."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes


def _ax(ax: Axes | None, size: tuple[float, float]) -> Axes:
    return ax if ax is not None else plt.subplots(figsize=size, layout="constrained")[1]


def tornado(
    result: Any, outcome: str | None = None, ax: Axes | None = None, labels: Mapping[str, str] | None = None
) -> Axes:
    """Horizontal bars per parameter, most important on top: S1 and ST with their 95 % intervals (Sobol), or
    μ* with its interval and σ (Morris). ``result``: a :class:`sim.sweeps.sensitivity.SensitivityResult`;
    ``labels``: a parameter path's label on the axis (default: the path)."""
    outcome = outcome or next(iter(result.indices))
    idx = result.indices[outcome]
    order = result.ranking(outcome)[::-1]
    ax = _ax(ax, (8.5, 1.4 + 0.45 * len(order)))
    y = np.arange(len(order))
    bars: tuple[tuple[str, str | None, str, str], ...]
    if result.method == "sobol":
        bars = (("S1", "S1_conf", "first order S1", "#0072B2"), ("ST", "ST_conf", "total ST", "#E69F00"))
        xlabel = f"Sobol index of {outcome}\n(share of its variance)"
    else:
        bars = (("mu_star", "mu_star_conf", "μ*", "#0072B2"), ("sigma", None, "σ", "#E69F00"))
        xlabel = f"Morris elementary effects on {outcome}\n(per whole range of the parameter)"
    for k, (key, conf, label, color) in enumerate(bars):
        vals = [idx[p][key] for p in order]
        err = [idx[p][conf] for p in order] if conf else None
        ax.barh(y + (0.2 if k == 0 else -0.2), vals, height=0.38, xerr=err, color=color, label=label, capsize=3)
    ax.set_yticks(y, [(labels or {}).get(p, p) for p in order])
    ax.axvline(0, color="0.3", lw=0.8)
    ax.set_xlabel(xlabel)
    ax.legend(loc="lower right", frameon=False)
    ax.set_title(f"What drives {outcome}: {result.n_points:,} points x {result.n_seeds} seeds", fontsize=10)
    return ax


def tradeoff(discovery: Any, ax: Axes | None = None) -> Axes:
    """Every box of the tree (each node): density (P(outcome) in the box) against coverage, coloured by the
    number of restricted parameters; the chosen box is circled.
    ``discovery``: a :class:`sim.sweeps.discover.Discovery`."""
    t = discovery.candidates
    ax = _ax(ax, (6.0, 4.5))
    sc = ax.scatter(t["coverage"], t["density"], c=t["res dim"].astype(int), cmap="viridis", s=18)
    plt.colorbar(sc, ax=ax, label="restricted parameters", ticks=range(int(t["res dim"].max()) + 1))
    b = discovery.box
    ax.scatter([b.coverage], [b.density], s=160, facecolors="none", edgecolors="#D55E00", lw=2, label="chosen box")
    ax.axhline(discovery.base_rate, color="0.5", ls=":", label=f"all runs ({discovery.base_rate:.0%})")
    ax.set(xlabel="coverage (share of all cases in the box)", ylabel=f"density (P({discovery.outcome}) in the box)",
           xlim=(0, 1.02), ylim=(0, 1.02))  # fmt: skip
    ax.legend(loc="lower left", frameon=False)
    ax.set_title("Boxes of the tree (CART): density against coverage", fontsize=10)
    return ax
