"""The steps of :func:`sim.core.compiled.compile_scenario`: each turns one part of a validated scenario into arrays.

Every step is a pure function of the scenario (and of the numbering of its actors and clauses); none validates,
because :class:`~sim.scenario.models.Scenario` did that once. Arrays are numbered as in
:class:`~sim.core.compiled.Compiled`: A actors, C clauses, O options in one flat index.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core.curves import effective_horizon
from sim.core.parts import BoolA, Condition, Constraint, FloatA, IntA, Interaction, Ratification, Rule
from sim.core.tolerances import ENUMERATION_LIMIT
from sim.errors import UsageError
from sim.scenario.models import CONCESSION_PRESETS, MAX_ROUNDS, Actor, ApprovalRule, Scenario, Support


@dataclass(frozen=True)
class OptionSpace:
    """The flat option index: clause ``c`` owns ``offsets[c] … offsets[c] + n_options[c] − 1``."""

    clauses: list[str]
    n_options: IntA  # (C,)
    offsets: IntA  # (C,)
    clause_of: IntA  # (O,)

    @property
    def size(self) -> int:
        return int(self.n_options.sum())


def option_space(scenario: Scenario) -> OptionSpace:
    """Clauses in the scenario's order; each clause's options follow the previous clause's in the flat index."""
    clauses = list(scenario.clauses)
    n_opt = np.array([len(scenario.clauses[c].options) for c in clauses], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(n_opt)[:-1]]).astype(np.int64)
    clause_of = np.repeat(np.arange(len(clauses)), n_opt)
    return OptionSpace(clauses, n_opt, offsets, clause_of)


def condition(scenario: Scenario, clauses: list[str], cid: str, opts: list[str], negate: bool = False) -> Condition:
    """Clause ``cid`` takes one of ``opts`` (or, with ``negate``, none of them)."""
    c = clauses.index(cid)
    allowed = np.array([o in opts for o in scenario.clauses[cid].options], dtype=bool)
    return Condition(c, ~allowed if negate else allowed)


def conditions(
    scenario: Scenario, clauses: list[str], options_by_clause: dict[str, list[str]]
) -> tuple[Condition, ...]:
    """One condition per clause of a ``{clause: [options]}`` mapping, in its order."""
    return tuple(condition(scenario, clauses, c, o) for c, o in options_by_clause.items())


@dataclass(frozen=True)
class Preferences:
    """What the actors want: (A, C) normalised saliences, (A, O) option values, hard and soft red lines."""

    weights: FloatA
    values: FloatA
    hard: BoolA
    penalty: FloatA
    interactions: tuple[Interaction, ...]


def preferences(scenario: Scenario, actors: list[str], space: OptionSpace) -> Preferences:
    """Salience w_ic (0 where not given) divided by the actor's total, value v_ic(o) (0 where not given), a hard
    red line as a veto on its options, a soft one adding its penalty to each of its options, and the interactions."""
    n_actors, n_flat = len(actors), space.size
    weights = np.zeros((n_actors, len(space.clauses)))
    values = np.zeros((n_actors, n_flat))
    hard = np.zeros((n_actors, n_flat), dtype=bool)
    penalty = np.zeros((n_actors, n_flat))
    interactions: list[Interaction] = []
    for i, a in enumerate(actors):
        spec = scenario.actors[a]
        _fill_values(scenario, spec, space, weights[i], values[i])
        weights[i] /= weights[i].sum()
        _fill_red_lines(scenario, spec, space, hard[i], penalty[i])
        for it in spec.interactions or []:
            interactions.append(Interaction(i, conditions(scenario, space.clauses, it.when), it.value))
    return Preferences(weights, values, hard, penalty, tuple(interactions))


def _fill_values(scenario: Scenario, spec: Actor, space: OptionSpace, weights: FloatA, values: FloatA) -> None:
    """One actor's raw saliences by clause and option values in the flat index (0 where the actor gives none)."""
    sal = spec.salience or {}
    for c, cid in enumerate(space.clauses):
        weights[c] = sal.get(cid, 0.0)
        vals = (spec.utilities or {}).get(cid, {})
        for k, o in enumerate(scenario.clauses[cid].options):
            values[space.offsets[c] + k] = vals.get(o, 0.0)


