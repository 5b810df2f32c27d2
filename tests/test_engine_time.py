"""Time that means something: each actor concedes on its own horizon, ``discount`` lowers the value of later
agreement in every concession mode, ``max_rounds`` only ends the simulation, and a run without a deal pays each
actor its disagreement value (docs/scenario-format.md, "Time, discounting and payoffs")."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_invariance import without_risky_ratification

from sim import scenario_from_document, tweak
from sim.analysis.theory import rubinstein_finite, rubinstein_share
from sim.core.curves import discounted_aspiration
from sim.engine.runner import prepare, run
from sim.interop.genius import scenario_document

GENIUS = Path(__file__).parent / "fixtures" / "genius"


def _deals(scenario, seeds) -> tuple[np.ndarray, np.ndarray]:
    """(deal flags, rounds of the deals) over ``seeds``."""
    p = prepare(scenario)
    outs = [p.run(s).outcome for s in seeds]
    return np.array([o.deal for o in outs]), np.array([o.round for o in outs if o.deal], dtype=float)


def _same_within_sampling_error(a, b) -> None:
    """P(deal) and the mean deal round agree within 3 standard errors (two-sample, pooled P; +1/n for P = 0 or 1)."""
    (da, ra), (db, rb) = a, b
    n = len(da)
    p = (da.sum() + db.sum()) / (2 * n)
    assert abs(da.mean() - db.mean()) <= 3 * math.sqrt(p * (1 - p) * 2 / n) + 1 / n
    if len(ra) > 1 and len(rb) > 1:
        se = math.sqrt(ra.var(ddof=1) / len(ra) + rb.var(ddof=1) / len(rb))
        assert abs(ra.mean() - rb.mean()) <= 3 * se + 0.5


def test_doubling_max_rounds_changes_nothing_on_a_toy(toy):
    """The bilateral toy with logit votes (λ = 20: outcomes vary by seed); δ = 0.9, so each actor's horizon is 10."""
    s = tweak(toy, {"protocol.acceptance.model": "logit"})
    runs = [_deals(tweak(s, {"scenario.max_rounds": m}), range(40)) for m in (20, 40)]
    assert runs[0][0].any() and len(set(runs[0][1])) > 1  # some deals, in more than one round
    _same_within_sampling_error(*runs)


def test_doubling_max_rounds_changes_nothing_on_paris_2025(paris2025):
    """Paris 2025 as one package without the US deadline: the deals come in weeks 14–23, by the actors' clocks. With
    certain ratification (the Rada and Congress votes, p 0.4 and 0.5 since the fidelity pass #16.1, would fail most
    signatures: this test is about the clock, not about those draws)."""
    s = tweak(paris2025, {"protocol.agenda": "single_package", "actors.US.deadline": None})
    s = scenario_from_document(without_risky_ratification(s.document()))
    runs = [_deals(tweak(s, {"scenario.max_rounds": m}), range(8)) for m in (30, 60)]
    assert runs[0][0].sum() >= 4
    _same_within_sampling_error(*runs)


def test_the_aspiration_follows_the_actors_own_horizon(toy):
    """A's ``horizon: 5`` puts its aspiration at R in round 4 whatever ``max_rounds`` is; B (δ = 0.9, no horizon)
    runs on 1/(1 − δ) = 10 rounds. Both are :func:`sim.core.curves.discounted_aspiration`."""
    s = tweak(toy, {"actors.A.horizon": 5, "actors.A.reservation.war_cost": 0.9, "actors.B.reservation.war_cost": 0.9})
    s = tweak(s, {"actors.A.utilities.price": [0.0, 0.1, 0.2, 0.3], "actors.B.utilities.timing": [0.0, 0.1, 0.2]})
    for m in (10, 40):
        p = prepare(tweak(s, {"scenario.max_rounds": m}))
        model_rows = p.run(0, trace=True).trace
        cp = p.cp0
        for a, h in (("A", 5.0), ("B", 1 / (1 - 0.9))):
            i = cp.actors.index(a)
            assert cp.horizon[i] == pytest.approx(h)
            rows = model_rows[model_rows.actor == a]
            want = discounted_aspiration(rows["round"], h, 1.0, rows["reservation"], 0.0, cp.u_max[i], 0.9)
            np.testing.assert_allclose(rows["aspiration"], want, atol=1e-12)
        a_rows = model_rows[model_rows.actor == "A"].set_index("round")
        if 4 in a_rows.index:
            assert a_rows.loc[4, "aspiration"] == pytest.approx(a_rows.loc[4, "reservation"])


