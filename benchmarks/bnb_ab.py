"""The branch and bound of this checkout against another commit's, on the same captured problems (issue #19).

    PYTHONPATH=. .venv/bin/python benchmarks/bnb_ab.py [--ref HEAD] [--runs 3] [--repeats 5]

Captures every problem :func:`sim.search.bnb.branch_and_bound` is given in ``--runs`` Paris 2025 runs with
``agenda=single_package`` and mediator belief noise 0.1 (each round a cold search over 94 million packages), then
solves them all with the working tree's ``sim/search/bnb.py`` (A) and with ``--ref``'s (B, its source from
``git show``, loaded as a module beside this one; the rest of ``sim`` is the working tree's), interleaved
``--repeats`` times. Checks that both give the same answer on every problem (the same package, or both give up
and leave it to the MILP) and exits non-zero when not. Prints the medians and the ratio B / A, with the load.
Not a test: the numbers depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import sim.search.bnb as current
import sim.search.searcher as searcher
from sim.engine.runner import prepare
from sim.scenario.edit import tweak
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def answer(result: Any) -> tuple[bool, bytes | None] | None:
    """None when the branch and bound gave up; else (no package, the package's bytes)."""
    if result is None:
        return None
    return (result.package is None, None if result.package is None else result.package.tobytes())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ref", default="HEAD")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{args.ref}:sim/search/bnb.py"], check=True,
                            capture_output=True, text=True).stdout  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bnb_ref.py"
        path.write_text(source)
        spec = importlib.util.spec_from_file_location("bnb_ref", path)
        assert spec is not None and spec.loader is not None
        ref = importlib.util.module_from_spec(spec)
        sys.modules["bnb_ref"] = ref  # its dataclasses look their module up there
        spec.loader.exec_module(ref)
    problems: list[Any] = []
    solve = searcher.branch_and_bound
    searcher.branch_and_bound = lambda p: (problems.append(p), solve(p))[1]  # type: ignore[assignment]
    s = tweak(load_scenario(ROOT / "scenarios" / "paris_2025.yaml"),
              {"protocol.agenda": "single_package", "protocol.mediator_belief_noise": 0.1})  # fmt: skip
    prepared = prepare(s)
    for seed in range(1, args.runs + 1):
        prepared.run(seed)
    searcher.branch_and_bound = solve
    same = [answer(current.branch_and_bound(p)) == answer(ref.branch_and_bound(p)) for p in problems]
    gave_up = sum(current.branch_and_bound(p) is None for p in problems)
    print(f"{len(problems)} problems from {args.runs} runs ({gave_up} left to the MILP); load {os.getloadavg()}")
    times: dict[str, list[float]] = {"A (working tree)": [], f"B ({args.ref})": []}
    for _ in range(args.repeats):
        for name, mod in zip(times, (current, ref), strict=True):
            t0 = time.perf_counter()
            for p in problems:
                mod.branch_and_bound(p)
            times[name].append(time.perf_counter() - t0)
    med = {k: statistics.median(v) for k, v in times.items()}
    for name, m in med.items():
        print(f"{name:>18}: {m:.3f} s for all (median of {args.repeats}), {1e3 * m / len(problems):.1f} ms a problem")
    a, b = med.values()
    print(f"ratio B / A: {b / a:.2f}x; load {os.getloadavg()}")
    print("same answers on every problem" if all(same) else f"ANSWERS DIFFER on {len(same) - sum(same)} problems")
    return 0 if all(same) else 1


if __name__ == "__main__":
    sys.exit(main())
