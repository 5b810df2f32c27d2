"""Bad input gets a clear error and nothing else: one test per kind of mistake, each naming field and line.

Every test corrupts a copy of a shipped scenario (or writes a small document) in ``tmp_path``, checks the exact
line and path of the message, and that the shipped file is untouched. The CLI tests run ``python -m sim``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sim import load_scenario
from sim.errors import ScenarioError
from sim.scenario.yamlio import MAX_NODES

ROOT = Path(__file__).resolve().parents[1]
TOY = ROOT / "scenarios" / "bilateral_toy.yaml"
P25 = ROOT / "scenarios" / "paris_2025.yaml"


def corrupt(tmp_path: Path, src: Path, old: str, new: str) -> tuple[Path, int]:
    """A copy of ``src`` with the first ``old`` replaced; returns it and the 1-based line of the change."""
    text = src.read_text()
    assert old in text, old
    before = text
    at = text.index(old)
    f = tmp_path / src.name
    f.write_text(text.replace(old, new, 1))
    assert src.read_text() == before
    return f, text.count("\n", 0, at) + 1


def errors(f: Path) -> list:
    original = f.read_bytes() if f.is_file() else None
    with pytest.raises(ScenarioError) as info:
        load_scenario(f)
    if original is not None:
        assert f.read_bytes() == original
    assert info.value.issues
    return info.value.issues


def one(issues, path: str, line: int, *words: str):
    """The issue at ``path`` on ``line`` whose message has every word."""
    hits = [i for i in issues if i.dotted == path and i.line == line and all(w in i.message for w in words)]
    assert hits, "\n".join(i.format() for i in issues)
    return hits[0]


@pytest.fixture(autouse=True)
def _shipped_files_unchanged():
    before = {p: p.read_bytes() for p in (ROOT / "scenarios").glob("*.yaml")}
    yield
    assert {p: p.read_bytes() for p in before} == before


def test_yaml_syntax_error(tmp_path):
    f, line = corrupt(tmp_path, TOY, "  max_rounds: 10", "  max_rounds: [10")
    (issue,) = errors(f)
    assert issue.line == line + 1 and "YAML syntax error" in issue.message


def test_duplicate_key(tmp_path):
    f, line = corrupt(tmp_path, TOY, "  round_unit: round\n", "  round_unit: round\n  round_unit: week\n")
    issue = one(errors(f), "scenario.round_unit", line + 1, "duplicate key")
    assert f"line {line}" in issue.message and issue.col == 3


@pytest.mark.parametrize(
    ("old", "new", "path", "near"),
    [
        ("    discount: 0.9\n  B:", "    discont: 0.9\n  B:", "actors.A.discont", "discount"),
        ("decision_rules:", "decison_rules:", "decison_rules", "decision_rules"),
        ("  acceptance: {model: threshold}", "  acceptance: {modle: threshold}", "protocol.acceptance.modle", "model"),
    ],
)
def test_unknown_key_says_did_you_mean(tmp_path, old, new, path, near):
    f, line = corrupt(tmp_path, TOY, old, new)
    one(errors(f), path, line, "unknown key", f"did you mean {near!r}")


def test_wrong_type_is_one_message(tmp_path):
    f, line = corrupt(tmp_path, TOY, "  max_rounds: 10", "  max_rounds: ten")
    issues = errors(f)
    one(issues, "scenario.max_rounds", line, "valid integer", "'ten'")
    assert not any("missing" in i.message for i in issues)  # not also reported as missing


@pytest.mark.parametrize(
    ("old", "new", "path", "words"),
    [
        ("    discount: 0.9\n  B:", "    discount: 1.5\n  B:", "actors.A.discount", ("less than or equal to 1", "1.5")),
        ("timing: [1.0, 0.6, 0.0]", "timing: [1.0, 0.6, -0.2]", "actors.A.utilities.timing.early", ("greater",)),
        ("  max_rounds: 10", "  max_rounds: 0", "scenario.max_rounds", ("greater than or equal to 1",)),
    ],
)
def test_out_of_range_number(tmp_path, old, new, path, words):
    f, line = corrupt(tmp_path, TOY, old, new)
    one(errors(f), path, line, *words)


@pytest.mark.parametrize(
    ("old", "new", "path", "words"),
    [
        ("salience: {price: 0.6", "salience: {prize: 0.6", "actors.A.salience.prize", ("clause", "'price'")),
        ("price: {low: 1.0, mid", "price: {lo: 1.0, mid", "actors.B.utilities.price.lo", ("option", "'low'")),
        ("signatories: [A, B]", "signatories: [A, C]", "decision_rules.signatories.1", ("actor", "'C'")),
        ("proposers: [A, B]", "proposers: [A, Bb]", "protocol.proposers.1", ("actor", "'Bb'")),
    ],
)
def test_unknown_name(tmp_path, old, new, path, words):
    f, line = corrupt(tmp_path, TOY, old, new)
    one(errors(f), path, line, "unknown", *words)


def test_unknown_group_member(tmp_path):
    f, line = corrupt(tmp_path, TOY, "decision_rules:", "groups: {G: [A, Z]}\ndecision_rules:")
    one(errors(f), "groups.G.1", line, "unknown actor 'Z'")


def test_unknown_profile_says_did_you_mean_and_nothing_else(tmp_path):
    old = "FR: {role: approver_contributor, inherits: E3_base}"
    f, line = corrupt(tmp_path, P25, old, old.replace("E3_base", "E3_bse"))
    issues = errors(f)
    one(issues, "actors.FR.inherits", line, "unknown profile 'E3_bse'", "did you mean 'E3_base'")
    assert len(issues) == 1  # no "no salience" follow-up for the actor that lost its profile


@pytest.mark.parametrize("flow", [False, True])
def test_unknown_profile_in_an_inherits_list_is_reported_on_its_item(tmp_path, flow):
    """Regression: the item of a list (block or flow style) carries its own line and column, not the key's."""
    old = "    role: approver\n    inherits: E3_base\n    salience: {foreign_forces: .06"
    items = "[E3_base, nosuch]" if flow else "\n      - E3_base\n      - nosuch"
    f, line = corrupt(tmp_path, P25, old, old.replace("inherits: E3_base", f"inherits: {items}"))
    issues = errors(f)
    key_line = line + 1
    item_line, item_col = (key_line, 25) if flow else (key_line + 2, 9)
    issue = one(issues, "actors.DE.inherits.1", item_line, "unknown profile 'nosuch'")
    assert issue.col == item_col
    assert len(issues) == 1  # and nothing about what DE lacks


