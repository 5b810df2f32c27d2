"""Running negotiations: :func:`run` for one, :func:`prepare` for many runs of one scenario.

``prepare(scenario)`` compiles the arrays once and keeps the mediator's search cache, so the runs of a sweep that
share a parameter point share everything that does not depend on the seed (:class:`sim.engine.prepared.Prepared`).
Both play :class:`sim.engine.model.NegotiationModel`, which Mesa's tools can also build from keyword settings.
"""

from __future__ import annotations

from typing import Any

from sim.engine.model import NegotiationModel
from sim.engine.prepared import Prepared, apply_shocks
from sim.engine.records import RunResult
from sim.scenario.models import Scenario

__all__ = ["NegotiationModel", "Prepared", "apply_shocks", "prepare", "run"]


def prepare(scenario: Scenario) -> Prepared:
    return Prepared(scenario, NegotiationModel)


def run(scenario: Scenario, seed: int = 0, **changes: Any) -> RunResult:
    """Play one negotiation; returns the outcome and the per-round, per-actor trace.

    >>> from sim import load_scenario, run
    >>> r = run(load_scenario("scenarios/bilateral_toy.yaml"), seed=1)
    >>> r.outcome.deal
    True
    """
    model = NegotiationModel(scenario, seed=seed, trace=True, **changes)
    model.run_model()
    return model.result()
