"""Checks of the ``levers:`` menu (``negsim whatif``, docs/whatif.md), in two parts.

:func:`check_levers`, a step of :func:`sim.scenario.checks.cross_check` (every load): each lever gives exactly the
fields of its kind (:data:`FIELDS`), names known clauses, options and actors, and a shift moves a number that enters
R_i(0) linearly. :func:`state_problems`, run by ``negsim whatif`` before it prices the menu: what depends on the
scenario's current state (a soften lever lowers a red line that exists, a rule switch replaces a voted rule, a
shift of ``value`` finds one set). The second part is not a load error because edits change that state and the menu
must not refuse them: a shock that gives Hungary another profile drops the red line a lever would soften, a
``--set`` may remove a rule.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from sim.errors import Issue
from sim.scenario.checking import Checks, hint
from sim.scenario.partial import GUARD

if TYPE_CHECKING:
    from sim.scenario.models import Scenario

FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "clause_edit": (("clause",), ("options",)),
    "soften_red_line": (("actor", "clause", "penalty"), ()),
    "transfer": (("actor", "amount"), ()),
    "rule_switch": (("clause", "to"), ("index", "k", "vetoes")),
    "shift": (("path", "by"), ()),
}
"""Per kind: the fields it needs and the ones it may give (besides id, kind, cost and note)."""

SHIFT_PATH = re.compile(r"^actors\.([A-Za-z_][A-Za-z0-9_\-]*)\.reservation\.(war_cost|expected_gain|value)$")
"""The numbers a ``shift`` lever may move: the terms of R_i(0) = B_i − war_cost_i + expected_gain_i."""

OPTIONAL = ("clause", "options", "actor", "penalty", "amount", "index", "to", "k", "vetoes", "path", "by")


def check_levers(scenario: Scenario, checks: Checks) -> None:
    """Unique ids; per lever the fields of its kind and its references (module docstring)."""
    seen: dict[str, int] = {}
    targets: dict[tuple[str, ...], int] = {}
    for j, lev in enumerate(scenario.levers):
        with GUARD:
            if lev.id in seen:
                checks.bad(f"lever id {lev.id!r} is already used by lever {seen[lev.id]}", "levers", j, "id")
            seen.setdefault(lev.id, j)
        with GUARD:
            if _fields(lev, j, checks):
                _references(scenario, lev, j, checks)
        with GUARD:
            key = _target(lev)
            if key is not None and key in targets:
                checks.bad(f"lever {targets[key]} already changes this {lev.kind.replace('_', ' ')} target: give "
                           "one lever per red line and per rule", "levers", j)  # fmt: skip
            elif key is not None:
                targets[key] = j


def _fields(lev: Any, j: int, checks: Checks) -> bool:
    need, may = FIELDS[lev.kind]
    ok = True
    for f in need:
        if getattr(lev, f) is None:
            checks.bad(f"a {lev.kind} lever needs {f!r} (its fields: {', '.join(need + may)})", "levers", j)
            ok = False
    for f in OPTIONAL:
        if f not in need + may and getattr(lev, f) is not None:
            checks.bad(f"{f!r} is not a field of a {lev.kind} lever (its fields: {', '.join(need + may)})",
                       "levers", j, f)  # fmt: skip
            ok = False
    return ok


def _target(lev: Any) -> tuple[str, ...] | None:
    if lev.kind == "soften_red_line":
        return ("red_line", lev.actor, lev.clause)
    if lev.kind == "rule_switch":
        return ("rule", lev.clause, str(lev.index or 0))
    return None


def _references(scenario: Scenario, lev: Any, j: int, checks: Checks) -> None:
    bad, clauses, actors = checks.bad, checks.clauses, checks.actors
    if lev.clause is not None and lev.clause not in clauses:
        bad(hint(lev.clause, clauses, "clause"), "levers", j, "clause")
        return
    if lev.actor is not None and lev.actor not in actors:
        bad(hint(lev.actor, actors, "actor"), "levers", j, "actor")
        return
    if lev.kind == "clause_edit":
        for k, o in enumerate(lev.options or []):
            if o not in clauses[lev.clause].options:
                bad(hint(o, clauses[lev.clause].options, f"option of {lev.clause}"), "levers", j, "options", k)
    elif lev.kind == "rule_switch":
        if (lev.to == "k_of_n") != (lev.k is not None):
            bad("give k exactly when switching to k_of_n", "levers", j, "k")
        if lev.vetoes is not None and lev.to != "k_of_n":
            bad("vetoes belong to a k_of_n rule", "levers", j, "vetoes")
        for k, v in enumerate(lev.vetoes or []):
            checks.actor(v, "levers", j, "vetoes", k)
    elif lev.kind == "shift":
        m = SHIFT_PATH.match(lev.path)
        if m is None:
            bad("a shift lever moves actors.<ACTOR>.reservation.war_cost, .expected_gain or .value (the terms of "
                "R(0), where the MILP is exact)", "levers", j, "path")  # fmt: skip
        elif m.group(1) not in actors:
            bad(hint(m.group(1), actors, "actor"), "levers", j, "path")
        elif lev.by == 0:
            bad("a shift of 0 changes nothing", "levers", j, "by")


def state_problems(scenario: Scenario) -> list[Issue]:
    """The menu's problems that depend on the scenario's current state (module docstring), at their paths."""
    out: list[Issue] = []
    for j, lev in enumerate(scenario.levers):
        msg = _state_problem(scenario, lev)
        if msg is not None:
            out.append(Issue(f"lever {lev.id!r}: {msg[1]}", ("levers", j, *msg[0])))
    return out


def _state_problem(scenario: Scenario, lev: Any) -> tuple[tuple[str, ...], str] | None:
    if lev.kind == "soften_red_line":
        red = (scenario.actors[lev.actor].red_lines or {}).get(lev.clause)
        if red is None or not red.options:
            return ("clause",), f"{lev.actor} has no red line on {lev.clause!r} to soften"
        if not red.hard and lev.penalty >= red.penalty:
            return ("penalty",), f"the red line's penalty is already {red.penalty}: a soften lever lowers it"
    elif lev.kind == "rule_switch":
        rules = scenario.decision_rules.clause_approvals.get(lev.clause, [])
        index = lev.index or 0
        if index >= len(rules):
            return (), f"clause {lev.clause!r} has {len(rules)} approval rule(s): no rule {index} to switch"
        if rules[index].rule == "ratification":
            return ("index",), "a ratification rule is not part of signing: it cannot be switched"
        if lev.to == "qmv" and scenario.decision_rules.qmv is None:
            return ("to",), "switching to qmv needs decision_rules.qmv (member counts and population shares)"
    elif lev.kind == "shift" and lev.path.endswith(".value"):
        actor = lev.path.split(".")[1]
        res = scenario.actors[actor].reservation
        if res is None or res.value is None:
            return ("path",), f"{actor} has no reservation.value to shift (its base is U(status quo))"
    return None
