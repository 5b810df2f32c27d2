"""Sweeps: a design of parameter points × seeds, run in chunks, streamed to a results folder.

design (:mod:`sim.sweeps.designs`) -> evaluate (:func:`run_chunk`, on :mod:`sim.sweeps.executors`) -> collect (Parquet
parts
and ``metadata.json``, :mod:`sim.store.results`), after the EMA Workbench.

Runs are numbered ``run = point * seeds + replicate``. Replicate ``r`` uses the same seed at every point
(common random numbers), ``SeedSequence(master_seed).generate_state(seeds, uint64) >> 1``; a run depends only
on its point and seed, so 1 worker, many workers and Dask give the same table, and ``negsim run --seed`` with
the point's ``--set`` values reproduces any row. Each chunk of consecutive runs becomes one part named by its
first run; a sweep killed at any moment continues with :func:`resume`, which runs only the missing chunks.
"""

from __future__ import annotations

import json
import secrets
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.core.stats import wilson_interval
from sim.errors import SweepFailed, UsageError
from sim.scenario.paths import resolved_tree, tweak
from sim.store import results as R
from sim.sweeps.designs import Design, design_from_metadata, parse_params
from sim.sweeps.executors import Chunk, check_main_guard, lost_chunk, run_chunk, run_dask, run_processes, run_serial

if TYPE_CHECKING:
    import pyarrow as pa

    from sim.scenario.models import Scenario

MAX_RUNS = 100_000_000
MAX_LISTED_SEEDS = 100_000
SEED_RULE = "numpy.random.SeedSequence(master_seed).generate_state(seeds, dtype=uint64) >> 1"
SUMMARY_ROWS = 30


def replicate_seeds(master_seed: int, n: int) -> np.ndarray:
    """The per-replicate seeds (int64, below 2**63), the same at every parameter point.

    >>> replicate_seeds(0, 3).tolist() == replicate_seeds(0, 5)[:3].tolist()
    True
    """
    return (np.random.SeedSequence(master_seed).generate_state(n, dtype=np.uint64) >> np.uint64(1)).astype(np.int64)


