"""Provenance on every number (issue #16): the ``provenance:`` section, ``negsim validate --provenance [--json]`` and
the brief's tables built from the tags.

An untagged number fails with its file:line:col and path (a number under a list shorthand or an actor-level shock at
the place it is written); an unknown path and a ``sourced`` tag without a ref fail on every load; an entry that tags no
number fails under ``--provenance``; every shipped scenario passes, and each reference it gives names a section or a
source of docs/sources.md. The longest-match rule is checked against brute force on random paths.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import ROOT, SCENARIOS
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from sim import load_scenario, scenario_from_document, tweak
from sim.brief.content import _assumed, _assumptions, _sourced
from sim.errors import ScenarioError
from sim.scenario.loader import audit_file
from sim.scenario.provenance import audit, covering, provenance_of
from sim.scenario.schema import written_schema
from sim.scenario.yamlio import parse_yaml, read_yaml_file

SHIPPED = sorted(SCENARIOS.glob("*.yaml"))
UNTAGGED = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<path>\S+): untagged number (?P<value>\S+):")


def _copy(tmp_path: Path, name: str, edit=lambda text: text) -> Path:
    out = tmp_path / name
    out.write_text(edit((SCENARIOS / name).read_text(encoding="utf-8")), encoding="utf-8")
    return out


def _drop_entry(key: str):
    """An edit removing the provenance entry of ``key`` (one line of the section)."""

    def edit(text: str) -> str:
        lines = text.splitlines(keepends=True)
        start = next(k for k, ln in enumerate(lines) if ln.startswith("provenance:"))
        hits = [k for k in range(start, len(lines)) if lines[k].startswith(f"  {key}: ")]
        assert len(hits) == 1, key
        del lines[hits[0]]
        return "".join(lines)

    return edit


def _count_numbers(node) -> int:
    if isinstance(node, dict):
        return sum(_count_numbers(v) for v in node.values())
    if isinstance(node, list):
        return sum(_count_numbers(v) for v in node)
    return int(isinstance(node, int | float) and not isinstance(node, bool))


def _line_col(path: Path, line_text: str, value: str) -> tuple[int, int]:
    """1-based line and column of ``value`` on the one line holding ``line_text``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    (k,) = [k for k, ln in enumerate(lines) if line_text in ln]
    start = lines[k].index(line_text)
    return k + 1, lines[k].index(value, start) + 1


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_every_shipped_scenario_tags_every_number(cli, path):
    r = cli("validate", "--provenance", path.relative_to(ROOT))
    assert r.returncode == 0, r.stderr
    m = re.search(r"provenance: (\d+) numbers: (\d+) sourced, (\d+) inferred, (\d+) assumption$", r.stdout.strip())
    assert m, r.stdout
    total, *tags = map(int, m.groups())
    assert total == sum(tags) > 0
    _, found, where = audit_file(path)
    assert found.untagged == [] and found.unused == []
    assert all(n.path in where for n in found.numbers)  # every number has its place in the file


def test_shipped_tags_are_honest(paris2025, paris2026):
    """Most numbers are assumptions; what is sourced is what docs/sources.md sources (the QMV thresholds)."""
    for s in (paris2025, paris2026):
        c = audit(s).counts()
        assert c["assumption"] > 0.9 * sum(c.values())
    sourced = {n.path for n in audit(paris2026).numbers if n.tag == "sourced"}
    assert sourced == {"decision_rules.qmv.member_share", "decision_rules.qmv.population_share"}
    assert not any(n.tag == "sourced" for n in audit(paris2025).numbers)
    assert provenance_of(paris2026, "actors.RU.reservation.expected_gain").tag == "assumption"


def test_every_shipped_reference_is_in_the_sources_page(paris2025, paris2026, toy):
    text = (ROOT / "docs" / "sources.md").read_text(encoding="utf-8")
    headings = set(re.findall(r"^#{2,3} ([A-F](?:\.\d+)?)[. ]", text, flags=re.M))
    sources = set(re.findall(r"^- \*\*\[([ST]\d+)\]\*\*", text, flags=re.M))
    for s in (paris2025, paris2026, toy):
        for key, p in s.provenance.items():
            for sec in re.findall(r"§([A-F]\.\d+)", p.ref or ""):
                assert sec in headings, f"{s.id}: {key} cites §{sec}"
            for ref in re.findall(r"\[([ST]\d+)\]", p.ref or ""):
                assert ref in sources, f"{s.id}: {key} cites [{ref}]"


