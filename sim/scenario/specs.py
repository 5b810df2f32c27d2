"""Parameter SPECs, the language of swept values (``--param PATH=SPEC`` and a scenario's ``sweep:`` section).

A SPEC is ``start:stop:count`` (a numeric range; all three parts are needed: ``0:0.4`` is an error, not YAML 1.1's
base-60 reading of it) or ``v1,v2,...`` (values read as YAML 1.2 by :func:`sim.scenario.paths.parse_value`, exactly
as in a scenario file), or a distribution, ``uniform:LO:HI``, ``normal:MU:SIGMA[:LO:HI]``, ``triangular:LO:MODE:HI``,
``beta:A:B[:LO:HI]``, ``choice:a,b,c`` (in a ``sweep:`` section also ``{dist: uniform, low: 0, high: 0.4}``).
:mod:`sim.sweeps.designs` turns specs into the points of a design.
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
    dist: tuple[Any, ...] | None = None
    """A distribution ``(name, *args)`` (:data:`DISTS`): then ``start``/``stop`` are its support (infinite for an
    untruncated normal) and ``count`` is None; it is sampled, never gridded."""

    @property
    def support(self) -> tuple[float, float]:
        assert self.start is not None and self.stop is not None
        return (self.start, self.stop)

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
        """Map unit-interval samples ``u`` to values: a distribution by its quantile function (``ppf``, so a Latin
        hypercube or Sobol' design keeps its stratification), a range linearly, a list of values by index."""
        if self.dist is not None:
            eps = 1e-12 if not math.isfinite(self.support[0]) else 0.0  # ppf(0) = -inf: the normal's open ends
            return [self._cast(v) for v in frozen(self.dist).ppf(np.clip(u, eps, 1.0 - eps))]
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
        if self.dist is not None:
            return {"path": self.path, "dist": list(self.dist), "integer": self.integer}
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


def parse_spec(
    path: str, spec: str | list[Any] | tuple[Any, ...] | Mapping[str, Any], current: Any = None
) -> ParamSpec:
    """A :class:`ParamSpec` from a SPEC string or a list of values (``current``: the value the path holds).

    >>> parse_spec("actors.A.discount", "0.5:0.9:3").grid_values()
    (0.5, 0.7, 0.9)
    >>> parse_spec("protocol.concession", "boulware,linear").grid_values()
    ('boulware', 'linear')
    """
    parse_path(path)
    integer = isinstance(current, int) and not isinstance(current, bool)
    if isinstance(spec, Mapping) or (isinstance(spec, str) and ":" in spec and spec.strip().partition(":")[0] in DISTS):
        return parse_dist(path, spec, integer)
    if isinstance(spec, list | tuple):
        return _values_spec(path, list(spec), integer)
    if not isinstance(spec, str) or not spec.strip():
        raise SpecError(path, spec, f"expected start:stop:count, v1,v2,... or a distribution ({DIST_FORMS})")
    text = spec.strip()
    if "," not in text and "[" not in text and "{" not in text and text.count(":") == 2:
        start, stop, count = (parse_value(p) for p in text.split(":"))
        if not (_is_number(start) and _is_number(stop)) or not isinstance(count, int) or isinstance(count, bool):
            raise SpecError(
                path, spec, f"start:stop:count needs two numbers and a whole count (or a distribution: {DIST_FORMS})"
            )
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


def _kind(v: Any) -> str:
    if _is_number(v):
        return "numbers"
    return {bool: "booleans", str: "strings", type(None): "nulls", list: "lists", dict: "mappings"}.get(
        type(v), type(v).__name__
    )


def _values_spec(path: str, values: list[Any], integer: bool) -> ParamSpec:
    if not values:
        raise SpecError(path, values, "no values given")
    kinds = list(dict.fromkeys(_kind(v) for v in values))
    if len(kinds) > 1:  # a column of the results table holds one type (and is read back as one)
        raise SpecError(
            path, ",".join(map(str, values)), f"the values mix {' and '.join(kinds)}: give values of one type"
        )
    if len(values) > MAX_VALUES:
        raise UsageError(f"--param {path}: more than {MAX_VALUES:,} values")
    if all(_is_number(v) for v in values) and not integer and any(isinstance(v, float) for v in values):
        values = [float(v) for v in values]  # one column type: 1, 0.5 -> 1.0, 0.5
    return ParamSpec(path, values=tuple(values))


def parse_params(scenario_tree: dict[str, Any], params: Mapping[str, Any]) -> list[ParamSpec]:
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


# -- distributions: uncertain numbers (sampled designs, --ensemble, negsim sensitivity) ---------------------
DISTS: dict[str, tuple[str, ...]] = {
    "uniform": ("low", "high"),
    "normal": ("mu", "sigma", "low", "high"),
    "triangular": ("low", "mode", "high"),
    "beta": ("a", "b", "low", "high"),
    "choice": ("values",),
}
"""Each distribution's arguments, in the order of the CLI form ``NAME:ARG:ARG...`` (``normal``'s and ``beta``'s
``low``/``high`` are optional: a truncated normal, a beta scaled to [low, high] instead of [0, 1])."""
DIST_FORMS = "uniform:LO:HI, normal:MU:SIGMA[:LO:HI], triangular:LO:MODE:HI, beta:A:B[:LO:HI], choice:a,b,c"


def frozen(dist: tuple[Any, ...]) -> Any:
    """The ``scipy.stats`` frozen distribution of ``(name, *args)`` (not ``choice``)."""
    # lazy: scipy.stats costs ~0.5 s to import; negsim validate and negsim run load specs but never sample them
    from scipy import stats

    name, *a = dist
    if name == "uniform":
        return stats.uniform(loc=a[0], scale=a[1] - a[0])
    if name == "triangular":
        lo, mode, hi = a
        return stats.triang(c=(mode - lo) / (hi - lo), loc=lo, scale=hi - lo)
    if name == "beta":
        lo, hi = (a[2], a[3]) if len(a) == 4 else (0.0, 1.0)
        return stats.beta(a[0], a[1], loc=lo, scale=hi - lo)
    mu, sigma = a[0], a[1]
    if len(a) == 4:
        return stats.truncnorm((a[2] - mu) / sigma, (a[3] - mu) / sigma, loc=mu, scale=sigma)
    return stats.norm(loc=mu, scale=sigma)


def parse_dist(path: str, spec: Any, integer: bool = False) -> ParamSpec:
    """A distribution from its CLI form (``"uniform:0:0.4"``) or its YAML mapping (``{dist: uniform, low: 0,
    high: 0.4}``); ``choice`` is a list of values drawn with equal chances.

    >>> parse_dist("a.b", "triangular:0:0.1:0.4").dist
    ('triangular', 0.0, 0.1, 0.4)
    >>> parse_dist("a.b", {"dist": "beta", "a": 2, "b": 5}).support
    (0.0, 1.0)
    """
    if isinstance(spec, Mapping):
        name = spec.get("dist")
        if name not in DISTS:
            raise SpecError(path, dict(spec), f"dist must be one of {', '.join(DISTS)}, got {name!r}")
        allowed = DISTS[name]
        extra = sorted(set(spec) - {"dist", *allowed})
        if extra:
            raise SpecError(path, dict(spec), f"{name} takes {', '.join(allowed)}; not {', '.join(extra)}")
        if name == "choice":
            vals = spec.get("values")
            if not isinstance(vals, list):
                raise SpecError(path, dict(spec), "choice needs values: [a, b, ...]")
            return _values_spec(path, vals, integer)
        args = [spec[k] for k in allowed if k in spec]
        given = [k for k in allowed if k in spec]
        if given != list(allowed[: len(given)]):
            raise SpecError(path, dict(spec), f"{name} needs {', '.join(allowed)}")
        return _dist_spec(path, dict(spec), name, args, integer)
    text = str(spec).strip()
    name, _, rest = text.partition(":")
    if name == "choice":
        return _values_spec(path, [parse_value(p) for p in split_top_level(rest, ",")], integer)
    return _dist_spec(path, text, name, [parse_value(p) for p in rest.split(":")], integer)


def _dist_spec(path: str, spec: Any, name: str, args: list[Any], integer: bool) -> ParamSpec:
    n_args = {"uniform": (2,), "normal": (2, 4), "triangular": (3,), "beta": (2, 4)}[name]
    form = next(f for f in DIST_FORMS.split(", ") if f.startswith(name))
    if len(args) not in n_args or not all(_is_number(v) and math.isfinite(v) for v in args):
        raise SpecError(path, spec, f"expected {form} with finite numbers")
    a = tuple(float(v) for v in args)
    ok = {
        "uniform": lambda: a[0] < a[1],
        "normal": lambda: a[1] > 0 and (len(a) == 2 or a[2] < a[3]),
        "triangular": lambda: a[0] <= a[1] <= a[2] and a[0] < a[2],
        "beta": lambda: a[0] > 0 and a[1] > 0 and (len(a) == 2 or a[2] < a[3]),
    }[name]()
    if not ok:
        why = {
            "uniform": "needs LO < HI",
            "normal": "needs SIGMA > 0 (and LO < HI)",
            "triangular": "needs LO <= MODE <= HI and LO < HI",
            "beta": "needs A > 0, B > 0 (and LO < HI)",
        }[name]
        raise SpecError(path, spec, f"{form} {why}")
    lo, hi = (float(v) for v in frozen((name, *a)).support())
    return ParamSpec(path, start=lo, stop=hi, integer=integer, dist=(name, *a))
