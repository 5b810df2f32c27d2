"""A best-effort model of a document that does not validate, so that its cross references are still checked.

When :class:`~sim.scenario.models.Scenario` rejects a document, :func:`partial_scenario` builds one anyway with
``model_construct``: every part that validates on its own is kept as validated, and every part that does not
becomes :data:`FAILED`. The cross-reference checks (:func:`sim.scenario.checks.cross_check`) then run on it, each inside
``with GUARD:``; a check that touches a failed value (compares, iterates, reads an attribute of it...) raises
:class:`SkipCheck` and is skipped, so it neither crashes nor reports a consequence of an error already reported.
That is how one ``negsim validate`` reports field errors and cross-reference errors together.
"""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError


class SkipCheck(Exception):
    """Raised by any use of :data:`FAILED`: the check that used it is skipped."""


def _skip(*_: Any, **__: Any) -> Any:
    raise SkipCheck


class _Failed:
    """Stands for a value that failed validation. Only ``is``, ``repr`` and ``isinstance`` work on it."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "FAILED"

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # copy, pickle and friends probing for hooks
            raise AttributeError(name)
        raise SkipCheck

    __hash__ = _skip  # type: ignore[assignment]
    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = _skip  # type: ignore[assignment]
    __bool__ = __len__ = __iter__ = __contains__ = __getitem__ = _skip
    __str__ = __format__ = __int__ = __float__ = __index__ = _skip  # type: ignore[assignment]
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _skip
    __neg__ = __abs__ = _skip


FAILED: Any = _Failed()


class _Guard:
    """``with GUARD:`` skips the rest of a block that used a failed value (reusable, cheap)."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, *_: Any) -> bool:
        return kind is SkipCheck


GUARD = _Guard()

_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}


def _adapter(tp: Any) -> TypeAdapter[Any]:
    try:
        return _ADAPTERS[tp]
    except KeyError:
        _ADAPTERS[tp] = adapter = TypeAdapter(tp)
        return adapter
    except TypeError:  # unhashable annotation
        return TypeAdapter(tp)


def _valid(tp: Any, value: Any) -> tuple[bool, Any]:
    try:
        return True, _adapter(tp).validate_python(value)
    except ValidationError:
        return False, None


def _split(tp: Any) -> tuple[Any, tuple[Any, ...]]:
    """``Annotated[X, meta...]`` -> (X, meta)."""
    meta: tuple[Any, ...] = ()
    while typing.get_origin(tp) is typing.Annotated:
        args = typing.get_args(tp)
        tp, meta = args[0], (*args[1:], *meta)
    return tp, meta


def partial(tp: Any, value: Any) -> Any:
    """``value`` validated as ``tp`` where it can be, with :data:`FAILED` in place of each part that cannot."""
    ok, out = _valid(tp, value)
    if ok:
        return out
    base, meta = _split(tp)
    origin = typing.get_origin(base)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(base)
        if value is None and type(None) in args:
            return None
        rest = [a for a in args if a is not type(None)]
        return partial(rest[0], value) if len(rest) == 1 else FAILED
    if isinstance(base, type) and issubclass(base, BaseModel):
        if not isinstance(value, dict):
            return FAILED
        fields: dict[str, Any] = {}
        for name, f in base.model_fields.items():
            key = f.alias or name
            if key in value:
                fields[name] = partial(typing.Annotated[f.annotation, *f.metadata] if f.metadata else f.annotation,
                                       value[key])  # fmt: skip
            elif f.is_required():
                fields[name] = FAILED
        return base.model_construct(**fields)
    if origin is dict and isinstance(value, dict):
        if meta and not _valid(typing.Annotated[dict[Any, Any], *meta], value)[0]:
            return FAILED  # too few or too many entries: the container itself is wrong
        item = typing.get_args(base)[1]
        return {k: partial(item, v) for k, v in value.items()}
    if origin is list and isinstance(value, list):
        if meta and not _valid(typing.Annotated[list[Any], *meta], value)[0]:
            return FAILED
        item = typing.get_args(base)[0]
        return [partial(item, v) for v in value]
    return FAILED


def has_failed(node: Any, parts: tuple[str | int, ...]) -> bool:
    """Whether walking ``parts`` into a partial tree (:func:`plain`) meets a failed value."""
    for key in parts:
        if node is FAILED:
            return True
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
            node = node[key]
        else:
            return False
    return node is FAILED


def plain(obj: Any) -> Any:
    """A partial model as nested dicts and lists by alias (what ``model_dump(by_alias=True)`` gives for a valid
    one), failed values left as :data:`FAILED`."""
    if obj is FAILED:
        return FAILED
    if isinstance(obj, BaseModel):
        return {(f.alias or name): plain(getattr(obj, name, FAILED)) for name, f in type(obj).model_fields.items()}
    if isinstance(obj, dict):
        return {k: plain(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [plain(v) for v in obj]
    return obj