def test_unknown_parent_of_a_profile_is_reported_once_on_the_profile(tmp_path):
    f, line = corrupt(
        tmp_path, P25, "  HU_SK_base:\n", "  HU_SK_base:\n    inherits:\n      - E3_base\n      - E3_bsae\n"
    )
    issues = errors(f)
    issue = one(
        issues, "profiles.HU_SK_base.inherits.1", line + 3, "unknown profile 'E3_bsae'", "did you mean 'E3_base'"
    )
    assert issue.col == 9
    assert len(issues) == 1  # not once more for each of HU and SK, which inherit the profile


def test_listed_twice_is_reported_on_the_second_item(tmp_path):
    f, line = corrupt(
        tmp_path, TOY, "warranty: {ordered: false, options: [none, full]}", "warranty: [none, full, none]"
    )
    issue = one(errors(f), "clauses.warranty.options.2", line, "option 'none' listed twice")
    assert issue.col == 26


def test_qmv_voter_without_weight_is_reported_on_the_item_that_names_it(tmp_path):
    """A voter given through a group is reported on the group's item of ``voters`` (not by its index among the
    expanded voters, which points at another item or at none)."""
    P26 = ROOT / "scenarios" / "paris_2026.yaml"
    old = "{rule: qmv, voters: [FR, DE, PL, HU, SK, BE, NORDIC_BALTIC, EU_REST]"
    f, line = corrupt(tmp_path, P26, old, "{rule: qmv, voters: [FR, V4, BE, NORDIC_BALTIC, EU_REST]")
    f.write_text(f.read_text().replace("\nactors:", "\ngroups: {V4: [PL, HU, SK, UK]}\nactors:", 1))
    issues = errors(f)
    issue = one(
        issues, "decision_rules.clause_approvals.frozen_assets.0.voters.1", line + 1, "voter 'UK' (of group 'V4')"
    )
    assert issue.col == len("      - {rule: qmv, voters: [FR, ") + 1
    assert len(issues) == 1


def test_qmv_member_count_contradicting_represents_members_is_reported_on_the_entry(tmp_path):
    P26 = ROOT / "scenarios" / "paris_2026.yaml"
    f, line = corrupt(tmp_path, P26, "NORDIC_BALTIC: 6, EU_REST: 15}", "NORDIC_BALTIC: 6, EU_REST: 13}")
    issues = errors(f)
    one(issues, "decision_rules.qmv.members.EU_REST", line, "counts 13", "represents_members is 15")
    assert len(issues) == 1