def test_a_deadline_is_the_horizon_unless_one_is_given(toy):
    cp = prepare(tweak(toy, {"actors.A.deadline": {"round": 4}})).cp0
    assert cp.horizon.tolist() == pytest.approx([4.0, 10.0])
    cp = prepare(tweak(toy, {"actors.A.deadline": {"round": 4}, "actors.A.horizon": 7})).cp0
    assert cp.horizon.tolist() == pytest.approx([7.0, 10.0])


# -- lowering δ_i never improves actor i's terms ------------------------------------------------------------------


@st.composite
def bilateral(draw) -> tuple[dict, str, float]:
    """A small 2-actor alternating-offers scenario (threshold votes: deterministic), an actor and a lower δ."""
    grid = st.integers(0, 10).map(lambda k: k / 10)
    n_clauses = draw(st.integers(1, 2))
    clauses = {f"c{c}": [f"o{k}" for k in range(draw(st.integers(2, 3)))] for c in range(n_clauses)}

    def actor() -> dict:
        return {
            "salience": {c: draw(st.integers(1, 5)) for c in clauses},
            "utilities": {c: [draw(grid) for _ in opts] for c, opts in clauses.items()},
            "reservation": {"war_cost": draw(st.integers(0, 4).map(lambda k: k / 10))},
            "discount": draw(st.integers(50, 95).map(lambda k: k / 100)),
            "concession": draw(st.sampled_from(["boulware", "linear", "conceder", "stationary"])),
        }

    doc = {
        "scenario": {"id": "bilateral", "max_rounds": 45, "status_quo_package": {c: o[0] for c, o in clauses.items()}},
        "protocol": {
            "proposal_mode": "alternating_offers",
            "proposers": draw(st.permutations(["A", "B"])),
            "acceptance": {"model": "threshold"},
        },
        "clauses": clauses,
        "actors": {"A": actor(), "B": actor()},
    }
    who = draw(st.sampled_from(["A", "B"]))
    lower = draw(st.integers(10, 95).map(lambda k: k / 100).filter(lambda d: d < doc["actors"][who]["discount"]))
    return doc, who, lower


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(bilateral())
def test_lowering_an_actors_discount_never_improves_its_terms(case):
    """Its payoff (the deal's utility, or its reservation value without one) is never higher with a lower δ_i,
    for the time-dependent curves and the stationary preset alike (max_rounds 45 lies beyond every horizon)."""
    doc, who, lower = case
    patient = run(scenario_from_document(doc), seed=0).outcome
    doc["actors"][who]["discount"] = lower
    impatient = run(scenario_from_document(doc), seed=0).outcome
    assert impatient.payoffs[who] <= patient.payoffs[who] + 1e-9


# -- the subgame-perfect presets: REPORT §C.3 and Baron–Ferejohn (1989) -------------------------------------------


def pie(shares: int, deltas: list[float], horizon: int | None, preset: str = "stationary", rounds: int = 4) -> dict:
    """n players split a pie on the grid x = k/``shares`` (one clause, an option per division); R = 0."""
    n = len(deltas)
    splits = [c for c in _compositions(shares, n)]
    names = ["d" + "_".join(map(str, c)) for c in splits]
    sq = names[0]

    def actor(i: int) -> dict:
        return {
            "salience": {"split": 1.0},
            "utilities": {"split": [c[i] / shares for c in splits]},
            "reservation": {"value": 0.0},
            "discount": deltas[i],
            "concession": preset,
            **({"horizon": horizon} if horizon is not None else {}),
        }

    players = [f"P{i + 1}" for i in range(n)]
    return {
        "scenario": {"id": "pie", "max_rounds": rounds, "status_quo_package": {"split": sq}},
        "protocol": {"proposal_mode": "alternating_offers", "proposers": players, "acceptance": {"model": "threshold"}},
        "clauses": {"split": names},
        "actors": {p: actor(i) for i, p in enumerate(players)},
    }


