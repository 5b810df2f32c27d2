"""Hostile input (issue 20, first half): the scenario file, the YAML reader and the command line.

Each test is one case of the red-team report, fixed at its cause: a one-line error with exit 2 (file, line and
column where there is a file), or the input working where it is valid. docs/reliability.md lists them.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from sim import load_scenario, scenario_from_document
from sim.errors import Issue, ScenarioError, UsageError
from sim.scenario.checks import MAX_ACTOR_ROUNDS
from sim.scenario.paths import parse_path, parse_value
from sim.scenario.yamlio import MAX_DEPTH, parse_yaml, read_value, read_yaml_file

ROOT = Path(__file__).resolve().parents[1]
TOY = ROOT / "scenarios" / "bilateral_toy.yaml"


def issues_of(text: str) -> list[Issue]:
    with pytest.raises(ScenarioError) as info:
        parse_yaml(text, "f.yaml")
    return info.value.issues


def toy() -> dict[str, Any]:
    return yaml.safe_load(TOY.read_text())


def load_doc(tmp_path: Path, doc: dict[str, Any]) -> list[Issue]:
    """The issues of ``doc`` written as a file (empty when it loads)."""
    f = tmp_path / "s.yaml"
    f.write_text(yaml.safe_dump(doc, sort_keys=False))
    try:
        load_scenario(f)
    except ScenarioError as exc:
        assert all(i.line is not None for i in exc.issues), exc
        return exc.issues
    return []


def only(issues: list[Issue], path: str, *words: str) -> Issue:
    assert len(issues) == 1, "\n".join(i.format() for i in issues)
    assert issues[0].dotted == path and all(w in issues[0].message for w in words), issues[0].format()
    return issues[0]


# -- YAML: characters, depth, merges, keys ------------------------------------------------------------------
@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x07"])
def test_a_control_character_after_non_ascii_text_is_located_by_character(char):
    """libyaml reports a byte offset: after 'éé' (4 bytes, 2 characters) the column was 2 too far."""
    (issue,) = issues_of(f"a: 1\nb: 'éé{char}'\n")
    assert (issue.line, issue.col) == (2, 7), issue.format()
    assert f"#x{ord(char):04x}" in issue.message


@pytest.mark.parametrize("opening, closing", [("[", "]"), ("{a: ", "}")])
def test_nesting_600_deep_is_a_located_error(opening, closing):
    (issue,) = issues_of("a: " + opening * 600 + "1" + closing * 600 + "\n")
    assert issue.line == 1 and issue.col is not None and f"nested more than {MAX_DEPTH}" in issue.message


def test_nesting_at_the_limit_is_read():
    data, _ = parse_yaml("a: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "\n")
    assert isinstance(data["a"], list)


def test_a_merge_with_an_explicit_override_is_valid_yaml():
    data, locs = parse_yaml("base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  x: 3\n  z: 4\n")
    assert data["m"] == {"x": 3, "y": 2, "z": 4} and list(data["m"]) == ["x", "y", "z"]
    assert locs[("m", "x")] == (4, 3)  # the explicit key's place, not the merged one's
    assert locs[("m", "y")] == (1, 17)  # a merged value points where it is written


def test_in_a_list_of_merges_the_earlier_mapping_wins():
    data, _ = parse_yaml("a: &a {x: 1, q: 0}\nb: &b {x: 2, y: 3}\nm:\n  <<: [*b, *a]\n")
    assert data["m"] == {"x": 2, "y": 3, "q": 0}


def test_duplicate_explicit_keys_are_still_an_error_beside_a_merge():
    issues = issues_of("b: &b {x: 1}\nm:\n  <<: *b\n  x: 2\n  x: 3\n")
    assert [(i.dotted, i.line) for i in issues] == [("m.x", 5)] and "duplicate key" in issues[0].message


@pytest.mark.parametrize("value", ["3", "[1]"])
def test_a_merge_of_something_else_than_mappings_is_an_error(value):
    (issue,) = issues_of(f"m:\n  <<: {value}\n")
    assert issue.line == 2 and "<< takes a mapping" in issue.message


def test_a_scenario_using_merge_keys_with_overrides_loads(tmp_path):
    text = TOY.read_text().replace(
        "  B:\n    role: party_signatory\n    salience: {price: 0.2, timing: 0.6, warranty: 0.2}",
        "  B:\n    <<: *a_fields\n    salience: {price: 0.2, timing: 0.6, warranty: 0.2}",
    )
    text = text.replace("  A:\n    role: party_signatory", "  A: &a_fields\n    role: party_signatory")
    f = tmp_path / "merged.yaml"
    f.write_text(text)
    s = load_scenario(f)
    assert s.actors["B"].salience == {"price": 0.2, "timing": 0.6, "warranty": 0.2}
    assert s.actors["B"].utilities == load_scenario(TOY).actors["B"].utilities  # B's own utilities override A's


def test_a_package_file_may_use_merge_keys(tmp_path, cli):
    f = tmp_path / "pkgs.yaml"
    f.write_text("one: &one {price: mid, timing: normal, warranty: full}\ntwo:\n  <<: *one\n  price: high\n")
    r = cli("evaluate", TOY, "--package", f, "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    direct = json.loads(cli("evaluate", TOY, "--package", _packages(tmp_path), "--json").stdout)
    assert out == direct  # 'two' is 'one' with price: high, as if written out in full


def _packages(tmp_path: Path) -> Path:
    f = tmp_path / "full.yaml"
    f.write_text(
        "one: {price: mid, timing: normal, warranty: full}\ntwo: {price: high, timing: normal, warranty: full}\n"
    )
    return f


def test_a_key_with_a_newline_cannot_split_or_forge_an_error_line():
    issues = issues_of('m:\n  "x\\nf.yaml:1:1: forged": 1\n  "x\\nf.yaml:1:1: forged": 2\n')
    printed = [i.format() for i in issues]
    assert len(printed) == 1 and "\n" not in printed[0] and "\\n" in printed[0]


def test_the_cli_escapes_control_characters_in_usage_errors(cli):
    r = cli("run", TOY, "--no-save", "--set", "actors.A\x1b[2J.discount=0.5")
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1 and "\x1b" not in r.stderr and "\\x1b" in r.stderr


# -- files that are not files -----------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["/dev/zero", "/dev/null", "fifo"])
def test_devices_and_fifos_are_refused_before_reading(tmp_path, name):
    if name == "fifo":
        name = str(tmp_path / "fifo")
        os.mkfifo(name)  # opening it would block: it must not be opened
    elif not Path(name).exists():
        pytest.skip(f"no {name} here")
    with pytest.raises(ScenarioError, match="not a regular file"):
        read_yaml_file(name)


def test_a_folder_is_refused_in_one_line(tmp_path, cli):
    r = cli("validate", tmp_path)
    assert r.returncode == 2 and "is a folder" in r.stderr


# -- the models: numbers are numbers ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "where, path",
    [
        (("scenario", "max_rounds"), "scenario.max_rounds"),
        (("actors", "A", "discount"), "actors.A.discount"),
        (("actors", "A", "salience", "price"), "actors.A.salience.price"),
        (("actors", "A", "reservation", "war_cost"), "actors.A.reservation.war_cost"),
    ],
)
def test_true_is_not_a_number(tmp_path, where, path):
    doc = toy()
    node = doc
    for k in where[:-1]:
        node = node[k]
    node[where[-1]] = True
    only(load_doc(tmp_path, doc), path, "valid", "got True")


def test_profile_diamonds_are_resolved_once():
    """30 levels of diamonds (each profile inherits the two of the level below) took 2^30 steps to validate."""
    doc = toy()
    profiles: dict[str, Any] = {"p0_a": {"discount": 0.9}, "p0_b": {"discount": 0.8}}
    for level in range(1, 31):
        for side in "ab":
            profiles[f"p{level}_{side}"] = {"inherits": [f"p{level - 1}_a", f"p{level - 1}_b"]}
    doc["profiles"] = profiles
    doc["actors"]["A"]["inherits"] = "p30_a"
    del doc["actors"]["A"]["discount"]
    s = scenario_from_document(doc)  # the suite's timeout is the test: this used to take hours
    assert s.actors["A"].discount == 0.8  # the later parent wins, as for any list of parents


# -- shocks -----------------------------------------------------------------------------------------------
def shock(**fields: Any) -> dict[str, Any]:
    return {"id": "s", "round": 1, **fields}


def with_shocks(*shocks: dict[str, Any]) -> dict[str, Any]:
    doc = toy()
    doc["shocks"] = list(shocks)
    return doc


def test_duplicate_shock_ids_are_refused(tmp_path):
    doc = with_shocks(shock(set={"actors.A.discount": 0.5}), shock(round=2, set={"actors.A.discount": 0.6}))
    only(load_doc(tmp_path, doc), "shocks.1.id", "already used by shock 0")


@pytest.mark.parametrize(
    "rule, path, value, words",
    [
        ("set", "actors.A.discount", 7, ("less than or equal to 1", "got 7")),
        ("set", "actors.A.salience.price", -5, ("greater than or equal to 0",)),
        ("set", "actors.A.reservation.war_cost", float("nan"), ("got nan",)),
        ("add", "actors.A.reservation.war_cost", 5, ("add 5", "= 0.05 gives 5.05", "less than or equal to 1")),
        ("add", "actors.A.reservation.war_cost", float("nan"), ("finite number",)),
        ("add", "actors.A.discount", True, ("valid number",)),
        ("add", "protocol.concession", 0.1, ("add needs a number", "the text 'linear'")),
        ("add", "actors.A.reservation", 0.1, ("add needs a number", "a whole section")),
        ("add", "actors.A.deadline", 0.1, ("add needs a number", "not set")),
    ],
)
def test_shock_values_are_checked_at_load(tmp_path, rule, path, value, words):
    doc = with_shocks(shock(**{rule: {path: value}}))
    only(load_doc(tmp_path, doc), f"shocks.0.{rule}.{path}", *words)


def test_shock_values_in_range_load(tmp_path):
    doc = with_shocks(shock(add={"actors.A.discount": 0.05}), {"id": "t", "round": 2, "set": {"actors.B.discount": 1}})
    assert load_doc(tmp_path, doc) == []


def test_a_shock_under_an_actor_is_checked_where_it_is_written(tmp_path):
    doc = toy()
    doc["actors"]["A"]["shocks"] = [{"id": "s", "round": 1, "set": {"discount": 3}}]
    (issue,) = load_doc(tmp_path, doc)
    assert "less than or equal to 1" in issue.message and issue.dotted == "shocks.0.set.actors.A.discount"


# -- the sweep section ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "spec, words",
    [
        ("0:7:3", ("the value 0.0", "greater than 0")),
        ([0.5, 7], ("the value 7.0", "less than or equal to 1")),
        ({"dist": "uniform", "low": 0.5, "high": 2}, ("the value 2.0",)),
        ("0:1", ("start:stop:count",)),
        ({"dist": "uniform", "low": 1, "high": 0}, ("LO < HI",)),
        ("a,0.5", ("mix strings and numbers",)),
    ],
)
def test_bad_sweep_specs_in_a_file_are_caught_by_validate(tmp_path, spec, words):
    doc = toy()
    doc["sweep"] = {"params": {"actors.A.discount": spec}}
    only(load_doc(tmp_path, doc), "sweep.params.actors.A.discount", *words)


def test_a_sweep_of_an_option_that_does_not_exist_is_caught(tmp_path):
    doc = toy()
    doc["sweep"] = {"params": {"protocol.concession": ["boulware", "nonsense"]}}
    only(load_doc(tmp_path, doc), "sweep.params.protocol.concession", "the value 'nonsense'")


# -- work limits ------------------------------------------------------------------------------------------
def test_actors_times_rounds_is_limited_up_front(tmp_path):
    doc = toy()
    doc["scenario"]["max_rounds"] = 100_000
    doc["actors"] = {f"a{k}": copy.deepcopy(doc["actors"]["A"]) for k in range(200)}
    doc["protocol"]["proposers"] = doc["decision_rules"]["signatories"] = ["a0", "a1"]
    issues = load_doc(tmp_path, doc)
    only(issues, "scenario.max_rounds", "200 actors x 100,000 rounds", f"at most {MAX_ACTOR_ROUNDS:,}")
    assert issues[0].line == 5


def test_analyze_with_twelve_signatories_finishes_with_the_whole_frontier():
    from sim.analysis.bargaining import analyze
    from sim.analysis.signed import signed_mask
    from sim.analysis.theory import pareto_mask
    from sim.core.compiled import compile_scenario
    from sim.core.utility import all_packages, utilities

    clauses = {f"c{j}": ["o0", "o1"] for j in range(3)}  # 8 packages
    doc = {
        "scenario": {"id": "many", "max_rounds": 5, "status_quo_package": {c: "o0" for c in clauses}},
        "protocol": {"mediator": "a0"},
        "clauses": clauses,
        "actors": {
            f"a{k}": {
                "role": "signatory",
                "salience": {c: 1 + (k + j) % 3 for j, c in enumerate(clauses)},
                "utilities": {c: [0.0, 1.0] if (k + j) % 2 else [0.2, 0.9] for j, c in enumerate(clauses)},
            }
            for k in range(12)
        },
    }
    scenario = scenario_from_document(doc)
    out = analyze(scenario)  # looped over 7^12 weight tuples before, then listed no frontier above 4 signatories
    cp = compile_scenario(scenario)
    X = all_packages(cp.n_options)
    ok = signed_mask(cp, X)
    front = X[ok][pareto_mask(utilities(cp, X[ok]).T)]
    assert out["zopa"] and out["frontier"]["count"] == len(front) > 0
    assert {tuple(cp.package(p["package"])) for p in out["pareto"]} == {tuple(p) for p in front}


# -- the command line -------------------------------------------------------------------------------------
def test_set_reads_yes_and_no_as_strings_like_the_file():
    assert parse_value("yes") == "yes" and parse_value("no") == "no" and parse_value("on") == "on"
    assert parse_value("1e-1") == 0.1 and parse_value("true") is True


@pytest.mark.parametrize(
    "text, words",
    [
        ("[" * 600 + "]" * 600, f"nested more than {MAX_DEPTH}"),
        ("[&a [1,1,1,1,1,1,1,1,1], &b [*a,*a,*a,*a,*a,*a,*a,*a,*a], &c [*b,*b,*b,*b,*b,*b,*b,*b,*b], "
         "&d [*c,*c,*c,*c,*c,*c,*c,*c,*c], &e [*d,*d,*d,*d,*d,*d,*d,*d,*d], &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]]",
         "alias bomb"),
    ],
)  # fmt: skip
def test_hostile_set_values_are_refused_by_the_one_yaml_guard(text, words, cli):
    with pytest.raises(ValueError, match=words):
        read_value(text)
    r = cli("run", TOY, "--no-save", "--set", f"actors.A.discount={text}")
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1 and words in r.stderr


def test_param_values_go_through_the_same_guard(cli, tmp_path):
    r = cli("sweep", TOY, "--param", "actors.A.discount=" + "[" * 600 + "]" * 600, "--out", tmp_path / "o")
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1 and "nested more than" in r.stderr


def test_a_list_index_has_one_spelling():
    assert parse_path("protocol.proposers.0") == ("protocol", "proposers", 0)
    with pytest.raises(UsageError, match="write the index 00 as 0"):
        parse_path("protocol.proposers.00")


def test_the_same_set_path_twice_is_refused(cli):
    r = cli("run", TOY, "--no-save", "--set", "actors.A.discount=0.5", "--set", "actors.A.discount=0.6")
    assert r.returncode == 2 and r.stderr.strip() == "negsim: error: --set actors.A.discount is given twice"


def test_a_non_canonical_set_path_is_refused(cli):
    r = cli("run", TOY, "--no-save", "--set", "protocol.proposers.00=B")
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1 and "no leading zeros" in r.stderr


def test_a_param_mixing_strings_and_numbers_is_refused(cli, tmp_path):
    r = cli("sweep", TOY, "--param", "protocol.concession=boulware,0.5", "--out", tmp_path / "o")
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1 and "mix strings and numbers" in r.stderr
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    "args, words",
    [
        (["run", TOY, "--no-save", "--seed", "-1"], "--seed must be a seed from 0 to 2**63 - 1, not -1"),
        (["run", TOY, "--no-save", "--seed", str(2**63)], "--seed must be a seed"),
        (["sweep", TOY, "--seeds", "-1"], "--seeds must be a count of seeds"),
        (["sweep", TOY, "--samples", "0", "--design", "lhs"], "--samples must be a count of samples"),
        (["sweep", TOY, "--master-seed", "-5"], "--master-seed must be a seed"),
        (["sweep", TOY, "--chunk", "0"], "--chunk must be"),
        (["sweep", TOY, "--workers", "1000"], "--workers must be from 1 to"),
        (["sweep", TOY, "--workers", "0"], "--workers must be from 1 to"),
        (["sensitivity", TOY, "--param", "actors.A.discount=0.5:0.9", "--workers", "1000"], "--workers must be"),
        (["dashboard", TOY, "--port", "0"], "--port must be a TCP port from 1 to 65535, not 0"),
        (["dashboard", TOY, "--seeds", "0"], "--seeds must be"),
    ],
)
def test_numeric_options_out_of_range_are_one_line_usage_errors(cli, args, words):
    r = cli(*args)
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1 and words in r.stderr, r.stderr
    assert r.stdout == ""


def test_an_option_called_yes_can_be_set_unquoted(tmp_path, cli):
    """YAML 1.2 on both sides: ``yes`` is a string in the file and in ``--set`` (YAML 1.1 read it as true)."""
    text = TOY.read_text().replace("options: [none, full]", "options: [none, yes]").replace("full: 1.0", "yes: 1.0")
    f = tmp_path / "yes.yaml"
    f.write_text(text)
    assert load_scenario(f).clauses["warranty"].options == ["none", "yes"]
    r = cli("run", f, "--no-save", "--quiet", "--set", "scenario.status_quo_package.warranty=yes")
    assert r.returncode == 0, r.stderr
