"""Scenario discovery: the boxes of parameter space where a deal is likely (CART; docs/sensitivity.md).

Every run of a sweep is a case: its parameter values, and whether the outcome is "of interest" (``deal``, or
a boolean column such as ``accepted.RU``, or ``no-deal``). A classification tree (CART, Breiman, Friedman, Olshen
& Stone 1984: scikit-learn's :class:`~sklearn.tree.DecisionTreeClassifier`, BSD-3) splits the runs, one
threshold on one parameter at a time, so that each side holds as pure a share of cases as it can (Gini); every
node of the tree is a *box*, the parameter limits on the path from the root to it. Each box has a **coverage**
(the share of all cases of interest that lie in it) and a **density** (the share of the box's runs that are
cases of interest: P(deal) in the box); a denser box covers less. :func:`discover` picks, among all nodes, the box
of largest coverage whose density reaches ``density`` (else the densest box), and prints its limits as a rule:
``deal 83% (coverage 62%, 515 runs, 17% of all) when a <= 0.31 and b >= 0.471``. Only the restricted parameters
appear in the rule; a limit is moved in to the smallest/largest value a run in the box has (a tree's threshold
lies half-way between two runs). A choice (a non-numeric parameter) enters the tree as one 0/1 column per value,
so a box keeps a set of its values.

Why not PRIM (Friedman & Fisher 1999), the method of the EMA Workbench: its standalone package is GPL-3.0-or-later,
which negsim must not force on its users, and the EMA Workbench itself pulls in statsmodels, seaborn and an
optimisation library. The boxes differ in how they are grown (CART splits, PRIM peels a few percent at a time),
not in what they report.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import UsageError
from sim.store import results as R

CANDIDATES = ["coverage", "density", "mass", "res dim", "depth"]
MAX_DEPTH = 4
"""The tree's depth: a rule names at most this many conditions (one parameter may be cut twice)."""


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
    candidates: pd.DataFrame
    """Every node of the tree as a box: ``coverage``, ``density``, ``mass``, ``res dim`` (restricted parameters),
    ``depth``."""
    base_rate: float
    full: dict[str, tuple[float, float]]

    def __str__(self) -> str:
        return (f"{self.outcome} in {self.base_rate:.0%} of all runs; the box the tree (CART) finds:\n  "
                f"{self.box.rule(self.outcome, self.full)}")  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        b = self.box
        return {"outcome": self.outcome, "base_rate": self.base_rate, "rule": b.rule(self.outcome, self.full),
                "method": "CART (sklearn.tree.DecisionTreeClassifier)",
                "box": {"limits": b.limits, "coverage": b.coverage, "density": b.density, "mass": b.mass,
                        "n_runs": b.n_runs},
                "candidates": self.candidates[CANDIDATES].to_dict("records")}  # fmt: skip


def cases(df: pd.DataFrame, outcome: str) -> np.ndarray:
    """The boolean case-of-interest column: ``deal``, ``no-deal``, or any boolean column of the table."""
    neg = outcome.startswith("no-")
    col = outcome[3:] if neg else outcome
    if col not in df.columns or df[col].dtype != bool:
        allowed = [c for c in df.columns if df[c].dtype == bool]
        raise UsageError(f"unknown --outcome {outcome!r}: choose one of {', '.join(allowed)} (or no-<that>)")
    y = df[col].to_numpy(dtype=bool)
    return ~y if neg else y


def _features(x: pd.DataFrame, paths: list[str]) -> tuple[np.ndarray, list[tuple[str, Any]]]:
    """The tree's input: a numeric parameter as it is, a choice as one 0/1 column per value; ``cols[j]`` is
    ``(path, None)`` or ``(path, value)``."""
    arrays: list[np.ndarray] = []
    cols: list[tuple[str, Any]] = []
    for p in paths:
        if x[p].dtype.kind in "fiu":
            arrays.append(x[p].to_numpy(dtype=float))
            cols.append((p, None))
        else:
            for v in sorted(set(x[p].astype(str))):
                arrays.append((x[p].astype(str) == v).to_numpy(dtype=float))
                cols.append((p, v))
    return np.column_stack(arrays), cols


