"""Mesa agents: one per actor of the scenario. Thin: an index, a concession policy and an acceptance policy.

Mesa's classes come from :mod:`sim.engine.mesa_core` (the one module importing Mesa).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from sim.engine.mesa_core import Agent
from sim.engine.policies import (
    Logit,
    SubgamePerfect,
    Threshold,
    TimeDependent,
    acceptance,
    acceptance_policy,
)
from sim.engine.records import Vote

if TYPE_CHECKING:
    from sim.engine.talks import Talks


class Actor:
    """A negotiating actor. It asks for an aspiration each round and votes on the package on the table.

    ``index`` is the actor's row in the model's compiled arrays (the agents are created in that order, so
    ``model.agents`` iterates them by index). Without Mesa (the batched runs' seats, :mod:`sim.engine.batch`);
    the Mesa model's agents are :class:`ActorAgent`.
    """

    def __init__(self, model: Talks, index: int, actor_id: str):
        self.model = model
        self.index = index
        self.actor_id = actor_id
        self.walked = False
        self.refresh()

    @property
    def walked(self) -> bool:
        """Whether the actor walked away (setting it tells the model: :meth:`NegotiationModel.walked_key`)."""
        return self._walked

    @walked.setter
    def walked(self, value: bool) -> None:
        self._walked = value
        self.model._walked_key = None

    def refresh(self) -> None:
        """Re-read the policies from the model's current table (after a shock; :func:`policies`)."""
        self.concession, self.acceptance = self.model.policy_table[self.index]

    def aspiration(self, t: int, reservation: np.ndarray) -> float:
        """a_i(t): the utility this actor asks for in round t, given every actor's reservation value R(t)."""
        i = self.index
        return self.concession.aspiration(t, float(reservation[i]), float(self.model.compiled.u_max[i]))

    def p_accept(self, utility: np.ndarray, aspiration: np.ndarray, veto: np.ndarray) -> tuple[Vote | None, float]:
        """(the vote when no draw decides it, P(accept)): ``("absent", 0.0)`` once walked away, else
        :func:`sim.engine.policies.acceptance` (the vote is this and the run's draw,
        :func:`sim.engine.policies.decide`)."""
        if self.walked:
            return "absent", 0.0
        i = self.index
        return acceptance(self.acceptance, float(utility[i]) - float(aspiration[i]), bool(veto[i]))


class ActorAgent(Actor, Agent):
    """:class:`Actor` as a Mesa agent of the model (``model.agents``)."""

    def __init__(self, model: Any, index: int, actor_id: str):
        Agent.__init__(self, model)
        Actor.__init__(self, model, index, actor_id)


Policies = tuple[tuple[TimeDependent | SubgamePerfect, Threshold | Logit], ...]


def policies(model: Talks) -> Policies:
    """(concession, acceptance) of every actor, by index, under the model's current variant: frozen policies built
    once per variant for all the runs of the ``Prepared`` (:meth:`sim.engine.prepared.Prepared.shared`)."""
    compiled = model.compiled
    return model.prepared.shared(compiled, ("policies", model.fired), lambda: _policies(model))


def _policies(model: Talks) -> Policies:
    compiled = model.compiled
    spe = model.spe_path() if compiled.spe.any() else None
    out = []
    for i in range(compiled.n_actors):
        concession: TimeDependent | SubgamePerfect = (
            SubgamePerfect(tuple(float(v) for v in spe[:, i]))  # type: ignore[index]
            if compiled.spe[i]
            else TimeDependent(
                float(compiled.beta[i]),
                float(compiled.horizon[i]),
                float(compiled.discount[i]),
                float(compiled.drift[i]),
            )
        )
        out.append((concession, acceptance_policy(bool(compiled.logit[i]), float(compiled.lam[i]))))
    return tuple(out)


def acceptances(
    agents: tuple[Actor, ...], utility: np.ndarray, aspiration: np.ndarray, veto: np.ndarray
) -> tuple[tuple[Vote | None, ...], tuple[float, ...]]:
    """(each agent's vote when no draw decides it, its P(accept)), by index: :meth:`ActorAgent.p_accept`."""
    fixed, p = zip(*(a.p_accept(utility, aspiration, veto) for a in agents), strict=True)
    return fixed, p


def ballot_parts(
    model: Talks, package: np.ndarray, final: bool, aspiration: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[Vote | None, ...], tuple[float, ...]]:
    """(utilities (A,), triggered approval rules (R,), required voters (A,), each vote no draw decides, each
    P(accept)) of ``package`` under the model's variant, in the final stage or not: the signatories, and in the
    final stage the voters of the triggered approval rules other than ratifications (arrays read-only)."""
    compiled = model.compiled
    utility, veto, trig = model.prepared.scores(compiled, package)
    if not final:
        trig = np.zeros(len(compiled.rules), dtype=bool)
    required = compiled.signatory.copy()
    for r, rule in enumerate(compiled.rules):
        if trig[r] and rule.kind != "ratification":
            required[rule.voters] = True
    for a in (trig, required):
        a.setflags(write=False)
    fixed, p_accept = acceptances(model.actor_agents, utility, aspiration, veto)
    return utility, trig, required, fixed, p_accept
