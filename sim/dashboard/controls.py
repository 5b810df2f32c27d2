"""The dashboard's controls: one per path of the scenario, bounds read from the pydantic model.

Every control is a path in the one path syntax (:mod:`sim.scenario.paths`): ``actors.RU.reservation.expected_gain``
is a slider whose ``min``/``max`` are the ``ge``/``le`` (or ``gt``/``lt``) of :class:`sim.scenario.models.Reservation`'s
field. Where the model allows a range far wider than anyone drags (saliences up to 1e6, λ up to 1e6), the slider is
capped at :data:`DISPLAY_MAX` — the value still validates through :func:`sim.scenario.edit.tweak`.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, field
from typing import Any, Literal, get_args, get_origin

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from sim.errors import UsageError
from sim.scenario.models import Scenario
from sim.scenario.paths import get, parse_path

DISPLAY_MAX = {"salience": 1.0, "lambda": 100.0, "concession": 10.0, "max_rounds": 100.0}
"""Slider caps (by the last named part of a path) where the model's bound is far beyond the useful range."""

Kind = Literal["float", "int", "choice"]


@dataclass(frozen=True)
class Control:
    """One input of the dashboard: the path it sets, its bounds and its value in the shipped scenario."""

    path: str
    label: str
    kind: Kind
    value: Any
    min: float | None = None
    max: float | None = None
    step: float | None = None
    choices: tuple[Any, ...] = field(default_factory=tuple)


def _unwrap(tp: Any) -> tuple[Any, list[Any]]:
    """(the plain type, the constraints) of an annotation: Optional[...] and Annotated[...] removed."""
    meta: list[Any] = []
    while True:
        origin = get_origin(tp)
        if origin is typing.Annotated:
            base, *extra = get_args(tp)
            for m in extra:
                meta.extend(m.metadata if isinstance(m, FieldInfo) else [m])
            tp = base
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in get_args(tp) if a is not type(None)]
            numeric = [a for a in args if _unwrap(a)[0] in (int, float)]
            tp = numeric[0] if numeric else args[0]
        else:
            return tp, meta


def _model_field(model: type[BaseModel], key: str) -> FieldInfo:
    for name, info in model.model_fields.items():
        if key in (name, info.alias):
            return info
    raise UsageError(f"{model.__name__} has no field {key!r}")


def field_type(path: str) -> tuple[Any, list[Any]]:
    """The type and the constraints (annotated_types Ge/Gt/Le/Lt) of the value a path names."""
    tp: Any = Scenario
    meta: list[Any] = []
    for key in parse_path(path):
        tp, extra = _unwrap(tp)
        meta = extra
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            info = _model_field(tp, str(key))
            tp, meta = info.annotation, list(info.metadata)
        elif get_origin(tp) is dict:
            tp, meta = get_args(tp)[1], []
        elif get_origin(tp) is list:
            tp, meta = get_args(tp)[0], []
        else:
            raise UsageError(f"path {path!r}: {key!r} is below a plain value")
    tp, extra = _unwrap(tp)
    return tp, meta + extra


def bounds(path: str) -> tuple[float | None, float | None]:
    """The model's bounds of a number (``gt``/``lt`` taken as the bound itself), capped by :data:`DISPLAY_MAX`."""
    _, meta = field_type(path)
    lo = hi = None
    for m in meta:
        if isinstance(m, annotated_types.Ge | annotated_types.Gt):
            lo = float(m.ge if isinstance(m, annotated_types.Ge) else m.gt)  # type: ignore[arg-type]
        if isinstance(m, annotated_types.Le | annotated_types.Lt):
            hi = float(m.le if isinstance(m, annotated_types.Le) else m.lt)  # type: ignore[arg-type]
    cap = DISPLAY_MAX.get(str(parse_path(path)[-1]))
    if cap is None and len(parse_path(path)) >= 3 and parse_path(path)[-2] == "salience":
        cap = DISPLAY_MAX["salience"]
    if cap is not None and (hi is None or hi > cap):
        hi = cap
    return lo, hi


def number(scenario: Scenario, path: str, label: str | None = None, step: float = 0.01) -> Control:
    tp, _ = field_type(path)
    lo, hi = bounds(path)
    value = get(scenario, path)
    if tp is int or isinstance(value, bool):
        return Control(path, label or path, "int", value, lo, hi, 1)
    if lo is not None and value is not None and hi is not None:
        hi = max(hi, float(value))  # a shipped value above the display cap stays reachable
    return Control(path, label or path, "float", value, lo, hi, step)


