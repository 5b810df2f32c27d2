"""Batched runs (``sim.engine.batch.run_batch``) give, seed by seed, the Mesa model's outcome (issue #19, part 1):
on every shipped scenario, on the engine's special cases (deadlines carried out or slipping, a mediator walking
away, shocks, the domestic stage with its hazard and ``renegotiate``) and on random scenarios."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import scenarios
from test_deadline_actions import LONG, MEDIATED
from test_domestic import _ratified
from test_shared_state import CASES

from sim.engine.batch import MUTABLE, Group, Streams, Unbatchable, run_batch, unbatchable
from sim.engine.model import INT32_MAX, seed_sequences
from sim.engine.runner import prepare
from sim.scenario.edit import tweak
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted(
    p.relative_to(ROOT).as_posix() for p in [*ROOT.glob("scenarios/*.yaml"), *ROOT.glob("scenarios/variants/*/*.yaml")]
)


def _same(scenario, seeds, prepared=None) -> None:
    """The batch's outcomes equal the Mesa model's, field by field (``repr``: floats to the last bit)."""
    reference = prepare(scenario) if prepared is None else prepared
    expected = [repr(reference.run(seed=s).outcome) for s in seeds]
    got = [repr(o) for o in run_batch(reference if prepared is not None else prepare(scenario), seeds)]
    bad = [s for s, a, b in zip(seeds, expected, got, strict=True) if a != b]
    assert not bad, f"seeds {bad[:5]} differ:\n{expected[seeds.index(bad[0])]}\n{got[seeds.index(bad[0])]}"


def test_the_shipped_scenarios_are_all_found():
    assert {"scenarios/paris_2025.yaml", "scenarios/paris_2026.yaml", "scenarios/bilateral_toy.yaml"} <= set(SHIPPED)
    assert any("variants" in p for p in SHIPPED)


@pytest.mark.parametrize("path", SHIPPED)
@pytest.mark.parametrize("agenda", [None, "single_package"])
def test_batched_runs_equal_the_mesa_model_on_every_shipped_scenario(path, agenda):
    s = load_scenario(ROOT / path)
    if agenda is not None:
        s = tweak(s, {"protocol.agenda": agenda})
    heavy = "paris_2026" in path  # its cold searches take seconds: one Prepared, the Mesa runs first
    seeds = list(range(60)) if heavy else list(range(200))
    _same(s, seeds, prepare(s) if heavy else None)


@pytest.mark.parametrize("case", [c for c in CASES if c != "battlefield"])
def test_batched_runs_equal_the_mesa_model_on_the_special_cases(toy, case):
    _same(tweak(toy, CASES[case]), list(range(80)))


@pytest.mark.parametrize("credibility", [0.5, 1.0])
def test_batched_runs_equal_the_mesa_model_when_the_mediator_walks(tmp_path, credibility):
    f = tmp_path / "mediated.yaml"
    f.write_text(MEDIATED.replace("credibility: 1.0", f"credibility: {credibility}"), encoding="utf-8")
    _same(load_scenario(f), list(range(80)))


@pytest.mark.parametrize(
    "protocol",
    [
        {},
        {"after_failed_ratification": "renegotiate"},
        {"after_failed_ratification": "renegotiate", "ceasefire_hazard": {"per_round": 0.3}},
    ],
)
@pytest.mark.parametrize("held", [0, 2])
def test_batched_runs_equal_the_mesa_model_through_the_domestic_stage(toy, protocol, held):
    _same(_ratified(tweak(toy, LONG), 0.5, held, **protocol), list(range(80)))


def test_batched_runs_equal_the_mesa_model_with_shocks(toy):
    shocks = [
        {"id": "late", "round": 2, "p": 0.5, "set": {"actors.A.discount": 0.5}},
        {"id": "any", "p_per_round": 0.2, "set": {"actors.B.reservation.war_cost": 0.2}},
    ]
    _same(tweak(toy, {"shocks": shocks}), list(range(120)))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    scenarios(max_actors=4, max_clauses=4, max_options=3, max_rounds=12),
    st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=12),
    st.booleans(),
)
def test_batched_runs_equal_the_mesa_model_on_random_scenarios(scenario, seeds, renegotiate):
    """Random scenarios (their shocks, deadlines, approval and ratification rules), a failed ratification ending
    the run or sending the text back."""
    if renegotiate:
        scenario = tweak(scenario, {"protocol.after_failed_ratification": "renegotiate"})
    if unbatchable(prepare(scenario)) is None:
        _same(scenario, seeds)


def test_seed_sequences_and_numpy_ints_are_seeds_as_for_the_mesa_model(toy):
    """A ``SeedSequence`` (its spawned children, as a user would make them) and a numpy int seed the batch as they
    seed ``Prepared.run``; the outcome's ``seed`` is recorded the same way (None when not a Python int)."""
    p = prepare(tweak(toy, CASES["logit votes"]))
    seeds = [*np.random.SeedSequence(42).spawn(5), np.int64(7), 7]
    assert [repr(o) for o in run_batch(p, seeds)] == [repr(p.run(seed=s).outcome) for s in seeds]


