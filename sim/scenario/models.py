"""The scenario language: pydantic v2 models of a multi-party negotiation.

A scenario file (``scenarios/*.yaml``) is read by :mod:`sim.scenario.loader`, which expands shorthands and profile
inheritance (:mod:`sim.scenario.resolve`), then validated here once. Structure and bounds are checked by the models;
cross references (clause, option, actor, group and profile names) by :func:`sim.scenario.checks.cross_check`, called
from
the one ``model_validator`` of :class:`Scenario` (when fields are wrong, the loader runs it on a partial model,
:mod:`sim.scenario.partial`, so that both kinds of error are reported at once). Nothing downstream validates again.

Every field, its default and its range are documented in ``docs/scenario-format.md``.
"""

from __future__ import annotations

import copy
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, Strict, model_validator

from sim.scenario.checks import CrossCheckError, cross_check
from sim.scenario.model_base import MAX_ACTORS, MAX_ROUNDS, Id
from sim.scenario.models_battle import Battlefield
from sim.scenario.models_domestic import CeasefireHazard, Ratification, Support
from sim.scenario.models_menus import Lever, Provenance

Unit = Annotated[float, Strict(), Field(ge=0.0, le=1.0)]
Signed = Annotated[float, Strict(), Field(ge=-1.0, le=1.0)]
Label = Annotated[str, Field(min_length=1, max_length=200)]
"""Display text of an actor, clause or option (any characters; the name stays the machine-safe ``Id``)."""
Bool = Annotated[bool, Field(strict=True)]
"""Only ``true`` and ``false``: pydantic would otherwise also take the strings ``yes``, ``on``, ``1``..."""
# Every number is Strict(): ``true`` is not the number 1 (nor ``"0.5"`` a number); an int is still a float.

MAX_CLAUSES = 200
MAX_OPTIONS = 10_000
"""Options per clause: GENIUS integer issues such as the 1,001-value pie domain fit; the option index, the MILP's
one binary per option and the enumeration's (packages × clauses) table stay small at this size."""

CONCESSION_PRESETS: dict[str, float] = {
    "boulware": 0.2,
    "linear": 1.0,
    "conceder": 5.0,
    "rubinstein": float("nan"),
    "stationary": float("nan"),
}
"""Faratin–Sierra–Jennings exponents β by name (β < 1 Boulware, β = 1 linear, β > 1 Conceder).

``stationary`` and ``rubinstein`` (β = NaN) are not curves: the actor's aspiration in round t is its
subgame-perfect continuation value in the alternating-offers game over the scenario's own packages (Ståhl 1972,
Rubinstein 1982; with n actors and unanimity of the signatories, the stationary equilibrium of Baron & Ferejohn
1989 with the proposers recognised in turn), with every actor's ``discount``; the game ends at the smallest
explicit ``horizon`` (or deadline round) of the actors, and is infinite (its stationary limit) when none gives one.
``rubinstein`` is the two-actor case. ``alternating_offers`` only (:class:`sim.engine.policies.SubgamePerfect`)."""

Concession = (
    Literal["boulware", "linear", "conceder", "rubinstein", "stationary"]
    | Annotated[float, Strict(), Field(gt=0.0, le=100.0)]
)
Role = Literal[
    "mediator_signatory",
    "party_signatory",
    "signatory",
    "mediator",
    "approver",
    "approver_contributor",
    "contributor",
    "observer",
]
SIGNATORY_ROLES = frozenset({"mediator_signatory", "party_signatory", "signatory"})


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Clause(Model):
    """An issue on the table and its options (in order when ``ordered``)."""

    options: Annotated[list[Id], Field(min_length=1, max_length=MAX_OPTIONS)]
    ordered: Bool = False
    description: str | None = None
    label: Label | None = None
    option_labels: dict[Id, Label] = {}


class Acceptance(Model):
    """How an actor votes on the package on the table against its aspiration a(t).

    ``threshold``: accept iff U ≥ a. ``logit``: accept with P = 1 / (1 + exp(−λ (U − a))) (McKelvey–Palfrey 1995).
    """

    model: Literal["threshold", "logit"] = "threshold"
    lambda_: Annotated[float, Strict(), Field(alias="lambda", ge=0.0, le=1e6)] = 20.0


