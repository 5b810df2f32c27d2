"""The allowed range of every numeric command-line option, checked once for every command (one line, exit 2).

Kept apart from :mod:`sim.cli.common` so that the parser does not import the scenario stack to check a number.
"""

from __future__ import annotations

import argparse
import math
import os

from sim.errors import UsageError

MAX_SEED = 2**63 - 1
MAX_WORKERS = 4 * (os.cpu_count() or 1)
"""Worker processes: four per CPU at most (more only add memory and switching, never speed)."""
RANGES: dict[str, tuple[float, float, str]] = {
    "seed": (0, MAX_SEED, "a seed from 0 to 2**63 - 1"),
    "master_seed": (0, MAX_SEED, "a seed from 0 to 2**63 - 1"),
    "seeds": (1, 10_000_000, "a count of seeds from 1 to 10,000,000"),
    "samples": (1, 10_000_000, "a count of samples from 1 to 10,000,000"),
    "chunk": (1, 10_000_000, "a count of runs from 1 to 10,000,000"),
    "workers": (1, MAX_WORKERS, f"from 1 to {MAX_WORKERS} (4 per CPU of this machine)"),
    "port": (1, 65535, "a TCP port from 1 to 65535"),
    "density": (0, 1, "a probability from 0 to 1"),
    "target": (0, 1, "a probability from 0 to 1"),
    "tries": (1, 100, "a count of lever sets from 1 to 100"),
    "max_frontier": (0, 1_000_000, "a count of packages from 0 to 1,000,000"),
}
"""The allowed range of every numeric option, by its argparse ``dest`` (checked for any command that has it)."""


def check_ranges(args: argparse.Namespace) -> None:
    """One :class:`UsageError` line for the first numeric option out of its range (:data:`RANGES`)."""
    for dest, (lo, hi, what) in RANGES.items():
        value = getattr(args, dest, None)
        if value is None or isinstance(value, bool):
            continue
        if not (isinstance(value, int) or math.isfinite(value)) or not lo <= value <= hi:
            raise UsageError(f"--{dest.replace('_', '-')} must be {what}, not {value}")
