"""The domestic stage (sim.engine.domestic, issue #13.4): the wait for the vote, the ceasefire through it, and a
text sent back to the table after a failed ratification."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.core.compiled import compile_scenario
from sim.core.ratify import step_probabilities
from sim.core.utility import all_packages, feasible, utilities
from sim.engine.domestic import exclusions, hazard
from sim.engine.runner import prepare
from sim.errors import ScenarioError
from sim.scenario.edit import tweak
from sim.scenario.loader import load_scenario

SIGNED = {"price": "high", "timing": "early", "warranty": "none"}  # the toy's deal at seed 1, signed in round 3


def _ratified(toy, p: float, held: int, **protocol):
    """The toy with B's parliament voting (pass probability ``p``) on any text with early timing, ``held`` rounds
    after signing; ``protocol`` adds protocol settings."""
    rat = {"body": "parliament", "p": p, "triggers": {"timing": ["early"]}}
    if held:
        rat["preconditions"] = {"ceasefire_held_rounds": held}
    changes = {"actors.B.ratification": rat} | {f"protocol.{k}": v for k, v in protocol.items()}
    return tweak(toy, changes)


def test_the_toy_signs_early_timing(toy):
    """The premise of the tests below: seed 1 signs ``SIGNED`` in round 3."""
    o = prepare(toy).run(seed=1).outcome
    assert (o.package, o.round, o.rounds_played) == (SIGNED, 3, 4)


@pytest.mark.parametrize("held", [0, 1, 4])
def test_the_vote_waits_for_the_ceasefire(toy, held):
    """The vote is taken ``ceasefire_held_rounds`` after signing: the deal keeps its signing round, the run lasts
    the wait longer, and without a hazard the votes draw as at signature (same results for every wait)."""
    for seed in range(12):
        base = prepare(_ratified(toy, 0.5, 0)).run(seed=seed).outcome
        o = prepare(_ratified(toy, 0.5, held)).run(seed=seed).outcome
        assert (o.deal, o.reason, o.ratification, o.package) == (
            base.deal,
            base.reason,
            base.ratification,
            base.package,
        )
        waited = held if base.ratification else 0
        assert o.rounds_played == base.rounds_played + waited
        if o.deal:
            assert o.round == base.round


def test_breakdown_probability_matches_the_hazard(toy):
    """P(ceasefire_broke_down) = 1 − (1 − h·f)^K over seeds (a 4.5-sigma binomial band), with a factor f for an
    option of the signed text; the vote itself always passes (p = 1), so every other run is a deal."""
    h, f, k, n = 0.08, 0.5, 5, 400
    s = _ratified(toy, 1.0, k, ceasefire_hazard={"per_round": h, "factors": {"warranty": {"none": f}}})
    prepared = prepare(s)
    outs = [prepared.run(seed=seed).outcome for seed in range(n)]
    signed = [o for o in outs if o.deal or o.reason == "ceasefire_broke_down"]
    assert len(signed) > 300
    broke = sum(o.reason == "ceasefire_broke_down" for o in signed)
    # every signed text of this toy holds warranty none and early timing (the factor and the trigger apply)
    assert all(o.last_offer["warranty"] == "none" and o.last_offer["timing"] == "early" for o in signed)
    q = 1 - (1 - h * f) ** k
    sd = math.sqrt(len(signed) * q * (1 - q))
    assert abs(broke - len(signed) * q) < 4.5 * sd
    assert all(o.failed_stage == "ratification" for o in signed if not o.deal)


def test_no_hazard_without_a_wait(toy):
    """A hazard only acts while a text waits for its vote: with no ``ceasefire_held_rounds`` nothing breaks down."""
    s = _ratified(toy, 1.0, 0, ceasefire_hazard={"per_round": 1.0})
    assert all(prepare(s).run(seed=seed).outcome.deal for seed in range(10))


def test_hazard_formula(toy):
    """h(x) = per_round · Π factors of x's options (1 for options not listed)."""
    s = _ratified(
        toy, 1.0, 2, ceasefire_hazard={"per_round": 0.2, "factors": {"warranty": {"full": 0.5}, "price": {"high": 0.3}}}
    )
    cp = compile_scenario(s)
    assert hazard(cp, cp.package({"price": "high", "warranty": "full"})) == pytest.approx(0.2 * 0.5 * 0.3)
    assert hazard(cp, cp.package({"price": "low", "warranty": "none"})) == pytest.approx(0.2)
    assert hazard(compile_scenario(toy), cp.package({})) == 0.0


