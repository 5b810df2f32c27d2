"""The ``negsim`` command line (also ``python -m sim``).

Every command's handler lives in its own module (``sim.cli.<command>``) and is imported only when that command
runs, so that ``negsim validate`` starts fast. Errors in the user's input print as one line each and exit 2;
an unexpected internal error exits 1 with a short message (``--debug`` shows the traceback).
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from collections.abc import Callable
from importlib import import_module

from sim import __version__
from sim.cli import discover, importing, sensitivity
from sim.cli.ranges import check_ranges
from sim.errors import NegsimError, ScenarioError, escape

EPILOG = "Paths name any number of a scenario, e.g. actors.RU.reservation.expected_gain (docs/scenario-format.md)."


def build_parser() -> argparse.ArgumentParser:
    """The ``negsim`` parser: global options, then one subcommand per entry of :data:`COMMANDS`, in order."""
    parser = argparse.ArgumentParser(
        prog="negsim",
        description="Simulate multi-party negotiations described in scenario YAML files.",
        epilog=EPILOG,
    )
    parser.add_argument("--version", action="version", version=f"negsim {__version__}")
    parser.add_argument("--debug", action="store_true", help="show the traceback of internal errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, help_, add_arguments in COMMANDS:
        command = sub.add_parser(name, help=help_, description=help_, epilog=EPILOG)
        command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        add_arguments(command)
    return parser


def _sets(command: argparse.ArgumentParser) -> None:
    """``--set PATH=VALUE`` (repeatable): edits of the scenario before the command runs."""
    command.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="change one number of the scenario before running (repeatable), e.g. actors.RU.discount=0.9",
    )


def _validate_args(command: argparse.ArgumentParser) -> None:
    """One or more scenario files, ``--provenance`` (every number tagged) and ``--json``."""
    command.add_argument("files", nargs="+", metavar="FILE")
    command.add_argument(
        "--provenance",
        action="store_true",
        help="also require a provenance tag on every number (one error line per untagged number)",
    )
    command.add_argument("--json", action="store_true", help="print one JSON document: each file, its errors, its tags")


def _show_args(command: argparse.ArgumentParser) -> None:
    """A scenario file and its ``--set`` edits."""
    command.add_argument("file", metavar="FILE")
    _sets(command)


def _schema_args(command: argparse.ArgumentParser) -> None:
    """``--variant``: the schema of variant files instead (docs/variants.md)."""
    command.add_argument("--variant", action="store_true", help="the schema of variant files (docs/variants.md)")


def _run_args(command: argparse.ArgumentParser) -> None:
    """A scenario file, the master seed, ``--set`` edits, where (and whether) to save, and how much to print."""
    command.add_argument("file", metavar="FILE")
    command.add_argument("--seed", type=int, default=0, help="master seed (default 0)")
    _sets(command)
    command.add_argument(
        "--out",
        metavar="DIR",
        help="results root (default results): the run goes to DIR/<scenario>/<run-id>/, never overwritten",
    )
    command.add_argument("--no-save", action="store_true", help="do not write a results folder")
    command.add_argument("--json", action="store_true", help="print the outcome as JSON only")
    command.add_argument("--quiet", action="store_true", help="print only the outcome")


def _evaluate_args(command: argparse.ArgumentParser) -> None:
    """A scenario file, the packages to score, ``--set`` edits and ``--json``."""
    command.add_argument("file", metavar="FILE")
    command.add_argument("--package", required=True, metavar="PKG.yaml", help="YAML mapping {name: {clause: option}}")
    command.add_argument(
        "--nearest", action="store_true", help="also each package's nearest signed variant (fewest clause changes)"
    )
    _sets(command)
    command.add_argument("--json", action="store_true")


def _whatif_args(command: argparse.ArgumentParser) -> None:
    """A scenario file with a ``levers:`` menu, the packages, the target and the simulation."""
    command.add_argument("file", metavar="FILE")
    command.add_argument("--package", metavar="PKG.yaml", help="packages {name: {clause: option}} (default: any)")
    command.add_argument("--target", type=float, default=0.8, help="P(deal) to reach in simulation (default 0.8)")
    command.add_argument("--seeds", type=int, default=20, help="runs per candidate lever set (default 20)")
    command.add_argument("--tries", type=int, default=3, help="cheapest lever sets simulated at most (default 3)")
    command.add_argument("--no-sim", action="store_true", help="the MILP only: no simulation")
    command.add_argument("--workers", type=int, default=1)
    command.add_argument("--master-seed", type=int, default=0)
    _sets(command)
    command.add_argument("--json", action="store_true")


def _analyze_args(command: argparse.ArgumentParser) -> None:
    """A scenario file, ``--set`` edits, ``--max-frontier`` and ``--json``."""
    command.add_argument("file", metavar="FILE")
    _sets(command)
    command.add_argument(
        "--max-frontier",
        type=int,
        default=None,
        metavar="N",
        help="list at most N efficient packages (default 100 by enumeration, 10 by MILP; the count is reported)",
    )
    command.add_argument("--json", action="store_true")


def _sweep_args(command: argparse.ArgumentParser) -> None:
    """A scenario file (optional with ``--resume``), the design (parameters, seeds, samples), how to run it
    (workers, executor, chunks) and where to write it."""
    command.add_argument("file", nargs="?", metavar="FILE")
    command.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="PATH=SPEC",
        help="swept parameter: start:stop:count, v1,v2,... or a distribution (uniform:LO:HI, normal:MU:SIGMA, ...;"
        " docs/sweeps.md) (repeatable)",
    )
    _sets(command)
    command.add_argument("--seeds", type=int, help="seeds per parameter point")
    command.add_argument("--master-seed", type=int, help="master seed of the whole sweep (default 0)")
    command.add_argument("--design", choices=["grid", "lhs", "sobol", "random"])
    command.add_argument("--samples", type=int, help="parameter points for lhs/sobol/random designs")
    command.add_argument(
        "--ensemble", type=int, metavar="N", help="N parameter draws, each with --seeds of its own: parameters vs seeds"
    )
    command.add_argument("--workers", type=int, default=1)
    command.add_argument("--executor", choices=["process", "dask"], default="process")
    command.add_argument("--scheduler", metavar="ADDR", help="dask scheduler address (default: a LocalCluster)")
    command.add_argument("--chunk", type=int, help="runs per task and per Parquet part")
    command.add_argument("--out", metavar="DIR")
    command.add_argument("--overwrite", action="store_true", help="replace an existing --out folder")
    command.add_argument("--resume", metavar="DIR", help="continue an interrupted sweep in DIR")
    command.add_argument("--quiet", action="store_true")


def _plot_args(command: argparse.ArgumentParser) -> None:
    """A sweep or run folder, the kind of figure, its axes and grouping, and the output file."""
    command.add_argument("dir", metavar="DIR")
    command.add_argument(
        "--kind", choices=["acceptance", "rounds", "heatmap", "trace", "space", "blocking"], default=None
    )
    command.add_argument("--x", metavar="PATH")
    command.add_argument("--y", metavar="PATH")
    command.add_argument("--by", metavar="PATH")
    command.add_argument(
        "--actors", metavar="A,B", help="actors drawn (default: trace the signatories; space the most opposed two)"
    )
    command.add_argument(
        "--where", action="append", default=[], metavar="PATH=VALUE", help="keep the runs at one level of a swept PATH"
    )
    command.add_argument("--pool", action="store_true", help="allow pooling over the swept parameters not drawn")
    command.add_argument("--title")
    command.add_argument("--xlabel")
    command.add_argument("--ylabel")
    command.add_argument("-o", "--output", metavar="FILE")


def _brief_args(command: argparse.ArgumentParser) -> None:
    """A sweep folder or a scenario file (swept first: seeds, --set, workers, where), the output and its format."""
    command.add_argument("source", metavar="DIR|FILE", help="a sweep folder, or a scenario file to sweep first")
    command.add_argument("-o", "--output", metavar="FILE", default="brief.html")
    command.add_argument("--format", choices=["html", "md"], help="default: from -o's suffix")
    command.add_argument("--seeds", type=int, help="with a FILE: runs per point (default: its sweep's seeds, or 10)")
    _sets(command)
    command.add_argument("--workers", type=int, default=1)
    command.add_argument("--sweep-out", metavar="DIR", help="with a FILE: where its sweep goes")


def _dashboard_args(command: argparse.ArgumentParser) -> None:
    """The scenario, where to serve it (loopback by default) and how many runs each change re-plays."""
    command.add_argument("file", metavar="FILE")
    command.add_argument("--port", type=int, default=8765)
    command.add_argument("--host", default="127.0.0.1", help="default 127.0.0.1: this machine only")
    command.add_argument("--seeds", type=int, default=100, help="runs per change (default 100: P(deal) to about ±0.1)")
    command.add_argument("--master-seed", type=int, default=0)


def _explain_args(command: argparse.ArgumentParser) -> None:
    """A sweep folder or a scenario file (its sweep section, or ``--seeds`` runs at its point), ``--by``, ``--json``."""
    command.add_argument("source", metavar="DIR|FILE")
    command.add_argument("--by", metavar="PATH", help="break the decomposition down by a swept parameter")
    command.add_argument("--seeds", type=int, help="for a FILE: this many seeds at its point, not its sweep section")
    command.add_argument("--workers", type=int, default=1, help="for a FILE: worker processes")
    command.add_argument("--out", metavar="DIR", help="for a FILE: keep the sweep in DIR (default: a temporary one)")
    command.add_argument("--json", action="store_true")


COMMANDS: tuple[tuple[str, str, Callable[[argparse.ArgumentParser], None]], ...] = (
    (
        "validate",
        "check scenario files (--provenance: every number tagged); errors as FILE:LINE:COL: path: message",
        _validate_args,
    ),
    ("show", "print a scenario's actors x clauses (saliences, red lines, reservation values)", _show_args),
    ("schema", "print the JSON Schema of scenario files (for editor autocompletion)", _schema_args),
    ("run", "play one negotiation and print it round by round", _run_args),
    ("evaluate", "score given packages: utilities, surpluses, red lines, approvals, whether signed", _evaluate_args),
    ("whatif", "the cheapest levers of the scenario's menu that get a package signed (docs/whatif.md)", _whatif_args),
    ("analyze", "zone of agreement, Nash and Kalai-Smorodinsky packages, Pareto frontier", _analyze_args),
    ("sweep", "run a design of parameter points x seeds, in parallel, into a results folder", _sweep_args),
    ("plot", "draw a figure from a sweep or run folder (PNG, SVG or PDF by the file's suffix)", _plot_args),
    ("sensitivity", "Sobol or Morris indices: which uncertain numbers drive the outcome", sensitivity.add_arguments),
    ("discover", "CART: the boxes of parameter space where a deal is likely", discover.add_arguments),
    ("brief", "one self-contained HTML (or Markdown) brief of a sweep or a scenario (docs/brief.md)", _brief_args),
    ("explain", "why P(deal): stage decomposition, pivotal actors, modal package (docs/explain.md)", _explain_args),
    ("dashboard", "serve the live dashboard of a scenario as a web page (docs/dashboard.md)", _dashboard_args),
    (
        "import",
        "convert GENIUS XML or an LLM-Deliberation game into a scenario (docs/interop.md)",
        importing.import_arguments,
    ),
    ("export", "write a scenario as a GENIUS domain and profiles (docs/interop.md)", importing.export_arguments),
)
"""Each subcommand: its name, its help (also its description) and the function adding its arguments."""

MODULES = {"import": "importing", "export": "importing"}
"""Handler modules not named after their command (``import`` is a Python keyword)."""


EXIT_GRACE = 10.0  # seconds an interrupted negsim may spend in exit handlers before it ends anyway


def entry() -> None:
    """The ``negsim`` command (and ``python -m sim``): exits with :func:`main`'s code.

    After a Ctrl-C (code 130) the process ends within :data:`EXIT_GRACE` seconds even if an exit handler of a
    library hangs (``concurrent.futures`` joins its pool's threads at exit without a timeout): the folder and the
    message are final by then, so a daemon timer ends the process with ``os._exit(130)``.
    """
    code = main()
    if code == 130:
        sys.stdout.flush()
        sys.stderr.flush()
        timer = threading.Timer(EXIT_GRACE, os._exit, (130,))
        timer.daemon = True
        timer.start()
    sys.exit(code)


def main(argv: list[str] | None = None) -> int:
    """Run one ``negsim`` command (``argv``: its arguments, default ``sys.argv[1:]``); returns the exit code."""
    args = build_parser().parse_args(argv)

    try:
        check_ranges(args)
        handler = import_module(f"sim.cli.{MODULES.get(args.command, args.command)}")
        return int(handler.main(args) or 0)
    except ScenarioError as exc:
        for issue in exc.issues:
            print(issue.format(), file=sys.stderr)
        return 2
    except NegsimError as exc:
        print(f"negsim: error: {escape(str(exc))}", file=sys.stderr)
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
            f"negsim: internal error: {type(exc).__name__}: {escape(str(exc))} (run with --debug for the traceback)",
            file=sys.stderr,
        )
        return 1
