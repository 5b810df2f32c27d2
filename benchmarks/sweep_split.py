"""Where the issue-19 Paris 2025 sweep's time goes: warm runs against the few runs that search cold (issue #19).

    PYTHONPATH=. .venv/bin/python benchmarks/sweep_split.py [--scenario paris_2025] [--points 50] [--seeds 200]

The sweep's runs in one process, serially, as a worker plays them: 50 points of RU's expected gain in 0:0.3, each
prepared once and played with seeds 0 … 199. Each run is timed. A run over ``--cold`` ms (default 5) is counted as
one that met searches no earlier seed of its point had made. Then a second pass with the searches instrumented:
the time in HiGHS (``highspy.Highs.run``: the MILPs and the branch and bound's LP), in the branch and bound (and
how often it gave up, leaving the problem to the MILP), and in the enumeration. Not a test: the numbers depend on
the machine and its load (printed).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Any

import highspy
import numpy as np

import sim.search.searcher as searcher
from sim.engine.runner import prepare
from sim.scenario.edit import tweak
from sim.scenario.loader import load_scenario
from sim.scenario.specs import parse_spec

ROOT = Path(__file__).resolve().parents[1]
PARAM = "actors.RU.reservation.expected_gain"


def instrument(acc: dict[str, float]) -> None:
    """Wrap HiGHS's solve, the branch and bound and the enumeration to add their time and calls to ``acc``."""
    solve = highspy.Highs.run

    def run(self: Any, *a: Any) -> Any:
        t = time.perf_counter()
        out = solve(self, *a)
        acc["highs s"] += time.perf_counter() - t
        acc["highs solves"] += 1
        return out

    bnb = searcher.branch_and_bound

    def branch(problem: Any) -> Any:
        t = time.perf_counter()
        out = bnb(problem)
        acc["bnb s"] += time.perf_counter() - t
        acc["bnb calls"] += 1
        acc["bnb gave up"] += out is None
        return out

    enum = searcher.Searcher._enumerate

    def enumerate_(self: Any, problem: Any) -> Any:
        t = time.perf_counter()
        out = enum(self, problem)
        acc["enumeration s"] += time.perf_counter() - t
        acc["enumerations"] += 1
        return out

    highspy.Highs.run = run  # type: ignore[method-assign]
    searcher.branch_and_bound = branch  # type: ignore[assignment]
    searcher.Searcher._enumerate = enumerate_  # type: ignore[method-assign]


def play(scenario: Any, grid: list[float], seeds: int) -> np.ndarray:
    times = []
    for value in grid:
        prepared = prepare(tweak(scenario, {PARAM: value}))
        for seed in range(seeds):
            t = time.perf_counter()
            prepared.run(seed, trace=False)
            times.append(time.perf_counter() - t)
    return np.array(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scenario", default="paris_2025")
    ap.add_argument("--points", type=int, default=50)
    ap.add_argument("--seeds", type=int, default=200)
    ap.add_argument("--cold", type=float, default=5.0, help="ms above which a run counts as searching cold")
    args = ap.parse_args()
    s = load_scenario(ROOT / "scenarios" / f"{args.scenario}.yaml")
    grid = list(parse_spec(PARAM, f"0:0.3:{args.points}").grid_values())
    print(
        f"{args.scenario}: {args.points} points of {PARAM} x seeds 0-{args.seeds - 1}, one process; "
        f"load {os.getloadavg()}"
    )
    t = play(s, grid, args.seeds)
    cold = t > args.cold / 1e3
    print(f"  runs {t.sum():.2f} s: {int(cold.sum())} over {args.cold:g} ms take {t[cold].sum():.2f} s; the other "
          f"{int((~cold).sum())} take {t[~cold].sum():.2f} s (median {1e3 * np.median(t[~cold]):.2f} ms)")  # fmt: skip
    acc: dict[str, float] = dict.fromkeys(
        ("highs s", "highs solves", "bnb s", "bnb calls", "bnb gave up", "enumeration s", "enumerations"), 0.0
    )
    instrument(acc)
    t = play(s, grid, args.seeds)
    print(f"  instrumented pass: runs {t.sum():.2f} s; " + ", ".join(f"{k} {v:g}" for k, v in acc.items()))
    print(f"  load {os.getloadavg()}")


if __name__ == "__main__":
    main()
