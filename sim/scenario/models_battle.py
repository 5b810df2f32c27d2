"""The battlefield model of a scenario (``battlefield:``): a Fearon lottery fought while the sides talk, which moves
the belligerents' outside options and their beliefs (:mod:`sim.engine.battle`). Re-exported by
:mod:`sim.scenario.models`."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, Strict, model_validator

from sim.scenario.model_base import MAX_ROUNDS, Id

Unit = Annotated[float, Strict(), Field(ge=0.0, le=1.0)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class SideBelief(Model):
    """A side's prior on the attacker's chance in a battle: Beta(strength · mean, strength · (1 − mean)); without
    ``strength`` it stays at ``mean`` (default: the true ``p``)."""

    mean: Unit | None = None
    strength: Annotated[float, Strict(), Field(gt=0.0, le=1e6)] | None = None


class Battlefield(Model):
    """Every ``every`` rounds the ``attacker`` advances with probability ``p`` by a shift drawn in ``gain`` (low,
    high), which raises its R and lowers the defender's (the reverse when held); ``value`` prices each side's
    change of belief in its expected gain (:mod:`sim.engine.battle`)."""

    attacker: Id
    defender: Id
    every: Annotated[int, Strict(), Field(ge=1, le=MAX_ROUNDS)] = 1
    p: Unit
    gain: Annotated[list[Unit], Field(min_length=2, max_length=2)]
    value: Unit = 0.0
    beliefs: dict[Id, SideBelief] = {}
    note: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Battlefield:
        if self.gain[0] > self.gain[1]:
            raise ValueError(f"gain is [low, high]: {self.gain[0]} > {self.gain[1]}")
        if self.attacker == self.defender:
            raise ValueError("attacker and defender must be two actors")
        return self