def test_an_untagged_number_fails_with_file_line_and_path(cli, tmp_path):
    f = _copy(tmp_path, "paris_2025.yaml", _drop_entry("protocol"))
    r = cli("validate", "--provenance", f)
    assert r.returncode == 2 and r.stdout == ""
    errors = r.stderr.strip().splitlines()
    assert errors[-1] == f"{f}: 1 error"
    m = UNTAGGED.match(errors[0])
    assert m, errors[0]
    line, col = _line_col(f, "acceptance: {model: logit, lambda: 20}", "lambda")  # a value is placed at its key
    assert (m["file"], int(m["line"]), int(m["col"]), m["path"], m["value"]) == (
        str(f),
        line,
        col,
        "protocol.acceptance.lambda",
        "20",
    )
    assert cli("validate", f).returncode == 0  # without --provenance tags are not required


def test_one_line_per_untagged_number_at_the_place_it_is_written(cli, tmp_path):
    """The list shorthand's items and a shock written under an actor are reported where they are written."""
    f = _copy(tmp_path, "bilateral_toy.yaml", _drop_entry("actors"))
    r = cli("validate", "--provenance", f)
    lines = [UNTAGGED.match(x) for x in r.stderr.strip().splitlines()[:-1]]
    assert r.returncode == 2 and all(lines)
    raw, _, _ = read_yaml_file(f)
    assert len(lines) == _count_numbers(raw["actors"]) == 28  # list items count one each
    got = {m["path"]: (int(m["line"]), int(m["col"])) for m in lines}
    assert got["actors.A.utilities.price.mid"] == _line_col(f, "price: [0.0, 0.4, 0.8, 1.0]", "0.4")
    g = _copy(tmp_path, "paris_2026.yaml", _drop_entry("shocks"))
    r = cli("validate", "--provenance", g)
    (only,) = [UNTAGGED.match(x) for x in r.stderr.strip().splitlines()[:-1]]
    assert only and only["path"] == "shocks.0.p" and only["value"] == "0.5"
    assert (int(only["line"]), int(only["col"])) == _line_col(g, "shocks: [{id: hungary_election", "p: 0.5")


def test_a_new_number_under_a_tagged_section_is_covered_elsewhere_it_fails(cli, tmp_path):
    """Why section entries merge well: a field added under ``actors.RU`` is tagged by its section's entry; one added
    to an actor without an entry is reported."""

    def edit(text: str) -> str:
        return text.replace("  FR: {role: approver_contributor, inherits: E3_base}",
                            "  FR: {role: approver_contributor, inherits: E3_base, discount: 0.9}")  # fmt: skip

    f = _copy(tmp_path, "paris_2025.yaml", edit)
    r = cli("validate", "--provenance", f)
    (m,) = [UNTAGGED.match(x) for x in r.stderr.strip().splitlines()[:-1]]
    assert m and m["path"] == "actors.FR.discount" and m["value"] == "0.9"
    s = tweak(load_scenario(SCENARIOS / "paris_2025.yaml"), {"actors.RU.reservation.value": 0.4})
    assert provenance_of(s, "actors.RU.reservation.value").entry == "actors.RU"
    assert audit(s).untagged == []


def test_an_unknown_path_fails_on_every_load(cli, tmp_path):
    f = _copy(tmp_path, "paris_2025.yaml", lambda t: t + "  actors.RU.reservaton.expected_gain: {tag: assumption}\n")
    r = cli("validate", f)
    assert r.returncode == 2
    line = len(f.read_text(encoding="utf-8").splitlines())
    assert r.stderr.splitlines()[0] == (
        f"{f}:{line}:3: provenance.actors.RU.reservaton.expected_gain: path 'actors.RU.reservaton.expected_gain' names"
        " nothing in this scenario: unknown key 'reservaton'; did you mean 'reservation'?"
    )
    for bad, why in (("actors.XX", "unknown key 'XX'"), ("sweep.seeds", "need no provenance"),
                     ("actors..RU", "bad path")):  # fmt: skip
        g = _copy(tmp_path, "paris_2025.yaml", lambda t, b=bad: t + f"  {b}: {{tag: assumption}}\n")
        with pytest.raises(ScenarioError, match=re.escape(why)):
            load_scenario(g)


