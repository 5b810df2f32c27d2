"""Deadlines as actions, backup mediators, and what the other actors expect of a deadline (issue #13.2; REPORT §B.5).

**Actions.** At its deadline round an actor carries out its ``action`` with probability ``credibility`` (one
uniform draw, :meth:`sim.engine.talks.Talks._deadlines`); otherwise the deadline slips by
``extend_by`` rounds (or is dropped when ``extend_by`` is 0). ``walk_away`` ends the actor's participation.
``impose_sanctions`` and ``cut_aid`` apply the deadline's ``set``/``add`` (paths, as a shock's: e.g.
``add: {actors.RU.reservation.war_cost: 0.05}``) from that round on, and the actor stays at the table (a
coercive threat carried out changes the target's outside option: Schelling 1966, *Arms and Influence*; Powell
2004, "Bargaining and learning while fighting").

**Who leaves.** A signatory walking away ends the talks, unless it is the mediator and a backup mediator
(``protocol.backup_mediators``, the first still present) takes over: the talks go on with the backup proposing,
the walker no longer signing, and the clauses of its ``deadline.reverts`` fixed at the status quo (a constraint
every search applies: what only the walker could deliver, e.g. US sanctions relief, leaves with it). A
non-signatory mediator walking away hands over to a backup, or ends the talks when none is left.

**Expectations** (``protocol.anticipate_deadlines``, on by default). The others do not know whether a deadline is
real. Their belief in actor j's credibility is Beta(s·m, s·(1 − m)) (``deadline.belief``: m = ``mean``, default
the true credibility; s = ``strength``), so after k observed slips their estimate is ĉ_j = s·m / (s + k) (the
posterior mean; a Bernoulli trial per deadline, each slip a failure); without ``strength`` they hold ĉ_j = m. A
walk-away that would end the talks at round D_j, slipping by e_j, ends them at D_j + n·e_j with probability
ĉ_j (1 − ĉ_j)^n (never, with probability 1 − ĉ_j, when e_j = 0). With the end round K of the talks the first of
these (independent across deadline actors), a time-dependent actor i concedes against the expected horizon:

    a_i(t) = Σ_k P(K = k) · a_i(t; H = min(H_i, k)) + P(K > H_i) · a_i(t; H_i),

a_i(t; H) the aspiration of :class:`sim.engine.policies.TimeDependent` on horizon H (at t = H − 1 it is R_i(t)).
The deadline actor itself concedes on its own horizon (its first deadline round). Subgame-perfect actors
(``stationary``, ``rubinstein``) keep their own game. The sum is cut where the remaining mass is below 1e-12.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from sim.core.compiled import Compiled
from sim.core.curves import discounted_aspiration_at
from sim.core.parts import Condition, Constraint
from sim.engine.policies import TimeDependent
from sim.scenario.edit import apply_set_add
from sim.scenario.loader import scenario_from_document
from sim.scenario.models import Deadline, Scenario

if TYPE_CHECKING:
    from sim.engine.talks import Talks

MASS_CUT = 1e-12


def deadline_of(model: Talks, actor: str) -> Deadline:
    """The deadline of ``actor`` in the model's scenario (it has one)."""
    dl = model.prepared.structure.actors[actor].deadline
    assert dl is not None
    return dl


def apply_actions(scenario: Scenario, acted: frozenset[str]) -> Scenario:
    """The scenario with the ``set``/``add`` of the deadlines of the ``acted`` actors applied (in actor order)."""
    if not acted:
        return scenario
    doc = scenario.document()
    for aid, spec in scenario.actors.items():
        if aid not in acted or spec.deadline is None:
            continue
        apply_set_add(doc, spec.deadline.set, spec.deadline.add)
    return scenario_from_document(doc, file=scenario.source)


def with_exits(cp: Compiled, exits: frozenset[int], reverts: dict[int, tuple[int, ...]], mediator: int) -> Compiled:
    """The compiled scenario after the ``exits`` (actor indices) left and ``mediator`` took over: the walkers no
    longer sign, and each walker's ``reverts`` clauses must stay at the status quo."""
    signatory = cp.signatory.copy()
    extra = []
    for i in sorted(exits):
        signatory[i] = False
        for c in reverts.get(i, ()):
            allowed = np.zeros(int(cp.n_options[c]), dtype=bool)
            allowed[cp.sq[c]] = True
            extra.append(Constraint(f"reverts:{cp.actors[i]}", (), (Condition(c, allowed),)))
    return replace(cp, signatory=signatory, mediator=mediator, constraints=cp.constraints + tuple(extra))


def believed_credibility(deadline: Deadline, slips: int) -> float:
    """ĉ = s·m / (s + slips), or m without a strength (module docstring); m defaults to the true credibility."""
    m = deadline.credibility if deadline.belief.mean is None else deadline.belief.mean
    s = deadline.belief.strength
    return m if s is None else s * m / (s + slips)