class RedLine(Model):
    """Options an actor will not sign. ``penalty: hard`` is a veto; a number is subtracted from its utility."""

    options: list[Id]
    penalty: Literal["hard"] | Annotated[float, Strict(), Field(ge=0.0, le=10.0)] = "hard"

    @property
    def hard(self) -> bool:
        return self.penalty == "hard"


class Reservation(Model):
    """Walk-away value R(t) = B − war_cost + expected_gain + drift_per_round · t (+ shocks), where the base B is
    ``value`` when given (a reservation value stated directly, as GENIUS and LLM-Deliberation do), else
    U(status quo)."""

    value: Unit | None = None
    war_cost: Signed = 0.0
    expected_gain: Signed = 0.0
    drift_per_round: Annotated[float, Strict(), Field(ge=-0.5, le=0.5)] = 0.0


class Belief(Model):
    """The other actors' prior on a deadline's credibility: Beta(strength · mean, strength · (1 − mean)), updated
    by each slip they see (:mod:`sim.engine.deadlines`); without ``strength`` they hold ``mean`` fixed."""

    mean: Unit | None = None
    strength: Annotated[float, Strict(), Field(gt=0.0, le=1e6)] | None = None


class Deadline(Model):
    """At ``round`` the actor carries out its ``action`` with probability ``credibility``; else the deadline slips
    by ``extend_by`` (or is dropped). ``walk_away`` ends its participation; ``impose_sanctions`` and ``cut_aid``
    apply ``set``/``add`` (paths, as a shock's) and the actor stays. ``reverts``: the clauses that go back to the
    status quo when the actor walks away and the talks go on under a backup mediator (:mod:`sim.engine.deadlines`)."""

    round: Annotated[int, Strict(), Field(ge=0, le=MAX_ROUNDS)]
    action: Literal["walk_away", "impose_sanctions", "cut_aid"] = "walk_away"
    credibility: Unit = 1.0
    extend_by: Annotated[int, Strict(), Field(ge=0, le=MAX_ROUNDS)] = 0
    set: dict[str, Any] = {}
    add: dict[str, Annotated[float, Strict(), Field(allow_inf_nan=False)]] = {}
    belief: Belief = Belief()
    reverts: list[Id] = []


class Interaction(Model):
    """Adds ``value`` to the actor's utility when every listed clause takes one of the listed options."""

    when: Annotated[dict[Id, list[Id]], Field(min_length=2)]
    value: Signed
    note: str | None = None


class ActorFields(Model):
    """Preference fields shared by profiles and actors (every one optional until inheritance is resolved)."""

    inherits: Id | list[Id] | None = None
    salience: dict[Id, Annotated[float, Strict(), Field(ge=0.0, le=1e6)]] | None = None
    utilities: dict[Id, dict[Id, Unit]] | None = None
    red_lines: dict[Id, RedLine] | None = None
    reservation: Reservation | None = None
    discount: Annotated[float, Strict(), Field(gt=0.0, le=1.0)] | None = None
    horizon: Annotated[int, Strict(), Field(ge=1, le=MAX_ROUNDS)] | None = None
    """Rounds over which the actor concedes (its own clock, not ``max_rounds``): see :mod:`sim.core.curves`."""
    concession: Concession | None = None
    acceptance: Acceptance | None = None
    deadline: Deadline | None = None
    ratification: Ratification | None = None
    interactions: list[Interaction] | None = None
    note: str | None = None


class Actor(ActorFields):
    """A party to the talks: a signatory, an approver of some clauses, a contributor, a mediator…

    ``represents_members``: the member states the actor stands for (an aggregate such as ``EU_OTHERS`` counts 22) in
    a ``qmv`` vote, unless ``decision_rules.qmv.members`` lists it (then both must agree). ``eu_member: false``:
    the actor cannot vote in a ``qmv`` rule (a vote of EU member states); ``true`` or unset allows it.
    """

    role: Role = "party_signatory"
    name: str | None = None
    label: Label | None = None
    eu_member: Bool | None = None
    represents_members: Annotated[int, Strict(), Field(ge=1, le=1000)] = 1


