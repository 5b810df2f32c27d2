"""Ensembles: parameter uncertainty against seed noise (``negsim sweep --ensemble N``; docs/sensitivity.md).

An ensemble is a sweep of ``N`` parameter draws θ_1..θ_N from the parameters' distributions (a ``random``
design by default: independent draws, which the estimator below assumes), each played with ``K`` seeds *of its
own*: draw ``d`` uses ``SeedSequence(master_seed, spawn_key=(3,)).spawn(N)[d].generate_state(K, uint64) >> 1``
(:data:`ENSEMBLE_SEED_RULE`; a stream apart from the design's sampler, key 1, and SALib's, key 2). Seeds shared
across draws (the common random numbers of an ordinary sweep) would make the per-draw estimates move together
and hide the seed noise this report measures.

With Y the deal indicator of one run, the law of total variance splits its variance in two:

    Var(Y) = E[Var(Y | θ)] + Var(E[Y | θ]) = E[p(θ)(1 − p(θ))] + Var(p(θ)),   p(θ) = P(deal | θ)

the *within-draw* (seed) part and the *between-draw* (parameter) part. With p̂_d = deals_d / K_d:

- within: ``mean_d p̂_d (1 − p̂_d) K_d / (K_d − 1)`` (unbiased for p(1 − p) at each draw);
- between: the sample variance of the p̂_d over-counts Var(p(θ)) by E[p(1 − p) / K] (each p̂_d carries its
  seeds' binomial noise), so that is subtracted, and the result floored at 0;
- P(deal) = mean_d p̂_d, its 95 % interval ``± 1.96 sd(p̂) / √N``: the p̂_d are independent and each carries
  both parts, so this interval counts parameter and seed uncertainty alike (a Wilson interval on all N·K
  runs would treat them as independent coins and be too narrow when the parameters matter).

The 5–95 % band of the p̂_d is printed as measured (it is wider than that of p(θ) by the seed noise); the
corrected spread of p(θ) is ``√between``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

ENSEMBLE_SEED_RULE = (
    "draw d: numpy.random.SeedSequence(master_seed, spawn_key=(3,)).spawn(n_draws)[d]"
    ".generate_state(seeds, dtype=uint64) >> 1"
)
Z95 = 1.959963984540054


def ensemble_seeds(master_seed: int, n_draws: int, n_seeds: int) -> np.ndarray:
    """The seeds of each draw, ``(n_draws, n_seeds)`` int64 below 2**63, no two draws sharing a stream.

    >>> s = ensemble_seeds(0, 3, 4)
    >>> s.shape, len(set(s.ravel().tolist()))
    ((3, 4), 12)
    """
    children = np.random.SeedSequence(master_seed, spawn_key=(3,)).spawn(n_draws)
    rows = [c.generate_state(n_seeds, dtype=np.uint64) >> np.uint64(1) for c in children]
    return np.array(rows, dtype=np.uint64).astype(np.int64).reshape(n_draws, n_seeds)


@dataclass(frozen=True)
class EnsembleReport:
    """P(deal) over the ensemble and its variance split by the law of total variance."""

    n_draws: int
    n_seeds: int
    p_deal: float
    interval: tuple[float, float]
    band: tuple[float, float]
    """5 % and 95 % quantiles of the per-draw estimates p̂_d (as measured: seed noise included)."""
    total: float
    """Var(Y) = P(1 − P) of one run's deal indicator."""
    between: float
    """Var(p(θ)), corrected for finite K and floored at 0."""
    within: float
    """E[p(θ)(1 − p(θ))], the seed noise of one run."""
    raw_between: float
    """The sample variance of the p̂_d before the correction."""
    correction: float
    """What was subtracted from it: mean_d of the within-draw variance / K_d."""

    @property
    def between_share(self) -> float:
        return self.between / (self.between + self.within) if self.between + self.within > 0 else math.nan

    def to_json(self) -> dict[str, Any]:
        return {
            "n_draws": self.n_draws,
            "seeds_per_draw": self.n_seeds,
            "p_deal": self.p_deal,
            "interval": list(self.interval),
            "band_5_95": list(self.band),
            "var_total": self.total,
            "var_between": self.between,
            "var_within": self.within,
            "var_between_uncorrected": self.raw_between,
            "finite_seed_correction": self.correction,
            "between_share": None if math.isnan(self.between_share) else self.between_share,
            "sd_p_theta": math.sqrt(self.between),
        }

    def __str__(self) -> str:
        lo, hi = self.interval
        blo, bhi = self.band
        share = self.between_share
        floored = ", floored at 0" if self.raw_between < self.correction else ""
        return "\n".join([
            f"ensemble: {self.n_draws:,} parameter draws x {self.n_seeds} seeds of their own",
            f"  P(deal) = {self.p_deal:.3f}  (95% interval {lo:.3f}-{hi:.3f}, counting draws and seeds)",
            f"  per-draw P(deal), 5-95% band of the {self.n_draws:,} estimates: {blo:.3f}-{bhi:.3f}"
            f" (each from {self.n_seeds} seeds)",
            f"  Var(deal) = {self.total:.4f} = between draws {self.between:.4f} (parameters, sd of P(deal|theta)"
            f" {math.sqrt(self.between):.3f}) + within draws {self.within:.4f} (seeds)",
            f"  parameters explain {share:.0%} of the variance of one run's outcome; "
            f"between-draw variance {self.raw_between:.4f} as measured, less {self.correction:.4f}"
            f" (E[p(1-p)]/K, the seeds' noise in each estimate){floored}",
        ])  # fmt: skip


def decompose(deals: np.ndarray, runs: np.ndarray) -> EnsembleReport:
    """The report from each draw's deals and runs with an outcome (at least 2 runs per draw, 2 draws)."""
    deals, runs = np.asarray(deals, dtype=float), np.asarray(runs, dtype=float)
    keep = runs >= 2
    deals, runs = deals[keep], runs[keep]
    n = len(runs)
    if n < 2:
        raise ValueError("an ensemble report needs at least 2 draws with 2 runs each")
    p = deals / runs
    mean = float(p.mean())
    w = p * (1 - p) * runs / (runs - 1)  # unbiased for p(1 - p) at each draw
    within = float(w.mean())
    raw = float(p.var(ddof=1))
    correction = float((w / runs).mean())
    between = max(0.0, raw - correction)
    half = Z95 * math.sqrt(raw / n)
    q5, q95 = (float(v) for v in np.quantile(p, [0.05, 0.95]))
    k = round(float(np.median(runs)))
    return EnsembleReport(n, k, mean, (max(0.0, mean - half), min(1.0, mean + half)), (q5, q95),
                          mean * (1 - mean), between, within, raw, correction)  # fmt: skip
