"""Why P(deal) is what it is: the decomposition of a sweep table into stages, who was pivotal, the modal
package and its nearest alternatives, optionally by a swept parameter (docs/explain.md).

:func:`explain` takes a table (one row per run, :func:`sim.store.results.load_sweep`) and returns a JSON-ready
dict; :func:`explain_source` first loads a sweep folder or runs a scenario file. The return shape::

    {"n": int, "deals": int, "p_deal": float, "ci": [lo, hi],
     "product": float,                         # Π_s p_s, equal to p_deal (the counts telescope)
     "stages": [{"stage": "table" | "signing" | "approval" | "ratification", "label": str,
                 "n": int, "passed": int, "p": float | None, "ci": [lo, hi]}, …],
     "failed": {stage: int},                   # runs whose first failed stage is that one
     "actors": {actor: {"pivotal": float, "structural": float, "timing": float,
                        "ratification_failed": float, "blame": {"clause=option;…": int}}},   # shares of n
     "packages": {"source": "deal" | "signed" | None, "modal": {"package": {clause: option}, "n": int,
                  "share": float} | None, "nearest": [{"package": …, "n": int, "distance": int,
                  "differs": {clause: option}}, …]},     # at most two
     "by": {"path": str, "groups": [{"value": …, <the keys above but "by">}, …]}}  # only with by=PATH

p is None for a stage no run reached (it then contributes nothing to the product, which is already 0).
"""

from __future__ import annotations

import tempfile
from collections import Counter
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.core.stats import wilson_interval
from sim.errors import UsageError
from sim.store import results as R
from sim.sweeps.run import sweep

if TYPE_CHECKING:
    import pandas as pd

STAGE_LABELS = {
    "table": "stayed at the table (no signatory walked away)",
    "signing": "every signatory signed the final package",
    "approval": "every triggered approval rule passed",
    "ratification": "every triggered ratification passed",
}
"""The stages of :data:`sim.engine.judge.STAGES`, in order, with what passing each means."""

STAGES = tuple(STAGE_LABELS)


def failed_stages(runs: pd.DataFrame) -> list[str]:
    """Each run's first failed stage ("" for a deal): the ``failed_stage`` column, or for tables written before
    it existed, from ``reason`` (an unsigned and an unapproved last offer are then both ``signing``)."""
    col = runs["failed_stage"] if "failed_stage" in runs.columns else None
    out = []
    for k, (deal, reason) in enumerate(zip(runs["deal"], runs["reason"].astype(str), strict=True)):
        given = None if col is None else col.iloc[k]
        if isinstance(given, str) and (given or deal):
            out.append(given)
        elif deal:
            out.append("")
        elif reason.startswith("walk_away"):
            out.append("table")
        elif reason.startswith("ratification_failed"):
            out.append("ratification")
        else:
            out.append("signing")
    return out


def valid(df: pd.DataFrame) -> pd.DataFrame:
    """The rows of runs that finished (``error`` empty) and have an outcome."""
    out = df
    if "error" in out.columns:
        out = out[out["error"].isna() | (out["error"].astype(str) == "")]
    if "deal" not in out.columns:
        raise UsageError("the table has no outcome columns (every run raised?)")
    out = out[out["deal"].notna()].copy()
    out["deal"] = out["deal"].astype(bool)
    return out


def _ci(k: int, n: int) -> list[float]:
    lo, hi = wilson_interval(k, n)
    return [float(lo), float(hi)]


def decomposition(stages: list[str]) -> tuple[list[dict[str, Any]], Fraction]:
    """The stage rows and the exact product Π_s passed_s / n_s (a fraction equal to deals / runs)."""
    rows: list[dict[str, Any]] = []
    reached = len(stages)
    product = Fraction(1)
    for s in STAGES:
        failed = sum(1 for f in stages if f == s)
        passed = reached - failed
        p = Fraction(passed, reached) if reached else None
        if p is not None:
            product *= p
        rows.append({"stage": s, "label": STAGE_LABELS[s], "n": reached, "passed": passed,
                     "p": None if p is None else float(p), "ci": _ci(passed, reached)})  # fmt: skip
        reached = passed
    return rows, product if stages else Fraction(0)


def _actors(runs: pd.DataFrame, stages: list[str]) -> dict[str, dict[str, Any]]:
    n = max(len(runs), 1)
    names = [c.split(".", 1)[1] for c in runs.columns if c.startswith("accepted.")]
    pivotal: Counter[str] = Counter()
    for cell in runs["pivotal"].fillna("") if "pivotal" in runs.columns else ():
        pivotal.update(a for a in str(cell).split(",") if a)
    failed_rat: Counter[str] = Counter()
    for cell in runs["ratification_failed"].fillna("") if "ratification_failed" in runs.columns else ():
        failed_rat.update({k.split(":", 1)[0] for k in str(cell).split(",") if k})
    out: dict[str, dict[str, Any]] = {}
    for a in names:
        kinds = runs[f"rejection.{a}"].fillna("") if f"rejection.{a}" in runs.columns else None
        blame = runs[f"blame.{a}"].fillna("") if f"blame.{a}" in runs.columns else None
        out[a] = {
            "pivotal": pivotal[a] / n,
            "structural": 0.0 if kinds is None else float((kinds == "structural").sum()) / n,
            "timing": 0.0 if kinds is None else float((kinds == "timing").sum()) / n,
            "ratification_failed": failed_rat[a] / n,
            "blame": {} if blame is None else dict(Counter(b for b in blame if b).most_common()),
        }
    for body in sorted(set(pivotal) - set(names)):  # ratifying bodies that are not actors
        out[body] = {"pivotal": pivotal[body] / n, "structural": 0.0, "timing": 0.0,
                     "ratification_failed": failed_rat[body] / n, "blame": {}}  # fmt: skip
    return out


