"""Batched runs against the Mesa model run by run, side by side in one process (issue #19, part 1).

    PYTHONPATH=. .venv/bin/python benchmarks/batch_ab.py [--seeds 200] [--repeats 5]

For each shipped scenario (and its ``single_package`` agenda): one ``Prepared`` is warmed by playing its seeds once
(the searches and shared state are then kept, as in a sweep point after its first runs), then its seeds are played
``--repeats`` times each way, alternating: run by run (``Prepared.run(seed).outcome.to_row``, as sweeps did) and
batched (:func:`sim.sweeps.points.play_point`). Prints the medians, their ratio and whether every row was equal.
A cold point (the first pass) is printed too: there the searches, shared by both, dominate. Not a test: the
numbers depend on the machine and its load (printed).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from sim.engine.runner import prepare
from sim.scenario.edit import tweak
from sim.scenario.loader import load_scenario
from sim.sweeps.points import play_point

ROOT = Path(__file__).resolve().parents[1]


def by_run(p, seeds):
    return [p.run(s).outcome.to_row(p.clauses, p.actors) for s in seeds]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    seeds = list(range(args.seeds))
    print(f"load {os.getloadavg()}; {args.seeds} seeds, {args.repeats} repeats, medians")
    print(f"{'scenario':40} {'cold (s)':>9} {'by run (ms)':>12} {'batched (ms)':>13} {'ratio':>7}  rows equal")
    for path in sorted(ROOT.glob("scenarios/*.yaml")):
        base = load_scenario(path)
        for label, s in (
            (path.stem, base),
            (f"{path.stem} single_package", tweak(base, {"protocol.agenda": "single_package"})),
        ):
            p = prepare(s)
            t0 = time.perf_counter()
            reference = by_run(p, seeds)
            cold = time.perf_counter() - t0
            a, b = [], []
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                by_run(p, seeds)
                a.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                got = [{k: v for k, v in r.items() if k not in ("engine", "error")} for r in play_point(p, seeds)]
                b.append(time.perf_counter() - t0)
            ma, mb = statistics.median(a) * 1e3, statistics.median(b) * 1e3
            print(f"{label:40} {cold:9.2f} {ma:12.1f} {mb:13.1f} {ma / mb:6.1f}x  {got == reference}")
    print(f"load {os.getloadavg()}")


if __name__ == "__main__":
    main()
