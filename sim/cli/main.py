"""The ``negsim`` command line (also ``python -m sim``).

Every command's handler lives in its own module (``sim.cli.<command>``) and is imported only when that command
runs, so that ``negsim validate`` starts fast. Errors in the user's input print as one line each and exit 2;
an unexpected internal error exits 1 with a short message (``--debug`` shows the traceback).
"""

from __future__ import annotations

import argparse
import sys
from importlib import import_module

from sim import __version__
from sim.errors import NegsimError, ScenarioError, UsageError
from sim.scenario.edit import tweak
from sim.scenario.loader import load_scenario
from sim.scenario.paths import parse_value

EPILOG = "Paths name any number of a scenario, e.g. actors.RU.reservation.expected_gain (docs/scenario-format.md)."


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="negsim",
        description="Simulate multi-party negotiations described in scenario YAML files.",
        epilog=EPILOG,
    )
    p.add_argument("--version", action="version", version=f"negsim {__version__}")
    p.add_argument("--debug", action="store_true", help="show the traceback of internal errors")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def cmd(name: str, help_: str) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help_, description=help_, epilog=EPILOG)
        sp.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        return sp

    def sets(sp: argparse.ArgumentParser) -> None:
        sp.add_argument(
            "--set",
            dest="sets",
            action="append",
            default=[],
            metavar="PATH=VALUE",
            help="change one number of the scenario before running (repeatable), e.g. actors.RU.discount=0.9",
        )

    sp = cmd("validate", "check scenario files; print every error as FILE:LINE:COL: path: message")
    sp.add_argument("files", nargs="+", metavar="FILE")

    sp = cmd("show", "print a scenario's actors x clauses (saliences, red lines, reservation values)")
    sp.add_argument("file", metavar="FILE")
    sets(sp)

    cmd("schema", "print the JSON Schema of scenario files (for editor autocompletion)")

    sp = cmd("run", "play one negotiation and print it round by round")
    sp.add_argument("file", metavar="FILE")
    sp.add_argument("--seed", type=int, default=0, help="master seed (default 0)")
    sets(sp)
    sp.add_argument(
        "--out",
        metavar="DIR",
        help="results root (default results): the run goes to DIR/<scenario>/<run-id>/, never overwritten",
    )
    sp.add_argument("--no-save", action="store_true", help="do not write a results folder")
    sp.add_argument("--json", action="store_true", help="print the outcome as JSON only")
    sp.add_argument("--quiet", action="store_true", help="print only the outcome")

    sp = cmd("evaluate", "score given packages: utilities, surpluses, red lines, approvals, whether signed")
    sp.add_argument("file", metavar="FILE")
    sp.add_argument("--package", required=True, metavar="PKG.yaml", help="YAML mapping {name: {clause: option}}")
    sets(sp)
    sp.add_argument("--json", action="store_true")

    sp = cmd("analyze", "zone of agreement, Nash and Kalai-Smorodinsky packages, Pareto frontier")
    sp.add_argument("file", metavar="FILE")
    sets(sp)
    sp.add_argument("--json", action="store_true")

    sp = cmd("sweep", "run a design of parameter points x seeds, in parallel, into a results folder")
    sp.add_argument("file", nargs="?", metavar="FILE")
    sp.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="PATH=SPEC",
        help="swept parameter: start:stop:count or v1,v2,... (repeatable)",
    )
    sets(sp)
    sp.add_argument("--seeds", type=int, help="seeds per parameter point")
    sp.add_argument("--master-seed", type=int, help="master seed of the whole sweep (default 0)")
    sp.add_argument("--design", choices=["grid", "lhs", "sobol", "random"])
    sp.add_argument("--samples", type=int, help="parameter points for lhs/sobol/random designs")
    sp.add_argument("--workers", type=int, default=1)
    sp.add_argument("--executor", choices=["process", "dask"], default="process")
    sp.add_argument("--scheduler", metavar="ADDR", help="dask scheduler address (default: a LocalCluster)")
    sp.add_argument("--chunk", type=int, help="runs per task and per Parquet part")
    sp.add_argument("--out", metavar="DIR")
    sp.add_argument("--overwrite", action="store_true", help="replace an existing --out folder")
    sp.add_argument("--resume", metavar="DIR", help="continue an interrupted sweep in DIR")
    sp.add_argument("--quiet", action="store_true")

    sp = cmd("plot", "draw a figure from a sweep or run folder (PNG, SVG or PDF by the file's suffix)")
    sp.add_argument("dir", metavar="DIR")
    sp.add_argument("--kind", choices=["acceptance", "rounds", "heatmap", "trace", "space", "blocking"], default=None)
    sp.add_argument("--x", metavar="PATH")
    sp.add_argument("--y", metavar="PATH")
    sp.add_argument("--by", metavar="PATH")
    sp.add_argument("--actors", metavar="A,B", help="two actors for --kind space")
    sp.add_argument("-o", "--output", metavar="FILE")

    sp = cmd("dashboard", "serve the live dashboard of a scenario as a web page (docs/dashboard.md)")
    sp.add_argument("file", metavar="FILE")
    sp.add_argument("--port", type=int, default=8765)
    sp.add_argument("--host", default="127.0.0.1", help="default 127.0.0.1: this machine only")
    sp.add_argument("--seeds", type=int, default=100, help="runs per change (default 100: P(deal) to about ±0.1)")
    sp.add_argument("--master-seed", type=int, default=0)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)

    try:
        handler = import_module(f"sim.cli.{args.command}")
        return int(handler.main(args) or 0)
    except ScenarioError as exc:
        for issue in exc.issues:
            print(issue.format(), file=sys.stderr)
        return 2
    except NegsimError as exc:
        print(f"negsim: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("negsim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:  # the machine, not negsim: a full disk, a read-only folder...
        where = f": {exc.filename}" if exc.filename else ""
        print(f"negsim: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 1
    except Exception as exc:
        if args.debug:
            raise
        print(
            f"negsim: internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)",
            file=sys.stderr,
        )
        return 1


def load_with_sets(path: str, sets: list[str]):
    """Load a scenario and apply ``--set PATH=VALUE`` changes (shared by every command that takes a file)."""

    scenario = load_scenario(path)
    if not sets:
        return scenario
    changes = {}
    for item in sets:
        if "=" not in item:
            raise UsageError(f"--set {item!r}: expected PATH=VALUE, e.g. actors.RU.discount=0.9")
        key, value = item.split("=", 1)
        changes[key.strip()] = parse_value(value)
    return tweak(scenario, changes)
