"""A 1,000,000-run sweep on a Dask LocalCluster of this machine, its memory sampled as it runs (issue #19.4).

    PYTHONPATH=. .venv/bin/python benchmarks/dask_million.py [--runs 1000000] [--workers 2] [--every 5]

The sweep is ``scenarios/bilateral_toy.yaml`` (24 packages: the cheapest shipped run, so the figure is the sweep
machinery's, not the search's) over ``actors.B.reservation.war_cost`` in 10,000 points x 100 seeds, through
``sim.sweep(..., executor="dask")``: the same code runs on a real cluster with ``scheduler="tcp://host:8786"``
(docs/sweeps.md). A thread samples the resident set size (RSS) of this process and of every child process (the
nanny and the worker processes of the LocalCluster) every ``--every`` seconds and prints the series, so "flat" is
seen, not assumed: if memory grew with the number of runs done, the later samples would be higher than the early
ones. Peak RSS per process is the largest sample (an under-estimate between samples).

Not a test: it takes minutes and its numbers depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]


def sample(stop: threading.Event, every: float, out: list[tuple[float, float, float, int]]) -> None:
    """Append (seconds since start, parent RSS MB, sum of children's RSS MB, number of children) until stopped."""
    me = psutil.Process()
    t0 = time.perf_counter()
    while not stop.wait(every):
        kids = me.children(recursive=True)
        rss = 0.0
        for k in kids:
            try:
                rss += k.memory_info().rss
            except psutil.Error:  # a process that ended between listing and reading
                pass
        out.append((time.perf_counter() - t0, me.memory_info().rss / 2**20, rss / 2**20, len(kids)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=1_000_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--every", type=float, default=5.0, help="seconds between memory samples")
    args = ap.parse_args()
    from sim import load_scenario, sweep

    seeds = 100
    points = max(1, args.runs // seeds)
    s = load_scenario(ROOT / "scenarios" / "bilateral_toy.yaml")
    samples: list[tuple[float, float, float, int]] = []
    stop = threading.Event()
    watcher = threading.Thread(target=sample, args=(stop, args.every, samples), daemon=True)
    with tempfile.TemporaryDirectory() as tmp:
        watcher.start()
        t0 = time.perf_counter()
        res = sweep(
            s,
            {"actors.B.reservation.war_cost": f"0:0.4:{points}"},
            seeds=seeds,
            workers=args.workers,
            executor="dask",
            out=Path(tmp) / "million",
            quiet=False,
        )
        dt = time.perf_counter() - t0
        stop.set()
        watcher.join()
        n = res.n_runs
    print(f"\n{n:,} runs ({points:,} points x {seeds} seeds, {res.n_errors} raised), Dask LocalCluster of "
          f"{args.workers} workers: {dt:.0f} s wall, {n / dt:,.0f} runs/s")  # fmt: skip
    print(res.summary)
    print("memory (RSS, MB) sampled every", args.every, "s:  t  parent  children(sum)  #children")
    step = max(1, len(samples) // 20)
    for t, parent, kids, k in samples[::step]:
        print(f"  {t:7.0f}  {parent:7.0f}  {kids:7.0f}  {k}")
    if samples:
        half = len(samples) // 2
        first = max(p + c for _, p, c, _ in samples[:half] or samples)
        second = max(p + c for _, p, c, _ in samples[half:])
        parent, kids = max(p for _, p, _, _ in samples), max(c for _, _, c, _ in samples)
        print(f"peak parent {parent:.0f} MB, peak children {kids:.0f} MB;"
              f" peak total first half {first:.0f} MB, second half {second:.0f} MB")  # fmt: skip


if __name__ == "__main__":
    main()