def _packages(runs: pd.DataFrame) -> dict[str, Any]:
    """The modal package of the deals (else of the signed packages) and the two observed packages nearest to it
    (fewest clauses different, then most frequent, then in text order)."""
    for source, prefix, rows in (("deal", "package.", runs[runs["deal"]]), ("signed", "signed.", runs)):
        cols = [c for c in runs.columns if c.startswith(prefix)]
        if not cols or rows.empty:
            continue
        packs = [tuple(r) for r in rows[cols].itertuples(index=False) if all(isinstance(v, str) for v in r)]
        if not packs:
            continue
        counts = Counter(packs)
        modal, k = min(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        names = [c[len(prefix) :] for c in cols]

        def dist(p: tuple[str, ...], modal: tuple[str, ...] = modal) -> int:
            return sum(a != b for a, b in zip(p, modal, strict=True))

        near = sorted((p for p in counts if p != modal), key=lambda p: (dist(p), -counts[p], p))[:2]
        return {
            "source": source,
            "modal": {"package": dict(zip(names, modal, strict=True)), "n": k, "share": k / len(runs)},
            "nearest": [{"package": dict(zip(names, p, strict=True)), "n": counts[p], "distance": dist(p),
                         "differs": {c: o for c, o, m in zip(names, p, modal, strict=True) if o != m}} for p in near],
        }  # fmt: skip
    return {"source": None, "modal": None, "nearest": []}


def _levels(values: pd.Series) -> pd.Series:
    # lazy: pandas costs ~0.4 s to import; this module is imported by the CLI's explain command only
    import pandas as pd

    numeric = pd.to_numeric(values, errors="coerce")
    if numeric.notna().all() and values.nunique() > 25:
        return pd.cut(numeric, 10).astype(str)
    return values


def explain(df: pd.DataFrame, by: str | None = None) -> dict[str, Any]:
    """The decomposition of a sweep table (module docstring); ``by``: a swept parameter's column."""
    runs = valid(df)
    stages = failed_stages(runs)
    rows, product = decomposition(stages)
    deals = int(runs["deal"].sum())
    n = len(runs)
    out: dict[str, Any] = {
        "n": n,
        "deals": deals,
        "p_deal": deals / n if n else float("nan"),
        "ci": _ci(deals, n),
        "product": float(product),
        "stages": rows,
        "failed": {s: stages.count(s) for s in STAGES},
        "actors": _actors(runs, stages),
        "packages": _packages(runs),
    }
    if by is not None:
        if by not in runs.columns:
            swept = [c for c in runs.columns if "." in c and c.split(".", 1)[0] not in _OUTCOME_PREFIXES]
            raise UsageError(f"--by {by}: not a column of the table (swept parameters: {', '.join(swept) or 'none'})")
        level = _levels(runs[by])
        out["by"] = {"path": by, "groups": [{"value": _plain(v), **explain(runs[level == v])}
                                            for v in sorted(level.unique(), key=_sort_key)]}  # fmt: skip
    return out


_OUTCOME_PREFIXES = {
    "package",
    "signed",
    "payoff",
    "last_offer_utility",
    "surplus",
    "accepted",
    "blocking_clause",
    "rejection",
    "blame",
}


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def _sort_key(v: Any) -> tuple[int, Any]:
    return (0, v) if isinstance(v, int | float | np.number) else (1, str(v))


def explain_source(
    source: str | Path, by: str | None = None, seeds: int | None = None, workers: int = 1, out: str | Path | None = None
) -> dict[str, Any]:
    """:func:`explain` of a sweep folder, or of a scenario FILE: its own ``sweep:`` section (or ``seeds`` seeds at
    its point) run first, into ``out`` (default: a temporary folder, removed afterwards)."""
    path = Path(source)
    if path.is_dir():
        if seeds is not None:
            raise UsageError(f"{path}: --seeds applies to a scenario FILE, not a sweep folder")
        return explain(R.load_sweep(path), by)
    if not path.is_file():
        raise UsageError(f"{path}: no such sweep folder or scenario file")
    if out is not None:
        result = sweep(path, params={} if seeds else None, seeds=seeds, workers=workers, out=out, quiet=True)
        return explain(result.load(), by)
    with tempfile.TemporaryDirectory(prefix="negsim-explain-") as tmp:
        result = sweep(path, params={} if seeds else None, seeds=seeds, workers=workers, out=Path(tmp) / "sweep",
                       quiet=True)  # fmt: skip
        return explain(result.load(), by)
