"""What several commands share: loading a scenario with its ``--set PATH=VALUE`` changes."""

from __future__ import annotations

from sim.errors import UsageError
from sim.scenario.edit import tweak
from sim.scenario.loader import load_scenario
from sim.scenario.models import Scenario
from sim.scenario.paths import parse_path, parse_value


def load_with_sets(path: str, sets: list[str]) -> Scenario:
    """Load a scenario and apply ``--set PATH=VALUE`` changes (shared by every command that takes a file)."""
    scenario = load_scenario(path)
    if not sets:
        return scenario
    changes = {}
    for item in sets:
        if "=" not in item:
            raise UsageError(f"--set {item!r}: expected PATH=VALUE, e.g. actors.RU.discount=0.9")
        key, value = item.split("=", 1)
        key = key.strip()
        parse_path(key)  # one spelling of a path (constraints.0, never constraints.00)
        if key in changes:
            raise UsageError(f"--set {key} is given twice")
        changes[key] = parse_value(value)
    return tweak(scenario, changes)
