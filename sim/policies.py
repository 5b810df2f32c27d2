"""Small policy classes: how an actor concedes and how it votes (a registry YAML names them by).

Each policy has a ``name``, a ``traits`` dict and one decision method, after Axelrod's strategy classes.
The numeric work is in :mod:`sim.curves`; policies only apply it to one actor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from .curves import aspiration, logit_accept


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


REGISTRY = {cls.name: cls for cls in (TimeDependent, Threshold, Logit)}
"""Policies by name (filterable by their traits)."""

__all__ = ["REGISTRY", "Logit", "Threshold", "TimeDependent", "acceptance_policy", "vote"]