def choice(scenario: Scenario, path: str, label: str | None = None) -> Control:
    tp, _ = field_type(path)
    options = get_args(tp) if get_origin(tp) is Literal else ()
    value = get(scenario, path)
    return Control(path, label or path, "choice", value, choices=tuple(options) or (value,))


def protocol_controls(scenario: Scenario) -> list[Control]:
    out = [
        choice(scenario, "protocol.agenda", "agenda"),
        choice(scenario, "protocol.proposal_mode", "proposal mode"),
        choice(scenario, "protocol.offer_rule", "offer rule"),
        number(scenario, "protocol.acceptance.lambda", "acceptance λ", step=1.0),
        number(scenario, "protocol.mediator_belief_noise", "mediator belief noise"),
        number(scenario, "scenario.max_rounds", "max rounds"),
    ]
    if isinstance(get(scenario, "protocol.concession"), str):
        out.append(choice(scenario, "protocol.concession", "concession"))
    return out


def _concession_choices() -> tuple[str, ...]:
    return ("boulware", "linear", "conceder", "rubinstein", "stationary")


def actor_controls(scenario: Scenario, actor: str) -> dict[str, list[Control]]:
    """The controls of one actor, by panel: reservation & co, then one list per clause (salience, option values)."""
    a = f"actors.{actor}"
    general = [
        number(scenario, f"{a}.reservation.war_cost", "war cost"),
        number(scenario, f"{a}.reservation.expected_gain", "expected gain"),
        number(scenario, f"{a}.reservation.drift_per_round", "drift per round", step=0.001),
        number(scenario, f"{a}.discount", "discount"),
    ]
    concession = get(scenario, f"{a}.concession")
    if isinstance(concession, str):
        general.append(Control(f"{a}.concession", "concession", "choice", concession, choices=_concession_choices()))
    elif concession is not None:
        general.append(number(scenario, f"{a}.concession", "concession exponent β", step=0.1))
    if get(scenario, f"{a}.deadline") is not None:
        general.append(number(scenario, f"{a}.deadline.credibility", "deadline credibility"))
    panels = {"reservation, discount, concession": general}
    for clause, spec in scenario.clauses.items():
        ctrls = [number(scenario, f"{a}.salience.{clause}", "salience")]
        if get(scenario, f"{a}.utilities") and clause in get(scenario, f"{a}.utilities"):
            ctrls += [number(scenario, f"{a}.utilities.{clause}.{o}", f"value of {o}") for o in spec.options]
        panels[clause] = ctrls
    return panels


def red_lines(scenario: Scenario, actor: str, clause: str) -> set[str]:
    """The options of ``clause`` that ``actor`` will not sign (hard or soft)."""
    lines = get(scenario, f"actors.{actor}.red_lines") or {}
    return set(lines.get(clause, {}).get("options", []))


def red_line_change(base: Scenario, current: Scenario, actor: str, clause: str, option: str, on: bool):
    """The ``(path, value)`` that switches the red line of ``actor`` on ``clause``'s ``option`` on or off in
    ``current`` (a tweak of ``base``): one path per clause where ``base`` has red lines, else the whole mapping."""
    chosen = red_lines(current, actor, clause) | {option} if on else red_lines(current, actor, clause) - {option}
    order = [o for o in current.clauses[clause].options if o in chosen]
    lines = get(base, f"actors.{actor}.red_lines")
    if lines is None:
        whole = dict(get(current, f"actors.{actor}.red_lines") or {})
        whole[clause] = {**whole.get(clause, {"penalty": "hard"}), "options": order}
        return f"actors.{actor}.red_lines", whole
    if clause not in lines:
        return f"actors.{actor}.red_lines.{clause}", {"options": order, "penalty": "hard"}
    return f"actors.{actor}.red_lines.{clause}.options", order


def sweepable(scenario: Scenario) -> list[str]:
    """Paths offered for the acceptance curve: every actor's reservation values and discount, and λ."""
    out = []
    for actor in scenario.actors:
        out += [f"actors.{actor}.reservation.expected_gain", f"actors.{actor}.reservation.war_cost"]
        out.append(f"actors.{actor}.discount")
    out.append("protocol.acceptance.lambda")
    return out
