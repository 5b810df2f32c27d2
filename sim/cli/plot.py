"""``negsim plot DIR``: draw a figure of a sweep folder, a run folder or a scenario file.

Kinds by input: a sweep folder (``metadata.json`` of kind ``sweep``) gives ``acceptance`` (default), ``rounds``,
``heatmap`` and ``blocking``; a run folder (``trace.parquet``) gives ``trace`` (default) and ``space`` (with the
path of its offers); a scenario YAML file gives ``space``. The format follows the output's suffix (.png, .svg,
.pdf); the default output is ``DIR/<kind>.png`` (``results/<scenario>/space-<A>-<B>.png`` for a YAML file).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import matplotlib

from sim.core.compiled import compile_scenario
from sim.errors import UsageError
from sim.plots import run as plots_run
from sim.plots import sweep as plots
from sim.plots.pooling import pooled, subtitle, where_rows
from sim.scenario.labels import label_of
from sim.scenario.loader import load_scenario
from sim.scenario.paths import parse_value
from sim.store.results import load_run, load_sweep, read_sweep_metadata, scenario_from_metadata

SWEEP_KINDS = ("acceptance", "rounds", "heatmap", "blocking")
RUN_KINDS = ("trace", "space")
FORMATS = (".png", ".svg", ".pdf")


def main(args: argparse.Namespace) -> int:

    matplotlib.use("Agg")
    src = Path(args.dir)
    if not src.exists():
        raise UsageError(f"{src} does not exist: give a sweep folder, a run folder or a scenario file")
    what = _what(src)
    kind = args.kind or {"sweep": "acceptance", "run": "trace", "scenario": "space"}[what]
    allowed = {"sweep": SWEEP_KINDS, "run": RUN_KINDS, "scenario": ("space",)}[what]
    if kind not in allowed:
        raise UsageError(f"--kind {kind} needs a {_needs(kind)}; {src} is a {what} (it takes {', '.join(allowed)})")
    if what == "sweep":
        ax, default = _sweep_figure(src, kind, args), src / f"{kind}.png"
    else:
        ax, default = _run_figure(src, what, kind, args)
    out = Path(args.output) if args.output else default
    if out.suffix.lower() not in FORMATS:
        raise UsageError(f"-o {out}: the suffix chooses the format, one of {', '.join(FORMATS)}")
    out.parent.mkdir(parents=True, exist_ok=True)
    ax.figure.savefig(out, bbox_inches="tight", dpi=150)
    print(out)
    return 0


def _what(src: Path) -> str:
    if src.is_file() and src.suffix.lower() in (".yaml", ".yml"):
        return "scenario"
    if src.is_dir() and (src / "trace.parquet").is_file():
        return "run"
    if src.is_dir() and (src / "metadata.json").is_file():
        return "sweep"
    raise UsageError(f"{src} is neither a sweep folder, a run folder (trace.parquet) nor a scenario YAML file")


def _needs(kind: str) -> str:
    if kind in SWEEP_KINDS:
        return "sweep folder"
    return "run folder or a scenario file" if kind == "space" else "run folder"


def swept_params(meta: dict[str, Any]) -> list[str]:
    """The paths of a sweep's parameters, from its metadata (entries are paths or ``{"path": ...}``)."""
    return [p["path"] if isinstance(p, dict) else str(p) for p in meta.get("params", [])]


def round_unit(meta: dict[str, Any]) -> str | None:
    unit = ((meta.get("scenario") or {}).get("scenario") or {}).get("round_unit")
    return str(unit) if unit else None


def _param(value: str | None, params: list[str], flag: str, default_index: int | None) -> str | None:
    if value is None:
        if default_index is None:
            return None
        if len(params) <= default_index:
            raise UsageError(f"{flag}: this figure needs a swept parameter; the sweep has none")
        return params[default_index]
    if value not in params:
        raise UsageError(f"{flag} {value}: not a swept parameter; the sweep's are {', '.join(params) or 'none'}")
    return value


def _actors(text: str | None, known: list[str] | tuple[str, ...]) -> list[str] | None:
    if not text:
        return None
    names = [a.strip() for a in text.split(",") if a.strip()]
    unknown = [a for a in names if a not in known]
    if unknown:
        raise UsageError(f"--actors: unknown actor {', '.join(unknown)}; the scenario has {', '.join(known)}")
    return names


def set_changes(meta: dict[str, Any]) -> list[str]:
    """The ``--set PATH=VALUE`` edits behind a results folder, from the command in its metadata."""
    cmd = [str(c) for c in meta.get("command") or []]
    out = [cmd[i + 1] for i, c in enumerate(cmd[:-1]) if c == "--set"]
    return out + [c.split("=", 1)[1] for c in cmd if c.startswith("--set=")]


def where_args(texts: list[str], params: list[str]) -> dict[str, Any]:
    """``--where PATH=VALUE`` (repeatable) as {path: value}; the path must be a swept parameter."""
    out: dict[str, Any] = {}
    for text in texts:
        path, sep, value = text.partition("=")
        if not sep or path not in params:
            raise UsageError(
                f"--where {text}: give PATH=VALUE with PATH one of the swept {', '.join(params) or 'none'}"
            )
        out[path] = parse_value(value)
    return out