def _node_boxes(tree: Any, n_features: int) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """Each node's (depth, lower, upper) limits: ``x[j] > lower[j]`` and ``x[j] <= upper[j]`` on its path."""
    t = tree.tree_
    out: list[tuple[int, np.ndarray, np.ndarray]] = [(0, np.full(n_features, -np.inf), np.full(n_features, np.inf))]
    stack = [0]
    boxes = {0: out[0]}
    while stack:
        node = stack.pop()
        depth, lo, hi = boxes[node]
        left, right = int(t.children_left[node]), int(t.children_right[node])
        if left < 0:
            continue
        j, thr = int(t.feature[node]), float(t.threshold[node])
        lhi, rlo = hi.copy(), lo.copy()
        lhi[j], rlo[j] = min(hi[j], thr), max(lo[j], thr)
        boxes[left], boxes[right] = (depth + 1, lo, lhi), (depth + 1, rlo, hi)
        stack += [left, right]
    return [boxes[k] for k in sorted(boxes)]


def discover_table(df: pd.DataFrame, paths: list[str], outcome: str = "deal", density: float = 0.8,
                   mass_min: float = 0.05, max_depth: int = MAX_DEPTH) -> Discovery:  # fmt: skip
    """CART on a table with one column per parameter in ``paths`` and the outcome's column: the box of largest
    coverage with P(outcome) >= ``density`` among the tree's nodes (each holding >= ``mass_min`` of the runs)."""
    # lazy: scikit-learn costs ~1 s to import; only negsim discover needs it
    from sklearn.tree import DecisionTreeClassifier

    if not paths:
        raise UsageError("the sweep has no swept parameters: nothing to discover")
    df = df[df["error"].isna()] if "error" in df.columns else df
    y = cases(df, outcome)
    if y.all() or not y.any():
        raise UsageError(f"{outcome} is {'true' if y.any() else 'false'} in every run: no box to find")
    x = df[paths].reset_index(drop=True)
    full = {p: (float(x[p].min()), float(x[p].max())) for p in paths if x[p].dtype.kind in "fiu"}
    feats, cols = _features(x, paths)
    leaf = max(1, int(np.ceil(mass_min * len(y))))
    tree = DecisionTreeClassifier(max_depth=max_depth, min_samples_leaf=leaf, random_state=0).fit(feats, y)
    rows, found = [], []
    for depth, lo, hi in _node_boxes(tree, feats.shape[1]):
        inside = np.all((feats > lo) & (feats <= hi), axis=1)
        limits = _limits(x, inside, cols, lo, hi, full)
        n_in = int(inside.sum())
        box = Box(limits, float(y[inside].sum() / y.sum()), float(y[inside].mean()), n_in / len(y), n_in)
        found.append(box)
        rows.append({"coverage": box.coverage, "density": box.density, "mass": box.mass,
                     "res dim": len(limits), "depth": depth})  # fmt: skip
    cand = pd.DataFrame(rows)
    ok = cand.index[cand["density"] >= density]
    # ties (a node and a child that loses no case) go to the simpler box: fewer restrictions, then shallower
    order = cand.assign(neg_cov=-cand["coverage"], neg_den=-cand["density"])
    if len(ok):
        i = int(order.loc[ok].sort_values(["neg_cov", "res dim", "depth"]).index[0])
    else:
        i = int(order.sort_values(["neg_den", "res dim", "depth"]).index[0])
    return Discovery(outcome, found[i], cand, float(y.mean()), full)


def _limits(x: pd.DataFrame, inside: np.ndarray, cols: list[tuple[str, Any]], lo: np.ndarray, hi: np.ndarray,
            full: dict[str, tuple[float, float]]) -> dict[str, Any]:  # fmt: skip
    """The restricted parameters of a box, each limit moved in to the runs it holds."""
    limits: dict[str, Any] = {}
    for p in dict.fromkeys(c[0] for c in cols):
        js = [j for j, c in enumerate(cols) if c[0] == p]
        if p in full:
            j = js[0]
            if np.isfinite(lo[j]) or np.isfinite(hi[j]):
                vals = x.loc[inside, p].to_numpy(dtype=float)
                a = float(vals.min()) if np.isfinite(lo[j]) else full[p][0]
                b = float(vals.max()) if np.isfinite(hi[j]) else full[p][1]
                limits[p] = (a, b)
            continue
        # its 0/1 columns: "<= 0.5" excludes a value, "> 0.5" keeps only it; the box keeps the values it holds
        kept = sorted(set(x.loc[inside, p].astype(str)))
        if len(kept) < len(js):
            limits[p] = kept
    return limits


def discover(folder: str | Path, outcome: str = "deal", density: float = 0.8) -> Discovery:
    """CART on the runs of the sweep in ``folder`` (its swept parameters, one case per run)."""
    meta = R.read_sweep_metadata(folder)
    return discover_table(R.load_sweep(folder), list(meta["design"]["paths"]), outcome, density)
