"""Backtest: negsim's P(deal) against reference forecasts on the dated events of ``events.yaml``.

    PYTHONPATH=$PWD .venv/bin/python -m benchmarks.backtest.run [--seeds 6] [--workers 2] [--rule hard|logistic]

Models, for every event (``docs/backtest.md`` states the rules):

- ``no deal``: P = 0 always (the reference);
- ``negsim``: the snapshot played with ``--seeds`` seeds 0 … n − 1 on the engine (``NegotiationModel``, the model
  :func:`sim.run` plays; a snapshot holding only deadline events is played up to its deadline). A text event's P is
  the mean over runs of [a deal] × close(T, the run's deal package); a deadline event's P the share of runs
  with a deal by round ``rounds``;
- ``bdm``, ``compromise``, ``nash``: :mod:`sim.analysis.baselines` (P(deal at all) × close(T, F) for a text,
  P(deal at all) for a deadline: the baselines have no clock).

close() and P(deal at all) follow ``--rule`` (``hard``: 0/1 with tolerance ``--tau``; ``logistic``: the engine's
logit acceptance). Out of sample: Russia's expected gain is chosen on the ``train`` events (known by April 2025)
from ``--grid``, by negsim's Brier score there (ties: the value nearest the April 2025 snapshot's own), then set in
every ``test`` event's snapshot and scored there, beside the shipped values.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from benchmarks.backtest.events import Event, Snapshot, load_events
from benchmarks.backtest.scoring import EPS, brier, log_loss
from sim import tweak
from sim.analysis.baselines import TAU, Rule, bdm_forecast, closeness, compromise_forecast, nash_forecast
from sim.analysis.baselines import p_deal as baseline_p_deal
from sim.analysis.baselines import p_text as baseline_p_text
from sim.core.compiled import compile_scenario
from sim.engine.model import NegotiationModel
from sim.scenario.models import Scenario

PARAM = "actors.RU.reservation.expected_gain"
GRID = tuple(round(0.05 * k, 2) for k in range(9))  # 0, 0.05, …, 0.40
MODELS = ("no deal", "negsim", "bdm", "compromise", "nash")


@dataclass(frozen=True)
class Played:
    """One run's end: a deal or not, its round, its package."""

    deal: bool
    round: int | None
    package: dict[str, str] | None


def _play(args: tuple[Scenario, int, int | None]) -> Played:
    """Play rounds 0, 1, … on the engine's Mesa model (``trace=False``), all of them or only up to round
    ``last``: what happens by round ``last`` does not depend on the rounds after it."""
    scenario, seed, last = args
    model = NegotiationModel(scenario, seed=seed, trace=False)
    while model.running and (last is None or model.steps <= last):
        model.step()
    o = model.outcome
    if o is None:  # stopped at round ``last`` without an end
        return Played(False, None, None)
    return Played(bool(o.deal), o.round, dict(o.package) if o.package else None)


class Runner:
    """Plays scenarios over seeds 0 … n − 1 (in ``workers`` processes), each (scenario, edit) once."""

    def __init__(self, seeds: int, workers: int = 1) -> None:
        self.seeds, self.workers = seeds, workers
        self._cache: dict[tuple[str, float | None, int | None], list[Played]] = {}
        # forkserver, not fork: a child forked after HiGHS ran in this process (the Nash baseline) inherits its
        # thread pool in an unusable state and spins (measured: 100x the CPU time of a run in this process)
        ctx = multiprocessing.get_context("forkserver")
        self._pool = ProcessPoolExecutor(workers, mp_context=ctx) if workers > 1 else None
        self.n_runs = 0

    def runs(self, snap: Snapshot, gain: float | None = None, last: int | None = None) -> list[Played]:
        """The snapshot's runs (with Russia's expected gain set to ``gain``), played to round ``last``."""
        if gain is not None and gain == snap.scenario.actors["RU"].reservation.expected_gain:
            gain = None  # the snapshot's own value: the same runs
        key = (snap.name, gain, last)
        if key not in self._cache:
            s = snap.scenario if gain is None else tweak(snap.scenario, {PARAM: gain})
            jobs = [(s, k, last) for k in range(self.seeds)]
            self._cache[key] = list(self._pool.map(_play, jobs) if self._pool else map(_play, jobs))
            self.n_runs += self.seeds
        return self._cache[key]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()


def last_round(events: Sequence[Event]) -> int | None:
    """The last round the events of one snapshot need: all of them (``None``) if one is a text."""
    if any(e.kind == "text" for e in events):
        return None
    return max(e.rounds or 0 for e in events)


def negsim_p(snap: Snapshot, ev: Event, runs: Sequence[Played], tau: float, rule: Rule) -> float:
    """P(event) from the runs (module docstring)."""
    if ev.kind == "deadline":
        assert ev.rounds is not None
        return float(np.mean([r.deal and r.round is not None and r.round <= ev.rounds for r in runs]))
    assert ev.text is not None
    cp = compile_scenario(snap.scenario)
    hits = [float(closeness(cp, r.package, [ev.text], tau, rule)[0]) if r.deal and r.package else 0.0 for r in runs]
    return float(np.mean(hits))


