"""The ``k_of_n`` approval rule: at least k voters accept, every named veto among them.

Brute force (each package's utilities computed here from the document, the rule applied by hand) against the
enumeration's passing set, the HiGHS MILP's optimum and the engine's :func:`sim.core.utility.rule_passes`; the
checks' errors.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import scenario_from_document
from sim.core.compiled import compile_scenario
from sim.core.tolerances import TOL
from sim.core.utility import rule_passes
from sim.errors import ScenarioError
from sim.search.enumeration import max_min_keys
from sim.search.milp import solve_maxmin
from sim.search.searcher import SearchProblem, Space


@st.composite
def k_of_n_documents(draw: Any) -> dict[str, Any]:
    n_actors = draw(st.integers(2, 5))
    n_clauses = draw(st.integers(1, 3))
    actors = [f"a{i}" for i in range(n_actors)]
    clauses = {f"c{c}": [f"o{k}" for k in range(draw(st.integers(2, 3)))] for c in range(n_clauses)}
    unit = st.floats(0.0, 1.0, allow_nan=False).map(lambda x: round(x, 3))
    doc_actors = {}
    for a in actors:
        doc_actors[a] = {
            "role": "approver",
            "salience": {c: draw(st.floats(0.1, 1.0)) for c in clauses},
            "utilities": {c: {o: draw(unit) for o in opts} for c, opts in clauses.items()},
            "reservation": {"value": draw(unit)},
        }
    voters = draw(st.lists(st.sampled_from(actors), min_size=1, max_size=n_actors, unique=True))
    k = draw(st.integers(1, len(voters)))
    vetoes = draw(st.lists(st.sampled_from(voters), max_size=2, unique=True))
    hard = draw(st.booleans())
    if hard:  # a hard red line of a voter: it cannot approve packages holding that option
        doc_actors[voters[0]]["red_lines"] = {"c0": ["o0"]}
    always = draw(st.booleans())
    rule: dict[str, Any] = {"rule": "k_of_n", "voters": voters, "k": k, "vetoes": vetoes}
    if always:
        rule["when_not"] = []
    return {
        "scenario": {"id": "k_of_n", "max_rounds": 3, "status_quo_package": {c: o[0] for c, o in clauses.items()}},
        "protocol": {"proposal_mode": "alternating_offers"},
        "clauses": clauses,
        "actors": doc_actors,
        "decision_rules": {"signatories": [actors[0]], "clause_approvals": {"c0": [rule]}},
    }


def _brute_force(doc: dict[str, Any], aspiration: dict[str, float]) -> list[bool]:
    """Per package (itertools.product order): does the k_of_n rule hold (or is it not triggered), voters
    approving at U ≥ a − TOL without a hard red line hit, and does the package miss the signatory's hard red lines
    (the searches' passing test; the signatory's own surplus enters the max–min key, not the test)? Utilities from
    the document, not through negsim."""
    clauses = doc["clauses"]
    rule = doc["decision_rules"]["clause_approvals"]["c0"][0]
    sig = doc["decision_rules"]["signatories"][0]
    out = []
    for combo in itertools.product(*clauses.values()):
        pkg = dict(zip(clauses, combo, strict=True))

        def accepts(a: str, pkg: dict[str, str] = pkg) -> bool:
            spec = doc["actors"][a]
            total = sum(spec["salience"].values())
            u = sum(spec["salience"][c] / total * spec["utilities"][c][o] for c, o in pkg.items())
            hit = any(pkg[c] in opts for c, opts in spec.get("red_lines", {}).items())
            return (min(max(u, 0.0), 1.0) - aspiration[a] >= -TOL) and not hit

        trig = "when_not" in rule or pkg["c0"] != doc["scenario"]["status_quo_package"]["c0"]
        yes = [v for v in rule["voters"] if accepts(v)]
        ok = not trig or (len(yes) >= rule["k"] and all(v in yes for v in rule["vetoes"]))
        sig_hit = any(pkg[c] in opts for c, opts in doc["actors"][sig].get("red_lines", {}).items())
        out.append(ok and not sig_hit)
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(k_of_n_documents(), st.data())
def test_brute_force_enumeration_and_milp_agree(doc, data):
    scenario = scenario_from_document(doc)
    cp = compile_scenario(scenario)
    asp = np.array([data.draw(st.floats(0.0, 1.0).map(lambda x: round(x, 3))) for _ in cp.actors])
    free = np.ones(cp.n_clauses, dtype=bool)
    space = Space(cp, free, cp.sq)
    problem = SearchProblem(cp, cp.wvalues, asp, cp.signatory, free, cp.sq)
    keys = max_min_keys(problem, space)
    brute = _brute_force(doc, dict(zip(cp.actors, asp, strict=True)))
    assert list(np.isfinite(keys)) == brute
    milp = solve_maxmin(problem)
    if not any(brute):
        if milp.package is not None:  # only within the MILP's own tolerance
            looser = SearchProblem(cp, cp.wvalues, asp - 1e-6, cp.signatory, free, cp.sq)
            assert np.isfinite(max_min_keys(looser, Space.of(cp, milp.package[None, :]))[0])
        return
    assert milp.package is not None
    assert max_min_keys(problem, Space.of(cp, milp.package[None, :]))[0] >= keys.max() - 1e-7


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 6), st.data())
def test_rule_passes_counts_and_vetoes(n, data):
    doc = {
        "scenario": {"id": "t", "max_rounds": 2, "status_quo_package": {"c": "a"}},
        "protocol": {"proposal_mode": "alternating_offers"},
        "clauses": {"c": ["a", "b"]},
        "actors": {f"p{i}": {"salience": {"c": 1}, "utilities": {"c": [0, 1]}} for i in range(n)},
    }
    voters = list(doc["actors"])
    k = data.draw(st.integers(1, n))
    vetoes = data.draw(st.lists(st.sampled_from(voters), max_size=n, unique=True))
    doc["decision_rules"] = {"clause_approvals": {"c": {"rule": "k_of_n", "voters": voters, "k": k, "vetoes": vetoes}}}
    (rule,) = compile_scenario(scenario_from_document(doc)).rules
    accepts = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    expected = accepts.sum() >= k and all(accepts[voters.index(v)] for v in vetoes)
    assert rule_passes(rule, accepts) == expected


def _issues(rule: dict[str, Any]) -> list[str]:
    doc = {
        "scenario": {"id": "t", "max_rounds": 2, "status_quo_package": {"c": "a"}},
        "protocol": {"proposal_mode": "alternating_offers"},
        "clauses": {"c": ["a", "b"]},
        "actors": {p: {"salience": {"c": 1}, "utilities": {"c": [0, 1]}} for p in ("A", "B", "C")},
        "decision_rules": {"clause_approvals": {"c": rule}},
    }
    with pytest.raises(ScenarioError) as info:
        scenario_from_document(doc)
    return [f"{i.dotted}: {i.message}" for i in info.value.issues]


def test_k_of_n_errors():
    where = "decision_rules.clause_approvals.c.0"
    assert _issues({"rule": "k_of_n", "voters": ["A", "B"], "k": 3}) == [
        f"{where}.k: k is 3 but the rule has 2 voter(s)"
    ]
    assert _issues({"rule": "k_of_n", "voters": ["A", "B"], "k": 1, "vetoes": ["C"]}) == [
        f"{where}.vetoes.0: veto 'C' is not one of the rule's voters"
    ]
    assert _issues({"rule": "k_of_n", "voters": ["A"]}) == [
        f"{where}: rule 'k_of_n' needs k (how many voters must accept)"
    ]
    assert _issues({"rule": "unanimity", "voters": ["A"], "k": 1}) == [
        f"{where}.k: k belongs to rule 'k_of_n' only (this rule is 'unanimity')"
    ]