def end_distribution(walkers: list[tuple[int, float, int]], cap: float) -> tuple[list[int], list[float]]:
    """(rounds k, P(K = k)) of the first end of the talks, for ``walkers`` (next deadline round D, believed
    credibility ĉ, slip e) each ending them at D + n·e with probability ĉ(1 − ĉ)^n; only rounds below ``cap``
    (beyond it the horizon no longer changes), so the probabilities sum to P(K < cap)."""
    points: dict[int, list[tuple[int, float]]] = {}
    for j, (d, c, e) in enumerate(walkers):
        surv, r = 1.0, d
        while r < cap and surv > MASS_CUT and c > 0.0:
            surv *= 1.0 - c
            points.setdefault(r, []).append((j, surv))
            if e <= 0:
                break
            r += e
    rounds = sorted(points)
    alive = [1.0] * len(walkers)  # P(walker j has not ended the talks by the current round)
    out_k, out_p = [], []
    before = 1.0
    for r in rounds:
        for j, s in points[r]:
            alive[j] = s
        now = float(np.prod(alive))
        out_k.append(r)
        out_p.append(before - now)
        before = now
    return out_k, out_p


def anticipated(
    policy: TimeDependent, t: int, reservation: float, u_max: float, ends: tuple[list[int], list[float]]
) -> float:
    """a_i(t) of the module docstring for one time-dependent actor: its aspiration averaged over the end rounds."""
    rounds, probs = ends
    total, mass = 0.0, 0.0
    for k, p in zip(rounds, probs, strict=True):
        if k <= t or k >= policy.horizon or p <= 0.0:
            continue
        # TimeDependent.aspiration with the horizon k (as replace(policy, horizon=k).aspiration, without the copy)
        total += p * discounted_aspiration_at(
            t, float(k), policy.beta, reservation, policy.drift, u_max, policy.discount
        )
        mass += p
    return total + (1.0 - mass) * policy.aspiration(t, reservation, u_max)


def resolve(model: Talks, t: int, draws: np.ndarray) -> tuple[list[str], list[str], bool]:
    """(2) One uniform draw per actor, every round (``draws``, by index). An actor whose deadline is t carries out
    its action when the draw is below its credibility (walks away, or applies its sanctions or aid cut and
    stays); otherwise its deadline moves ``extend_by`` rounds on (or is dropped) and the slip is seen by all.
    Returns (who walked, who acted, whether the talks end: :mod:`sim.engine.deadlines`)."""
    cp = model.compiled
    gone, acted = [], []
    agents = model.actor_agents
    for ag in [agents[i] for i, d in enumerate(model.deadline.tolist()) if d == t and not agents[i].walked]:
        i = ag.index
        if draws[i] < cp.credibility[i] and deadline_of(model, ag.actor_id).action == "walk_away":
            ag.walked = True
            gone.append(ag.actor_id)
        elif draws[i] < cp.credibility[i]:
            acted.append(ag.actor_id)
            model.deadline[i] = -1
        else:
            model.slips[i] += 1
            model.deadline[i] = t + cp.extend_by[i] if cp.extend_by[i] > 0 else -1
    model.walked_away += gone
    ended, exits, mediator = False, set(model.exits), model.mediator
    for a in gone:
        i = cp.actors.index(a)
        if cp.proposal_mode == "mediator_single_text" and i == mediator:
            mediator = backup(model, i)
            ended = ended or mediator < 0
            if cp.signatory[i]:
                exits.add(i)
        elif cp.signatory[i]:
            ended = True
    if not ended and (acted or mediator != model.mediator):
        model.acted, model.exits, model.mediator = model.acted | frozenset(acted), frozenset(exits), mediator
        model._recompile()
    return gone, acted, ended


def backup(model: Talks, leaving: int) -> int:
    """The first backup mediator still present (not ``leaving``), or −1."""
    for b in model.prepared.structure.protocol.backup_mediators:
        j = model.compiled.actors.index(b)
        if j != leaving and not model.actor_agents[j].walked:
            return j
    return -1


def aspirations(model: Talks, t: int, reservation: np.ndarray) -> np.ndarray:
    """(A,) a_i(t): each actor's own, or under ``protocol.anticipate_deadlines`` the time-dependent actors'
    averaged over the expected end of the talks (:func:`anticipated`; each actor leaves its own deadline out)."""
    cp = model.compiled
    asp = np.array([a.aspiration(t, reservation) for a in model.actor_agents])
    if not model.prepared.structure.protocol.anticipate_deadlines:
        return asp
    walkers = {}
    for ag in [a for a in model.actor_agents if not a.walked and model.deadline[a.index] > t]:
        j, dl = ag.index, deadline_of(model, ag.actor_id)
        mediating = cp.proposal_mode == "mediator_single_text" and j == model.mediator
        if dl.action == "walk_away" and (cp.signatory[j] or mediating) and not (mediating and backup(model, j) >= 0):
            walkers[j] = (int(model.deadline[j]), believed_credibility(dl, int(model.slips[j])), int(cp.extend_by[j]))
    if not walkers:
        return asp
    cap = float(cp.horizon.max())
    everyone = end_distribution(list(walkers.values()), cap)  # for every actor but the walkers themselves
    for ag in model.actor_agents:
        if isinstance(ag.concession, TimeDependent):
            i = ag.index
            ends = everyone if i not in walkers else end_distribution([w for j, w in walkers.items() if j != i], cap)
            asp[i] = anticipated(ag.concession, t, float(reservation[i]), float(cp.u_max[i]), ends)
    return asp
