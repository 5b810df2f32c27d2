"""Sweeps: a design of parameter points × seeds, run in chunks, streamed to a results folder.

design (:mod:`sim.sweeps.designs`) -> evaluate (:func:`run_chunk`, on :mod:`sim.sweeps.executors`) -> collect (Parquet
parts and
``metadata.json``, :mod:`sim.store.results`), after the EMA Workbench.

Runs are numbered ``run = point * seeds + replicate``. Replicate ``r`` uses the same seed at every point
(common random numbers), ``SeedSequence(master_seed).generate_state(seeds, uint64) >> 1``; a run depends only
on its point and seed, so 1 worker, many workers and Dask give the same table, and ``negsim run --seed`` with
the point's ``--set`` values reproduces any row. Each chunk of consecutive runs becomes one part named by its
first run; a sweep killed at any moment continues with :func:`resume`, which runs only the missing chunks.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tqdm import tqdm

from sim.errors import SweepFailed, UsageError
from sim.scenario.loader import load_scenario
from sim.store import results as R
from sim.store import validate as V
from sim.sweeps.dask_executor import check_scheduler
from sim.sweeps.designs import Design, design_from_metadata
from sim.sweeps.ensemble import EnsembleReport, decompose
from sim.sweeps.executors import Chunk, check_main_guard, lost_chunk, run_chunk, run_dask, run_processes, run_serial
from sim.sweeps.plan import Plan, plan_sweep
from sim.sweeps.summary import Tally, engine_metadata, engine_note, format_summary, summary_rows

if TYPE_CHECKING:
    import pyarrow as pa

    from sim.scenario.models import Scenario


@dataclass(frozen=True)
class SweepResult:
    """Where a sweep's results are, with the counts and P(deal) summary it printed; ``n_errors`` (``n_failed``)
    runs raised, the first in run order being ``first_error``: ``"run R (point P, seed S): Type: message"``."""

    path: Path
    n_runs: int
    n_errors: int
    summary: str
    first_error: str | None = None
    ensemble: EnsembleReport | None = None
    """An ensemble's (``ensemble=N``) split of the variance of the deal indicator: parameters against seeds."""

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
    design: str | Design | None = None,
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
    ensemble: int | None = None,
    _prepare: Callable[[Scenario], Any] | None = None,
) -> SweepResult:
    """Run every parameter point of a design with ``seeds`` seeds each, into ``out`` (default
    ``<base>/<scenario-id>-<UTC time>-<4 hex>``).

    ``params`` maps scenario paths to SPECs (``"0.1:0.9:5"``, ``"a,b"``) or lists of values; what is not given
    comes from the scenario's ``sweep:`` section; ``design`` is a kind (``"lhs"``...) or a :class:`Design` whose
    points are run as they are (``params`` and ``samples`` then unused).
    ``executor``: ``"process"`` (``workers`` processes; one worker runs in this process) or ``"dask"`` (the
    scheduler at ``scheduler``, else a local cluster).

    A run that raises is recorded with its error and the sweep goes on; then :class:`sim.errors.SweepFailed`
    (``.result``: this result) is raised, or with ``raise_on_error=False`` returned: see ``result.ok``.
    With ``workers > 1``, call it in a script under ``if __name__ == "__main__":`` (docs/sweeps.md).
    ``ensemble=N``: N parameter draws (``random`` design unless ``design`` is lhs or sobol), each with ``seeds``
    seeds of its own; the result's ``ensemble`` splits the deal's variance into parameters and seeds
    (:mod:`sim.sweeps.ensemble`).
    ``_prepare`` replaces :func:`sim.engine.runner.prepare` (tests only; it must be picklable).
    """
    if not hasattr(scenario, "model_dump"):
        scenario = load_scenario(scenario)  # type: ignore[arg-type]
    assert not isinstance(scenario, str | Path)
    _check_executor(executor, workers, scheduler)
    # Pandas and pyarrow write the parts: imported here, before any run, so that a Ctrl-C never lands inside their
    # import (a KeyboardInterrupt inside pandas' C-extension import surfaces as a SystemError, not an interrupt).
    # lazy: negsim validate and run import this module without needing pandas
    import pandas  # noqa: F401

    # lazy: as pandas above
    import pyarrow  # noqa: F401

    folder = Path(out) if out is not None else Path(base) / R.new_id(scenario.id)
    plan = plan_sweep(scenario, params, seeds, design, samples, master_seed, chunk, workers, folder.name, ensemble)
    R.refuse_existing(folder, overwrite)
    existed = folder.exists()
    with R.FolderLock(folder):
        meta = plan.metadata()
        try:
            R.clear_folder(folder)  # empty, or replaced with --overwrite (checked above)
            (folder / "parts").mkdir()
            R.write_json(folder / "metadata.json", meta)
        except BaseException as exc:  # a full disk before the sweep began: leave no folder that blocks a retry
            R.abandon_sweep(folder, meta, exc, True, not existed)
            raise
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
        try:
            design = design_from_metadata(meta["design"])
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise UsageError(f"{folder}/metadata.json: its design cannot be rebuilt ({type(exc).__name__}: {exc}); "
                             "run the sweep again into a new --out") from None  # fmt: skip
        plan = Plan(scenario, design, int(meta["seeds"]["n"]), int(meta["master_seed"]), int(meta["chunk"]),
                    meta["sweep_id"], ensemble=bool(meta["seeds"].get("ensemble")))  # fmt: skip
        if "values" in meta["seeds"] and plan.seeds.tolist() != meta["seeds"]["values"]:
            raise UsageError(f"{folder}: the recorded seeds differ from {meta['seeds']['rule']}; cannot resume")
        R.remove_temporaries(folder)
        done = set(V.sweep_parts(folder, meta))  # each part checked (sim.store.validate): chunks of this sweep
        (folder / "parts").mkdir(exist_ok=True)
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
    if scheduler is not None:
        check_scheduler(scheduler)  # before any folder: its format, then a connection with a bounded timeout


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
    # lazy: pandas and pyarrow cost ~0.4 s to import; negsim run --no-save and negsim validate start without them
    import pyarrow.parquet as pq

    tally = Tally(plan.design.n_points, plan.n_seeds)
    for start in sorted(done):  # what earlier attempts finished counts in the summary
        path = folder / "parts" / R.part_name(start)
        names = set(pq.read_schema(path).names)  # a part where every run raised has no outcome columns
        tally.add(V.read_part(folder, path, [c for c in Tally.COLUMNS if c in names]))
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
    meta["engine"] = engine_metadata(tally.engines)
    R.write_json(folder / "metadata.json", meta)
    text = format_summary(summary_rows(plan.design, tally), marginal=len(plan.design.params) > 1)
    if note := engine_note(tally.engines):
        text += f"\n{note}"
    report = decompose(tally.deals, tally.runs) if plan.ensemble else None
    if report is not None:
        text += f"\n{report}"
    return SweepResult(folder, plan.n_runs, n_errors, text, first, report)


# -- collect: tallies and the summary table ---------------------------------------------------------------
