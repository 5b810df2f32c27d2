"""The engine reproduces Putnam's (1988) two-level rows itself: a slack win-set changes nothing, a tight one moves the
deal to its edge ("tied hands"), disjoint win-sets leave no deal (REPORT §C.8; the analytic rows are
:func:`sim.analysis.theory.putnam_clip`).

Two parties split a pie x (RU's share, k/10), U_UA = 1 − x, U_RU = x, R = 0 (status quo 0.5, war cost 0.5), a neutral
mediator M. Ukraine's win-set W_UA = [0, w]: its parliament rejects (p = 0) every x > w; Russia's W_RU = [w', 1]:
its Duma rejects every x < w'. The Nash solution (the max–min package at equal aspirations) is x = 0.5. Two ways the
table learns the win-sets: a ratification-aware mediator (``mediator_objective: expected_value``), which never
tables a text it expects to fail; and the blind max–min mediator with ``after_failed_ratification: renegotiate``,
which learns it from a failed vote (:mod:`sim.engine.domestic`).
"""

from __future__ import annotations

import pytest

from sim import scenario_from_document
from sim.engine.runner import prepare

OPTIONS = [f"s{k:02d}" for k in range(11)]


def putnam_doc(w_ua: float, w_ru: float | None, objective: str, after: str) -> dict:
    """The pie scenario with W_UA = [0, ``w_ua``] and, unless None, W_RU = [``w_ru``, 1] (module docstring)."""
    high = [o for k, o in enumerate(OPTIONS) if k / 10 > w_ua + 1e-9]
    actors = {
        "UA": {
            "role": "party_signatory",
            "salience": {"share": 1.0},
            "utilities": {"share": [1 - k / 10 for k in range(11)]},
            "reservation": {"war_cost": 0.5},
            "horizon": 10,
            "ratification": {"body": "rada", "p": 0.0, "triggers": {"share": high}},
        },
        "RU": {
            "role": "party_signatory",
            "salience": {"share": 1.0},
            "utilities": {"share": [k / 10 for k in range(11)]},
            "reservation": {"war_cost": 0.5},
            "horizon": 10,
        },
        "M": {"role": "mediator", "salience": {"share": 1.0}, "utilities": {"share": [0.5] * 11}, "horizon": 10},
    }  # fmt: skip
    if w_ru is not None:
        low = [o for k, o in enumerate(OPTIONS) if k / 10 < w_ru - 1e-9]
        actors["RU"]["ratification"] = {"body": "duma", "p": 0.0, "triggers": {"share": low}}
    return {
        "scenario": {"id": "putnam", "max_rounds": 30, "status_quo_package": {"share": "s05"}},
        "protocol": {
            "mediator": "M",
            "mediator_objective": objective,
            "after_failed_ratification": after,
            "acceptance": {"model": "threshold"},
        },
        "clauses": {"share": {"ordered": True, "options": OPTIONS}},
        "actors": actors,
        "decision_rules": {"signatories": ["UA", "RU"]},
    }


def engine_putnam(
    w_ua: float, w_ru: float | None, objective: str = "expected_value", after: str = "end"
) -> float | None:
    """RU's share in the engine's deal (seed 0), or None without a deal."""
    o = prepare(scenario_from_document(putnam_doc(w_ua, w_ru, objective, after))).run(seed=0).outcome
    return None if not o.deal else OPTIONS.index(o.package["share"]) / 10


MODES = [("expected_value", "end"), ("max_min_surplus", "renegotiate")]


@pytest.mark.parametrize(("objective", "after"), MODES)
def test_slack_win_set_changes_nothing(objective, after):
    assert engine_putnam(0.6, None, objective, after) == pytest.approx(0.5)
    assert engine_putnam(1.0, None, objective, after) == pytest.approx(0.5)


@pytest.mark.parametrize(("objective", "after"), MODES)
def test_tied_hands_move_the_deal_to_the_edge(objective, after):
    """W_UA = [0, 0.4]: Ukraine gets 0.6 instead of 0.5 (its tied hands help it: Schelling 1960, Putnam 1988)."""
    assert engine_putnam(0.4, None, objective, after) == pytest.approx(0.4)
    assert engine_putnam(0.2, None, objective, after) == pytest.approx(0.2)


@pytest.mark.parametrize(("objective", "after"), MODES)
def test_disjoint_win_sets_leave_no_deal(objective, after):
    assert engine_putnam(0.4, 0.45, objective, after) is None
    assert engine_putnam(0.4, 0.4, objective, after) == pytest.approx(0.4)  # one point in common: a deal there


def test_a_blind_mediator_that_cannot_renegotiate_loses_the_deal():
    """The max–min mediator without send-back tables the Nash text, which the Rada rejects: no deal."""
    assert engine_putnam(0.4, None, "max_min_surplus", "end") is None
