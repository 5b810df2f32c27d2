"""Never pool silently: which swept parameters a figure fixes, groups by or pools over, and the runs per point.

A figure of a sweep uses some swept parameters (its ``x``, ``by``, ``y``); ``--where PATH=VALUE`` keeps the runs at one
level of another; every other swept parameter is *pooled* (its levels averaged together). :func:`pooled` names them so
the CLI can refuse or the subtitle can say so, and :func:`subtitle` states the true number of runs behind each point.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd


def where_rows(df: pd.DataFrame, where: Mapping[str, Any]) -> pd.DataFrame:
    """The rows of a sweep table at the given level of each parameter (numbers compared to 1e-9 relative)."""
    keep = pd.Series(True, index=df.index)
    for path, value in where.items():
        col = df[path]
        if isinstance(value, int | float) and not isinstance(value, bool) and pd.api.types.is_numeric_dtype(col):
            keep &= np.isclose(col.to_numpy(float), float(value), rtol=1e-9, atol=1e-12)
        else:
            keep &= col.astype(str) == str(value)
    return df[keep]


def pooled(params: Sequence[str], used: Sequence[str | None], where: Mapping[str, Any]) -> list[str]:
    """The swept parameters neither drawn (``used``) nor fixed by ``where``: the ones a figure pools over."""
    return [p for p in params if p not in used and p not in where]


def runs_per_point(df: pd.DataFrame, keys: Sequence[str]) -> int:
    """The median number of runs behind one drawn point (one combination of ``keys``; all runs when none)."""
    if df.empty:
        return 0
    if not keys:
        return len(df)
    return int(df.groupby(list(keys), dropna=False).size().median())


def subtitle(
    df: pd.DataFrame,
    keys: Sequence[str],
    pooled_over: Sequence[str],
    where: Mapping[str, Any],
    label: Any = str,
) -> str:
    """``"720 runs, 40 per point; where agenda = single_package; pooled over X (2 values)"``: what is behind each
    point of a figure. ``label`` turns a path into its human label."""
    parts = [f"{len(df)} runs, {runs_per_point(df, keys)} per point" if keys else f"{len(df)} runs"]
    if where:
        parts.append("where " + ", ".join(f"{label(p)} = {v}" for p, v in where.items()))
    if pooled_over:
        parts.append(
            "pooled over " + ", ".join(f"{label(p)} ({df[p].nunique()} values)" for p in pooled_over if p in df)
        )
    return "; ".join(parts)