def test_what_is_not_batched_says_why(toy):
    with pytest.raises(Unbatchable, match="belief noise"):
        run_batch(prepare(tweak(toy, {"protocol.mediator_belief_noise": 0.1})), [0])
    battle = tweak(toy, CASES["battlefield"])
    assert "battlefield" in str(unbatchable(prepare(battle)))
    noisy_shock = tweak(
        toy, {"shocks": [{"id": "fog", "round": 1, "p": 1.0, "set": {"protocol.mediator_belief_noise": 0.2}}]}
    )
    assert "belief noise" in str(unbatchable(prepare(noisy_shock)))
    assert unbatchable(prepare(toy)) is None
    assert run_batch(prepare(toy), []) == []


@pytest.mark.parametrize("kept", [False, True])
def test_streams_are_the_runs_own_draws_in_any_blocks(kept):
    """A block of n doubles is the n doubles drawn one by one, after the Mesa model's first draw; the buffer
    grows past its first block, whether that block was drawn now or kept from an earlier batch."""
    seeds = [3, 0, 12]
    if kept:
        Streams(seeds, block=4)
    streams = Streams(seeds, block=4)
    rows = np.arange(3)
    got = np.concatenate([streams.take(rows, 3), streams.take(rows, 5)], axis=1)
    assert streams.take(rows[1:2].repeat(3), 0).shape == (3, 0)
    for k, seed in enumerate(seeds):
        gen = np.random.default_rng(seed_sequences(seed)[0])
        gen.integers(INT32_MAX)
        assert got[k].tolist() == [gen.random() for _ in range(8)]
    one = streams.reader(1)
    gen = np.random.default_rng(seed_sequences(0)[0])
    gen.integers(INT32_MAX)
    assert [one.random() for _ in range(30)] == [gen.random() for _ in range(38)][8:]


def test_a_group_copies_all_the_state_it_changes_in_place(toy):
    """Every list, dict or writable array of a group's state is in ``MUTABLE`` (copied when a group splits), so a
    part never changes another part's state."""
    p = prepare(tweak(toy, CASES["slipping deadline"]))
    run_batch(p, [0, 1])
    g = object.__new__(Group)
    g._start(p, None, False)
    mutable = {
        name
        for name, v in vars(g).items()
        if isinstance(v, list | dict | set) or (isinstance(v, np.ndarray) and v.flags.writeable)
    }
    replaced = {"actor_agents", "beliefs"}  # new agents in every part; beliefs is only ever replaced (_beliefs())
    assert mutable <= set(MUTABLE) | replaced, mutable - set(MUTABLE)
    g.members, g.lasts, g.end = np.arange(2), [None, None], None
    part = g.part(np.array([1]))
    part.slips[0] += 1
    part.pending.append("x")
    part.actor_agents[0].walked = True
    assert g.slips[0] == 0 and g.pending == [] and not g.actor_agents[0].walked and g.walked_key()[0] is False


def test_the_kept_first_blocks_stay_within_their_bound(monkeypatch, toy):
    """The first blocks a worker keeps never hold more than ``FIRST_BLOCKS_DOUBLES`` doubles, and dropping them
    changes no outcome."""
    import sim.engine.batch as batch

    monkeypatch.setattr(batch, "FIRST_BLOCKS_DOUBLES", 100)
    monkeypatch.setattr(batch, "_FIRST_BLOCKS", {})
    p = prepare(tweak(toy, CASES["logit votes"]))
    for seeds in (list(range(20)), list(range(10, 30))):
        assert [repr(o) for o in run_batch(p, seeds)] == [repr(p.run(seed=s).outcome) for s in seeds]
        assert sum(b.size for b in batch._FIRST_BLOCKS.values()) <= 100
