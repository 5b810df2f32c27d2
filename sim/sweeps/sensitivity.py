"""Global sensitivity analysis: which uncertain numbers of a scenario drive its outcomes (docs/sensitivity.md).

SALib does the statistics; negsim only runs the points:

1. the inputs are SPECs (a range ``LO:HI`` = ``uniform:LO:HI``, a distribution, or a list of values);
2. SALib samples the unit cube, Saltelli's scheme (:func:`SALib.sample.sobol.sample`, ``N (D + 2)`` points,
   first-order and total indices only) or Morris' trajectories (:func:`SALib.sample.morris.sample`,
   ``N (D + 1)`` points on a 4-level grid); each column goes through its parameter's quantile function
   (:meth:`sim.scenario.specs.ParamSpec.scale`), so any distribution is allowed and a list is a choice;
3. the points run as an ordinary sweep (:func:`sim.sweeps.run.sweep` with an explicit :class:`Design`):
   ``seeds`` common-random-number replicates per point, resumable, parallel, on Dask;
4. each outcome is averaged over the seeds of each point (``deal`` -> P(deal); any numeric column of the
   sweep's table: ``rounds_played``, ``payoff.RU``, ``surplus.US``...), and
   :func:`SALib.analyze.sobol.analyze` (S1, ST, bootstrap 95 % intervals) or
   :func:`SALib.analyze.morris.analyze` (μ*, σ, the interval of μ*) gives the indices.

The indices describe the function ``θ -> E[outcome | θ]`` estimated with ``seeds`` replicates: seed noise left in
the per-point means adds to the variance no parameter explains (so S1 and ST shrink a little as seeds get few;
ST of a parameter the engine never reads stays at 0 because its Saltelli pairs share the same seeds). Morris'
μ* is in outcome units per whole range of the parameter (SALib's elementary effects on the unit cube).

Everything SALib needs to redo the analysis is in the folder's ``sensitivity.json`` (the method, the unit
sample, the seeds), so an interrupted analysis continues with ``negsim sensitivity --resume DIR``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.errors import UsageError
from sim.scenario.loader import load_scenario
from sim.scenario.paths import resolved_tree
from sim.scenario.specs import parse_params
from sim.store import results as R
from sim.sweeps.designs import Design
from sim.sweeps.run import SweepResult, resume, sweep

if TYPE_CHECKING:
    import pandas as pd

    from sim.scenario.models import Scenario

METHODS = ("sobol", "morris")
MORRIS_LEVELS = 4
FILE = "sensitivity.json"


def as_spec(spec: Any) -> Any:
    """``LO:HI`` (two numbers) is ``uniform:LO:HI``; anything else is an ordinary SPEC."""
    if isinstance(spec, str):
        parts = spec.strip().split(":")
        if len(parts) == 2:
            try:
                lo, hi = (float(p) for p in parts)
            except ValueError:
                return spec
            return f"uniform:{lo!r}:{hi!r}"
    return spec


def _salib_seed(master_seed: int) -> int:
    """SALib's seed from the master seed: a stream of its own (never 0: SALib's analyze treats 0 as no seed and
    falls back on numpy's global state)."""
    return int(np.random.SeedSequence(master_seed, spawn_key=(2,)).generate_state(1)[0] % (2**31 - 1)) + 1


def unit_sample(method: str, n_vars: int, samples: int, master_seed: int) -> np.ndarray:
    """SALib's sample of the unit cube ``[0, 1]^n_vars``: ``samples`` base points (Sobol) or trajectories."""
    # lazy: SALib (and its multiprocess import) costs ~0.5 s; only negsim sensitivity needs it
    from SALib.sample import morris as morris_sample

    # lazy: as above
    from SALib.sample import sobol as sobol_sample

    problem = {"num_vars": n_vars, "names": [f"x{j}" for j in range(n_vars)], "bounds": [[0.0, 1.0]] * n_vars}
    if method == "sobol":
        if samples & (samples - 1):
            raise UsageError(f"--samples {samples}: Saltelli's sampling needs a power of 2 (e.g. 64, 128, 256)")
        return np.asarray(sobol_sample.sample(problem, samples, calc_second_order=False, seed=_salib_seed(master_seed)))
    return np.asarray(morris_sample.sample(problem, samples, num_levels=MORRIS_LEVELS, seed=_salib_seed(master_seed)))