class ApprovalRule(Model):
    """Who must approve a clause when one of its triggering options is in the package.

    ``unanimity``: every voter accepts; ``qmv``: accepting voters reach ``decision_rules.qmv`` shares;
    ``contributors``: every ``required`` actor accepts; ``ratification``: ``body`` passes with probability ``p``, or
    by its own ``support`` table;
    ``k_of_n``: at least ``k`` of the ``voters`` accept, every one of ``vetoes`` (voters too) among them.
    Triggered when the option is in ``when``, or not in ``when_not``, or (neither given) differs from the status quo.
    """

    rule: Literal["unanimity", "qmv", "contributors", "ratification", "k_of_n"]
    voters: list[Id] | None = None
    k: Annotated[int, Strict(), Field(ge=1, le=MAX_ACTORS)] | None = None
    vetoes: list[Id] | None = None
    required: list[Id] | None = None
    body: str | None = None
    p: Unit | None = None
    support: Support | None = None
    when: list[Id] | None = None
    when_not: list[Id] | None = None
    note: str | None = None


class QMV(Model):
    """EU qualified majority: ≥ member_share of members and ≥ population_share of population (TEU art. 16).

    A voter counts ``members[voter]`` member states, or its actor's ``represents_members`` when not listed."""

    member_share: Unit = 0.55
    population_share: Unit = 0.65
    members: dict[Id, Annotated[int, Strict(), Field(ge=0, le=1000)]] = {}
    population_share_of_eu27: dict[Id, Unit]


class DecisionRules(Model):
    signatories: list[Id] | None = None
    clause_approvals: dict[Id, list[ApprovalRule]] = {}
    qmv: QMV | None = None


class Constraint(Model):
    """Feasibility: if every ``if`` clause takes one of its options, every ``require`` clause must too."""

    id: Id
    if_: Annotated[dict[Id, list[Id]], Field(alias="if", min_length=1)]
    require: Annotated[dict[Id, list[Id]], Field(min_length=1)]
    note: str | None = None


class Shock(Model):
    """An event at ``round`` (with probability ``p``) or in any round with probability ``p_per_round``.

    It ``set``s or ``add``s numbers named by paths, and/or makes actors adopt a profile's preferences.
    """

    id: Id
    round: Annotated[int, Strict(), Field(ge=0, le=MAX_ROUNDS)] | None = None
    p: Unit = 1.0
    p_per_round: Unit | None = None
    set: dict[str, Any] = {}
    add: dict[str, Annotated[float, Strict(), Field(allow_inf_nan=False)]] = {}
    profile: dict[Id, Id] = {}
    note: str | None = None


class SweepSpec(Model):
    """Defaults for ``negsim sweep``: parameters by path (``start:stop:count``, a list, or a distribution
    ``{dist: uniform, low: 0, high: 0.4}``: :mod:`sim.scenario.specs`), seeds, design."""

    params: dict[str, str | list[Any] | dict[str, Any]] = {}
    seeds: Annotated[int, Strict(), Field(ge=1, le=10_000_000)] = 10
    design: Literal["grid", "lhs", "sobol", "random"] = "grid"
    samples: Annotated[int, Strict(), Field(ge=1, le=10_000_000)] | None = None
    master_seed: Annotated[int, Strict(), Field(ge=0, le=2**63 - 1)] = 0


class Meta(Model):
    id: Id
    title: str | None = None
    as_of: str | None = None
    round_unit: str = "round"
    max_rounds: Annotated[int, Strict(), Field(ge=1, le=MAX_ROUNDS)]
    status_quo_package: dict[Id, Id]
    description: str | None = None


