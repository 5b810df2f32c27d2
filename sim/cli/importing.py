"""``negsim import genius|llm-deliberation`` and ``negsim export genius`` (docs/interop.md).

An import builds the scenario document, validates it as ``negsim validate`` would (an importer that wrote an invalid
file would be a bug: it fails here, not later), and writes it as YAML to ``-o FILE`` or to standard output.
"""

from __future__ import annotations

import argparse
import sys
from argparse import Namespace
from pathlib import Path
from typing import Any

import yaml

from sim.scenario.loader import load_scenario, scenario_from_document


def import_arguments(command: argparse.ArgumentParser) -> None:
    sub = command.add_subparsers(dest="format", metavar="FORMAT", required=True)
    g = sub.add_parser("genius", help="a GENIUS 10.x domain and its linear-additive profiles")
    g.add_argument("domain", metavar="DOMAIN.xml")
    g.add_argument("profiles", nargs="+", metavar="PROFILE.xml")
    g.add_argument("--rounds", type=int, default=100, help="max_rounds of the scenario (default 100)")
    g.add_argument("-o", "--output", metavar="FILE", help="the scenario YAML (default: standard output)")
    d = sub.add_parser("llm-deliberation", help="an LLM-Deliberation game folder (config.txt, scores_files/)")
    d.add_argument("game", metavar="GAME_DIR")
    d.add_argument("--rounds", type=int, default=24, help="max_rounds of the scenario (default 24)")
    d.add_argument("-o", "--output", metavar="FILE", help="the scenario YAML (default: standard output)")


def export_arguments(command: argparse.ArgumentParser) -> None:
    sub = command.add_subparsers(dest="format", metavar="FORMAT", required=True)
    g = sub.add_parser("genius", help="a GENIUS 10.x domain and one linear-additive profile per actor")
    g.add_argument("file", metavar="FILE")
    g.add_argument("-o", "--output", metavar="DIR", required=True, help="folder for DOMAIN.xml and the profiles")


def dump(doc: dict[str, Any]) -> str:
    """The document as YAML (block style, key order kept; floats as Python's repr, so they read back exactly)."""
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=120)


def main(args: Namespace) -> int:
    # lazy: sim.cli.main imports this module for its parsers; the converters (and numpy) load only to run
    from sim.interop import genius, genius_export, llm_deliberation

    if args.command == "export":
        for f in genius_export.export(load_scenario(args.file), args.output):
            print(f)
        return 0
    if args.rounds < 1:
        print(f"negsim: error: --rounds {args.rounds}: at least 1", file=sys.stderr)
        return 2
    if args.format == "genius":
        doc = genius.scenario_document(args.domain, args.profiles, args.rounds)
    else:
        doc = llm_deliberation.scenario_document(args.game, args.rounds)
    scenario_from_document(doc)  # validate: raises ScenarioError (exit 2) on an importer bug
    text = dump(doc)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0
