"""negsim: an agent-based simulator of multi-party negotiations.

The public API (heavy modules are imported on first use, so ``negsim validate`` starts fast):

- :func:`load_scenario`, :func:`tweak`: scenario files and the one path syntax;
- :func:`run`, :func:`evaluate`: play a negotiation, score given packages;
- :class:`Skeleton`: one validated scenario, its arrays swapped per run (sweeps over a new domain per run);
- :func:`analyze`: zone of agreement, Nash and Kalai–Smorodinsky packages, Pareto frontier;
- :func:`sweep`, :func:`load_sweep`: designs × seeds, in parallel, to results folders;
- :mod:`sim.plots.sweep`: acceptance curves and the other figures.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "load_scenario": "sim.scenario.loader",
    "scenario_from_document": "sim.scenario.loader",
    "tweak": "sim.scenario.edit",
    "Scenario": "sim.scenario.models",
    "ScenarioError": "sim.errors",
    "UsageError": "sim.errors",
    "SweepFailed": "sim.errors",
    "compile_scenario": "sim.core.compiled",
    "run": "sim.engine.runner",
    "Skeleton": "sim.engine.skeleton",
    "evaluate": "sim.analysis.evaluation",
    "analyze": "sim.analysis.bargaining",
    "sweep": "sim.sweeps.run",
    "load_sweep": "sim.store.results",
}

__all__ = [*sorted(_LAZY), "__version__"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value  # cache, so a submodule of the same name can never shadow the function
        return value
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
