"""Small policy classes: how an actor concedes (an aspiration per round) and how it votes (P(accept)).

Each policy is a frozen dataclass with one decision method; the compiled scenario says which one an actor uses
(``spe`` / ``beta`` for the concession, ``logit`` / ``lam`` for the acceptance). The numeric work is in
:mod:`sim.core.curves`; policies only apply it to one actor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.core.curves import aspiration_at, logit_accept_at
from sim.core.tolerances import TOL
from sim.engine.records import Vote


@dataclass(frozen=True)
class TimeDependent:
    """Faratin–Sierra–Jennings (1998) time-dependent concession in utility space.

    a(t) = u_max − (u_max − R(t)) · (min(t, T)/T)^(1/β), T = max_rounds: starts at the actor's best utility and
    reaches its reservation value R(t) at the horizon (benchmark W1 uses exactly this curve). It is
    :func:`sim.core.curves.aspiration_at`, the one-actor form of :func:`sim.core.curves.aspiration`.
    """

    beta: float

    def aspiration(self, t: int, horizon: int, reservation: float, u_max: float) -> float:
        return aspiration_at(t, horizon, self.beta, reservation, u_max)


def spe_path(
    utility: NDArray[np.float64],
    proposer: NDArray[np.int64],
    discount: NDArray[np.float64],
    reservation: NDArray[np.float64],
) -> NDArray[np.float64]:
    """(T, 2) utilities of the subgame-perfect agreement reached if play gets to round t, by backward induction.

    Bilateral alternating offers over a finite set of packages with utilities U = ``utility`` (2, N) (Ståhl 1972,
    Rubinstein 1982): ``proposer[t]`` ∈ {0, 1} proposes in round t = 0 … T−1, rejection in the last round gives
    both their reservation R[T] (R = ``reservation``, (T+1, 2), one row per round). The responder r accepts in
    round t iff U_r ≥ c_r(t) = R_r(t) + δ_r (V_r(t+1) − R_r(t+1)), its discounted surplus of going on; the proposer
    p offers the package with the largest U_p among those (ties: the largest U_r), or delays (V(t) = c(t)) when
    that gives it less than c_p(t). On the pie u = (x, 1 − x), R = 0, it is
    :func:`sim.analysis.theory.rubinstein_finite` up to the grid: each round's rounding costs the proposer less
    than one grid step h, so |error| ≤ h / (1 − max δ).

    >>> x = np.linspace(0, 1, 101)
    >>> V = spe_path(np.vstack([x, 1 - x]), np.array([0, 1, 0]), np.array([0.9, 0.8]), np.zeros((4, 2)))
    >>> [round(float(v), 6) for v in V[:, 0]]  # player 1's utility from rounds 0, 1, 2: 0.92, 0.9, 1
    [0.92, 0.9, 1.0]
    """
    U, R = utility, reservation
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

    def aspiration(self, t: int, horizon: int, reservation: float, u_max: float) -> float:
        return self.path[min(t, len(self.path) - 1)]


@dataclass(frozen=True)
class Threshold:
    """Accept iff U ≥ a (a tie accepts)."""

    def p_accept(self, surplus: float) -> float:
        return 1.0 if surplus >= -1e-12 else 0.0


@dataclass(frozen=True)
class Logit:
    """Accept with P = 1 / (1 + exp(−λ (U − a))) (McKelvey & Palfrey 1995)."""

    lam: float

    def p_accept(self, surplus: float) -> float:
        return logit_accept_at(surplus, self.lam)


def acceptance_policy(is_logit: bool, lam: float) -> Threshold | Logit:
    return Logit(float(lam)) if is_logit else Threshold()


def vote(policy: Threshold | Logit, surplus: float, veto: bool, draw: float) -> tuple[Vote, float]:
    """(vote, P(accept)) for one actor given its surplus over aspiration, a hard-veto flag and a uniform draw."""
    if veto:
        return "veto", 0.0
    p = policy.p_accept(surplus)
    return ("accept" if draw < p or p == 1.0 else "reject"), p


__all__ = [
    "Logit",
    "SubgamePerfect",
    "Threshold",
    "TimeDependent",
    "acceptance_policy",
    "spe_path",
    "vote",
]
