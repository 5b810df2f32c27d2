"""A :class:`~sim.brief.content.Brief` as one self-contained HTML page (figures as base64 PNG data URIs, inline CSS,
no script, no external resource) or as Markdown with its figures written beside it."""

from __future__ import annotations

import base64
from html import escape
from pathlib import Path
from typing import Any

from sim.brief.content import Brief

CSS = """
body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em} h2{font-size:1.2em;border-bottom:1px solid #ccc;margin-top:1.6em}
table{border-collapse:collapse;margin:.5em 0;font-size:.92em} td,th{border:1px solid #ccc;padding:.25em .6em;
text-align:left} th{background:#f3f3f3} .num{text-align:right;font-variant-numeric:tabular-nums}
.headline{font-size:1.35em;background:#eef5fb;border-left:5px solid #0072B2;padding:.6em 1em}
.assumption{color:#9a4d00} pre{background:#f6f6f6;padding:.7em;overflow-x:auto} figure{margin:1em 0}
figcaption{font-size:.9em;color:#444} img{max-width:100%} .note{color:#555;font-size:.9em}
"""


def pct(p: float) -> str:
    return f"{p:.0%}" if p == p else "n/a"


def ci(c: Any) -> str:
    return f"[{c[0]:.0%}, {c[1]:.0%}]" if c else ""


def _rows(head: list[str], rows: list[list[str]], num: set[int] = frozenset()) -> str:  # type: ignore[assignment]
    h = "".join(f"<th>{escape(x)}</th>" for x in head)
    body = "".join(
        "<tr>" + "".join(f"<td{' class=num' if i in num else ''}>{escape(c)}</td>" for i, c in enumerate(r)) + "</tr>"
        for r in rows
    )
    return f"<table><tr>{h}</tr>{body}</table>"


def sections(b: Brief) -> list[tuple[str, list[str], list[list[str]]]]:
    """The tables of the brief, shared by both formats: (title, header, rows)."""
    h = b.headline
    stages = [[s["stage"], pct(s["p"]), ci(s["ci"]), f"{s.get('k', '')}/{s['n']}"] for s in h["stages"]]
    tagged = lambda rows: [[r["label"], r["path"], r["value"], r["provenance"], r.get("ref", "")] for r in rows]  # noqa: E731
    drivers = [[d["label"], f"{d['spread']:.0%}", "; ".join(f"{lv['level']}: {pct(lv['p'])} {ci(lv['ci'])}"
                for lv in d["levels"]), ", ".join(d["pooled"]) or "none"] for d in b.drivers]  # fmt: skip
    modal = h.get("modal_package") or {}
    package = [[b.labels.get(k, k), v.replace("_", " ")] for k, v in (modal.get("package") or {}).items()]
    return [
        ("Sourced numbers", ["number", "path", "value", "tag", "reference"], tagged(b.sourced)),
        ("Assumptions", ["number", "path", "value", "tag", "reference"], tagged(b.assumptions)),
        ("Assumed numbers", ["provenance entry", "path", "value(s)", "tag", "reference"], tagged(b.assumed)),
        ("Decomposition", ["stage / outcome", "share of runs", "95% interval", "runs"], stages),
        ("Drivers", ["swept parameter", "spread of P(deal)", "P(deal) by level", "pooled over"], drivers),
        ("Modal package", ["clause", "option"], package),
    ]


NONE = {
    "Drivers": "(none: no parameter swept)",
    "Sourced numbers": "(none: no number of this scenario is tagged sourced or inferred)",
}


def provenance_text(b: Brief) -> str:
    c = b.tag_counts
    if not c:
        return "Provenance: not recorded."
    text = (
        f"Tags of the scenario file's provenance section: {c['sourced']} numbers sourced, {c['inferred']} inferred,"
        f" {c['assumption']} assumptions"
    )
    return text + (f", {c['untagged']} untagged (read them as assumptions)." if c["untagged"] else ".")


def headline_text(b: Brief) -> str:
    h = b.headline
    return f"P(deal) = {pct(h['p_deal'])}, 95% interval {ci(h.get('ci'))}, over {h['n']} runs"


def pivotal_text(b: Brief) -> str:
    pv = b.headline.get("pivotal")
    if not pv:
        return "No run failed with a blocked offer."
    if isinstance(pv, dict) and "actor" in pv:
        who = b.labels.get(pv["actor"], pv["actor"])
        return (f"{who}: among the blockers of the last offer in {pct(pv['share_of_failed_runs'])} {ci(pv['ci'])} of"
                f" the {pv['n']} runs without a deal ({pv.get('kind', '')}).")  # fmt: skip
    return str(pv)


