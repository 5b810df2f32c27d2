"""Where the chunks of a sweep run: in this process, in a pool of processes, or on a Dask cluster.

Each executor takes an iterator of tasks and a function ``fn(task, shared)``, keeps a bounded number of
tasks in flight (so that a million-run sweep never holds more than a few chunks of rows) and yields
``(task, result)`` in completion order. A result depends only on its task, so the order does not matter.

Faults: the process pool is rebuilt when a worker process dies (``BrokenProcessPool``); the tasks that were
in flight are then re-run one at a time, and a task that kills its worker :data:`MAX_DEATHS` times alone is
given up (``lost(task, why)`` makes its result). Dask re-runs a task whose worker died itself; after its
``allowed-failures`` a ``KilledWorker`` is given up the same way.

Worker processes are forked from a ``forkserver`` (never from this possibly threaded process; ``spawn``
where there is no forkserver) and have ``OPENBLAS_NUM_THREADS=1`` (and OMP/MKL) before numpy is imported:
parallelism comes from processes, and a BLAS thread pool per process would oversubscribe the cores. Dask's
nanny sets the same variables by default. This module imports numpy only when it has to. The Dask executor is
in :mod:`sim.sweeps.dask_executor` (imported here, as :func:`run_dask`).
"""

from __future__ import annotations

import ast
import json
import multiprocessing
import multiprocessing.forkserver as fs
import multiprocessing.resource_tracker as resource_tracker
import os
import signal
import sys
import types
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from sim.engine.runner import prepare
from sim.errors import UsageError
from sim.scenario.edit import tweak
from sim.sweeps.dask_executor import run_dask
from sim.sweeps.forkserver_init import MARK
from sim.sweeps.lifeline import die_with, interrupts_deferred
from sim.sweeps.points import play_point

if TYPE_CHECKING:
    import pyarrow as pa

    from sim.scenario.models import Scenario

Executor = Literal["serial", "process", "dask"]
MAX_DEATHS = 2
THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")

__all__ = [
    "MAX_DEATHS",
    "Chunk",
    "Executor",
    "check_main_guard",
    "lost_chunk",
    "run_chunk",
    "run_dask",
    "run_processes",
    "run_serial",
]


def init_worker(parent: int | None = None) -> None:
    """Run first in each worker process: one BLAS thread, Ctrl-C is left to the parent to handle, and the worker
    ends when the sweep's process ``parent`` does (:func:`die_with`)."""
    for var in THREAD_VARS:
        os.environ[var] = "1"
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if parent is not None:
        die_with(parent)


GUARD = (
    'put the sweep under `if __name__ == "__main__":` (docs/sweeps.md): worker processes import the main module'
    " again (forkserver/spawn), so a top-level sweep there would run once more in each of them"
)


def check_main_guard(starts_processes: bool) -> None:
    """Refuse, before any folder or process exists, a sweep that worker processes would start again.

    In a worker importing its parent's main module (``_inheriting``), any sweep is that mistake. In the parent,
    with ``starts_processes``, it is found in the main file's source: the top-level statement running now is not
    inside an ``if __name__ ...`` block. Anything unclear (no file, no source, an interactive session) passes,
    and so does a main module that workers do not import (``python -m pkg`` runs ``pkg.__main__``).
    """

    if getattr(multiprocessing.current_process(), "_inheriting", False):
        raise UsageError(f"a sweep started while a worker process imported the main module: {GUARD}")
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    name = getattr(getattr(main, "__spec__", None), "name", None) or ""
    if not starts_processes or main is None or not isinstance(path, str) or name.rpartition(".")[2] == "__main__":
        return  # as multiprocessing.spawn: a package's __main__ (python -m pkg) is not imported again in workers

    frame: types.FrameType | None = sys._getframe()
    top = None
    while frame is not None:  # the main module's own top-level code, outermost
        if frame.f_globals is vars(main) and frame.f_code.co_name == "<module>" and frame.f_code.co_filename == path:
            top = frame
        frame = frame.f_back
    if top is not None and top.f_lineno is not None and not _guarded(path, top.f_lineno):
        raise UsageError(f"{path}:{top.f_lineno}: a sweep with worker processes at the top level: {GUARD}")


