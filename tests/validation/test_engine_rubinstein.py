"""The engine reproduces Rubinstein (1982): concession preset ``rubinstein`` under ``alternating_offers``.

Two actors split a pie u = (x, 1 − x) on a grid of step h, reservation values 0. With subgame-perfect aspirations
(:class:`sim.engine.policies.SubgamePerfect`) the proposer of round 0 offers the responder its continuation value and
the
responder accepts at once, so the deal of round 0 must be the finite-horizon SPE share (REPORT §C.3/§E,
:func:`sim.analysis.theory.rubinstein_finite`) up to the grid: each round's rounding moves the share by less than h,
hence
|error| ≤ h / (1 − max δ). Rows of the validation table (``rows.py``) use :func:`engine_share`; this file adds
the trace, a property over random discounts, a multi-issue scenario and the usage errors.
"""

from __future__ import annotations

import doctest

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sim.engine.policies
from sim import scenario_from_document
from sim.analysis.theory import pareto_mask, rubinstein_finite, rubinstein_share
from sim.core.compiled import compile_scenario
from sim.core.utility import all_packages, utilities
from sim.engine.runner import run
from sim.errors import UsageError

FINE = 1e-4  # grid step of the two-clause pie


def pie_doc(d1: float, d2: float, T: int | None, fine: bool = False) -> dict:
    """Players P1 (proposes in rounds 0, 2, …) and P2 split a pie; status quo 0.5 and war cost 0.5, so R = 0.

    The game ends after round T − 1 (both actors' ``horizon``: a deadline both know); ``T=None`` is the infinite
    game (no horizon: the stationary limit), simulated over 10 rounds.

    Coarse: one clause ``share`` with x = k/100. Fine: x = a/100 + b/10⁴ from two clauses (weights 0.99 and 0.01,
    values a/99 and b/100, a < 100, b ≤ 100), a grid of step 10⁻⁴ on [0, 1] in 10,100 packages.
    """
    if fine:
        clauses = {"share": [f"a{k:02d}" for k in range(100)], "share_fine": [f"b{k:03d}" for k in range(101)]}
        salience = {"share": 0.99, "share_fine": 0.01}
        u1 = {"share": [k / 99 for k in range(100)], "share_fine": [k / 100 for k in range(101)]}
        sq = {"share": "a50", "share_fine": "b000"}
    else:
        clauses = {"share": [f"s{k:03d}" for k in range(101)]}
        salience = {"share": 1.0}
        u1 = {"share": [k / 100 for k in range(101)]}
        sq = {"share": "s050"}
    u2 = {c: [1 - v for v in vals] for c, vals in u1.items()}

    def actor(u: dict, d: float) -> dict:
        return {
            "salience": salience,
            "utilities": u,
            "discount": d,
            "reservation": {"war_cost": 0.5},
            "concession": "rubinstein",
            **({"horizon": T} if T is not None else {}),
        }

    return {
        "scenario": {"id": "rubinstein_pie", "max_rounds": T or 10, "status_quo_package": sq},
        "protocol": {
            "proposal_mode": "alternating_offers",
            "proposers": ["P1", "P2"],
            "acceptance": {"model": "threshold"},
        },
        "clauses": clauses,
        "actors": {"P1": actor(u1, d1), "P2": actor(u2, d2)},
    }


def engine_share(d1: float, d2: float, T: int | None, fine: bool = False) -> float | None:
    """P1's utility in the engine's deal, or ``None`` unless the deal is struck in round 0."""
    o = run(scenario_from_document(pie_doc(d1, d2, T, fine)), seed=0).outcome
    return o.payoffs["P1"] if (o.deal and o.round == 0) else None


def grid_tol(d1: float, d2: float, h: float = FINE) -> float:
    return h / (1 - max(d1, d2))