def test_qmv_voter_outside_the_eu_is_reported_on_its_item(tmp_path):
    P26 = ROOT / "scenarios" / "paris_2026.yaml"
    old = "{rule: qmv, voters: [FR, DE, PL, HU, SK, BE, NORDIC_BALTIC, EU_REST]"
    f, line = corrupt(tmp_path, P26, old, "{rule: qmv, voters: [FR, DE, PL, HU, SK, BE, NORDIC_BALTIC, EU_REST, UK]")
    f.write_text(f.read_text().replace("EU_REST: 0.459}", "EU_REST: 0.459, UK: 0.1}"))
    issues = errors(f)
    one(issues, "decision_rules.clause_approvals.frozen_assets.0.voters.8", line, "'UK' has eu_member: false")
    assert len(issues) == 1


def test_red_line_excluding_every_option(tmp_path):
    f, line = corrupt(
        tmp_path, TOY, "    discount: 0.9\n  B:", "    discount: 0.9\n    red_lines: {warranty: [none, full]}\n  B:"
    )
    one(errors(f), "actors.A.red_lines.warranty", line + 1, "excludes every option")


def test_profile_cycle(tmp_path):
    f, _ = corrupt(tmp_path, P25, "  HU_SK_base:\n", "  HU_SK_base:\n    inherits: E3_base\n")
    f.write_text(f.read_text().replace("  E3_base:\n", "  E3_base:\n    inherits: HU_SK_base\n", 1))
    issues = errors(f)
    cycles = [i for i in issues if "cycle" in i.message]
    assert {i.dotted for i in cycles} >= {"actors.FR.inherits", "actors.HU.inherits"}
    assert all(i.line is not None for i in cycles)


def test_value_list_of_wrong_length(tmp_path):
    f, line = corrupt(tmp_path, TOY, "timing: [1.0, 0.6, 0.0]", "timing: [1.0, 0.6]")
    issue = one(errors(f), "actors.A.utilities.timing", line, "2 values", "3 options")
    assert issue.col == 7


def test_deadline_beyond_max_rounds(tmp_path):
    f, line = corrupt(tmp_path, TOY, "    discount: 0.9\n  B:", "    discount: 0.9\n    deadline: {round: 50}\n  B:")
    one(errors(f), "actors.A.deadline.round", line + 1, "never reached")


@pytest.mark.parametrize("text", ["", "# only a comment\n", "\n\n"])
def test_empty_file(tmp_path, text):
    f = tmp_path / "empty.yaml"
    f.write_text(text)
    (issue,) = errors(f)
    assert issue.line == 1 and "empty" in issue.message


@pytest.mark.parametrize(("text", "kind"), [("- a\n- b\n", "list"), ("hello\n", "str"), ("42\n", "int")])
def test_not_a_mapping(tmp_path, text, kind):
    f = tmp_path / "list.yaml"
    f.write_text(text)
    (issue,) = errors(f)
    assert issue.line == 1 and f"mapping of sections, not {kind}" in issue.message


def test_alias_bomb_fails_fast(tmp_path):
    import time

    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for k in range(1, 9):
        prev, name = chr(ord("a") + k - 1), chr(ord("a") + k)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
    f = tmp_path / "bomb.yaml"
    f.write_text("\n".join(lines) + "\n")  # 10**9 values once expanded
    start = time.perf_counter()
    (issue,) = errors(f)
    assert time.perf_counter() - start < 2.0
    assert f"{MAX_NODES:,}" in issue.message and issue.line == 1


def test_missing_file(tmp_path):
    (issue,) = errors(tmp_path / "nowhere.yaml")
    assert issue.message == "no such file" and issue.file == str(tmp_path / "nowhere.yaml")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(tmp_path):
    f = tmp_path / "secret.yaml"
    f.write_text(TOY.read_text())
    f.chmod(0)
    try:
        (issue,) = errors(f)
    finally:
        f.chmod(0o644)
    assert "permission denied" in issue.message


def test_folder_and_binary_file(tmp_path):
    (issue,) = errors(tmp_path)
    assert "folder" in issue.message
    f = tmp_path / "bin.yaml"
    f.write_bytes(b"\xff\xfe\x00garbage")
    (issue,) = errors(f)
    assert "UTF-8" in issue.message


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("a: !!python/object:os.system x\n", "constructor"),
        ("a: !!timestamp 2025-13-45\n", "month"),  # plain 2025-13-45 is a string (YAML 1.2 has no dates)
        ("a: !!bool yes\n", "not true or false"),
        ("a: !!int abc\n", "abc"),
        ("a: b\x07\n", "not allowed"),
    ],
)
def test_unsafe_or_unreadable_yaml_values(tmp_path, text, words):
    f = tmp_path / "odd.yaml"
    f.write_text(text)
    issues = errors(f)
    assert any(i.line == 1 and words in i.message for i in issues), issues


