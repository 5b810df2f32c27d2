"""The field names a scenario model allows at a path (for "did you mean" and for telling fixed fields from names)."""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel

from sim.scenario.models import Scenario


def allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    """Field names (by alias) of the model that sits at ``loc`` in a Scenario, if any."""
    tp: Any = Scenario
    for key in loc:
        tp = unwrap(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            field = next((f for n, f in tp.model_fields.items() if (f.alias or n) == key or n == key), None)
            if field is None:
                return []
            tp = field.annotation
            continue
        origin = typing.get_origin(tp)
        if origin in (dict, list):
            tp = typing.get_args(tp)[-1]
            continue
        return []
    tp = unwrap(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [f.alias or n for n, f in tp.model_fields.items()]
    return []


def unwrap(tp: Any) -> Any:
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
            continue
        if origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
            if models:
                return models[0]
            containers = [a for a in args if typing.get_origin(a) in (dict, list)]
            if containers:
                return containers[0]
            return args[0] if args else tp
        return tp
