"""Imported first by the forkserver of a sweep (as a preload module): it ignores Ctrl-C from then on.

The terminal sends Ctrl-C to the whole process group. The forkserver ignores it only once its preloading is done,
so a Ctrl-C in the first second of a sweep printed a traceback of its imports (12-66 lines); and before this
module could run, during Python's own start-up (importing ``site``), it printed "Fatal Python error:
init_import_site". So :func:`sim.sweeps.executors._context` starts the server with SIGINT *blocked* in the
starting thread (``pthread_sigmask``): the mask is inherited across fork and exec, so the server is born with
Ctrl-C held pending, and this module ignores it (which discards a pending one) and then unblocks it. This is how
CPython starts its resource tracker (``multiprocessing.resource_tracker.ensure_running``). Blocking, unlike
ignoring SIGINT in the parent while the server starts, loses no Ctrl-C of the parent: the mask is the starting
thread's only, and another thread, or this one once the mask is restored, takes it.

This module acts only in the process that ``_context`` marked with :data:`MARK` (the forkserver it starts), and
removes the mark so that workers do not inherit it.
"""

from __future__ import annotations

import os
import signal

MARK = "NEGSIM_FORKSERVER"

if os.environ.pop(MARK, None) == "1":
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
