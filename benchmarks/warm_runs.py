"""Warm runs of one prepared scenario with and without ``Prepared.scores``' memo, side by side (issue #19).

    PYTHONPATH=. .venv/bin/python benchmarks/warm_runs.py [--scenario paris_2025] [--runs 200] [--repeats 7]

A sweep point prepares its scenario once and plays every seed on it; the runs vote on the same few packages, so
:meth:`sim.engine.prepared.Prepared.scores` keeps each package's clipped utilities, vetoes and triggered rules.
"Off" sets ``sim.engine.prepared.SCORES_MAX = 0`` (nothing kept: every vote recomputes them), "on" is the
default. The two are interleaved ``--repeats`` times, each on a fresh prepared scenario whose searches are warmed
first by the same runs (so both time the rounds, not the searches), and the outcomes are checked equal.
Not a test: the numbers depend on the machine and its load (printed).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import sim.engine.prepared as P
from sim.engine.runner import prepare
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def timed_runs(scenario, seeds: range, keep: int) -> tuple[float, list[tuple[bool, int]]]:
    saved, P.SCORES_MAX = P.SCORES_MAX, keep
    try:
        prepared = prepare(scenario)
        for seed in seeds:  # warm the searches (identical either way) so that only the rounds are timed
            prepared.run(seed)
        prepared._scores.clear()
        t0 = time.perf_counter()
        outcomes = [(r.outcome.deal, r.outcome.rounds_played) for r in map(prepared.run, seeds)]
        return time.perf_counter() - t0, outcomes
    finally:
        P.SCORES_MAX = saved


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scenario", default="paris_2025")
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    s = load_scenario(ROOT / "scenarios" / f"{args.scenario}.yaml")
    seeds = range(args.runs)
    off: list[float] = []
    on: list[float] = []
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    for _ in range(args.repeats):
        t_off, o_off = timed_runs(s, seeds, 0)
        t_on, o_on = timed_runs(s, seeds, P.SCORES_MAX)
        assert o_off == o_on, "the memo changed an outcome"
        off.append(t_off)
        on.append(t_on)
    m_off, m_on = statistics.median(off), statistics.median(on)
    print(f"{args.runs} warm runs of {args.scenario}, median of {args.repeats} interleaved repeats:")
    print(f"  memo off {m_off:.3f} s ({1e3 * m_off / args.runs:.2f} ms a run)")
    print(f"  memo on  {m_on:.3f} s ({1e3 * m_on / args.runs:.2f} ms a run)")
    print(f"  ratio off/on {m_off / m_on:.2f}x; outcomes identical; load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
