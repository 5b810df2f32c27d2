"""The ``negsim`` command's entry point (``[project.scripts]``, and ``python -m sim``): a Ctrl-C while negsim's
modules are still importing is one line and exit 130, as it is once they have (:func:`sim.cli.main.entry`).

The console script that pip generates runs ``from sim.cli.console import entry`` before any negsim code, so this
module imports nothing heavy: ``sim.cli.main`` (pydantic, numpy, the commands) is imported inside :func:`entry`.
"""

from __future__ import annotations

import sys


def entry() -> None:
    """Import the command line and run it; a Ctrl-C during the import prints ``negsim: interrupted`` (exit 130)."""
    try:
        from sim.cli.main import entry as run  # lazy: a Ctrl-C while it imports must be caught here
    except KeyboardInterrupt:
        print("negsim: interrupted", file=sys.stderr)
        raise SystemExit(130) from None
    run()