def default_chunk(n_runs: int, workers: int) -> int:
    """About eight chunks per worker, each of 50 to 500 runs (fewer when the sweep is smaller)."""
    return max(1, min(n_runs, max(50, min(500, n_runs // (8 * max(1, workers))))))


# -- the plan and the folder ------------------------------------------------------------------------------
@dataclass
class Plan:
    scenario: Scenario
    design: Design
    n_seeds: int
    master_seed: int
    chunk: int
    sweep_id: str
    seeds: np.ndarray = field(init=False)
    token: str = field(init=False)

    def __post_init__(self) -> None:
        self.seeds = replicate_seeds(self.master_seed, self.n_seeds)
        # Workers keep one prepared scenario per point between chunks; the token keeps two sweeps that share a
        # folder name (or a worker process) from ever sharing one.
        self.token = secrets.token_hex(8)

    @property
    def n_runs(self) -> int:
        return self.design.n_points * self.n_seeds

    def chunk_of(self, start: int, prepare: Callable[[Scenario], Any] | None) -> Chunk:
        stop = min(start + self.chunk, self.n_runs)
        pts = range(start // self.n_seeds, (stop - 1) // self.n_seeds + 1)
        reps = range(self.n_seeds) if len(pts) > 1 else range(start % self.n_seeds, (stop - 1) % self.n_seeds + 1)
        return Chunk(
            f"{self.sweep_id}#{self.token}",
            start,
            stop,
            self.n_seeds,
            {p: self.design.point(p) for p in pts},
            {r: int(self.seeds[r]) for r in reps},
            prepare,
        )

    def metadata(self) -> dict[str, Any]:
        seeds: dict[str, Any] = {"master_seed": self.master_seed, "n": self.n_seeds, "rule": SEED_RULE}
        if self.n_seeds <= MAX_LISTED_SEEDS:
            seeds["values"] = self.seeds.tolist()
        return R.base_metadata(self.scenario, "sweep") | {
            "sweep_id": self.sweep_id,
            "status": "running",
            "params": [p.describe() for p in self.design.params],
            "design": self.design.describe(),
            "seeds": seeds,
            "master_seed": self.master_seed,
            "n_points": self.design.n_points,
            "n_runs": self.n_runs,
            "chunk": self.chunk,
            "run_index": "run = point * seeds + replicate; parts/part-<first run>.parquet",
        }


def plan_sweep(
    scenario: Scenario,
    params: Mapping[str, Any] | None,
    seeds: int | None,
    design: str | None,
    samples: int | None,
    master_seed: int | None,
    chunk: int | None,
    workers: int,
    sweep_id: str,
) -> Plan:
    """Fill what is not given from the scenario's ``sweep:`` section, then check everything before any run."""
    from sim.scenario.models import SweepSpec

    spec = scenario.sweep or SweepSpec()
    params = spec.params if params is None else params
    kind = design or spec.design
    if samples is None and kind != "grid":
        samples = spec.samples
    n_seeds = spec.seeds if seeds is None else seeds
    master = spec.master_seed if master_seed is None else master_seed
    for name, v, low in (("--seeds", n_seeds, 1), ("--workers", workers, 1), ("--master-seed", master, 0)):
        if not isinstance(v, int) or v < low:
            raise UsageError(f"{name} must be a whole number >= {low}, got {v!r}")
    if chunk is not None and chunk < 1:
        raise UsageError(f"--chunk must be >= 1, got {chunk}")
    tree = resolved_tree(scenario)
    d = Design(tuple(parse_params(tree, dict(params))), kind, samples, master)  # type: ignore[arg-type]
    n_runs = d.n_points * n_seeds
    if n_runs > MAX_RUNS:
        raise UsageError(f"{d.n_points:,} points x {n_seeds:,} seeds = {n_runs:,} runs; at most {MAX_RUNS:,}")
    for p in d.params:  # every value of every parameter validates (a clear error now, not a million later)
        vals = list(p.grid_values() if d.kind == "grid" else (p.values or (p.start, p.stop)))
        for v in vals[:: max(1, len(vals) // 20)] + vals[-1:]:
            tweak(scenario, {p.path: p._cast(v) if p.is_range else v})
    return Plan(scenario, d, n_seeds, master, chunk or default_chunk(n_runs, workers), sweep_id)


# -- the public entry points -----------------------------------------------------------------------------
@dataclass(frozen=True)
class SweepResult:
    """Where a sweep's results are, with the counts and P(deal) summary it printed; ``n_errors`` (``n_failed``)
    runs raised, the first in run order being ``first_error``: ``"run R (point P, seed S): Type: message"``."""

    path: Path
    n_runs: int
    n_errors: int
    summary: str
    first_error: str | None = None

    @property
    def n_failed(self) -> int:
        return self.n_errors

    @property
    def ok(self) -> bool:
        return self.n_errors == 0

    def load(self) -> Any:
        """The tidy table (:func:`sim.store.results.load_sweep`)."""
        return R.load_sweep(self.path)

    def __str__(self) -> str:
        raised = f", {self.n_errors:,} raised (see the error column)" if self.n_errors else ""
        return f"{self.summary}\n{self.n_runs:,} runs{raised} in {self.path} (load with sim.load_sweep)"


def sweep(
    scenario: Scenario | str | Path,
    params: Mapping[str, str | list[Any]] | None = None,
    seeds: int | None = None,
    design: str | None = None,
    samples: int | None = None,
    *,
    master_seed: int | None = None,
    workers: int = 1,
    executor: str = "process",
    scheduler: str | None = None,
    chunk: int | None = None,
    out: str | Path | None = None,
    overwrite: bool = False,
    quiet: bool = False,
    base: str | Path = "results",
    raise_on_error: bool = True,
    _prepare: Callable[[Scenario], Any] | None = None,
) -> SweepResult:
    """Run every parameter point of a design with ``seeds`` seeds each, into ``out`` (default
    ``<base>/<scenario-id>-<UTC time>-<4 hex>``).

    ``params`` maps scenario paths to SPECs (``"0.1:0.9:5"``, ``"a,b"``) or lists of values; what is not given
    comes from the scenario's ``sweep:`` section. ``executor``: ``"process"`` (``workers`` processes; one
    worker runs in this process) or ``"dask"`` (the scheduler at ``scheduler``, else a local cluster).

    A run that raises is recorded with its error and the sweep goes on; then :class:`sim.errors.SweepFailed`
    (``.result``: this result) is raised, or with ``raise_on_error=False`` returned: see ``result.ok``.
    With ``workers > 1``, call it in a script under ``if __name__ == "__main__":`` (docs/sweeps.md).
    ``_prepare`` replaces :func:`sim.engine.runner.prepare` (tests only; it must be picklable).
    """
    if not hasattr(scenario, "model_dump"):
        from sim.scenario.loader import load_scenario

        scenario = load_scenario(scenario)  # type: ignore[arg-type]
    assert not isinstance(scenario, str | Path)
    _check_executor(executor, workers, scheduler)
    folder = Path(out) if out is not None else Path(base) / R.new_id(scenario.id)
    plan = plan_sweep(scenario, params, seeds, design, samples, master_seed, chunk, workers, folder.name)
    R.refuse_existing(folder, overwrite)
    existed = folder.exists()
    with R.FolderLock(folder):
        R.clear_folder(folder)  # empty, or replaced with --overwrite (checked above)
        (folder / "parts").mkdir()
        meta = plan.metadata()
        R.write_json(folder / "metadata.json", meta)
        result = _execute(plan, folder, meta, set(), workers, executor, scheduler, quiet, _prepare, (True, not existed))
    return _checked(result, raise_on_error)


def resume(
    folder: str | Path,
    *,
    workers: int = 1,
    executor: str = "process",
    scheduler: str | None = None,
    quiet: bool = False,
    raise_on_error: bool = True,
    _prepare: Callable[[Scenario], Any] | None = None,
) -> SweepResult:
    """Continue the sweep in ``folder`` with the arguments in its metadata.json: only missing chunks run.
    Failures as in :func:`sweep` (runs that raised in earlier attempts count too)."""
    folder = Path(folder)
    meta = R.read_sweep_metadata(folder)
    _check_executor(executor, workers, scheduler)
    with R.FolderLock(folder):
        meta = R.read_sweep_metadata(folder)  # as it is now that we hold the lock
        scenario = R.scenario_from_metadata(meta)
        design = design_from_metadata(meta["design"])
        plan = Plan(scenario, design, int(meta["seeds"]["n"]), int(meta["master_seed"]), int(meta["chunk"]),
                    meta["sweep_id"])  # fmt: skip
        if "values" in meta["seeds"] and plan.seeds.tolist() != meta["seeds"]["values"]:
            raise UsageError(f"{folder}: the recorded seeds differ from {SEED_RULE}; cannot resume")
        R.remove_temporaries(folder)
        (folder / "parts").mkdir(exist_ok=True)
        done = set(R.existing_parts(folder))
        starts = set(range(0, plan.n_runs, plan.chunk))
        if not done <= starts:
            odd = sorted(done - starts)[:3]
            raise UsageError(f"{folder}/parts has parts that are not chunks of this sweep (first runs {odd})")
        meta |= {"status": "running", "resumed": [*meta.get("resumed", []), R.utc_now()]}
        R.write_json(folder / "metadata.json", meta)
        result = _execute(plan, folder, meta, done, workers, executor, scheduler, quiet, _prepare, None)
    return _checked(result, raise_on_error)


def _checked(result: SweepResult, raise_on_error: bool) -> SweepResult:
    if raise_on_error and not result.ok:
        raise SweepFailed(result)
    return result


def _check_executor(executor: str, workers: int, scheduler: str | None) -> None:
    if executor not in ("process", "dask"):
        raise UsageError(f"unknown executor {executor!r}: choose process or dask")
    if not isinstance(workers, int) or workers < 1:
        raise UsageError(f"--workers must be a whole number >= 1, got {workers!r}")
    if scheduler is not None and executor != "dask":
        raise UsageError("--scheduler is for --executor dask")
    check_main_guard((executor == "process" and workers > 1) or (executor == "dask" and scheduler is None))


def _execute(
    plan: Plan,
    folder: Path,
    meta: dict[str, Any],
    done: set[int],
    workers: int,
    executor: str,
    scheduler: str | None,
    quiet: bool,
    prepare: Callable[[Scenario], Any] | None,
    fresh: tuple[bool, bool] | None,
) -> SweepResult:
    """Run the chunks that are not ``done`` into parts; ``fresh``: (a new sweep, its folder created now), or
    None on resume, says what :func:`sim.store.results.abandon_sweep` leaves if the sweep itself stops."""
    import pyarrow.parquet as pq
    from tqdm import tqdm

    tally = Tally(plan.design.n_points, plan.n_seeds)
    for start in sorted(done):  # what earlier attempts finished counts in the summary
        path = folder / "parts" / R.part_name(start)
        names = set(pq.read_schema(path).names)  # a part where every run raised has no outcome columns
        tally.add(pq.read_table(path, columns=[c for c in Tally.COLUMNS if c in names]))
    tasks: Iterator[Chunk] = (plan.chunk_of(s, prepare) for s in range(0, plan.n_runs, plan.chunk) if s not in done)
    finished = sum(min(plan.chunk, plan.n_runs - s) for s in done)
    bar = tqdm(total=plan.n_runs, initial=finished, unit="run", disable=quiet or not sys.stderr.isatty(),
               dynamic_ncols=True, smoothing=0.05)  # fmt: skip
    results: Iterator[tuple[Chunk, pa.Table]] = iter(())
    try:
        if executor == "dask":
            results = run_dask(tasks, run_chunk, plan.scenario, workers, lost_chunk, scheduler)
        elif workers > 1:
            results = run_processes(tasks, run_chunk, plan.scenario, workers, lost_chunk)
        else:
            results = run_serial(tasks, run_chunk, plan.scenario)
        with bar:
            for task, table in results:
                with R.atomic_path(folder / "parts" / R.part_name(task.start)) as tmp:
                    pq.write_table(table, tmp)
                tally.add(table)
                bar.update(task.stop - task.start)
    except BaseException as exc:
        getattr(results, "close", lambda: None)()  # stop the workers now, not when the generator is collected
        R.abandon_sweep(folder, meta, exc, *(fresh or (False, False)))
        raise
    n_errors = int(tally.errors.sum())
    first = tally.first_error[1] if tally.first_error else None
    meta |= {"status": "complete", "finished": R.utc_now(), "n_errors": n_errors, "first_error": first}
    R.write_json(folder / "metadata.json", meta)
    text = format_summary(summary_rows(plan.design, tally), marginal=len(plan.design.params) > 1)
    return SweepResult(folder, plan.n_runs, n_errors, text, first)


# -- collect: tallies and the summary table ---------------------------------------------------------------
class Tally:
    """Deals, runs with an outcome, and errors per parameter point, and the first error in run order: all a
    summary needs, O(points) memory."""

    COLUMNS = ("point", "replicate", "seed", "deal", "error")

    def __init__(self, n_points: int, n_seeds: int) -> None:
        self.deals = np.zeros(n_points, dtype=np.int64)
        self.runs = np.zeros(n_points, dtype=np.int64)
        self.errors = np.zeros(n_points, dtype=np.int64)
        self.n_seeds = n_seeds
        self.first_error: tuple[int, str] | None = None  # (run, "run R (point P, seed S): error")

    def add(self, table: pa.Table) -> None:
        point = table.column("point").to_numpy()
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


def _labels(design: Design, j: int) -> tuple[list[str], np.ndarray]:
    """Group the points by the value of parameter ``j`` (continuous sampled values in 5 equal bins)."""
    p = design.params[j]
    vals = [design.point(i)[p.path] for i in range(design.n_points)]
    if design.kind != "grid" and p.is_range and p.start != p.stop:
        assert p.start is not None and p.stop is not None
        edges = np.linspace(p.start, p.stop, 6)
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
