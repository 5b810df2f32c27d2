"""``negsim validate FILE...``: every error of every file, or a one-line summary of each good file."""

from __future__ import annotations

import sys
from argparse import Namespace

from sim.errors import ScenarioError
from sim.scenario.loader import load_scenario


def summary(s) -> str:
    n = s.n_packages()
    return (
        f"{len(s.actors)} actors, {len(s.clauses)} clauses, {n:,} packages, "
        f"signatories {', '.join(s.signatories)}, {s.scenario.max_rounds} rounds ({s.scenario.round_unit}), "
        f"agenda {s.protocol.agenda}"
    )


def main(args: Namespace) -> int:
    status = 0
    for f in args.files:
        try:
            s = load_scenario(f)
        except ScenarioError as exc:
            for issue in exc.issues:
                print(issue.format(), file=sys.stderr)
            n = len(exc.issues)
            print(f"{f}: {n} error{'s' if n != 1 else ''}", file=sys.stderr)
            status = 2
            continue
        print(f"{f}: ok: {summary(s)}")
    return status
