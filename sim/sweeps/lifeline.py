"""Worker processes that end with their sweep, and a forkserver and workers that a Ctrl-C does not interrupt.

Used by :mod:`sim.sweeps.executors` for its pool of processes (forkserver, else spawn). The forkserver imports
:mod:`sim.sweeps.forkserver_init` first of its preload modules, which makes it ignore Ctrl-C.
"""

from __future__ import annotations

import os
import select
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


def die_with(pid: int, poll: float = 0.5) -> None:
    """End this process (``os._exit``) as soon as process ``pid`` has ended, from a daemon thread.

    A worker of a killed sweep would otherwise live forever: it holds the write end of its own task queue and the
    forkserver's "alive" pipe, so neither it, the forkserver nor the resource tracker ever sees end-of-file
    (SIGKILL of ``negsim`` left ~430 MB of processes). With the workers gone, the forkserver and the resource
    tracker see it and exit. Linux waits on a pidfd (exact); elsewhere ``pid`` is polled every ``poll`` seconds.
    """
    try:
        fd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        fd = None
    if fd is None and not _alive(pid):
        os._exit(1)

    def watch() -> None:
        if fd is not None:
            select.select([fd], [], [])
        else:
            while _alive(pid):
                time.sleep(poll)
        os._exit(1)

    threading.Thread(target=watch, name="negsim-die-with-parent", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Hold a Ctrl-C (SIGINT) that lands inside the block until it ends, then deliver it (``raise_signal``, to
    the handler there was before).

    For starting a worker: ``ProcessPoolExecutor`` knows a worker only once its ``start()`` returns, so a
    Ctrl-C inside it left a worker that tearing the pool down could not end; it then found the pool's
    semaphores gone and printed a ``FileNotFoundError`` traceback. Python handles signals in the main thread
    only, so elsewhere the block runs as it is; so it does where the handler was not set from Python
    (``getsignal`` gives None: it could not be put back).
    """
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGINT) is None:
        yield
        return
    held: list[int] = []
    before = signal.signal(signal.SIGINT, lambda signum, frame: held.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)
        if held:
            signal.raise_signal(signal.SIGINT)