def _sweep_figure(src: Path, kind: str, args: argparse.Namespace) -> Any:

    meta = read_sweep_metadata(src)
    params = swept_params(meta)
    scenario = scenario_from_metadata(meta)
    lab = lambda p: label_of(scenario, p)  # noqa: E731
    where = where_args(getattr(args, "where", None) or [], params)
    df = where_rows(load_sweep(src), where)
    sets = set_changes(meta)
    head = meta.get("scenario_id", "") + (f" ({', '.join(sets)})" if sets else "")
    runs = plots.valid_runs(df)
    if runs.empty:
        raise UsageError(f"{src} has no finished run to plot" + (" at --where" if where else ""))
    x = y = by = None
    if kind == "acceptance":
        x = _param(args.x, params, "--x", 0)
        others = [p for p in params if p != x and p not in where]
        by = _param(args.by, params, "--by", None) or (others[0] if len(others) == 1 and not args.pool else None)
    elif kind == "rounds":
        x = _param(args.x, params, "--x", 0 if params else None)
    elif kind == "heatmap":
        if len(params) < 2:
            raise UsageError(f"--kind heatmap needs two swept parameters; the sweep has {', '.join(params) or 'none'}")
        x = _param(args.x, params, "--x", 0)
        y = _param(args.y, params, "--y", None) or next(p for p in params if p != x)
        if y == x:
            raise UsageError(f"--y {y}: choose a swept parameter other than --x ({', '.join(params)})")
    used = [p for p in (x, y, by) if p]
    pool = pooled(params, used, where)
    if pool and not args.pool:
        raise UsageError(
            f"--kind {kind} would pool over the swept {', '.join(pool)}: fix it with --where PATH=VALUE"
            + (", draw it with --by" if kind == "acceptance" else "") + ", or say --pool"
        )  # fmt: skip
    note = subtitle(runs, used, pool, where, lab)
    title = args.title
    if kind == "acceptance":
        signatories = scenario.signatories
        actors = _actors(args.actors, plots.actors_of(df)) or signatories
        ax = plots.acceptance(df, x, by=by, actors=actors, xlabel=args.xlabel or lab(x), ylabel=args.ylabel,  # type: ignore[arg-type]
                              by_label=lab(by) if by else None)  # fmt: skip
        return _titled(ax, title or f"{head}: P(deal) against {lab(x)}", f"{note}; 95% Wilson intervals")  # type: ignore[arg-type]
    if kind == "rounds":
        ax = plots.rounds(df, x, round_unit=round_unit(meta), x_label=lab(x) if x else None)
        _labels(ax, args)
        return _titled(ax, title or f"{head}: deals by round", note)
    if kind == "heatmap":
        ax = plots.heatmap(df, x, y, xlabel=args.xlabel or lab(x), ylabel=args.ylabel or lab(y))  # type: ignore[arg-type]
        return _titled(ax, title or f"{head}: P(deal)", note)
    ax = plots.blocking(df)
    _labels(ax, args)
    return _titled(ax, title or f"{head}: who blocked the last offer, over which clause", note)


def _labels(ax: Any, args: argparse.Namespace) -> None:
    if args.xlabel:
        ax.set_xlabel(args.xlabel)
    if args.ylabel:
        ax.set_ylabel(args.ylabel)


def _titled(ax: Any, title: str, note: str) -> Any:
    ax.set_title(f"{title}\n{note}", fontsize="medium")
    return ax


def _run_figure(src: Path, what: str, kind: str, args: argparse.Namespace) -> tuple[Any, Path]:

    if what == "scenario":
        scenario, tr, outcome, meta = load_scenario(src), None, None, dict[str, Any]()
    else:
        outcome, tr, meta = load_run(src)
        scenario = scenario_from_metadata(meta)
    cp = compile_scenario(scenario)
    sets = set_changes(meta)
    head = cp.scenario_id + (f" ({', '.join(sets)})" if sets else "")
    signatories = [cp.actors[i] for i in range(cp.n_actors) if cp.signatory[i]]
    if kind == "trace" and tr is not None:
        actors = _actors(args.actors, cp.actors) or signatories
        title = args.title or f"{head}, seed {meta.get('seed')}: {outcome.get('reason') if outcome else ''}"
        ax = plots_run.trace(tr, actors=actors, round_unit=scenario.scenario.round_unit, outcome=outcome, title=title)
        _labels(ax, args)
        return ax, src / "trace.png"
    pair = _actors(args.actors, cp.actors) or list(plots_run.most_opposed_pair(cp, signatories or cp.actors))
    if len(pair) != 2:
        raise UsageError(f"--actors: --kind space needs two actors, e.g. --actors {','.join(cp.actors[:2])}")
    ax = plots_run.space(cp, pair[0], pair[1], tr=tr, title=args.title)
    _labels(ax, args)
    default = (
        src / "space.png" if what == "run" else Path("results") / cp.scenario_id / f"space-{pair[0]}-{pair[1]}.png"
    )
    return ax, default
