"""``negsim sweep``: a design of parameter points x seeds into a results folder (docs/sweeps.md).

Exit 0 when every run gave an outcome; 1 when any run raised (the summary and the table still hold every run,
and stderr says how many raised and the first error); 2 for a user error before any run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.cli.common import load_with_sets
from sim.errors import SweepFailed, UsageError
from sim.scenario.specs import parse_param_args
from sim.store.results import new_id
from sim.sweeps.run import resume, sweep

RESULT_FLAGS = (
    ("FILE", "file"),
    ("--param", "param"),
    ("--set", "sets"),
    ("--seeds", "seeds"),
    ("--master-seed", "master_seed"),
    ("--design", "design"),
    ("--samples", "samples"),
    ("--ensemble", "ensemble"),
    ("--chunk", "chunk"),
    ("--out", "out"),
    ("--overwrite", "overwrite"),
)
"""Flags that shape the results: with --resume they come from the folder's metadata.json instead."""


def main(args: argparse.Namespace) -> int:

    if args.resume:
        given = [flag for flag, name in RESULT_FLAGS if getattr(args, name) not in (None, [], False)]
        if given:
            raise UsageError(
                f"--resume takes the sweep's arguments from {args.resume}/metadata.json; drop {', '.join(given)}"
                " (only --workers, --executor, --scheduler and --quiet may change)"
            )
        folder = Path(args.resume)
        run = lambda: resume(  # noqa: E731
            folder, workers=args.workers, executor=args.executor, scheduler=args.scheduler, quiet=args.quiet
        )
    else:
        if not args.file:
            raise UsageError("give a scenario FILE to sweep, or --resume DIR to continue a sweep")

        scenario = load_with_sets(args.file, args.sets)
        folder = Path(args.out) if args.out else Path("results") / new_id(scenario.id)
        params = parse_param_args(args.param) or None
        run = lambda: sweep(  # noqa: E731
            scenario,
            params,
            seeds=args.seeds,
            design=args.design,
            samples=args.samples,
            master_seed=args.master_seed,
            workers=args.workers,
            executor=args.executor,
            scheduler=args.scheduler,
            chunk=args.chunk,
            out=folder,
            overwrite=args.overwrite,
            quiet=args.quiet,
            ensemble=args.ensemble,
        )
    try:
        result = run()
    except SweepFailed as exc:
        print(exc.result)
        print(f"negsim: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # one line: finished parts were kept (resume), or nothing was
        kept = (folder / "metadata.json").is_file()
        print(f"negsim: interrupted; {f'resume with negsim sweep --resume {folder}' if kept else 'nothing was saved'}",
              file=sys.stderr)  # fmt: skip
        return 130
    print(result)
    return 0
