"""The Dask executor of a sweep: chunks on a Dask scheduler, or on a LocalCluster of this machine.

Like the executors of :mod:`sim.sweeps.executors` (which imports :func:`run_dask` from here), it takes an iterator
of tasks and ``fn(task, shared)``, keeps a bounded number of tasks in flight and yields ``(task, result)`` in
completion order. Dask re-runs a task whose worker died itself; after its ``allowed-failures`` a ``KilledWorker``
is given up (``lost(task, why)`` makes its result). Dask's nanny sets one BLAS thread per worker by default.
dask.distributed is an optional extra, imported only when this executor runs.
"""

from __future__ import annotations

import logging
import re
import types
from collections.abc import Callable, Iterator
from typing import Any

from sim.errors import UsageError


def run_dask[Task](
    tasks: Iterator[Task],
    fn: Callable[[Task, Any], Any],
    shared: Any,
    workers: int,
    lost: Callable[[Task, str], Any],
    scheduler: str | None = None,
    in_flight: int | None = None,
) -> Iterator[tuple[Task, Any]]:
    """Run on the Dask scheduler at ``scheduler``, or on a LocalCluster of ``workers`` processes bound to
    127.0.0.1 when none is given. ``shared`` is scattered to every worker once."""
    distributed = _distributed()
    client, cluster = _dask_connect(distributed, workers, scheduler)
    try:
        yield from _dask_results(distributed, client, tasks, fn, shared, workers, lost, in_flight)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _distributed() -> types.SimpleNamespace:
    """dask.distributed's ``Client``, ``LocalCluster``, ``as_completed`` and ``KilledWorker``; a one-line usage
    error saying how to install it when it is missing."""
    try:
        # lazy: dask is an optional extra (pip install -e .[dask]); only --executor dask needs it
        from distributed import Client, LocalCluster, as_completed

        # lazy: dask is an optional extra (pip install -e .[dask]); only --executor dask needs it
        from distributed.scheduler import KilledWorker
    except ImportError:
        raise UsageError("--executor dask needs dask.distributed: pip install 'negsim[dask]'") from None
    return types.SimpleNamespace(
        Client=Client, LocalCluster=LocalCluster, as_completed=as_completed, KilledWorker=KilledWorker
    )


LOCAL_CONFIG = {"distributed.worker.profile.enabled": False}
"""Dask configuration of the LocalCluster negsim starts (a ``--scheduler`` cluster keeps its own). Dask's statistical
profiler samples every worker's stack every 10 ms and keeps one profile per second, up to
``distributed.admin.low-level-log-length`` (1,000) of them: for the dashboard, which negsim's LocalCluster does not
start. Those profiles were the workers' memory growth of a long sweep (docs/performance.md: 12 MB more per worker
after 60 s of toy runs, with the same throughput)."""


def _dask_connect(distributed: types.SimpleNamespace, workers: int, scheduler: str | None) -> tuple[Any, Any]:
    """(client, cluster): without a scheduler, a LocalCluster of ``workers`` one-thread processes on 127.0.0.1
    without a dashboard or Dask's profiler (:data:`LOCAL_CONFIG`); with one, a client of it (cluster None;
    :data:`CONNECT_TIMEOUT` to connect)."""
    if scheduler is None:
        import dask.config  # lazy: dask is an optional extra (pip install -e .[dask])

        with dask.config.set(LOCAL_CONFIG):  # the nannies hand this configuration to their worker processes
            cluster = distributed.LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
        return distributed.Client(cluster), cluster
    return _client(distributed, scheduler), None


CONNECT_TIMEOUT = 10.0
"""Seconds to connect to a ``--scheduler`` before giving up with a usage error."""

ADDRESS = re.compile(r"(?:(?:tcp|tls|ws|wss|ucx)://)?(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9][A-Za-z0-9._-]*):(\d{1,5})")


def check_scheduler(scheduler: str) -> None:
    """Refuse, before any folder exists, a ``--scheduler`` that is not ``[tcp://]HOST:PORT`` (or tls://, ws://,
    wss://, ucx://), that cannot be reached within :data:`CONNECT_TIMEOUT` seconds, or that is not a Dask
    scheduler (a service that answers something else made distributed try to allocate 3 EiB)."""
    m = ADDRESS.fullmatch(scheduler.strip()) if isinstance(scheduler, str) else None
    if m is None or not 0 < int(m.group(1)) < 65536:
        raise UsageError(f"--scheduler {scheduler!r}: give a dask scheduler address, tcp://HOST:PORT")
    _client(_distributed(), scheduler).close()


def _client(distributed: types.SimpleNamespace, scheduler: str) -> Any:
    """A client of the scheduler at ``scheduler``; any failure to connect is a one-line usage error."""
    try:
        client = distributed.Client(scheduler, timeout=f"{CONNECT_TIMEOUT}s")
        client.scheduler_info()  # a reply of the scheduler's own, not just an open port
    except (Exception, MemoryError) as exc:  # OSError, TimeoutError, garbage decoded as a frame length...
        why = (str(exc).strip().splitlines() or [""])[0][:200]
        raise UsageError(f"--scheduler {scheduler}: no dask scheduler answered there within {CONNECT_TIMEOUT:g} s "
                         f"({type(exc).__name__}{': ' + why if why else ''})") from None  # fmt: skip
    return client


def _dask_results[Task](
    distributed: types.SimpleNamespace,
    client: Any,
    tasks: Iterator[Task],
    fn: Callable[[Task, Any], Any],
    shared: Any,
    workers: int,
    lost: Callable[[Task, str], Any],
    in_flight: int | None,
) -> Iterator[tuple[Task, Any]]:
    """At most ``in_flight`` tasks submitted (2 per worker of the cluster by default); each result is yielded as
    it completes (a ``KilledWorker`` given up through ``lost``), its future released and the next task sent."""
    n = len(client.scheduler_info().get("workers", {})) or workers
    limit = in_flight or 2 * n
    shared_f = client.scatter(shared, broadcast=True)
    ac = distributed.as_completed()
    by_key: dict[Any, Task] = {}

    def submit(task: Task) -> None:
        fut = client.submit(fn, task, shared_f, pure=False)
        by_key[fut.key] = task
        ac.add(fut)

    fresh = iter(tasks)
    for task in fresh:
        submit(task)
        if len(by_key) >= limit:
            break
    for fut in ac:
        task = by_key.pop(fut.key)
        try:
            result = fut.result()
        except distributed.KilledWorker as exc:
            result = lost(task, f"dask gave up after its workers died: {exc}")
        fut.release()
        yield task, result
        nxt = next(fresh, None)
        if nxt is not None:
            submit(nxt)