def _guarded(path: str, line: int) -> bool:
    """Whether ``line`` of the Python file ``path`` is inside an ``if`` that tests ``__name__`` (True if unsure)."""

    try:
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read(), path)
    except (OSError, SyntaxError, ValueError, UnicodeDecodeError):
        return True
    nodes: list[ast.AST] = list(tree.body)
    while True:
        node = next((n for n in nodes if n.lineno <= line <= (n.end_lineno or n.lineno)), None)  # type: ignore[attr-defined]
        if node is None:
            return True  # not a statement of this file after all
        if isinstance(node, ast.If) and any(getattr(n, "id", None) == "__name__" for n in ast.walk(node.test)):
            return True
        if isinstance(node, ast.If | ast.For | ast.AsyncFor | ast.While | ast.With | ast.AsyncWith | ast.ExceptHandler):
            nodes = [*node.body, *getattr(node, "orelse", [])]
        elif isinstance(node, ast.Try | ast.TryStar):
            nodes = [*node.body, *node.handlers, *node.orelse, *node.finalbody]
        elif isinstance(node, ast.Match):
            return True
        else:
            return False  # a simple statement (or a decorator's call) that runs whatever __name__ is


def run_serial[Task](tasks: Iterator[Task], fn: Callable[[Task, Any], Any], shared: Any) -> Iterator[tuple[Task, Any]]:
    for task in tasks:
        yield task, fn(task, shared)


def run_processes[Task](
    tasks: Iterator[Task],
    fn: Callable[[Task, Any], Any],
    shared: Any,
    workers: int,
    lost: Callable[[Task, str], Any],
    in_flight: int | None = None,
) -> Iterator[tuple[Task, Any]]:
    """Run ``fn(task, shared)`` in a pool of ``workers`` processes, rebuilt when one of them dies.

    Each turn: send tasks (:meth:`_ProcessRun.submit`), wait for the first results (:meth:`_ProcessRun.collect`),
    and after a death rebuild the pool and re-queue the tasks that were in flight (:meth:`_ProcessRun.recover`)."""

    run = _ProcessRun(tasks, fn, shared, workers, lost, in_flight)
    try:
        while True:
            unsent = run.submit()
            if not run.running and not unsent:
                return
            broken: list[Task] = list(unsent)
            if not unsent:
                yield from run.collect(broken)
            if broken:
                yield from run.recover(broken, alone=not unsent and not run.running and len(broken) == 1)
    finally:
        _terminate(run.pool)


