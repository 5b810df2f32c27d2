"""A validated scenario turned into flat numpy arrays (the only input of the numeric core).

Options of all clauses are numbered in one flat index: clause ``c`` owns ``offsets[c] … offsets[c] + n_options[c] − 1``.
A package is an integer vector of one local option index per clause. Saliences are normalised to sum to 1 per actor,
so the additive part of a utility, U_i(x) = Σ_c w_ic · v_ic(x_c), lies in [0, 1].
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from sim.core.tolerances import ENUMERATION_LIMIT
from sim.core.utility import utilities
from sim.errors import UsageError
from sim.scenario.models import CONCESSION_PRESETS, Scenario

IntA = NDArray[np.int64]
FloatA = NDArray[np.float64]
BoolA = NDArray[np.bool_]


@dataclass(frozen=True)
class Condition:
    """Clause ``clause`` takes one of the options where ``allowed`` is true."""

    clause: int
    allowed: BoolA


@dataclass(frozen=True)
class Rule:
    """An approval rule of one clause, triggered by the options where ``trigger`` is true."""

    label: str
    clause: int
    trigger: BoolA
    kind: str  # unanimity | qmv | contributors | ratification
    voters: IntA
    members: FloatA  # qmv weights (number of member states per voter)
    population: FloatA  # qmv population shares per voter
    member_share: float = 0.55
    population_share: float = 0.65
    p: float = 1.0
    body: str = ""


@dataclass(frozen=True)
class Constraint:
    id: str
    if_: tuple[Condition, ...]
    require: tuple[Condition, ...]


@dataclass(frozen=True)
class Ratification:
    actor: int
    body: str
    triggers: tuple[Condition, ...]
    p: float | None
    lam: float
    threshold: float
    delay: int
    needs_permanent_ceasefire: bool


@dataclass(frozen=True)
class Interaction:
    actor: int
    when: tuple[Condition, ...]
    value: float


@dataclass(frozen=True)
class Compiled:
    scenario_id: str
    actors: tuple[str, ...]
    clauses: tuple[str, ...]
    options: tuple[tuple[str, ...], ...]
    n_options: IntA
    offsets: IntA
    clause_of: IntA  # (O,) clause of each flat option
    weights: FloatA  # (A, C), rows sum to 1
    values: FloatA  # (A, O) option values in [0, 1]
    wvalues: FloatA  # (A, O) weights[a, clause_of] * values
    hard: BoolA  # (A, O) hard red lines
    penalty: FloatA  # (A, O) soft red-line penalties
    interactions: tuple[Interaction, ...]
    sq: IntA  # (C,) status-quo package
    war_cost: FloatA
    expected_gain: FloatA
    drift: FloatA
    beta: FloatA  # FSJ exponent; NaN where the concession is the "rubinstein" preset
    spe: BoolA  # (A,) subgame-perfect (Rubinstein) aspirations instead of an FSJ curve
    logit: BoolA
    lam: FloatA
    discount: FloatA
    deadline_round: IntA  # -1: none
    credibility: FloatA
    extend_by: IntA
    signatory: BoolA
    rules: tuple[Rule, ...]
    constraints: tuple[Constraint, ...]
    ratifications: tuple[Ratification, ...]
    max_rounds: int
    stages: tuple[tuple[int, ...], ...]
    stage_names: tuple[str, ...]
    mediator: int
    proposal_mode: str
    proposers: tuple[int, ...]
    offer_rule: str
    belief_noise: float
    learning_step: float
    search: str
    ceasefire_permanent: tuple[Condition, ...]
    u_sq: FloatA = field(init=False)
    u_max: FloatA = field(init=False)

    def __post_init__(self) -> None:

        object.__setattr__(self, "u_sq", utilities(self, self.sq[None, :])[:, 0])
        best = np.zeros(len(self.actors))
        for c in range(len(self.clauses)):
            sl = slice(self.offsets[c], self.offsets[c] + self.n_options[c])
            best += self.wvalues[:, sl].max(axis=1)
        for it in self.interactions:
            best[it.actor] += max(it.value, 0.0)
        object.__setattr__(self, "u_max", np.clip(best, 0.0, 1.0))

    @property
    def n_actors(self) -> int:
        return len(self.actors)

    @property
    def n_clauses(self) -> int:
        return len(self.clauses)

    @property
    def n_packages(self) -> int:
        return int(np.prod(self.n_options.astype(object)))

    def reservation(self, t: float | FloatA) -> FloatA:
        """R_i(t) = U_i(status quo) − war_cost_i + expected_gain_i + drift_i·t (REPORT §B.6)."""
        return self.u_sq - self.war_cost + self.expected_gain + self.drift * t

    def package(self, labels: dict[str, str]) -> IntA:
        """Local option indices of a package given as {clause: option}; missing clauses take the status quo."""
        x = self.sq.copy()
        for cid, opt in labels.items():
            c = self.clauses.index(cid)
            x[c] = self.options[c].index(opt)
        return x

    def labels(self, x: IntA) -> dict[str, str]:
        return {cid: self.options[c][int(x[c])] for c, cid in enumerate(self.clauses)}


def _cond(s: Scenario, clauses: list[str], cid: str, opts: list[str], negate: bool = False) -> Condition:
    c = clauses.index(cid)
    allowed = np.array([o in opts for o in s.clauses[cid].options], dtype=bool)
    return Condition(c, ~allowed if negate else allowed)


def compile_scenario(s: Scenario) -> Compiled:
    """Arrays for the numeric core. Pure function of the validated scenario."""
    actors = list(s.actors)
    clauses = list(s.clauses)
    aidx = {a: i for i, a in enumerate(actors)}
    n_opt = np.array([len(s.clauses[c].options) for c in clauses], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(n_opt)[:-1]]).astype(np.int64)
    clause_of = np.repeat(np.arange(len(clauses)), n_opt)
    A, C, O = len(actors), len(clauses), int(n_opt.sum())
    W = np.zeros((A, C))
    V = np.zeros((A, O))
    hard = np.zeros((A, O), dtype=bool)
    pen = np.zeros((A, O))
    inter: list[Interaction] = []
    proto = s.protocol
    beta, logit, lam, disc = np.ones(A), np.zeros(A, bool), np.zeros(A), np.ones(A)
    war, gain, drift = np.zeros(A), np.zeros(A), np.zeros(A)
    dl_round, cred, ext = -np.ones(A, np.int64), np.zeros(A), np.zeros(A, np.int64)
    rats: list[Ratification] = []
    for i, a in enumerate(actors):
        spec = s.actors[a]
        sal = spec.salience or {}
        for c, cid in enumerate(clauses):
            W[i, c] = sal.get(cid, 0.0)
            vals = (spec.utilities or {}).get(cid, {})
            for k, o in enumerate(s.clauses[cid].options):
                V[i, offsets[c] + k] = vals.get(o, 0.0)
        W[i] /= W[i].sum()
        for cid, rl in (spec.red_lines or {}).items():
            c = clauses.index(cid)
            for o in rl.options:
                j = offsets[c] + s.clauses[cid].options.index(o)
                if rl.hard:
                    hard[i, j] = True
                else:
                    pen[i, j] += float(rl.penalty)
        for it in spec.interactions or []:
            inter.append(Interaction(i, tuple(_cond(s, clauses, c, o) for c, o in it.when.items()), it.value))
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
        if spec.deadline is not None:
            dl_round[i], cred[i], ext[i] = (
                spec.deadline.round,
                spec.deadline.credibility,
                spec.deadline.extend_by,
            )
        if spec.ratification is not None:
            rs = spec.ratification
            rats.append(
                Ratification(
                    i,
                    rs.body,
                    tuple(_cond(s, clauses, c, o) for c, o in rs.triggers.items()),
                    rs.p,
                    rs.model.lambda_ if rs.model else 0.0,
                    rs.model.threshold if rs.model else 0.5,
                    rs.preconditions.ceasefire_held_rounds,
                    rs.preconditions.martial_law_lifted,
                )
            )
    sig = np.zeros(A, dtype=bool)
    sig[[aidx[a] for a in s.signatories]] = True
    rules: list[Rule] = []
    qmv = s.decision_rules.qmv
    sq_labels = s.scenario.status_quo_package
    for cid, lst in s.decision_rules.clause_approvals.items():
        for r in lst:
            if r.when is not None:
                cond = _cond(s, clauses, cid, r.when)
            elif r.when_not is not None:
                cond = _cond(s, clauses, cid, r.when_not, negate=True)
            else:
                cond = _cond(s, clauses, cid, [sq_labels[cid]], negate=True)
            people = s.expand((r.voters if r.rule in ("unanimity", "qmv") else r.required) or [])
            vidx = np.array([aidx[v] for v in people], dtype=np.int64)
            members = (
                np.array([qmv.members[v] for v in people], float) if (qmv and r.rule == "qmv") else np.ones(len(vidx))
            )
            popul = (
                np.array([qmv.population_share_of_eu27[v] for v in people], float)
                if (qmv and r.rule == "qmv")
                else np.ones(len(vidx))
            )
            rules.append(
                Rule(
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
                )
            )
    cons = tuple(
        Constraint(
            k.id,
            tuple(_cond(s, clauses, c, o) for c, o in k.if_.items()),
            tuple(_cond(s, clauses, c, o) for c, o in k.require.items()),
        )
        for k in s.constraints
    )
    stages, names = _stages(s, clauses)
    cf = [c for c in proto.ceasefire_clauses if c in s.clauses]
    permanent = tuple(_cond(s, clauses, c, [s.clauses[c].options[-1]]) for c in cf[:1])
    proposers = proto.proposers or (s.signatories if proto.proposal_mode == "alternating_offers" else [])
    spe = np.isnan(beta)
    if spe.any():
        _check_spe(s, [actors[i] for i in np.flatnonzero(spe)])
    return Compiled(
        scenario_id=s.id,
        actors=tuple(actors),
        clauses=tuple(clauses),
        options=tuple(tuple(s.clauses[c].options) for c in clauses),
        n_options=n_opt,
        offsets=offsets,
        clause_of=clause_of,
        weights=W,
        values=V,
        wvalues=W[:, clause_of] * V,
        hard=hard,
        penalty=pen,
        interactions=tuple(inter),
        sq=np.array([s.clauses[c].options.index(sq_labels[c]) for c in clauses], dtype=np.int64),
        war_cost=war,
        expected_gain=gain,
        drift=drift,
        beta=beta,
        spe=spe,
        logit=logit,
        lam=lam,
        discount=disc,
        deadline_round=dl_round,
        credibility=cred,
        extend_by=ext,
        signatory=sig,
        rules=tuple(rules),
        constraints=cons,
        ratifications=tuple(rats),
        max_rounds=s.scenario.max_rounds,
        stages=stages,
        stage_names=names,
        mediator=aidx[proto.mediator] if proto.mediator else -1,
        proposal_mode=proto.proposal_mode,
        proposers=tuple(aidx[a] for a in proposers),
        offer_rule=proto.offer_rule,
        belief_noise=proto.mediator_belief_noise,
        learning_step=proto.mediator_learning_step,
        search=proto.search,
        ceasefire_permanent=permanent,
    )


def _check_spe(s: Scenario, who: list[str]) -> None:
    """The "rubinstein" preset is the SPE of a bilateral alternating-offers game over whole packages."""
    why = []
    if len(s.actors) != 2:
        why.append(f"exactly two actors (the scenario has {len(s.actors)})")
    if s.protocol.proposal_mode != "alternating_offers":
        why.append("protocol.proposal_mode: alternating_offers")
    if s.protocol.agenda != "single_package":
        why.append("protocol.agenda: single_package")
    if s.n_packages() > ENUMERATION_LIMIT:
        why.append(f"at most {ENUMERATION_LIMIT:,} packages (the scenario has {s.n_packages():,})")
    if why:
        raise UsageError(f"concession 'rubinstein' (actors {', '.join(who)}) needs " + ", ".join(why))


def _stages(s: Scenario, clauses: list[str]) -> tuple[tuple[tuple[int, ...], ...], tuple[str, ...]]:
    """Clause indices on the table in each stage of the agenda (REPORT §B.8)."""
    agenda = s.protocol.agenda
    every = tuple(range(len(clauses)))
    if agenda == "ceasefire_first":
        first = tuple(clauses.index(c) for c in s.protocol.ceasefire_clauses if c in s.clauses)
        rest = tuple(c for c in every if c not in first)
        return ((first, rest) if rest else (first,)), (("ceasefire", "settlement") if rest else ("ceasefire",))
    if agenda == "issue_by_issue":
        order = [clauses.index(c) for c in (s.protocol.agenda_order or [])]
        order += [c for c in every if c not in order]
        return tuple((c,) for c in order), tuple(clauses[c] for c in order)
    return (every,), ("package",)
