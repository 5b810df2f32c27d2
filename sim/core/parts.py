"""The parts of a compiled scenario that are not per-actor arrays: conditions on packages, approval rules,
feasibility constraints, ratification votes and utility interactions (:class:`sim.core.compiled.Compiled` holds
tuples of them).

Actors and clauses are numbered as in :class:`~sim.core.compiled.Compiled`: actor ``i`` is ``Compiled.actors[i]``,
clause ``c`` is ``Compiled.clauses[c]``; option masks are indexed by the clause's local option index.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

IntA = NDArray[np.int64]
FloatA = NDArray[np.float64]
BoolA = NDArray[np.bool_]


@dataclass(frozen=True)
class Condition:
    """Clause ``clause`` takes one of the options where ``allowed`` is true.

    ``allowed``: (n_options[clause],) bool, one entry per local option of the clause."""

    clause: int
    allowed: BoolA


@dataclass(frozen=True)
class Rule:
    """An approval rule of one clause, triggered by the options where ``trigger`` is true.

    - ``label``: ``clause:rule`` or ``clause:rule:body`` (names the rule in outcomes).
    - ``clause``: the clause it belongs to; ``trigger``: (n_options[clause],) bool, the options that need approval.
    - ``kind``: ``unanimity`` | ``qmv`` | ``contributors`` | ``ratification``.
    - ``voters``: (V,) int64 actor indices (the voters, or the required contributors; empty for ratification).
    - ``members``: (V,) float64, each voter's number of member states (qmv; 1.0 for the other kinds).
    - ``population``: (V,) float64, each voter's share of the EU-27 population (qmv; 1.0 for the other kinds).
    - ``member_share``, ``population_share``: the qmv thresholds, fractions in [0, 1] of the voters' totals.
    - ``p``: probability that a ``ratification`` rule passes (1.0 for the other kinds); ``body``: who ratifies.
    - ``k``: for ``k_of_n``, how many voters must accept (0 for the other kinds); ``veto``: (V,) bool, the voters
      that must be among them (``k_of_n``; empty for the other kinds).
    - ``support``: (O,) float64, a ``ratification`` rule's own support table over the flat options (None: it
      passes with ``p``); ``lam``, ``threshold``: its logit, P = 1 / (1 + exp(−lam (clip(S, 0, 1) − threshold))).
    """

    label: str
    clause: int
    trigger: BoolA
    kind: str  # unanimity | qmv | contributors | ratification | k_of_n
    voters: IntA
    members: FloatA  # qmv weights (number of member states per voter)
    population: FloatA  # qmv population shares per voter
    member_share: float = 0.55
    population_share: float = 0.65
    p: float = 1.0
    body: str = ""
    k: int = 0
    veto: BoolA = field(default_factory=lambda: np.zeros(0, dtype=bool))
    support: FloatA | None = None
    lam: float = 0.0
    threshold: float = 0.5


@dataclass(frozen=True)
class Constraint:
    """Feasibility: a package where every ``if_`` condition holds must satisfy every ``require`` condition."""

    id: str
    if_: tuple[Condition, ...]
    require: tuple[Condition, ...]


@dataclass(frozen=True)
class Ratification:
    """An actor's domestic ratification vote, taken at signature when it is triggered: when, for some alternative
    of ``triggers`` (any-of), every one of its conditions holds (all-of); one alternative for a single mapping.

    ``p``: fixed probability of passing, or None for the logit model P = 1 / (1 + exp(−lam · (S − threshold)))
    (``lam`` per unit of utility, ``threshold`` a utility in [0, 1]), where S is the body's own support
    clip(Σ_o ``support``_o x_o, 0, 1) when ``support`` (O,) is given, else the actor's clipped utility.
    ``delay``: the rounds of ceasefire after signing before the vote is taken (:mod:`sim.engine.domestic`).
    ``needs_permanent_ceasefire``: the vote fails unless the package holds
    :attr:`Compiled.ceasefire_permanent <sim.core.compiled.Compiled.ceasefire_permanent>`.
    """

    actor: int
    body: str
    triggers: tuple[tuple[Condition, ...], ...]
    p: float | None
    lam: float
    threshold: float
    delay: int
    needs_permanent_ceasefire: bool
    support: FloatA | None = None


@dataclass(frozen=True)
class Interaction:
    """Adds ``value`` (utility units, in [−1, 1]) to actor ``actor``'s utility where every condition holds."""

    actor: int
    when: tuple[Condition, ...]
    value: float