class _ProcessRun[Task]:
    """The state of :func:`run_processes`: the pool, the tasks in flight (``running``), those to re-run one at a
    time because they were in flight when a worker died (``suspects``), and how often each killed its worker
    while running alone (``deaths``, by ``id(task)``)."""

    def __init__(
        self,
        tasks: Iterator[Task],
        fn: Callable[[Task, Any], Any],
        shared: Any,
        workers: int,
        lost: Callable[[Task, str], Any],
        in_flight: int | None,
    ) -> None:
        self.fn, self.shared, self.workers, self.lost = fn, shared, workers, lost
        self.limit = in_flight or 2 * workers
        self.ctx = _context()
        self.pool = self.new_pool()
        self.suspects: deque[Task] = deque()
        self.deaths: dict[int, int] = {}
        self.running: dict[Future[Any], Task] = {}
        self.fresh = iter(tasks)
        self.exhausted = False

    def new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.workers, mp_context=self.ctx, initializer=init_worker, initargs=(os.getpid(),)
        )

    def submit(self) -> list[Task]:
        """A suspect alone when nothing runs; else, while no suspect waits, fresh tasks up to the in-flight limit.
        Returns the task whose submit found the pool already broken, if any."""
        unsent: list[Task] = []
        try:
            if self.suspects and not self.running:
                unsent = [self.suspects.popleft()]
                self.send(unsent[0])
                unsent = []
            while not self.suspects and not self.exhausted and len(self.running) < self.limit:
                nxt = next(self.fresh, None)
                if nxt is None:
                    self.exhausted = True
                    break
                unsent = [nxt]
                self.send(nxt)
                unsent = []
        except BrokenProcessPool:
            pass
        return unsent

    def send(self, task: Task) -> None:
        """Submit ``task``; a Ctrl-C meanwhile is held until the submit returns, since it may start a worker
        (:func:`sim.sweeps.lifeline.interrupts_deferred`)."""
        with interrupts_deferred():
            self.running[self.pool.submit(self.fn, task, self.shared)] = task

    def collect(self, broken: list[Task]) -> Iterator[tuple[Task, Any]]:
        """Wait for the first tasks to finish; yield each result (its task's death count is forgotten) and add the
        tasks whose worker died to ``broken``."""
        done, _ = wait(self.running, return_when=FIRST_COMPLETED)
        for fut in done:
            task = self.running.pop(fut)
            try:
                result = fut.result()
            except BrokenProcessPool:
                broken.append(task)
                continue
            self.deaths.pop(id(task), None)
            yield task, result

    def recover(self, broken: list[Task], alone: bool) -> Iterator[tuple[Task, Any]]:
        """A new pool; every task in flight becomes a suspect. A task that killed its worker while running
        ``alone`` counts a death, and at :data:`MAX_DEATHS` is given up (``lost``) instead."""
        broken += list(self.running.values())
        self.running.clear()
        _terminate(self.pool)
        self.pool = self.new_pool()
        if alone:
            task = broken[0]
            self.deaths[id(task)] = self.deaths.get(id(task), 0) + 1
            if self.deaths[id(task)] >= MAX_DEATHS:
                self.deaths.pop(id(task))
                yield task, self.lost(task, f"the worker process died {MAX_DEATHS} times running these runs")
                return
        self.suspects.extend(broken)


PRELOAD = (
    "sim.sweeps.forkserver_init",  # first: Ctrl-C is ignored during the rest
    "sim.sweeps.executors",
    "sim.engine.runner",
    "sim.engine.model",
    "sim.scenario.paths",
    "pyarrow",
    "pandas",
)


def _context() -> Any:
    """``forkserver`` (a server process that imported negsim once and forks each worker; a pool that is
    rebuilt costs milliseconds, not seconds of imports) started with one BLAS thread and with Ctrl-C blocked
    (:mod:`sim.sweeps.forkserver_init`); ``spawn`` elsewhere."""

    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(list(PRELOAD))
    saved = {v: os.environ.get(v) for v in (*THREAD_VARS, MARK)}
    os.environ.update(dict.fromkeys(THREAD_VARS, "1") | {MARK: "1"})  # MARK: sim.sweeps.forkserver_init
    # SIGINT blocked while the server is spawned (sim.sweeps.forkserver_init); the resource tracker first, since
    # starting it unblocks SIGINT and SIGTERM in this thread (multiprocessing.resource_tracker.ensure_running)
    resource_tracker.ensure_running()
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        fs.ensure_running()  # the server and every worker it forks inherit these variables
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        for v, old in saved.items():
            if old is None:
                os.environ.pop(v, None)
            else:
                os.environ[v] = old
    return ctx


