"""The name type, the actor limit and the round limit, shared by :mod:`sim.scenario.models`,
:mod:`sim.scenario.models_menus` and :mod:`sim.scenario.models_domestic`.

Each of those modules defines its own ``Model`` base (frozen, no unknown field) in place, so that linters see
the pydantic models as such."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

Id = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_\-]*$", max_length=80)]
"""A machine-safe name of an actor, clause, option, group, profile or lever."""
MAX_ACTORS = 200
MAX_ROUNDS = 100_000
"""The longest simulation (``scenario.max_rounds``) and the longest wait or horizon, in rounds."""
