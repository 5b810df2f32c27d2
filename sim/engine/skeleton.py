"""One validated scenario, many domains: :class:`Skeleton` swaps arrays of the compiled scenario instead of
validating and compiling a scenario per run (issue #19; benchmark W1's sweep draws a new domain every run).

``Skeleton(scenario)`` validates (it is given a :class:`~sim.scenario.models.Scenario`) and compiles once.
``skeleton.prepare(weights=…, values=…, beta=…, war_cost=…, expected_gain=…, drift=…, reservation_value=…)`` is a
:class:`~sim.engine.prepared.Prepared` whose arrays are the skeleton's with the given ones swapped in, numbered as in
:class:`~sim.core.compiled.Compiled` (A actors, C clauses, O flat options):

- ``weights`` (A, C): the saliences as a scenario states them (``actors.X.salience``); each row is divided by its
  sum as :func:`~sim.core.compiled.compile_scenario` does;
- ``values`` (A, O): the option values v_ic(o) (``actors.X.utilities``);
- ``beta`` (A,): the concession exponents (``actors.X.concession``); NaN only where the skeleton's actor has a
  subgame-perfect preset (``stationary``, ``rubinstein``), which it keeps;
- ``war_cost``, ``expected_gain``, ``drift`` (A,): ``actors.X.reservation.war_cost``, ``.expected_gain``,
  ``.drift_per_round``; ``reservation_value`` (A,): ``.value``, NaN for none (the base of R(t) is U(status quo)).

Each array is checked against the bounds the pydantic models state for its field (read from them:
:data:`BOUNDS`), and every salience row must have a positive entry (as :mod:`sim.scenario.checks_actors` asks);
anything else is a :class:`~sim.errors.UsageError` naming the array, the shape expected and the first entry out of
range. What compiling derives from these numbers (the normalised weights, ``wvalues``, ``spe``, ``u_sq``,
``u_max``) is computed as :func:`~sim.core.compiled.compile_scenario` computes it, so the arrays are bit for bit
those of validating and compiling :meth:`Skeleton.document` (``tests/test_skeleton.py``). That scenario is built only
when something needs it (:attr:`Prepared.scenario`: a shock or a deadline action firing, a tweak); the engine reads
shocks, deadlines, protocol and battlefield from the skeleton's own scenario, which the arrays do not change.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from typing import Annotated, Any, get_args, get_origin

import annotated_types as at
import numpy as np
from pydantic.fields import FieldInfo

from sim.core.compiled import Compiled, additive_terms, compile_scenario
from sim.engine.prepared import Prepared
from sim.engine.runner import NegotiationModel
from sim.errors import UsageError
from sim.scenario.loader import scenario_from_document
from sim.scenario.models import ActorFields, Reservation, Scenario

__all__ = ["BOUNDS", "Bounds", "Skeleton"]


@dataclass(frozen=True)
class Bounds:
    """A closed or open interval of floats (NaN is never inside)."""

    lo: float
    lo_open: bool
    hi: float
    hi_open: bool

    def inside(self, x: np.ndarray) -> np.ndarray:
        above = x > self.lo if self.lo_open else x >= self.lo
        below = x < self.hi if self.hi_open else x <= self.hi
        return above & below

    def __str__(self) -> str:
        return f"{'(' if self.lo_open else '['}{self.lo:g}, {self.hi:g}{')' if self.hi_open else ']'}"


def float_bounds(field: FieldInfo) -> Bounds:
    """The bounds of the first float a pydantic field holds (``Annotated[float, Field(ge=…, le=…)]``, possibly
    inside a mapping, a union or ``None``)."""
    stack: list[Any] = [field]
    while stack:
        a = stack.pop(0)
        if isinstance(a, FieldInfo):
            if a.annotation is float:
                return _bounds(a.metadata)
            stack.append(a.annotation)
        elif get_origin(a) is Annotated and get_args(a)[0] is float:
            return _bounds(list(get_args(a)[1:]))
        else:
            stack.extend(get_args(a))
    raise TypeError(f"no float in {field}")


def _bounds(meta: list[Any]) -> Bounds:
    flat = [m for x in meta for m in (x.metadata if isinstance(x, FieldInfo) else [x])]
    lo, lo_open, hi, hi_open = -np.inf, False, np.inf, False
    for m in flat:
        if isinstance(m, at.Ge):
            lo, lo_open = float(m.ge), False  # type: ignore[arg-type]
        elif isinstance(m, at.Gt):
            lo, lo_open = float(m.gt), True  # type: ignore[arg-type]
        elif isinstance(m, at.Le):
            hi, hi_open = float(m.le), False  # type: ignore[arg-type]
        elif isinstance(m, at.Lt):
            hi, hi_open = float(m.lt), True  # type: ignore[arg-type]
    return Bounds(lo, lo_open, hi, hi_open)


_FIELDS = {  # array -> (the scenario path of its entries, the pydantic field that validates them)
    "weights": ("salience", ActorFields.model_fields["salience"]),
    "values": ("utilities", ActorFields.model_fields["utilities"]),
    "beta": ("concession", ActorFields.model_fields["concession"]),
    "war_cost": ("reservation.war_cost", Reservation.model_fields["war_cost"]),
    "expected_gain": ("reservation.expected_gain", Reservation.model_fields["expected_gain"]),
    "drift": ("reservation.drift_per_round", Reservation.model_fields["drift_per_round"]),
    "reservation_value": ("reservation.value", Reservation.model_fields["value"]),
}
BOUNDS: dict[str, Bounds] = {name: float_bounds(f) for name, (_, f) in _FIELDS.items()}
"""The interval of each array's entries, as the pydantic models state it for the field."""
ARRAYS = tuple(_FIELDS)


