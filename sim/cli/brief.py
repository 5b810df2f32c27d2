"""``negsim brief DIR|FILE``: the brief of a sweep folder, or of a scenario file swept first (docs/brief.md).

A scenario FILE is swept with its ``sweep:`` section (or at its own numbers when it has none) with ``--seeds`` runs
per point into ``--sweep-out`` (default ``results/<scenario>-<id>``), then briefed. ``--format`` follows ``-o``'s
suffix (.html, .md) unless given; Markdown writes its figures beside the file.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

from sim.brief.content import build
from sim.brief.render import to_html, to_markdown
from sim.cli.common import load_with_sets
from sim.errors import UsageError
from sim.store.results import new_id
from sim.sweeps.run import sweep


def main(args: argparse.Namespace) -> int:

    matplotlib.use("Agg")
    src, out = Path(args.source), Path(args.output)
    fmt = args.format or {".md": "md", ".html": "html", ".htm": "html"}.get(out.suffix.lower())
    if fmt is None:
        raise UsageError(f"-o {out}: give a .html or .md file, or --format html|md")
    if src.is_file() and src.suffix.lower() in (".yaml", ".yml"):
        scenario = load_with_sets(str(src), args.sets)
        folder = Path(args.sweep_out) if args.sweep_out else Path("results") / new_id(f"{scenario.id}-brief")
        sweep(scenario, None, seeds=args.seeds or (None if scenario.sweep else 10), workers=args.workers,
              out=folder, overwrite=bool(args.sweep_out), quiet=True)  # fmt: skip
    elif src.is_dir() and (src / "metadata.json").is_file():
        if args.sets or args.seeds:
            raise UsageError(f"{src} is a sweep folder: --set and --seeds apply to a scenario FILE only")
        folder = src
    else:
        raise UsageError(f"{src}: give a sweep folder (with metadata.json) or a scenario YAML file")
    brief = build(folder, out=str(out))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(to_html(brief) if fmt == "html" else to_markdown(brief, out), encoding="utf-8")
    print(out)
    return 0
