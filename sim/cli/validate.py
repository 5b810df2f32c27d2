"""``negsim validate FILE... [--provenance] [--json]``: every error of every file, or a one-line summary of each good
file. A variant file (docs/variants.md) is validated as the scenario it makes; with ``--provenance`` the numbers its
``set`` writes need tags in its own ``provenance``, and the base's untagged numbers are reported at the base's lines.

``--provenance`` also requires a tag on every number written in the file (:mod:`sim.scenario.provenance`): each
untagged number is one error line ``FILE:LINE:COL: PATH: untagged number …``, and so is each entry of ``provenance``
that tags no number. ``--json`` prints one JSON document on stdout instead (each file: ``ok``, ``errors`` with file,
line, column, path and message, and with ``--provenance`` every number's tag, reference and place); the exit code is
the same (2 when any file fails).
"""

from __future__ import annotations

import json
import sys
from argparse import Namespace
from typing import Any

from sim.errors import Issue, ScenarioError
from sim.scenario.loader import audit_file, load_scenario
from sim.scenario.provenance import Audit


def summary(s) -> str:
    n = s.n_packages()
    return (
        f"{len(s.actors)} actors, {len(s.clauses)} clauses, {n:,} packages, "
        f"signatories {', '.join(s.signatories)}, {s.scenario.max_rounds} rounds ({s.scenario.round_unit}), "
        f"agenda {s.protocol.agenda}"
    )


def provenance_issues(file: str, found: Audit, where: dict[str, tuple[int, int]]) -> list[Issue]:
    """One issue per untagged number and per entry that tags no number, in file order."""
    issues = []
    for n in found.untagged:
        line, col = where.get(n.path, (None, None))
        msg = (
            f"untagged number {n.value!r}: tag it, or a section holding it, in provenance"
            " (sourced with a ref, inferred or assumption)"
        )
        issues.append(Issue(msg, n.parts, line, col, found.files.get(n.path, file)))
    for key in found.unused:
        line, col = where.get(f"provenance.{key}", (None, None))
        at = found.files.get(f"provenance.{key}", file)
        issues.append(Issue("tags no number of the scenario", ("provenance", key), line, col, at))
    return sorted(issues, key=lambda i: (i.line or 0, i.col or 0))


def counts_text(found: Audit) -> str:
    c = found.counts()
    return (
        f"{len(found.numbers)} numbers: {c['sourced']} sourced, {c['inferred']} inferred, {c['assumption']} assumption"
    )


def _issue_json(i: Issue) -> dict[str, Any]:
    return {"file": i.file, "line": i.line, "col": i.col, "path": i.dotted, "message": i.message}


def _audit_json(found: Audit, where: dict[str, tuple[int, int]]) -> dict[str, Any]:
    def place(path: str) -> dict[str, int | None]:
        line, col = where.get(path, (None, None))
        return {"line": line, "col": col}

    numbers = [
        {
            "path": n.path,
            **place(n.path),
            "value": n.value,
            "tag": n.tag,
            "entry": n.entry,
            "ref": n.ref,
            "note": n.note,
        }
        for n in found.numbers
    ]
    return {
        "counts": found.counts(),
        "numbers": numbers,
        "untagged": [n.path for n in found.untagged],
        "unused": found.unused,
    }


def check(file: str, provenance: bool) -> dict[str, Any]:
    """The result of validating one file: ok, its errors (issues), summary and (``provenance``) its audit."""
    out: dict[str, Any] = {"file": file, "ok": False, "issues": [], "summary": None}
    try:
        if provenance:
            s, found, where = audit_file(file)
        else:
            s, found, where = load_scenario(file), None, {}
    except ScenarioError as exc:
        out["issues"] = exc.issues
        return out
    out["summary"] = summary(s)
    if found is not None:
        out["audit"] = (found, where)
        out["issues"] = provenance_issues(file, found, where)
    out["ok"] = not out["issues"]
    return out


def main(args: Namespace) -> int:
    results = [check(f, args.provenance) for f in args.files]
    status = 0 if all(r["ok"] for r in results) else 2
    if args.json:
        files = []
        for r in results:
            item = {"file": r["file"], "ok": r["ok"], "summary": r["summary"]}
            item["errors"] = [_issue_json(i) for i in r["issues"]]
            if "audit" in r:
                item["provenance"] = _audit_json(*r["audit"])
            files.append(item)
        print(json.dumps({"ok": status == 0, "files": files}, indent=2))
        return status
    for r in results:
        f = r["file"]
        if r["ok"]:
            extra = f"; provenance: {counts_text(r['audit'][0])}" if "audit" in r else ""
            print(f"{f}: ok: {r['summary']}{extra}")
            continue
        for issue in r["issues"]:
            print(issue.format(), file=sys.stderr)
        n = len(r["issues"])
        print(f"{f}: {n} error{'s' if n != 1 else ''}", file=sys.stderr)
    return status
