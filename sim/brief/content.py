"""What a brief says, computed from a sweep folder: every number of the page, and its figures as PNG bytes.

Provenance comes from the scenario's ``provenance:`` section (:mod:`sim.scenario.provenance`): the sourced and inferred
numbers are listed one by one, apart from the assumptions; the key numbers (the swept parameters, each signatory's
reservation, discount and deadline) show their value, tag and reference; every other assumed number is counted under
the entry that tags it. A number no entry tags is shown as "untagged" (read it as an assumption). The header's
SOURCED/ASSUMPTIONS lines are quoted.
"""

from __future__ import annotations

import io
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd

from sim.brief.decomposition import decompose
from sim.core.stats import wilson_interval
from sim.plots import sweep as plots
from sim.plots.pooling import subtitle
from sim.scenario.labels import label_of, value_label
from sim.scenario.models import Scenario
from sim.scenario.paths import lookup, parse_path, resolved_tree
from sim.scenario.provenance import Audit, Number, audit, provenance_of
from sim.store.results import load_sweep, read_sweep_metadata, scenario_from_metadata


@dataclass
class Brief:
    """Everything a brief shows (rendered by :mod:`sim.brief.render`)."""

    title: str
    question: str
    header: dict[str, str]
    assumptions: list[dict[str, str]]
    headline: dict[str, Any]
    drivers: list[dict[str, Any]]
    caveats: list[str]
    command: str
    figures: list[tuple[str, str, bytes]] = field(default_factory=list)  # (name, caption, PNG)
    sourced: list[dict[str, str]] = field(default_factory=list)  # every sourced or inferred number
    assumed: list[dict[str, str]] = field(default_factory=list)  # every assumed number, by the entry that tags it
    tag_counts: dict[str, int] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)


def header_comments(source: str | None) -> dict[str, str]:
    """The SOURCED / ASSUMPTIONS / EXPECTED OUTCOME paragraphs and the first line of a scenario file's header."""
    if not source or not Path(source).is_file():
        return {}
    lines = []
    for line in Path(source).read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line[1:].strip())
    out: dict[str, str] = {"summary": lines[0]} if lines else {}
    key = None
    for line in lines[1:]:
        m = re.match(r"(SOURCED|ASSUMPTIONS|EXPECTED OUTCOME)\b[^:]*:\s*(.*)", line)
        if m:
            key = m.group(1).lower()
            out[key] = m.group(2)
        elif key and line:
            out[key] += " " + line
        else:
            key = None
    return out


def _reference(n: Number) -> str:
    """The reference and note of a tag as one text (where an inherited number is written, when it is elsewhere)."""
    parts = [t for t in (n.ref, n.note) if t]
    if n.origin and n.origin != n.path:
        parts.append(f"written in {n.origin}")
    elif n.origin is None:
        parts.append("not in the file: the model's default")
    return "; ".join(parts)


def _tag(n: Number) -> str:
    if n.tag:
        return n.tag
    return "untagged" if n.origin else "untagged (default of the model)"


