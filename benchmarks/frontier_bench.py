"""``analyze`` with many signatories: the median wall time of n ∈ {9, 12} signatories on 864 packages (five binary
and three ternary clauses, random values), and of the frontier alone.

    PYTHONPATH=$PWD .venv/bin/python benchmarks/frontier_bench.py [--repeats 3] [--signatories 9 12]

Not a test: numbers depend on the machine. Before issue #16 the weight grid took 6–10 s for 9 signatories and
gave no answer after 120 s for 12.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from sim import scenario_from_document
from sim.analysis.bargaining import analyze
from sim.analysis.frontier import frontier
from sim.core.compiled import compile_scenario

SIZES = (2, 2, 2, 2, 2, 3, 3, 3)  # 864 packages


def document(n: int, seed: int = 0) -> dict:
    """n signatories with Dirichlet saliences and uniform option values; reservation values low enough for a ZOPA."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, n]))
    clauses = {f"c{j}": [f"o{k}" for k in range(m)] for j, m in enumerate(SIZES)}
    actors = {}
    for a in range(n):
        w = rng.dirichlet(np.ones(len(SIZES)))
        actors[f"a{a}"] = {
            "role": "signatory",
            "salience": {c: float(x) for c, x in zip(clauses, w, strict=True)},
            "utilities": {c: [float(v) for v in rng.random(len(o))] for c, o in clauses.items()},
            "reservation": {"war_cost": 0.2},
        }
    return {
        "scenario": {"id": f"many_{n}", "max_rounds": 5, "status_quo_package": {c: "o0" for c in clauses}},
        "protocol": {"mediator": "a0"},
        "clauses": clauses,
        "actors": actors,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--signatories", type=int, nargs="+", default=[9, 12])
    args = ap.parse_args()
    for n in args.signatories:
        scenario = scenario_from_document(document(n))
        cp = compile_scenario(scenario)
        whole, front = [], []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            a = analyze(scenario)
            whole.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            frontier(cp, None)
            front.append(time.perf_counter() - t0)
        f = a["frontier"]
        print(
            f"{n:>2} signatories, {cp.n_packages} packages: analyze median {statistics.median(whole):6.2f} s, "
            f"frontier median {statistics.median(front):6.3f} s; n_signed {a['n_signed']}, "
            f"frontier {f['count']} packages ({f['supported']} supported vectors)"
        )


if __name__ == "__main__":
    main()
