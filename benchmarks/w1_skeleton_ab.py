"""A/B of W1's sweep runs: the document path (``w1.play``: a scenario validated and compiled twice per run) against
the skeleton path (``w1.play_fast``: one :class:`sim.Skeleton`, arrays swapped per run), in one process.

    PYTHONPATH=$PWD .venv/bin/python benchmarks/w1_skeleton_ab.py [--runs 2000] [--repeats 2]

The runs are the first ``--runs`` (seed, w0) points of W1's sweep (seed-major). Each repeat times both paths over
all of them, the order alternating between repeats; it prints the medians over repeats, their ratio, the machine's
load (``os.getloadavg``) before and after, and checks that every outcome (deal, round, package, payoffs, and the
rest of the :class:`~sim.engine.records.Outcome`) is the same on both paths (exit 1 if not). Not a test: times
depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

sys.path.insert(0, str(Path(__file__).resolve().parent))
import w1


def timed(fn: Any, points: list[tuple[int, float]]) -> tuple[float, list[Any]]:
    t0 = time.perf_counter()
    out = [fn(seed, w0) for seed, w0 in points]
    return time.perf_counter() - t0, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    points = w1.sweep_points(args.runs)
    load0 = os.getloadavg()
    w1.play(0), w1.play_fast(0)  # imports and the skeleton, outside the timings
    paths = {"documents": w1.play, "skeleton": w1.play_fast}
    times: dict[str, list[float]] = {k: [] for k in paths}
    outcomes: dict[str, list[Any]] = {}
    for r in range(args.repeats):
        for name in list(paths) if r % 2 == 0 else list(paths)[::-1]:
            dt, outs = timed(paths[name], points)
            times[name].append(dt)
            outcomes.setdefault(name, outs)
            print(f"  repeat {r + 1}: {name:<9} {dt:8.2f} s  ({1e3 * dt / len(points):.2f} ms/run)", flush=True)
    load1 = os.getloadavg()
    med = {k: statistics.median(v) for k, v in times.items()}
    a, b = outcomes["documents"], outcomes["skeleton"]
    key = [(o.deal, o.round, o.package, o.payoffs) for o in a] == [(o.deal, o.round, o.package, o.payoffs) for o in b]
    same = sum(x == y for x, y in zip(a, b, strict=True))
    deals = sum(o.deal for o in a)
    print(f"W1 sweep, first {len(points)} runs, {args.repeats} repeats, one process")
    print(f"  documents (validate + compile twice per run): median {med['documents']:.2f} s")
    print(f"  skeleton  (arrays swapped per run):           median {med['skeleton']:.2f} s")
    print(f"  ratio documents / skeleton: {med['documents'] / med['skeleton']:.3f}x")
    print(f"  load average (1, 5, 15 min): before {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f}, "
          f"after {load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f} ({os.cpu_count()} CPUs)")  # fmt: skip
    print(f"  outcomes identical (whole Outcome): {same}/{len(points)}; deal, round, package, payoffs: "
          f"{'identical' if key else 'DIFFER'}; deals {deals}/{len(points)}")  # fmt: skip
    if same != len(points) or not key:
        sys.exit(1)


if __name__ == "__main__":
    main()
