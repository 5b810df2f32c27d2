"""Sweep throughput: runs per second for the toy and a Paris scenario, 1 worker and several.

    .venv/bin/python benchmarks/sweep_bench.py [--workers 4] [--seeds 200]

Not a test: numbers depend on the machine. Results go to a temporary folder.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sim import load_scenario
from sim.sweeps.run import sweep

ROOT = Path(__file__).resolve().parents[1]
CASES = {
    "bilateral_toy": {"actors.B.reservation.war_cost": "0:0.4:5"},
    "paris_2025": {"actors.RU.reservation.expected_gain": "0:0.3:5"},
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--seeds", type=int, default=100)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for name, params in CASES.items():
            scenario = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
            for workers in sorted({1, args.workers}):
                t0 = time.perf_counter()
                res = sweep(scenario, params, seeds=args.seeds, workers=workers, out=Path(tmp) / f"{name}-{workers}",
                            quiet=True)  # fmt: skip
                dt = time.perf_counter() - t0
                print(
                    f"{name:<16} workers={workers:<3} {res.n_runs:>6} runs  {dt:7.2f} s  {res.n_runs / dt:8.1f} runs/s"
                )


if __name__ == "__main__":
    main()
