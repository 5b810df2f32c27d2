"""The Mesa model: one ``step()`` is one round of talks.

Order of a round t (REPORT §B), one method each (of :class:`sim.engine.talks.Talks`, given their draws by
:meth:`NegotiationModel.step`): (1) scheduled and random shocks fire (:meth:`_fire_shocks`);
(2) actors at their deadline carry out their action with their credibility's probability: a signatory
walking away ends the run unless a backup mediator takes over (:meth:`_deadlines`, :mod:`sim.engine.deadlines`),
and the others concede against the expected end of the talks; (3) the proposer (the mediator's single text,
or the parties in turn) puts a full package on the table: the clauses of the current agenda stage are chosen,
settled clauses keep their value, later clauses stay at the status quo (:meth:`_propose`); (4) every actor
votes against its aspiration a_i(t) (:meth:`_vote`), and a noisy mediator learns from the rejections
(:meth:`_learn`); (5) the stage closes when every signatory accepts; the final stage closes the deal when, in
addition, every triggered approval rule passes and every constraint holds (:meth:`_verdict`, :meth:`_settle`);
then the domestic stage: the vote waits for the ceasefire to hold, and each triggered ratification passes or
fails with its probability; a failure ends the run or sends the text back to the table
(:func:`sim.engine.domestic.domestic_stage`, :meth:`_after_domestic`).

Randomness: the run's ``SeedSequence`` feeds the engine's own generator, drawn in a fixed order (shocks,
deadlines, votes, the ceasefire through the wait and the ratifications, and the mediator's belief noise once at the
start); Mesa gets a child of that
``SeedSequence`` for its own ``rng`` and ``random``, which the engine never draws from (agents act in index order,
never shuffled).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.engine.agents import Actor, ActorAgent
from sim.engine.deadlines import deadline_of
from sim.engine.domestic import domestic_stage
from sim.engine.mesa_core import DataCollector, Model
from sim.engine.policies import decide
from sim.engine.prepared import Prepared
from sim.engine.records import Ballot, RunResult
from sim.engine.talks import Talks
from sim.scenario.edit import tweak
from sim.scenario.models import Scenario

INT32_MAX = int(np.iinfo(np.int32).max)
"""The bound of the stdlib-seed draw of Mesa 3.5's ``Model.__init__`` that the engine keeps (see ``__init__``)."""
MESA_STREAM = 0x6D657361
"""The spawn-key word ("mesa") of the child ``SeedSequence`` that seeds Mesa's ``rng`` and ``random``."""

OUTCOME_REPORTERS = {
    "deal": lambda m: m.outcome.deal,
    "reason": lambda m: m.outcome.reason,
    "round": lambda m: m.outcome.round,
    "rounds_played": lambda m: m.outcome.rounds_played,
    "package": lambda m: m.outcome.package,
    "payoffs": lambda m: m.outcome.payoffs,
}
"""What ``model.datacollector`` records, once, when the run ends (what ``mesa.batch_run`` reports)."""


def seed_sequences(seed: int | np.random.SeedSequence | None) -> tuple[np.random.SeedSequence, np.random.SeedSequence]:
    """(the run's ``SeedSequence``, Mesa's child of it). ``None`` draws fresh entropy from the OS.

    The child is built from the run's entropy and spawn key, not with ``spawn()``, so the caller's
    ``SeedSequence`` is left as it was (its count of spawned children included).
    """
    run = (
        seed
        if isinstance(seed, np.random.SeedSequence)
        else np.random.SeedSequence(None if seed is None else int(seed))
    )
    mesa_child = np.random.SeedSequence(run.entropy, spawn_key=(*run.spawn_key, MESA_STREAM), pool_size=run.pool_size)
    return run, mesa_child


