"""Deterministic stand-ins for ``sim.engine.runner.prepare``, importable by spawned worker processes.

A fake run's outcome depends only on (scenario, seed), like the engine's, and costs microseconds, so the tests
of the sweep machinery (chunks, executors, parts, resume, faults) run fast; the end-to-end tests use the engine.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import time
from pathlib import Path

import numpy as np

from sim.engine.records import Outcome, RunResult


class FakePrepared:
    def __init__(self, scenario):
        self.scenario = scenario
        self.clauses = tuple(scenario.clauses)
        self.actors = tuple(scenario.actors)
        self.p = float(scenario.actors["A"].discount)
        # test settings travel in the scenario (environment variables set later do not reach a forkserver)
        self.conf = json.loads(scenario.scenario.description or "{}")

    def run(self, seed: int, trace: bool = False) -> RunResult:
        u = float(np.random.default_rng(seed).random())
        deal = u < self.p
        outcome = Outcome(
            scenario_id=self.scenario.id,
            seed=seed,
            deal=deal,
            round=3 if deal else None,
            reason="deal" if deal else "deadline",
            package={c: self.scenario.clauses[c].options[0] for c in self.clauses} if deal else None,
            last_offer=None,
            payoffs={a: u if deal else 0.5 for a in self.actors},
            last_offer_utilities={a: u for a in self.actors},
            surplus={a: u - 0.5 for a in self.actors},
            accepted={a: deal for a in self.actors},
            rejected_by=[] if deal else ["B"],
            blocking_clause={},
            rounds_played=4,
        )
        return RunResult(outcome, ())


def fake_prepare(scenario):
    return FakePrepared(scenario)


class Raising(FakePrepared):
    def run(self, seed, trace=False):
        if seed % 3 == 0:
            raise ValueError(f"no good seed {seed}")
        return super().run(seed, trace)


def raising_prepare(scenario):
    return Raising(scenario)


class Slow(FakePrepared):
    def run(self, seed, trace=False):
        time.sleep(float(self.conf.get("sleep", 0.01)))
        return super().run(seed, trace)


def slow_prepare(scenario):
    return Slow(scenario)


class DiesOnce(FakePrepared):
    """Kills its worker process the first time it runs (a marker file remembers), in a worker only."""

    def run(self, seed, trace=False):
        marker = Path(self.conf["marker"])
        if multiprocessing.parent_process() is not None and not marker.exists():
            marker.write_text("died")
            os._exit(3)
        return super().run(seed, trace)


def dies_once_prepare(scenario):
    return DiesOnce(scenario)


class Killer(FakePrepared):
    """Kills its worker every time it meets one given seed."""

    def run(self, seed, trace=False):
        if multiprocessing.parent_process() is not None and seed == int(self.conf["kill_seed"]):
            os._exit(3)
        return super().run(seed, trace)


def killer_prepare(scenario):
    return Killer(scenario)


class AlwaysRaising(FakePrepared):
    def run(self, seed, trace=False):
        raise RuntimeError(f"broken model\nseed {seed}")


def always_raising_prepare(scenario):
    return AlwaysRaising(scenario)


class InterruptedOnce(FakePrepared):
    """Ctrl-C (in this process) at one given seed (and discount, if given), the first time only (a marker file
    remembers)."""

    def run(self, seed, trace=False):
        marker = Path(self.conf["marker"])
        at = seed == int(self.conf["stop_seed"]) and abs(self.p - self.conf.get("stop_discount", self.p)) < 1e-9
        if at and not marker.exists():
            marker.write_text("interrupted")
            raise KeyboardInterrupt
        return super().run(seed, trace)


def interrupted_once_prepare(scenario):
    return InterruptedOnce(scenario)
