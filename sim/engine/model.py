"""The Mesa model: one ``step()`` is one round of talks.

Order of a round t (REPORT §B): (1) scheduled and random shocks fire; (2) actors at their deadline walk away with
their credibility's probability (a signatory walking away ends the run); (3) the proposer (the mediator's single
text, or the parties in turn) puts a full package on the table: the clauses of the current agenda stage are
chosen, settled clauses keep their value, later clauses stay at the status quo; (4) every actor votes against its
aspiration a_i(t); (5) the stage closes when every signatory accepts; the final stage closes the deal when, in
addition, every triggered approval rule passes and every constraint holds; then each triggered ratification passes
or fails with its probability. All randomness comes from the run's one generator, drawn in a fixed order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import mesa
import numpy as np

from sim.core.curves import logit_accept
from sim.core.utility import feasible, holds, raw_utilities, red_lines_hit, rule_passes, triggered, vetoes
from sim.engine.agents import ActorAgent
from sim.engine.records import Outcome, RunResult

if TYPE_CHECKING:
    from sim.engine.prepared import Prepared


class NegotiationModel(mesa.Model):
    """A negotiation between the scenario's actors, played round by round."""

    def __init__(self, prepared: Prepared, rng: np.random.Generator, seed: int | None = None, trace: bool = True):
        super().__init__(rng=rng)
        self.prepared = prepared
        self.seed_value = seed
        self.keep_trace = trace
        self.fired: frozenset[str] = frozenset()
        self.cp, self.searcher = prepared.variant(self.fired)
        cp = self.cp
        self.t = 0
        self.stage = 0
        self.base = cp.sq.copy()
        self.deadline = cp.deadline_round.copy()
        self.actors_ = [ActorAgent(self, i, a) for i, a in enumerate(cp.actors)]
        self.noise = cp.belief_noise
        self.offset = np.zeros(cp.n_actors)
        self.noise_draw = self.rng.standard_normal(cp.values.shape) if self.noise > 0 else None
        self.beliefs = self._beliefs()
        self.rows: list[dict[str, Any]] = []
        self.shock_log: list[str] = []
        self.walked: list[str] = []
        self.last: dict[str, Any] | None = None
        self.outcome: Outcome | None = None
        self.running = True

    # -- helpers -----------------------------------------------------------------------------------------
    def _beliefs(self) -> np.ndarray:
        """The mediator's believed weighted option values: true values plus N(0, σ) noise, clipped to [0, 1]."""
        cp = self.cp
        if self.noise_draw is None:
            return cp.wvalues
        v = np.clip(cp.values + self.noise * self.noise_draw, 0.0, 1.0)
        return cp.weights[:, cp.clause_of] * v

    def _alive(self) -> np.ndarray:
        return np.array([not a.walked for a in self.actors_])

    def _fire_shocks(self) -> list[str]:
        shocks = self.prepared.scenario.shocks
        draws = self.rng.random(len(shocks)) if shocks else ()
        new = []
        for sh, d in zip(shocks, draws):
            if sh.id in self.fired:
                continue
            if (sh.round == self.t and d < sh.p) or (sh.p_per_round is not None and d < sh.p_per_round):
                new.append(sh.id)
        if new:
            self.fired = self.fired | frozenset(new)
            self.cp, self.searcher = self.prepared.variant(self.fired)
            for a in self.actors_:
                a.refresh()
            self.beliefs = self._beliefs()
            self.shock_log += [f"{s}@{self.t}" for s in new]
        return new

    def _deadlines(self) -> list[str]:
        cp = self.cp
        draws = self.rng.random(cp.n_actors)
        gone = []
        for i, ag in enumerate(self.actors_):
            if ag.walked or self.deadline[i] != self.t:
                continue
            if draws[i] < cp.credibility[i]:
                ag.walked = True
                gone.append(ag.actor_id)
            else:
                self.deadline[i] = self.t + cp.extend_by[i] if cp.extend_by[i] > 0 else -1
        self.walked += gone
        return gone

    # -- one round -----------------------------------------------------------------------------------------
    def step(self) -> None:
        cp = self.cp
        t = self.t
        events = [f"shock:{s}" for s in self._fire_shocks()]
        cp = self.cp
        gone = self._deadlines()
        events += [f"walk_away:{a}" for a in gone]
        alive = self._alive()
        R = cp.reservation(t)
        asp = np.array([ag.aspiration(t, float(R[i])) for i, ag in enumerate(self.actors_)])
        asp_search = np.where(alive, asp, 2.0)
        if any(cp.signatory[cp.actors.index(a)] for a in gone):
            self._finish(False, f"walk_away:{','.join(gone)}", R)
            return
        free = np.zeros(cp.n_clauses, dtype=bool)
        free[list(cp.stages[self.stage])] = True
        final = self.stage == len(cp.stages) - 1
        if cp.proposal_mode == "mediator_single_text":
            proposer = cp.mediator
            key = ("true", self.fired) if self.noise_draw is None else None
            pkg = self.searcher.propose(
                self.beliefs, asp_search + self.offset, cp.signatory, free, self.base, values_key=key
            ).package
        else:
            proposer = cp.proposers[t % len(cp.proposers)]
            pkg = self.searcher.propose(
                cp.wvalues,
                asp_search,
                cp.signatory,
                free,
                self.base,
                self_floor=proposer,
                rule=cp.offer_rule,
                values_key=("true", self.fired),
            ).package
        if pkg is None:
            pkg = self.base.copy()
        P = pkg[None, :]
        U = np.minimum(np.maximum(raw_utilities(cp, P)[:, 0], 0.0), 1.0)  # utilities(cp, P), clipped cheaply
        veto = vetoes(cp, P)[:, 0]
        trig = triggered(cp, P)[:, 0] if final else np.zeros(len(cp.rules), dtype=bool)
        required = cp.signatory.copy()
        for r, rule in enumerate(cp.rules):
            if trig[r] and rule.kind != "ratification":
                required[rule.voters] = True
        draws = self.rng.random(cp.n_actors)
        votes, probs = zip(
            *(ag.vote(float(U[i]), float(asp[i]), bool(veto[i]), float(draws[i])) for i, ag in enumerate(self.actors_))
        )
        accepts = np.array([v == "accept" for v in votes])
        if self.noise_draw is not None and cp.learning_step > 0:
            believed = (self.beliefs[:, (pkg + cp.offsets)].sum(axis=1)) - (asp + self.offset)
            for i in np.flatnonzero(required & ~accepts & alive):
                self.offset[i] += max(0.0, float(believed[i])) + cp.learning_step
        signed = bool(accepts[cp.signatory].all())
        rules_ok = all(rule_passes(rl, accepts) for r, rl in enumerate(cp.rules) if trig[r])
        feasible_ok = bool(feasible(cp, P)[0])
        self.last = {"pkg": pkg, "U": U, "votes": votes, "required": required, "R": R, "free": free}
        if self.keep_trace:
            self._record(t, proposer, U, asp, R, votes, probs, events, pkg, required)
        self.t += 1
        if signed and not final:
            self.base = pkg.copy()
            self.stage += 1
        elif signed and rules_ok and feasible_ok:
            self._ratify(pkg, U, R, trig)
            return
        if self.t >= cp.max_rounds and self.running:
            self._finish(False, "no_agreement", R)

    def _ratify(self, pkg: np.ndarray, U: np.ndarray, R: np.ndarray, trig: np.ndarray) -> None:
        cp = self.cp
        P = pkg[None, :]
        results: dict[str, bool] = {}
        for rat in cp.ratifications:
            if not holds(rat.triggers, P)[0]:
                continue
            if rat.needs_permanent_ceasefire and cp.ceasefire_permanent and not holds(cp.ceasefire_permanent, P)[0]:
                p = 0.0
            elif rat.p is not None:
                p = rat.p
            else:
                p = float(logit_accept(U[rat.actor] - rat.threshold, rat.lam))
            results[f"{cp.actors[rat.actor]}:{rat.body}"] = bool(self.rng.random() < p)
        for r, rule in enumerate(cp.rules):
            if trig[r] and rule.kind == "ratification":
                key, n = rule.body or rule.label, 2
                while key in results:  # two rules of the same body keep both results
                    key, n = f"{rule.body or rule.label}#{n}", n + 1
                results[key] = bool(self.rng.random() < rule.p)
        failed = [k for k, ok in results.items() if not ok]
        self._finish(not failed, "deal" if not failed else f"ratification_failed:{','.join(failed)}", R, results)

    def _record(self, t, proposer, U, asp, R, votes, probs, events, pkg, required) -> None:
        cp = self.cp
        offer = {f"offer.{c}": cp.options[k][int(pkg[k])] for k, c in enumerate(cp.clauses)}
        stage = self.prepared.cp0.stage_names[self.stage] if self.stage < len(cp.stage_names) else ""
        for i, a in enumerate(cp.actors):
            self.rows.append(
                {
                    "round": t,
                    "stage": stage,
                    "proposer": cp.actors[proposer] if proposer >= 0 else "",
                    "actor": a,
                    "utility": float(U[i]),
                    "aspiration": float(asp[i]),
                    "reservation": float(R[i]),
                    "vote": votes[i] if (required[i] or votes[i] == "absent") else f"{votes[i]}*",
                    "p_accept": float(probs[i]),
                    "required": bool(required[i]),
                    "events": ";".join(events),
                    **offer,
                }
            )

    def _finish(self, deal: bool, reason: str, R: np.ndarray, ratification: dict[str, bool] | None = None) -> None:
        cp = self.cp
        last = self.last
        pkg = last["pkg"] if last else None
        U = last["U"] if last else cp.u_sq
        votes = last["votes"] if last else ("absent",) * cp.n_actors
        required = last["required"] if last else cp.signatory
        rejected = [a for i, a in enumerate(cp.actors) if required[i] and votes[i] in ("reject", "veto", "absent")]
        blocking: dict[str, str] = {}
        if last is not None:
            for a in rejected:
                blocking[a] = self._blocking_clause(cp.actors.index(a), last["pkg"], last["free"])
        labels = cp.labels(pkg) if pkg is not None else None
        self.outcome = Outcome(
            scenario_id=cp.scenario_id,
            seed=self.seed_value,
            deal=deal,
            round=(self.t - 1) if deal else None,
            reason=reason,
            package=labels if deal else None,
            last_offer=labels,
            utilities={a: float(U[i]) for i, a in enumerate(cp.actors)},
            surplus={a: float(U[i] - R[i]) for i, a in enumerate(cp.actors)},
            accepted={a: votes[i] == "accept" for i, a in enumerate(cp.actors)},
            rejected_by=[] if deal else rejected,
            blocking_clause={} if deal else blocking,
            rounds_played=self.t,
            walked_away=list(self.walked),
            ratification=ratification or {},
            shocks=list(self.shock_log),
        )
        self.running = False

    def _blocking_clause(self, i: int, pkg: np.ndarray, free: np.ndarray) -> str:
        """The clause that costs actor i most in ``pkg``: a hard red line hit, else the largest weighted loss
        w_ic (max_k v_ick − v_ic(x_c)) + penalty relative to its best option on that clause."""
        cp = self.cp
        hits = red_lines_hit(cp, pkg, i)
        if hits and cp.hard[i, pkg + cp.offsets].any():
            c = int(np.flatnonzero(cp.hard[i, pkg + cp.offsets])[0])
            return cp.clauses[c]
        loss = np.full(cp.n_clauses, -np.inf)
        for k in np.flatnonzero(free):
            sl = slice(cp.offsets[k], cp.offsets[k] + cp.n_options[k])
            j = cp.offsets[k] + pkg[k]
            loss[k] = cp.wvalues[i, sl].max() - cp.wvalues[i, j] + cp.penalty[i, j]
        return cp.clauses[int(np.argmax(loss))]

    def result(self) -> RunResult:
        assert self.outcome is not None
        return RunResult(self.outcome, tuple(self.rows))
