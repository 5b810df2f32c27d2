"""The three exact searches agree: brute-force enumeration, the branch-and-bound fast path and the HiGHS MILP.

On random small scenarios (shared strategies, with constraints, approval rules, red lines and interactions) and
random aspirations: the same optimal max–min key (min surplus + ε · mean utility); branch and bound returns the
enumeration's package itself (ties included); the MILP's package is optimal and equal whenever the optimum is
unique.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import scenarios

from sim.core.compiled import compile_scenario
from sim.search.enumeration import max_min_keys
from sim.search.milp import solve_maxmin
from sim.search.searcher import SearchProblem, Space, branch_and_bound, enumerate_best

KEY_TOL = 1e-7


def _check(cp, asp, self_floor):
    free = np.ones(cp.n_clauses, dtype=bool)
    base = cp.sq
    space = Space(cp, free, base)
    problem = SearchProblem(cp, cp.wvalues, asp, cp.signatory, free, base, self_floor)
    keys = max_min_keys(problem, space)
    enum = enumerate_best(problem, space)
    pkg_e = enum.package
    bnb = branch_and_bound(problem)
    milp = solve_maxmin(problem)
    pkg_m = milp.package
    assert (enum.method, milp.method) == ("enumeration", "milp")
    assert bnb is None or bnb.method == "branch_and_bound"
    if pkg_e is None:
        assert bnb is None or bnb.package is None
        if pkg_m is not None:  # the MILP may only find packages the enumeration rejects by its TOL
            looser = SearchProblem(cp, cp.wvalues, asp - 1e-6, cp.signatory, free, base, self_floor)
            assert enumerate_best(looser, Space.of(cp, pkg_m[None, :])).package is not None
        return
    best = keys.max()
    if bnb is not None:
        assert bnb.package is not None and np.array_equal(bnb.package, pkg_e)
    assert pkg_m is not None
    k_m = max_min_keys(problem, Space.of(cp, pkg_m[None, :]))[0]
    assert k_m >= best - KEY_TOL
    unique = len(keys) == 1 or np.sort(keys)[-2] < best - 1e-6
    if unique:
        assert np.array_equal(pkg_m, pkg_e)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(max_actors=4, max_clauses=5, max_options=4), st.data())
def test_enumeration_bnb_and_milp_agree(s, data):
    cp = compile_scenario(s)
    asp = np.array(data.draw(st.lists(st.floats(0.0, 1.0), min_size=cp.n_actors, max_size=cp.n_actors)))
    _check(cp, asp, None)
    proposers = np.flatnonzero(cp.signatory)
    if len(proposers) > 1:
        _check(cp, asp, int(data.draw(st.sampled_from(list(proposers)))))


def test_paris_2025_single_package_bnb_equals_milp(paris2025):
    from sim import tweak

    cp = compile_scenario(tweak(paris2025, {"protocol.agenda": "single_package"}))
    free = np.ones(cp.n_clauses, dtype=bool)
    for t in (0, 4, 8):
        asp = cp.reservation(t) + (cp.u_max - cp.reservation(t)) * (1 - t / cp.max_rounds)
        problem = SearchProblem(cp, cp.wvalues, asp, cp.signatory, free, cp.sq)
        out = branch_and_bound(problem)
        pkg_m = solve_maxmin(problem).package
        assert out is not None
        assert (out.package is None) == (pkg_m is None)
        if pkg_m is not None:
            assert np.array_equal(out.package, pkg_m)
