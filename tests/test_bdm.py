"""BDM's expected-utility model (sim.analysis.bdm) and the reference forecasts (sim.analysis.baselines).

Known values are the validation rows (tests/validation/rows.py, REPORT §E); here: hand-computed small cases,
hypothesis properties of the model, and the scenario mapping checked against the scenario's own numbers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import load_scenario
from sim.analysis import bdm as B
from sim.analysis.baselines import (
    clause_inputs,
    closeness,
    compromise_forecast,
    nash_forecast,
    nearest_option,
    option_positions,
    p_deal,
    p_text,
)
from sim.core.compiled import compile_scenario
from sim.core.utility import utilities, vetoes
from tests.validation.rows import EC_C, EC_S, EC_X

ROOT = Path(__file__).resolve().parents[1]


@st.composite
def issues(draw, n_min: int = 2, n_max: int = 7):
    """Positions on [0, 100] (often shared), capabilities > 0, saliences in (0, 1]."""
    n = draw(st.integers(n_min, n_max))
    grid = draw(st.booleans())
    pos = st.sampled_from([0.0, 25.0, 50.0, 75.0, 100.0]) if grid else st.floats(0, 100)
    x = np.array(draw(st.lists(pos, min_size=n, max_size=n)))
    c = np.array(draw(st.lists(st.floats(0.01, 10), min_size=n, max_size=n)))
    s = np.array(draw(st.lists(st.floats(0.01, 1), min_size=n, max_size=n)))
    return x, c, s


# -- hand-computed values ---------------------------------------------------------------------------------
def test_two_actors_by_hand():
    # x = (0, 100), c·s = (1, 3): μ = 75; A's vote for 0 over 100 is 1·(1 − 0) + 3·(0 − 1) = −2 (per Δx)
    x, c, s = [0.0, 100.0], [1.0, 3.0], [1.0, 1.0]
    assert B.weighted_mean(x, c, s) == 75.0
    V = B.pairwise_votes(x, c, s)
    assert V[0, 1] == pytest.approx(-2.0) and V[1, 0] == pytest.approx(2.0)
    assert B.condorcet_winner(x, c, s) == 100.0
    assert B.weighted_median(x, c, s) == 100.0
    P = B.win_probability(x, c, s)
    assert P[0, 1] == pytest.approx(0.25) and P[1, 0] == pytest.approx(0.75)


def test_expected_utility_by_hand():
    # d = 1, r = 1: U^s = 2, U^f = −2, U^sq = 0; with Q = 1 EU_0(1) = s_1 (P·2 − (1 − P)·2) + (1 − s_1)·2
    x, c, s = [0.0, 100.0], [1.0, 3.0], [0.5, 0.8]
    P = B.win_probability(x, c, s)[0, 1]  # (1·0.5)/(1·0.5 + 3·0.8)
    eu = B.expected_utility(x, c, s)
    assert eu[0, 1] == pytest.approx(0.8 * (4 * P - 2) + 0.2 * 2)
    assert np.diag(eu).tolist() == [0.0, 0.0]


def test_q_below_one_subtracts_the_whole_non_challenge_branch():
    # REPORT: the port adds (1 − Q)(T U^b + …) instead of subtracting it; with Q = 0, T = 1: EU = … − U^b
    x, c, s = np.array([0.0, 50.0, 100.0]), np.ones(3), np.full(3, 0.5)
    mu = B.weighted_mean(x, c, s)
    u = B.basic_utilities(x, np.ones(3), mu, 100.0)
    P = B.win_probability(x, c, s)
    expected = 0.5 * (P * u.us + (1 - P) * u.uf) + 0.5 * u.us - u.ub
    got = B.expected_utility(x, c, s, Q=0.0, T=1.0)
    off = ~np.eye(3, dtype=bool)
    assert np.allclose(got[off], expected[off])


def test_risk_exponents_by_hand():
    # S = column sums without the diagonal = (1, 2, 3): R = (−1, 0, 1), r = (2, 1, 0.5)
    eu = np.array([[0.0, 2.0, 1.0], [0.5, 0.0, 2.0], [0.5, 0.0, 0.0]])
    assert np.allclose(B.risk_exponents(eu), [2.0, 1.0, 0.5])
    assert np.allclose(B.risk_exponents(np.zeros((3, 3))), 1.0)


def test_ec_round_moves_only_towards_others():
    res = B.bdm(EC_X, EC_C, EC_S / 100)
    assert res.positions.shape[1] == 10
    for before, after in zip(res.positions[:-1], res.positions[1:], strict=True):
        assert after.min() >= before.min() - 1e-12 and after.max() <= before.max() + 1e-12
    assert 4.0 <= res.forecast <= 10.0


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError):
        B.weighted_mean([1, 2], [1], [1, 1])
    with pytest.raises(ValueError):
        B.weighted_mean([1, 2], [-1, 1], [1, 1])
    with pytest.raises(ValueError):
        B.weighted_mean([1, 2], [0, 0], [1, 1])


# -- properties -------------------------------------------------------------------------------------------
@settings(max_examples=60)
@given(issues())
def test_probabilities_are_complementary(data):
    x, c, s = data
    P = B.win_probability(x, c, s, 0, 100)
    off = ~np.eye(len(x), dtype=bool)
    assert np.allclose((P + P.T)[off], 1.0)
    assert np.all((P >= 0) & (P <= 1))


@settings(max_examples=60)
@given(issues())
def test_risk_in_range_and_equal_positions_never_challenge(data):
    x, c, s = data
    eu = B.expected_utility(x, c, s, 0, 100)
    r = B.risk_exponents(eu)
    assert np.all((r >= 0.5 - 1e-12) & (r <= 2 + 1e-12))
    same = (x[:, None] == x[None, :]) & ~np.eye(len(x), dtype=bool)
    assert np.all(np.abs(eu[same]) <= 1e-12)


@settings(max_examples=40, deadline=None)
@given(issues())
def test_forecast_lies_within_the_positions(data):
    x, c, s = data
    res = B.bdm(x, c, s, 0, 100, rounds=8)
    assert x.min() - 1e-9 <= res.forecast <= x.max() + 1e-9
    assert x.min() <= res.median <= x.max()
    assert res.positions.min() >= x.min() - 1e-9 and res.positions.max() <= x.max() + 1e-9


@settings(max_examples=40, deadline=None)
@given(issues(), st.integers(-6, 6))
def test_scaling_capabilities_changes_nothing(data, m):
    # a power of two scales every float exactly, so the rounds are identical, ties included
    x, c, s = data
    a, b = B.bdm(x, c, s, 0, 100, rounds=6), B.bdm(x, c * 2.0**m, s, 0, 100, rounds=6)
    assert np.array_equal(a.positions, b.positions)
    assert a.forecast == pytest.approx(b.forecast, abs=1e-9)
    assert B.condorcet_winner(x, c, s, 0, 100) == B.condorcet_winner(x, c * 2.0**m, s, 0, 100)


@settings(max_examples=60)
@given(issues(n_min=1))
def test_condorcet_winner_is_the_weighted_median_on_a_line(data):
    x, c, s = data
    cw = B.condorcet_winner(x, c, s, 0, 100)
    assert cw is not None  # on a line with linear distances a weighted median always beats every other point
    V = B.pairwise_votes(x, c, s, 0, 100)
    j = int(np.flatnonzero(x == cw)[0])
    assert np.all(V[j] >= -1e-9 * max(1.0, np.abs(V).max()))


# -- the scenario mapping and the baselines ---------------------------------------------------------------
@pytest.fixture(scope="module")
def paris25():
    return load_scenario(ROOT / "scenarios" / "paris_2025.yaml")


def test_clause_inputs_follow_the_scenario(paris25):
    cp = compile_scenario(paris25)
    inp = clause_inputs(paris25, "contact_line", cp=cp)
    assert inp.ordered and inp.option_positions.tolist() == [0.0, 50.0, 100.0]
    ru = inp.actors.index("RU")
    assert inp.x[ru] == 100.0  # RU's best: ua_withdraws_four_oblasts, the last of three
    assert inp.s[ru] == pytest.approx(cp.weights[cp.actors.index("RU"), cp.clauses.index("contact_line")])
    assert np.all(inp.c == 1.0)
    hu = clause_inputs(paris25, "contact_line", cp=cp).actors.index("HU")
    assert inp.x[hu] == 25.0  # HU values freeze and Donbas at 0.7 alike: the mean of the tied positions
    given = clause_inputs(paris25, "contact_line", {"RU": 3.0}, cp=cp)
    assert given.c[ru] == 3.0 and given.c[hu] == 1.0


def test_option_positions_and_rounding():
    assert option_positions(1).tolist() == [0.0]
    assert option_positions(5).tolist() == [0.0, 25.0, 50.0, 75.0, 100.0]
    assert nearest_option(12.5, 5) == 0 and nearest_option(12.6, 5) == 1 and nearest_option(100.0, 5) == 4


def test_compromise_is_the_rounded_weighted_mean(paris25):
    cp = compile_scenario(paris25)
    F = compromise_forecast(paris25)
    for cid, mu in F.positions.items():
        inp = clause_inputs(paris25, cid, cp=cp)
        assert mu == pytest.approx(float((inp.c * inp.s) @ inp.x / (inp.c * inp.s).sum()))
        c = cp.clauses.index(cid)
        assert F.package[cid] == cp.options[c][nearest_option(mu, int(cp.n_options[c]))]
    assert set(F.package) == set(cp.clauses) and "znpp" not in F.positions  # znpp is unordered


def test_p_deal_rules_on_the_nash_package(paris25):
    F = nash_forecast(paris25)
    assert F.package is not None
    assert p_deal(paris25, F) == 1.0  # the Nash package is signed by construction
    assert 0.9 < p_deal(paris25, F, "logistic") < 1.0
    assert p_text(paris25, F, F.package) == 1.0  # the forecast itself is within any tolerance
    sq = {c: o for c, o in paris25.scenario.status_quo_package.items()}
    assert p_text(paris25, F, sq) == 0.0


def test_closeness_by_hand(paris25):
    cp = compile_scenario(paris25)
    F = nash_forecast(paris25).package
    assert F is not None
    sig = np.flatnonzero(cp.signatory)
    U_F = cp.package(F)
    # moving one clause: close iff no signatory loses more than τ
    for c, cid in enumerate(cp.clauses):
        for o in cp.options[c]:
            T = {**F, cid: o}
            X = np.stack([U_F, cp.package(T)])
            U = utilities(cp, X)
            veto = vetoes(cp, X)[sig, 1].any()
            want = float(np.all(U[sig, 1] - U[sig, 0] >= -0.05 - 1e-12) and not veto)
            assert closeness(cp, F, [T])[0] == want
    p = closeness(cp, F, [F], rule="logistic")[0]
    assert p == pytest.approx(np.prod(1 / (1 + np.exp(-cp.lam[sig] * 0.05))))
