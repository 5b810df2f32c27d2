"""The trigger patterns of the ratification steps and their regions of the package space, as MILP rows.

A pattern says, for every step, whether it is off (not triggered), on (triggered, its preconditions held) or dead
(triggered without its precondition: p = 0); :func:`restrict` adds a pattern's region to a
:class:`sim.search.mip.PackageModel`. Used by the expected-value searches (:mod:`sim.search.expected`, module
docstring, 1–2; :mod:`sim.analysis.expected`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.core.compiled import Compiled
from sim.core.ratify import Step
from sim.core.tolerances import EV_MAX_STEPS
from sim.errors import UsageError
from sim.search.mip import PackageModel

MAX_STEPS = EV_MAX_STEPS
"""At most this many ratification steps (3^8 patterns) on spaces too large to enumerate."""

IntA = NDArray[np.int64]


@dataclass(frozen=True)
class Pattern:
    """Each step ``off``, ``on`` or ``dead`` (triggered without its precondition); ``constant`` P_π, the product of
    the fixed probabilities of the steps on (0 with a step dead); ``logit`` the step on whose probability depends
    on the package, if any."""

    state: tuple[str, ...]
    constant: float
    logit: int | None


def patterns(cp: Compiled) -> list[Pattern]:
    """Every trigger pattern of ``cp.steps`` (a step without a precondition is never dead)."""
    steps = cp.steps
    varying = [s.name for s in steps if not s.constant]
    if len(varying) > 1:
        raise UsageError(
            "protocol.mediator_objective: expected_value beyond enumeration takes at most one ratification whose "
            f"probability depends on the package (a logit model or a support table); this scenario has "
            f"{', '.join(varying)}: give them a fixed p, or use protocol.mediator_objective: max_min_surplus"
        )
    if len(steps) > MAX_STEPS:
        raise UsageError(
            f"protocol.mediator_objective: expected_value beyond enumeration takes at most {MAX_STEPS} ratification "
            f"steps (this scenario has {len(steps)}); use protocol.mediator_objective: max_min_surplus"
        )
    out = []
    for state in itertools.product(*[("off", "on", "dead") if s.needs else ("off", "on") for s in steps]):
        const, logit = 1.0, None
        for k, st in enumerate(state):
            if st == "dead":
                const = 0.0
            elif st == "on":
                p = steps[k].p
                if steps[k].constant:
                    const *= p if p is not None else 0.5  # λ = 0: σ(0)
                else:
                    logit = k
        out.append(Pattern(tuple(state), const, logit))
    return out


def restrict(m: PackageModel, steps: tuple[Step, ...], pattern: Pattern) -> bool:
    """Add the pattern's region to ``m`` (options forbidden, "not all of these conditions" rows, and for a step
    triggered by any of several alternatives binary indicators, :func:`_any_of`); False when a clause is left
    without an option or a step that cannot be off is off (the region is empty: nothing to solve)."""
    for step, st in zip(steps, pattern.state, strict=True):
        if st == "off":
            if any(not alt for alt in step.triggers):
                return False  # an alternative without conditions always holds
            for alt in step.triggers:
                _not_all(m, alt)
        else:
            if len(step.triggers) == 1:
                for cond in step.triggers[0]:
                    _only(m, cond.clause, cond.allowed)
            else:
                _any_of(m, step.triggers)
            if st == "on":
                for cond in step.needs:
                    _only(m, cond.clause, cond.allowed)
            else:
                _not_all(m, step.needs)
    ub = np.asarray(m.ub[: m.n_x])
    return all(ub[list(m.clause_vars(c))].any() for c in range(m.compiled.n_clauses))


def _only(m: PackageModel, clause: int, allowed: NDArray[np.bool_]) -> None:
    for k, j in enumerate(m.clause_vars(clause)):
        if not allowed[k]:
            m.forbid(j)


def _not_all(m: PackageModel, conds) -> None:
    """Not every one of ``conds`` holds: one condition forbids its options, more add Σ_k s_k ≤ K − 1."""
    if len(conds) == 1:
        _only(m, conds[0].clause, ~conds[0].allowed)
    elif conds:
        row: dict[int, float] = {}
        for cond in conds:
            for j, v in m.cond_terms(cond).items():
                row[j] = row.get(j, 0.0) + v
        m.add_row(row, -np.inf, len(conds) - 1)


def _any_of(m: PackageModel, alternatives) -> None:
    """Some alternative has all its conditions hold: a binary b_a per alternative with b_a ≤ s_c for each of its
    conditions c (s_c = Σ of the x its condition allows, 0 or 1) and Σ_a b_a ≥ 1; an alternative without
    conditions always holds (no row)."""
    if any(not alt for alt in alternatives):
        return
    total: dict[int, float] = {}
    for alt in alternatives:
        b = m.add_var(0.0, 1.0, integer=True)
        total[b] = 1.0
        for cond in alt:
            m.add_row({b: 1.0, **m.cond_terms(cond, -1.0)}, -np.inf, 0.0)
    m.add_row(total, 1.0, np.inf)


def support_terms(m: PackageModel, step: Step) -> dict[int, float]:
    """L(x) of a step whose probability varies: its support table over x, or its actor's utility (x and y)."""
    if step.support is not None:
        nz = np.flatnonzero(step.support)
        return dict(zip(nz.tolist(), step.support[nz].tolist(), strict=True))
    return m.utility(step.actor)


def support_range(m: PackageModel, step: Step) -> tuple[float, float]:
    """Bounds of L(x) over the whole space."""
    if step.actor >= 0:
        return float(m.u_lo[step.actor]), float(m.u_hi[step.actor])
    cp, sup = m.compiled, step.support
    assert sup is not None
    lo = sum(float(sup[list(m.clause_vars(c))].min()) for c in range(cp.n_clauses))
    hi = sum(float(sup[list(m.clause_vars(c))].max()) for c in range(cp.n_clauses))
    return lo, hi


def linear_at(m: PackageModel, terms: dict[int, float], pkg: IntA) -> float:
    """The value of a linear form over x (and y: interactions that hold) at a package."""
    cp = m.compiled
    v = np.zeros(m.n)
    v[pkg + cp.offsets] = 1.0
    for t, it in enumerate(cp.interactions):
        v[m.y0 + t] = float(all(cond.allowed[pkg[cond.clause]] for cond in it.when))
    return float(sum(c * v[j] for j, c in terms.items()))
