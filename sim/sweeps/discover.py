"""Scenario discovery: the boxes of parameter space where a deal is likely (PRIM; docs/sensitivity.md).

Every run of a sweep is a case: its parameter values, and whether the outcome is "of interest" (``deal``, or
a boolean column such as ``accepted.RU``, or ``no-deal``). PRIM (Friedman & Fisher 1999; the EMA Workbench's
implementation, packaged standalone as ``prim``) peels the box of all runs, a few percent of the runs at a time
along one parameter, keeping the peel that raises the share of cases of interest in the box most; each step of
its *peeling trajectory* is a box with a **coverage** (the share of all cases of interest that lie in it) and a
**density** (the share of the box's runs that are cases of interest: P(deal) in the box). A denser box covers less;
:func:`discover` picks the box of largest coverage whose density reaches ``density`` (else the densest box), and
prints its limits as a rule: ``deal >= 80 % (coverage 62 %, 1,240 runs) when actors.RU...expected_gain < 0.15 and
...``. Only the restricted parameters appear in the rule.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import UsageError
from sim.store import results as R

TRAJECTORY = ["coverage", "density", "mass", "res dim"]


@dataclass(frozen=True)
class Box:
    """One box: ``limits`` ``{path: (low, high)}`` of the restricted parameters only (a list of values for a
    categorical parameter), with its coverage, density and share of all runs (``mass``)."""

    limits: dict[str, Any]
    coverage: float
    density: float
    mass: float
    n_runs: int

    def rule(self, outcome: str, full: dict[str, tuple[float, float]]) -> str:
        conds = []
        for path, lim in self.limits.items():
            if isinstance(lim, list):
                conds.append(f"{path} in {{{', '.join(map(str, lim))}}}")
                continue
            lo, hi = lim
            flo, fhi = full[path]
            if lo > flo and hi < fhi:
                conds.append(f"{lo:.3g} <= {path} <= {hi:.3g}")
            elif lo > flo:
                conds.append(f"{path} >= {lo:.3g}")
            else:
                conds.append(f"{path} <= {hi:.3g}")
        where = " and ".join(conds) if conds else "anywhere (no restriction)"
        return (f"{outcome} {self.density:.0%} (coverage {self.coverage:.0%}, {self.n_runs:,} runs, "
                f"{self.mass:.0%} of all) when {where}")  # fmt: skip


@dataclass(frozen=True)
class Discovery:
    outcome: str
    box: Box
    trajectory: pd.DataFrame
    """Every step of the peeling: ``coverage``, ``density``, ``mass``, ``res dim`` (restricted parameters)."""
    base_rate: float
    full: dict[str, tuple[float, float]]

    def __str__(self) -> str:
        return (f"{self.outcome} in {self.base_rate:.0%} of all runs; the box PRIM finds:\n  "
                f"{self.box.rule(self.outcome, self.full)}")  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        b = self.box
        return {"outcome": self.outcome, "base_rate": self.base_rate, "rule": b.rule(self.outcome, self.full),
                "box": {"limits": b.limits, "coverage": b.coverage, "density": b.density, "mass": b.mass,
                        "n_runs": b.n_runs},
                "trajectory": self.trajectory[TRAJECTORY].to_dict("records")}  # fmt: skip


def cases(df: pd.DataFrame, outcome: str) -> np.ndarray:
    """The boolean case-of-interest column: ``deal``, ``no-deal``, or any boolean column of the table."""
    neg = outcome.startswith("no-")
    col = outcome[3:] if neg else outcome
    if col not in df.columns or df[col].dtype != bool:
        allowed = [c for c in df.columns if df[c].dtype == bool]
        raise UsageError(f"unknown --outcome {outcome!r}: choose one of {', '.join(allowed)} (or no-<that>)")
    y = df[col].to_numpy(dtype=bool)
    return ~y if neg else y


def discover_table(df: pd.DataFrame, paths: list[str], outcome: str = "deal", density: float = 0.8,
                   peel_alpha: float = 0.05, mass_min: float = 0.05) -> Discovery:  # fmt: skip
    """PRIM on a table with one column per parameter in ``paths`` and the outcome's column."""
    # lazy: prim imports matplotlib's interactive helpers (mplcursors); only negsim discover needs it
    import prim

    if not paths:
        raise UsageError("the sweep has no swept parameters: nothing to discover")
    df = df[df["error"].isna()] if "error" in df.columns else df
    y = cases(df, outcome)
    if y.all() or not y.any():
        raise UsageError(f"{outcome} is {'true' if y.any() else 'false'} in every run: no box to find")
    x = df[paths].copy()
    full = {p: (float(x[p].min()), float(x[p].max())) for p in paths if x[p].dtype.kind in "fiu"}
    for p in paths:
        if x[p].dtype.kind not in "fiu":
            x[p] = x[p].astype(str).astype(object)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        box = prim.Prim(x, y, peel_alpha=peel_alpha, mass_min=mass_min).find_box()
    traj = box.peeling_trajectory.copy()
    ok = traj.index[traj["density"] >= density]
    i = int(traj.loc[ok, "coverage"].idxmax()) if len(ok) else int(traj["density"].idxmax())
    lims = box._box_lims[i]  # the limits of step i (PrimBox.select(i) + .limits gives only restricted ones)
    limits: dict[str, Any] = {}
    inside = np.ones(len(x), dtype=bool)
    for p in paths:
        lo, hi = lims[p][0], lims[p][1]
        if p in full:
            if float(lo) > full[p][0] or float(hi) < full[p][1]:
                limits[p] = (float(lo), float(hi))
            inside &= (x[p].to_numpy() >= lo) & (x[p].to_numpy() <= hi)
        else:
            kept = sorted(lims[p][0]) if isinstance(lims[p][0], set) else sorted(set(x[p]))
            if len(kept) < x[p].nunique():
                limits[p] = kept
            inside &= x[p].isin(kept).to_numpy()
    n_in = int(inside.sum())
    b = Box(limits, float(y[inside].sum() / y.sum()), float(y[inside].mean()), n_in / len(y), n_in)
    return Discovery(outcome, b, traj, float(y.mean()), full)


def discover(folder: str | Path, outcome: str = "deal", density: float = 0.8) -> Discovery:
    """PRIM on the runs of the sweep in ``folder`` (its swept parameters, one case per run)."""
    meta = R.read_sweep_metadata(folder)
    return discover_table(R.load_sweep(folder), list(meta["design"]["paths"]), outcome, density)
