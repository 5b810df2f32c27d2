"""Ratification after signing (Putnam 1988, REPORT §B.4, §C.8): which steps a package triggers and how likely each is
to pass, the one model that the engine draws from, the searches maximise over and the analyses report.

A *step* is an actor's domestic ratification (``actors.X.ratification``) or a ``ratification`` approval rule, in that
order (the engine's order of draws). Step k is triggered by package x when, for some alternative a of its triggers,
every condition of a holds: T_k(x) = ∨_a ∧_{c ∈ a} [x_c ∈ allowed_c] (an actor's ``triggers`` mapping is one
alternative, a list of mappings one alternative each; a rule has one alternative, its clause taking a triggering
option), and then passes with

- p_k(x) = 0 when it needs the permanent ceasefire (``preconditions.martial_law_lifted``) and x does not hold it;
- else p_k, when the step gives a fixed probability;
- else σ(λ_k (S_k(x) − θ_k)) = 1 / (1 + exp(−λ_k (S_k(x) − θ_k))), where the support S_k(x) is the body's own table,
  clip(Σ_c table_c(x_c), 0, 1), when it has one, and otherwise the ratifying actor's utility clip(U_i(x), 0, 1).

The probability that a package is ratified is P(x) = Π_{k triggered by x} p_k(x) (the engine draws the steps
independently), and 1 when it triggers none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from sim.core.curves import logit_accept
from sim.core.parts import Condition, FloatA, Ratification, Rule
from sim.core.tolerances import EV_FAIL

if TYPE_CHECKING:
    from sim.core.compiled import Compiled


@dataclass(frozen=True)
class Step:
    """One ratification step (see the module docstring).

    - ``name``: ``ACTOR:body`` for an actor's ratification, the body (or the rule's label) for a rule;
    - ``rule``: the index of the rule in ``Compiled.rules``, −1 for an actor's ratification;
    - ``actor``: the actor whose utility is the support (−1 when the step has ``p`` or a ``support`` table);
    - ``triggers``: the alternatives, any one of which triggers the step, each a tuple of conditions that must all
      hold; ``needs``: conditions without which it fails (p = 0);
    - ``p``: a fixed probability, or None for the logit of the support; ``support``: (O,) the body's table;
    - ``lam``, ``threshold``: λ and θ of the logit.
    """

    name: str
    rule: int
    actor: int
    triggers: tuple[tuple[Condition, ...], ...]
    needs: tuple[Condition, ...]
    p: float | None
    support: FloatA | None
    lam: float
    threshold: float

    @property
    def constant(self) -> bool:
        """Whether the probability is the same for every package that triggers it (given ``needs``)."""
        return self.p is not None or self.lam == 0.0


def build_steps(
    ratifications: tuple[Ratification, ...], rules: tuple[Rule, ...], permanent: tuple[Condition, ...], actors
) -> tuple[Step, ...]:
    """The steps of a compiled scenario: the actors' ratifications, then the ratification rules."""
    out = []
    for rat in ratifications:
        needs = permanent if rat.needs_permanent_ceasefire else ()
        by_utility = rat.p is None and rat.support is None
        out.append(
            Step(
                f"{actors[rat.actor]}:{rat.body}",
                -1,
                rat.actor if by_utility else -1,
                rat.triggers,
                needs,
                rat.p,
                rat.support,
                rat.lam,
                rat.threshold,
            )
        )
    for r, rule in enumerate(rules):
        if rule.kind == "ratification":
            p = None if rule.support is not None else rule.p
            cond = ((Condition(rule.clause, rule.trigger),),)
            out.append(Step(rule.body or rule.label, r, -1, cond, (), p, rule.support, rule.lam, rule.threshold))
    return tuple(out)


def _holds(conds: tuple[Condition, ...], packages: NDArray[np.int64]) -> NDArray[np.bool_]:
    ok = np.ones(packages.shape[0], dtype=bool)
    for cond in conds:
        ok &= cond.allowed[packages[:, cond.clause]]
    return ok


def triggered_by(alternatives: tuple[tuple[Condition, ...], ...], packages: NDArray[np.int64]) -> NDArray[np.bool_]:
    """(N,) whether some alternative has every one of its conditions hold (any-of of all-of)."""
    ok = _holds(alternatives[0], packages)
    for alt in alternatives[1:]:
        ok |= _holds(alt, packages)
    return ok


def support_of(cp: Compiled, step: Step, packages: NDArray[np.int64], utility: FloatA) -> FloatA:
    """(N,) S_k(x): the body's table clip(Σ table, 0, 1), or the actor's clipped utility (``utility`` (A, N),
    clipped or not)."""
    if step.support is not None:
        return np.clip(step.support[packages + cp.offsets[None, :]].sum(axis=1), 0.0, 1.0)
    return np.clip(utility[step.actor], 0.0, 1.0)


def step_probabilities(cp: Compiled, packages: NDArray[np.int64], utility: FloatA) -> tuple[NDArray[np.bool_], FloatA]:
    """((K, N) triggered, (K, N) p_k(x)) of every step for packages (N, C) with utilities (A, N)."""
    K, N = len(cp.steps), packages.shape[0]
    trig = np.zeros((K, N), dtype=bool)
    prob = np.ones((K, N))
    for k, step in enumerate(cp.steps):
        trig[k] = triggered_by(step.triggers, packages)
        if step.p is not None:
            prob[k] = step.p
        else:
            prob[k] = logit_accept(support_of(cp, step, packages, utility) - step.threshold, step.lam)
        if step.needs:
            prob[k] = np.where(_holds(step.needs, packages), prob[k], 0.0)
    return trig, prob


def pass_probability(cp: Compiled, packages: NDArray[np.int64], utility: FloatA) -> FloatA:
    """(N,) P(x) = Π_{k triggered by x} p_k(x), 1 where no step is triggered."""
    if not cp.steps:
        return np.ones(packages.shape[0])
    trig, prob = step_probabilities(cp, packages, utility)
    return np.where(trig, prob, 1.0).prod(axis=0)


def expected_value(score: FloatA, prob: FloatA) -> FloatA:
    """The mediator's expected value of packages with smallest surplus s and ratification probability P: the
    expected smallest surplus of the lottery "ratified with P, else failed", a failure counting as the worst surplus
    ``EV_FAIL`` = −1 (an actor given nothing it asks for): EV = P · s + (1 − P) · (−1) = P (s + 1) − 1. It rises with
    s (P > 0) and with P (s > −1), equals s at P = 1 (the max–min rule) and −1 at P = 0, so a text sure to fail is
    never preferred to one that can pass with a surplus above −1.

    >>> [float(v) for v in expected_value(np.array([0.0, -0.1, 0.2]), np.array([0.0, 1.0, 0.5]))]
    [-1.0, -0.1, -0.4]
    """
    return prob * (score - EV_FAIL) + EV_FAIL
