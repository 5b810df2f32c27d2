"""Any-of ratification triggers (issue #16): ``triggers: [{c: [o, ...]}, {d: [...]}]`` triggers the step when any
listed mapping holds (each mapping all-of, as a single mapping does).

- model semantics: P(x) from the scenario's own fields (an OR of conjunctions) equals
  :func:`sim.core.ratify.pass_probability` on every package; a single mapping and the one-element list give the same
  probabilities bit for bit; the engine's share of deals follows P when only the second alternative holds;
- brute force vs search on small random scenarios with any-of triggers: the enumeration, the mediator's large-space
  path (trigger patterns and MILPs with binary indicators) and ``negsim analyze``'s expected-value package all reach
  the brute-force maximum of their key;
- errors: an unknown clause or option inside the list form names the path (with the list index) and the line.
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import scenario_documents

from sim import evaluate, load_scenario
from sim.analysis.bargaining import max_min_surplus
from sim.analysis.expected import expected_value_package, score
from sim.analysis.signed import signed_mask, signed_model
from sim.core.compiled import compile_scenario
from sim.core.ratify import expected_value, pass_probability
from sim.core.stats import wilson_interval
from sim.core.tolerances import EPS_TIE
from sim.core.utility import all_packages, raw_utilities
from sim.engine.runner import prepare
from sim.errors import ScenarioError
from sim.scenario.loader import scenario_from_document
from sim.search.enumeration import Space, enumerate_best, expected_keys, max_min_keys
from sim.search.searcher import Searcher, SearchProblem

ROOT = Path(__file__).resolve().parents[1]
KEY_TOL = 1e-6


def _sigma(v: float) -> float:
    return 1.0 / (1.0 + math.exp(-v))


def _alternatives(triggers: Any) -> list[dict[str, list[str]]]:
    return [triggers] if isinstance(triggers, dict) else list(triggers)


def naive_probability(s: Any, labels: dict[str, str], utility: dict[str, float]) -> float:
    """P(x) from the scenario's fields: Π over triggered actors' ratifications (any alternative whose every clause
    takes a listed option) of their p, then over the triggered ratification rules."""
    prob = 1.0
    for a, spec in s.actors.items():
        r = spec.ratification
        if r is None:
            continue
        if not any(all(labels[c] in opts for c, opts in alt.items()) for alt in _alternatives(r.triggers)):
            continue
        cf = [c for c in s.protocol.ceasefire_clauses if c in s.clauses][:1]
        if r.preconditions.martial_law_lifted and cf and labels[cf[0]] != s.clauses[cf[0]].options[-1]:
            prob *= 0.0
        elif r.p is not None:
            prob *= r.p
        elif r.support is not None:
            sup = sum(r.support.table.get(c, {}).get(o, 0.0) for c, o in labels.items())
            prob *= _sigma(r.support.lambda_ * (min(max(sup, 0.0), 1.0) - r.support.threshold))
        else:
            assert r.model is not None
            prob *= _sigma(r.model.lambda_ * (min(max(utility[a], 0.0), 1.0) - r.model.threshold))
    for cid, rules in s.decision_rules.clause_approvals.items():
        sq, o = s.scenario.status_quo_package[cid], labels[cid]
        for rule in rules:
            if rule.rule != "ratification":
                continue
            if rule.when is not None:
                on = o in rule.when
            else:
                on = o not in rule.when_not if rule.when_not is not None else o != sq
            if on:
                prob *= rule.p if rule.p is not None else float("nan")
    return prob


TOY: dict[str, Any] = {
    "scenario": {
        "id": "any_of_toy",
        "max_rounds": 3,
        "status_quo_package": {"line": "war", "recognition": "none", "side": "a"},
    },
    "protocol": {"mediator": "M", "acceptance": {"model": "threshold"}},
    "clauses": {"line": ["war", "freeze", "withdraw"], "recognition": ["none", "de_facto"], "side": ["a", "b"]},
    "actors": {
        "M": {"role": "mediator", "salience": {"line": 1}, "utilities": {"line": [0.0, 1.0, 1.0]}},
        "A": {
            "salience": {"line": 1},
            "utilities": {"line": [0.0, 1.0, 1.0]},
            "ratification": {
                "body": "referendum",
                "triggers": [{"line": ["withdraw"]}, {"recognition": ["de_facto"], "side": ["b"]}],
                "p": 0.3,
            },
        },
        "B": {"salience": {"line": 1}, "utilities": {"line": [0.0, 1.0, 1.0]}},
    },
    "decision_rules": {"signatories": ["A", "B"]},
}


def _with_triggers(triggers: Any) -> Any:
    doc = {**TOY, "actors": {**TOY["actors"]}}
    doc["actors"]["A"] = {**TOY["actors"]["A"], "ratification": {**TOY["actors"]["A"]["ratification"]}}
    doc["actors"]["A"]["ratification"]["triggers"] = triggers
    return scenario_from_document(doc)


def _probabilities(s: Any) -> tuple[np.ndarray, np.ndarray]:
    cp = compile_scenario(s)
    packages = all_packages(cp.n_options)
    return packages, pass_probability(cp, packages, raw_utilities(cp, packages))


def test_any_of_is_an_or_of_conjunctions_on_every_package():
    s = _with_triggers(TOY["actors"]["A"]["ratification"]["triggers"])
    cp = compile_scenario(s)
    packages, prob = _probabilities(s)
    seen = set()
    for n in range(len(packages)):
        labels = cp.labels(packages[n])
        on = labels["line"] == "withdraw" or (labels["recognition"] == "de_facto" and labels["side"] == "b")
        assert prob[n] == (0.3 if on else 1.0), labels
        seen.add(on)
    assert seen == {True, False}
    # recognition alone (side a) does not trigger: the second mapping is all-of
    pkg = {"line": "freeze", "recognition": "de_facto", "side": "a"}
    assert evaluate(s, pkg)["package"]["ratification_needed"] == []
    needed = evaluate(s, {**pkg, "side": "b"})["package"]["ratification_needed"]
    assert needed == [{"body": "A:referendum", "probability": pytest.approx(0.3)}]


def test_a_single_mapping_and_its_one_element_list_are_bit_identical():
    one = {"recognition": ["de_facto"], "side": ["b"]}
    _, p_map = _probabilities(_with_triggers(one))
    _, p_list = _probabilities(_with_triggers([one]))
    assert np.array_equal(p_map, p_list)
    _, p_or = _probabilities(_with_triggers([{"line": ["withdraw"]}, one]))
    assert not np.array_equal(p_map, p_or)  # the second alternative does change P
    assert (p_or <= p_map).all()


def test_the_engine_draws_the_referendum_when_only_the_second_alternative_holds():
    """Everyone wants the recognition package (side b); the line stays frozen, so only the second mapping triggers
    the referendum: the share of deals is p = 0.3 within its 99.9% Wilson interval."""
    doc = {**TOY, "actors": {k: dict(v) for k, v in TOY["actors"].items()}}
    for a in ("M", "A", "B"):
        doc["actors"][a]["salience"] = {"line": 1, "recognition": 1, "side": 1}
        doc["actors"][a]["utilities"] = {"line": [0.0, 1.0, 0.0], "recognition": [0.0, 1.0], "side": [0.0, 1.0]}
    doc["protocol"] = {**doc.get("protocol", {}), "mediator_objective": "max_min_surplus"}  # a test of the draws
    s = scenario_from_document(doc)
    p = prepare(s)
    runs = [p.run(seed) for seed in range(300)]
    assert all(r.outcome.reason == "deal" or r.outcome.reason.startswith("ratification_failed") for r in runs)
    k = sum(r.outcome.deal for r in runs)
    lo, hi = wilson_interval(k, len(runs), z=3.29)
    assert lo <= 0.3 <= hi, k


@st.composite
def any_of_scenarios(draw: st.DrawFn) -> Any:
    """Small random scenarios, mediated, whose actors' ratifications have one to three alternatives of one or two
    clauses each (fixed p, logit of the actor's utility, support tables, the martial-law precondition)."""
    doc = draw(scenario_documents(max_actors=3, max_clauses=4, max_options=3))
    actors = list(doc["actors"])
    doc["protocol"] = {**doc.get("protocol", {}), "agenda": "single_package", "mediator": actors[0]}
    doc["protocol"].pop("agenda_order", None)
    clauses = {c: (v["options"] if isinstance(v, dict) else v) for c, v in doc["clauses"].items()}
    doc["protocol"]["ceasefire_clauses"] = [next(iter(clauses))]
    n_varying = 0
    for a in actors:
        spec = doc["actors"][a]
        spec.pop("ratification", None)
        if not draw(st.booleans()):
            continue
        alts = []
        for _ in range(draw(st.integers(1, 3))):
            cs = draw(st.lists(st.sampled_from(list(clauses)), min_size=1, max_size=2, unique=True))
            alts.append({c: draw(st.lists(st.sampled_from(clauses[c]), min_size=1, unique=True)) for c in cs})
        rat: dict[str, Any] = {"body": "vote", "triggers": alts if len(alts) > 1 or draw(st.booleans()) else alts[0]}
        kind = draw(st.sampled_from(["p", "p", "model", "support"]))
        if kind != "p" and n_varying:  # the large path takes at most one varying step
            kind = "p"
        if kind == "p":
            rat["p"] = draw(st.sampled_from([0.0, 0.3, 0.8]))
        elif kind == "model":
            n_varying += 1
            rat["model"] = {"lambda": draw(st.sampled_from([4.0, 10.0])), "threshold": 0.5}
        else:
            n_varying += 1
            d = draw(st.sampled_from(list(clauses)))
            rat["support"] = {
                "table": {d: {o: draw(st.sampled_from([-0.2, 0.0, 0.3, 0.7])) for o in clauses[d]}},
                "lambda": 8.0,
                "threshold": 0.4,
            }
        if draw(st.booleans()):
            rat["preconditions"] = {"martial_law_lifted": True}
        spec["ratification"] = rat
    return scenario_from_document(doc)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(any_of_scenarios(), st.data())
def test_the_mediator_milp_equals_the_brute_force_optimum_with_any_of_triggers(s, data):
    cp = compile_scenario(s)
    packages = all_packages(cp.n_options)
    raw = raw_utilities(cp, packages)
    prob = pass_probability(cp, packages, raw)
    for n in range(len(packages)):
        naive = naive_probability(s, cp.labels(packages[n]), {a: float(raw[i, n]) for i, a in enumerate(cp.actors)})
        assert prob[n] == pytest.approx(naive, abs=1e-12)
    asp = np.array(data.draw(st.lists(st.floats(0.0, 1.0), min_size=cp.n_actors, max_size=cp.n_actors)))
    free = np.ones(cp.n_clauses, dtype=bool)
    problem = SearchProblem(cp, cp.wvalues, asp, cp.signatory, free, cp.sq, rule="expected_value")
    space = Space(cp, free, cp.sq)
    mm = max_min_keys(problem, space)
    counted = problem.counted
    tie = EPS_TIE * raw[counted].mean(axis=0) if counted.any() else np.zeros(len(packages))
    ok = np.isfinite(mm)  # EV of the passing packages only (a failing one's -inf x P = 0 would be NaN)
    brute = np.where(ok, expected_value(np.where(ok, mm - tie, 0.0), prob) + tie, -np.inf)
    enum = enumerate_best(problem, space)
    if not np.isfinite(brute).any():
        return
    assert enum.package is not None
    key_e = expected_keys(problem, Space.of(cp, enum.package[None, :]))[0][0]
    assert key_e == pytest.approx(brute.max(), abs=1e-12)
    large = Searcher(cp, "milp").propose(cp.wvalues, asp, cp.signatory, free, cp.sq, rule="expected_value")
    assert large.package is not None
    key_l = expected_keys(problem, Space.of(cp, large.package[None, :]))[0][0]
    assert key_l == pytest.approx(brute.max(), abs=KEY_TOL)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(any_of_scenarios())
def test_the_analysis_expected_value_package_equals_the_brute_force_optimum(s):
    cp = compile_scenario(s)
    R = cp.reservation(0)
    packages = all_packages(cp.n_options)
    signed = signed_mask(cp, packages)
    ega, z = max_min_surplus(cp, R)
    if ega is None or not signed.any() or not cp.steps or z < 0:
        return
    keys = np.array([score(cp, R, packages[n])[0] if signed[n] else -np.inf for n in range(len(packages))])
    found = expected_value_package(cp, R, lambda: signed_model(cp, R), ega, z)
    if found is None:
        assert not (keys > -np.inf).any() or keys.max() <= score(cp, R, ega)[0] + KEY_TOL
        return
    assert score(cp, R, found["package"])[0] == pytest.approx(keys.max(), abs=KEY_TOL)


BAD = """\
scenario: {id: bad_any_of, max_rounds: 3, status_quo_package: {line: war, recognition: none}}
protocol: {mediator: M}
clauses: {line: [war, freeze, withdraw], recognition: [none, de_facto]}
actors:
  M: {role: mediator, salience: {line: 1}, utilities: {line: [0.0, 1.0, 1.0]}}
  A:
    salience: {line: 1}
    utilities: {line: [0.0, 1.0, 1.0]}
    ratification:
      body: referendum
      p: 0.3
      triggers:
        - {line: [withdraw]}
        - {recogniton: [de_facto]}
        - {line: [withdrew]}
  B: {salience: {line: 1}, utilities: {line: [0.0, 1.0, 1.0]}}
decision_rules: {signatories: [A, B]}
"""


def test_unknown_clause_and_option_in_the_list_form_name_the_path_and_line(tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_text(BAD)
    with pytest.raises(ScenarioError) as info:
        load_scenario(f)
    issues = {i.dotted: i for i in info.value.issues}
    clause = issues["actors.A.ratification.triggers.1.recogniton"]
    assert clause.line == 14 and "did you mean 'recognition'" in clause.message
    option = issues["actors.A.ratification.triggers.2.line.0"]
    assert option.line == 15 and "option of line" in option.message and "did you mean 'withdraw'" in option.message
    r = subprocess.run(
        [sys.executable, "-m", "sim", "validate", str(f)], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert r.returncode == 2
    assert f"{f}:14:" in r.stdout + r.stderr and f"{f}:15:" in r.stdout + r.stderr


def test_an_empty_list_of_triggers_is_an_error(tmp_path):
    f = tmp_path / "empty.yaml"
    head, tail = BAD.split("      triggers:\n")
    f.write_text(head + "      triggers: []\n" + tail.split("        - {line: [withdrew]}\n")[1])
    with pytest.raises(ScenarioError) as info:
        load_scenario(f)
    assert any(i.dotted.startswith("actors.A.ratification.triggers") and i.line == 12 for i in info.value.issues)


def test_the_written_schema_accepts_the_list_form(tmp_path):
    from jsonschema import Draft202012Validator

    from sim.scenario.schema import written_schema
    from sim.scenario.yamlio import read_yaml_file

    validator = Draft202012Validator(written_schema())
    f = tmp_path / "any_of.yaml"
    f.write_text(BAD.replace("recogniton", "recognition").replace("withdrew", "freeze"))
    assert list(validator.iter_errors(read_yaml_file(f)[0])) == []
    bad = {**TOY, "actors": {**TOY["actors"], "A": {**TOY["actors"]["A"]}}}
    bad["actors"]["A"]["ratification"] = {**TOY["actors"]["A"]["ratification"], "triggers": [["line"]]}
    assert list(validator.iter_errors(bad))


def test_negsim_analyze_reports_the_any_of_probability(tmp_path):
    """The toy with the referendum on withdraw, or on recognition with side b: every signatory is indifferent
    between freeze and withdraw, so the expected-value package avoids the referendum (P = 1) while a package that
    triggers it would have P = 0.3."""
    import json

    import yaml

    f = tmp_path / "toy.yaml"
    f.write_text(yaml.safe_dump(TOY, sort_keys=False))
    r = subprocess.run(
        [sys.executable, "-m", "sim", "analyze", str(f), "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    ev = out["expected_value"]
    assert ev["ratification_probability"] == pytest.approx(1.0)
    assert ev["package"]["line"] == "freeze"
    assert not (ev["package"]["recognition"] == "de_facto" and ev["package"]["side"] == "b")


def _or_trap() -> Any:
    """Two signatories with R = 0 and U = 0.5 at (a=n, b=n), 0.75 with b=y: the referendum (p = 0.3) is triggered by
    a=x OR b=y, so the only package that avoids it is (n, n), whose expected value 0.5 beats 0.75 · 0.3 = 0.225. A
    pattern "off" that forbade only the first alternative would let the MILP score (n, y) at P = 1 and miss (n, n)."""
    prefs = {
        "salience": {"a": 0.5, "b": 0.5},
        "utilities": {"a": {"n": 0.5, "x": 0.5}, "b": {"n": 0.5, "y": 1.0}},
        "reservation": {"value": 0.0},
    }
    doc = {
        "scenario": {"id": "or_trap", "max_rounds": 3, "status_quo_package": {"a": "n", "b": "n"}},
        "protocol": {"mediator": "A", "acceptance": {"model": "threshold"}, "mediator_objective": "expected_value"},
        "clauses": {"a": ["n", "x"], "b": ["n", "y"]},
        "actors": {
            "A": {**prefs, "ratification": {"body": "vote", "triggers": [{"a": ["x"]}, {"b": ["y"]}], "p": 0.3}},
            "B": prefs,
        },
        "decision_rules": {"signatories": ["A", "B"]},
    }
    return scenario_from_document(doc)


def test_an_off_pattern_excludes_every_alternative():
    s = _or_trap()
    cp = compile_scenario(s)
    R = cp.reservation(0)
    ega, z = max_min_surplus(cp, R)
    assert z == pytest.approx(0.75)
    found = expected_value_package(cp, R, lambda: signed_model(cp, R), ega, z)
    assert found is not None and cp.labels(found["package"]) == {"a": "n", "b": "n"}
    assert found["ratification_probability"] == 1.0 and found["min_surplus"] == pytest.approx(0.5)
    free = np.ones(cp.n_clauses, dtype=bool)
    asp = np.zeros(cp.n_actors)
    large = Searcher(cp, "milp").propose(cp.wvalues, asp, cp.signatory, free, cp.sq, rule="expected_value")
    assert large.package is not None and cp.labels(large.package) == {"a": "n", "b": "n"}
