"""Counterfactual blame (sim.search.blame) against brute force: every package of the space scored directly.

Brute force: among all packages x' of the space with clip(U_i(x'), 0, 1) ≥ ℓ, none of i's hard red lines and
every constraint met, the fewest clauses different from x, then the smallest loss of the others, then the first
in itertools.product order. Enumeration must return exactly that package; the MILP the same count and loss.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from strategies import scenarios

from sim.core.compiled import compile_scenario
from sim.core.utility import all_packages, feasible, raw_utilities, vetoes
from sim.scenario.loader import load_scenario
from sim.search.blame import counterfactual

NO_SHRINK = (Phase.explicit, Phase.reuse, Phase.generate)  # shrinking these cases took minutes on 2 cores


def brute_force(cp, i, x, level, others):
    packages = all_packages(cp.n_options)
    u = raw_utilities(cp, packages)
    ok = (np.clip(u[i], 0, 1) >= level) & ~vetoes(cp, packages)[i] & feasible(cp, packages)
    if not ok.any():
        return None
    ux = raw_utilities(cp, x[None, :])[:, 0]
    changed = (packages != x[None, :]).sum(axis=1)
    loss = (ux[others, None] - u[others]).sum(axis=0) if len(others) else np.zeros(len(packages))
    best = None
    for k in np.flatnonzero(ok):  # product order: the first of equal keys stays
        key = (int(changed[k]), round(float(loss[k]), 12))
        if best is None or key < best[0]:
            best = (key, k)
    return packages[best[1]], best[0]


def check(cp, i, x, level, others):
    bf = brute_force(cp, i, x, level, others)
    ex = counterfactual(cp, i, x, level, others, method="enumeration")
    mi = counterfactual(cp, i, x, level, others, method="milp")
    if bf is None:
        assert ex is None and mi is None
        return None
    pkg, (k, loss) = bf
    assert ex is not None and ex.package.tolist() == pkg.tolist()
    assert ex.n_changed == k and ex.others_loss == pytest.approx(loss, abs=1e-9)
    assert mi is not None and mi.n_changed == k and mi.others_loss == pytest.approx(loss, abs=1e-6)
    return ex


def test_toy_every_offer_and_level():
    cp = compile_scenario(load_scenario("scenarios/bilateral_toy.yaml"))
    found = 0
    for x in all_packages(cp.n_options):
        for i in range(cp.n_actors):
            u = float(np.clip(raw_utilities(cp, x[None, :])[i, 0], 0, 1))
            for level in (u + 0.05, u + 0.2, 0.7, 0.95, 1.2):
                found += check(cp, i, x, level, np.array([1 - i])) is not None
    assert found > 20  # the toy has counterfactuals to find, not only impossible levels


def test_offer_already_acceptable_needs_no_change():
    cp = compile_scenario(load_scenario("scenarios/bilateral_toy.yaml"))
    x = cp.sq.copy()
    u = float(np.clip(raw_utilities(cp, x[None, :])[0, 0], 0, 1))
    cf = counterfactual(cp, 0, x, u, np.array([1]))
    assert cf is not None and cf.n_changed == 0 and cf.changes == {}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], phases=NO_SHRINK)
@given(scenarios(max_actors=4, max_clauses=4, max_options=4), st.data())
def test_random_small_scenarios_match_brute_force(s, data):
    cp = compile_scenario(s)
    x = np.array([data.draw(st.integers(0, int(k) - 1)) for k in cp.n_options], dtype=np.int64)
    i = data.draw(st.integers(0, cp.n_actors - 1))
    level = data.draw(st.floats(0.0, 1.05))
    others = np.array([j for j in range(cp.n_actors) if j != i], dtype=np.int64)
    check(cp, i, x, level, others)