def test_every_error_of_a_file_at_once(tmp_path):
    f, _ = corrupt(tmp_path, TOY, "    discount: 0.9\n  B:", "    discount: 1.5\n  B:")
    f.write_text(
        f.read_text()
        .replace("signatories: [A, B]", "signatories: [A, C]")
        .replace("decision_rules:", "x: 1\ndecision_rules:")
    )
    paths = {i.dotted for i in errors(f)}
    assert {"actors.A.discount", "decision_rules.signatories.1", "x"} <= paths


@pytest.mark.parametrize(
    ("old", "new", "path", "words"),
    [
        ("  max_rounds: 10", "  max_rounds: ten", "scenario.max_rounds", "valid integer"),  # a required field
        ("  max_rounds: 10", "  max_rounds: 1:30", "scenario.max_rounds", "valid integer"),  # not base-60 90
        ("    discount: 0.9\n  B:", "    discount: 1.5\n  B:", "actors.A.discount", "less than or equal to 1"),
        ("  concession: linear", "  concession: slow", "protocol.concession", "'slow'"),
        ("timing: [1.0, 0.6, 0.0]", "timing: [1.0, 0.6, -0.2]", "actors.A.utilities.timing.early", "greater"),
    ],
)
def test_field_and_cross_reference_errors_in_one_pass(tmp_path, old, new, path, words):
    """One load reports a field error, an unknown clause and a missing status quo together (the cross-reference
    checks run on the parts that validated), each on its own line."""
    f, line = corrupt(tmp_path, TOY, old, new)
    text = f.read_text()
    sq = "  status_quo_package: {price: low, timing: late, warranty: none}"
    text = text.replace(sq, sq.replace(", warranty: none", ""))
    text = text.replace("salience: {price: 0.2, timing: 0.6", "salience: {price: 0.2, colour: 0.6")
    f.write_text(text)
    lines = text.splitlines()
    sq_line = next(k for k, ln in enumerate(lines, 1) if ln.startswith("  status_quo_package:"))
    colour_line = next(k for k, ln in enumerate(lines, 1) if "colour: 0.6" in ln)
    issues = errors(f)
    one(issues, path, line, words)
    one(issues, "scenario.status_quo_package", sq_line, "no status-quo option for clause 'warranty'")
    one(issues, "actors.B.salience.colour", colour_line, "unknown clause 'colour'")
    assert len(issues) == 3, "\n".join(i.format() for i in issues)


def test_a_wrong_value_hides_only_the_checks_that_need_it(tmp_path):
    """max_rounds is wrong: the deadline beyond it cannot be judged (no message), but its other checks still run."""
    f, _ = corrupt(tmp_path, TOY, "    discount: 0.9\n  B:", "    discount: 0.9\n    deadline: {round: 50}\n  B:")
    f.write_text(
        f.read_text()
        .replace("  max_rounds: 10", "  max_rounds: lots")
        .replace("proposers: [A, B]", "proposers: [A, Q]")
    )
    issues = errors(f)
    assert {i.dotted for i in issues} == {"scenario.max_rounds", "protocol.proposers.1"}, issues


def test_a_sweep_range_without_its_count_is_a_file_error(tmp_path):
    f, line = corrupt(tmp_path, TOY, "decision_rules:", "sweep:\n  params: {actors.A.discount: 0:0.4}\ndecision_rules:")
    (issue,) = errors(f)
    assert issue.dotted == "sweep.params.actors.A.discount" and issue.line == line + 1
    assert issue.message == "a range needs start:stop:count, e.g. 0:0.4:5"


