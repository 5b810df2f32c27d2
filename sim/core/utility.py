"""Utilities, vetoes, constraints and approval triggers of many packages at once (pure numpy).

U_i(x) = clip(Σ_c w_ic · v_ic(x_c) + Σ_k [x ∈ when_k] · value_k − Σ_c penalty_i(x_c), 0, 1): additive
multi-attribute utility (Keeney & Raiffa 1976) with pairwise interaction terms (REPORT §A.21) and soft
red-line penalties; hard red lines are vetoes, reported separately by :func:`vetoes`.
Packages are an (N, C) integer array of local option indices.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from sim.core.compiled import Compiled, Condition

FloatA = NDArray[np.float64]
BoolA = NDArray[np.bool_]


def holds(conds: tuple[Condition, ...], packages: NDArray[np.int64]) -> BoolA:
    """(N,) true where every condition holds."""
    ok = np.ones(packages.shape[0], dtype=bool)
    for cond in conds:
        ok &= cond.allowed[packages[:, cond.clause]]
    return ok


def raw_utilities(cp: Compiled, packages: NDArray[np.int64], values: FloatA | None = None) -> FloatA:
    """(A, N) utilities before clipping; ``values`` replaces ``cp.wvalues`` (e.g. a mediator's beliefs)."""
    wv = cp.wvalues if values is None else values
    flat = packages + cp.offsets[None, :]
    u = np.zeros((wv.shape[0], packages.shape[0]))
    pen = cp.penalty.any()
    for c in range(packages.shape[1]):
        u += wv[:, flat[:, c]]
        if pen:
            u -= cp.penalty[:, flat[:, c]]
    for it in cp.interactions:
        u[it.actor] += it.value * holds(it.when, packages)
    return u


def grid_utilities(cp: Compiled, free: NDArray[np.bool_], base: NDArray[np.int64], values: FloatA) -> FloatA:
    """:func:`raw_utilities` of every package of the free clauses (others at ``base``), in ``itertools.product``
    order, without gathering: an outer sum built clause by clause, with the same additions in the same order
    (so the same floating-point numbers) as :func:`raw_utilities` of :func:`all_packages`."""
    pen = cp.penalty.any()
    u = np.zeros((values.shape[0], 1))
    for c in range(cp.n_clauses):
        cols = cp.offsets[c] + (np.arange(cp.n_options[c]) if free[c] else base[c : c + 1])
        u3 = u[:, :, None] + values[:, None, cols]
        if pen:
            u3 -= cp.penalty[:, None, cols]
        u = u3.reshape(values.shape[0], -1)
    if cp.interactions:
        sub = all_packages(np.where(free, cp.n_options, 1))
        packages = np.where(free[None, :], sub, base[None, :])
        for it in cp.interactions:
            u[it.actor] += it.value * holds(it.when, packages)
    return u


def utilities(cp: Compiled, packages: NDArray[np.int64], values: FloatA | None = None) -> FloatA:
    """(A, N) utilities in [0, 1]."""
    return np.clip(raw_utilities(cp, packages, values), 0.0, 1.0)


def vetoes(cp: Compiled, packages: NDArray[np.int64]) -> BoolA:
    """(A, N) true where a package hits one of the actor's hard red lines."""
    out = np.zeros((cp.n_actors, packages.shape[0]), dtype=bool)
    if not cp.hard.any():
        return out
    flat = packages + cp.offsets[None, :]
    for c in range(packages.shape[1]):
        out |= cp.hard[:, flat[:, c]]
    return out


def red_lines_hit(cp: Compiled, x: NDArray[np.int64], actor: int) -> list[str]:
    """``clause=option`` labels of the red lines (hard or soft) of ``actor`` that package ``x`` hits."""
    flat = x + cp.offsets
    return [
        f"{cp.clauses[c]}={cp.options[c][int(x[c])]}"
        for c in range(cp.n_clauses)
        if cp.hard[actor, flat[c]] or cp.penalty[actor, flat[c]] > 0
    ]


def feasible(cp: Compiled, packages: NDArray[np.int64]) -> BoolA:
    """(N,) true where every cross-clause constraint holds."""
    ok = np.ones(packages.shape[0], dtype=bool)
    for con in cp.constraints:
        ok &= ~holds(con.if_, packages) | holds(con.require, packages)
    return ok


def violated(cp: Compiled, x: NDArray[np.int64]) -> list[str]:
    """Ids of the constraints that package ``x`` breaks."""
    p = x[None, :]
    return [con.id for con in cp.constraints if holds(con.if_, p)[0] and not holds(con.require, p)[0]]


def triggered(cp: Compiled, packages: NDArray[np.int64]) -> BoolA:
    """(R, N) true where approval rule r is triggered."""
    out = np.zeros((len(cp.rules), packages.shape[0]), dtype=bool)
    for r, rule in enumerate(cp.rules):
        out[r] = rule.trigger[packages[:, rule.clause]]
    return out


def rule_passes(rule, accepts: BoolA) -> bool:
    """Whether an approval rule passes given which actors accept (``accepts`` is (A,) bool).

    Unanimity and contributors: every voter accepts. QMV: accepting voters hold ≥ member_share of the
    member-state weight and ≥ population_share of the population (TEU art. 16(4)). k_of_n: at least k voters
    accept, the vetoes among them. Ratification rules are
    probabilistic and decided elsewhere (always True here).
    """
    if rule.kind in ("unanimity", "contributors"):
        return bool(accepts[rule.voters].all())
    if rule.kind == "k_of_n":
        yes = accepts[rule.voters]
        return bool(yes.sum() >= rule.k and yes[rule.veto].all())
    if rule.kind == "qmv":
        yes = accepts[rule.voters]
        m = rule.members[yes].sum() / max(rule.members.sum(), 1e-12)
        pop = rule.population[yes].sum() / max(rule.population.sum(), 1e-12)
        return bool(m >= rule.member_share - 1e-12 and pop >= rule.population_share - 1e-12)
    return True


def rule_passes_many(rule, accepts: BoolA) -> BoolA:
    """:func:`rule_passes` for many packages at once: ``accepts`` is (A, N) bool, the result (N,) bool."""
    yes = accepts[rule.voters]
    if rule.kind in ("unanimity", "contributors"):
        return yes.all(axis=0)
    if rule.kind == "k_of_n":
        return (yes.sum(axis=0) >= rule.k) & yes[rule.veto].all(axis=0)
    if rule.kind == "qmv":
        m = (rule.members[:, None] * yes).sum(axis=0) / max(rule.members.sum(), 1e-12)
        pop = (rule.population[:, None] * yes).sum(axis=0) / max(rule.population.sum(), 1e-12)
        return (m >= rule.member_share - 1e-12) & (pop >= rule.population_share - 1e-12)
    return np.ones(accepts.shape[1], dtype=bool)


def all_packages(n_options: NDArray[np.int64], start: int = 0, stop: int | None = None) -> NDArray[np.int64]:
    """Packages ``start … stop−1`` in ``itertools.product`` order (last clause fastest), as (N, C)."""
    total = int(np.prod(n_options))
    stop = total if stop is None else min(stop, total)
    idx = np.arange(start, stop, dtype=np.int64)
    return np.stack(np.unravel_index(idx, tuple(int(k) for k in n_options)), axis=1).astype(np.int64)
