"""Edits of a scenario by path: :func:`tweak` returns a new, validated scenario; the old one is unchanged."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sim.errors import ScenarioError, UsageError
from sim.scenario.loader import scenario_from_document
from sim.scenario.models import Scenario
from sim.scenario.paths import lookup, parse_path, resolved_tree, set_in_document


def tweak(scenario: Scenario, changes: Mapping[str, Any] | None = None, /, **kw: Any) -> Scenario:
    """A new validated scenario with each ``path: value`` of ``changes`` applied; ``scenario`` is unchanged.

    >>> from sim import load_scenario, tweak
    >>> s = load_scenario("scenarios/bilateral_toy.yaml")
    >>> t = tweak(s, {"actors.B.reservation.war_cost": 0.2})
    >>> (s.actors["B"].reservation.war_cost, t.actors["B"].reservation.war_cost)
    (0.05, 0.2)
    """
    items = dict(changes or {})
    items.update({k.replace("__", "."): v for k, v in kw.items()})
    doc = scenario.document()
    tree = resolved_tree(scenario)
    for path, value in items.items():
        set_in_document(doc, tree, path, value)
    try:
        return scenario_from_document(doc, file=scenario.source)
    except ScenarioError as exc:
        changed = ", ".join(f"{k}={v!r}" for k, v in items.items())
        msgs = "; ".join(f"{i.dotted}: {i.message}" for i in exc.issues)
        raise UsageError(f"after setting {changed}: {msgs}") from None


def apply_set_add(doc: dict[str, Any], set_: Mapping[str, Any], add: Mapping[str, float]) -> None:
    """Apply a shock's (or a deadline action's) ``set`` (path → value) and then ``add`` (path → delta, added to the
    number there) to the scenario document ``doc`` in place, paths resolved against ``doc`` as it stands."""
    tree = resolved_tree(scenario_from_document(doc))
    for path, value in set_.items():
        set_in_document(doc, tree, path, value)
    for path, delta in add.items():
        set_in_document(doc, tree, path, float(lookup(tree, parse_path(path))) + delta)
