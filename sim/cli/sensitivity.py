"""``negsim sensitivity FILE --param PATH=LO:HI|DIST ...``: Sobol or Morris indices (docs/sensitivity.md)."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

from sim.cli.common import load_with_sets
from sim.errors import UsageError
from sim.scenario.labels import label_of
from sim.scenario.specs import parse_param_args


def add_arguments(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("file", nargs="?", metavar="FILE")
    sp.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="PATH=LO:HI|DIST",
        help="an uncertain number: LO:HI (uniform) or a distribution, e.g. beta:2:5:0:0.4 (repeatable)",
    )
    sp.add_argument("--set", dest="sets", action="append", default=[], metavar="PATH=VALUE")
    sp.add_argument("--method", choices=["sobol", "morris"], default="sobol")
    sp.add_argument("--samples", type=int, default=64, help="Saltelli's N (a power of 2) or Morris' trajectories")
    sp.add_argument("--seeds", type=int, default=4, help="seeds per point (default 4)")
    sp.add_argument(
        "--outcome",
        action="append",
        default=[],
        metavar="COLUMN",
        help="deal (default), rounds_played, payoff.ACTOR, surplus.ACTOR... (repeatable)",
    )
    sp.add_argument("--master-seed", type=int, default=0)
    sp.add_argument("--workers", type=int, default=1)
    sp.add_argument("--executor", choices=["process", "dask"], default="process")
    sp.add_argument("--scheduler", metavar="ADDR")
    sp.add_argument("--out", metavar="DIR")
    sp.add_argument("--overwrite", action="store_true")
    sp.add_argument("--resume", metavar="DIR", help="finish an interrupted analysis in DIR")
    sp.add_argument("-o", "--output", metavar="FILE", help="the tornado figure (default DIR/sensitivity.png)")
    sp.add_argument("--json", action="store_true")
    sp.add_argument("--quiet", action="store_true")  # fmt: skip


def main(args: argparse.Namespace) -> int:
    # lazy: the parser imports this module for add_arguments; matplotlib and the sweep stack load only to run
    import matplotlib

    # lazy: as above
    from sim.plots.sensitivity import tornado

    # lazy: as above
    from sim.store.results import read_sweep_metadata, scenario_from_metadata

    # lazy: as above
    from sim.sweeps.sensitivity import resume_sensitivity, sensitivity

    matplotlib.use("Agg")
    outcomes = args.outcome or None
    scenario = None
    if args.resume:
        quiet = args.quiet or args.json
        res = resume_sensitivity(args.resume, workers=args.workers, executor=args.executor,
                                 scheduler=args.scheduler, quiet=quiet, outcomes=outcomes)  # fmt: skip
        scenario = scenario_from_metadata(read_sweep_metadata(args.resume))  # the figure's labels
    else:
        if not args.file:
            raise UsageError("give a scenario FILE, or --resume DIR to finish an analysis")
        scenario = load_with_sets(args.file, args.sets)
        res = sensitivity(scenario, parse_param_args(args.param), method=args.method, samples=args.samples,
                          seeds=args.seeds, outcomes=outcomes or ["deal"], master_seed=args.master_seed,
                          workers=args.workers, executor=args.executor, scheduler=args.scheduler, out=args.out,
                          overwrite=args.overwrite, quiet=args.quiet or args.json)  # fmt: skip
    fig_path = Path(args.output) if args.output else res.folder / "sensitivity.png"
    ax = tornado(res, labels={p: label_of(scenario, p) for p in res.paths})
    ax.get_figure(root=True).savefig(fig_path, dpi=130)  # type: ignore[union-attr]
    if args.json:
        print(json.dumps(_nulls(res.to_json() | {"figure": str(fig_path)}), indent=2, allow_nan=False))
    else:
        print(f"{res}\nfigure: {fig_path}")
    return 0


def _nulls(obj: Any) -> Any:
    """NaN (an index of an outcome that never varies) as JSON's null: NaN is not valid JSON."""
    if isinstance(obj, float) and math.isnan(obj):
        return None
    if isinstance(obj, dict):
        return {k: _nulls(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_nulls(v) for v in obj]
    return obj
