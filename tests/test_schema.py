"""``negsim schema`` describes scenario files as written (shorthands included) and still catches mistakes.

Every shipped scenario, every ```yaml block of ``docs/*.md`` that is a scenario (a mapping with ``scenario``,
``clauses`` and ``actors``) and random valid documents of the hypothesis strategy (written with the shorthands)
validate against it; documents with an unknown key or a wrong type are rejected by it and by the loader alike.
YAML is read with the project's loader (YAML 1.2), as an editor plugin should. The package files of
``scenarios/packages/`` (``{name: {clause: option}}`` for ``negsim evaluate``) are not scenarios: the schema
does not apply to them.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from jsonschema import Draft202012Validator
from strategies import scenario_documents

from sim import scenario_from_document
from sim.errors import ScenarioError
from sim.scenario.schema import written_schema
from sim.scenario.yamlio import parse_yaml, read_yaml_file

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
YAML_BLOCK = re.compile(r"^```ya?ml[ \t]*\n(.*?)^```[ \t]*$", re.M | re.S)


def doc_examples() -> list[Any]:
    out = []
    for md in sorted((ROOT / "docs").glob("*.md")):
        text = md.read_text(encoding="utf-8")
        for m in YAML_BLOCK.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            data, _ = parse_yaml(m.group(1), f"{md.name}:{line}")
            if isinstance(data, dict) and {"scenario", "clauses", "actors"} <= set(data):
                out.append(pytest.param(m.group(1), id=f"{md.name}:{line}"))
    return out


DOC_EXAMPLES = doc_examples()


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = written_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def problems(validator: Draft202012Validator, data: Any) -> list[str]:
    return [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data)]


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_shipped_scenarios_validate(validator, path):
    data, _, _ = read_yaml_file(path)
    assert problems(validator, data) == []


def test_the_docs_have_a_scenario_example():
    assert DOC_EXAMPLES, "docs/scenario-format.md holds a complete scenario written with the shorthands"


@pytest.mark.parametrize("text", DOC_EXAMPLES)
def test_doc_examples_validate_and_load(validator, text):
    data, locs = parse_yaml(text, "example.yaml")
    assert problems(validator, data) == []
    scenario_from_document(data, file="example.yaml", locs=locs)  # and the loader agrees


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario_documents(max_actors=4, max_clauses=4, max_options=4))
def test_documents_the_loader_accepts_validate(validator, doc):
    assert problems(validator, doc) == []


def _toy() -> dict[str, Any]:
    data, _, _ = read_yaml_file(ROOT / "scenarios" / "bilateral_toy.yaml")
    return data


def _set(doc: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return doc


BAD = {
    "unknown top-level key": (("colour",), "red"),
    "unknown actor key": (("actors", "A", "discont"), 0.9),
    "unknown key of a nested mapping": (("protocol", "acceptance", "modle"), "threshold"),
    "unknown key in a list-form clause's place": (("clauses", "price"), {"options": ["low"], "orderd": True}),
    "a clause name that is not a name": (("clauses", "1 bad"), ["x", "y"]),
    "wrong type": (("scenario", "max_rounds"), "ten"),
    "base-60 is a string in YAML 1.2": (("scenario", "max_rounds"), "1:30"),
    "yes is not a boolean": (("clauses", "price", "ordered"), "yes"),
    "out of range": (("actors", "A", "discount"), 1.5),
    "a red line that is a number": (("actors", "A", "red_lines"), {"price": 3}),
    "values of the wrong type in list form": (("actors", "A", "utilities", "price"), ["a", "b", "c", "d"]),
    "an unknown field in an actor shock's effect": (
        ("actors", "A", "shocks"),
        [{"id": "s", "round": 1, "effect": {"discont": 0.5}}],
    ),
    "an unknown key of an actor shock": (("actors", "A", "shocks"), [{"id": "s", "rond": 1}]),
    "shocks under a profile": (("profiles",), {"P": {"shocks": [{"id": "s", "round": 1}]}}),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_mistakes_are_rejected_by_the_schema_and_the_loader(validator, case):
    path, value = BAD[case]
    doc = _set(_toy(), path, value)
    assert problems(validator, doc), f"the schema accepts {case}"
    with pytest.raises(ScenarioError):
        scenario_from_document(doc)


def test_the_unchanged_toy_is_accepted_by_both(validator):
    doc = _toy()
    assert problems(validator, doc) == []
    scenario_from_document(doc)
    ok = _set(doc, ("actors", "A", "shocks"), [{"id": "s", "round": 1, "effect": {"reservation.war_cost": 0.2}}])
    assert problems(validator, ok) == []  # an effect key may be a path inside an actor field
    scenario_from_document(ok)


def test_cli_prints_the_written_schema(capsys):
    import json

    from sim.cli.main import main

    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == written_schema()
