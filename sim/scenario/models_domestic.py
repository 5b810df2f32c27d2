"""The domestic-stage models of a scenario: ratification votes (their triggers, support and preconditions) and the
ceasefire hazard while a signed text awaits its vote (:mod:`sim.engine.domestic`). Split from
:mod:`sim.scenario.models`, which re-exports them."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict

from sim.scenario.model_base import MAX_ROUNDS, Id

Unit = Annotated[float, Strict(), Field(ge=0.0, le=1.0)]
Signed = Annotated[float, Strict(), Field(ge=-1.0, le=1.0)]
Bool = Annotated[bool, Field(strict=True)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class RatificationModel(Model):
    """P(pass) = 1 / (1 + exp(−λ (U_actor(package) − threshold))): the actor's utility stands in for support."""

    type: Literal["logit"] = "logit"
    lambda_: Annotated[float, Strict(), Field(alias="lambda", ge=0.0, le=1e6)] = 10.0
    threshold: Unit = 0.5


class Support(Model):
    """A ratifying body's own support for the package (a public, a parliament, a Congress), clause by clause.

    S(x) = clip(Σ_c table_c(x_c), 0, 1) (an option not listed adds 0); P(pass) = 1 / (1 + exp(−λ (S(x) −
    threshold))). When given, the vote is computed from it instead of the negotiator's utility (Putnam 1988: the
    level-II constituency's preferences define the win-set)."""

    table: Annotated[dict[Id, dict[Id, Signed]], Field(min_length=1)]
    lambda_: Annotated[float, Strict(), Field(alias="lambda", ge=0.0, le=1e6)] = 10.0
    threshold: Unit = 0.5


class Preconditions(Model):
    """Preconditions of a ratification vote.

    ``martial_law_lifted``: the vote can only pass if the package holds the last (permanent) option of the first
    ceasefire clause. ``ceasefire_held_rounds``: the vote is taken that many rounds after signing, the ceasefire
    having to hold through them (:mod:`sim.engine.domestic`).
    """

    ceasefire_held_rounds: Annotated[int, Strict(), Field(ge=0, le=MAX_ROUNDS)] = 0
    martial_law_lifted: Bool = False


Triggers = dict[Id, list[Id]] | Annotated[list[dict[Id, list[Id]]], Field(min_length=1)]
"""A mapping clause → options (every clause takes one of its options), or a list of such mappings (any one holds)."""


class Ratification(Model):
    """Domestic (level-II) ratification, triggered by options of the package (Putnam 1988).

    ``triggers``: a mapping clause → options, triggered when every listed clause takes one of its options; or a list
    of such mappings, triggered when any one of them holds (e.g. a referendum on a contact-line change or on a
    recognition of territory, REPORT §B.4)."""

    body: str
    triggers: Triggers
    p: Unit | None = None
    model: RatificationModel | None = None
    support: Support | None = None
    preconditions: Preconditions = Preconditions()
    note: str | None = None


class CeasefireHazard(Model):
    """The per-round probability that the ceasefire breaks down while a signed text awaits its vote, and the
    factors by which package options multiply it (:mod:`sim.engine.domestic`)."""

    per_round: Unit
    factors: dict[Id, dict[Id, Unit]] = {}