def test_sourced_needs_a_ref_and_tags_are_checked(tmp_path):
    for entry, why in (("{tag: sourced}", "a sourced number needs a ref"),
                       ("{tag: sourced, ref: '  '}", "a sourced number needs a ref"),
                       ("{tag: guessed}", "'sourced', 'inferred' or 'assumption'"),
                       ("{tag: assumption, source: x}", "unknown key 'source'")):  # fmt: skip
        f = _copy(tmp_path, "bilateral_toy.yaml", lambda t, e=entry: t + f"  actors.A.discount: {e}\n")
        with pytest.raises(ScenarioError, match=re.escape(why)) as exc:
            load_scenario(f)
        assert exc.value.issues[0].line == len(f.read_text(encoding="utf-8").splitlines())
    validator = Draft202012Validator(written_schema())  # the schema says so too
    data, _, _ = read_yaml_file(SCENARIOS / "bilateral_toy.yaml")
    assert not list(validator.iter_errors(data))
    data["provenance"]["actors.A.discount"] = {"tag": "sourced"}
    assert list(validator.iter_errors(data))


def test_an_entry_tagging_no_number_fails_under_provenance(cli, tmp_path):
    f = _copy(tmp_path, "paris_2025.yaml", lambda t: t + "  clauses: {tag: sourced, ref: '§A.1'}\n")
    assert cli("validate", f).returncode == 0  # the path exists
    r = cli("validate", "--provenance", f)
    line = len(f.read_text(encoding="utf-8").splitlines())
    assert r.returncode == 2 and f"{f}:{line}:3: provenance.clauses: tags no number of the scenario" in r.stderr


def test_edits_keep_the_tags_and_an_unset_section_waits(paris2025):
    t = tweak(paris2025, {"actors.US.deadline": None, "actors.RU.reservation.expected_gain": 0.3})
    assert t.provenance == paris2025.provenance
    assert provenance_of(t, "actors.RU.reservation.expected_gain").entry == "actors.RU.reservation.expected_gain"
    assert tweak(t, {"actors.US.deadline": {"round": 2}}).actors["US"].deadline is not None


def test_json_output(cli, tmp_path):
    r = cli("validate", "--provenance", "--json", "scenarios/paris_2026.yaml")
    assert r.returncode == 0 and r.stderr == ""
    doc = json.loads(r.stdout)
    (item,) = doc["files"]
    assert doc["ok"] and item["ok"] and item["errors"] == []
    prov = item["provenance"]
    assert prov["untagged"] == [] and prov["unused"] == []
    n = len(audit(load_scenario(SCENARIOS / "paris_2026.yaml")).numbers)
    assert sum(prov["counts"].values()) == len(prov["numbers"]) == n
    by_path = {n["path"]: n for n in prov["numbers"]}
    q = by_path["decision_rules.qmv.member_share"]
    assert (q["tag"], q["value"], q["entry"]) == ("sourced", 0.55, "decision_rules.qmv.member_share")
    assert "TEU art. 16(4)" in q["ref"] and isinstance(q["line"], int)
    assert by_path["profiles.E3_base.discount"]["entry"] == "profiles.E3_base"
    f = _copy(tmp_path, "paris_2025.yaml", _drop_entry("actors.DE"))
    r = cli("validate", "--provenance", "--json", f, "scenarios/bilateral_toy.yaml")
    doc = json.loads(r.stdout)
    assert r.returncode == 2 and not doc["ok"] and [x["ok"] for x in doc["files"]] == [False, True]
    bad = doc["files"][0]
    assert bad["provenance"]["untagged"] == [e["path"] for e in bad["errors"]]
    assert all(e["path"].startswith("actors.DE.") and e["line"] for e in bad["errors"])
    assert len(bad["errors"]) == bad["provenance"]["counts"]["untagged"] == 3 + 4  # salience, utilities
    r = cli("validate", "--json", tmp_path / "missing.yaml")  # without --provenance: errors only
    doc = json.loads(r.stdout)
    assert r.returncode == 2 and doc["files"][0]["errors"][0]["message"] == "no such file"
    assert "provenance" not in doc["files"][0]


