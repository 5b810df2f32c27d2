"""The printed summary of a sweep: P(deal) per value of each swept parameter, with Wilson intervals."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import numpy as np

from sim.core.stats import wilson_interval
from sim.sweeps.designs import Design

if TYPE_CHECKING:
    import pyarrow as pa


SUMMARY_ROWS = 30
"""At most this many values of one parameter are printed; the table has them all."""


class Tally:
    """Deals, runs with an outcome, and errors per parameter point, and the first error in run order: all a
    summary needs, O(points) memory."""

    COLUMNS = ("point", "replicate", "seed", "deal", "error", "engine")

    def __init__(self, n_points: int, n_seeds: int) -> None:
        self.deals = np.zeros(n_points, dtype=np.int64)
        self.runs = np.zeros(n_points, dtype=np.int64)
        self.errors = np.zeros(n_points, dtype=np.int64)
        self.n_seeds = n_seeds
        self.first_error: tuple[int, str] | None = None  # (run, "run R (point P, seed S): error")
        self.engines: dict[str, set[int]] = {}  # engine cell -> the points it played (sim.sweeps.points)

    def add(self, table: pa.Table) -> None:
        point = table.column("point").to_numpy()
        if "engine" in table.column_names:  # parts written before batched runs have no engine column
            engine = table.column("engine").to_pylist()
            for e, p in set(zip(engine, point.tolist(), strict=True)):
                if e is not None:
                    self.engines.setdefault(e, set()).add(p)
        failed = table.column("error").is_valid().to_numpy(zero_copy_only=False)
        np.add.at(self.errors, point[failed], 1)
        if failed.any():
            runs = point * self.n_seeds + table.column("replicate").to_numpy()
            i = int(np.flatnonzero(failed)[np.argmin(runs[failed])])
            if self.first_error is None or runs[i] < self.first_error[0]:
                lines = str(table.column("error")[i].as_py()).strip().splitlines() or [""]
                where = f"run {int(runs[i])} (point {int(point[i])}, seed {table.column('seed')[i].as_py()})"
                self.first_error = (int(runs[i]), f"{where}: {lines[0]}{' ...' if len(lines) > 1 else ''}")
        np.add.at(self.runs, point[~failed], 1)
        if "deal" in table.column_names:
            deal = table.column("deal").fill_null(False).to_numpy(zero_copy_only=False).astype(bool)
            np.add.at(self.deals, point[deal & ~failed], 1)


def engine_metadata(engines: dict[str, set[int]]) -> dict[str, dict[str, object]]:
    """``metadata.json``'s ``engine``: per engine cell (``batched``, ``mesa (<why>)``), how many points it played
    and which (the points listed when not batched)."""
    return {
        e: {"points": len(pts)} | ({} if e == "batched" else {"which": sorted(pts)})
        for e, pts in sorted(engines.items())
    }


def engine_note(engines: dict[str, set[int]]) -> str:
    """A summary line when some points were played run by run ("" when every point was batched)."""
    slow = {e: pts for e, pts in engines.items() if e != "batched"}
    if not slow:
        return ""
    return "\n".join(f"{len(pts)} point(s) played run by run on the Mesa model, not batched: {e[6:-1]}"
                     for e, pts in sorted(slow.items()))  # fmt: skip


def _labels(design: Design, j: int) -> tuple[list[str], np.ndarray]:
    """Group the points by the value of parameter ``j`` (continuous sampled values in 5 equal bins)."""
    p = design.params[j]
    vals = [design.point(i)[p.path] for i in range(design.n_points)]
    if design.kind != "grid" and p.is_range and p.start != p.stop:
        assert p.start is not None and p.stop is not None
        lo, hi = p.start, p.stop
        if not (np.isfinite(lo) and np.isfinite(hi)):  # an untruncated normal: the values drawn
            lo, hi = float(np.min(vals)), float(np.max(vals))
        edges = np.linspace(lo, hi, 6)
        idx = np.clip(np.searchsorted(edges, np.asarray(vals, dtype=float), side="right") - 1, 0, 4)
        names = [f"[{edges[b]:.4g}, {edges[b + 1]:.4g}{']' if b == 4 else ')'}" for b in range(5)]
        return names, idx
    keys = [json.dumps(v, sort_keys=True) for v in vals]
    order = list(dict.fromkeys(keys))
    pos = {k: i for i, k in enumerate(order)}
    names = [str(vals[keys.index(k)]) for k in order]
    return names, np.array([pos[k] for k in keys], dtype=np.int64)


def summary_rows(design: Design, tally: Tally) -> list[tuple[str, str, int, int, int]]:
    """``(parameter, value, deals, runs, errors)``: per point for a one-parameter grid, else marginal."""
    if not design.params:
        return [("(all runs)", "", int(tally.deals.sum()), int(tally.runs.sum()), int(tally.errors.sum()))]
    out = []
    for j, p in enumerate(design.params):
        names, idx = _labels(design, j)
        k = np.bincount(idx, weights=tally.deals, minlength=len(names))
        n = np.bincount(idx, weights=tally.runs, minlength=len(names))
        e = np.bincount(idx, weights=tally.errors, minlength=len(names))
        out += [(p.path, names[i], int(k[i]), int(n[i]), int(e[i])) for i in range(len(names))]
    return out


def format_summary(rows: list[tuple[str, str, int, int, int]], marginal: bool) -> str:
    head = "P(deal) with its 95% Wilson interval" + (", marginal over the other parameters" if marginal else "")
    lines = [
        head + ":",
        f"  {'parameter':<36} {'value':>16}  {'P(deal)':>7}  {'95% interval':>15}  {'runs':>7}",
    ]
    shown: dict[str, int] = {}
    for path, value, k, n, err in rows:
        shown[path] = shown.get(path, 0) + 1
        if shown[path] > SUMMARY_ROWS:
            continue
        lo, hi = (float(v) for v in wilson_interval(k, n))
        p = f"{k / n:.3f}" if n else "-"
        ci = f"[{lo:.3f}, {hi:.3f}]" if n else "-"
        extra = f"  ({err} raised)" if err else ""
        lines.append(f"  {path:<36} {value:>16}  {p:>7}  {ci:>15}  {n:>7}{extra}")
    for path, count in shown.items():
        if count > SUMMARY_ROWS:
            lines.append(f"  ... {count - SUMMARY_ROWS} more values of {path} (sim.load_sweep has them all)")
    return "\n".join(lines)