def _compositions(total: int, parts: int):
    if parts == 1:
        yield (total,)
        return
    for k in range(total + 1):
        for rest in _compositions(total - k, parts - 1):
            yield (k, *rest)


def _round_zero_payoffs(doc: dict) -> list[float]:
    o = run(scenario_from_document(doc), seed=0).outcome
    assert o.deal and o.round == 0
    return list(o.payoffs.values())


@pytest.mark.parametrize(("T", "expected"), [(1, 1.0), (2, 0.2), (3, 0.92), (10, 0.576077), (51, 0.714363)])
def test_report_finite_horizon_vectors_for_the_two_actor_preset(T, expected):
    """REPORT §C.3/§E, δ = (0.9, 0.8), the game ending after ``horizon`` rounds: both presets, grid step h = 1/1000
    (each round's rounding costs the proposer less than h, so |error| ≤ h/(1 − max δ) = 0.01)."""
    assert rubinstein_finite(0.9, 0.8, T) == pytest.approx(expected, abs=1e-6)
    for preset in ("rubinstein", "stationary"):
        got = _round_zero_payoffs(pie(1000, [0.9, 0.8], T, preset, rounds=max(T, 2)))[0]
        assert abs(got - expected) <= 1e-3 / (1 - 0.9) + 1e-9


@pytest.mark.parametrize(("d1", "d2"), [(0.9, 0.9), (0.9, 0.8), (0.8, 0.9), (0.95, 0.5)])
def test_without_a_horizon_the_two_actor_game_is_rubinsteins_infinite_one(d1, d2):
    """No horizon: the stationary limit, (1 − δ₂)/(1 − δ₁δ₂) (REPORT §E: 0.526316, 0.714286, 0.357143, 0.952381)."""
    got = _round_zero_payoffs(pie(1000, [d1, d2], None))[0]
    assert abs(got - rubinstein_share(d1, d2)) <= 1e-3 / (1 - max(d1, d2)) + 1e-9


def test_three_actor_stationary_equilibrium_with_proposers_in_turn():
    """Unanimity, proposers P1, P2, P3 in turn, common δ, no horizon: the proposer offers each responder δ times
    what it gets when it proposes next, so the player k rounds from proposing gets δ^k (1 − δ)/(1 − δⁿ)
    (Rubinstein's argument with n players; Baron & Ferejohn 1989 recognise at random, and their ex-ante value
    v_i = p_i = 1/n is the mean over the n positions here)."""
    d, n = 0.5, 3
    got = np.array(_round_zero_payoffs(pie(60, [d] * n, None)))
    y0 = (1 - d) / (1 - d**n)
    np.testing.assert_allclose(got, [y0, d * y0, d * d * y0], atol=(1 / 60) / (1 - d))
    assert got.sum() == pytest.approx(1.0)
    assert got.mean() == pytest.approx(1 / n)


# -- discount changes the deal of a GENIUS domain ----------------------------------------------------------------


def test_discount_changes_a_genius_deal():
    """The laptop domain (GENIUS, imported with ``horizon: 20``): an impatient seller settles for less, an impatient
    buyer pays more, and both impatient agree at once."""
    doc = scenario_document(
        GENIUS / "laptop_domain.xml", [GENIUS / "laptop_buyer.xml", GENIUS / "laptop_seller.xml"], 20
    )
    s = scenario_from_document(doc)
    buyer, seller = list(s.actors)

    def deal(**discounts: float):
        o = run(tweak(s, {f"actors.{a}.discount": d for a, d in discounts.items()}), seed=0).outcome
        assert o.deal
        return o

    base = run(s, seed=0).outcome
    assert base.deal
    hasty_seller = deal(**{seller: 0.3})
    hasty_buyer = deal(**{buyer: 0.3})
    assert hasty_seller.payoffs[seller] < base.payoffs[seller] and hasty_seller.payoffs[buyer] > base.payoffs[buyer]
    assert hasty_buyer.payoffs[buyer] < base.payoffs[buyer] and hasty_buyer.payoffs[seller] > base.payoffs[seller]
    both = deal(**{buyer: 0.1, seller: 0.1})
    assert both.round < base.round and both.package != base.package