def _fill_red_lines(scenario: Scenario, spec: Actor, space: OptionSpace, hard: BoolA, penalty: FloatA) -> None:
    """One actor's red lines: ``hard`` marks vetoed options; soft penalties add up per option."""
    for cid, rl in (spec.red_lines or {}).items():
        c = space.clauses.index(cid)
        for o in rl.options:
            j = space.offsets[c] + scenario.clauses[cid].options.index(o)
            if rl.hard:
                hard[j] = True
            else:
                penalty[j] += float(rl.penalty)


@dataclass(frozen=True)
class Dynamics:
    """(A,) arrays of how each actor concedes, votes, discounts, values walking away and keeps deadlines."""

    beta: FloatA
    logit: BoolA
    lam: FloatA
    discount: FloatA
    war_cost: FloatA
    expected_gain: FloatA
    drift: FloatA
    deadline_round: IntA
    credibility: FloatA
    extend_by: IntA
    reservation_value: FloatA  # the base of R(t) where ``reservation.value`` is given, NaN (U(status quo)) elsewhere
    horizon: FloatA  # H_i, :func:`sim.core.curves.effective_horizon`
    game_end: FloatA  # the explicit horizon (``horizon``, else the deadline round) of the actor; NaN for none


def dynamics(scenario: Scenario, actors: list[str]) -> Dynamics:
    """The actor's own concession and acceptance, else the protocol's; discount 1 and a zero reservation shift
    when not given (the base of R(t) NaN: U(status quo)); deadline round −1 (none), credibility 0 and extend_by 0
    without a deadline; the horizon H_i of :func:`sim.core.curves.effective_horizon`, capped at ``MAX_ROUNDS``."""
    n, proto = len(actors), scenario.protocol
    beta, logit, lam, disc = np.ones(n), np.zeros(n, bool), np.zeros(n), np.ones(n)
    war, gain, drift = np.zeros(n), np.zeros(n), np.zeros(n)
    dl_round, cred, ext = -np.ones(n, np.int64), np.zeros(n), np.zeros(n, np.int64)
    base = np.full(n, np.nan)
    horizon, game_end = np.ones(n), np.full(n, np.nan)
    for i, a in enumerate(actors):
        spec = scenario.actors[a]
        conc = spec.concession if spec.concession is not None else proto.concession
        beta[i] = CONCESSION_PRESETS[conc] if isinstance(conc, str) else float(conc)
        acc = spec.acceptance or proto.acceptance
        logit[i] = acc.model == "logit"
        lam[i] = acc.lambda_
        disc[i] = spec.discount if spec.discount is not None else 1.0
        if spec.reservation is not None:
            war[i], gain[i], drift[i] = (
                spec.reservation.war_cost,
                spec.reservation.expected_gain,
                spec.reservation.drift_per_round,
            )
            if spec.reservation.value is not None:
                base[i] = spec.reservation.value
        if spec.deadline is not None:
            dl_round[i], cred[i], ext[i] = spec.deadline.round, spec.deadline.credibility, spec.deadline.extend_by
        deadline = spec.deadline.round if spec.deadline is not None else None
        horizon[i] = effective_horizon(spec.horizon, deadline, float(disc[i]), float(MAX_ROUNDS))
        if spec.horizon is not None or deadline is not None:
            game_end[i] = horizon[i]
    return Dynamics(beta, logit, lam, disc, war, gain, drift, dl_round, cred, ext, base, horizon, game_end)


