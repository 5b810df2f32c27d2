"""Small policy classes: how an actor concedes (an aspiration per round) and how it votes (P(accept)).

Each policy is a frozen dataclass with one decision method; the compiled scenario says which one an actor uses
(``spe`` / ``beta`` for the concession, ``logit`` / ``lam`` for the acceptance). The numeric work is in
:mod:`sim.core.curves`; policies only apply it to one actor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.core.curves import discounted_aspiration_at, logit_accept_at
from sim.core.tolerances import TOL
from sim.engine.records import Vote


@dataclass(frozen=True)
class TimeDependent:
    """Faratin–Sierra–Jennings (1998) time-dependent concession in utility space, on the actor's own clock.

    τ(t) = u_max − (u_max − R(t)) · (min(t, H)/H)^(1/β) with H = the actor's horizon H_i (its ``horizon``, else
    its deadline round, else 1/(1 − δ): :func:`sim.core.curves.effective_horizon`), not ``max_rounds``; the
    aspiration is the discounted value of holding out for the next round's target,
    a(t) = R(t) + δ·(τ(t+1) − R(t+1)) (FSJ's acceptance rule, "accept what is worth at least my next
    counter-offer", with Rubinstein's discounting of the next round): :func:`sim.core.curves.discounted_aspiration_at`.
    """

    beta: float
    horizon: float
    discount: float
    drift: float

    def aspiration(self, t: int, reservation: float, u_max: float) -> float:
        return discounted_aspiration_at(t, self.horizon, self.beta, reservation, self.drift, u_max, self.discount)


def spe_path(
    utility: NDArray[np.float64],
    proposer: NDArray[np.int64],
    discount: NDArray[np.float64],
    reservation: NDArray[np.float64],
    signatory: NDArray[np.bool_] | None = None,
) -> NDArray[np.float64]:
    """(T, A) utilities of the subgame-perfect agreement reached if play gets to round t, by backward induction.

    Alternating offers over a finite set of packages with utilities U = ``utility`` (A, N) (Ståhl 1972,
    Rubinstein 1982; n actors: Baron & Ferejohn 1989 under unanimity, the proposer recognised by the schedule):
    ``proposer[t]`` proposes in round t = 0 … T−1, rejection in the last round gives everyone its reservation R[T]
    (R = ``reservation``, (T+1, A), one row per round). Every signatory r other than the proposer (``signatory``,
    default all) accepts in round t iff U_r ≥ c_r(t) = R_r(t) + δ_r (V_r(t+1) − R_r(t+1)), its discounted surplus of
    going on; the proposer p offers the package with the largest U_p among those all accept (ties: the largest sum
    of the responders' U), or delays (V(t) = c(t)) when that gives it less than c_p(t). On the pie u = (x, 1 − x),
    R = 0, it is :func:`sim.analysis.theory.rubinstein_finite` up to the grid: each round's rounding costs the
    proposer less than one grid step h, so |error| ≤ h / (1 − max δ).

    >>> x = np.linspace(0, 1, 101)
    >>> V = spe_path(np.vstack([x, 1 - x]), np.array([0, 1, 0]), np.array([0.9, 0.8]), np.zeros((4, 2)))
    >>> [round(float(v), 6) for v in V[:, 0]]  # player 1's utility from rounds 0, 1, 2: 0.92, 0.9, 1
    [0.92, 0.9, 1.0]
    """
    U, R = utility, reservation
    A, T = U.shape[0], len(proposer)
    sig = np.ones(A, dtype=bool) if signatory is None else np.asarray(signatory, dtype=bool)
    out = np.empty((T, A))
    V = R[T].astype(float)
    for t in range(T - 1, -1, -1):
        p = int(proposer[t])
        resp = sig.copy()
        resp[p] = False
        cont = R[t] + discount * (V - R[t + 1])
        ok = (U[resp] >= cont[resp, None] - TOL).all(axis=0)
        V = cont
        if ok.any():
            up = np.where(ok, U[p], -np.inf)
            top = ok & (up >= up.max() - TOL)
            k = int(np.argmax(np.where(top, U[resp].sum(axis=0), -np.inf)))
            if U[p, k] >= cont[p] - TOL:
                V = U[:, k].astype(float)
        out[t] = V
    return out


STATIONARY_EXTRA_ROUNDS = 5_000
"""Rounds past ``max_rounds`` over which an infinite game (no actor gives a horizon) is solved backwards: enough
for max δ^k ≤ 10⁻¹² (1 − δ ≥ 0.0055), so its first ``max_rounds`` rounds are the stationary limit."""


def game_rounds(discount: NDArray[np.float64], game_end: NDArray[np.float64], max_rounds: int, cycle: int) -> int:
    """Rounds of the game the subgame-perfect presets solve: the smallest explicit horizon (``game_end``) if any
    actor gives one, else ``max_rounds`` plus whole proposer cycles until max δ^k ≤ 10⁻¹² (at most
    :data:`STATIONARY_EXTRA_ROUNDS`; with δ = 1 for all there is no stationary limit, and the path is that of a
    game of ``max_rounds`` + that many rounds).

    >>> d = np.array([0.9, 0.8])
    >>> game_rounds(d, np.array([np.nan, 3.0]), 10, 2), game_rounds(d, np.full(2, np.nan), 10, 2)
    (3, 274)
    """
    if not np.isnan(game_end).all():
        return int(np.nanmin(game_end))
    d = float(discount.max())
    extra = (
        STATIONARY_EXTRA_ROUNDS if d >= 1.0 else min(int(np.ceil(np.log(1e-12) / np.log(d))), STATIONARY_EXTRA_ROUNDS)
    )
    return max_rounds + cycle * int(np.ceil(extra / cycle))


@dataclass(frozen=True)
class SubgamePerfect:
    """Subgame-perfect aspirations: a(t) is the actor's continuation value in round t (presets ``stationary``,
    ``rubinstein``).

    ``path`` holds the actor's column of :func:`spe_path` over the rounds of the game (:func:`game_rounds`): as
    proposer its SPE utility, as responder what the SPE offer gives it; after the game's last round, R(t). Under
    ``alternating_offers`` and the max–min rule the proposer then offers the SPE package and the responders
    accept it in round 0.
    """

    path: tuple[float, ...]

    def aspiration(self, t: int, reservation: float, u_max: float) -> float:
        return self.path[t] if t < len(self.path) else reservation


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


def acceptance(policy: Threshold | Logit, surplus: float, veto: bool) -> tuple[Vote | None, float]:
    """(the vote when no draw decides it, P(accept)): ``("veto", 0.0)`` under a hard veto, else (None, P)."""
    if veto:
        return "veto", 0.0
    return None, policy.p_accept(surplus)


def decide(p: float, draw: float) -> Vote:
    """The vote of an actor who accepts with probability ``p``, given its uniform draw: accept iff draw < p or
    p = 1."""
    return "accept" if draw < p or p == 1.0 else "reject"


__all__ = [
    "Logit",
    "SubgamePerfect",
    "Threshold",
    "TimeDependent",
    "acceptance",
    "acceptance_policy",
    "decide",
    "game_rounds",
    "spe_path",
]
