"""The Mesa model: one ``step()`` is one round of talks.

Order of a round t (REPORT §B), one method each: (1) scheduled and random shocks fire (:meth:`_fire_shocks`);
(2) actors at their deadline carry out their action with their credibility's probability: a signatory
walking away ends the run unless a backup mediator takes over (:meth:`_deadlines`, :mod:`sim.engine.deadlines`),
and the others concede against the expected end of the talks; (3) the proposer (the mediator's single text,
or the parties in turn) puts a full package on the table: the clauses of the current agenda stage are chosen,
settled clauses keep their value, later clauses stay at the status quo (:meth:`_propose`); (4) every actor
votes against its aspiration a_i(t) (:meth:`_vote`), and a noisy mediator learns from the rejections
(:meth:`_learn`); (5) the stage closes when
every signatory accepts; the final stage closes the deal when, in addition, every triggered approval rule passes
and every constraint holds (:meth:`_close`); then the domestic stage: the vote waits for the ceasefire to hold,
and each triggered ratification passes or fails with its probability; a failure ends the run or sends the text
back to the table (:meth:`_domestic`, :mod:`sim.engine.domestic`).

Randomness: the run's ``SeedSequence`` feeds the engine's own generator, drawn in a fixed order (shocks,
deadlines, votes, the ceasefire through the wait and the ratifications, and the mediator's belief noise once at the
start); Mesa gets a child of that
``SeedSequence`` for its own ``rng`` and ``random``, which the engine never draws from (agents act in index order,
never shuffled).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.core.utility import feasible, rule_passes
from sim.engine.agents import ActorAgent, ballot_parts, policies
from sim.engine.battle import battle_of
from sim.engine.deadlines import aspirations, deadline_of, resolve
from sim.engine.domestic import domestic_stage
from sim.engine.judge import judge
from sim.engine.mesa_core import DataCollector, Model
from sim.engine.policies import decide
from sim.engine.prepared import Prepared
from sim.engine.proposal import proposal
from sim.engine.records import Ballot, Outcome, RunResult, trace_rows
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


class NegotiationModel(Model):
    """A negotiation between the scenario's actors, played round by round (``model.steps`` rounds so far).

    Built from keyword settings, as ``mesa.batch_run`` and SolaraViz build models::

        NegotiationModel(scenario=load_scenario("scenarios/paris_2025.yaml"), seed=3, trace=False,
                         **{"protocol.agenda": "single_package"})

    ``scenario`` is a :class:`sim.scenario.models.Scenario` or a :class:`sim.engine.prepared.Prepared` (to share
    one compilation between runs); ``changes`` are :func:`sim.tweak` paths applied to it; ``seed`` is an int, a
    ``numpy.random.SeedSequence`` or ``None`` (fresh entropy). The negsim scenario is ``model.prepared.scenario``
    (``model.scenario`` is Mesa's own). The agents are ``model.agents``, one :class:`ActorAgent` per actor, in
    the scenario's actor order (``model.actor_agents``: the same, as a tuple by index); ``model.datacollector``
    records the outcome when the run ends.
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
        self.prepared = self._prepare(scenario, changes)
        self.seed_value = seed if isinstance(seed, int) else None
        self.keep_trace = trace
        self.fired: frozenset[str] = frozenset()
        self.failed: frozenset[str] = frozenset()  # the ratification steps that failed (their packages ruled out)
        self.resume = 0  # the first round of talks after a text sent back (sim.engine.domestic)
        self.pending: list[str] = []  # events of the domestic stage, recorded in the next round of talks
        self.acted: frozenset[str] = frozenset()  # actors whose deadline action (sanctions, aid cut) was carried out
        self.exits: frozenset[int] = frozenset()  # signatories gone while a backup mediator went on
        self.compiled, self.searcher = self.prepared.variant(self.fired)
        self.mediator = self.compiled.mediator  # who proposes the single text now (a backup after a walk-away)
        self.slips = np.zeros(self.compiled.n_actors, dtype=np.int64)  # deadlines seen slipping, per actor
        self.battle = battle_of(self.prepared.structure, self.compiled.actors)  # None without a battlefield
        compiled = self.compiled
        self.stage = 0
        self.base = compiled.sq.copy()
        self.deadline = compiled.deadline_round.copy()
        # the agents by index: Mesa's model.agents holds the same ones in the same (insertion) order; the rounds
        # iterate this tuple instead of AgentSet.map/select (about a fifth of a warm run's time went to them)
        self.policy_table = policies(self)  # every actor's (concession, acceptance) under the variant
        self._walked_key: tuple[bool, ...] | None = None  # who walked, by index (walked_key(); None: to recompute)
        self.actor_agents: tuple[ActorAgent, ...] = tuple(ActorAgent(self, i, a) for i, a in enumerate(compiled.actors))
        self.noise = compiled.belief_noise
        self.offset = np.zeros(compiled.n_actors)  # the mediator's learned raise of each actor's aspiration
        self.noise_draw = self._draws.standard_normal(compiled.values.shape) if self.noise > 0 else None
        self.beliefs = self._beliefs()
        self.rows: list[dict[str, Any]] = []
        self.shock_log: list[str] = []
        self.walked_away: list[str] = []  # in the order they walked
        self.last: Ballot | None = None
        # R(t) of the round the last offer was voted in (the same array as _reservation(0) without a battle)
        self.last_reservation = self.prepared.shared(compiled, ("reservation", 0), lambda: compiled.reservation(0))
        self.outcome: Outcome | None = None
        self.datacollector = DataCollector(model_reporters=OUTCOME_REPORTERS)
        self.running = True

    def _prepare(self, scenario: Scenario | Prepared, changes: dict[str, Any]) -> Prepared:
        if isinstance(scenario, Prepared) and not changes:
            return scenario
        base = scenario.scenario if isinstance(scenario, Prepared) else scenario
        return Prepared(tweak(base, changes) if changes else base, type(self))

    # -- helpers -----------------------------------------------------------------------------------------
    def _beliefs(self) -> np.ndarray:
        """The mediator's believed weighted option values: true values plus N(0, σ) noise, clipped to [0, 1]."""
        compiled = self.compiled
        if self.noise_draw is None:
            return compiled.wvalues
        v = np.clip(compiled.values + self.noise * self.noise_draw, 0.0, 1.0)
        return compiled.weights[:, compiled.clause_of] * v

    def spe_path(self) -> np.ndarray:
        """The subgame-perfect continuation values of the current variant (:meth:`Prepared.spe_path`)."""
        return self.prepared.spe_path(self.fired)

    def _reservation(self, t: int) -> np.ndarray:
        """(A,) R(t): the scenario's, moved by the battles fought so far (:mod:`sim.engine.battle`)."""
        cp = self.compiled
        r = self.prepared.shared(cp, ("reservation", t), lambda: cp.reservation(t))  # the same in every run
        return r if self.battle is None else r + self.battle.offsets(len(r))

    def walked_key(self) -> tuple[bool, ...]:
        """Who walked away, by index (kept until an agent's ``walked`` changes): part of the shared state's keys."""
        key = self._walked_key
        if key is None:
            key = self._walked_key = tuple(a.walked for a in self.actor_agents)
        return key

    def _alive(self) -> np.ndarray:
        return np.array([not a.walked for a in self.actor_agents])

    # -- one round -----------------------------------------------------------------------------------------
    def step(self) -> None:
        """Play round t = ``steps`` − 1 (Mesa's ``Model`` counts the step before it calls this method)."""
        t = self.steps - 1
        if t < self.resume:  # a signed text awaited its vote in this round
            return
        events = [*self.pending, *(f"shock:{s}" for s in self._fire_shocks(t))]
        self.pending = []
        gone, acted, ended = self._deadlines(t)
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
        self._close(t, ballot, reservation)

    def _fire_shocks(self, t: int) -> list[str]:
        """(1) One uniform draw per listed shock, every round. A shock fires (once) when ``d < p`` in its
        ``round`` or ``d < p_per_round`` in any round; the scenario is then recompiled with every fired shock."""
        shocks = self.prepared.structure.shocks
        draws = self._draws.random(len(shocks)) if shocks else ()
        new = []
        for sh, d in zip(shocks, draws, strict=True):
            if sh.id in self.fired:
                continue
            if (sh.round == t and d < sh.p) or (sh.p_per_round is not None and d < sh.p_per_round):
                new.append(sh.id)
        if new:
            self.fired = self.fired | frozenset(new)
            self._recompile()
            self.beliefs = self._beliefs()
            self.shock_log += [f"{s}@{t}" for s in new]
        return new

    def _recompile(self) -> None:
        """The variant of the fired shocks, failed ratifications, deadline actions, exits and mediator."""
        mediator = None if self.mediator == self.prepared.cp0.mediator else self.mediator
        self.compiled, self.searcher = self.prepared.variant(self.fired, self.failed, self.acted, self.exits, mediator)
        self.policy_table = policies(self)
        self.agents.do("refresh")

    def _deadlines(self, t: int) -> tuple[list[str], list[str], bool]:
        """(2) The deadlines of round t: :func:`sim.engine.deadlines.resolve` (who walked, who acted, whether the
        talks end)."""
        return resolve(self, t)

    def _aspirations(self, t: int, reservation: np.ndarray) -> np.ndarray:
        """(A,) a_i(t), averaged over the expected end of the talks (:func:`sim.engine.deadlines.aspirations`):
        a function of the variant, t, R(t), who walked, the deadlines and their slips and the mediator, computed
        once per such state for all the runs of the ``Prepared`` (:meth:`Prepared.shared`; read-only)."""
        state = (
            self.walked_key(),
            self.deadline.tobytes(),
            self.slips.tobytes(),
            self.mediator,
        )
        key = ("aspirations", t, reservation.tobytes(), *state)
        return self.prepared.shared(self.compiled, key, lambda: aspirations(self, t, reservation))

    def _propose(self, t: int, aspiration: np.ndarray) -> tuple[np.ndarray, int, np.ndarray]:
        """(3) The proposer's package, its index and the clauses open in this stage. The mediator searches its
        believed values against the aspirations it has learned, by ``protocol.mediator_objective``; a party
        proposes in turn on true values, keeping its own aspiration (``self_floor``). Actors gone are asked
        nothing (aspiration 2, above any utility); with no package found the base (the status quo and the settled
        stages) stays on the table. Without belief noise it is kept once per state (:mod:`sim.engine.proposal`)."""
        return proposal(self, t, aspiration)

    def _vote(self, package: np.ndarray, proposer: int, free: np.ndarray, aspiration: np.ndarray) -> Ballot:
        """(4) Every actor votes on ``package``, in index order, one uniform draw each: a hard red line is a veto,
        else it accepts with its policy's P(accept | U − a). In the final stage the voters of triggered approval
        rules (other than ratifications) are required too."""
        compiled = self.compiled
        final = self.stage == len(compiled.stages) - 1
        # what the voters are asked and each one's P(accept) are a function of the package, the stage, the
        # aspirations and who walked (the same in most runs of a sweep point, so kept once: Prepared.shared); only
        # the draws are the run's own
        key = ("ballot", package.tobytes(), final, aspiration.tobytes(), self.walked_key())
        utility, trig, required, fixed, p_accept = self.prepared.shared(
            compiled, key, lambda: ballot_parts(self, package, final, aspiration)
        )
        draws = self._draws.random(compiled.n_actors).tolist()
        votes = tuple(decide(p, d) if f is None else f for f, p, d in zip(fixed, p_accept, draws, strict=True))
        return Ballot(package, proposer, free, final, utility, trig, required, votes, p_accept)

    def _learn(self, ballot: Ballot, aspiration: np.ndarray) -> None:
        """(4) A mediator with belief noise raises its estimate of each required, present actor who rejected by
        what it believed that actor's surplus was (if positive) plus ``learning_step``."""
        compiled = self.compiled
        if self.noise_draw is None or compiled.learning_step <= 0:
            return
        believed = (self.beliefs[:, (ballot.package + compiled.offsets)].sum(axis=1)) - (aspiration + self.offset)
        for i in np.flatnonzero(ballot.required & ~ballot.accepts & self._alive()):
            self.offset[i] += max(0.0, float(believed[i])) + compiled.learning_step

    def _close(self, t: int, ballot: Ballot, reservation: np.ndarray) -> None:
        """(5) Every signatory accepted: an earlier stage closes (its clauses are settled, the next stage opens);
        the final stage goes to ratification when every triggered approval rule passes and the package is
        feasible. The run ends without agreement after ``max_rounds`` rounds."""
        compiled = self.compiled
        signed = all(
            ballot.votes[i] == "accept"
            for i in self.prepared.shared(
                compiled, ("signatories",), lambda: tuple(np.flatnonzero(compiled.signatory).tolist())
            )
        )
        if signed and not ballot.final:
            self.base = ballot.package.copy()
            self.stage += 1
        elif signed and self._rules_pass(ballot) and bool(feasible(compiled, ballot.package[None, :])[0]):
            self._domestic(t, ballot)
            return
        if t + 1 >= compiled.max_rounds and self.running:
            self._finish(False, "no_agreement", reservation, rounds_played=t + 1)

    def _rules_pass(self, ballot: Ballot) -> bool:
        accepts = ballot.accepts
        return all(rule_passes(rule, accepts) for r, rule in enumerate(self.compiled.rules) if ballot.triggered[r])

    def _domestic(self, t: int, ballot: Ballot) -> None:
        """(5) The signed text's domestic stage (:mod:`sim.engine.domestic`): K rounds of ceasefire, one breakdown
        draw each when the hazard is positive, then one draw per triggered ratification step, in order. It passes:
        the deal (signed in round t, in force in round t + K). It fails: the run ends, or under ``renegotiate``
        talks resume the round after (the failed steps' packages ruled out), if a round is left."""
        cp = self.compiled
        dom = domestic_stage(cp, ballot.package, ballot.utility, self._draws)
        end = t + (dom.broke_down or dom.wait)  # the round of the vote, or of the breakdown
        if dom.passed:
            self._finish(True, "deal", self._reservation(end), end + 1, dom.results, signed_round=t)
            return
        failed = ",".join(k for k, ok in dom.results.items() if not ok)
        reason = "ceasefire_broke_down" if dom.broke_down else f"ratification_failed:{failed}"
        if cp.after_failed_ratification == "renegotiate" and end + 1 < cp.max_rounds:
            if dom.failed:
                self.failed = self.failed | frozenset(cp.steps[k].name for k in dom.failed)
                self._recompile()
            self.resume = end + 1
            self.pending.append(f"{reason}@{end}")
            return
        self._finish(False, reason, self._reservation(end), end + 1, dom.results)

    def _record(
        self, t: int, ballot: Ballot, aspiration: np.ndarray, reservation: np.ndarray, events: list[str]
    ) -> None:
        """One trace row per actor for round t (columns: :mod:`sim.engine.records`)."""
        stage = self.prepared.stage_names[self.stage] if self.stage < len(self.compiled.stage_names) else ""
        self.rows += trace_rows(self.compiled, t, stage, ballot, aspiration, reservation, events)

    def _finish(
        self,
        deal: bool,
        reason: str,
        reservation: np.ndarray,
        rounds_played: int,
        ratification: dict[str, bool] | None = None,
        signed_round: int | None = None,
    ) -> None:
        """End the run: the outcome, judged on the last package on the table (none before the first vote). The
        payoffs are the deal's utilities, or without a deal every actor's disagreement value R(t) of this round.
        A deal's ``round`` is the round it was signed (``signed_round``, default the last round played)."""
        compiled = self.compiled
        last = self.last
        utility = last.utility if last else compiled.u_sq
        votes = last.votes if last else ("absent",) * compiled.n_actors
        required = last.required if last else compiled.signatory
        rejected = [a for i, a in enumerate(compiled.actors) if required[i] and votes[i] != "accept"]
        cache = self.prepared.blame_cache.setdefault(self.fired, {})
        verdict = judge(compiled, last, self.last_reservation, reason, ratification or {}, cache)
        labels = compiled.labels(last.package) if last is not None else None
        self.outcome = Outcome(
            scenario_id=compiled.scenario_id,
            seed=self.seed_value,
            deal=deal,
            round=(rounds_played - 1 if signed_round is None else signed_round) if deal else None,
            reason=reason,
            package=labels if deal else None,
            last_offer=labels,
            payoffs={a: float(utility[i] if deal else reservation[i]) for i, a in enumerate(compiled.actors)},
            last_offer_utilities={a: float(utility[i]) for i, a in enumerate(compiled.actors)},
            surplus={a: float(utility[i] - reservation[i]) for i, a in enumerate(compiled.actors)},
            accepted={a: votes[i] == "accept" for i, a in enumerate(compiled.actors)},
            rejected_by=[] if deal else rejected,
            blocking_clause=verdict.blocking_clause,
            rounds_played=rounds_played,
            walked_away=list(self.walked_away),
            ratification=ratification or {},
            shocks=list(self.shock_log),
            failed_stage=verdict.failed_stage,
            signed_package=verdict.signed_package,
            rejection=verdict.rejection,
            blame=verdict.blame,
            pivotal=verdict.pivotal,
        )
        self.running = False
        self.datacollector.collect(self)

    def result(self) -> RunResult:
        assert self.outcome is not None
        return RunResult(self.outcome, tuple(self.rows))
