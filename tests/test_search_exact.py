"""The three exact searches agree: brute-force enumeration, the branch-and-bound fast path and the HiGHS MILP.

On random small scenarios (shared strategies, with constraints, approval rules, red lines and interactions) and
random aspirations: the same optimal max–min key (min surplus + ε · mean utility); branch and bound returns the
enumeration's package itself (ties included); the MILP's package is optimal and equal whenever the optimum is
unique, with or without the branch and bound's incumbent as its start (what the searcher hands it when the branch
and bound gives up).
"""

from __future__ import annotations

import dataclasses

import numpy as np
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from strategies import scenarios

from sim.core.compiled import compile_scenario
from sim.search import bnb as bnb_search
from sim.search import highs
from sim.search.enumeration import max_min_keys
from sim.search.milp import maxmin_rows, relaxed_optimum, solve_maxmin
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
    bnb, incumbent = bnb_search.attempt(problem)
    plain = branch_and_bound(problem)
    assert (bnb is None) == (plain is None)
    if bnb is not None and plain is not None:
        assert (bnb.package is None and plain.package is None) or np.array_equal(bnb.package, plain.package)
    if incumbent is not None:  # a feasible package, so no better than the optimum
        k_inc = max_min_keys(problem, Space.of(cp, incumbent[None, :]))[0]
        assert np.isfinite(k_inc) and k_inc <= keys.max() + 1e-12
    milp = solve_maxmin(problem)
    started = solve_maxmin(problem, incumbent)
    assert (started.package is None) == (milp.package is None)
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
    top = relaxed_optimum(problem)  # the LP relaxation bounds every package's key (the expected-value search's bound)
    assert top is not None and best <= top + 1e-9
    if bnb is not None:
        assert bnb.package is not None and np.array_equal(bnb.package, pkg_e)
    assert pkg_m is not None
    unique = len(keys) == 1 or np.sort(keys)[-2] < best - 1e-6
    for pkg in (pkg_m, started.package):
        k_m = max_min_keys(problem, Space.of(cp, pkg[None, :]))[0]
        assert k_m >= best - KEY_TOL
        if unique:
            assert np.array_equal(pkg, pkg_e)


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


def test_a_branch_and_bound_that_gives_up_hands_the_milp_a_start_with_the_same_optimum(paris2025, monkeypatch):
    """Paris 2025 under a single package (94 million packages): with the node budget cut to 50, the branch and
    bound gives up, and its incumbent is a feasible package; the MILP started from it (what the searcher does)
    finds the same package as the MILP started from the status quo."""
    from sim import tweak

    cp = compile_scenario(tweak(paris2025, {"protocol.agenda": "single_package"}))
    free = np.ones(cp.n_clauses, dtype=bool)
    monkeypatch.setattr(bnb_search, "BNB_MAX_NODES", 50)
    for t in (0, 6):
        asp = cp.reservation(t) + (cp.u_max - cp.reservation(t)) * (1 - t / cp.max_rounds)
        problem = SearchProblem(cp, cp.wvalues, asp, cp.signatory, free, cp.sq)
        out, incumbent = bnb_search.attempt(problem)
        assert out is None and incumbent is not None
        k_inc = max_min_keys(problem, Space.of(cp, incumbent[None, :]))[0]
        cold, started = solve_maxmin(problem), solve_maxmin(problem, incumbent)
        k_opt = max_min_keys(problem, Space.of(cp, cold.package[None, :]))[0]
        assert np.isfinite(k_inc) and k_inc <= k_opt + 1e-12
        assert np.array_equal(started.package, cold.package)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(max_actors=4, max_clauses=5, max_options=4), st.data())