def _assumptions(scenario: Scenario, params: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The swept parameters, then each signatory's reservation, discount and deadline: value, tag and reference."""
    tree = resolved_tree(scenario)
    rows = []
    for p in params:
        path = p["path"]
        values = p.get("values") or [p.get("start"), p.get("stop")]
        shown = ", ".join(value_label(v) for v in values) if "values" in p else f"{p['start']:g} to {p['stop']:g}"
        n = provenance_of(scenario, path)
        rows.append({"path": path, "label": label_of(scenario, path), "value": f"swept: {shown}",
                     "provenance": f"{_tag(n)} (swept)", "ref": _reference(n)})  # fmt: skip
    swept = {r["path"] for r in rows}
    for a in scenario.signatories:
        for leaf in ("reservation.war_cost", "reservation.expected_gain", "discount", "deadline.round",
                     "deadline.credibility"):  # fmt: skip
            path = f"actors.{a}.{leaf}"
            if path in swept:
                continue
            try:
                value = lookup(tree, parse_path(path))
            except Exception:  # the actor has no such field (no deadline): not shown
                continue
            if value is None or isinstance(value, dict | list):
                continue
            n = provenance_of(scenario, path)
            rows.append({"path": path, "label": label_of(scenario, path), "value": value_label(value),
                         "provenance": _tag(n), "ref": _reference(n)})  # fmt: skip
    return rows


def _sourced(scenario: Scenario, found: Audit) -> list[dict[str, str]]:
    """Every number of the file tagged sourced or inferred, one row each."""
    return [{"path": n.path, "label": label_of(scenario, n.path), "value": value_label(n.value),
             "provenance": str(n.tag), "ref": _reference(n)}
            for n in found.numbers if n.tag in ("sourced", "inferred")]  # fmt: skip


def _assumed(scenario: Scenario, found: Audit) -> list[dict[str, str]]:
    """The assumed (and untagged) numbers of the file, one row per entry that tags them: how many, their range."""
    groups: dict[str | None, list[Number]] = {}
    for n in found.numbers:
        if n.tag not in ("sourced", "inferred"):
            groups.setdefault(n.entry, []).append(n)
    rows = []
    for entry, ns in groups.items():
        values = sorted(float(n.value) for n in ns if n.value is not None)
        shown = value_label(ns[0].value) if len(ns) == 1 else f"{len(ns)} numbers, {values[0]:g} to {values[-1]:g}"
        rows.append({"path": entry or "(no entry)", "label": label_of(scenario, entry) if entry else "untagged",
                     "value": shown, "provenance": ns[0].tag or "untagged", "ref": _reference(ns[0]) if entry
                     else "no provenance entry tags these numbers: read them as assumptions"})  # fmt: skip
    return rows


def _provenance_caveat(counts: dict[str, int]) -> str:
    total = sum(counts.values())
    text = (
        f"Of the {total} numbers of the scenario file, {counts['sourced']} are sourced and {counts['inferred']}"
        f" inferred from sourced facts (listed under Sourced numbers); {counts['assumption']} are analyst's"
        ' assumptions, as its provenance section tags them (docs/sources.md, "Assumed, not sourced").'
    )
    if counts["untagged"]:
        text += f" {counts['untagged']} carry no tag: read them as assumptions."
    return text


def _png(ax: Any) -> bytes:
    buf = io.BytesIO()
    ax.figure.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(ax.figure)
    return buf.getvalue()


def _drivers(df: pd.DataFrame, scenario: Scenario, paths: list[str]) -> list[dict[str, Any]]:
    """Per swept parameter: P(deal) at each of its levels (the others pooled, as stated) and the spread."""
    runs = plots.valid_runs(df)
    out = []
    for path in paths:
        t = runs.groupby(plots.levels(runs[path]), sort=True)["deal"].agg(n="size", deals="sum").reset_index()
        lo, hi = wilson_interval(t["deals"], t["n"])
        rows = [{"level": value_label(v), "p": d / n, "ci": [float(a), float(b)], "n": int(n)}
                for v, d, n, a, b in zip(t[path], t["deals"], t["n"], lo, hi, strict=True)]  # fmt: skip
        ps = [r["p"] for r in rows]
        others = [label_of(scenario, p) for p in paths if p != path]
        out.append({"path": path, "label": label_of(scenario, path), "levels": rows, "spread": max(ps) - min(ps),
                    "pooled": others})  # fmt: skip
    return sorted(out, key=lambda d: -d["spread"])


def _figures(df: pd.DataFrame, scenario: Scenario, paths: list[str], unit: str | None) -> list[tuple[str, str, bytes]]:
    lab = lambda p: label_of(scenario, p)  # noqa: E731
    runs = plots.valid_runs(df)
    figs = []
    if paths:
        x, by = paths[0], (paths[1] if len(paths) > 1 else None)
        pooled = paths[2:]
        ax = plots.acceptance(df, x, by=by, actors=None if by else scenario.signatories, xlabel=lab(x),
                              by_label=lab(by) if by else None)  # fmt: skip
        note = subtitle(runs, [p for p in (x, by) if p], pooled, {}, lab)
        ax.set_title(f"P(deal) against {lab(x)}\n{note}; 95% Wilson intervals", fontsize="medium")
        figs.append(("acceptance", f"P(deal) against {lab(x)}" + (f", one curve per {lab(by)}" if by else "")
                     + f". {note}.", _png(ax)))  # fmt: skip
    ax = plots.rounds(df, paths[1] if len(paths) > 1 else None, round_unit=unit,
                      x_label=lab(paths[1]) if len(paths) > 1 else None)  # fmt: skip
    keys = paths[1:2]
    note = subtitle(runs, keys, [p for p in paths if p not in keys], {}, lab)
    ax.set_title(f"Deals by round\n{note}", fontsize="medium")
    figs.append(("rounds", f"Cumulative share of runs with a deal by round. {note}.", _png(ax)))
    ax = plots.blocking(df)
    note = subtitle(runs, [], paths, {}, lab)
    ax.set_title(f"Structural blocks and failed ratifications\n{note}", fontsize="medium")
    what = (
        "Share of runs in which each actor rejected the last offer structurally (below its reservation value),"
        " by the smallest change that would bring it there, or failed to ratify (0–1 scale)"
    )
    figs.append(("blocking", f"{what}. {note}.", _png(ax)))
    return figs


def reproduce_command(meta: dict[str, Any], folder: Path, out: str) -> str:
    """The commands that rebuild the brief: the sweep's own command line (from its metadata), then ``negsim brief``."""
    cmd = [str(c) for c in meta.get("command") or []]
    sweep = shlex.join(["negsim", *cmd[1:]]) if cmd else f"# sweep command not recorded in {folder}/metadata.json"
    if len(cmd) > 1 and cmd[1] == "brief":
        return shlex.join(["negsim", *cmd[1:]])
    return f"{sweep}\nnegsim brief {shlex.quote(str(folder))} -o {shlex.quote(out)}"


def build(folder: str | Path, out: str = "brief.html", explain: Any = None) -> Brief:
    """The brief of a sweep folder (``explain``: the decomposition function, see :mod:`sim.brief.decomposition`)."""
    folder = Path(folder)
    meta = read_sweep_metadata(folder)
    df = load_sweep(folder)
    scenario = scenario_from_metadata(meta)
    params = [p if isinstance(p, dict) else {"path": str(p)} for p in meta.get("params", [])]
    paths = [p["path"] for p in params]
    header = header_comments(meta.get("scenario_source"))
    sets = [c for i, c in enumerate(meta.get("command") or []) if i and meta["command"][i - 1] == "--set"]
    title = f"{scenario.scenario.title or scenario.id}" + (f" ({', '.join(sets)})" if sets else "")
    question = (
        f"How likely is a signed agreement in {scenario.id} (as of {scenario.scenario.as_of or 'unstated'}), "
        + (f"and how does it depend on {', '.join(label_of(scenario, p) for p in paths)}?" if paths
           else "at the scenario's numbers?")
    )  # fmt: skip
    headline = decompose(df, scenario, explain)
    n_err = len(df) - headline["n"]
    found = audit(scenario)
    caveats = [
        _provenance_caveat(found.counts()),
        f"Intervals are 95% Wilson intervals over {headline['n']} runs (seeds); they cover the seeds' randomness only,"
        " not the uncertainty of the assumed numbers.",
    ]
    if headline.get("source", "").startswith("sweep table"):
        caveats.append("This table predates the stage columns: the decomposition shows the share of each outcome"
                       " reason, not stage probabilities, and pivotal is the actor most often rejecting the last"
                       " offer of failed runs, not counterfactual blame (re-run the sweep for explain's).")  # fmt: skip
    else:
        caveats.append("Pivotal: the actor whose rejection alone (every other required actor accepting), or whose"
                       " failed ratification, stopped a run (docs/explain.md).")  # fmt: skip
    if n_err:
        caveats.append(f"{n_err} runs raised an error and are left out.")
    unit = scenario.scenario.round_unit
    return Brief(title=title, question=question, header=header, assumptions=_assumptions(scenario, params),
                 headline=headline, drivers=_drivers(df, scenario, paths), caveats=caveats,
                 command=reproduce_command(meta, folder, out), figures=_figures(df, scenario, paths, unit),
                 labels={a: label_of(scenario, a) for a in [*scenario.actors, *scenario.clauses]},
                 sourced=_sourced(scenario, found), assumed=_assumed(scenario, found),
                 tag_counts=found.counts())  # fmt: skip