class Protocol(Model):
    """How the talks are run: agenda, who proposes, how actors concede and vote by default."""

    agenda: Literal["ceasefire_first", "single_package", "issue_by_issue"] = "single_package"
    agenda_order: list[Id] | None = None
    ceasefire_clauses: list[Id] = ["ceasefire"]
    mediator: Id | None = None
    proposal_mode: Literal["mediator_single_text", "alternating_offers"] = "mediator_single_text"
    proposers: list[Id] | None = None
    offer_rule: Literal["max_min_surplus", "max_product"] = "max_min_surplus"
    mediator_objective: Literal["expected_value", "max_min_surplus"] | None = None
    """The mediator's search (:mod:`sim.search.searcher`); None: :func:`sim.core.compiled.default_objective`
    (``expected_value`` when the scenario has ratifications the exact search can take, else ``max_min_surplus``)."""
    acceptance: Acceptance = Acceptance()
    concession: Concession = "linear"
    mediator_belief_noise: Annotated[float, Strict(), Field(ge=0.0, le=1.0)] = 0.0
    mediator_learning_step: Annotated[float, Strict(), Field(ge=0.0, le=1.0)] = 0.02
    search: Literal["auto", "enumerate", "milp"] = "auto"
    after_failed_ratification: Literal["end", "renegotiate"] = "end"
    backup_mediators: list[Id] = []
    """Who mediates, in order, when the mediator walks away (the first still present); none: the talks end."""
    anticipate_deadlines: Bool = True
    """Whether time-dependent actors concede against the expected end of the talks (:mod:`sim.engine.deadlines`)."""
    ceasefire_hazard: CeasefireHazard | None = None


class Scenario(Model):
    """A validated negotiation scenario. Immutable: :func:`sim.tweak` returns a new one."""

    scenario: Meta
    protocol: Protocol = Protocol()
    clauses: Annotated[dict[Id, Clause], Field(min_length=1, max_length=MAX_CLAUSES)]
    profiles: dict[Id, ActorFields] = {}
    groups: dict[Id, list[Id]] = {}
    actors: Annotated[dict[Id, Actor], Field(min_length=1, max_length=MAX_ACTORS)]
    constraints: list[Constraint] = []
    decision_rules: DecisionRules = DecisionRules()
    shocks: list[Shock] = []
    battlefield: Battlefield | None = None
    """An optional battle process moving the belligerents' outside options (:mod:`sim.engine.battle`)."""
    sweep: SweepSpec | None = None
    levers: list[Lever] = []
    """The menu of ``negsim whatif`` (docs/whatif.md); never read by the engine."""
    labels: dict[str, Annotated[str, Field(min_length=1, max_length=200)]] = {}
    """Human labels of paths (``actors.RU.reservation.expected_gain: "Russia's expected gain"``) for figures and
    briefs; :func:`sim.scenario.labels.label_of` reads them. Never read by the engine."""
    provenance: dict[Annotated[str, Field(min_length=1, max_length=1000)], Provenance] = {}
    """Path -> provenance of the number there, or of every number under it; the longest matching path wins
    (:mod:`sim.scenario.provenance`; ``negsim validate --provenance``, the brief). Never read by the engine."""

    _document: dict[str, Any] | None = PrivateAttr(default=None)
    _source: str | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _cross_check(self) -> Scenario:

        issues = cross_check(self)
        if issues:
            raise CrossCheckError(issues)
        return self

    # -- convenience views (derived, never stored) -------------------------------------------------------
    @property
    def id(self) -> str:
        return self.scenario.id

    @property
    def source(self) -> str | None:
        return self._source

    def expand(self, names: list[str]) -> list[str]:
        """Replace group names by their members, keeping order and dropping repeats."""
        out: list[str] = []
        for n in names:
            for m in self.groups.get(n, [n]):
                if m not in out:
                    out.append(m)
        return out

    @property
    def signatories(self) -> list[str]:
        if self.decision_rules.signatories is not None:
            return self.expand(self.decision_rules.signatories)
        return [a for a, spec in self.actors.items() if spec.role in SIGNATORY_ROLES]

    def n_packages(self) -> int:
        n = 1
        for c in self.clauses.values():
            n *= len(c.options)
        return n

    def document(self) -> dict[str, Any]:
        """The scenario as written (shorthands expanded, profiles not merged): what :func:`sim.tweak` edits."""

        if self._document is not None:
            return copy.deepcopy(self._document)
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)
