"""Small policy classes: how an actor concedes and how it votes (a registry YAML names them by).

Each policy has a ``name``, a ``traits`` dict and one decision method, after Axelrod's strategy classes.
The numeric work is in :mod:`sim.core.curves`; policies only apply it to one actor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from sim.core.curves import aspiration, logit_accept
from sim.core.tolerances import TOL


@dataclass(frozen=True)
class TimeDependent:
    """Faratin–Sierra–Jennings (1998) time-dependent concession in utility space.

    a(t) = u_max − (u_max − R(t)) · (min(t, T)/T)^(1/β), T = max_rounds: starts at the actor's best utility and
    reaches its reservation value R(t) at the horizon (benchmark W1 uses exactly this curve).
    """

    beta: float
    name: ClassVar[str] = "time_dependent"
    traits: dict[str, float] = field(default_factory=dict)

    def aspiration(self, t: int, horizon: int, reservation: float, u_max: float) -> float:
        return float(aspiration(t, horizon, self.beta, reservation, u_max))


def spe_path(
    U: NDArray[np.float64], proposer: NDArray[np.int64], discount: NDArray[np.float64], R: NDArray[np.float64]
) -> NDArray[np.float64]:
    """(T, 2) utilities of the subgame-perfect agreement reached if play gets to round t, by backward induction.

    Bilateral alternating offers over a finite set of packages with utilities ``U`` (2, N) (Ståhl 1972,
    Rubinstein 1982): ``proposer[t]`` ∈ {0, 1} proposes in round t = 0 … T−1, rejection in the last round gives
    both their reservation ``R[T]`` ((T+1, 2), one row per round). The responder r accepts in round t iff
    U_r ≥ c_r(t) = R_r(t) + δ_r (V_r(t+1) − R_r(t+1)), its discounted surplus of going on; the proposer p offers
    the package with the largest U_p among those (ties: the largest U_r), or delays (V(t) = c(t)) when that
    gives it less than c_p(t). On the pie u = (x, 1 − x), R = 0, it is :func:`sim.analysis.theory.rubinstein_finite` up
    to
    the grid: each round's rounding costs the proposer less than one grid step h, so |error| ≤ h / (1 − max δ).

    >>> x = np.linspace(0, 1, 101)
    >>> V = spe_path(np.vstack([x, 1 - x]), np.array([0, 1, 0]), np.array([0.9, 0.8]), np.zeros((4, 2)))
    >>> [round(float(v), 6) for v in V[:, 0]]  # player 1's utility from rounds 0, 1, 2: 0.92, 0.9, 1
    [0.92, 0.9, 1.0]
    """
    T = len(proposer)
    out = np.empty((T, 2))
    V = R[T].astype(float)
    for t in range(T - 1, -1, -1):
        p = int(proposer[t])
        r = 1 - p
        cont = R[t] + discount * (V - R[t + 1])
        ok = U[r] >= cont[r] - TOL
        if ok.any():
            up = np.where(ok, U[p], -np.inf)
            top = ok & (up >= up.max() - TOL)
            k = int(np.argmax(np.where(top, U[r], -np.inf)))
            if U[p, k] >= cont[p] - TOL:
                V = np.empty(2)
                V[p], V[r] = U[p, k], U[r, k]
            else:
                V = cont
        else:
            V = cont
        out[t] = V
    return out


@dataclass(frozen=True)
class SubgamePerfect:
    """Rubinstein (1982) aspirations: a(t) is the actor's subgame-perfect continuation value in round t.

    ``path`` holds the actor's column of :func:`spe_path` over the rounds: as proposer its SPE utility, as
    responder what the SPE offer gives it. Under ``alternating_offers`` and the max–min rule the proposer then
    offers the SPE package and the responder accepts it in round 0 (the concession preset ``rubinstein``).
    """

    path: tuple[float, ...]
    name: ClassVar[str] = "subgame_perfect"
    traits: dict[str, float] = field(default_factory=dict)

    def aspiration(self, t: int, horizon: int, reservation: float, u_max: float) -> float:
        return self.path[min(t, len(self.path) - 1)]


@dataclass(frozen=True)
class Threshold:
    """Accept iff U ≥ a (a tie accepts)."""

    name: ClassVar[str] = "threshold"

    def p_accept(self, surplus: float) -> float:
        return 1.0 if surplus >= -1e-12 else 0.0


@dataclass(frozen=True)
class Logit:
    """Accept with P = 1 / (1 + exp(−λ (U − a))) (McKelvey & Palfrey 1995)."""

    lam: float
    name: ClassVar[str] = "logit"

    def p_accept(self, surplus: float) -> float:
        return float(logit_accept(surplus, self.lam))


def acceptance_policy(is_logit: bool, lam: float) -> Threshold | Logit:
    return Logit(float(lam)) if is_logit else Threshold()


def vote(policy: Threshold | Logit, surplus: float, veto: bool, draw: float) -> tuple[str, float]:
    """(vote, P(accept)) for one actor given its surplus over aspiration, a hard-veto flag and a uniform draw."""
    if veto:
        return "veto", 0.0
    p = policy.p_accept(surplus)
    return ("accept" if draw < p or p == 1.0 else "reject"), p


REGISTRY = {cls.name: cls for cls in (TimeDependent, SubgamePerfect, Threshold, Logit)}
"""Policies by name (filterable by their traits)."""

__all__ = [
    "REGISTRY",
    "Logit",
    "SubgamePerfect",
    "Threshold",
    "TimeDependent",
    "acceptance_policy",
    "spe_path",
    "vote",
]