def modal_text(b: Brief) -> str:
    m = b.headline.get("modal_package")
    if not m:
        return "No run signed a deal: there is no modal package."
    return f"The most frequent signed package: {pct(m['share_of_deals'])} {ci(m['ci'])} of the {m['n']} deals."


def to_html(b: Brief) -> str:
    tabs = {t: _rows(head, rows, {1, 2} if t == "Decomposition" else set()) if rows or t not in NONE
            else f"<p>{escape(NONE[t])}</p>" for t, head, rows in sections(b)}  # fmt: skip
    hdr = "".join(f"<p><b>{escape(k.capitalize())}</b>: {escape(v)}</p>" for k, v in b.header.items())
    figs = "".join(
        f'<figure><img alt="{escape(name)}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'
        f"<figcaption>{escape(cap)}</figcaption></figure>"
        for name, cap, png in b.figures
    )
    caveats = "".join(f"<li>{escape(c)}</li>" for c in b.caveats)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(b.title)}: brief</title><style>{CSS}</style></head>
<body>
<h1>{escape(b.title)}</h1>
<h2>Question</h2><p>{escape(b.question)}</p>{hdr}
<h2>Sourced numbers</h2><p class="note">{escape(provenance_text(b))} Sourced and inferred numbers, one by one:</p>
{tabs["Sourced numbers"]}
<h2>Assumptions</h2><p class="note">The swept parameters and each signatory's reservation, discount and deadline, with
their tags:</p>{tabs["Assumptions"]}
<p class="note">Every assumed number of the file, by the provenance entry that tags it:</p>{tabs["Assumed numbers"]}
<h2>Headline</h2><p class="headline">{escape(headline_text(b))}</p>
<h2>Decomposition</h2><p class="note">Source: {escape(b.headline.get("source", ""))}.</p>{tabs["Decomposition"]}
<h2>Drivers</h2>{tabs["Drivers"]}
<h2>Figures</h2>{figs}
<h2>Modal package</h2><p>{escape(modal_text(b))}</p>{tabs["Modal package"]}
<h2>Who is pivotal</h2><p>{escape(pivotal_text(b))}</p>
<h2>Caveats</h2><ul>{caveats}</ul>
<h2>Reproduce</h2><pre>{escape(b.command)}</pre>
</body></html>
"""


def _md_table(head: list[str], rows: list[list[str]]) -> str:
    cell = lambda s: str(s).replace("|", "\\|")  # noqa: E731
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return "\n".join(lines + ["| " + " | ".join(cell(c) for c in r) + " |" for r in rows])


def to_markdown(b: Brief, out: Path) -> str:
    """The brief as Markdown; writes its figures as ``<out stem>-<name>.png`` beside ``out``."""
    tabs = {t: _md_table(head, rows) if rows else NONE.get(t, "(none)") for t, head, rows in sections(b)}
    figs = []
    for name, cap, png in b.figures:
        path = out.with_name(f"{out.stem}-{name}.png")
        path.write_bytes(png)
        figs.append(f"![{name}]({path.name})\n\n*{cap}*")
    hdr = "\n\n".join(f"**{k.capitalize()}**: {v}" for k, v in b.header.items())
    caveats = "\n".join(f"- {c}" for c in b.caveats)
    return (
        f"# {b.title}\n\n## Question\n\n{b.question}\n\n{hdr}\n\n## Sourced numbers\n\n{provenance_text(b)}\n\n"
        f"{tabs['Sourced numbers']}\n\n## Assumptions\n\n{tabs['Assumptions']}\n\nEvery assumed number of the file, by"
        f" the provenance entry that tags it:\n\n{tabs['Assumed numbers']}\n\n"
        f"## Headline\n\n**{headline_text(b)}**\n\n## Decomposition\n\nSource: {b.headline.get('source', '')}.\n\n"
        f"{tabs['Decomposition']}\n\n## Drivers\n\n{tabs['Drivers']}\n\n## Figures\n\n" + "\n\n".join(figs)
        + f"\n\n## Modal package\n\n{modal_text(b)}\n\n{tabs['Modal package']}\n\n## Who is pivotal\n\n"
        f"{pivotal_text(b)}\n\n## Caveats\n\n{caveats}\n\n## Reproduce\n\n```bash\n{b.command}\n```\n"
    )  # fmt: skip