def _terminate(pool: Any) -> None:
    """Stop a pool now: cancel what has not started and end its processes (on Ctrl-C or a dead worker).

    A worker ended while it was writing a result leaves half a message in the result pipe, and the pool's
    manager thread then waits in ``recv`` for the rest, for ever: ``concurrent.futures`` joins that thread at
    exit, so the process hung until the CLI's grace timer ended it with ``os._exit`` (which skips the exit
    handlers that release the pool's semaphores: the resource tracker then warned of 5 leaked semaphores). Once
    the workers are gone this process holds the pipe's last write end; closing it turns the wait into an
    end-of-file, which the manager thread treats as a broken pool, and it ends.
    """
    procs = list((getattr(pool, "_processes", None) or {}).values())
    queue = getattr(pool, "_call_queue", None)  # a worker started but not yet registered (Ctrl-C in submit)
    procs += [c for c in multiprocessing.active_children() if c not in procs and queue in getattr(c, "_args", ())]
    results = getattr(pool, "_result_queue", None)  # shutdown() forgets it
    pool.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        if p.is_alive():
            p.terminate()
    for p in procs:
        p.join(timeout=5)
    writer = getattr(results, "_writer", None)
    if writer is not None and not any(p.is_alive() for p in procs):
        writer.close()


# -- the work: a chunk of runs -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Chunk:
    """Runs ``start..stop-1`` of a sweep, with the points and seeds they need (a few kB to send)."""

    sweep_id: str
    start: int
    stop: int
    n_seeds: int
    points: dict[int, dict[str, Any]]
    seeds: dict[int, int]
    prepare: Callable[[Scenario], Any] | None = None


_CACHE: dict[tuple[str, int], Any] = {}


def _prepared(chunk: Chunk, point: int, scenario: Scenario) -> Any:
    """One ``prepare()`` per point, kept for this worker's next chunk (consecutive chunks share points)."""
    key = (chunk.sweep_id, point)
    if key not in _CACHE:
        _CACHE.clear()

        values = chunk.points[point]
        s = tweak(scenario, values) if values else scenario
        if chunk.prepare is None:
            _CACHE[key] = prepare(s)
        else:
            _CACHE[key] = chunk.prepare(s)
    return _CACHE[key]


def _cell(v: Any) -> Any:

    return v if v is None or isinstance(v, str | int | float | bool) else json.dumps(v, sort_keys=True)


def run_chunk(chunk: Chunk, scenario: Scenario) -> pa.Table:
    """Play the runs of ``chunk``, each point's seeds together (:func:`sim.sweeps.points.play_point`); a run (or
    a point) that raises becomes a row with its ``error``."""
    rows: list[dict[str, Any]] = []
    run = chunk.start
    while run < chunk.stop:
        point, first = divmod(run, chunk.n_seeds)
        reps = range(first, min(chunk.n_seeds, first + chunk.stop - run))
        run += len(reps)
        values = {path: _cell(v) for path, v in chunk.points[point].items()}
        seeds = [chunk.seeds[rep] for rep in reps]
        try:
            played = play_point(_prepared(chunk, point, scenario), seeds)
        except Exception as exc:
            played = [{"error": f"{type(exc).__name__}: {exc}"}] * len(seeds)
        for rep, seed, outcome in zip(reps, seeds, played, strict=True):
            rows.append({"point": point, "replicate": rep, "seed": seed} | values | outcome)
    return rows_to_table(rows)


def rows_to_table(rows: list[dict[str, Any]]) -> pa.Table:
    """An Arrow table with the union of the rows' columns (a run that raised has no outcome columns)."""
    # lazy: pandas and pyarrow cost ~0.4 s to import; negsim run --no-save and negsim validate start without them
    import pyarrow as pa

    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    names.pop("error", None)
    cols = [*names, "error"]
    return pa.table({c: pa.array([row.get(c) for row in rows], type=pa.string() if c == "error" else None)
                     for c in cols})  # fmt: skip


def lost_chunk(chunk: Chunk, why: str) -> pa.Table:
    """The rows of a chunk whose worker kept dying: every run recorded with the reason."""
    rows = []
    for run in range(chunk.start, chunk.stop):
        point, rep = divmod(run, chunk.n_seeds)
        row = {"point": point, "replicate": rep, "seed": chunk.seeds[rep]}
        rows.append(row | {p: _cell(v) for p, v in chunk.points[point].items()} | {"error": why})
    return rows_to_table(rows)
