"""``max_product`` (benchmark W1): the fast path of :func:`sim.search.enumeration.enumerate_best` (each proposer's
few candidates, kept per space) picks the package the general enumeration picks, ties included.

The fast path keeps, per proposer, only the packages whose product of the others' clipped utilities is within
``TOL`` of the best of the strictly higher bins of the proposer's utility; the general code scores every package.
Both are compared on random scenarios (red lines, constraints, approval rules, interactions), random aspirations
and every signatory as the proposer, and on W1-sized random domains (65,536 packages).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from strategies import scenarios

from sim.core.compiled import compile_scenario
from sim.scenario.loader import scenario_from_document
from sim.search import enumeration
from sim.search.searcher import SearchProblem, Space, enumerate_best


def _both(cp, aspiration, proposer, monkeypatch):
    """(the fast path's answer, the general code's answer) for ``proposer`` at ``aspiration``."""
    free = np.ones(cp.n_clauses, dtype=bool)
    problem = SearchProblem(cp, cp.wvalues, aspiration, cp.signatory, free, cp.sq, proposer, "max_product")
    fast = enumerate_best(problem, Space(cp, free, cp.sq))
    with monkeypatch.context() as m:
        m.setattr(enumeration, "_max_product", lambda *args: None)
        general = enumerate_best(problem, Space(cp, free, cp.sq))
    return fast, general


def _same(fast, general):
    assert (fast.package is None) == (general.package is None)
    if fast.package is not None:
        assert np.array_equal(fast.package, general.package)
        assert fast.score == general.score


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(s=scenarios(max_actors=4, max_clauses=5, max_options=4), data=st.data(), bins=st.sampled_from([1, 2, 3, 256]))
def test_the_fast_path_picks_the_general_codes_package(s, data, bins, monkeypatch):
    """With few bins (a bin holds many packages) the filter's "strictly higher bins" is what is tested."""
    cp = compile_scenario(s)
    asp = np.array(data.draw(st.lists(st.floats(0.0, 1.0), min_size=cp.n_actors, max_size=cp.n_actors)))
    monkeypatch.setattr(enumeration, "PRODUCT_BINS", bins)
    for p in np.flatnonzero(cp.signatory):
        _same(*_both(cp, asp, int(p), monkeypatch))


def _w1_like(seed: int):
    """A W1-shaped domain (5 actors, 8 clauses x 4 options, Dirichlet weights, values rescaled per clause)."""
    rng = np.random.default_rng(seed)
    actors, clauses, options = ["US", "UA", "RU", "FR", "DE"], [f"c{j}" for j in range(8)], ["a", "b", "c", "d"]
    w = rng.dirichlet(np.ones(8), size=5)
    v = rng.random((5, 8, 4))
    v = (v - v.min(axis=2, keepdims=True)) / (v.max(axis=2, keepdims=True) - v.min(axis=2, keepdims=True))
    doc = {
        "scenario": {"id": "w1_like", "max_rounds": 50, "status_quo_package": dict.fromkeys(clauses, "a")},
        "protocol": {"agenda": "single_package", "proposal_mode": "alternating_offers", "offer_rule": "max_product"},
        "clauses": {c: {"options": options} for c in clauses},
        "actors": {
            a: {
                "role": "party_signatory",
                "salience": {c: float(w[i, j]) for j, c in enumerate(clauses)},
                "utilities": {c: [float(x) for x in v[i, j]] for j, c in enumerate(clauses)},
            }
            for i, a in enumerate(actors)
        },
        "decision_rules": {"signatories": actors},
    }
    return compile_scenario(scenario_from_document(doc))


@pytest.mark.parametrize("seed", [0, 1])
def test_the_fast_path_on_w1_sized_domains(seed, monkeypatch):
    cp = _w1_like(seed)
    rng = np.random.default_rng(100 + seed)
    for t, p in itertools.product((0, 20, 45), range(cp.n_actors)):
        asp = 0.55 + 0.45 * (1 - (t / 50) ** (1 / rng.uniform(0.5, 3.0, cp.n_actors)))
        _same(*_both(cp, asp, p, monkeypatch))
    # floors inside a bin of the proposer's utility: at the best package of the bin above its best one (the bin's
    # best fails the floor there, so the answer may be a package that is not its bin's best)
    space = Space(cp, np.ones(cp.n_clauses, dtype=bool), cp.sq)
    u = space.utilities(cp, cp.wvalues)
    bins = enumeration.PRODUCT_BINS
    for p in range(cp.n_actors):
        others = np.prod(np.clip(np.delete(u, p, axis=0), 0, 1), axis=0)
        b = np.clip((u[p] * bins).astype(np.int64), 0, bins - 1)
        floors = []
        for k in np.unique(b)[-40:]:  # the bins where the floors of a run's rounds lie
            inside = np.flatnonzero(b == k)
            top = inside[np.argmax(others[inside])]
            higher = inside[u[p, inside] > u[p, top]]
            if len(higher):
                floors.append(u[p, higher[np.argmax(others[higher])]])
        assert floors
        for floor in floors:
            asp = np.full(cp.n_actors, 0.5)
            asp[p] = floor
            _same(*_both(cp, asp, p, monkeypatch))


@given(
    hnp.arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 40)), elements=st.floats(0.0, 1.0)),
    st.data(),
)
def test_the_row_product_is_numpys_product_bit_for_bit(x, data):
    rows = np.array(sorted(data.draw(st.sets(st.integers(0, x.shape[0] - 1), min_size=1))), dtype=np.int64)
    assert enumeration._row_product(x, rows).tobytes() == np.prod(x[rows], axis=0).tobytes()