def baseline_ps(snap: Snapshot, events: Sequence[Event], tau: float, rule: Rule) -> dict[str, dict[str, float]]:
    """{model: {event id: P}} for the three baselines on one snapshot's events."""
    s = snap.scenario
    out: dict[str, dict[str, float]] = {}
    forecasts = (("bdm", bdm_forecast(s)), ("compromise", compromise_forecast(s)), ("nash", nash_forecast(s)))
    for name, forecast in forecasts:
        out[name] = {
            ev.id: baseline_p_deal(s, forecast, rule)
            if ev.kind == "deadline"
            else float(baseline_p_text(s, forecast, ev.text or {}, tau, rule))
            for ev in events
        }
    return out


def scores(p: Sequence[float], y: Sequence[int]) -> dict[str, float]:
    return {"brier": brier(p, y), "log": log_loss(p, y)}


def backtest(
    snapshots: dict[str, Snapshot],
    events: Sequence[Event],
    seeds: int = 6,
    workers: int = 1,
    tau: float = TAU,
    rule: Rule = "hard",
    grid: Sequence[float] = GRID,
) -> dict[str, Any]:
    """Every model's P per event, the scores (all events, test events), and the out-of-sample calibration."""
    runner = Runner(seeds, workers)
    try:
        P: dict[str, dict[str, float]] = {m: {} for m in MODELS}
        for name, snap in snapshots.items():
            evs = [e for e in events if e.snapshot == name]
            if not evs:
                continue
            for m, ps in baseline_ps(snap, evs, tau, rule).items():
                P[m].update(ps)
            runs = runner.runs(snap, None, last_round(evs))
            for ev in evs:
                P["negsim"][ev.id] = negsim_p(snap, ev, runs, tau, rule)
                P["no deal"][ev.id] = 0.0
        y = [e.observed for e in events]
        test = [e for e in events if e.split == "test"]
        summary = {m: {"all": scores([P[m][e.id] for e in events], y)} for m in MODELS}
        if test:
            for m in MODELS:
                summary[m]["test"] = scores([P[m][e.id] for e in test], [e.observed for e in test])
        calibration = _calibrate(snapshots, events, runner, tau, rule, grid) if test else None
        return {"P": P, "summary": summary, "calibration": calibration, "n_runs": runner.n_runs, "seeds": seeds}
    finally:
        runner.close()


def _calibrate(snapshots, events, runner, tau, rule, grid) -> dict[str, Any] | None:
    train = [e for e in events if e.split == "train"]
    test = [e for e in events if e.split == "test"]
    if not train:
        return None
    train_snaps = {e.snapshot for e in train}
    own = float(np.mean([snapshots[s].scenario.actors["RU"].reservation.expected_gain for s in train_snaps]))
    last = {s: last_round([e for e in events if e.snapshot == s]) for s in snapshots}

    def p(e: Event, g: float) -> float:
        return negsim_p(snapshots[e.snapshot], e, runner.runs(snapshots[e.snapshot], g, last[e.snapshot]), tau, rule)

    fit = {g: brier([p(e, g) for e in train], [e.observed for e in train]) for g in grid}
    best = min(grid, key=lambda g: (round(fit[g], 12), abs(g - own), g))
    p_test = [p(e, best) for e in test]
    return {
        "grid": dict(fit),
        "chosen": best,
        "own": own,
        "P_test": {e.id: p for e, p in zip(test, p_test, strict=True)},
        "test": scores(p_test, [e.observed for e in test]),
    }


def _f(x: float) -> str:
    return f"{x:.3f}"


def render(res: dict[str, Any], events: Sequence[Event], rule: str, tau: float) -> str:
    P, lines = res["P"], []
    lines.append(f"| event | date | split | observed | {' | '.join(MODELS)} |")
    lines.append("|---|---|---|---|" + "---|" * len(MODELS))
    for e in events:
        cells = " | ".join(_f(P[m][e.id]) for m in MODELS)
        lines.append(f"| {e.id} ({e.kind}) | {e.date} | {e.split} | {e.observed} | {cells} |")
    for part in ("all", "test"):
        if part not in res["summary"]["no deal"]:
            continue
        for k, label in (("brier", "Brier"), ("log", f"log loss (ε = {EPS})")):
            cells = " | ".join(_f(res["summary"][m][part][k]) for m in MODELS)
            lines.append(f"| **{label}, {part} events** | | | | {cells} |")
    cal = res["calibration"]
    if cal:
        lines.append("")
        fit = ", ".join(f"{g:g}: {b:.3f}" for g, b in cal["grid"].items())
        lines.append(f"Calibration of {PARAM} on the train events (negsim Brier by value): {fit}")
        lines.append(f"chosen: {cal['chosen']:g} (the April 2025 snapshot's own value: {cal['own']:g})")
        shipped = res["summary"]["negsim"]["test"]
        lines.append(
            f"test events: negsim with the shipped values Brier {_f(shipped['brier'])}, log {_f(shipped['log'])}; "
            f"with {PARAM} = {cal['chosen']:g} Brier {_f(cal['test']['brier'])}, log {_f(cal['test']['log'])}"
        )
    lines.append("")
    lines.append(f"rule {rule}, τ = {tau:g}; negsim {res['seeds']} seeds per snapshot, {res['n_runs']} runs in all")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=6)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--tau", type=float, default=TAU)
    ap.add_argument("--rule", choices=("hard", "logistic"), default="hard")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    snapshots, events = load_events()
    res = backtest(snapshots, events, args.seeds, args.workers, args.tau, args.rule)
    print(render(res, events, args.rule, args.tau))
    print(f"{time.perf_counter() - t0:.0f} s wall")
    return 0


if __name__ == "__main__":
    sys.exit(main())