def test_a_failed_vote_ends_the_run_by_default(toy):
    """``end`` (the default): a failed ratification is the end of the run, its signed text reported."""
    o = prepare(_ratified(toy, 0.0, 2)).run(seed=1).outcome
    assert (o.deal, o.reason, o.signed_package, o.rounds_played) == (
        False,
        "ratification_failed:B:parliament",
        SIGNED,
        6,
    )
    assert o.ratification == {"B:parliament": False}


def test_renegotiate_sends_the_text_back(toy):
    """``renegotiate``: the talks resume the round after the vote, every package the failed body would vote on is
    ruled out, and the next deal (needing no vote) is signed later; the trace records the failure."""
    s = _ratified(toy, 0.0, 2, after_failed_ratification="renegotiate")
    r = prepare(s).run(seed=1, trace=True)
    o = r.outcome
    assert o.deal and o.package["timing"] != "early"
    assert o.round >= 3 + 2 + 1 and o.ratification == {}
    rounds = sorted({row["round"] for row in r.rows})
    assert 4 not in rounds and 5 not in rounds  # the text awaited its vote: no talks
    events = {row["round"]: row["events"] for row in r.rows}
    assert events[6] == "ratification_failed:B:parliament@5"


def test_renegotiate_needs_a_round_left(toy):
    """A vote that fails in the last round (or after it) ends the run even under ``renegotiate``."""
    s = tweak(_ratified(toy, 0.0, 6, after_failed_ratification="renegotiate"), {"scenario.max_rounds": 10})
    o = prepare(s).run(seed=1).outcome
    assert (o.deal, o.reason, o.rounds_played) == (False, "ratification_failed:B:parliament", 10)


@settings(max_examples=25, deadline=None)
@given(opts=st.lists(st.sampled_from(["low", "mid", "high", "premium"]), min_size=1, max_size=3, unique=True))
def test_exclusions_rule_out_exactly_the_triggering_packages(toy, opts):
    """Brute force over the toy's 24 packages: after a failure the feasible packages are those that were feasible
    and do not trigger the failed step."""
    s = tweak(toy, {"actors.A.ratification": {"body": "referendum", "p": 0.5, "triggers": {"price": opts}}})
    cp = compile_scenario(s)
    x = all_packages(cp.n_options)
    trig, _ = step_probabilities(cp, x, utilities(cp, x))
    ruled = replace(cp, constraints=cp.constraints + exclusions(cp, frozenset({0})))
    assert np.array_equal(feasible(ruled, x), feasible(cp, x) & ~trig[0])


def test_unknown_names_in_the_hazard_factors_are_errors(root, tmp_path):
    """A bad clause or option in ``ceasefire_hazard.factors`` is one error line with the file, the line and what
    is allowed."""
    text = (root / "scenarios" / "bilateral_toy.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "  concession: linear\n",
        "  concession: linear\n  ceasefire_hazard:\n    per_round: 0.1\n"
        "    factors: {colour: {red: 0.5}, price: {cheap: 0.5}}\n",
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(bad)
    msg = str(exc.value)
    line = text.splitlines().index("    factors: {colour: {red: 0.5}, price: {cheap: 0.5}}") + 1
    assert f"bad.yaml:{line}" in msg
    assert "unknown clause 'colour'; expected one of: price, timing, warranty" in msg
    assert "unknown option of price 'cheap'; expected one of: high, low, mid, premium" in msg
