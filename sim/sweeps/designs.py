"""Parameter specs and designs of experiments: which scenarios a sweep runs.

A swept parameter is a scenario path and a SPEC: ``start:stop:count`` (a numeric range) or ``v1,v2,...``
(values read as YAML 1.2 by :func:`sim.scenario.paths.parse_value`, exactly as in a scenario file). A range needs all
three parts: ``0:0.4`` is an error, not the single value 0.4 (YAML 1.1's base-60 reading of it).
A :class:`Design` turns the specs into *points*:

- ``grid``: the Cartesian product of every parameter's values (a range gives ``count`` evenly spaced values;
  a range with count 1 is just ``start``), enumerated lazily, the last parameter varying fastest;
- ``lhs``, ``sobol``, ``random``: ``samples`` points from :mod:`scipy.stats.qmc` (Latin hypercube, McKay et
  al. 1979; scrambled Sobol', Owen 1998) or uniform draws, scaled to each range ``[start, stop]`` (its count
  is ignored); a list of values is sampled uniformly by index. The sampler's ``rng=`` comes from the master
  seed. A distribution (``uniform:0:0.4``, ``beta:2:5``...: :mod:`sim.scenario.specs`) maps the design's unit
  samples through its quantile function, so an LHS or Sobol' design keeps its stratification.

A value takes the type of the number it replaces: a path holding an integer (``scenario.max_rounds``) gets
rounded integers. This module knows nothing of runs or files (design -> evaluate -> collect, after the EMA
Workbench).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from scipy.stats import qmc

from sim.errors import UsageError
from sim.scenario.specs import ParamSpec, parse_param_args, parse_params, parse_spec

__all__ = ["DESIGNS", "Design", "ParamSpec", "design_from_metadata", "parse_param_args", "parse_params", "parse_spec"]

DesignKind = Literal["grid", "lhs", "sobol", "random"]
DESIGNS: tuple[str, ...] = ("grid", "lhs", "sobol", "random")
MAX_POINTS = 1_000_000
"""Every point of a design is listed in the sweep's metadata.json: a design has at most this many."""


@dataclass(frozen=True)
class Design:
    """The parameter points of a sweep. Grid points are computed on demand; sampled points are drawn once and
    held as one list of values per parameter (at most :data:`MAX_POINTS` points)."""

    params: tuple[ParamSpec, ...]
    kind: DesignKind = "grid"
    samples: int | None = None
    master_seed: int = 0
    recorded: tuple[tuple[Any, ...], ...] | None = field(default=None, repr=False, compare=False)
    """The points as read back from metadata.json (``--resume``): used as they are, never re-sampled."""

    def __post_init__(self) -> None:
        if self.recorded is not None:
            return
        if self.kind not in DESIGNS:
            raise UsageError(f"unknown design {self.kind!r}: choose one of {', '.join(DESIGNS)}")
        if self.kind == "grid":
            dists = [p.path for p in self.params if p.dist is not None]
            if dists:
                raise UsageError(
                    f"--param {dists[0]}: a distribution is sampled, not gridded; use --design lhs, sobol or random"
                    " (with --samples N), or --ensemble N"
                )
            if self.samples is not None:
                raise UsageError("--samples is for lhs, sobol and random designs; a grid has all its points")
        elif not self.params:
            raise UsageError(f"a {self.kind} design needs at least one --param")
        elif self.samples is None or self.samples < 1:
            raise UsageError(f"a {self.kind} design needs --samples N (N >= 1)")
        if self.n_points > MAX_POINTS:
            raise UsageError(
                f"the design has {self.n_points:,} parameter points; at most {MAX_POINTS:,} fit in a sweep's "
                "metadata (use fewer values or an lhs/sobol design)"
            )

    @property
    def paths(self) -> list[str]:
        return [p.path for p in self.params]

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(p.size for p in self.params)

    @property
    def n_points(self) -> int:
        if self.recorded is not None:
            return len(self.recorded)
        if self.kind != "grid":
            return int(self.samples or 0)
        return math.prod(self.shape)

    def _sampled(self) -> list[list[Any]]:
        cached = self.__dict__.get("_cache")
        if cached is None:
            cached = self._sample()
            object.__setattr__(self, "_cache", cached)
        return cached

    def _sample(self) -> list[list[Any]]:

        n, d = int(self.samples or 0), len(self.params)
        # a stream of its own, independent of the run seeds drawn from the same master seed
        rng = np.random.default_rng(np.random.SeedSequence(self.master_seed, spawn_key=(1,)))
        if self.kind == "lhs":
            u = qmc.LatinHypercube(d=d, rng=rng).random(n)
        elif self.kind == "sobol":
            with warnings.catch_warnings():  # balance is best for a power of 2 (docs/sweeps.md)
                warnings.simplefilter("ignore", UserWarning)
                u = qmc.Sobol(d=d, scramble=True, rng=rng).random(n)
        else:
            u = rng.random((n, d))
        return [p.scale(u[:, j]) for j, p in enumerate(self.params)]

    def point(self, i: int) -> dict[str, Any]:
        """The parameter values of point ``i`` (``0 <= i < n_points``) as ``{path: value}``."""
        if not 0 <= i < self.n_points:
            raise IndexError(i)
        if self.recorded is not None:
            return dict(zip(self.paths, self.recorded[i], strict=True))
        if self.kind == "grid":
            out: dict[str, Any] = {}
            for p, size in zip(reversed(self.params), reversed(self.shape), strict=True):
                i, k = divmod(i, size)
                out[p.path] = p.grid_values()[k]
            return {p.path: out[p.path] for p in self.params}
        cols = self._sampled()
        return {p.path: cols[j][i] for j, p in enumerate(self.params)}

    def points(self) -> Iterator[dict[str, Any]]:
        for i in range(self.n_points):
            yield self.point(i)

    def describe(self) -> dict[str, Any]:
        """JSON-ready: kind, samples, master seed, the specs and every point (a list of values each)."""
        return {
            "kind": self.kind,
            "samples": self.samples,
            "master_seed": self.master_seed,
            "params": [p.describe() for p in self.params],
            "paths": self.paths,
            "n_points": self.n_points,
            "points": [[pt[path] for path in self.paths] for pt in self.points()],
        }


def design_from_metadata(d: Mapping[str, Any]) -> Design:
    """Rebuild the design recorded in metadata.json (its points as recorded, not re-sampled)."""
    specs = []
    for p in d["params"]:
        if "values" in p:
            specs.append(ParamSpec(p["path"], values=tuple(p["values"])))
        elif "dist" in p:
            specs.append(parse_spec(p["path"], ":".join(str(v) for v in p["dist"]), 1 if p["integer"] else 0.0))
        else:
            specs.append(ParamSpec(p["path"], start=p["start"], stop=p["stop"], count=p["count"], integer=p["integer"]))
    points = tuple(tuple(row) for row in d["points"])
    return Design(tuple(specs), d["kind"], d.get("samples"), int(d.get("master_seed", 0)), recorded=points)
