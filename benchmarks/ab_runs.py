"""Warm runs of one prepared scenario: this checkout against another commit, side by side, outcomes compared (#19).

    PYTHONPATH=. .venv/bin/python benchmarks/ab_runs.py [--ref HEAD] [--seeds 1:11] [--repeats 3]
        [--scenario paris_2025] [--set protocol.agenda=single_package] [--noise 0.1]
        [--sweep actors.RU.reservation.expected_gain=0:0.3:50 --workers 2]

A sweep point prepares its scenario once and plays its seeds in turn; this does the same, in a fresh process per
repeat: the working tree's ``sim`` (A) and the ``sim`` of ``--ref`` extracted with ``git archive`` (B),
interleaved A B A B ... Seed 0 is played first, untimed. ``--noise`` sets ``protocol.mediator_belief_noise``
(default 0: none): with noise every seed draws its own beliefs, so no two runs share a search and each round
searches cold (docs/performance.md, "Belief noise"). Each process prints its wall time and a digest of every
outcome; the digests must be equal (a change that is only faster changes no outcome), and the script exits
non-zero when they are not. It prints the median per run of each and the ratio B / A, with the load average.
With ``--sweep PATH=SPEC`` each process times a whole ``sim.sweep`` instead (HI - LO seeds a point, ``--workers``
worker processes, start-up and files included) and the digest is of the sweep's table.
Not a test: the numbers depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _scenario(scenario: str, sets: list[str], noise: float):
    """scenarios/<scenario>.yaml with the ``--set`` PATH=VALUE edits and the belief noise applied."""
    from sim.scenario.edit import tweak
    from sim.scenario.loader import load_scenario

    changes = {k: _value(v) for k, v in (s.split("=", 1) for s in sets)}
    path = ROOT / "scenarios" / f"{scenario}.yaml"
    return tweak(load_scenario(path), {**changes, "protocol.mediator_belief_noise": noise})


def child(scenario: str, sets: list[str], noise: float, seeds: range) -> None:
    """In this process: prepare once, warm with seed 0, play the seeds; print {seconds, digest, deals}."""
    from sim.engine.runner import prepare

    p = prepare(_scenario(scenario, sets, noise))
    p.run(0)
    t0 = time.perf_counter()
    outs = [p.run(seed).outcome for seed in seeds]
    dt = time.perf_counter() - t0
    text = "\n".join(repr(o) for o in outs)  # every field of every outcome (floats in full)
    deals = sum(bool(o.deal) for o in outs)
    print(json.dumps({"seconds": dt, "digest": hashlib.sha256(text.encode()).hexdigest(), "deals": deals}))


def child_sweep(scenario: str, sets: list[str], noise: float, param: str, seeds: int, workers: int) -> None:
    """In this process: ``sim.sweep`` of ``param`` (PATH=SPEC) x ``seeds`` on ``workers`` worker processes, timed
    whole (the pool's start and the folder's writing included); print {seconds, digest of the table, deals}."""
    import pandas as pd

    from sim import load_sweep, sweep

    s = _scenario(scenario, sets, noise)
    path, spec = param.split("=", 1)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        res = sweep(s, {path: spec}, seeds=seeds, workers=workers, out=Path(tmp) / "sweep", quiet=True)
        dt = time.perf_counter() - t0
        df = load_sweep(res.path)
    digest = hashlib.sha256(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes()).hexdigest()
    print(json.dumps({"seconds": dt, "digest": digest, "deals": int(df["deal"].sum()), "runs": len(df)}))


def _value(text: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ref", default="HEAD", help="the commit to compare against (B)")
    ap.add_argument("--scenario", default="paris_2025", help="a scenario under scenarios/, by name (paris_2025)")
    ap.add_argument("--set", dest="sets", action="append", default=[], metavar="PATH=VALUE")
    ap.add_argument("--noise", type=float, default=0.0)
    ap.add_argument("--seeds", default="1:11", help="LO:HI, HI excluded")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--sweep", metavar="PATH=SPEC", help="time a whole sweep of PATH=SPEC instead (seeds: HI - LO)")
    ap.add_argument("--workers", type=int, default=2, help="the sweep's worker processes")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    lo, hi = (int(x) for x in args.seeds.split(":"))
    if args.child and args.sweep:
        child_sweep(args.scenario, args.sets, args.noise, args.sweep, hi - lo, args.workers)
        return 0
    if args.child:
        child(args.scenario, args.sets, args.noise, range(lo, hi))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / "ref.tar"
        subprocess.run(["git", "-C", str(ROOT), "archive", "-o", str(archive), args.ref, "sim"], check=True)
        with tarfile.open(archive) as tar:
            tar.extractall(Path(tmp) / "ref", filter="data")
        trees = {"A (working tree)": str(ROOT), f"B ({args.ref})": str(Path(tmp) / "ref")}
        cmd = [sys.executable, __file__, "--child", "--scenario", args.scenario, "--noise", str(args.noise),
               "--seeds", args.seeds, "--workers", str(args.workers), *(f"--set={s}" for s in args.sets),
               *([f"--sweep={args.sweep}"] if args.sweep else [])]  # fmt: skip
        results: dict[str, list[dict[str, float | str]]] = {k: [] for k in trees}
        print(f"load average before: {os.getloadavg()}")
        for _ in range(args.repeats):
            for name, tree in trees.items():
                env = {**os.environ, "PYTHONPATH": tree}
                out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False, cwd=tmp)
                if out.returncode:
                    sys.exit(f"{name} failed:\n{out.stderr.strip().splitlines()[-1] if out.stderr.strip() else ''}")
                results[name].append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(f"load average after: {os.getloadavg()}")
    n = hi - lo
    med = {}
    for name, rs in results.items():
        med[name] = statistics.median(float(r["seconds"]) for r in rs)
        if args.sweep:
            print(f"{name:>22}: {med[name]:8.2f} s a sweep of {rs[0]['runs']:,} runs on {args.workers} workers "
                  f"(median of {len(rs)}; deals {rs[0]['deals']})")  # fmt: skip
        else:
            med[name] /= n
            print(
                f"{name:>22}: {1e3 * med[name]:8.1f} ms a run (median of {len(rs)} x {n} seeds; deals {rs[0]['deals']})"
            )
    a, b = med
    print(f"ratio B / A: {med[b] / med[a]:.2f}x")
    digests = {str(r["digest"]) for rs in results.values() for r in rs}
    print("outcomes identical" if len(digests) == 1 else f"OUTCOMES DIFFER: {len(digests)} digests")
    return 0 if len(digests) == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
