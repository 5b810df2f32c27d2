"""The ``levers:`` menu of a scenario as arrays over its compiled form: what the MILP of :mod:`sim.search.levers`
reads (docs/whatif.md).

Lever ℓ, chosen or not (b_ℓ ∈ {0, 1}), acts on the compiled scenario ``cp`` as follows:

- ``drop`` (L, A): how much R_i(0) falls when ℓ is chosen (a transfer of t to i: t; a shift of war_cost by d: d;
  of expected_gain or value by d: −d; R_i(0) = B_i − war_cost_i + expected_gain_i);
- ``bounds``: per shifted path, Σ_ℓ d_ℓ b_ℓ must keep the number inside its field's range;
- ``soften``: the options of actor i's red line on one clause, their old penalties, whether it was hard, the new
  penalty, and what it adds to U_i(status quo) (R_i(0) = clip(U_i(sq)) − … moves with it when the status quo holds
  one of the options);
- ``switch``: the rule (index into ``cp.rules``) a rule switch replaces, and the rule it becomes (None: removed),
  compiled from the scenario with that one lever applied;
- ``edits``: the options a clause edit allows clause c to take instead of the given package's option.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.core.compiled import Compiled, compile_scenario
from sim.core.parts import BoolA, FloatA, IntA, Rule
from sim.errors import UsageError
from sim.scenario.checks_levers import state_problems
from sim.scenario.levers import apply_levers, current, lever_delta, lever_path
from sim.scenario.models import Reservation, Scenario


@dataclass(frozen=True)
class Soften:
    """Lever ``lever`` sets actor ``actor``'s red line on the options ``options`` (flat indices) to ``penalty``;
    ``old_penalty`` (per option) and ``was_hard`` are what it was. ``sq_delta``: what it adds to the actor's
    unclipped utility of the status quo (nonzero when the status quo holds one of the options and the actor's
    R(0) rests on U(status quo): then R(0) moves too)."""

    lever: int
    actor: int
    options: IntA
    old_penalty: FloatA
    was_hard: bool
    penalty: float
    sq_delta: float = 0.0


@dataclass(frozen=True)
class Switch:
    """Lever ``lever`` replaces ``cp.rules[rule]`` by ``new`` (None: the rule is removed)."""

    lever: int
    rule: int
    new: Rule | None


@dataclass(frozen=True)
class Edit:
    """Lever ``lever`` lets clause ``clause`` take the options where ``allowed`` (local indices) is true."""

    lever: int
    clause: int
    allowed: BoolA


@dataclass(frozen=True)
class Bound:
    """lo ≤ Σ_k deltas[k] · b_{levers[k]} ≤ hi: the shifts of ``path`` keep it inside its field's range."""

    path: str
    levers: IntA
    deltas: FloatA
    lo: float
    hi: float


@dataclass(frozen=True)
class CompiledLevers:
    """The menu: ``ids``, ``kinds`` and ``cost`` (L,) in menu order, then the effects of the module docstring."""

    ids: tuple[str, ...]
    kinds: tuple[str, ...]
    cost: FloatA
    drop: FloatA
    bounds: tuple[Bound, ...]
    soften: tuple[Soften, ...]
    switch: tuple[Switch, ...]
    edits: tuple[Edit, ...]

    @property
    def n(self) -> int:
        return len(self.ids)


def field_range(name: str) -> tuple[float, float]:
    """The range of a ``reservation`` field, read from the model (``ge``/``le`` of its ``Field``)."""
    lo, hi = -math.inf, math.inf
    for meta in Reservation.model_fields[name].metadata:
        lo = max(lo, getattr(meta, "ge", lo))
        hi = min(hi, getattr(meta, "le", hi))
    return lo, hi


def rule_index(scenario: Scenario, clause: str, index: int) -> int:
    """The position in ``Compiled.rules`` of approval rule ``index`` of ``clause`` (rules are compiled in order)."""
    before = 0
    for cid, rules in scenario.decision_rules.clause_approvals.items():
        if cid == clause:
            return before + index
        before += len(rules)
    raise KeyError(clause)


def compile_levers(scenario: Scenario, cp: Compiled | None = None) -> CompiledLevers:
    """The scenario's ``levers:`` as arrays over ``cp`` (compiled here when not given); a
    :class:`sim.errors.UsageError` naming each lever that does not fit the scenario's current state
    (:func:`sim.scenario.checks_levers.state_problems`)."""
    problems = state_problems(scenario)
    if problems:
        raise UsageError("; ".join(f"{i.dotted}: {i.message}" for i in problems))
    cp = compile_scenario(scenario) if cp is None else cp
    levers = scenario.levers
    drop = np.zeros((len(levers), cp.n_actors))
    paths: dict[str, list[tuple[int, float]]] = {}
    soften, switch, edits = [], [], []
    for k, lev in enumerate(levers):
        path = lever_path(lev)
        if path is not None:
            actor, field = path.split(".")[1], path.split(".")[-1]
            d = lever_delta(lev)
            drop[k, cp.actors.index(actor)] = d if field == "war_cost" else -d
            paths.setdefault(path, []).append((k, d))
        elif lev.kind == "soften_red_line":
            i, c = cp.actors.index(str(lev.actor)), cp.clauses.index(str(lev.clause))
            red = (scenario.actors[str(lev.actor)].red_lines or {})[str(lev.clause)]
            opts = np.array([cp.offsets[c] + scenario.clauses[str(lev.clause)].options.index(o) for o in red.options])
            old, penalty = cp.penalty[i, opts].copy(), float(lev.penalty or 0.0)
            at_sq = opts == cp.offsets[c] + cp.sq[c]
            sq_delta = float(old[at_sq].sum()) - penalty if at_sq.any() and np.isnan(cp.reservation_value[i]) else 0.0
            soften.append(Soften(k, i, opts, old, red.hard, penalty, sq_delta))
        elif lev.kind == "rule_switch":
            r = rule_index(scenario, str(lev.clause), lev.index or 0)
            new = None if lev.to == "none" else compile_scenario(apply_levers(scenario, [lev])).rules[r]
            switch.append(Switch(k, r, new))
        elif lev.kind == "clause_edit":
            c = cp.clauses.index(str(lev.clause))
            allowed = np.ones(cp.n_options[c], dtype=bool)
            if lev.options is not None:
                allowed[:] = False
                allowed[[cp.options[c].index(o) for o in lev.options]] = True
            edits.append(Edit(k, c, allowed))
    bounds = []
    for path, moves in paths.items():
        lo, hi = field_range(path.split(".")[-1])
        now = current(scenario, path)
        ks = np.array([m[0] for m in moves], dtype=np.int64)
        bounds.append(Bound(path, ks, np.array([m[1] for m in moves]), lo - now, hi - now))
    return CompiledLevers(
        ids=tuple(lev.id for lev in levers),
        kinds=tuple(lev.kind for lev in levers),
        cost=np.array([lev.cost for lev in levers], dtype=np.float64),
        drop=drop,
        bounds=tuple(bounds),
        soften=tuple(soften),
        switch=tuple(switch),
        edits=tuple(edits),
    )
