"""The whole Pareto frontier of the signed packages and the count of signed packages, against brute force.

Brute force here is independent of :func:`sim.analysis.theory.pareto_mask`: every pair of signed packages is
compared (O(N²)). Both methods of :mod:`sim.analysis.frontier` (enumeration, Sylva–Crema MILPs) are checked; so is
the counting branch and bound of :mod:`sim.analysis.counting` with the smallest leaves, so that its pruning and
accepting tests decide almost everything.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from strategies import scenarios

from sim import scenario_from_document
from sim.analysis import counting
from sim.analysis.bargaining import analyze
from sim.analysis.frontier import _milp, frontier, supported
from sim.analysis.signed import signed_mask
from sim.core.compiled import compile_scenario
from sim.core.utility import all_packages, utilities
from sim.interop.genius import scenario_document

FIX = Path(__file__).parent / "fixtures" / "genius"
SMALL = {"max_actors": 5, "max_clauses": 3, "max_options": 4}


def brute_frontier(cp) -> set[tuple[int, ...]]:
    """Signed packages that no signed package dominates (weakly better for every signatory, strictly for one)."""
    X = all_packages(cp.n_options)
    ok = signed_mask(cp, X)
    P, U = X[ok], utilities(cp, X[ok])[cp.signatory].T
    ge = (U[:, None, :] >= U[None, :, :]).all(axis=2)  # ge[y, x]: y ≥ x everywhere
    gt = (U[:, None, :] > U[None, :, :]).any(axis=2)
    dominated = (ge & gt).any(axis=0)
    return {tuple(int(v) for v in p) for p in P[~dominated]}


def _signatories(scenario) -> int:
    return int(compile_scenario(scenario).signatory.sum())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(scenarios(**SMALL))
def test_enumerated_frontier_is_the_brute_force_frontier(scenario):
    assume(2 <= _signatories(scenario) <= 4)
    cp = compile_scenario(scenario)
    expected = brute_frontier(cp)
    summary, listed = frontier(cp, None, max_listed=10_000)
    assert summary["method"] == "enumeration" and summary["count"] == len(expected)
    assert {tuple(int(v) for v in p) for p in listed} == expected
    assert not summary["truncated"]


@pytest.mark.slow
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(scenarios(**SMALL))
def test_milp_frontier_is_the_brute_force_frontier(scenario):
    """Sylva–Crema on a space small enough to check (the method analyze uses beyond enumeration)."""
    assume(2 <= _signatories(scenario) <= 4)
    cp = compile_scenario(scenario)
    expected = brute_frontier(cp)
    summary, listed, _ = _milp(cp, np.flatnonzero(cp.signatory), 10_000, None)
    assert summary["count"] == len(expected)
    assert {tuple(int(v) for v in p) for p in listed} == expected


def test_a_truncated_list_keeps_the_exact_count_and_the_largest_sums(toy):
    cp = compile_scenario(toy)
    full, all_listed = frontier(cp, None)
    part, listed = frontier(cp, None, max_listed=2)
    assert part["count"] == full["count"] == 5 and part["truncated"] and part["listed"] == 2
    assert [p.tolist() for p in listed] == [p.tolist() for p in all_listed[:2]]
    sums = [utilities(cp, p[None, :])[cp.signatory, 0].sum() for p in all_listed]
    assert sums == sorted(sums, reverse=True)


def test_a_truncated_milp_frontier_says_it_is_a_bound(toy):
    cp = compile_scenario(toy)
    summary, listed, _ = _milp(cp, np.flatnonzero(cp.signatory), 2, 14)
    assert summary["count"] is None and summary["truncated"] and len(listed) == 2
    assert summary["count_at_least"] == 2 and summary["count_at_most"] == 14


def test_supported_points_are_the_convex_hull_ones():
    U = np.array([[1.0, 0.0], [0.6, 0.6], [0.45, 0.45 + 0.1], [0.0, 1.0], [0.4, 0.65]])
    # (0.6, 0.6) lies above the chord from (1, 0) to (0, 1); (0.4, 0.65) lies below the chord (0.6, 0.6)-(0, 1)
    assert supported(U).tolist() == [True, True, False, True, False]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(max_clauses=5, max_options=4))
def test_counting_branch_and_bound_equals_enumeration(scenario):
    cp = compile_scenario(scenario)
    exact = int(signed_mask(cp, all_packages(cp.n_options)).sum())
    old = counting.LEAF
    try:
        counting.LEAF = 1
        assert counting.count_signed(cp, signed_mask) == (exact, exact)
        lo, hi = counting.count_signed(cp, signed_mask, max_nodes=3)
        assert lo <= exact <= hi
    finally:
        counting.LEAF = old


def _camera():
    doc = scenario_document(FIX / "camera_domain.xml", [FIX / "camera_buyer.xml", FIX / "camera_seller.xml"])
    return scenario_from_document(doc)


def test_camera_domain_has_all_sixteen_efficient_outcomes():
    """ANAC 2011 Camera (3,600 outcomes, reservation 0): the weight grid found 5 efficient outcomes; there are 16."""
    a = analyze(_camera())
    f = a["frontier"]
    assert f["count"] == f["listed"] == len(a["pareto"]) == 16 and f["vectors"] == 16
    cp = compile_scenario(_camera())
    assert {tuple(cp.package(p["package"])) for p in a["pareto"]} == brute_frontier(cp)
    assert 5 <= f["supported"] < 16


def test_camera_frontier_equals_negmas():
    pytest.importorskip("negmas", reason="negmas is not installed (pip install -e '.[bench]')")
    from negmas.preferences.ops import pareto_frontier
    from validation.test_negmas import negmas_ufuns

    cp = compile_scenario(_camera())
    os_, ufuns = negmas_ufuns(cp, reserved=True)
    front, _ = pareto_frontier(ufuns, issues=os_.issues)
    a = analyze(_camera())
    ours = sorted(tuple(round(p["utilities"][n], 6) for n in a["signatories"]) for p in a["pareto"])
    assert ours == sorted(tuple(round(float(v), 6) for v in u) for u in front)
