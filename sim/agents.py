"""Mesa agents: one per actor of the scenario. Thin: an index, a concession policy and an acceptance policy.

Mesa is imported here and in :mod:`sim.model` only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from .policies import Logit, Threshold, TimeDependent, acceptance_policy, vote

if TYPE_CHECKING:
    from .model import NegotiationModel


class ActorAgent(mesa.Agent):
    """A negotiating actor. It asks for an aspiration each round and votes on the package on the table."""

    def __init__(self, model: NegotiationModel, index: int, actor_id: str):
        super().__init__(model)
        self.index = index
        self.actor_id = actor_id
        self.walked = False
        self.refresh()

    def refresh(self) -> None:
        """Re-read the policies from the model's current arrays (after a shock)."""
        cp = self.model.cp
        self.concession = TimeDependent(float(cp.beta[self.index]))
        self.acceptance: Threshold | Logit = acceptance_policy(
            bool(cp.logit[self.index]), float(cp.lam[self.index])
        )

    def aspiration(self, t: int, reservation: float) -> float:
        cp = self.model.cp
        return self.concession.aspiration(t, cp.max_rounds, reservation, float(cp.u_max[self.index]))

    def vote(self, utility: float, aspiration: float, veto: bool, draw: float) -> tuple[str, float]:
        if self.walked:
            return "absent", 0.0
        return vote(self.acceptance, utility - aspiration, veto, draw)
