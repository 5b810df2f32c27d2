"""Parameter SPECs, the language of swept values (``--param PATH=SPEC`` and a scenario's ``sweep:`` section).

A SPEC is ``start:stop:count`` (a numeric range; all three parts are needed: ``0:0.4`` is an error, not YAML 1.1's
base-60 reading of it) or ``v1,v2,...`` (values read as YAML 1.2 by :func:`sim.scenario.paths.parse_value`, exactly
as in a scenario file). :mod:`sim.sweeps.designs` turns specs into the points of a design.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.errors import UsageError
from sim.scenario.paths import check_path, lookup, parse_path, parse_value

MAX_VALUES = 1_000_000


@dataclass(frozen=True)
class ParamSpec:
    """One swept parameter: a numeric range ``(start, stop, count)`` or an explicit tuple of ``values``."""

    path: str
    values: tuple[Any, ...] = ()
    start: float | None = None
    stop: float | None = None
    count: int | None = None
    integer: bool = False

    @property
    def is_range(self) -> bool:
        return self.start is not None

    @property
    def size(self) -> int:
        """How many grid values, without building them."""
        return int(self.count) if self.is_range and self.count is not None else len(self.values)

    def grid_values(self) -> tuple[Any, ...]:
        """The values of a grid: ``count`` evenly spaced numbers of a range, or the listed values (built once)."""
        if not self.is_range:
            return self.values
        cached = self.__dict__.get("_grid")
        if cached is None:
            assert self.start is not None and self.stop is not None and self.count is not None
            if self.count == 1:
                cached = (self._cast(self.start),)
            else:
                cached = tuple(self._cast(v) for v in np.linspace(self.start, self.stop, self.count))
            object.__setattr__(self, "_grid", cached)
        return cached

    def scale(self, u: np.ndarray) -> list[Any]:
        """Map unit-interval samples ``u`` to values: a range linearly, a list of values by index."""
        if self.is_range:
            assert self.start is not None and self.stop is not None
            return [self._cast(v) for v in self.start + u * (self.stop - self.start)]
        idx = np.minimum((u * len(self.values)).astype(np.int64), len(self.values) - 1)
        return [self.values[i] for i in idx]

    def _cast(self, v: float) -> int | float:
        if self.integer:
            return int(np.rint(v))
        return float(f"{float(v):.12g}")  # 0.30000000000000004 -> 0.3: values are compared and printed

    def describe(self) -> dict[str, Any]:
        if self.is_range:
            d = {"path": self.path, "start": self.start, "stop": self.stop, "count": self.count}
            return d | {"integer": self.integer}
        return {"path": self.path, "values": list(self.values)}


def split_top_level(text: str, sep: str) -> list[str]:
    """Split on ``sep`` outside brackets and braces: ``"[a, b],c"`` -> ``["[a, b]", "c"]``."""
    out: list[str] = []
    cur: list[str] = []
    depth = 0
    for ch in text:
        if ch in "[{(":
            depth += 1
        elif ch in "]})":
            depth -= 1
        if ch == sep and depth == 0:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    return out


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


class SpecError(UsageError):
    """A SPEC that cannot be read; ``why`` is the reason without the ``--param PATH=SPEC:`` prefix."""

    def __init__(self, path: str, spec: Any, why: str):
        super().__init__(f"--param {path}={spec}: {why}")
        self.why = why


def parse_spec(path: str, spec: str | list[Any] | tuple[Any, ...], current: Any = None) -> ParamSpec:
    """A :class:`ParamSpec` from a SPEC string or a list of values (``current``: the value the path holds).

    >>> parse_spec("actors.A.discount", "0.5:0.9:3").grid_values()
    (0.5, 0.7, 0.9)
    >>> parse_spec("protocol.concession", "boulware,linear").grid_values()
    ('boulware', 'linear')
    """
    parse_path(path)
    integer = isinstance(current, int) and not isinstance(current, bool)
    if isinstance(spec, list | tuple):
        return _values_spec(path, list(spec), integer)
    if not isinstance(spec, str) or not spec.strip():
        raise SpecError(path, spec, "expected start:stop:count or v1,v2,...")
    text = spec.strip()
    if "," not in text and "[" not in text and "{" not in text and text.count(":") == 2:
        start, stop, count = (parse_value(p) for p in text.split(":"))
        if not (_is_number(start) and _is_number(stop)) or not isinstance(count, int) or isinstance(count, bool):
            raise SpecError(path, spec, "start:stop:count needs two numbers and a whole count")
        if not math.isfinite(start) or not math.isfinite(stop):
            raise SpecError(path, spec, "a range needs finite ends")
        if not 1 <= count <= MAX_VALUES:
            raise SpecError(path, spec, f"count must be between 1 and {MAX_VALUES:,}")
        return ParamSpec(path, start=float(start), stop=float(stop), count=count, integer=integer)
    parts = split_top_level(text, ",")
    for part in parts:
        _refuse_partial_range(path, spec, part)
    return _values_spec(path, [parse_value(p) for p in parts], integer)


def _refuse_partial_range(path: str, spec: str, part: str) -> None:
    """``0:0.4`` (count forgotten) or ``0:1:3`` among other values: numbers joined by colons are a range, and a
    range is exactly ``start:stop:count``, alone."""
    pieces = part.strip().split(":")
    if len(pieces) < 2 or not all(_is_number(_quiet(p)) for p in pieces):
        return
    example = f"{pieces[0].strip()}:{pieces[1].strip()}:5" if len(pieces) == 2 else "0:0.4:5"
    if len(pieces) == 3:
        raise SpecError(path, spec, f"a range cannot be mixed with other values; give {part.strip()} alone")
    raise SpecError(path, spec, f"a range needs start:stop:count, e.g. {example}")


def _quiet(text: str) -> Any:
    try:
        return parse_value(text)
    except UsageError:
        return None


def _values_spec(path: str, values: list[Any], integer: bool) -> ParamSpec:
    if not values:
        raise SpecError(path, values, "no values given")
    if len(values) > MAX_VALUES:
        raise UsageError(f"--param {path}: more than {MAX_VALUES:,} values")
    if all(_is_number(v) for v in values) and not integer and any(isinstance(v, float) for v in values):
        values = [float(v) for v in values]  # one column type: 1, 0.5 -> 1.0, 0.5
    return ParamSpec(path, values=tuple(values))


def parse_params(
    scenario_tree: dict[str, Any], params: Mapping[str, str | list[Any] | tuple[Any, ...]]
) -> list[ParamSpec]:
    """Check every path against the resolved scenario (all bad paths in one error), then parse every SPEC."""
    bad = [why for path in params if (why := check_path(scenario_tree, path)) is not None]
    if bad:
        raise UsageError("; ".join(bad))
    specs = []
    for path, spec in params.items():
        current = lookup(scenario_tree, parse_path(path))
        if isinstance(current, dict | list):
            raise UsageError(f"--param {path}: names a whole section; sweep one of its numbers instead")
        specs.append(parse_spec(path, spec, current))
    return specs


def parse_param_args(items: list[str]) -> dict[str, str]:
    """``["a.b=0:1:3", ...]`` (``--param PATH=SPEC``) -> ``{"a.b": "0:1:3"}``."""
    out: dict[str, str] = {}
    for item in items:
        if "=" not in item:
            raise UsageError(f"--param {item!r}: expected PATH=SPEC, e.g. actors.A.discount=0.5:0.9:5")
        key, spec = item.split("=", 1)
        if key.strip() in out:
            raise UsageError(f"--param {key.strip()} is given twice")
        out[key.strip()] = spec
    return out
