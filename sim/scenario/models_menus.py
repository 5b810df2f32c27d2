"""The two annotation sections of a scenario that the engine never reads: the ``levers:`` menu of
``negsim whatif`` (docs/whatif.md) and the ``provenance:`` tags of its numbers (docs/scenario-format.md#provenance).
:class:`sim.scenario.models.Scenario` holds them; they live here to keep that module small."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, model_validator
from pydantic_core import PydanticCustomError

from sim.scenario.model_base import MAX_ACTORS, Id


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Lever(Model):
    """One change an analyst could buy, at ``cost`` (one unit for the whole menu), for ``negsim whatif``
    (docs/whatif.md). Fields by kind (the others must be left out; :mod:`sim.scenario.checks_levers`):
    ``clause_edit`` clause [options]; ``soften_red_line`` actor clause penalty; ``transfer`` actor amount;
    ``rule_switch`` clause [index] to [k, vetoes]; ``shift`` path by. Never read by the engine."""

    id: Id
    kind: Literal["clause_edit", "soften_red_line", "transfer", "rule_switch", "shift"]
    cost: Annotated[float, Strict(), Field(ge=0.0, le=1e9)]
    clause: Id | None = None
    options: list[Id] | None = None
    actor: Id | None = None
    penalty: Annotated[float, Strict(), Field(ge=0.0, le=10.0)] | None = None
    amount: Annotated[float, Strict(), Field(gt=0.0, le=1.0)] | None = None
    index: Annotated[int, Strict(), Field(ge=0, le=1000)] | None = None
    to: Literal["none", "unanimity", "qmv", "k_of_n"] | None = None
    k: Annotated[int, Strict(), Field(ge=1, le=MAX_ACTORS)] | None = None
    vetoes: list[Id] | None = None
    path: str | None = None
    by: Annotated[float, Strict(), Field(ge=-1.0, le=1.0)] | None = None
    note: str | None = None


Tag = Literal["sourced", "inferred", "assumption"]
"""Where a number comes from: ``sourced`` (stated in a reference, given in ``ref``), ``inferred`` (derived from
sourced facts by a stated step: a count, a unit conversion, a date turned into a round) or ``assumption`` (analyst
judgement)."""


class Provenance(Model):
    """The provenance of the numbers under one path (:mod:`sim.scenario.provenance`): its tag, the reference it rests on
    (required for ``sourced``; for the others, what motivated the choice) and a note."""

    model_config = ConfigDict(
        json_schema_extra={"if": {"properties": {"tag": {"const": "sourced"}}}, "then": {"required": ["ref"]}}
    )

    tag: Tag
    ref: Annotated[str, Field(min_length=1, max_length=500)] | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _sourced_needs_ref(self) -> Provenance:
        if self.tag == "sourced" and not (self.ref or "").strip():
            raise PydanticCustomError(
                "sourced_needs_ref",
                "a sourced number needs a ref: the source it is taken from (e.g. '[S20]', 'TEU art. 16(4)'); "
                "tag it inferred or assumption otherwise",
            )
        return self
