"""Deadlines as actions, backup mediators and anticipated deadlines (sim.engine.deadlines, issue #13.2)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.engine.deadlines import believed_credibility, end_distribution
from sim.engine.model import NegotiationModel
from sim.engine.runner import prepare
from sim.errors import ScenarioError
from sim.scenario.edit import tweak
from sim.scenario.loader import load_scenario
from sim.scenario.models import Deadline

LONG = {"scenario.max_rounds": 40, "actors.A.horizon": 30, "actors.B.horizon": 30}
"""The toy with both actors conceding over 30 rounds: without a deadline every seed signs in round 9."""

MEDIATED = """
scenario: {id: mediated, max_rounds: 12, status_quo_package: {price: low, timing: late, warranty: none}}
protocol:
  mediator: M
  backup_mediators: [B]
  acceptance: {model: threshold}
clauses:
  price: {options: [low, mid, high]}
  timing: {options: [late, early]}
  warranty: {options: [none, full]}
actors:
  A:
    salience: {price: 0.6, timing: 0.2, warranty: 0.2}
    utilities: {price: [0.0, 0.6, 1.0], timing: [1.0, 0.0], warranty: [1.0, 0.0]}
    horizon: 10
  B:
    salience: {price: 0.3, timing: 0.5, warranty: 0.2}
    utilities: {price: [1.0, 0.5, 0.0], timing: [0.0, 1.0], warranty: [0.0, 1.0]}
    horizon: 10
  M:
    salience: {price: 0.2, timing: 0.2, warranty: 0.6}
    utilities: {price: [0.5, 0.5, 0.5], timing: [0.5, 0.5], warranty: [0.0, 1.0]}
    horizon: 10
    deadline: {round: 1, credibility: 1.0, reverts: [warranty]}
decision_rules:
  signatories: [A, B, M]
"""


def _rounds(toy, changes: dict, seeds: int = 30) -> list[int | None]:
    p = prepare(tweak(toy, LONG | changes))
    return [p.run(seed=s).outcome.round for s in range(seeds)]


def test_without_a_deadline_the_toy_signs_in_round_9(toy):
    assert set(_rounds(toy, {})) == {9}


@pytest.mark.parametrize("anticipate", [True, False])
def test_a_deadline_nobody_believes_changes_nothing(toy, anticipate):
    """Credibility 0: the same outcome as without a deadline, seed by seed (the deadline draws every round
    regardless)."""
    dl = {"actors.A.deadline": {"round": 12, "credibility": 0.0, "extend_by": 4}}
    assert _rounds(toy, dl | {"protocol.anticipate_deadlines": anticipate}) == _rounds(toy, {})


def test_a_credible_deadline_brings_agreement_forward(toy):
    """A zone of agreement exists (every seed signs by round 9 without a deadline): with anticipation the mean
    deal round falls as A's deadline (round 12, B's side of it) grows more credible, every deal comes before the
    deadline, and a certain deadline is strictly earlier than none; without anticipation nothing moves."""
    means = []
    for c in (0.0, 0.3, 0.6, 0.9, 1.0):
        dl = {"actors.A.deadline": {"round": 12, "credibility": c, "extend_by": 4}}
        rounds = _rounds(toy, dl)
        assert all(r is not None and r < 12 for r in rounds)
        means.append(float(np.mean(rounds)))
        assert set(_rounds(toy, dl | {"protocol.anticipate_deadlines": False})) == {9}
    assert all(b <= a for a, b in itertools.pairwise(means)), means
    assert means[-1] < means[0]


def test_slips_teach_the_others(toy):
    """With a learning prior (strength 2) each slip of A's deadline lowers B's belief in it, so B asks for more
    (its aspiration in round 2 rises with the slips seen); with a fixed belief the slips change nothing."""

    def b_aspiration(belief: dict, slips: int) -> float:
        dl = {"round": 3, "credibility": 0.0, "extend_by": 3, "belief": belief}
        model = NegotiationModel(tweak(toy, LONG | {"actors.A.deadline": dl}), seed=0)
        model.slips[0] = slips
        return float(model._aspirations(2, model.compiled.reservation(2))[1])

    learn = [b_aspiration({"mean": 0.9, "strength": 2.0}, k) for k in range(4)]
    fixed = [b_aspiration({"mean": 0.9}, k) for k in range(4)]
    assert all(b > a + 1e-9 for a, b in itertools.pairwise(learn)), learn
    assert fixed == pytest.approx([fixed[0]] * 4) and learn[0] == pytest.approx(fixed[0])


def test_believed_credibility_is_the_beta_posterior_mean():
    d = Deadline(round=3, credibility=0.2, belief={"mean": 0.5, "strength": 4.0})
    assert [believed_credibility(d, k) for k in (0, 1, 2)] == pytest.approx([0.5, 2 / 5, 2 / 6])
    assert believed_credibility(Deadline(round=3, credibility=0.2), 5) == 0.2


@settings(max_examples=60, deadline=None)
@given(
    walkers=st.lists(st.tuples(st.integers(1, 12), st.floats(0.05, 1.0), st.integers(0, 4)), min_size=1, max_size=3),
    cap=st.integers(2, 30),
)
def test_end_distribution_is_the_first_of_independent_ends(walkers, cap):
    """P(K = k) of :func:`end_distribution` against a brute-force sum over every combination of each walker's
    own end round (D + n·e with probability c(1 − c)^n, or never)."""
    each = []
    for d, c, e in walkers:
        outcomes, surv, r = [], 1.0, d
        while r < cap + 1 and surv > 1e-15:
            outcomes.append((r, surv * c))
            surv *= 1 - c
            if e == 0:
                break
            r += e
        outcomes.append((10**9, surv))  # never (or beyond the cap)
        each.append(outcomes)
    brute: dict[int, float] = {}
    for combo in itertools.product(*each):
        k = min(r for r, _ in combo)
        brute[k] = brute.get(k, 0.0) + float(np.prod([p for _, p in combo]))
    rounds, probs = end_distribution(walkers, cap)
    for k, p in zip(rounds, probs, strict=True):
        assert p == pytest.approx(brute.get(k, 0.0), abs=1e-9)
    assert sum(probs) == pytest.approx(sum(p for k, p in brute.items() if k < cap), abs=1e-9)


def test_sanctions_change_the_target_and_the_actor_stays(toy):
    """``impose_sanctions`` at round 2: B's war cost rises by 0.3 from round 2 on (its R(t) falls by 0.3), A stays,
    and the trace says so."""
    dl = {"round": 2, "action": "impose_sanctions", "add": {"actors.B.reservation.war_cost": 0.3}}
    r = prepare(tweak(toy, LONG | {"actors.A.deadline": dl})).run(seed=0, trace=True)
    base = prepare(tweak(toy, LONG)).run(seed=0, trace=True)
    res = {(row["round"], row["actor"]): row["reservation"] for row in r.rows}
    res0 = {(row["round"], row["actor"]): row["reservation"] for row in base.rows}
    assert res[(1, "B")] == pytest.approx(res0[(1, "B")])
    assert res[(2, "B")] == pytest.approx(res0[(2, "B")] - 0.3)
    assert res[(2, "A")] == pytest.approx(res0[(2, "A")])
    assert any(row["events"] == "impose_sanctions:A" for row in r.rows if row["round"] == 2)
    assert r.outcome.walked_away == [] and r.outcome.deal


def test_a_backup_mediator_takes_over(tmp_path):
    """The mediator M (a signatory) walks away at round 1: B mediates from then on, M no longer signs, and the
    clause M's exit reverts (warranty) stays at the status quo."""
    f = tmp_path / "mediated.yaml"
    f.write_text(MEDIATED, encoding="utf-8")
    r = prepare(load_scenario(f)).run(seed=0, trace=True)
    rows = r.rows
    assert {row["proposer"] for row in rows if row["round"] < 1} == {"M"}
    assert {row["proposer"] for row in rows if row["round"] >= 1} == {"B"}
    assert not any(row["required"] for row in rows if row["round"] >= 1 and row["actor"] == "M")
    assert {row["offer.warranty"] for row in rows if row["round"] >= 1} == {"none"}
    assert r.outcome.walked_away == ["M"] and r.outcome.rounds_played > 1