class NegotiationModel(Model, Talks):
    """A negotiation between the scenario's actors, played round by round (``model.steps`` rounds so far).

    Built from keyword settings, as ``mesa.batch_run`` and SolaraViz build models::

        NegotiationModel(scenario=load_scenario("scenarios/paris_2025.yaml"), seed=3, trace=False,
                         **{"protocol.agenda": "single_package"})

    ``scenario`` is a :class:`sim.scenario.models.Scenario` or a :class:`sim.engine.prepared.Prepared` (to share
    one compilation between runs); ``changes`` are :func:`sim.tweak` paths applied to it; ``seed`` is an int, a
    ``numpy.random.SeedSequence`` or ``None`` (fresh entropy). The negsim scenario is ``model.prepared.scenario``
    (``model.scenario`` is Mesa's own). The agents are ``model.agents``, one :class:`ActorAgent` per actor, in
    the scenario's actor order (``model.actor_agents``: the same, as a tuple by index); ``model.datacollector``
    records the outcome when the run ends. The state and the phases of a round are :class:`sim.engine.talks.Talks`'
    (shared with the batched runs of :mod:`sim.engine.batch`); this class draws the run's randomness and is the
    reference they are tested against.
    """

    def __init__(
        self,
        scenario: Scenario | Prepared,
        seed: int | np.random.SeedSequence | None = 0,
        trace: bool = True,
        **changes: Any,
    ):
        run_seeds, mesa_seeds = seed_sequences(seed)
        super().__init__(rng=mesa_seeds)
        self._draws = np.random.default_rng(run_seeds)
        # keeps the seeded streams of v0.1; Mesa no longer touches this generator. (Mesa 3.5's Model.__init__,
        # given the run's generator as ``rng``, drew ``int(rng.integers(np.iinfo(np.int32).max))`` from it to seed
        # its stdlib ``random``; this is that draw.)
        self._draws.integers(INT32_MAX)
        # the agents by index: Mesa's model.agents holds the same ones in the same (insertion) order; the rounds
        # iterate model.actor_agents instead of AgentSet.map/select (about a fifth of a warm run's time went to them)
        self._start(self._prepare(scenario, changes), seed if isinstance(seed, int) else None, trace, self._draws)
        self.datacollector = DataCollector(model_reporters=OUTCOME_REPORTERS)

    def _prepare(self, scenario: Scenario | Prepared, changes: dict[str, Any]) -> Prepared:
        if isinstance(scenario, Prepared) and not changes:
            return scenario
        base = scenario.scenario if isinstance(scenario, Prepared) else scenario
        return Prepared(tweak(base, changes) if changes else base, type(self))

    def _seats(self) -> tuple[Actor, ...]:
        return tuple(ActorAgent(self, i, a) for i, a in enumerate(self.compiled.actors))

    # -- one round -----------------------------------------------------------------------------------------
    def step(self) -> None:
        """Play round t = ``steps`` − 1 (Mesa's ``Model`` counts the step before it calls this method): the phases
        of :class:`sim.engine.talks.Talks`, each given its draws from the run's generator."""
        t = self.steps - 1
        if t < self.resume:  # a signed text awaited its vote in this round
            return
        shocks = self.prepared.structure.shocks
        fires = (self._draws.random(len(shocks)) < self._shock_thresholds(t)).tolist() if shocks else []
        events = [*self.pending, *(f"shock:{s}" for s in self._fire_shocks(t, fires))]
        self.pending = []
        gone, acted, ended = self._deadlines(t, self._draws.random(self.compiled.n_actors))
        events += [f"walk_away:{a}" for a in gone] + [f"{deadline_of(self, a).action}:{a}" for a in acted]
        fought = self.battle.fight(t, self._draws) if self.battle is not None else None
        events += [fought] if fought else []
        reservation = self._reservation(t)
        aspiration = self._aspirations(t, reservation)
        if ended:
            self._finish(False, f"walk_away:{','.join(gone)}", reservation, rounds_played=t)
            return
        ballot = self._vote(*self._propose(t, aspiration), aspiration)
        self._learn(ballot, aspiration)
        self.last = ballot
        self.last_reservation = reservation
        if self.keep_trace:
            self._record(t, ballot, aspiration, reservation, events)
        verdict = self._verdict(ballot)
        if verdict == "domestic":
            dom = domestic_stage(self.compiled, ballot.package, ballot.utility, self._draws)
            self._after_domestic(t, ballot, dom)
        else:
            self._settle(t, ballot, reservation, verdict)

    def _vote(self, package: np.ndarray, proposer: int, free: np.ndarray, aspiration: np.ndarray) -> Ballot:
        """(4) Every actor votes on ``package``, in index order, one uniform draw each
        (:meth:`sim.engine.talks.Talks._ballot_parts`, :func:`sim.engine.policies.decide`)."""
        final, (utility, trig, required, fixed, p_accept) = self._ballot_parts(package, aspiration)
        draws = self._draws.random(self.compiled.n_actors).tolist()
        votes = tuple(decide(p, d) if f is None else f for f, p, d in zip(fixed, p_accept, draws, strict=True))
        return Ballot(package, proposer, free, final, utility, trig, required, votes, p_accept)

    def _finish(self, *args: Any, **kwargs: Any) -> None:
        super()._finish(*args, **kwargs)
        self.datacollector.collect(self)

    def result(self) -> RunResult:
        assert self.outcome is not None
        return RunResult(self.outcome, tuple(self.rows))
