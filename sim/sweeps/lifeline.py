"""Worker processes that end with their sweep, and a forkserver that a Ctrl-C does not interrupt.

Used by :mod:`sim.sweeps.executors` for its pool of processes (forkserver, else spawn). The forkserver imports
:mod:`sim.sweeps.forkserver_init` first of its preload modules, which makes it ignore Ctrl-C.
"""

from __future__ import annotations

import os
import select
import threading
import time


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
