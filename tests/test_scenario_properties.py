"""Properties of the scenario language: valid documents load and round-trip; corrupted ones fail cleanly.

A corruption must give a :class:`~sim.errors.ScenarioError` (never another exception) whose issues all carry a
line; a corruption that certainly breaks the file must be reported on the line it was made.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from strategies import scenario_documents, scenarios

from sim import scenario_from_document, tweak
from sim.errors import ScenarioError, UsageError
from sim.scenario.paths import parse_path
from sim.scenario.yamlio import parse_yaml

FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SMALL = {"max_actors": 4, "max_clauses": 4, "max_options": 4}


def dump(doc: Any) -> str:
    return yaml.safe_dump(doc, sort_keys=False)


def load_text(text: str):
    data, locs = parse_yaml(text, "fuzz.yaml")
    return scenario_from_document(data, file="fuzz.yaml", locs=locs)


def leaves(node: Any, path: tuple = ()) -> list[tuple[tuple, Any]]:
    """(path, value) of every scalar of a document."""
    if isinstance(node, dict):
        return [x for k, v in node.items() for x in leaves(v, (*path, k))]
    if isinstance(node, list):
        return [x for i, v in enumerate(node) for x in leaves(v, (*path, i))]
    return [(path, node)]


def mappings(node: Any, path: tuple = ()) -> list[tuple]:
    """Paths of every mapping of a document (the root included)."""
    out = [path] if isinstance(node, dict) else []
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for k, v in children:
        out += mappings(v, (*path, k))
    return out


def at(doc: Any, path: tuple) -> Any:
    for k in path:
        doc = doc[k]
    return doc


def put(doc: Any, path: tuple, value: Any) -> None:
    at(doc, path[:-1])[path[-1]] = value


def failure(text: str) -> ScenarioError:
    """The error of a text that must not load; every issue located."""
    try:
        load_text(text)
    except ScenarioError as exc:
        assert exc.issues
        assert all(i.line is not None and i.line >= 1 for i in exc.issues), exc
        return exc
    raise AssertionError("the corrupted document loaded")


def assert_clean(text: str) -> None:
    """Either a scenario or a ScenarioError with a line on every issue; nothing else escapes."""
    try:
        load_text(text)
    except ScenarioError as exc:
        assert exc.issues and all(i.line is not None for i in exc.issues), exc


# -- valid documents ---------------------------------------------------------------------------------------


@FAST
@given(scenario_documents())
def test_random_valid_documents_validate(doc):
    before = copy.deepcopy(doc)
    s = scenario_from_document(doc)
    assert doc == before  # loading never modifies its input
    assert set(s.actors) == set(doc["actors"]) and set(s.clauses) == set(doc["clauses"])
    for a in s.actors.values():  # shorthands and inheritance resolved: a value for every salient clause
        assert a.salience and any(w > 0 for w in a.salience.values())
        for c, w in a.salience.items():
            if w > 0:
                assert set(a.utilities[c]) == set(s.clauses[c].options)


@FAST
@given(scenario_documents())
def test_load_dump_load_is_identical(doc):
    s = load_text(dump(doc))
    again = load_text(dump(s.document()))
    assert again.model_dump() == s.model_dump()
    assert again.document() == s.document()


@FAST
@given(scenarios(**SMALL))
def test_scenarios_strategy_gives_validated_scenarios(s):
    assert s.signatories and s.n_packages() >= 1


# -- corruptions ---------------------------------------------------------------------------------------------

NUMERIC_SKIP = ("shocks", "sweep", "scenario")  # shock values are free; scenario.id etc. are names


@FAST
@given(scenario_documents(**SMALL), st.data())
def test_unknown_key_is_reported_on_its_line(doc, data):
    where = data.draw(st.sampled_from(mappings(doc)))
    at(doc, where)["zz_bogus_key"] = 0.5
    text = dump(doc)
    _, locs = parse_yaml(text)
    exc = failure(text)
    line = locs[(*where, "zz_bogus_key")][0]
    assert any(i.line == line for i in exc.issues), (line, str(exc))


@FAST
@given(scenario_documents(**SMALL), st.data(), st.sampled_from(["wrong_type", "out_of_range"]))
def test_bad_number_is_reported_on_its_line(doc, data, how):
    numbers = [
        (p, v)
        for p, v in leaves(doc)
        if isinstance(v, (int, float)) and not isinstance(v, bool) and p[0] not in NUMERIC_SKIP
    ]
    assume(numbers)
    path, value = data.draw(st.sampled_from(numbers))
    put(doc, path, "not_a_number" if how == "wrong_type" else (-5 if isinstance(value, int) else -5.0))
    text = dump(doc)
    _, locs = parse_yaml(text)
    exc = failure(text)
    assert any(i.line == locs[path][0] for i in exc.issues), (path, str(exc))


REFERENCES = re.compile(
    r"^(scenario\.status_quo_package\.\w+|decision_rules\.(signatories|clause_approvals\.\w+(\.\d+)?\.(voters|required))"
    r"\.\d+|groups\.\w+\.\d+|protocol\.(mediator|proposers\.\d+|agenda_order\.\d+)|(actors\.[\w-]+|profiles\.\w+)"
    r"\.inherits(\.\d+)?)$"
)


@FAST
@given(scenario_documents(**SMALL), st.data())
def test_unknown_name_is_reported_on_its_line(doc, data):
    refs = [p for p, v in leaves(doc) if isinstance(v, str) and REFERENCES.match(".".join(map(str, p)))]
    assume(refs)
    path = data.draw(st.sampled_from(refs))
    put(doc, path, "zz_unknown_name")
    text = dump(doc)
    _, locs = parse_yaml(text)
    exc = failure(text)
    hits = [i for i in exc.issues if i.line == locs[path][0]]
    assert any("unknown" in i.message and "zz_unknown_name" in i.message for i in hits), (path, str(exc))


@FAST
@given(scenario_documents(**SMALL), st.data())
def test_duplicate_key_in_text_is_reported_on_the_later_line(doc, data):
    lines = dump(doc).splitlines()
    keyed = [k for k, ln in enumerate(lines) if re.match(r"^\s*[A-Za-z_'][^:]*:( |$)", ln)]
    k = data.draw(st.sampled_from(keyed))
    head = re.match(r"^(\s*[^:]+:)", lines[k])
    assert head
    lines.insert(k, head.group(1) + " 1")  # same key with a scalar value just before: valid YAML
    exc = failure("\n".join(lines) + "\n")
    assert any(i.line == k + 2 and "duplicate key" in i.message for i in exc.issues), str(exc)


@FAST
@given(scenario_documents(**SMALL), st.data())
def test_deleting_a_key_never_escapes(doc, data):
    where = data.draw(st.sampled_from([m for m in mappings(doc) if at(doc, m)]))
    key = data.draw(st.sampled_from(list(at(doc, where))))
    del at(doc, where)[key]
    assert_clean(dump(doc))


@FAST
@given(
    scenario_documents(**SMALL),
    st.data(),
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=5), st.just([]), st.just({})),
)
def test_replacing_any_value_never_escapes(doc, data, value):
    spots = [p for p, _ in leaves(doc) if p] + [m for m in mappings(doc) if m]
    put(doc, data.draw(st.sampled_from(spots)), value)
    assert_clean(dump(doc))


@FAST
@given(scenario_documents(**SMALL), st.data())
def test_truncated_text_never_escapes(doc, data):
    text = dump(doc)
    assert_clean(text[: data.draw(st.integers(0, len(text)))])


@FAST
@given(st.binary(max_size=300))
def test_random_bytes_never_escape(tmp_path_factory, raw):
    from sim import load_scenario

    f = tmp_path_factory.mktemp("bytes") / "random.yaml"
    f.write_bytes(raw)
    try:
        load_scenario(f)
    except ScenarioError as exc:
        assert exc.issues and all(i.file == str(f) for i in exc.issues)


@FAST
@given(st.text(max_size=300))
def test_random_text_never_escapes(text):
    assert_clean(text)


# -- the path syntax ---------------------------------------------------------------------------------------

PATH_PARTS = st.sampled_from(
    [
        *"actors profiles protocol scenario clauses constraints salience utilities discount reservation".split(),
        *"war_cost acceptance lambda 0 1 -1 US E3_base max_rounds __".split(),
        "",
    ]
)
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-10, 10**6),
    st.floats(allow_nan=True),
    st.text(max_size=8),
    st.lists(st.integers(0, 3), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_parse_path_gives_parts_or_usage_error(text):
    try:
        parts = parse_path(text)
    except UsageError:
        return
    assert ".".join(map(str, parts)) == text


@FAST
@given(
    scenarios(**SMALL),
    st.lists(PATH_PARTS, min_size=1, max_size=5).map(".".join) | st.text(max_size=20),
    VALUES,
)
def test_tweak_with_random_paths_gives_a_scenario_or_a_usage_error(s, path, value):
    before = s.model_dump()
    try:
        t = tweak(s, {path: value})
    except (UsageError, ScenarioError):
        pass
    else:
        assert t is not s
    assert s.model_dump() == before  # the original never changes


@FAST
@given(scenarios(**SMALL), st.data(), VALUES)
def test_tweak_of_an_existing_path_gives_a_scenario_or_a_usage_error(s, data, value):
    tree = s.model_dump(mode="python", by_alias=True)
    paths = [".".join(map(str, p)) for p, _ in leaves(tree) if p]
    path = data.draw(st.sampled_from(paths))
    try:
        t = tweak(s, {path: value})
    except (UsageError, ScenarioError):
        return
    assert scenario_from_document(t.document()).model_dump() == t.model_dump()  # the result is valid as written
