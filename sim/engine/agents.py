"""Mesa agents: one per actor of the scenario. Thin: an index, a concession policy and an acceptance policy.

Mesa's classes come from :mod:`sim.engine.mesa_core` (the one module importing Mesa).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine.mesa_core import Agent
from sim.engine.policies import (
    Logit,
    SubgamePerfect,
    Threshold,
    TimeDependent,
    acceptance,
    acceptance_policy,
    vote,
)
from sim.engine.records import Vote

if TYPE_CHECKING:
    from sim.engine.model import NegotiationModel


class ActorAgent(Agent):
    """A negotiating actor. It asks for an aspiration each round and votes on the package on the table.

    ``index`` is the actor's row in the model's compiled arrays (the agents are created in that order, so
    ``model.agents`` iterates them by index).
    """

    def __init__(self, model: NegotiationModel, index: int, actor_id: str):
        super().__init__(model)
        self.index = index
        self.actor_id = actor_id
        self.walked = False
        self.refresh()

    def refresh(self) -> None:
        """Re-read the policies from the model's current arrays (after a shock)."""
        compiled = self.model.compiled
        i = self.index
        self.concession: TimeDependent | SubgamePerfect = (
            SubgamePerfect(tuple(float(v) for v in self.model.spe_path()[:, i]))
            if compiled.spe[i]
            else TimeDependent(
                float(compiled.beta[i]),
                float(compiled.horizon[i]),
                float(compiled.discount[i]),
                float(compiled.drift[i]),
            )
        )
        self.acceptance: Threshold | Logit = acceptance_policy(bool(compiled.logit[i]), float(compiled.lam[i]))

    def aspiration(self, t: int, reservation: np.ndarray) -> float:
        """a_i(t): the utility this actor asks for in round t, given every actor's reservation value R(t)."""
        i = self.index
        return self.concession.aspiration(t, float(reservation[i]), float(self.model.compiled.u_max[i]))

    def vote(
        self, utility: np.ndarray, aspiration: np.ndarray, veto: np.ndarray, draw: np.ndarray
    ) -> tuple[Vote, float]:
        """(vote, P(accept)) on the package on the table; the arrays hold every actor's value, by index."""
        if self.walked:
            return "absent", 0.0
        i = self.index
        return vote(self.acceptance, float(utility[i]) - float(aspiration[i]), bool(veto[i]), float(draw[i]))

    def p_accept(self, utility: np.ndarray, aspiration: np.ndarray, veto: np.ndarray) -> tuple[Vote | None, float]:
        """(the vote when no draw decides it, P(accept)): ``("absent", 0.0)`` once walked away, else
        :func:`sim.engine.policies.acceptance` (:meth:`vote` is this and the draw)."""
        if self.walked:
            return "absent", 0.0
        i = self.index
        return acceptance(self.acceptance, float(utility[i]) - float(aspiration[i]), bool(veto[i]))


def acceptances(
    agents: tuple[ActorAgent, ...], utility: np.ndarray, aspiration: np.ndarray, veto: np.ndarray
) -> tuple[tuple[Vote | None, ...], tuple[float, ...]]:
    """(each agent's vote when no draw decides it, its P(accept)), by index: :meth:`ActorAgent.p_accept`."""
    fixed, p = zip(*(a.p_accept(utility, aspiration, veto) for a in agents), strict=True)
    return fixed, p