class Skeleton:
    """One validated, compiled scenario whose preference and reservation arrays are swapped per domain."""

    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self.compiled = compile_scenario(scenario)
        cp = self.compiled
        self.shapes = {
            "weights": (cp.n_actors, cp.n_clauses),
            "values": (cp.n_actors, len(cp.clause_of)),
            **{name: (cp.n_actors,) for name in ARRAYS[2:]},
        }

    def arrays(self, **given: Any) -> dict[str, np.ndarray]:
        """The given arrays (None: the skeleton's), checked and copied as float64 (:class:`~sim.errors.UsageError`
        on a wrong name, shape or entry)."""
        out = {}
        for name, x in given.items():
            if name not in self.shapes:
                raise UsageError(f"Skeleton: no array {name!r} (arrays: {', '.join(ARRAYS)})")
            if x is not None:
                out[name] = self._checked(name, x)
        return out

    def _checked(self, name: str, x: Any) -> np.ndarray:
        shape = self.shapes[name]
        try:
            a = np.array(x, dtype=np.float64, order="C")
        except (TypeError, ValueError) as e:
            raise UsageError(f"{name}: expected a float array of shape {shape}, got {type(x).__name__} ({e})") from e
        if a.shape != shape:
            raise UsageError(f"{name}: expected shape {shape} ({self._axes(name)}), got {a.shape}")
        ok = BOUNDS[name].inside(a)
        if name == "reservation_value":
            ok |= np.isnan(a)
        elif name == "beta":
            ok |= np.isnan(a) & self.compiled.spe
        if not ok.all():
            idx = tuple(int(k) for k in np.argwhere(~ok)[0])
            why = f"{_FIELDS[name][0]} must be in {BOUNDS[name]}"
            if name == "beta" and np.isnan(a[idx]):
                why = "NaN only where the actor has a subgame-perfect preset (stationary, rubinstein)"
            raise UsageError(f"{name}[{', '.join(map(str, idx))}] = {a[idx]!r} ({self._where(name, idx)}): {why}")
        if name == "weights":
            zero = np.flatnonzero(~(a > 0).any(axis=1))
            if zero.size:
                i = int(zero[0])
                raise UsageError(f"weights[{i}] (actor {self.compiled.actors[i]}): every salience is zero")
        return a

    def _axes(self, name: str) -> str:
        return {"weights": "actors, clauses", "values": "actors, flat options"}.get(name, "actors")

    def _where(self, name: str, idx: tuple[int, ...]) -> str:
        cp = self.compiled
        where = f"actor {cp.actors[idx[0]]}"
        if name == "weights":
            where += f", clause {cp.clauses[idx[1]]}"
        elif name == "values":
            c = int(cp.clause_of[idx[1]])
            where += f", clause {cp.clauses[c]}, option {cp.options[c][idx[1] - int(cp.offsets[c])]}"
        return where

    def compile(self, **given: Any) -> Compiled:
        """The skeleton's :class:`~sim.core.compiled.Compiled` with the given arrays swapped in (module docstring),
        what it derives from them recomputed as :func:`~sim.core.compiled.compile_scenario` does."""
        return self._compile(self.arrays(**given))

    def _compile(self, arrays: dict[str, np.ndarray]) -> Compiled:
        cp = self.compiled
        if not arrays:
            return cp
        changes: dict[str, Any] = {}
        if "weights" in arrays:
            w = arrays["weights"].copy()
            for i in range(len(w)):  # as sim.core.assemble.preferences, row by row
                w[i] /= w[i].sum()
            changes["weights"] = w
        if "values" in arrays:
            changes["values"] = arrays["values"]
        if changes:
            weights, values = changes.get("weights", cp.weights), changes.get("values", cp.values)
            changes["wvalues"] = additive_terms(weights, values, cp.clause_of)
        if "beta" in arrays:
            changes["beta"], changes["spe"] = arrays["beta"], np.isnan(arrays["beta"])
        for name in ("war_cost", "expected_gain", "drift", "reservation_value"):
            if name in arrays:
                changes[name] = arrays[name]
        return replace(cp, **changes)  # __post_init__ derives u_sq, u_max and the steps again

    def prepare(self, **given: Any) -> Prepared:
        """A :class:`~sim.engine.prepared.Prepared` of the skeleton with the given arrays swapped in; its
        ``scenario`` (:meth:`scenario_for` of the same arrays) is built only if asked for."""
        arrays = self.arrays(**given)
        return Prepared(
            None,
            NegotiationModel,
            compiled=self._compile(arrays),
            structure=self.scenario,
            rebuild=functools.partial(self._scenario_for, arrays),
        )

    def document(self, **given: Any) -> dict[str, Any]:
        """The scenario document of the skeleton with the given arrays written in (every clause's salience and
        option values, the concession, the reservation fields): validated and compiled, it gives :meth:`compile`'s
        arrays."""
        return self._document(self.arrays(**given))

    def scenario_for(self, **given: Any) -> Scenario:
        """:meth:`document`, validated."""
        return self._scenario_for(self.arrays(**given))

    def _scenario_for(self, arrays: dict[str, np.ndarray]) -> Scenario:
        return scenario_from_document(self._document(arrays), file=self.scenario.source)

    def _document(self, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
        cp, doc = self.compiled, self.scenario.document()
        for i, a in enumerate(cp.actors):
            spec = doc["actors"][a]
            if "weights" in arrays or "values" in arrays:
                w = arrays.get("weights", None)
                v = arrays.get("values", cp.values)
                if w is not None:
                    spec["salience"] = {c: float(w[i, j]) for j, c in enumerate(cp.clauses)}
                spec["utilities"] = {
                    c: {o: float(v[i, cp.offsets[j] + k]) for k, o in enumerate(cp.options[j])}
                    for j, c in enumerate(cp.clauses)
                }
            if "beta" in arrays and not np.isnan(arrays["beta"][i]):
                spec["concession"] = float(arrays["beta"][i])
            self._reservation(spec, i, arrays)
        return doc

    def _reservation(self, spec: dict[str, Any], i: int, arrays: dict[str, np.ndarray]) -> None:
        """Actor ``i``'s reservation fields in its document ``spec``, as given."""
        keys = {"war_cost": "war_cost", "expected_gain": "expected_gain", "drift": "drift_per_round"}
        if not any(k in arrays for k in (*keys, "reservation_value")):
            return
        res = spec.setdefault("reservation", {})
        for name, key in keys.items():
            if name in arrays:
                res[key] = float(arrays[name][i])
        if "reservation_value" in arrays:
            x = float(arrays["reservation_value"][i])
            if not np.isnan(x):
                res["value"] = x
            elif res.pop("value", None) is None and not np.isnan(self.compiled.reservation_value[i]):
                actor = self.compiled.actors[i]
                raise UsageError(f"reservation_value[{i}] = nan (actor {actor}): its value comes from a profile")