@dataclass(frozen=True)
class SensitivityResult:
    """The indices of each outcome (``{outcome: {path: {...}}}``), where the runs are, and the sweep's result."""

    method: str
    paths: list[str]
    indices: dict[str, dict[str, dict[str, float]]]
    folder: Path
    n_points: int
    n_seeds: int
    sweep: SweepResult | None = None

    def to_json(self) -> dict[str, Any]:
        first = next(iter(self.indices))
        return {
            "method": self.method,
            "outcome": first,
            "indices": self.indices[first],
            "outcomes": self.indices,
            "n_points": self.n_points,
            "seeds": self.n_seeds,
            "folder": str(self.folder),
        }

    def ranking(self, outcome: str | None = None) -> list[str]:
        """The paths by importance: ST (Sobol) or μ* (Morris), largest first."""
        idx = self.indices[outcome or next(iter(self.indices))]
        key = "ST" if self.method == "sobol" else "mu_star"
        return sorted(self.paths, key=lambda p: -np.nan_to_num(idx[p][key], nan=-1.0))

    def __str__(self) -> str:
        lines = []
        w = max(44, *(len(p) for p in self.paths))  # the longest path sets the column, so the numbers line up
        for outcome, idx in self.indices.items():
            head = f"Sobol indices of {outcome} (95% bootstrap intervals)"
            if self.method == "morris":
                head = f"Morris screening of {outcome} (mu* in {outcome} units per whole range; 95% interval of mu*)"
            cols = ("S1", "ST") if self.method == "sobol" else ("mu_star", "sigma")
            lines += [head + ":", f"  {'parameter':<{w}} {cols[0]:>18} {cols[1]:>18}"]
            for p in self.ranking(outcome):
                d = idx[p]
                if self.method == "sobol":
                    a, b = f"{d['S1']:.3f} ± {d['S1_conf']:.3f}", f"{d['ST']:.3f} ± {d['ST_conf']:.3f}"
                else:
                    a, b = f"{d['mu_star']:.3f} ± {d['mu_star_conf']:.3f}", f"{d['sigma']:.3f}"
                lines.append(f"  {p:<{w}} {a:>18} {b:>18}")
        lines.append(f"{self.n_points:,} points x {self.n_seeds} seeds in {self.folder}")
        return "\n".join(lines)


def sensitivity(
    scenario: Scenario | str | Path,
    params: Mapping[str, Any],
    *,
    method: str = "sobol",
    samples: int = 64,
    seeds: int = 4,
    outcomes: Sequence[str] = ("deal",),
    master_seed: int = 0,
    workers: int = 1,
    executor: str = "process",
    scheduler: str | None = None,
    out: str | Path | None = None,
    overwrite: bool = False,
    quiet: bool = True,
    _prepare: Callable[[Scenario], Any] | None = None,
) -> SensitivityResult:
    """Sobol (Saltelli) or Morris indices of each outcome over the parameters ``params`` (``{path: SPEC}``).

    ``samples``: Saltelli's base sample N (a power of 2; N (D + 2) points) or Morris' trajectories (N (D + 1)
    points); ``seeds`` replicates per point. Runs go to ``out`` like a sweep's (``sensitivity.json`` beside them).
    """
    if method not in METHODS:
        raise UsageError(f"unknown --method {method!r}: choose sobol or morris")
    if not isinstance(samples, int) or samples < 2:
        raise UsageError(f"--samples must be a whole number >= 2, got {samples!r}")
    if not params:
        raise UsageError("give at least one --param PATH=LO:HI|DIST")
    if not hasattr(scenario, "model_dump"):
        scenario = load_scenario(scenario)  # type: ignore[arg-type]
    assert not isinstance(scenario, str | Path)
    specs = tuple(parse_params(resolved_tree(scenario), {k: as_spec(v) for k, v in params.items()}))
    x = unit_sample(method, len(specs), samples, master_seed)
    cols = [p.scale(x[:, j]) for j, p in enumerate(specs)]
    kind = "saltelli" if method == "sobol" else "morris"  # recorded points: the kind only labels them
    design = Design(specs, kind, len(x), master_seed, recorded=tuple(zip(*cols, strict=True)))  # type: ignore[arg-type]
    folder = Path(out) if out is not None else Path("results") / R.new_id(scenario.id)
    res = sweep(scenario, None, seeds, design, master_seed=master_seed, workers=workers, executor=executor,
                scheduler=scheduler, out=folder, overwrite=overwrite, quiet=quiet, _prepare=_prepare,
                raise_on_error=False)  # fmt: skip
    conf = {"method": method, "samples": samples, "master_seed": master_seed, "paths": [p.path for p in specs]}
    R.write_json(folder / FILE, conf | {"outcomes": list(outcomes), "unit": x.tolist()})
    return analyze_folder(folder, outcomes, res)


