"""Voting power (sim.analysis.power): known values, the Council's QMV, properties, and analyze's power sections."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import tweak
from sim.analysis.approvers import power_section, rule_game, rule_names
from sim.analysis.bargaining import analyze, max_min_surplus
from sim.analysis.power import (
    PowerError,
    contributors_game,
    indices,
    qmv_game,
    unanimity_game,
    weighted_game,
)
from sim.cli.analyze import power_lines
from sim.core.compiled import compile_scenario
from sim.core.utility import utilities

BOTH = ("brute", "dp")


def _all_masks(n):
    return np.arange(1 << n, dtype=np.int64)


@pytest.mark.parametrize("method", BOTH)
def test_textbook_weighted_game(method):
    """[6; 4, 3, 2, 1] by hand (players A, B, C, D).

    Winning coalitions (weight ≥ 6): AB 7, AC 6, BCD 6, ABC 9, ABD 8, ACD 7, ABCD 10. Swings (i critical in S):
    AB: A, B; AC: A, C; BCD: B, C, D; ABC: A; ABD: A, B; ACD: A, C; ABCD: none.
    η = (5, 3, 3, 1), Σ = 12: normalised Banzhaf (5, 3, 3, 1)/12, raw η / 2^3 = (5, 3, 3, 1)/8.
    Shapley–Shubik: a swing in a coalition of s members (i included) weighs (s−1)!(4−s)!/4!: 2/24 for s = 2 or 3,
    so A: AB, AC, ABC, ABD, ACD → 10/24; B: AB, BCD, ABD → 6/24; C: AC, BCD, ACD → 6/24; D: BCD → 2/24.
    """
    p = indices(weighted_game(6, [4, 3, 2, 1]), method)
    assert p.swings.sum(axis=1).tolist() == [5, 3, 3, 1]
    np.testing.assert_allclose(p.banzhaf, np.array([5, 3, 3, 1]) / 12, atol=1e-15)
    np.testing.assert_allclose(p.banzhaf_raw, np.array([5, 3, 3, 1]) / 8, atol=1e-15)
    np.testing.assert_allclose(p.shapley_shubik, np.array([10, 6, 6, 2]) / 24, atol=1e-15)
    assert not p.veto.any() and not p.dummy.any()


@pytest.mark.parametrize("method", BOTH)
def test_un_security_council(method):
    """[39; 7×5, 1×10]: the five permanent members with veto and ten others, nine votes needed.

    Shapley–Shubik 0.19627 / 0.001865 and normalised Banzhaf 0.1669 / 0.0165 (Felsenthal & Machover 1998 §2.3;
    exactly 421/2145 and 4/2145 for Shapley–Shubik).
    """
    p = indices(weighted_game(39, [7] * 5 + [1] * 10), method)
    np.testing.assert_allclose(p.shapley_shubik[:5], 421 / 2145, rtol=1e-12)
    np.testing.assert_allclose(p.shapley_shubik[5:], 4 / 2145, rtol=1e-12)
    assert p.shapley_shubik[0] == pytest.approx(0.19627, abs=5e-6)
    assert p.shapley_shubik[5] == pytest.approx(0.001865, abs=5e-7)
    assert p.banzhaf[0] == pytest.approx(0.1669, abs=5e-5) and p.banzhaf[5] == pytest.approx(0.0165, abs=5e-5)
    assert p.veto.tolist() == [True] * 5 + [False] * 10


@pytest.mark.parametrize("method", BOTH)
@pytest.mark.parametrize("n", [1, 2, 5, 9])
def test_unanimity(n, method):
    p = indices(unanimity_game(n), method)
    np.testing.assert_allclose(p.shapley_shubik, 1 / n)
    np.testing.assert_allclose(p.banzhaf, 1 / n)
    np.testing.assert_allclose(p.banzhaf_raw, 1 / 2 ** (n - 1))
    assert p.veto.all() and not p.dummy.any()


@pytest.mark.parametrize("method", BOTH)
def test_dictator_dummy_and_contributors(method):
    d = indices(weighted_game(3, [3, 1, 1]), method)  # player 0 alone decides
    assert d.shapley_shubik.tolist() == [1, 0, 0] and d.banzhaf.tolist() == [1, 0, 0]
    assert d.veto.tolist() == [True, False, False] and d.dummy.tolist() == [False, True, True]
    assert not indices(weighted_game(3, [2, 1, 1, 1]), method).dummy.any()  # 2+1 and 1+1+1 win: each decides
    z = indices(weighted_game(5, [3, 3, 1]), method)  # every winning coalition holds both 3s: the 1 never decides
    assert z.dummy.tolist() == [False, False, True] and z.shapley_shubik[2] == 0 and z.banzhaf[2] == 0
    np.testing.assert_allclose(z.shapley_shubik, [0.5, 0.5, 0])
    c = indices(contributors_game(np.array([True, False, True])), method)
    assert c.veto.tolist() == [True, False, True] and c.dummy.tolist() == [False, True, False]
    np.testing.assert_allclose(c.shapley_shubik, [0.5, 0, 0.5])


def test_refuses_what_it_cannot_compute_exactly():
    w = np.linspace(0.1, 1.0, 30)  # 30 players, non-integer weights: neither algorithm
    with pytest.raises(PowerError, match=r"30-player game.*not integers"):
        indices(weighted_game(float(w.sum() / 2), w))
    big = indices(weighted_game(40, np.arange(1, 41)))  # 40 players with integer weights: the dynamic program
    assert big.method == "dynamic programming" and big.shapley_shubik.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.all(np.diff(big.banzhaf) >= 0)


weights = st.lists(st.integers(0, 6), min_size=1, max_size=8)


@settings(max_examples=60)
@given(weights, st.floats(0.05, 1.0))
def test_weighted_properties(w, frac):
    w = np.array(w, dtype=float)
    q = max(1.0, np.ceil(frac * w.sum())) if w.sum() > 0 else 1.0
    game = weighted_game(q, w)
    brute, dp = indices(game, "brute"), indices(game, "dp")
    assert np.array_equal(brute.swings, dp.swings) and np.array_equal(brute.veto, dp.veto)
    n = len(w)
    W = game.wins(_all_masks(n))
    proper = bool(W[-1]) and not W[0]
    if proper:  # efficiency
        assert brute.shapley_shubik.sum() == pytest.approx(1.0, abs=1e-12)
        assert brute.banzhaf.sum() == pytest.approx(1.0, abs=1e-12)
    for i in range(n):
        for j in range(n):  # symmetry: equal weights, equal indices; more weight, no less power
            if w[i] == w[j]:
                assert brute.swings[i].tolist() == brute.swings[j].tolist()
            if w[i] > w[j]:
                assert brute.shapley_shubik[i] >= brute.shapley_shubik[j] - 1e-15
    assert np.all(brute.shapley_shubik[brute.dummy] == 0) and np.all(brute.banzhaf_raw[brute.dummy] == 0)
    assert brute.dummy[w == 0].all()
    winning = np.flatnonzero(W)
    for i in np.flatnonzero(brute.veto):  # a veto player is in every winning coalition
        assert np.all((winning >> i) & 1)
    for i in np.flatnonzero(~brute.veto):
        assert not W[-1] or np.any(((winning >> i) & 1) == 0)


@settings(max_examples=40)
@given(
    st.lists(st.tuples(st.integers(0, 3), st.integers(0, 40)), min_size=1, max_size=9),
    st.floats(0.3, 0.9),
    st.floats(0.3, 0.9),
    st.sampled_from([None, 2, 4]),
)
def test_qmv_brute_force_equals_dynamic_programming(mp, ms, ps, blockers):
    m = np.array([a for a, _ in mp], float)
    p = np.array([b for _, b in mp], float)
    game = qmv_game(m, p, ms, ps, blockers)
    brute, dp = indices(game, "brute"), indices(game, "dp")
    assert np.array_equal(brute.swings, dp.swings) and np.array_equal(brute.veto, dp.veto)
    # the winning coalitions are those of the double-majority rule, written out here independently
    masks = _all_masks(len(m))
    bits = (masks[:, None] >> np.arange(len(m))) & 1
    want = (bits @ m >= ms * m.sum() - 1e-9) & (bits @ p >= ps * p.sum() - 1e-9)
    if blockers:
        want |= (1 - bits) @ m < blockers
    assert np.array_equal(game.wins(masks), want)


# Eurostat, population on 1 January 2024 (demo_gind, released 11 July 2024), persons, as rounded in Wikipedia's
# "List of European Union member states by population" (EU-27 total 449,206,600; these round to 449,206,200).
EU27_2024 = {
    "DE": 83_445_000, "FR": 68_402_000, "IT": 58_989_700, "ES": 48_610_500, "PL": 36_621_000, "RO": 19_064_400,
    "NL": 17_942_900, "BE": 11_832_000, "CZ": 10_900_600, "PT": 10_639_700, "SE": 10_551_700, "EL": 10_397_200,
    "HU": 9_584_600, "AT": 9_158_800, "BG": 6_445_500, "DK": 5_961_200, "FI": 5_603_900, "SK": 5_424_700,
    "IE": 5_343_800, "HR": 3_862_000, "LT": 2_885_900, "SI": 2_123_900, "LV": 1_871_900, "EE": 1_374_700,
    "CY": 933_500, "LU": 672_100, "MT": 563_000,
}  # fmt: skip
EU = list(EU27_2024)


def _council(unit=10_000, blockers=4):
    """TEU art. 16(4): 55 % of the 27 members (15) with 65 % of the population; a blocking minority needs 4 members.
    Populations in units of ``unit`` persons (integers, so the exact dynamic program applies)."""
    pop = np.array([round(EU27_2024[c] / unit) for c in EU], float)
    return qmv_game(np.ones(27), pop, 0.55, 0.65, blockers)


@pytest.fixture(scope="module")
def council():
    return _council(), indices(_council())


def _mask(names):
    return np.array([sum(1 << EU.index(c) for c in names)], dtype=np.int64)


def test_council_qmv_structure(council):
    """Known structural facts; no published index values are compared (none found for these populations)."""
    game, p = council
    assert p.method == "dynamic programming"
    assert p.shapley_shubik.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.argmax(p.banzhaf) == EU.index("DE") and np.argmax(p.shapley_shubik) == EU.index("DE")
    assert list(EU) == sorted(EU, key=lambda c: -EU27_2024[c])  # listed by population, largest first
    assert np.all(np.diff(p.banzhaf) <= 1e-15) and np.all(np.diff(p.shapley_shubik) <= 1e-15)
    assert not p.veto.any() and not p.dummy.any()
    assert game.wins(_mask(EU[:15]))[0] and not game.wins(_mask(EU[:14]))[0]  # 14 largest: 90 % but 14 < 15
    assert not game.wins(_mask(EU[4:]))[0]  # the 4 largest (57.7 %) block: the other 23 hold 42.3 %
    # DE + FR + IT hold 47 % (> 35 %) but are 3 members: the other 24 win only because of the four-member clause
    assert game.wins(_mask(EU[3:]))[0] and not _council(blockers=None).wins(_mask(EU[3:]))[0]


def test_council_rounding_of_populations(council):
    """Populations in 10,000s against 20,000s: the indices move by less than 1e-4 (the rounding's effect)."""
    coarse = indices(_council(unit=20_000))
    assert np.abs(coarse.banzhaf - council[1].banzhaf).max() < 1e-4
    assert np.abs(coarse.shapley_shubik - council[1].shapley_shubik).max() < 1e-4


# -- analyze's sections ---------------------------------------------------------------------------------------


def test_analyze_power_2025(a2025):
    rules = {e["rule"]: e for e in a2025["power"]}
    # the fidelity pass (issue #16.1) added the Commons, Congress and two Rada ratifications (no game: listed with
    # no voters) and split EU_OTHERS into EU_NORDIC_BALTIC, BE and EU_OTHERS: 8 EU voters, 1/8 each under unanimity
    assert list(rules) == [
        "eu_sanctions_relief:unanimity",
        "frozen_assets:unanimity",
        "foreign_forces:contributors",
        "foreign_forces:contributors#2",
        "foreign_forces:ratification:UK:Commons",
        "security_guarantees:ratification:US:Congress",
        "nato_membership:ratification:UA:Rada_constitutional_amendment",
        "prosperity:ratification:UA:Rada_minerals_ratification",
    ]
    assert all(rules[r]["voters"] == [] and rules[r].get("shapley_shubik") is None for r in list(rules)[4:])
    eu = rules["eu_sanctions_relief:unanimity"]
    assert eu["veto_players"] == eu["voters"] and len(eu["voters"]) == 8
    assert set(eu["shapley_shubik"].values()) == {round(1 / 8, 6)}
    assert a2025["veto_players"]["US"] == ["signing", "foreign_forces:contributors#2"]
    assert a2025["veto_players"]["UA"] == ["signing"] and "frozen_assets:unanimity" in a2025["veto_players"]["HU"]
    app = {e["rule"]: e for e in a2025["approvers"]}["eu_sanctions_relief:unanimity"]
    # the egalitarian package relieves EU sanctions: every EU voter is pivotal, PL the tightest hold-out
    assert app["triggered"] and app["passes"] and app["tightest"] == "PL"
    assert app["pivotal"] == eu["voters"] and app["rejecting"] == []
    surplus = {v: d["surplus"] for v, d in app["voters"].items()}
    assert min(surplus, key=lambda v: surplus[v]) == "PL"
    for v, d in app["voters"].items():
        assert d["worst"] <= d["utility"] <= d["best"]
        assert d["surplus"] == pytest.approx(d["utility"] - a2025["reservation"][v], abs=2e-6)


def test_analyze_power_2026_qmv(a2026):
    """Paris 2026's frozen-assets QMV: EU_REST (15 members) is needed for 15 of 27 (the others hold 12), so it holds
    a veto; with EU_REST (45.9 %) Germany (18.6 %) is decisive more often than France (15.2 %), Poland as often as
    the six Nordic-Baltic states (8.1 % and 6.3 %, each enough with EU_REST and FR), and SK (1.2 %) rarely but not
    never (re-measured after the split of EU_OTHERS into BE, NORDIC_BALTIC and EU_REST, issue #16.1)."""
    qmv = {e["rule"]: e for e in a2026["power"]}["frozen_assets:qmv"]
    assert qmv["veto_players"] == ["EU_REST"] and qmv["dummies"] == []
    b = qmv["banzhaf"]
    assert b["EU_REST"] > b["DE"] > b["FR"] > b["PL"] == b["NORDIC_BALTIC"] > b["HU"] == b["BE"] > b["SK"] > 0
    assert sum(qmv["shapley_shubik"].values()) == pytest.approx(1.0, abs=1e-5)
    assert "frozen_assets:qmv" in a2026["veto_players"]["EU_REST"]
    assert "frozen_assets:qmv" not in a2026["veto_players"]["DE"]
    rat = {e["rule"]: e for e in a2026["approvers"]}["security_guarantees:ratification:US_Congress"]
    assert rat["p"] == 0.6
    text = "\n".join(power_lines(a2026))
    assert "frozen_assets:qmv: FR 0.139/0.106" in text and "EU_REST 0.506/0.615; veto: EU_REST" in text


def test_approvers_show_the_hold_out(paris2025):
    """Raise PL's reservation value above its utility at the max–min package: the unanimity rules fail with PL the
    one rejecting voter; in a QMV-like rule the others could carry it, in unanimity nobody else is pivotal."""
    cp = compile_scenario(paris2025)
    R = cp.reservation(0)
    pkg, _ = max_min_surplus(cp, R)
    u = utilities(cp, pkg[None, :])[:, 0]
    pl = cp.actors.index("PL")
    R2 = R.copy()
    R2[pl] = u[pl] + 0.01
    notes: list[str] = []
    sec = power_section(cp, R2, pkg, {}, {}, notes)
    app = {e["rule"]: e for e in sec["approvers"]}["eu_sanctions_relief:unanimity"]
    assert not app["passes"] and not app["passes_if_triggered"]
    assert app["rejecting"] == ["PL"] and app["pivotal"] == [] and app["tightest"] == "PL"
    assert app["voters"]["PL"]["surplus"] == pytest.approx(-0.01, abs=1e-6) and app["voters"]["PL"]["best"] is None
    assert notes == []


def test_rule_games_match_the_searches_qmv(paris2026):
    """The QMV game of a rule wins exactly where enumeration's test (members and population shares) passes."""
    cp = compile_scenario(paris2026)
    for name, rule in zip(rule_names(cp), cp.rules, strict=True):
        game = rule_game(rule)
        if rule.kind != "qmv" or game is None:
            continue
        n = len(rule.voters)
        bits = ((_all_masks(n)[:, None] >> np.arange(n)) & 1).astype(bool)
        m = (rule.members * bits).sum(1) >= rule.member_share * rule.members.sum() - 1e-9
        p = (rule.population * bits).sum(1) >= rule.population_share * rule.population.sum() - 1e-9
        assert np.array_equal(game.wins(_all_masks(n)), m & p), name


def test_no_feasible_package_leaves_approvers_empty(paris2025):
    s = tweak(paris2025, {"actors.RU.reservation.expected_gain": 0.40})
    a = analyze(s)
    assert not a["zopa"] and a["power"] and set(a["veto_players"]) == set(s.actors)
    assert isinstance(a["approvers"], list)
