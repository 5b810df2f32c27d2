"""Mesa agents: one per actor of the scenario. Thin: an index, a concession policy and an acceptance policy.

Mesa is imported here and in :mod:`sim.engine.model` only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.core.utility import all_packages, feasible, utilities, vetoes
from sim.engine.policies import Logit, SubgamePerfect, Threshold, TimeDependent, acceptance_policy, spe_path, vote

if TYPE_CHECKING:
    from sim.engine.model import NegotiationModel


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
        self.concession: TimeDependent | SubgamePerfect = (
            SubgamePerfect(self._spe_path()) if cp.spe[self.index] else TimeDependent(float(cp.beta[self.index]))
        )
        self.acceptance: Threshold | Logit = acceptance_policy(bool(cp.logit[self.index]), float(cp.lam[self.index]))
        self._alpha: dict[int, float] = {}

    def _spe_path(self) -> tuple[float, ...]:
        """This actor's SPE continuation values over the rounds (the compiler allows two actors and small spaces)."""
        cp = self.model.cp
        P = all_packages(cp.n_options)
        P = P[feasible(cp, P) & ~vetoes(cp, P).any(axis=0)]
        T = cp.max_rounds
        schedule = np.array([cp.proposers[t % len(cp.proposers)] for t in range(T)], dtype=np.int64)
        R = np.array([cp.reservation(t) for t in range(T + 1)])
        path = spe_path(utilities(cp, P), schedule, cp.discount, R)
        return tuple(float(v) for v in path[:, self.index])

    def aspiration(self, t: int, reservation: float) -> float:
        cp = self.model.cp
        c = self.concession
        if isinstance(c, TimeDependent):
            # sim.core.curves.aspiration in float arithmetic (the same IEEE operations), α(t) computed once per round
            alpha = self._alpha.get(t)
            if alpha is None:
                # faratin_alpha(t, T, β) with κ = 0 in scalar float arithmetic: bit-identical (the same IEEE pow),
                # without numpy's per-call overhead (checked on 200,000 random cases)
                frac = min(max(t / cp.max_rounds, 0.0), 1.0)
                alpha = self._alpha[t] = frac ** (1.0 / c.beta)
            top = max(float(cp.u_max[self.index]), reservation)
            return top - (top - reservation) * alpha
        return c.aspiration(t, cp.max_rounds, reservation, float(cp.u_max[self.index]))

    def vote(self, utility: float, aspiration: float, veto: bool, draw: float) -> tuple[str, float]:
        if self.walked:
            return "absent", 0.0
        return vote(self.acceptance, utility - aspiration, veto, draw)
