"""sim.dashboard's model without a browser: changes by path, bounds from the model, runs, diff, YAML written."""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor

import pytest

from sim.dashboard.controls import bounds
from sim.dashboard.state import DashboardModel
from sim.errors import UsageError
from sim.scenario.loader import load_scenario


@pytest.fixture(scope="module")
def model():
    return DashboardModel.load("scenarios/paris_2025.yaml", n_seeds=30)


def test_bounds_come_from_the_pydantic_model():
    assert bounds("actors.RU.reservation.expected_gain") == (-1.0, 1.0)  # Signed
    assert bounds("actors.RU.discount") == (0.0, 1.0)  # gt 0, le 1
    assert bounds("actors.RU.salience.znpp") == (0.0, 1.0)  # le 1e6, capped for the slider


def test_set_drops_shipped_values_and_rejects_bad_ones(model):
    ch = model.set({}, "actors.RU.reservation.expected_gain", 0.4)
    assert model.diff(ch) == ["actors.RU.reservation.expected_gain: 0.15 → 0.4"]
    assert model.set(ch, "actors.RU.reservation.expected_gain", 0.15) == {}
    with pytest.raises(UsageError):
        model.set({}, "actors.RU.discount", 1.5)


def test_russia_expecting_more_cuts_p_deal(model):
    # 30 weeks: the actors concede on their own clocks (Russia's ≈ 33 weeks), and no seed agrees within 12; the
    # Rada, Congress and minerals votes (p 0.4, 0.5, 0.9 since the fidelity pass #16.1) made certain, else they
    # cap P(deal) near 0.15 whatever Russia expects
    single = model.set(model.set({}, "protocol.agenda", "single_package"), "scenario.max_rounds", 30)
    for clause in ("nato_membership", "security_guarantees", "prosperity"):
        single = model.set(single, f"decision_rules.clause_approvals.{clause}.0.p", 1.0)
    before = model.summary(single)
    after = model.summary(model.set(single, "actors.RU.reservation.expected_gain", 0.4))
    assert before.n == after.n == 30 and before.lo <= before.p <= before.hi
    assert after.p < before.p - 0.15
    assert sum(after.reasons.values()) == 30 and after.rejected_by


def test_red_line_toggle_and_yaml_round_trip(model, tmp_path):
    ch = model.toggle_red_line({}, "FR", "contact_line", "ua_withdraws_donbas", True)
    ch = model.toggle_red_line(ch, "UA", "contact_line", "ua_withdraws_donbas", False)
    s = load_scenario(model.save(ch, tmp_path / "t.yaml"))
    assert s.actors["FR"].red_lines["contact_line"].options == ["ua_withdraws_donbas"]
    assert s.actors["UA"].red_lines["contact_line"].options == ["ua_withdraws_four_oblasts"]
    assert s.actors["FR"].red_lines["territorial_recognition"].options  # the inherited one is kept


def test_curve_is_a_small_sweep(model):
    df = model.curve({}, "actors.RU.reservation.expected_gain", [0.0, 0.4], n=5)
    assert len(df) == 10 and set(df["actors.RU.reservation.expected_gain"]) == {0.0, 0.4}


def test_curve_is_cached_by_changes_path_and_values(model):
    values = [0.0, 0.4]
    first = model.curve({}, "actors.RU.reservation.expected_gain", values, n=3)
    assert model.curve({}, "actors.RU.reservation.expected_gain", values, n=3) is first  # not recomputed
    other = model.curve({"protocol.agenda": "single_package"}, "actors.RU.reservation.expected_gain", values, n=3)
    assert other is not first and len(other) == len(first) == 6
    assert model.curve({}, "actors.RU.discount", [0.9, 0.95], n=3) is not first


def test_caches_are_safe_from_threads(model):
    changes = [{"actors.RU.reservation.expected_gain": round(0.01 * i, 2)} for i in range(8)]
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda ch: model.summary(ch, n=2), changes * 2))
    assert [s.n for s in got] == [2] * 16
    assert got[:8] == [model.summary(ch, n=2) for ch in changes]  # the same summaries, whichever thread ran them


def test_the_decomposition_multiplies_to_p_deal(model):
    """The dashboard's stage table is negsim explain's: the product of the stage shares is the share of deals, and
    each stage is reached by the runs that passed the one before."""
    s = model.summary(model.set(model.set({}, "protocol.agenda", "single_package"), "scenario.max_rounds", 30))
    assert s.deals > 0  # every stage is reached
    reached = [st for st in s.stages if st["n"]]
    assert reached and reached[0]["n"] == s.n
    product = 1.0
    for before, after in itertools.pairwise(reached):
        assert after["n"] == before["passed"]
    for st in reached:
        assert st["ci"][0] <= st["p"] <= st["ci"][1]
        product *= st["p"]
    assert product == pytest.approx(s.p, abs=1e-12)
    assert s.deals == (reached[-1]["passed"] if len(reached) == 4 else 0)
