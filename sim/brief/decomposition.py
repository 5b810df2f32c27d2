"""The headline and its decomposition, behind one swappable function.

:func:`decompose` returns the shape of ``negsim explain``'s library function (issue #14, parts 1-3)::

    {"p_deal": ..., "stages": [{"stage": ..., "p": ..., "ci": [lo, hi], "n": ...}, ...],
     "pivotal": ..., "modal_package": ..., "source": ...}

By default it is :func:`from_explain`: ``negsim explain``'s stage decomposition (:func:`sim.sweeps.explain.explain`:
P(deal) = Π_s P(pass s | reached s), each factor with its Wilson interval), the actor most often pivotal (its
rejection alone, or its ratification, stopped a run) and the modal signed package. A table written before the
stage columns existed falls back to :func:`from_sweep_table`: the share of each outcome reason and the most frequent
blocker of the last offer (a proxy, said so in ``source``). ``explain=`` swaps in another function.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from sim.core.stats import wilson_interval
from sim.plots.sweep import valid_runs
from sim.sweeps.explain import explain as explain_table


def _share(k: int, n: int) -> tuple[float, list[float]]:
    lo, hi = wilson_interval(k, n)
    return (k / n if n else float("nan")), [float(lo), float(hi)]


def from_sweep_table(df: pd.DataFrame) -> dict[str, Any]:
    """What the sweep table gives today (see the module's docstring); the runs that raised are left out."""
    runs = valid_runs(df)
    n, deals = len(runs), int(runs["deal"].sum())
    p, ci = _share(deals, n)
    stages = []
    for reason, k in runs["reason"].astype(str).value_counts().items():
        sp, sci = _share(int(k), n)
        stages.append({"stage": str(reason), "p": sp, "ci": sci, "n": n, "k": int(k)})
    failed = runs[~runs["deal"]]
    blockers = failed["blocked_by"].fillna("").astype(str).str.split(",").explode().str.strip()
    blockers = blockers[blockers != ""]
    pivotal = None
    if len(blockers):
        counts = blockers.value_counts()
        who, k = str(counts.index[0]), int(counts.iloc[0])
        bp, bci = _share(k, len(failed))
        pivotal = {
            "actor": who,
            "share_of_failed_runs": bp,
            "ci": bci,
            "n": len(failed),
            "kind": "most frequent blocker",
        }
    pkg_cols = [c for c in runs.columns if c.startswith("package.")]
    modal = None
    signed = runs[runs["deal"]]
    if len(signed) and pkg_cols:
        keys = signed[pkg_cols].astype(str).agg("|".join, axis=1)
        top = keys.value_counts()
        first = signed[keys == top.index[0]].iloc[0]
        mp, mci = _share(int(top.iloc[0]), len(signed))
        modal = {
            "package": {c[len("package.") :]: str(first[c]) for c in pkg_cols},
            "share_of_deals": mp,
            "ci": mci,
            "n": len(signed),
        }
    return {"p_deal": p, "ci": ci, "n": n, "stages": stages, "pivotal": pivotal, "modal_package": modal,
            "source": "sweep table (outcome reasons: a table without the stage columns)"}  # fmt: skip


def from_explain(df: pd.DataFrame, scenario: Any = None) -> dict[str, Any]:
    """:func:`sim.sweeps.explain.explain` in the brief's shape; :func:`from_sweep_table` for a table without the
    stage columns (written before they existed)."""
    if "failed_stage" not in df.columns:
        return from_sweep_table(df)
    ex = explain_table(df)
    stages = [{"stage": s["label"], "p": s["p"], "ci": s["ci"], "n": s["n"], "k": s["passed"]}
              for s in ex["stages"] if s["n"]]  # fmt: skip
    failed = ex["n"] - ex["deals"]
    pivotal = None
    actors = {a: v for a, v in ex["actors"].items() if v["pivotal"] > 0}
    if actors and failed:
        who = max(actors, key=lambda a: (actors[a]["pivotal"], a))
        k = round(actors[who]["pivotal"] * ex["n"])
        share, ci = _share(k, failed)
        pivotal = {"actor": who, "share_of_failed_runs": share, "ci": ci, "n": failed,
                   "kind": "pivotal: its rejection alone, or its failed ratification, stopped the run"}  # fmt: skip
    modal = None
    m = (ex.get("packages") or {}).get("modal")
    if m and ex["deals"] and ex["packages"].get("source") == "deal":
        share, ci = _share(int(m["n"]), ex["deals"])
        modal = {"package": m["package"], "share_of_deals": share, "ci": ci, "n": ex["deals"]}
    return {"p_deal": ex["p_deal"], "ci": ex["ci"], "n": ex["n"], "stages": stages, "pivotal": pivotal,
            "modal_package": modal, "source": "negsim explain (stage decomposition; docs/explain.md)"}  # fmt: skip


def decompose(
    df: pd.DataFrame, scenario: Any, explain: Callable[[pd.DataFrame, Any], dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The decomposition by ``explain`` (default :func:`from_explain`)."""
    out = dict((explain or from_explain)(df, scenario))
    out.setdefault("source", "negsim explain")
    out.setdefault("n", len(valid_runs(df)))
    return out