def resume_sensitivity(folder: str | Path, *, workers: int = 1, executor: str = "process",
                       scheduler: str | None = None, quiet: bool = True,
                       outcomes: Sequence[str] | None = None,
                       _prepare: Callable[[Scenario], Any] | None = None) -> SensitivityResult:  # fmt: skip
    """Run what is missing of an interrupted analysis in ``folder``, then analyse it."""
    folder = Path(folder)
    if not (folder / FILE).exists():
        raise UsageError(f"{folder}: no {FILE}; not a negsim sensitivity folder")
    res = resume(folder, workers=workers, executor=executor, scheduler=scheduler, quiet=quiet, raise_on_error=False,
                 _prepare=_prepare)  # fmt: skip
    return analyze_folder(folder, outcomes, res)


def outcome_means(df: pd.DataFrame, n_points: int, outcome: str) -> np.ndarray:
    """Per point, the mean of ``outcome`` over its seeds (``deal`` -> P(deal)); a run that raised is an error."""
    if outcome not in df.columns or outcome in ("point", "replicate", "seed"):
        ids = ("point", "replicate", "seed")
        numeric = [c for c in df.columns if c == "deal" or (df[c].dtype.kind in "fiu" and c not in ids)]
        raise UsageError(f"unknown --outcome {outcome!r}: choose one of {', '.join(numeric)}")
    if df["error"].notna().any():
        first = df.loc[df["error"].notna(), "error"].iloc[0]
        raise UsageError(f"{int(df['error'].notna().sum())} runs raised (first: {str(first).splitlines()[0]})")
    y = df[outcome].astype(float).to_numpy()
    means = np.bincount(df["point"].to_numpy(), weights=y, minlength=n_points)
    counts = np.bincount(df["point"].to_numpy(), minlength=n_points)
    if (counts == 0).any():
        raise UsageError(f"{int((counts == 0).sum())} points have no runs yet; continue with --resume")
    out = means / counts
    if not np.isfinite(out).all():
        raise UsageError(f"--outcome {outcome} is not a number at every point (e.g. a utility with no deal)")
    return np.asarray(out)


def analyze_folder(folder: str | Path, outcomes: Sequence[str] | None = None,
                   res: SweepResult | None = None) -> SensitivityResult:  # fmt: skip
    """SALib's analysis of the runs in ``folder`` (written by :func:`sensitivity`)."""
    # lazy: SALib (and its multiprocess import) costs ~0.5 s; only negsim sensitivity needs it
    from SALib.analyze import morris as morris_analyze

    # lazy: as above
    from SALib.analyze import sobol as sobol_analyze

    folder = Path(folder)
    conf = json.loads((folder / FILE).read_text())
    df = R.load_sweep(folder)
    x = np.asarray(conf["unit"], dtype=float)
    paths = list(conf["paths"])
    problem = {"num_vars": len(paths), "names": paths, "bounds": [[0.0, 1.0]] * len(paths)}
    seed = _salib_seed(int(conf["master_seed"]))
    indices: dict[str, dict[str, dict[str, float]]] = {}
    for outcome in outcomes or conf["outcomes"]:
        y = outcome_means(df, len(x), outcome)
        if conf["method"] == "sobol":
            if np.ptp(y) == 0:  # no variance to apportion: SALib would divide by zero
                keys = ("S1", "S1_conf", "ST", "ST_conf")
                indices[outcome] = {p: dict.fromkeys(keys, math.nan) for p in paths}
                continue
            si = sobol_analyze.analyze(problem, y, calc_second_order=False, conf_level=0.95, seed=seed)
            keys = ("S1", "S1_conf", "ST", "ST_conf")
        else:
            si = morris_analyze.analyze(problem, x, y, num_levels=MORRIS_LEVELS, conf_level=0.95, seed=seed)
            keys = ("mu", "mu_star", "sigma", "mu_star_conf")
        indices[outcome] = {p: {k: float(si[k][j]) for k in keys} for j, p in enumerate(paths)}
    n_seeds = int(R.read_sweep_metadata(folder)["seeds"]["n"])
    return SensitivityResult(conf["method"], paths, indices, folder, len(x), n_seeds, res)
