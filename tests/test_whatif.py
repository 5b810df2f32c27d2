"""``negsim whatif`` and ``negsim evaluate --nearest`` against brute force on small random scenarios.

- :func:`sim.analysis.whatif.cheapest_levers` equals the minimum, over every subset of a random lever menu (each
  applied to the scenario by :func:`sim.scenario.levers.apply_levers`, recompiled) and every package (clause edits
  respected when a package is given), of the cost of a subset under which the package is signed
  (:func:`sim.analysis.signed.signed_mask`, the exact test); its answer is itself signed.
- :func:`sim.analysis.whatif.nearest_signed` equals the lexicographic minimum (clauses changed, weighted distance)
  over every signed package.
- The menu's checks: wrong fields and references are one-line errors with the lever's place in the file.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st
from strategies import scenario_documents

from sim import scenario_from_document
from sim.analysis.signed import signed_mask
from sim.analysis.whatif import cheapest_levers, nearest_signed, weighted_distance_weights
from sim.core.compiled import compile_scenario
from sim.core.utility import all_packages
from sim.errors import ScenarioError, UsageError
from sim.scenario.levers import apply_levers

PROPS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
SMALL = {"max_actors": 4, "max_clauses": 3, "max_options": 3, "max_rounds": 5}
money = st.integers(0, 20).map(float)


def _levers(draw: Any, s: Any) -> list[dict[str, Any]]:
    """A random valid menu of up to five levers of every kind for scenario ``s``."""
    out: list[dict[str, Any]] = []
    clauses, actors = list(s.clauses), list(s.actors)
    reds = [(a, c, r) for a in actors for c, r in (s.actors[a].red_lines or {}).items() if r.options]
    rules = [
        (c, k, r)
        for c, lst in s.decision_rules.clause_approvals.items()
        for k, r in enumerate(lst)
        if r.rule != "ratification"
    ]
    used: set[tuple[str, ...]] = set()
    for n in range(draw(st.integers(2, 7))):
        kind = draw(st.sampled_from(["clause_edit", "soften_red_line", "transfer", "rule_switch", "shift"]))
        lev: dict[str, Any] = {"id": f"l{n}", "kind": kind, "cost": draw(money)}
        if kind == "clause_edit":
            c = draw(st.sampled_from(clauses))
            lev["clause"] = c
            if draw(st.booleans()):
                lev["options"] = draw(st.lists(st.sampled_from(s.clauses[c].options), min_size=1, unique=True))
        elif kind == "soften_red_line" and reds:
            a, c, r = draw(st.sampled_from(reds))
            if ("red", a, c) in used:
                continue
            used.add(("red", a, c))
            top = 300 if r.hard else round(r.penalty * 1000) - 1
            if top < 0:
                continue
            lev.update(actor=a, clause=c, penalty=draw(st.sampled_from([0, top, draw(st.integers(0, top))])) / 1000)
        elif kind == "transfer":
            lev.update(actor=draw(st.sampled_from(actors)), amount=draw(st.integers(1, 600)) / 1000)
        elif kind == "rule_switch" and rules:
            c, k, r = draw(st.sampled_from(rules))
            if ("rule", c, str(k)) in used:
                continue
            used.add(("rule", c, str(k)))
            to = draw(
                st.sampled_from(
                    ["none", "unanimity", "k_of_n", "qmv"] if s.decision_rules.qmv else ["none", "unanimity", "k_of_n"]
                )
            )
            lev.update(clause=c, index=k, to=to)
            if to == "k_of_n":
                voters = s.expand((r.required if r.rule == "contributors" else r.voters) or [])
                lev["k"] = draw(st.integers(1, max(len(voters), 1)))
        elif kind == "shift":
            a = draw(st.sampled_from(actors))
            field = draw(st.sampled_from(["war_cost", "expected_gain"]))
            by = draw(st.integers(-600, 300).filter(bool)) / 1000
            lev.update(path=f"actors.{a}.reservation.{field}", by=by)
        else:
            continue
        out.append(lev)
    return out


@st.composite
def lever_documents(draw: Any) -> dict[str, Any]:
    """A small scenario built so that levers matter: high reservation values, red lines (hard and soft) of
    signatories and voters, unanimity / qmv / k_of_n approvals by non-signatories, sometimes a constraint."""
    n_clauses, n_actors = draw(st.integers(1, 3)), draw(st.integers(2, 4))
    clauses = {f"c{c}": [f"o{k}" for k in range(draw(st.integers(2, 3)))] for c in range(n_clauses)}
    actors: dict[str, Any] = {}
    for a in range(n_actors):
        spec: dict[str, Any] = {
            "role": "party_signatory" if a < 2 else "approver",
            "salience": {c: draw(st.integers(1, 10)) / 10 for c in clauses},
            "utilities": {c: [draw(st.integers(0, 10)) / 10 for _ in opts] for c, opts in clauses.items()},
            "reservation": {"war_cost": draw(st.integers(0, 1)) / 10, "expected_gain": draw(st.integers(0, 3)) / 10},
        }
        if draw(st.booleans()):
            c = draw(st.sampled_from(list(clauses)))
            opts = draw(st.lists(st.sampled_from(clauses[c]), min_size=1, max_size=len(clauses[c]) - 1, unique=True))
            spec["red_lines"] = {c: {"options": opts, "penalty": draw(st.sampled_from(["hard", 0.1, 0.3]))}}
        actors[f"a{a}"] = spec
    sq = {c: draw(st.sampled_from(opts)) for c, opts in clauses.items()}
    doc: dict[str, Any] = {
        "scenario": {"id": "levers", "max_rounds": 3, "status_quo_package": sq},
        "protocol": {"mediator": "a0"},
        "clauses": clauses,
        "actors": actors,
        "decision_rules": {"signatories": ["a0", "a1"]},
    }
    approvals: dict[str, Any] = {}
    for c in clauses:
        if draw(st.booleans()):
            voters = draw(st.lists(st.sampled_from(list(actors)), min_size=1, unique=True))
            rule = draw(st.sampled_from(["unanimity", "qmv", "k_of_n"]))
            spec = {"rule": rule, "voters": voters, "when_not": [sq[c]]}
            if rule == "k_of_n":
                spec["k"] = draw(st.integers(1, len(voters)))
            approvals[c] = [spec]
    if approvals:
        doc["decision_rules"]["clause_approvals"] = approvals
        doc["decision_rules"]["qmv"] = {"population_share_of_eu27": {a: draw(st.integers(1, 9)) / 10 for a in actors}}
    if n_clauses >= 2 and draw(st.booleans()):
        doc["constraints"] = [{"id": "k", "if": {"c0": ["o1"]}, "require": {"c1": ["o1"]}}]
    return doc


@st.composite
def menus(draw: Any) -> tuple[Any, dict[str, str] | None]:
    """A small scenario (mostly :func:`lever_documents`) with a lever menu (levers whose application alone gives no
    valid scenario are left out), and a package (or None: any package)."""
    doc = draw(lever_documents() if draw(st.integers(0, 3)) else scenario_documents(**SMALL))
    s = scenario_from_document(doc)
    levers = []
    for lev in _levers(draw, s):
        try:
            one = scenario_from_document({**doc, "levers": [lev]})
            apply_levers(one, one.levers)
        except (UsageError, ScenarioError):
            continue
        levers.append(lev)
    s = scenario_from_document({**doc, "levers": levers})
    package = None
    if draw(st.booleans()):
        package = {c: draw(st.sampled_from(spec.options)) for c, spec in s.clauses.items()}
    return s, package


def brute_force(s: Any, package: dict[str, str] | None, skip: frozenset[str] | None = None) -> float:
    """The least cost of a lever subset under which some allowed package is signed (inf if none); ``skip``: leave
    out the subsets whose levers other than clause edits are exactly these."""
    cp = compile_scenario(s)
    X = all_packages(cp.n_options)
    base = None if package is None else cp.package(package)
    best = np.inf
    for r in range(len(s.levers) + 1):
        for subset in itertools.combinations(s.levers, r):
            cost = sum(lev.cost for lev in subset)
            if cost >= best or (skip is not None and {lev.id for lev in subset if lev.kind != "clause_edit"} == skip):
                continue
            try:
                edited = compile_scenario(apply_levers(s, subset))
            except UsageError:  # e.g. two shifts past a field's range: not a scenario
                continue
            ok = signed_mask(edited, X)
            if base is not None:
                for c in range(cp.n_clauses):
                    opened = np.zeros(cp.n_options[c], dtype=bool)
                    opened[base[c]] = True
                    for lev in subset:
                        if lev.kind == "clause_edit" and lev.clause == cp.clauses[c]:
                            opened |= lev.options is None
                            if lev.options is not None:
                                opened[[cp.options[c].index(o) for o in lev.options]] = True
                    ok &= opened[X[:, c]]
            if ok.any():
                best = cost
    return best


@settings(PROPS, max_examples=120)
@given(menus())
def test_cheapest_levers_equal_brute_force(case):
    s, package = case
    note(f"levers {[lev.model_dump(exclude_none=True) for lev in s.levers]} package {package}")
    expected = brute_force(s, package)
    got = cheapest_levers(s, package)
    event("no lever set works" if not np.isfinite(expected) else "free" if expected == 0 else "levers needed")
    event(f"kinds: {sorted({lev.kind for lev in s.levers})}")
    if not np.isfinite(expected):
        assert got is None
        return
    assert got is not None
    assert got["cost"] == pytest.approx(expected, abs=1e-9)
    chosen = [lev for lev in s.levers if lev.id in got["levers"]]
    edited = compile_scenario(apply_levers(s, chosen))
    assert signed_mask(edited, edited.package(got["package"])[None, :])[0]


@settings(PROPS, max_examples=40)
@given(menus())
def test_the_next_candidate_changes_the_scenario_otherwise(case):
    """whatif's second candidate: the cheapest set whose levers other than clause edits differ from the first's."""
    s, package = case
    first = cheapest_levers(s, package)
    if first is None:
        return
    kinds = {lev.id: lev.kind for lev in s.levers}
    skip = frozenset(i for i in first["levers"] if kinds[i] != "clause_edit")
    expected = brute_force(s, package, skip)
    second = cheapest_levers(s, package, exclude=[first["levers"]], scenario_cuts=True)
    if not np.isfinite(expected):
        assert second is None
        return
    assert second is not None and second["cost"] == pytest.approx(expected, abs=1e-9)
    assert frozenset(i for i in second["levers"] if kinds[i] != "clause_edit") != skip


def test_the_next_cheapest_set_excludes_the_ones_found(toy):
    doc = toy.document()
    doc["levers"] = [
        {"id": "pay_a", "kind": "transfer", "actor": "A", "amount": 0.3, "cost": 1.0},
        {"id": "pay_b", "kind": "transfer", "actor": "B", "amount": 0.3, "cost": 2.0},
    ]
    s = scenario_from_document(doc)
    seen: list[list[str]] = []
    costs = []
    while (got := cheapest_levers(s, exclude=seen)) is not None:
        assert got["levers"] not in seen
        seen.append(got["levers"])
        costs.append(got["cost"])
    assert costs == sorted(costs) and len(seen) <= 4


def brute_nearest(cp: Any, x0: np.ndarray) -> tuple[int, float] | None:
    X = all_packages(cp.n_options)
    ok = signed_mask(cp, X)
    if not ok.any():
        return None
    w = weighted_distance_weights(cp)
    diff = X[ok] != x0[None, :]
    keys = sorted(zip(diff.sum(axis=1).tolist(), (diff * w[None, :]).sum(axis=1).tolist(), strict=True))
    return keys[0]


@PROPS
@given(lever_documents() | scenario_documents(**SMALL), st.data())
def test_nearest_signed_equals_brute_force(doc, data):
    cp = compile_scenario(scenario_from_document(doc))
    x0 = np.array([data.draw(st.integers(0, int(k) - 1)) for k in cp.n_options], dtype=np.int64)
    expected = brute_nearest(cp, x0)
    got = nearest_signed(cp, x0)
    event("none signed" if expected is None else f"{expected[0]} clauses changed")
    if expected is None:
        assert got is None
        return
    assert got is not None
    assert (got["n_changed"], got["distance"]) == (expected[0], pytest.approx(expected[1], abs=1e-9))
    assert signed_mask(cp, cp.package(got["package"])[None, :])[0]


@pytest.mark.parametrize(
    ("lever", "message"),
    [
        ({"id": "x", "kind": "transfer", "actor": "A", "cost": 1.0}, "a transfer lever needs 'amount'"),
        ({"id": "x", "kind": "transfer", "actor": "A", "amount": 0.1, "clause": "price", "cost": 1.0},
         "'clause' is not a field of a transfer lever"),
        ({"id": "x", "kind": "shift", "path": "actors.A.discount", "by": 0.1, "cost": 1.0},
         "a shift lever moves actors.<ACTOR>.reservation.war_cost"),
        ({"id": "x", "kind": "deadline", "cost": 1.0}, "kind"),
        ({"id": "x", "kind": "rule_switch", "clause": "price", "to": "k_of_n", "cost": 1.0},
         "give k exactly when switching to k_of_n"),
    ],
)  # fmt: skip
def test_a_bad_lever_is_one_line_with_its_place(tmp_path, toy, lever, message):
    import yaml

    doc = toy.document()
    doc["levers"] = [lever]
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    from sim import load_scenario

    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    lines = [i.format() for i in err.value.issues]
    assert any(message in line and "levers" in line and f"{path}:" in line for line in lines), lines


@pytest.mark.parametrize(
    ("lever", "message"),
    [
        ({"id": "x", "kind": "soften_red_line", "actor": "A", "clause": "price", "penalty": 0.1, "cost": 1.0},
         "A has no red line on 'price'"),
        ({"id": "x", "kind": "rule_switch", "clause": "price", "to": "none", "cost": 1.0}, "no rule 0 to switch"),
    ],
)  # fmt: skip
def test_a_lever_that_does_not_fit_the_state_is_refused_by_whatif_not_by_the_loader(tmp_path, toy, cli, lever, message):
    """Edits change the state a lever refers to (a shock's profile drops a red line): loading still works, whatif
    says which lever does not fit, at its line."""
    import yaml

    from sim import load_scenario

    doc = toy.document()
    doc["levers"] = [lever]
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    load_scenario(path)
    r = cli("whatif", str(path), "--no-sim")
    assert r.returncode == 2 and message in r.stderr and f"{path}:" in r.stderr, r.stderr


def test_the_shipped_menu_survives_the_shocks(paris2026):
    """paris_2026's Hungarian election shock gives HU the E3 profile, without the red line a lever softens."""
    from sim.engine.prepared import apply_shocks

    shocked = apply_shocks(paris2026, frozenset({"hungary_election"}))
    assert "eu_accession" not in (shocked.actors["HU"].red_lines or {}) and shocked.levers