def test_without_a_backup_the_mediators_exit_ends_the_talks(tmp_path):
    """Without a backup M's walk-away at round 1 ends the talks. (With anticipation, A and B, sure of it, concede
    everything in round 0 and sign: the test turns anticipation off to see the exit.)"""
    f = tmp_path / "mediated.yaml"
    text = MEDIATED.replace("  backup_mediators: [B]\n", "  anticipate_deadlines: false\n")
    f.write_text(text, encoding="utf-8")
    o = prepare(load_scenario(f)).run(seed=0).outcome
    assert (o.deal, o.reason, o.rounds_played) == (False, "walk_away:M", 1)
    f.write_text(MEDIATED.replace("  backup_mediators: [B]\n", ""), encoding="utf-8")
    o = prepare(load_scenario(f)).run(seed=0).outcome
    assert (o.deal, o.round) == (True, 0)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("deadline: {round: 1, credibility: 1.0, reverts: [warranty]}", "deadline: {round: 1, action: cut_aid}"),
         "action cut_aid changes nothing: give set or add"),
        (("deadline: {round: 1, credibility: 1.0, reverts: [warranty]}",
          "deadline: {round: 1, action: cut_aid, add: {actors.A.reservation.war_kost: 0.1}}"), "war_kost"),
        (("reverts: [warranty]", "reverts: [warranty, colour]"), "unknown clause 'colour'"),
        (("backup_mediators: [B]", "backup_mediators: [Q]"), "unknown actor 'Q'"),
        (("backup_mediators: [B]", "backup_mediators: [M]"), "M is the mediator"),
    ],
)  # fmt: skip
def test_bad_deadlines_are_one_line_errors_with_the_line(tmp_path, edit, message):
    text = MEDIATED.replace(*edit)
    f = tmp_path / "bad.yaml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(f)
    line = next(n for n, ln in enumerate(text.splitlines(), 1) if edit[1] in ln)
    assert f"bad.yaml:{line}:" in str(exc.value) and message in str(exc.value)
