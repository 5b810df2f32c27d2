"""The state of one negotiation and the phases of its round, without Mesa: what the Mesa model and the batched
runs share.

:class:`Talks` holds a run's state (the variant, the stage, the base, the deadlines, who walked, the last ballot…)
and one method per phase of a round (REPORT §B; the order is :meth:`sim.engine.model.NegotiationModel.step`'s).
A phase that needs random draws takes them as an argument, so the same phase serves one run with its own
generator (:class:`sim.engine.model.NegotiationModel`, the reference) and a group of runs in the same state whose
draws decided the same way (:mod:`sim.engine.batch`). Every draw is a uniform double compared with a threshold
(:meth:`Talks._shock_thresholds`, ``credibility``, P(accept), the domestic stage's probabilities), except the mediator's
belief noise and the battlefield's gains, which the batched runs do not play.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from sim.core.compiled import Compiled
from sim.core.utility import feasible, rule_passes
from sim.engine.agents import Actor, ballot_parts, policies
from sim.engine.battle import Battle, battle_of
from sim.engine.deadlines import aspirations, resolve
from sim.engine.domestic import Domestic
from sim.engine.judge import judge
from sim.engine.prepared import Prepared
from sim.engine.proposal import proposal
from sim.engine.records import Ballot, Outcome, Vote, trace_rows
from sim.search.searcher import Searcher


class Talks:
    """One negotiation's state and round phases (module docstring); :meth:`_start` sets the state of round 0."""

    prepared: Prepared
    compiled: Compiled
    searcher: Searcher
    actor_agents: tuple[Actor, ...]
    battle: Battle | None
    outcome: Outcome | None
    running: bool

    def _start(self, prepared: Prepared, seed_value: int | None, trace: bool, draws: Any = None) -> None:
        """The state before round 0 (``draws``: the run's generator, for the mediator's belief noise only)."""
        self.prepared = prepared
        self.seed_value = seed_value
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
        self.policy_table = policies(self)  # every actor's (concession, acceptance) under the variant
        self._walked_key: tuple[bool, ...] | None = None  # who walked, by index (walked_key(); None: to recompute)
        self.actor_agents = self._seats()
        self.noise = compiled.belief_noise
        self.offset = np.zeros(compiled.n_actors)  # the mediator's learned raise of each actor's aspiration
        self.noise_draw = draws.standard_normal(compiled.values.shape) if self.noise > 0 else None
        self.beliefs = self._beliefs()
        self.rows: list[dict[str, Any]] = []
        self.shock_log: list[str] = []
        self.walked_away: list[str] = []  # in the order they walked
        self.last: Ballot | None = None
        # R(t) of the round the last offer was voted in (the same array as _reservation(0) without a battle)
        self.last_reservation = self.prepared.shared(compiled, ("reservation", 0), lambda: compiled.reservation(0))
        self.outcome = None
        self.running = True

    def _seats(self) -> tuple[Actor, ...]:
        """One actor per index (the Mesa model's are its agents)."""
        return tuple(Actor(self, i, a) for i, a in enumerate(self.compiled.actors))

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
        return ~np.array(self.walked_key(), dtype=bool)

    # -- (1) shocks ----------------------------------------------------------------------------------------
    def _shock_thresholds(self, t: int) -> np.ndarray:
        """(shocks,) the thresholds of round t's shock draws: a shock not fired yet fires when its uniform draw d
        is below ``p`` in its ``round`` or below ``p_per_round`` in any round, i.e. d < the larger of the two
        that apply (0, never, when none does or it has fired)."""
        out = np.zeros(len(self.prepared.structure.shocks))
        for k, sh in enumerate(self.prepared.structure.shocks):
            if sh.id not in self.fired:
                out[k] = max(sh.p if sh.round == t else 0.0, 0.0 if sh.p_per_round is None else sh.p_per_round)
        return out

    def _fire_shocks(self, t: int, fires: Sequence[bool]) -> list[str]:
        """(1) The shocks whose draw fired (``fires``, by listed shock) fire, once; the scenario is recompiled
        with every fired shock."""
        new = [sh.id for sh, f in zip(self.prepared.structure.shocks, fires, strict=True) if f]
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
        for agent in self.actor_agents:
            agent.refresh()

    # -- (2) deadlines, (3) the proposal ------------------------------------------------------------------
    def _deadlines(self, t: int, draws: np.ndarray) -> tuple[list[str], list[str], bool]:
        """(2) The deadlines of round t, one uniform draw per actor (``draws``): :func:`sim.engine.deadlines.resolve`
        (who walked, who acted, whether the talks end)."""
        return resolve(self, t, draws)

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

    # -- (4) the vote ----------------------------------------------------------------------------------------
    def _ballot_parts(
        self, package: np.ndarray, aspiration: np.ndarray
    ) -> tuple[bool, tuple[np.ndarray, np.ndarray, np.ndarray, tuple[Vote | None, ...], tuple[float, ...]]]:
        """(4) (whether this is the final stage, (utilities, triggered rules, required voters, each vote no draw
        decides, each P(accept))): a hard red line is a veto, else an actor accepts with its policy's
        P(accept | U − a); in the final stage the voters of triggered approval rules (other than ratifications)
        are required too. A function of the package, the stage, the aspirations and who walked (the same in most
        runs of a sweep point, so kept once: Prepared.shared); only the draws are the run's own."""
        compiled = self.compiled
        final = self.stage == len(compiled.stages) - 1
        key = ("ballot", package.tobytes(), final, aspiration.tobytes(), self.walked_key())
        parts = self.prepared.shared(compiled, key, lambda: ballot_parts(self, package, final, aspiration))
        return final, parts

    def _learn(self, ballot: Ballot, aspiration: np.ndarray) -> None:
        """(4) A mediator with belief noise raises its estimate of each required, present actor who rejected by
        what it believed that actor's surplus was (if positive) plus ``learning_step``."""
        compiled = self.compiled
        if self.noise_draw is None or compiled.learning_step <= 0:
            return
        believed = (self.beliefs[:, (ballot.package + compiled.offsets)].sum(axis=1)) - (aspiration + self.offset)
        for i in np.flatnonzero(ballot.required & ~ballot.accepts & self._alive()):
            self.offset[i] += max(0.0, float(believed[i])) + compiled.learning_step

    # -- (5) closing, the domestic stage, the end ------------------------------------------------------------
    def _verdict(self, ballot: Ballot) -> str:
        """(5) ``advance`` when every signatory accepted an earlier stage's package, ``domestic`` when they accepted
        the final stage's and every triggered approval rule passes and it is feasible, else ``continue``."""
        compiled = self.compiled
        signatories = self.prepared.shared(
            compiled, ("signatories",), lambda: tuple(np.flatnonzero(compiled.signatory).tolist())
        )
        if not all(ballot.votes[i] == "accept" for i in signatories):
            return "continue"
        if not ballot.final:
            return "advance"
        if self._rules_pass(ballot) and bool(feasible(compiled, ballot.package[None, :])[0]):
            return "domestic"
        return "continue"

    def _settle(self, t: int, ballot: Ballot, reservation: np.ndarray, verdict: str) -> None:
        """(5) After a verdict other than ``domestic``: an earlier stage closes (its clauses are settled, the next
        stage opens); the run ends without agreement after ``max_rounds`` rounds."""
        if verdict == "advance":
            self.base = ballot.package.copy()
            self.stage += 1
        if t + 1 >= self.compiled.max_rounds and self.running:
            self._finish(False, "no_agreement", reservation, rounds_played=t + 1)

    def _rules_pass(self, ballot: Ballot) -> bool:
        accepts = ballot.accepts
        return all(rule_passes(rule, accepts) for r, rule in enumerate(self.compiled.rules) if ballot.triggered[r])

    def _after_domestic(self, t: int, ballot: Ballot, dom: Domestic) -> None:
        """(5) The signed text's domestic stage played (:mod:`sim.engine.domestic`): K rounds of ceasefire, one
        breakdown draw each when the hazard is positive, then one draw per triggered ratification step, in order.
        It passes: the deal (signed in round t, in force in round t + K). It fails: the run ends, or under
        ``renegotiate`` talks resume the round after (the failed steps' packages ruled out), if a round is left."""
        cp = self.compiled
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
        """End the run (:meth:`_outcome` of the last ballot and the run's seed)."""
        self.outcome = self._outcome(
            self.last, self.seed_value, deal, reason, reservation, rounds_played, ratification, signed_round
        )
        self.running = False

    def _outcome(
        self,
        last: Ballot | None,
        seed: int | None,
        deal: bool,
        reason: str,
        reservation: np.ndarray,
        rounds_played: int,
        ratification: dict[str, bool] | None = None,
        signed_round: int | None = None,
    ) -> Outcome:
        """The outcome, judged on the last package on the table (``last``; none before the first vote). The
        payoffs are the deal's utilities, or without a deal every actor's disagreement value R(t) of this round.
        A deal's ``round`` is the round it was signed (``signed_round``, default the last round played)."""
        compiled = self.compiled
        utility = last.utility if last else compiled.u_sq
        votes = last.votes if last else ("absent",) * compiled.n_actors
        required = last.required if last else compiled.signatory
        rejected = [a for i, a in enumerate(compiled.actors) if required[i] and votes[i] != "accept"]
        cache = self.prepared.blame_cache.setdefault(self.fired, {})
        verdict = judge(compiled, last, self.last_reservation, reason, ratification or {}, cache)
        labels = compiled.labels(last.package) if last is not None else None
        return Outcome(
            scenario_id=compiled.scenario_id,
            seed=seed,
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
