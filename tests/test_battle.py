"""The battlefield process (sim.engine.battle, issue #13.5): a Fearon lottery that moves the belligerents' R(t)
and their beliefs while they talk."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.engine.battle import battle_of
from sim.engine.runner import prepare
from sim.errors import ScenarioError
from sim.scenario.edit import tweak
from sim.scenario.loader import load_scenario

FIELD = {"attacker": "A", "defender": "B", "every": 2, "p": 0.6, "gain": [0.01, 0.03]}
LONG = {"scenario.max_rounds": 40, "actors.A.horizon": 200, "actors.B.horizon": 200}
"""The toy conceding so slowly that most runs see many battles before a deal."""


def _reservations(run, actor: str) -> dict[int, float]:
    return {row["round"]: row["reservation"] for row in run.rows if row["actor"] == actor}


def test_battles_move_both_outside_options(toy):
    """Every ``every`` rounds the attacker's R moves by +g or −g and the defender's by the opposite, g within
    ``gain``; between battles nothing moves; the trace's events record each battle."""
    s = tweak(toy, LONG | {"battlefield": FIELD})
    base = prepare(tweak(toy, LONG)).run(seed=3, trace=True)
    r = prepare(s).run(seed=3, trace=True)
    ra, rb = _reservations(r, "A"), _reservations(r, "B")
    a0, b0 = _reservations(base, "A"), _reservations(base, "B")
    rounds = sorted(ra)
    assert len(rounds) > 6
    for t in rounds:
        da, db = ra[t] - a0.get(t, ra[t]), rb[t] - b0.get(t, rb[t])
        assert da == pytest.approx(-db, abs=1e-12)
    events = {row["round"]: row["events"] for row in r.rows if row["actor"] == "A"}
    for t in rounds[1:]:
        step = (ra[t] - a0[t]) - (ra[t - 1] - a0[t - 1])
        if t % 2:
            assert step == pytest.approx(0.0, abs=1e-12) and "battle" not in events[t]
        else:
            assert 0.01 - 1e-12 <= abs(step) <= 0.03 + 1e-12
            assert ("battle:advance" in events[t]) == (step > 0)


def test_the_attacker_advances_with_probability_p(toy):
    """Over many runs the share of advances is p (a 4.5-sigma binomial band)."""
    s = tweak(toy, LONG | {"battlefield": FIELD})
    p = prepare(s)
    adv = tot = 0
    for seed in range(150):
        r = p.run(seed=seed, trace=True)
        ev = [row["events"] for row in r.rows if row["actor"] == "A" and "battle" in row["events"]]
        adv += sum("battle:advance" in e for e in ev)
        tot += len(ev)
    assert tot > 300
    assert abs(adv - 0.6 * tot) < 4.5 * math.sqrt(tot * 0.6 * 0.4)


def test_beliefs_converge_to_the_true_chance(toy):
    """Bayesian updating (Slantchev 2003): an optimistic attacker (prior mean 0.9, strength 4) and a pessimistic
    one (0.2) both approach the true p = 0.6 as battles accumulate."""
    fld = FIELD | {"every": 1, "beliefs": {"A": {"mean": 0.9, "strength": 4.0}, "B": {"mean": 0.2, "strength": 4.0}}}
    s = tweak(toy, {"battlefield": fld})
    b = battle_of(s, ("A", "B"))
    assert b is not None
    rng = np.random.default_rng(7)
    for t in range(1, 2001):
        b.fight(t, rng)
    assert abs(b.belief(0) - 0.6) < 0.05 and abs(b.belief(1) - 0.6) < 0.05
    assert b.belief(0) == pytest.approx((4 * 0.9 + b.advances) / (4 + 2000))


def test_optimism_that_fades_opens_the_range(toy):
    """Mutual optimism closes the bargaining range (Fearon 1995); fighting teaches it away. With value 0.5 on the
    beliefs, an over-optimistic attacker's R falls on average as it learns."""
    fld = FIELD | {"value": 0.5, "p": 0.3, "gain": [0.0, 0.0], "beliefs": {"A": {"mean": 0.8, "strength": 2.0}}}
    s = tweak(toy, LONG | {"battlefield": fld})
    base = prepare(tweak(toy, LONG)).run(seed=0, trace=True)
    p = prepare(s)
    early, late = [], []
    for seed in range(40):
        r = p.run(seed=seed, trace=True)
        ra, a0 = _reservations(r, "A"), _reservations(base, "A")
        if 2 in ra and 12 in ra:
            early.append(ra[2] - a0[2])
            late.append(ra[12] - a0[12])
    assert len(late) > 20
    assert np.mean(late) < np.mean(early) < 0.0


def test_bad_battlefields_are_errors(toy):
    with pytest.raises(Exception, match="unknown actor 'Q'"):
        tweak(toy, {"battlefield": FIELD | {"attacker": "Q"}})
    with pytest.raises(Exception, match="gain is"):
        tweak(toy, {"battlefield": FIELD | {"gain": [0.3, 0.1]}})
    with pytest.raises(Exception, match="beliefs"):
        tweak(toy, {"battlefield": FIELD | {"beliefs": {"C": {"mean": 0.5}}}})


def test_battlefield_errors_name_the_line(root, tmp_path):
    text = (root / "scenarios" / "bilateral_toy.yaml").read_text(encoding="utf-8")
    text += "\nbattlefield: {attacker: A, defender: Q, p: 0.5, gain: [0.0, 0.1]}\n"
    f = tmp_path / "bad.yaml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(f)
    line = len(text.splitlines())
    assert f"bad.yaml:{line}:" in str(exc.value) and "unknown actor 'Q'" in str(exc.value)
