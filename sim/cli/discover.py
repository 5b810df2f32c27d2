"""``negsim discover DIR --outcome deal``: the box of parameter space (CART) where the outcome is likely."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def add_arguments(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("dir", metavar="DIR", help="a sweep folder (negsim sweep or negsim sensitivity)")
    sp.add_argument("--outcome", default="deal", help="deal (default), no-deal, accepted.ACTOR, no-accepted.ACTOR")
    sp.add_argument("--density", type=float, default=0.8, help="the box's least P(outcome) (default 0.8)")
    sp.add_argument("-o", "--output", metavar="FILE", help="the trade-off figure (default DIR/discover.png)")
    sp.add_argument("--json", action="store_true")


def main(args: argparse.Namespace) -> int:
    # lazy: the parser imports this module for add_arguments; matplotlib, pandas and scikit-learn load only to run
    import matplotlib

    # lazy: as above
    from sim.plots.sensitivity import tradeoff

    # lazy: as above
    from sim.sweeps.discover import discover

    matplotlib.use("Agg")
    d = discover(args.dir, args.outcome, args.density)
    fig_path = Path(args.output) if args.output else Path(args.dir) / "discover.png"
    tradeoff(d).get_figure(root=True).savefig(fig_path, dpi=130)  # type: ignore[union-attr]
    if args.json:
        print(json.dumps(d.to_json() | {"figure": str(fig_path)}, indent=2))
    else:
        print(f"{d}\nfigure: {fig_path}")
    return 0