def test_round_zero_offer_is_the_responders_continuation_value():
    """T = 3, δ = (0.9, 0.8) on the 1/100 grid (every continuation value is a grid point): P1 offers 0.08, which
    is δ₂ × P2's share when proposing in round 1 (1 − δ₁ = 0.1), and P2 accepts with zero surplus."""
    r = run(scenario_from_document(pie_doc(0.9, 0.8, 3)), seed=0)
    tr = r.trace
    assert r.outcome.deal and r.outcome.round == 0 and r.outcome.package == {"share": "s092"}
    assert len(tr) == 2 and set(tr["vote"]) == {"accept"}
    asp = dict(zip(tr["actor"], tr["aspiration"], strict=True))
    assert asp["P1"] == pytest.approx(0.92, abs=1e-12) and asp["P2"] == pytest.approx(0.08, abs=1e-12)


@pytest.mark.parametrize(("T", "expected"), [(1, 1.0), (2, 0.2), (3, 0.92)])
def test_short_horizons_exact_on_the_coarse_grid(T, expected):
    assert engine_share(0.9, 0.8, T) == pytest.approx(expected, abs=1e-9)


def test_coarse_grid_rounding_stays_within_the_bound():
    """T = 10 (0.576077) is not on the 1/100 grid: the engine's share is within h/(1 − max δ), h = 0.01."""
    got = engine_share(0.9, 0.8, 10)
    assert got is not None and abs(got - 0.576077) <= grid_tol(0.9, 0.8, 0.01)


@settings(max_examples=12, deadline=None)
@given(
    st.integers(5, 95).map(lambda k: k / 100),
    st.integers(5, 95).map(lambda k: k / 100),
    st.integers(1, 40),
)
def test_engine_matches_backward_induction_for_random_discounts(d1, d2, T):
    got = engine_share(d1, d2, T, fine=True)
    assert got is not None and abs(got - rubinstein_finite(d1, d2, T)) <= grid_tol(d1, d2) + 1e-12


@pytest.mark.parametrize(("d1", "d2"), [(0.9, 0.8), (0.6, 0.7)])
def test_responder_first_reverses_the_shares(d1, d2):
    """Letting P2 propose first gives P2 the first-mover share (1 − δ₁)/(1 − δ₁δ₂) (closed form, T large)."""
    doc = pie_doc(d1, d2, 200, fine=True)
    doc["protocol"]["proposers"] = ["P2", "P1"]
    o = run(scenario_from_document(doc), seed=0).outcome
    assert o.deal and o.round == 0
    assert abs(o.payoffs["P2"] - rubinstein_share(d2, d1)) <= grid_tol(d1, d2) + 1e-9


def test_multi_issue_deal_is_immediate_and_pareto_optimal(toy):
    """On a two-actor logrolling scenario the SPE agreement is struck in round 0 and is Pareto-optimal."""
    doc = toy.document()
    doc["protocol"]["concession"] = "rubinstein"
    s = scenario_from_document(doc)
    o = run(s, seed=0).outcome
    assert o.deal and o.round == 0
    cp = compile_scenario(s)
    P = all_packages(cp.n_options)
    U = utilities(cp, P)
    front = U[:, pareto_mask(U.T)]
    u = np.array([o.payoffs[a] for a in cp.actors])
    assert np.isclose(front, u[:, None], atol=1e-12).all(axis=0).any()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("third_actor", "exactly two actors (the scenario has 3)"),
        ("mediator", "protocol.proposal_mode: alternating_offers"),
        ("agenda", "protocol.agenda: single_package"),
    ],
)
def test_preset_outside_its_model_is_a_usage_error(change, message):
    doc = pie_doc(0.9, 0.8, 5)
    if change == "third_actor":
        doc["actors"]["P3"] = {"role": "observer", "salience": {"share": 1.0}, "utilities": {"share": [0.5] * 101}}
    elif change == "mediator":
        doc["protocol"] = {"proposal_mode": "mediator_single_text", "mediator": "P1"}
    else:
        doc["protocol"]["agenda"] = "issue_by_issue"
    with pytest.raises(UsageError, match="concession 'rubinstein'") as e:
        compile_scenario(scenario_from_document(doc))
    assert message in str(e.value)


def test_spe_path_doctest():
    res = doctest.testmod(sim.engine.policies, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert res.attempted > 0 and res.failed == 0
