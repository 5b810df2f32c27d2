"""Imported first by the forkserver of a sweep (as a preload module): it ignores Ctrl-C from then on.

The terminal sends Ctrl-C to the whole process group; the forkserver only ignores it once its preloading is
done, so a Ctrl-C in the first second of a sweep printed a traceback of its imports (12-66 lines). Ignoring
SIGINT in the parent while the server starts is no fix: another thread of the parent (BLAS, Arrow) can take the
signal, which is then lost. This module acts only in the process that :func:`sim.sweeps.executors._context`
marked with :data:`MARK` (the forkserver it starts), and removes the mark so that workers do not inherit it.
"""

from __future__ import annotations

import os
import signal

MARK = "NEGSIM_FORKSERVER"

if os.environ.pop(MARK, None) == "1":
    signal.signal(signal.SIGINT, signal.SIG_IGN)