def test_yaml_1_2_numbers_and_booleans(tmp_path):
    """``no`` and ``on`` are strings (option names), not booleans; ``9e-1`` and ``.1e1`` are numbers."""
    f, _ = corrupt(tmp_path, TOY, "    discount: 0.9\n  B:", "    discount: 9e-1\n  B:")
    text = (
        f.read_text()
        .replace("{ordered: false, options: [none, full]}", "{ordered: no, options: [no, on]}")
        .replace("warranty: none}", "warranty: no}")
        .replace("warranty: {none: 0.0, full: 1.0}", "warranty: {no: 0.0, on: 1.0}")
        .replace("warranty: [1.0, 0.0]", "warranty: [.1e1, 0]")
    )
    f.write_text(text)
    (issue,) = errors(f)
    assert issue.dotted == "clauses.warranty.ordered" and "valid boolean" in issue.message and "'no'" in issue.message
    f.write_text(text.replace("ordered: no,", "ordered: false,"))
    s = load_scenario(f)
    assert s.actors["A"].discount == 0.9 and s.clauses["warranty"].options == ["no", "on"]
    assert s.actors["A"].utilities["warranty"] == {"no": 1.0, "on": 0.0}
    assert s.scenario.status_quo_package["warranty"] == "no"


def test_set_reads_values_as_a_file_does(tmp_path):
    from sim.cli.common import load_with_sets
    from sim.errors import UsageError

    assert load_with_sets(str(TOY), ["actors.A.discount=9e-1"]).actors["A"].discount == 0.9
    with pytest.raises(UsageError, match=r"valid integer.*'1:30'"):
        load_with_sets(str(TOY), ["scenario.max_rounds=1:30"])  # was 90 under YAML 1.1
    with pytest.raises(UsageError, match="valid boolean"):
        load_with_sets(str(TOY), ["clauses.price.ordered=yes"])  # was True on --set, a string in a file


# -- the command line ----------------------------------------------------------------------------------------

LINE = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<path>\S+): (?P<msg>.+)$")


def negsim(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "sim", *args], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120
    )


def test_cli_validate_bad_files_prints_every_error_and_exits_2(tmp_path):
    bad, _ = corrupt(tmp_path, TOY, "    discount: 0.9\n  B:", "    discont: 1.5\n  B:")
    bad.write_text(bad.read_text().replace("max_rounds: 10", "max_rounds: ten"))
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    r = negsim("validate", str(bad), str(empty), str(tmp_path / "missing.yaml"))
    assert r.returncode == 2
    assert "Traceback" not in r.stdout + r.stderr
    located = [m for m in map(LINE.match, r.stderr.splitlines()) if m]
    assert {m["file"] for m in located} == {str(bad), str(empty)}
    assert {m["path"] for m in located if m["file"] == str(bad)} == {"actors.A.discont", "scenario.max_rounds"}
    for ln in r.stderr.splitlines():
        assert LINE.match(ln) or re.match(r"^.+: (\d+ errors?|\(document\): no such file)$", ln), ln


def test_cli_validate_good_files_one_summary_line_each():
    files = [str(p.relative_to(ROOT)) for p in sorted((ROOT / "scenarios").glob("*.yaml"))]
    r = negsim("validate", *files)
    assert r.returncode == 0, r.stderr
    out = r.stdout.splitlines()
    assert len(out) == len(files) and r.stderr == ""
    for f, ln in zip(files, out, strict=True):
        assert ln.startswith(f"{f}: ok: ") and "actors" in ln and "packages" in ln


def test_cli_show_and_schema():
    r = negsim("show", "scenarios/bilateral_toy.yaml")
    assert r.returncode == 0, r.stderr
    assert "price" in r.stdout and "R(0)" in r.stdout
    r = negsim("schema")
    assert r.returncode == 0, r.stderr
    schema = json.loads(r.stdout)
    assert "actors" in schema["properties"] and "actors" in schema["required"]


def test_cli_validate_reports_field_and_cross_reference_errors_in_one_run(tmp_path):
    f, line = corrupt(tmp_path, TOY, "  max_rounds: 10", "  max_rounds: ten")
    sq = "  status_quo_package: {price: low, timing: late, warranty: none}"
    f.write_text(
        f.read_text()
        .replace(sq, sq.replace(", warranty: none", ""))
        .replace("salience: {price: 0.2, timing: 0.6", "salience: {price: 0.2, colour: 0.6")
    )
    r = negsim("validate", str(f))
    assert r.returncode == 2
    located = [m for m in map(LINE.match, r.stderr.splitlines()) if m]
    assert [(int(m["line"]), m["path"]) for m in located] == [
        (line, "scenario.max_rounds"),
        (line + 1, "scenario.status_quo_package"),
        (37, "actors.B.salience.colour"),
    ]
    assert r.stderr.splitlines()[-1] == f"{f}: 3 errors"


def test_cli_show_bad_file_exits_2_without_traceback(tmp_path):
    f, line = corrupt(tmp_path, TOY, "  max_rounds: 10", "  max_rounds: [10")
    r = negsim("show", str(f))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.startswith(f"{f}:{line + 1}:")
