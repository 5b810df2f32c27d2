"""The cost of a Sobol analysis: 1,024 points x 4 seeds with 2 workers (docs/performance.md).

Saltelli's N = 256 base samples over D = 2 parameters give N (D + 2) = 1,024 points. Run from the repository root:
``PYTHONPATH=. .venv/bin/python benchmarks/sensitivity_bench.py [--scenario paris_2025|paris_2026] [--repeat R]``.
Prints the wall time of each run and their median. A benchmark, not a test: it is never timed by the test suite.
Paris 2026 costs ~0.2-1 s a run in a sweep (each new seed and point solves several MILPs to proven optimality):
expect tens of minutes for it on 2 cores.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from sim.sweeps.sensitivity import sensitivity

PARAMS = {"actors.RU.reservation.expected_gain": "0:0.4", "actors.US.deadline.credibility": "0.1:0.9"}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--scenario", default="paris_2025", choices=["paris_2025", "paris_2026"])
    args = ap.parse_args()
    times = []
    for r in range(args.repeat):
        out = Path(tempfile.mkdtemp()) / "bench"
        t0 = time.perf_counter()
        file = f"scenarios/{args.scenario}.yaml"
        res = sensitivity(file, PARAMS, samples=256, seeds=4, workers=args.workers, out=out)
        times.append(time.perf_counter() - t0)
        what = f"{args.scenario}, {res.n_points} points x {res.n_seeds} seeds, {args.workers} workers"
        print(f"run {r}: {what}: {times[-1]:.1f} s")
        if r == 0:
            print(res)
        shutil.rmtree(out.parent)
    print(f"median of {len(times)}: {statistics.median(times):.1f} s")


if __name__ == "__main__":
    main()
