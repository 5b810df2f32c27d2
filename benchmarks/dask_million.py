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


def sample(stop: threading.Event, every: float, out: list[tuple[float, float, dict[int, float]]]) -> None:
    """Append (seconds since start, parent RSS MB, {child pid: RSS MB}) until stopped."""
    me = psutil.Process()
    t0 = time.perf_counter()
    while not stop.wait(every):
        kids: dict[int, float] = {}
        for k in me.children(recursive=True):
            try:
                kids[k.pid] = k.memory_info().rss / 2**20
            except psutil.Error:  # a process that ended between listing and reading
                pass
        out.append((time.perf_counter() - t0, me.memory_info().rss / 2**20, kids))


def per_process(samples: list[tuple[float, float, dict[int, float]]]) -> list[tuple[str, float, float, int]]:
    """(process, peak RSS MB in the first half of the samples, in the second half, samples seen) for the parent
    and each child process: memory that grows with the runs done shows as a second half above the first."""
    half = len(samples) // 2
    rows = [("parent", max(p for _, p, _ in samples[:half] or samples), max(p for _, p, _ in samples[half:]),
             len(samples))]  # fmt: skip
    pids = sorted({pid for _, _, kids in samples for pid in kids})
    for pid in pids:
        first = [kids[pid] for _, _, kids in samples[:half] if pid in kids]
        second = [kids[pid] for _, _, kids in samples[half:] if pid in kids]
        rows.append((f"child {pid}", max(first, default=float("nan")), max(second, default=float("nan")),
                     len(first) + len(second)))  # fmt: skip
    return rows


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
    samples: list[tuple[float, float, dict[int, float]]] = []
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
    for t, parent, kids in samples[::step]:
        print(f"  {t:7.0f}  {parent:7.0f}  {sum(kids.values()):7.0f}  {len(kids)}")
    if samples:
        print("peak RSS (MB) per process, first half of the run against second half:")
        for name, first, second, n in per_process(samples):
            print(f"  {name:>12}  {first:7.0f}  {second:7.0f}  ({n} samples)")
        half = len(samples) // 2
        total = [p + sum(kids.values()) for _, p, kids in samples]
        print(f"peak total first half {max(total[:half] or total):.0f} MB, second half {max(total[half:]):.0f} MB")


if __name__ == "__main__":
    main()
