"""A sweep's plan: the design, the replicate seeds, the chunks, and the scenario of each point.

Replicate ``r`` uses the same seed at every point (common random numbers): ``SEED_RULE``; in an ensemble
(``--ensemble N``) each point (draw) has seeds of its own, ``ENSEMBLE_SEED_RULE``, and a chunk is one draw.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.errors import UsageError
from sim.scenario.edit import tweak
from sim.scenario.models import SweepSpec
from sim.scenario.paths import resolved_tree
from sim.store import results as R
from sim.sweeps.designs import Design, parse_params
from sim.sweeps.ensemble import ENSEMBLE_SEED_RULE, ensemble_seeds
from sim.sweeps.executors import Chunk

if TYPE_CHECKING:
    from sim.scenario.models import Scenario


MAX_RUNS = 100_000_000
MAX_LISTED_SEEDS = 100_000
SEED_RULE = "numpy.random.SeedSequence(master_seed).generate_state(seeds, dtype=uint64) >> 1"


def replicate_seeds(master_seed: int, n: int) -> np.ndarray:
    """The per-replicate seeds (int64, below 2**63), the same at every parameter point.

    >>> replicate_seeds(0, 3).tolist() == replicate_seeds(0, 5)[:3].tolist()
    True
    """
    return (np.random.SeedSequence(master_seed).generate_state(n, dtype=np.uint64) >> np.uint64(1)).astype(np.int64)


def default_chunk(n_runs: int, workers: int, n_seeds: int = 1) -> int:
    """About eight chunks per worker, each of 50 to 500 runs (fewer when the sweep is smaller), rounded down to a
    whole number of points when a point's ``n_seeds`` runs fit: a point's seeds share its mediator's searches, and a
    point split across two workers has them done twice (docs/sweeps.md, "Performance")."""
    base = max(1, min(n_runs, max(50, min(500, n_runs // (8 * max(1, workers))))))
    return base if n_seeds > base else n_seeds * (base // n_seeds)


# -- the plan and the folder ------------------------------------------------------------------------------
@dataclass
class Plan:
    scenario: Scenario
    design: Design
    n_seeds: int
    master_seed: int
    chunk: int
    sweep_id: str
    ensemble: bool = False
    seeds: np.ndarray = field(init=False)
    token: str = field(init=False)

    def __post_init__(self) -> None:
        if self.ensemble:  # (draws, seeds): every draw its own; one draw per chunk carries its seeds
            self.seeds = ensemble_seeds(self.master_seed, self.design.n_points, self.n_seeds)
            self.chunk = self.n_seeds
        else:
            self.seeds = replicate_seeds(self.master_seed, self.n_seeds)
        # Workers keep one prepared scenario per point between chunks; the token keeps two sweeps that share a
        # folder name (or a worker process) from ever sharing one.
        self.token = secrets.token_hex(8)

    @property
    def n_runs(self) -> int:
        return self.design.n_points * self.n_seeds

    def chunk_of(self, start: int, prepare: Callable[[Scenario], Any] | None) -> Chunk:
        stop = min(start + self.chunk, self.n_runs)
        pts = range(start // self.n_seeds, (stop - 1) // self.n_seeds + 1)
        reps = range(self.n_seeds) if len(pts) > 1 else range(start % self.n_seeds, (stop - 1) % self.n_seeds + 1)
        return Chunk(
            f"{self.sweep_id}#{self.token}",
            start,
            stop,
            self.n_seeds,
            {p: self.design.point(p) for p in pts},
            {r: int(self.seeds[pts[0], r] if self.ensemble else self.seeds[r]) for r in reps},
            prepare,
        )

    def metadata(self) -> dict[str, Any]:
        rule = ENSEMBLE_SEED_RULE if self.ensemble else SEED_RULE
        seeds: dict[str, Any] = {"master_seed": self.master_seed, "n": self.n_seeds, "rule": rule}
        if self.ensemble:
            seeds["ensemble"] = True
        if self.seeds.size <= MAX_LISTED_SEEDS:
            seeds["values"] = self.seeds.tolist()
        return R.base_metadata(self.scenario, "sweep") | {
            "sweep_id": self.sweep_id,
            "status": "running",
            "params": [p.describe() for p in self.design.params],
            "design": self.design.describe(),
            "seeds": seeds,
            "master_seed": self.master_seed,
            "n_points": self.design.n_points,
            "n_runs": self.n_runs,
            "chunk": self.chunk,
            "run_index": "run = point * seeds + replicate; parts/part-<first run>.parquet",
        }


def plan_sweep(
    scenario: Scenario,
    params: Mapping[str, Any] | None,
    seeds: int | None,
    design: str | Design | None,
    samples: int | None,
    master_seed: int | None,
    chunk: int | None,
    workers: int,
    sweep_id: str,
    ensemble: int | None = None,
) -> Plan:
    """Fill what is not given from the scenario's ``sweep:`` section, then check everything before any run.
    ``ensemble``: N draws (a ``random`` design unless ``design`` says lhs or sobol), each with seeds of its own."""

    spec = scenario.sweep or SweepSpec()
    if ensemble is not None:
        if not isinstance(ensemble, int) or ensemble < 2:
            raise UsageError(f"--ensemble must be a whole number >= 2, got {ensemble!r}")
        if samples is not None:
            raise UsageError("--ensemble N is the number of draws: drop --samples")
        if design not in (None, "random", "lhs", "sobol"):
            raise UsageError(f"--ensemble draws its points: --design random (default), lhs or sobol, not {design!r}")
        if chunk is not None:
            raise UsageError("--chunk is one draw (its --seeds runs) in an ensemble: drop --chunk")
        design, samples = design or "random", ensemble
    params = spec.params if params is None else params
    kind = design or spec.design
    if samples is None and kind != "grid":
        samples = spec.samples
    n_seeds = spec.seeds if seeds is None else seeds
    master = spec.master_seed if master_seed is None else master_seed
    for name, v, low in (("--seeds", n_seeds, 1), ("--workers", workers, 1), ("--master-seed", master, 0)):
        if not isinstance(v, int) or v < low:
            raise UsageError(f"{name} must be a whole number >= {low}, got {v!r}")
    if chunk is not None and chunk < 1:
        raise UsageError(f"--chunk must be >= 1, got {chunk}")
    tree = resolved_tree(scenario)
    if isinstance(kind, Design):  # explicit points (negsim sensitivity: SALib's), recorded as they are
        d = kind
    else:
        d = Design(tuple(parse_params(tree, dict(params))), kind, samples, master)  # type: ignore[arg-type]
    n_runs = d.n_points * n_seeds
    if n_runs > MAX_RUNS:
        raise UsageError(f"{d.n_points:,} points x {n_seeds:,} seeds = {n_runs:,} runs; at most {MAX_RUNS:,}")
    for p in d.params:  # every value of every parameter validates (a clear error now, not later)
        if p.dist is not None:  # its support must lie in the field's range (infinite: the values drawn must)
            drawn = [pt[p.path] for pt in d.points()]
            ends = [v if math.isfinite(v) else f(drawn) for v, f in zip(p.support, (min, max), strict=True)]
            for end in ends:
                try:
                    tweak(scenario, {p.path: p._cast(end)})
                except UsageError as exc:
                    raise UsageError(f"--param {p.path}: the distribution {':'.join(map(str, p.dist))} reaches "
                                     f"{end:.6g}, outside the field's range: {exc}") from None  # fmt: skip
            continue
        vals = list(p.grid_values() if d.kind == "grid" else (p.values or (p.start, p.stop)))
        for v in vals[:: max(1, len(vals) // 20)] + vals[-1:]:
            tweak(scenario, {p.path: p._cast(v) if p.is_range else v})
    if ensemble is not None and n_seeds < 2:
        raise UsageError("an ensemble needs --seeds K >= 2 per draw to measure the seed noise")
    chunk = chunk or default_chunk(n_runs, workers, n_seeds)
    return Plan(scenario, d, n_seeds, master, chunk, sweep_id, ensemble=ensemble is not None)


# -- the public entry points -----------------------------------------------------------------------------
