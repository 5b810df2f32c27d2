"""Shock and sweep values checked at load time against the bounds of the fields they change (not when, and if, a
shock fires or a sweep runs).

A shock's ``set: {PATH: VALUE}`` must be a value the field takes; its ``add: {PATH: DELTA}`` needs a number at
PATH (not text, a section or an unset optional), and the base value plus DELTA must be in the field's range. Each
shock is checked alone against the scenario as written (shocks that fire together are re-validated by the run).
A ``sweep:`` parameter's listed values, the two ends of its range and the finite ends of its distribution's support
must be values of the field (:func:`spec_refusal`).
"""

from __future__ import annotations

import math
import typing
from typing import Annotated, Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from sim.errors import Issue, UsageError
from sim.scenario.keys import unwrap
from sim.scenario.models import Scenario
from sim.scenario.partial import FAILED, has_failed
from sim.scenario.paths import lookup, parse_path
from sim.scenario.specs import ParamSpec


def field_type(parts: tuple[str | int, ...]) -> Any | None:
    """The annotation (with its bounds) of the value at ``parts`` in a Scenario, or None when no field is there."""
    tp: Any = Scenario
    for key in parts:
        tp = unwrap(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            found = next(((n, f) for n, f in tp.model_fields.items() if key in (f.alias, n)), None)
            if found is None:
                return None
            field = found[1]
            tp = Annotated[(field.annotation, *field.metadata)] if field.metadata else field.annotation
        elif typing.get_origin(tp) in (dict, list):
            tp = typing.get_args(tp)[-1]
        else:
            return None
    return tp


def _refusal(tp: Any, value: Any) -> str | None:
    """Why the field type ``tp`` refuses ``value`` (pydantic's messages, joined), or None."""
    try:
        TypeAdapter(tp).validate_python(value)
    except ValidationError as exc:
        return "; or ".join(dict.fromkeys(e["msg"] for e in exc.errors(include_url=False)))
    return None


def _kind(value: Any) -> str:
    if value is None:
        return "nothing (it is not set in this scenario: set it instead)"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, dict | list):
        return "a whole section"
    return type(value).__name__


def check_shock_values(tree: dict[str, Any]) -> list[Issue]:
    """Every shock value (and every ``set``/``add`` of a deadline's action) that its field would refuse, in the
    resolved (possibly partial) ``tree``; paths that name nothing are reported by the loader's path check, not here."""
    issues = []
    shocks = tree.get("shocks")
    for j, sh in enumerate(shocks if isinstance(shocks, list) else []):
        if not isinstance(sh, dict):
            continue
        for rule in ("set", "add"):
            changes = sh.get(rule)
            for p, value in changes.items() if isinstance(changes, dict) else ():
                why = _why(tree, str(p), rule, value)
                if why:
                    issues.append(Issue(why, ("shocks", j, rule, p)))
    actors = tree.get("actors")
    for aid, spec in actors.items() if isinstance(actors, dict) else ():
        dl = spec.get("deadline") if isinstance(spec, dict) else None
        for rule in ("set", "add"):
            changes = dl.get(rule) if isinstance(dl, dict) else None
            for p, value in changes.items() if isinstance(changes, dict) else ():
                why = _why(tree, str(p), rule, value)
                if why:
                    issues.append(Issue(why, ("actors", aid, "deadline", rule, p)))
    return issues


def _why(tree: dict[str, Any], path: str, rule: str, value: Any) -> str | None:
    try:
        parts = parse_path(path)
        if value is FAILED or has_failed(tree, parts):
            return None
        current = lookup(tree, parts) if rule == "add" else None
    except (KeyError, UsageError):
        return None  # the path check reports it
    tp = field_type(parts)
    if tp is None:
        return None
    if rule == "set":
        why = _refusal(tp, value)
        return f"set {path}: {why} (got {value!r})" if why else None
    if not isinstance(current, int | float) or isinstance(current, bool):
        return f"add needs a number at {path}, which holds {_kind(current)}"
    new = current + value
    why = _refusal(tp, new)
    return f"add {value!r} to {path} = {current!r} gives {new!r}: {why}" if why else None


def spec_refusal(spec: ParamSpec) -> str | None:
    """Why the field that ``spec`` sweeps refuses one of its values (listed, range ends, finite support ends)."""
    tp = field_type(parse_path(spec.path))
    if tp is None:
        return None
    if spec.is_range:
        values: tuple[Any, ...] = tuple(v for v in spec.support if math.isfinite(v))
        if spec.integer:
            values = tuple(round(v) for v in values)
    else:
        values = spec.values
    for v in values:
        why = _refusal(tp, v)
        if why:
            return f"the value {v!r}: {why}"
    return None