def ratifications(scenario: Scenario, actors: list[str], clauses: list[str]) -> tuple[Ratification, ...]:
    """One domestic vote per actor with a ``ratification``; λ and the threshold from its ``support`` or ``model``
    (neither: λ = 0, threshold 0.5)."""
    out: list[Ratification] = []
    for i, a in enumerate(actors):
        rs = scenario.actors[a].ratification
        if rs is None:
            continue
        logit = rs.support or rs.model
        out.append(
            Ratification(
                i,
                rs.body,
                trigger_alternatives(scenario, clauses, rs.triggers),
                rs.p,
                logit.lambda_ if logit else 0.0,
                logit.threshold if logit else 0.5,
                rs.preconditions.ceasefire_held_rounds,
                rs.preconditions.martial_law_lifted,
                support_table(scenario, rs.support),
            )
        )
    return tuple(out)


def trigger_alternatives(
    scenario: Scenario, clauses: list[str], triggers: dict[str, list[str]] | list[dict[str, list[str]]]
) -> tuple[tuple[Condition, ...], ...]:
    """The any-of alternatives of a ratification's ``triggers``, each the all-of conditions of one mapping (a single
    mapping: one alternative)."""
    alts = [triggers] if isinstance(triggers, dict) else triggers
    return tuple(conditions(scenario, clauses, alt) for alt in alts)


def support_table(scenario: Scenario, support: Support | None) -> FloatA | None:
    """(O,) a ratifying body's support table over the flat options (0 for options it does not list), or None."""
    if support is None:
        return None
    space = option_space(scenario)
    out = np.zeros(space.size)
    for cid, row in support.table.items():
        c = space.clauses.index(cid)
        for o, v in row.items():
            out[space.offsets[c] + scenario.clauses[cid].options.index(o)] = v
    return out


def approval_rules(scenario: Scenario, actors: list[str], clauses: list[str]) -> tuple[Rule, ...]:
    """Every approval rule of every clause, in the scenario's order (see :func:`approval_rule`)."""
    aidx = {a: i for i, a in enumerate(actors)}
    return tuple(
        approval_rule(scenario, aidx, clauses, cid, r)
        for cid, lst in scenario.decision_rules.clause_approvals.items()
        for r in lst
    )


def approval_rule(scenario: Scenario, aidx: dict[str, int], clauses: list[str], cid: str, r: ApprovalRule) -> Rule:
    """Triggered by the options in ``when``, else by those not in ``when_not``, else by every option but the status
    quo. Voters are groups expanded; a qmv voter weighs :func:`qmv_members` member states and its population share."""
    if r.when is not None:
        cond = condition(scenario, clauses, cid, r.when)
    elif r.when_not is not None:
        cond = condition(scenario, clauses, cid, r.when_not, negate=True)
    else:
        cond = condition(scenario, clauses, cid, [scenario.scenario.status_quo_package[cid]], negate=True)
    people = scenario.expand((r.required if r.rule == "contributors" else r.voters) or [])
    vidx = np.array([aidx[v] for v in people], dtype=np.int64)
    qmv = scenario.decision_rules.qmv
    members, popul = np.ones(len(vidx)), np.ones(len(vidx))
    if qmv is not None and r.rule == "qmv":
        members = np.array([qmv_members(scenario, v) for v in people], float)
        popul = np.array([qmv.population_share_of_eu27[v] for v in people], float)
    return Rule(
        f"{cid}:{r.rule}" + (f":{r.body}" if r.body else ""),
        cond.clause,
        cond.allowed,
        r.rule,
        vidx,
        members,
        popul,
        qmv.member_share if qmv else 0.55,
        qmv.population_share if qmv else 0.65,
        r.p if r.p is not None else 1.0,
        r.body or "",
        r.k or 0,
        np.isin(people, scenario.expand(r.vetoes or [])) if r.rule == "k_of_n" else np.zeros(len(people), bool),
        support_table(scenario, r.support),
        r.support.lambda_ if r.support else 0.0,
        r.support.threshold if r.support else 0.5,
    )


def qmv_members(scenario: Scenario, voter: str) -> int:
    """The member states a qmv voter stands for: ``decision_rules.qmv.members[voter]`` if listed, else the actor's
    ``represents_members`` (1 unless given). The checks reject a listed count that contradicts a given one."""
    qmv = scenario.decision_rules.qmv
    if qmv is not None and voter in qmv.members:
        return qmv.members[voter]
    return scenario.actors[voter].represents_members


