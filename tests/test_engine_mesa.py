"""NegotiationModel as a Mesa model: agents in model.agents, Mesa's step counter, keyword construction for
mesa.batch_run, and a random generator of its own that Mesa never draws from."""

from __future__ import annotations

import mesa
import numpy as np
import pytest

from sim import tweak
from sim.engine.agents import ActorAgent
from sim.engine.model import MESA_STREAM, NegotiationModel
from sim.engine.records import VOTES
from sim.engine.runner import prepare, run

SINGLE = {"protocol.agenda": "single_package", "actors.US.deadline": None, "scenario.max_rounds": 30}
"""Logit votes: outcomes vary by seed; 30 weeks, as the actors' own clocks put the deals after week 12."""


def test_agents_are_mesas_in_actor_order(paris2025):
    model = NegotiationModel(paris2025, seed=0)
    assert [a.actor_id for a in model.agents] == list(model.compiled.actors)
    assert [a.index for a in model.agents] == list(range(model.compiled.n_actors))
    assert all(isinstance(a, ActorAgent) for a in model.agents)
    assert list(model.agents_by_type[ActorAgent]) == list(model.agents)
    assert model.actor_agents == tuple(model.agents)  # the rounds iterate this tuple: the same agents, same order


def test_rounds_are_mesas_steps(toy):
    model = NegotiationModel(toy, seed=1)
    assert model.steps == 0
    model.step()
    assert model.steps == 1 and {r["round"] for r in model.rows} == {0}
    model.run_model()
    out = model.result().outcome
    assert out.rounds_played == model.steps
    assert out.deal and out.round == model.steps - 1
    assert not hasattr(model, "t")


def test_keyword_construction_is_sim_run(paris2025):
    a = NegotiationModel(scenario=paris2025, seed=4, trace=True, **SINGLE)
    a.run_model()
    b = run(paris2025, seed=4, **SINGLE)
    assert a.result().outcome == b.outcome and a.result().rows == b.rows
    p = prepare(tweak(paris2025, SINGLE))
    c = NegotiationModel(scenario=p, seed=4, trace=True)
    c.run_model()
    assert c.prepared is p and c.result().outcome == b.outcome


def test_batch_run_gives_sim_runs_outcomes(paris2025):
    """``mesa.batch_run`` builds the model from keyword settings; ``rng=[...]`` are the seeds (``iterations``
    would pass ``seed=None``: a fresh, unseeded run each time)."""
    seeds = [0, 3, 6]
    rows = mesa.batch_run(
        NegotiationModel,
        parameters={"scenario": [paris2025], "trace": False, **SINGLE},
        rng=seeds,
        max_steps=1000,
        display_progress=False,
    )
    assert [r["seed"] for r in rows] == seeds
    outcomes = [run(paris2025, seed=s, **SINGLE).outcome for s in seeds]
    assert len({o.round for o in outcomes}) > 1  # the seeds matter, so the comparison below says something
    for row, out in zip(rows, outcomes, strict=True):
        got = {k: row[k] for k in ("deal", "reason", "round", "rounds_played", "package")}
        assert got == {k: getattr(out, k) for k in got}


def test_batch_run_with_iterations_runs(toy):
    with pytest.deprecated_call():  # Mesa 3.5 deprecates iterations in favour of rng
        rows = mesa.batch_run(
            NegotiationModel, parameters={"scenario": [toy]}, iterations=1, max_steps=50, display_progress=False
        )
    assert len(rows) == 1 and rows[0]["seed"] is None and rows[0]["reason"]


def test_mesa_gets_a_child_seed_sequence_not_the_engines_generator(toy, monkeypatch):
    seen = {}
    original = mesa.Model.__init__

    def spy(self, *args, **kwargs):
        seen.update(kwargs)
        original(self, *args, **kwargs)

    monkeypatch.setattr(mesa.Model, "__init__", spy)
    ss = np.random.SeedSequence(11, spawn_key=(2,))
    model = NegotiationModel(toy, seed=ss)
    given = seen["rng"]
    assert isinstance(given, np.random.SeedSequence)
    assert given.entropy == 11 and given.spawn_key == (2, MESA_STREAM)
    assert ss.n_children_spawned == 0  # the caller's SeedSequence is left as it was
    assert model.rng is not model._draws
    assert model.rng.bit_generator.state != model._draws.bit_generator.state


def _outcomes(scenarios, seeds):
    return [run(s, seed=seed).outcome for s in scenarios for seed in seeds]


def test_mesa_drawing_from_its_generators_changes_nothing(paris2025, paris2026, monkeypatch):
    """Whatever Mesa draws from its own ``rng`` and ``random`` (here: 1000 numbers each, at construction and in
    every step), the seeded results are the same."""
    scenarios = [tweak(paris2025, SINGLE), paris2026]
    seeds = [0, 1, 7]
    before = _outcomes(scenarios, seeds)
    original_init, original_step = mesa.Model.__init__, mesa.Model._wrapped_step

    def greedy_init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        self.rng.random(1000)
        [self.random.random() for _ in range(1000)]

    def greedy_step(self):
        self.rng.random(1000)
        original_step(self)

    monkeypatch.setattr(mesa.Model, "__init__", greedy_init)
    monkeypatch.setattr(mesa.Model, "_wrapped_step", greedy_step)
    assert _outcomes(scenarios, seeds) == before


def test_trace_votes_are_votes(paris2026):
    """Every trace vote is one of VOTES, starred when the actor's vote was not required."""
    tr = run(paris2026, seed=3).trace
    bare = tr["vote"].str.rstrip("*")
    assert set(bare) <= set(VOTES)
    starred = tr["vote"].str.endswith("*")
    assert (starred == (~tr["required"] & (bare != "absent"))).all()
