"""A validated scenario turned into flat numpy arrays (the only input of the numeric core).

Options of all clauses are numbered in one flat index: clause ``c`` owns ``offsets[c] … offsets[c] + n_options[c] − 1``.
A package is an integer vector of one local option index per clause. Saliences are normalised to sum to 1 per actor,
so the additive part of a utility, U_i(x) = Σ_c w_ic · v_ic(x_c), lies in [0, 1].
:func:`compile_scenario` runs the steps of :mod:`sim.core.assemble`, one per part of the scenario.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.core import assemble
from sim.core.parts import BoolA, Condition, Constraint, FloatA, IntA, Interaction, Ratification, Rule
from sim.core.ratify import Step, build_steps
from sim.core.tolerances import ENUMERATION_LIMIT, EV_MAX_STEPS
from sim.core.utility import utilities
from sim.scenario.models import Scenario

__all__ = [
    "BoolA",
    "Compiled",
    "Condition",
    "Constraint",
    "FloatA",
    "IntA",
    "Interaction",
    "Ratification",
    "Rule",
    "compile_scenario",
]


@dataclass(frozen=True)
class Compiled:
    """Everything the engine, the search and the analyses read about a scenario, as arrays.

    Shapes: A actors, C clauses, O = Σ n_options flat options. Actor ``i`` is ``actors[i]``, clause ``c`` is
    ``clauses[c]``. Utilities, values, penalties and reservation terms are in utility units (an actor's additive
    utility lies in [0, 1]); rounds are the scenario's ``round_unit``.

    Package space
        - ``scenario_id`` (str): ``scenario.id``.
        - ``actors`` (A,) str, ``clauses`` (C,) str: names in the scenario's order.
        - ``options`` (C,) tuples of str: each clause's option names; a package holds local indices into them.
        - ``n_options`` (C,) int64: options per clause. ``offsets`` (C,) int64: flat index of clause c's first
          option. ``clause_of`` (O,) int64: the clause of each flat option.
        - ``sq`` (C,) int64: the status-quo package (local option indices).
    Preferences
        - ``weights`` (A, C) float64: saliences w_ic ≥ 0, each row summing to 1.
        - ``values`` (A, O) float64: option values v_ic(o) in [0, 1] (0 where the actor gives none).
        - ``wvalues`` (A, O) float64: ``weights[i, clause_of[o]] * values[i, o]``, the additive utility terms.
        - ``hard`` (A, O) bool: hard red lines (the actor vetoes packages holding the option).
        - ``penalty`` (A, O) float64 ≥ 0: soft red-line penalties subtracted from the utility.
        - ``interactions``: non-additive terms (:class:`~sim.core.parts.Interaction`).
    Walking away (reservation R_i(t), see :meth:`reservation`)
        - ``war_cost``, ``expected_gain`` (A,) float64 in [−1, 1]; ``drift`` (A,) float64: change per round.
        - ``reservation_value`` (A,) float64: the base of R_i(t) stated by ``reservation.value``; NaN where the
          base is U_i(status quo).
    Conceding and voting
        - ``beta`` (A,) float64 > 0: Faratin–Sierra–Jennings concession exponent; NaN for the ``stationary`` and
          ``rubinstein`` presets.
        - ``spe`` (A,) bool: ``isnan(beta)``, subgame-perfect (Rubinstein, Baron–Ferejohn) aspirations instead of an
          FSJ curve.
        - ``horizon`` (A,) float64 ≥ 1: H_i, the rounds the actor's curve runs over (``horizon``, else the deadline
          round, else 1/(1 − δ_i), at most ``MAX_ROUNDS``: :func:`sim.core.curves.effective_horizon`).
        - ``game_end`` (A,) float64: the actor's explicit horizon (``horizon`` or deadline round), NaN for none; the
          subgame-perfect presets' game ends at the smallest (infinite when all are NaN).
        - ``logit`` (A,) bool: logit acceptance (else threshold). ``lam`` (A,) float64 ≥ 0: its λ per utility unit.
        - ``discount`` (A,) float64 in (0, 1]: discount factor δ per round (1 when not given).
    Deadlines
        - ``deadline_round`` (A,) int64: round of the walk-away deadline, −1 for none.
        - ``credibility`` (A,) float64 in [0, 1]: probability of walking away at it (0 without a deadline).
        - ``extend_by`` (A,) int64 ≥ 0: rounds the deadline slips when the actor stays (0: no further deadline).
    Rules of a deal
        - ``signatory`` (A,) bool: who must sign.
        - ``rules``: approval rules of clauses (:class:`~sim.core.parts.Rule`).
        - ``constraints``: feasibility constraints (:class:`~sim.core.parts.Constraint`).
        - ``ratifications``: actors' domestic votes (:class:`~sim.core.parts.Ratification`).
        - ``ceasefire_permanent``: zero or one condition, "the first ceasefire clause takes its last option".
    Protocol
        - ``max_rounds`` (int): rounds 0 … max_rounds − 1.
        - ``stages``: clause indices on the table in each agenda stage; ``stage_names``: their names.
        - ``mediator`` (int): actor index of the mediator, −1 for none.
        - ``proposal_mode`` (str): ``mediator_single_text`` | ``alternating_offers``.
        - ``proposers``: actor indices taking turns to propose (signatories by default under alternating offers).
        - ``offer_rule`` (str): ``max_min_surplus`` | ``max_product``; ``search`` (str): ``auto`` | ``enumerate`` |
          ``milp``.
        - ``mediator_objective`` (str): ``expected_value`` | ``max_min_surplus``, the mediator's search; a scenario
          that does not set it gets :func:`default_objective` (``auto`` is resolved in ``__post_init__``).
        - ``belief_noise`` (float in [0, 1]): σ of the mediator's belief noise on option values;
          ``learning_step`` (float in [0, 1]): what it adds to a rejecting actor's believed aspiration.
        - ``ceasefire_hazard`` (float in [0, 1]): the per-round breakdown probability while a signed text awaits its
          vote; ``hazard_factors`` (O,) float64 or None: its factor per option (1 where not listed);
          ``after_failed_ratification`` (str): ``end`` | ``renegotiate`` (:mod:`sim.engine.domestic`).
    Derived (computed in ``__post_init__``)
        - ``u_sq`` (A,) float64: each actor's utility of the status quo.
        - ``u_max`` (A,) float64 in [0, 1]: an upper bound of each actor's utility (its best option of every clause
          plus its positive interactions, clipped).
        - ``steps``: the ratification steps, actors' then rules' (:class:`~sim.core.ratify.Step`).
    """

    # package space
    scenario_id: str
    actors: tuple[str, ...]
    clauses: tuple[str, ...]
    options: tuple[tuple[str, ...], ...]
    n_options: IntA
    offsets: IntA
    clause_of: IntA
    # preferences
    weights: FloatA
    values: FloatA
    wvalues: FloatA
    hard: BoolA
    penalty: FloatA
    interactions: tuple[Interaction, ...]
    # package space: the status quo
    sq: IntA
    # walking away
    war_cost: FloatA
    expected_gain: FloatA
    drift: FloatA
    reservation_value: FloatA
    # conceding and voting
    beta: FloatA
    spe: BoolA
    horizon: FloatA
    game_end: FloatA
    logit: BoolA
    lam: FloatA
    discount: FloatA
    # deadlines
    deadline_round: IntA
    credibility: FloatA
    extend_by: IntA
    # rules of a deal
    signatory: BoolA
    rules: tuple[Rule, ...]
    constraints: tuple[Constraint, ...]
    ratifications: tuple[Ratification, ...]
    # protocol
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
    mediator_objective: str = "max_min_surplus"
    ceasefire_hazard: float = 0.0
    hazard_factors: FloatA | None = None
    after_failed_ratification: str = "end"
    # derived
    u_sq: FloatA = field(init=False)
    u_max: FloatA = field(init=False)
    steps: tuple[Step, ...] = field(init=False)

    def __post_init__(self) -> None:

        object.__setattr__(self, "u_sq", utilities(self, self.sq[None, :])[:, 0])
        best = np.zeros(len(self.actors))
        for c in range(len(self.clauses)):
            sl = slice(self.offsets[c], self.offsets[c] + self.n_options[c])
            best += self.wvalues[:, sl].max(axis=1)
        for it in self.interactions:
            best[it.actor] += max(it.value, 0.0)
        object.__setattr__(self, "u_max", np.clip(best, 0.0, 1.0))
        steps = build_steps(self.ratifications, self.rules, self.ceasefire_permanent, self.actors)
        object.__setattr__(self, "steps", steps)
        if self.mediator_objective == "auto":
            object.__setattr__(self, "mediator_objective", default_objective(steps, self.n_packages))

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
        """R_i(t) = B_i − war_cost_i + expected_gain_i + drift_i·t (REPORT §B.6), B_i = ``reservation.value`` where
        given, else U_i(status quo)."""
        base = np.where(np.isnan(self.reservation_value), self.u_sq, self.reservation_value)
        return base - self.war_cost + self.expected_gain + self.drift * t

    def package(self, labels: dict[str, str]) -> IntA:
        """Local option indices of a package given as {clause: option}; missing clauses take the status quo."""
        x = self.sq.copy()
        for cid, opt in labels.items():
            c = self.clauses.index(cid)
            x[c] = self.options[c].index(opt)
        return x

    def labels(self, x: IntA) -> dict[str, str]:
        return {cid: self.options[c][int(x[c])] for c, cid in enumerate(self.clauses)}


def default_objective(steps: tuple[Step, ...], n_packages: int) -> str:
    """The mediator's objective when the scenario does not choose: ``expected_value`` (ratification-aware, Putnam
    1988) when the scenario has ratification steps and the exact search can take them (a space of at most
    ``ENUMERATION_LIMIT`` packages, or at most ``EV_MAX_STEPS`` steps of which at most one has a probability that
    varies with the package: :mod:`sim.search.expected`); else ``max_min_surplus``."""
    if not steps:
        return "max_min_surplus"
    varying = sum(not s.constant for s in steps)
    if n_packages <= ENUMERATION_LIMIT or (varying <= 1 and len(steps) <= EV_MAX_STEPS):
        return "expected_value"
    return "max_min_surplus"


def additive_terms(weights: FloatA, values: FloatA, clause_of: np.ndarray) -> FloatA:
    """(A, O) ``weights[i, clause_of[o]] * values[i, o]``: the additive utility terms (``Compiled.wvalues``)."""
    return weights[:, clause_of] * values


def compile_scenario(scenario: Scenario) -> Compiled:
    """Arrays for the numeric core. Pure function of the validated scenario: the option space, the preferences,
    the dynamics, the rules of a deal and the protocol, each built by one step of :mod:`sim.core.assemble`."""
    actors = list(scenario.actors)
    space = assemble.option_space(scenario)
    clauses = space.clauses
    prefs = assemble.preferences(scenario, actors, space)
    dyn = assemble.dynamics(scenario, actors)
    rats = assemble.ratifications(scenario, actors, clauses)
    sig = np.zeros(len(actors), dtype=bool)
    sig[[actors.index(a) for a in scenario.signatories]] = True
    rules = assemble.approval_rules(scenario, actors, clauses)
    cons = assemble.constraints(scenario, clauses)
    stages, names = assemble.stages(scenario, clauses)
    permanent = assemble.permanent_ceasefire(scenario, clauses)
    proposers = assemble.proposers(scenario, actors)
    spe = np.isnan(dyn.beta)
    if spe.any():
        assemble.check_spe(scenario, [actors[i] for i in np.flatnonzero(spe)])
    proto, sq_labels = scenario.protocol, scenario.scenario.status_quo_package
    return Compiled(
        scenario_id=scenario.id,
        actors=tuple(actors),
        clauses=tuple(clauses),
        options=tuple(tuple(scenario.clauses[c].options) for c in clauses),
        n_options=space.n_options,
        offsets=space.offsets,
        clause_of=space.clause_of,
        weights=prefs.weights,
        values=prefs.values,
        wvalues=additive_terms(prefs.weights, prefs.values, space.clause_of),
        hard=prefs.hard,
        penalty=prefs.penalty,
        interactions=prefs.interactions,
        sq=np.array([scenario.clauses[c].options.index(sq_labels[c]) for c in clauses], dtype=np.int64),
        war_cost=dyn.war_cost,
        expected_gain=dyn.expected_gain,
        drift=dyn.drift,
        reservation_value=dyn.reservation_value,
        beta=dyn.beta,
        spe=spe,
        horizon=dyn.horizon,
        game_end=dyn.game_end,
        logit=dyn.logit,
        lam=dyn.lam,
        discount=dyn.discount,
        deadline_round=dyn.deadline_round,
        credibility=dyn.credibility,
        extend_by=dyn.extend_by,
        signatory=sig,
        rules=rules,
        constraints=cons,
        ratifications=rats,
        max_rounds=scenario.scenario.max_rounds,
        stages=stages,
        stage_names=names,
        mediator=actors.index(proto.mediator) if proto.mediator else -1,
        proposal_mode=proto.proposal_mode,
        proposers=proposers,
        offer_rule=proto.offer_rule,
        belief_noise=proto.mediator_belief_noise,
        learning_step=proto.mediator_learning_step,
        search=proto.search,
        ceasefire_permanent=permanent,
        mediator_objective=proto.mediator_objective or "auto",
        ceasefire_hazard=proto.ceasefire_hazard.per_round if proto.ceasefire_hazard else 0.0,
        hazard_factors=assemble.hazard_factors(scenario, clauses),
        after_failed_ratification=proto.after_failed_ratification,
    )