def constraints(scenario: Scenario, clauses: list[str]) -> tuple[Constraint, ...]:
    """Each feasibility constraint as two tuples of conditions."""
    return tuple(
        Constraint(k.id, conditions(scenario, clauses, k.if_), conditions(scenario, clauses, k.require))
        for k in scenario.constraints
    )


def permanent_ceasefire(scenario: Scenario, clauses: list[str]) -> tuple[Condition, ...]:
    """The last option of the first ``protocol.ceasefire_clauses`` clause present in the scenario (none if absent)."""
    cf = [c for c in scenario.protocol.ceasefire_clauses if c in scenario.clauses]
    return tuple(condition(scenario, clauses, c, [scenario.clauses[c].options[-1]]) for c in cf[:1])


def proposers(scenario: Scenario, actors: list[str]) -> tuple[int, ...]:
    """``protocol.proposers``; if not given, the signatories under alternating offers and nobody otherwise."""
    proto = scenario.protocol
    names = proto.proposers or (scenario.signatories if proto.proposal_mode == "alternating_offers" else [])
    return tuple(actors.index(a) for a in names)


def check_spe(scenario: Scenario, who: list[str]) -> None:
    """The "stationary" preset is the SPE of an alternating-offers game over whole packages; "rubinstein" is its
    bilateral case."""
    proto = scenario.protocol
    bilateral = any(
        (scenario.actors[a].concession if scenario.actors[a].concession is not None else proto.concession)
        == "rubinstein"
        for a in who
    )
    name = "rubinstein" if bilateral else "stationary"
    why = []
    if bilateral and len(scenario.actors) != 2:
        why.append(f"exactly two actors (the scenario has {len(scenario.actors)})")
    if scenario.protocol.proposal_mode != "alternating_offers":
        why.append("protocol.proposal_mode: alternating_offers")
    if scenario.protocol.agenda != "single_package":
        why.append("protocol.agenda: single_package")
    if scenario.n_packages() > ENUMERATION_LIMIT:
        why.append(f"at most {ENUMERATION_LIMIT:,} packages (the scenario has {scenario.n_packages():,})")
    if why:
        raise UsageError(f"concession '{name}' (actors {', '.join(who)}) needs " + ", ".join(why))


def stages(scenario: Scenario, clauses: list[str]) -> tuple[tuple[tuple[int, ...], ...], tuple[str, ...]]:
    """Clause indices on the table in each stage of the agenda (REPORT §B.8)."""
    agenda = scenario.protocol.agenda
    every = tuple(range(len(clauses)))
    if agenda == "ceasefire_first":
        first = tuple(clauses.index(c) for c in scenario.protocol.ceasefire_clauses if c in scenario.clauses)
        rest = tuple(c for c in every if c not in first)
        return ((first, rest) if rest else (first,)), (("ceasefire", "settlement") if rest else ("ceasefire",))
    if agenda == "issue_by_issue":
        order = [clauses.index(c) for c in (scenario.protocol.agenda_order or [])]
        order += [c for c in every if c not in order]
        return tuple((c,) for c in order), tuple(clauses[c] for c in order)
    return (every,), ("package",)


def hazard_factors(scenario: Scenario, clauses: list[str]) -> FloatA | None:
    """(O,) the factor of each flat option in ``protocol.ceasefire_hazard.factors`` (1 where not listed), or None
    without a hazard (:mod:`sim.engine.domestic`)."""
    hz = scenario.protocol.ceasefire_hazard
    if hz is None:
        return None
    space = option_space(scenario)
    out = np.ones(int(space.n_options.sum()))
    for cid, opts in hz.factors.items():
        c = clauses.index(cid)
        for opt, f in opts.items():
            out[space.offsets[c] + scenario.clauses[cid].options.index(opt)] = f
    return out
