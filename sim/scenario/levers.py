"""A set of levers of the scenario's ``levers:`` menu applied to it: the path edits each lever stands for, and the
edited scenario (a new, validated one through :func:`sim.scenario.edit.tweak`; the old one is unchanged).

What each kind changes (docs/whatif.md):

- ``clause_edit``: nothing in the scenario (it allows a package's clause to change: see :mod:`sim.search.levers`);
- ``soften_red_line``: ``actors.A.red_lines.C.penalty`` becomes the lever's ``penalty`` (0 drops the red line);
- ``transfer``: a side payment worth ``amount`` of A's utility, in every package. Modelled as
  ``actors.A.reservation.expected_gain`` lowered by ``amount``: A accepts iff U + amount ≥ R(t) ⟺ U ≥ R(t) − amount,
  and the concession curve a(t) = R + (U_best − R)·f(t) shifts by the same amount (up to clipping at 1);
- ``rule_switch``: rule ``index`` of the clause's approval rules becomes ``to`` (voters, triggers and note kept;
  a contributors rule's ``required`` become its voters), or is removed (``to: none``);
- ``shift``: the number at ``path`` moves by ``by``; several shifts (and transfers) of one path add up.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sim.scenario.edit import tweak
from sim.scenario.models import Lever, Reservation, Scenario
from sim.scenario.paths import get

DIGITS = 12
"""Shifted numbers are rounded to this many decimals, so 0.7 + 0.3 is the field's bound 1.0, not 1.0000000000000002."""


def lever_path(lever: Lever) -> str | None:
    """The number a transfer or shift moves (None for the other kinds)."""
    if lever.kind == "transfer":
        return f"actors.{lever.actor}.reservation.expected_gain"
    return lever.path if lever.kind == "shift" else None


def lever_delta(lever: Lever) -> float:
    """How much a transfer or shift adds to the number at :func:`lever_path`."""
    if lever.kind == "transfer":
        return -float(lever.amount or 0.0)
    return float(lever.by or 0.0)


def switched_rule(scenario: Scenario, lever: Lever) -> dict[str, Any] | None:
    """The approval rule a ``rule_switch`` lever puts in place of the old one (None: removed)."""
    if lever.to == "none":
        return None
    assert lever.clause is not None
    old = scenario.decision_rules.clause_approvals[lever.clause][lever.index or 0]
    new = old.model_dump(mode="json", by_alias=True, exclude_none=True)
    if "required" in new:
        new["voters"] = new.pop("required")
    new["rule"] = lever.to
    new.pop("k", None)
    new.pop("vetoes", None)
    if lever.k is not None:
        new["k"] = lever.k
    if lever.vetoes is not None:
        new["vetoes"] = list(lever.vetoes)
    return new


def changes(scenario: Scenario, levers: Iterable[Lever]) -> dict[str, Any]:
    """``{path: value}``: the edits that apply ``levers`` to ``scenario`` (module docstring)."""
    out: dict[str, Any] = {}
    sums: dict[str, float] = {}
    rules: dict[str, list[dict[str, Any] | None]] = {}
    for lev in levers:
        path = lever_path(lev)
        if path is not None:
            sums[path] = sums.get(path, 0.0) + lever_delta(lev)
        elif lev.kind == "soften_red_line":
            out[f"actors.{lev.actor}.red_lines.{lev.clause}.penalty"] = float(lev.penalty or 0.0)
        elif lev.kind == "rule_switch":
            assert lev.clause is not None
            if lev.clause not in rules:
                old = scenario.decision_rules.clause_approvals[lev.clause]
                rules[lev.clause] = [r.model_dump(mode="json", by_alias=True, exclude_none=True) for r in old]
            rules[lev.clause][lev.index or 0] = switched_rule(scenario, lev)
    unset: dict[str, dict[str, float]] = {}
    for path, delta in sums.items():
        value = round(current(scenario, path) + delta, DIGITS)
        actor, field = path.split(".")[1], path.split(".")[-1]
        if scenario.actors[actor].reservation is None:  # no section to set a field in: set the whole section
            unset.setdefault(f"actors.{actor}.reservation", {})[field] = value
        else:
            out[path] = value
    out.update(unset)
    for cid, kept in rules.items():
        out[f"decision_rules.clause_approvals.{cid}"] = [r for r in kept if r is not None]
    return out


def current(scenario: Scenario, path: str) -> float:
    """The number at a transfer's or shift's path (a field's default where the actor gives no reservation)."""
    actor, field = path.split(".")[1], path.split(".")[-1]
    if scenario.actors[actor].reservation is None:
        return float(getattr(Reservation(), field))
    return float(get(scenario, path))


def by_id(scenario: Scenario, ids: Iterable[str]) -> list[Lever]:
    """The levers of the menu named by ``ids``, in menu order."""
    wanted = set(ids)
    return [lev for lev in scenario.levers if lev.id in wanted]


def apply_levers(scenario: Scenario, levers: Iterable[Lever]) -> Scenario:
    """``scenario`` with ``levers`` applied (a new validated scenario; a :class:`sim.errors.UsageError` when the
    result is not a valid scenario, e.g. a shift past its field's range). The result has no ``levers:`` menu: its
    levers describe the scenario before they were applied (a red line softened is no longer there to soften)."""
    edits = changes(scenario, levers)
    if not edits:
        return scenario
    return tweak(scenario, {**edits, "levers": []} if scenario.levers else edits)
