"""docs/sources.md keeps the sources inside the repository (issue 11): its tables of option lists and red lines are
those of the shipped scenarios, every section and source a shipped file cites exists there, and no scenario, doc or
README points outside the repository."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT, SCENARIOS

from sim import load_scenario

SOURCES = ROOT / "docs" / "sources.md"
SHIPPED = ("paris_2025", "paris_2026")


def _text() -> str:
    return SOURCES.read_text(encoding="utf-8")


def _ids(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def _rows(header_start: str) -> list[list[str]]:
    """The cells of the Markdown table whose header line starts with ``header_start``."""
    lines = _text().splitlines()
    i = next(k for k, ln in enumerate(lines) if ln.startswith(header_start))
    rows = []
    for ln in lines[i + 2 :]:
        if not ln.startswith("|"):
            break
        rows.append([c.strip() for c in ln.strip().strip("|").split("|")])
    return rows


def test_option_lists_are_the_shipped_ones():
    scenarios = [load_scenario(SCENARIOS / f"{name}.yaml") for name in SHIPPED]
    listed: dict[str, list[list[str]]] = {}
    for clause, _section, *cells in _rows("| clause | § |"):
        listed[_ids(clause)[0]] = [_ids(c) for c in cells]
    for k, s in enumerate(scenarios):
        shipped = {c: list(cl.options) for c, cl in s.clauses.items()}
        in_doc = {c: opts[k] for c, opts in listed.items() if opts[k]}
        assert in_doc == shipped, SHIPPED[k]


@pytest.mark.parametrize("name", SHIPPED)
def test_red_lines_are_the_shipped_ones(name):
    s = load_scenario(SCENARIOS / f"{name}.yaml")
    rows = {r[0]: r[2] for r in _rows(f"| actor | role | red lines in `{name}.yaml`")}
    assert set(rows) == set(s.actors)
    for actor, a in s.actors.items():
        shipped = {c: list(r.options) for c, r in (a.red_lines or {}).items() if r.options}
        in_doc: dict[str, list[str]] = {}
        for part in filter(None, (p.strip() for p in rows[actor].split(";"))):
            if part == "none":
                continue
            clause, opts = part.split(":", 1)
            in_doc[_ids(clause)[0]] = _ids(opts)
        assert in_doc == shipped, actor


def test_every_cited_section_and_source_is_on_the_page():
    text = _text()
    headings = set(re.findall(r"^#{2,3} ([A-F](?:\.\d+)?)[. ]", text, flags=re.M))
    sources = set(re.findall(r"^- \*\*\[([ST]\d+)\]\*\*", text, flags=re.M))
    assert {"A.1", "A.21", "B.1", "B.8", "C.11", "D.2", "D.4", "D.5"} <= headings
    assert {f"S{i}" for i in range(1, 29)} <= sources
    for f in sorted(SCENARIOS.rglob("*.yaml")):
        comments = "\n".join(ln.split("#", 1)[1] for ln in f.read_text(encoding="utf-8").splitlines() if "#" in ln)
        for sec in re.findall(r"§([A-F]\.\d+)", comments):
            assert sec in headings, f"{f.name} cites §{sec}"
        for ref in re.findall(r"\[([ST]\d+)\]", comments):
            assert ref in sources, f"{f.name} cites [{ref}]"


def test_nothing_points_outside_the_repository():
    outside = re.compile(r"\.\./shared|/work/|(?<![\w.])/(?:root|home|tmp|opt)/")
    files = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), *sorted(SCENARIOS.rglob("*.yaml"))]
    hits = [f"{f.relative_to(ROOT)}:{n}" for f in files for n, ln in enumerate(f.read_text().splitlines(), 1)
            if outside.search(ln)]  # fmt: skip
    assert not hits