def test_a_copied_model_builds_the_same_program_and_leaves_its_original_alone(s, data):
    """The expected-value search builds the max–min rows once and adds each pattern's rows to a copy: the copy's
    program is the one built from scratch, and what is added to the copy does not reach the original."""
    cp = compile_scenario(s)
    asp = np.array(data.draw(st.lists(st.floats(0.0, 1.0), min_size=cp.n_actors, max_size=cp.n_actors)))
    free = np.ones(cp.n_clauses, dtype=bool)
    problem = SearchProblem(cp, cp.wvalues, asp, cp.signatory, free, cp.sq)
    rows = maxmin_rows(problem)
    m = rows[0]
    c = np.arange(m.n, dtype=float)
    before = m.arrays(c)
    copied = m.copy()
    fresh = maxmin_rows(problem)[0].arrays(c)
    for a, b in zip(dataclasses.astuple(copied.arrays(c)), dataclasses.astuple(fresh), strict=True):
        assert np.array_equal(a, b)
    j = data.draw(st.integers(0, m.n_x - 1))
    w = copied.add_var(-1.0, 1.0, integer=True)
    copied.forbid(j)
    copied.add_row({j: 1.0, w: 2.0}, 0.0, 1.0)
    assert (copied.n, len(copied.rows), copied.ub[j]) == (m.n + 1, len(m.rows) + 1, 0.0)
    for a, b in zip(dataclasses.astuple(m.arrays(c)), dataclasses.astuple(before), strict=True):
        assert np.array_equal(a, b)
    assert relaxed_optimum(problem, rows) == relaxed_optimum(problem)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(max_actors=4, max_clauses=4, max_options=3), st.data())
def test_the_rows_dropped_as_implied_cut_off_nothing_and_leave_the_optimum(s, data):
    """:meth:`PackageModel.implied_rows` (the mediator's MILPs go to HiGHS without them): every enumerated package,
    with any value of the other variables within their bounds (their ends drawn), meets every dropped row; and the
    max–min MILP and its LP relaxation have the same optimum with and without them."""
    cp = compile_scenario(s)
    asp = np.array(data.draw(st.lists(st.floats(0.0, 1.0), min_size=cp.n_actors, max_size=cp.n_actors)))
    free = np.array(data.draw(st.lists(st.booleans(), min_size=cp.n_clauses, max_size=cp.n_clauses)))
    problem = SearchProblem(cp, cp.wvalues, asp, cp.signatory, free, cp.sq)
    m, z, _ = maxmin_rows(problem)
    c = np.zeros(m.n)
    c[z] = -1.0
    full, pruned = m.arrays(c), m.arrays(c, drop_implied=True)
    dropped = m.implied_rows(full.A, full.lo, full.hi, full.lb, full.ub)
    assert not dropped[: cp.n_clauses].any()  # the one-hot rows stay
    assert pruned.A.shape[0] == full.A.shape[0] - int(dropped.sum())
    space = Space(cp, np.ones(cp.n_clauses, dtype=bool), cp.sq)
    allowed = np.asarray(full.ub[: m.n_x]) > 0
    A, lo, hi = full.A[dropped], full.lo[dropped], full.hi[dropped]
    ends = np.where(np.isfinite(full.lb), full.lb, -1e6), np.where(np.isfinite(full.ub), full.ub, 1e6)
    checked = 0
    for pkg in space.packages:
        flat = pkg + cp.offsets
        if not allowed[flat].all():
            continue
        v = np.zeros(m.n)
        v[flat] = 1.0
        # y, q, z at drawn ends of their bounds (an infinite bound only where no dropped row has a coefficient)
        pick = np.array(data.draw(st.lists(st.booleans(), min_size=m.n - m.n_x, max_size=m.n - m.n_x)))
        v[m.n_x :] = np.where(pick, ends[1][m.n_x :], ends[0][m.n_x :])
        act = A @ v
        assert np.all(act <= hi + 1e-9) and np.all(act >= lo - 1e-9)
        checked += 1
    event(f"rows dropped: {'some' if dropped.any() else 'none'}, packages checked: {'some' if checked else 'none'}")
    for relax in (False, True):
        a, b = (dataclasses.replace(p, integer=np.zeros_like(p.integer)) if relax else p for p in (full, pruned))
        ha, hb = a.load(), b.load()
        ha.run()
        hb.run()
        xa, xb = highs.optimum(ha), highs.optimum(hb)
        assert (xa is None) == (xb is None)
        if xa is not None:
            assert abs(float(c @ xa) - float(c @ xb)) <= 1e-9