def test_inherited_numbers_take_their_profiles_tag(paris2026):
    fr = provenance_of(paris2026, "actors.FR.discount")
    assert (fr.entry, fr.origin, fr.tag) == ("profiles.E3_base", "profiles.E3_base.discount", "assumption")
    de = provenance_of(paris2026, "actors.DE.utilities.foreign_forces.none")  # DE's own value, DE's entry
    assert (de.entry, de.origin) == ("actors.DE", "actors.DE.utilities.foreign_forces.none")
    de = provenance_of(paris2026, "actors.DE.discount")  # inherited: the profile's entry beats actors.DE
    assert de.entry == "profiles.E3_base"
    us = provenance_of(paris2026, "actors.US.reservation.expected_gain")  # not written: a default
    assert us.origin is None and us.entry == "actors.US"


def test_the_brief_tables_list_the_tags(paris2025, paris2026):
    params = [{"path": "actors.RU.reservation.expected_gain", "start": 0.0, "stop": 0.4}]
    rows = {r["path"]: r for r in _assumptions(paris2025, params)}
    ru = rows["actors.RU.reservation.expected_gain"]
    assert ru["provenance"] == "assumption (swept)" and "seed 1" in ru["ref"]
    assert rows["actors.US.deadline.round"]["value"] == "3" and "Rubio" in rows["actors.US.deadline.round"]["ref"]
    assert {r["provenance"] for r in rows.values()} <= {"assumption", "assumption (swept)"}
    found = audit(paris2026)
    sourced = {r["path"]: r for r in _sourced(paris2026, found)}
    assert set(sourced) == {n.path for n in found.numbers if n.tag in ("sourced", "inferred")}
    assert sourced["decision_rules.qmv.population_share"]["provenance"] == "sourced"
    assert sourced["decision_rules.qmv.population_share"]["value"] == "0.65"
    assert sourced["shocks.0.round"]["provenance"] == "inferred"
    assumed = {r["path"]: r for r in _assumed(paris2026, found)}
    assert set(assumed) == {k for k, p in paris2026.provenance.items() if p.tag == "assumption"}
    assert assumed["profiles.E3_base"]["value"].startswith(
        f"{sum(1 for n in found.numbers if n.entry == 'profiles.E3_base')} numbers"
    )
    assert all(r["provenance"] == "assumption" for r in assumed.values())


def test_the_brief_of_an_untagged_scenario_says_untagged(paris2025):
    s = tweak(paris2025, {"provenance": {}})
    found = audit(s)
    assert _sourced(s, found) == []
    (row,) = _assumed(s, found)
    assert row["provenance"] == "untagged" and row["value"].startswith(f"{len(found.numbers)} numbers")
    assert {r["provenance"] for r in _assumptions(s, [])} <= {"untagged", "untagged (default of the model)"}


def _naive(keys: set[str], path: str) -> str | None:
    prefixes = [k for k in keys if path == k or path.startswith(k + ".")]
    return max(prefixes, key=len) if prefixes else None


SEGMENTS = st.sampled_from(["a", "b", "ab", "0", "1", "a.b"])


@given(st.sets(st.lists(SEGMENTS, min_size=1, max_size=4).map(".".join), max_size=8),
       st.lists(SEGMENTS, min_size=1, max_size=5).map(".".join))  # fmt: skip
def test_the_longest_matching_path_wins(keys, path):
    assert covering(dict.fromkeys(keys), path) == _naive(keys, path)


def test_the_documented_example_tags_every_number():
    text = (ROOT / "docs" / "scenario-format.md").read_text(encoding="utf-8")
    (block,) = [b for b in re.findall(r"^```yaml\n(.*?)^```", text, flags=re.M | re.S) if "provenance_demo" in b]
    data, locs = parse_yaml(block, "example.yaml")
    found = audit(scenario_from_document(data, file="example.yaml", locs=locs))
    assert found.untagged == [] and found.unused == []
    c = found.counts()
    assert (c["sourced"], c["inferred"]) == (1, 1) and c["assumption"] == len(found.numbers) - 2
    tags = {n.path: n.tag for n in found.numbers}
    assert tags["actors.buyer.utilities.price.low"] == "assumption"  # the list shorthand, by option
