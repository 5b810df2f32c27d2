"""The headline and its decomposition, behind one swappable function.

:func:`decompose` returns the shape of ``negsim explain``'s library function (issue #14, parts 1-3)::

    {"p_deal": ..., "stages": [{"stage": ..., "p": ..., "ci": [lo, hi], "n": ...}, ...],
     "pivotal": ..., "modal_package": ..., "source": ...}

EXPLAIN HOOK: until explain exists this module computes what today's sweep table allows (:func:`from_sweep_table`):
P(deal) with its Wilson interval, the share of each outcome reason (``deal``, ``no_agreement``, ``walk_away:US``,
``ratification_failed:...``) as the "stages", the actor most often blocking the last offer as "pivotal" (a proxy,
not counterfactual blame) and the most frequent signed package. Pass explain's function as ``explain=`` (or set
:data:`EXPLAIN`) and the brief shows its stage probabilities and counterfactual blame instead; ``source`` says which.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from sim.core.stats import wilson_interval
from sim.plots.sweep import valid_runs

#: EXPLAIN HOOK: explain's ``(table, scenario) -> dict`` once it exists (issue #14 parts 1-3); None: the adapter.
EXPLAIN: Callable[[pd.DataFrame, Any], dict[str, Any]] | None = None


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
            "source": "sweep table (outcome reasons; explain's stage decomposition not wired yet)"}  # fmt: skip


def decompose(
    df: pd.DataFrame, scenario: Any, explain: Callable[[pd.DataFrame, Any], dict[str, Any]] | None = None
) -> dict[str, Any]:
    """explain's decomposition when given (or set in :data:`EXPLAIN`), else :func:`from_sweep_table`'s."""
    fn = explain or EXPLAIN
    if fn is None:
        return from_sweep_table(df)
    out = dict(fn(df, scenario))
    out.setdefault("source", "negsim explain")
    out.setdefault("n", len(valid_runs(df)))
    return out
