"""Running negotiations: :func:`run` for one, :func:`prepare` for many runs of one scenario.

``prepare(scenario)`` compiles the arrays once and keeps the mediator's search cache, so the runs of a sweep that
share a parameter point share everything that does not depend on the seed (:class:`sim.engine.prepared.Prepared`).
"""

from __future__ import annotations

from typing import Any

from sim.engine.prepared import Prepared, apply_shocks
from sim.engine.records import RunResult
from sim.scenario.edit import tweak
from sim.scenario.models import Scenario

__all__ = ["Prepared", "apply_shocks", "prepare", "run"]


def prepare(scenario: Scenario) -> Prepared:
    return Prepared(scenario)


def run(scenario: Scenario, seed: int = 0, **changes: Any) -> RunResult:
    """Play one negotiation; returns the outcome and the per-round, per-actor trace.

    >>> from sim import load_scenario, run
    >>> r = run(load_scenario("scenarios/bilateral_toy.yaml"), seed=1)
    >>> r.outcome.deal
    True
    """
    if changes:
        scenario = tweak(scenario, changes)
    return Prepared(scenario).run(seed, trace=True)
