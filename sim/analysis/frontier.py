"""The whole Pareto frontier of the signatories over the signed (individually rational) packages.

S: the signatories; U_i(x) ∈ [0, 1] the engine's (clipped) utility; IR: the signed packages of
:mod:`sim.analysis.signed` (every U_i ≥ R_i(0) − TOL, no signatory red line, approvals pass, constraints hold).
A package x ∈ IR is *efficient* (Pareto 1906; Ehrgott, *Multicriteria Optimization*, 2005, def. 2.1) iff no
y ∈ IR has U_i(y) ≥ U_i(x) for every i ∈ S and U_j(y) > U_j(x) for some j ∈ S. Every efficient package is listed,
not only the *supported* ones (maximisers of a weighted sum Σ_i λ_i U_i, λ ≥ 0, the points on the convex hull:
what ``pareto`` held before, from a grid of weights). Packages with equal utility vectors are all efficient or
all not; ``count`` counts packages, ``vectors`` distinct utility vectors. Listed in decreasing Σ_i U_i (then
package order), at most ``max_listed``.

Two exact methods:

- *enumeration* (at most ``ANALYSIS_ENUMERATION_LIMIT`` packages): the signed packages of each block of 50,000,
  their non-dominated rows (:func:`sim.analysis.theory.pareto_mask`: sort-based, exact in floating point), merged
  with the frontier so far (the frontier of a union is the frontier of the blocks' frontiers). ``count`` is exact
  even when the list is truncated.
- *milp* (larger spaces): Sylva & Crema (2004), "A method for finding the set of non-dominated vectors for
  multiple objective integer linear programs", EJOR 158: maximise Σ_i U_i over IR packages not weakly dominated
  by any vector found so far (for each found p, one binary b_pi per signatory, Σ_i b_pi ≥ 1 and
  U_i ≥ p_i + δ − M (1 − b_pi)); each optimum is efficient and they come in decreasing Σ_i U_i; the packages
  sharing its vector are found by no-good cuts. Exact to δ = ``STEP`` (1e-7: two efficient vectors within δ of each
  other in every coordinate count as one) and HiGHS' tolerances. When ``max_listed`` is reached first,
  ``count`` is None with ``count_at_least`` (listed) and ``count_at_most`` (the number of signed packages, or
  its upper bound).

``supported`` (per listed package, when the whole frontier is known and has at most ``MAX_SUPPORTED`` packages):
whether some λ ≥ 0, Σ λ = 1, makes the vector a maximiser of λ·U over the frontier (one linear program per
distinct vector, scipy's HiGHS); ``frontier.supported`` counts the supported vectors.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.optimize import linprog

from sim.analysis.signed import BLOCK, signed_mask, signed_model
from sim.analysis.theory import pareto_mask
from sim.core.compiled import Compiled
from sim.core.tolerances import ANALYSIS_ENUMERATION_LIMIT, TOL
from sim.core.utility import all_packages, utilities

MAX_LISTED = 100
MAX_LISTED_MILP = 10
MAX_SUPPORTED = 64
STEP = 1e-7
AMONG = "signed packages (individually rational: every signatory U_i >= R_i(0), no red line, approvals pass)"


def frontier(
    cp: Compiled, n_signed_at_most: int | None, max_listed: int | None = None
) -> tuple[dict[str, Any], list[np.ndarray]]:
    """(summary, listed packages): see the module docstring. ``n_signed_at_most``: the bound for ``count_at_most``
    when the MILP stops at ``max_listed`` (default ``MAX_LISTED`` by enumeration, ``MAX_LISTED_MILP``, about
    0.3 s a package on Paris 2025, by MILP)."""
    sig = np.flatnonzero(cp.signatory)
    enumerate_ = cp.n_packages <= ANALYSIS_ENUMERATION_LIMIT
    if max_listed is None:
        max_listed = MAX_LISTED if enumerate_ else MAX_LISTED_MILP
    if enumerate_:
        summary, packages, U = _enumerated(cp, sig, max_listed)
    else:
        summary, packages, U = _milp(cp, sig, max_listed, n_signed_at_most)
    summary = {"among": AMONG, "max_listed": max_listed, **summary, "listed": len(packages)}
    complete = summary["count"] is not None
    if complete and 0 < len(U) <= MAX_SUPPORTED:
        flags = supported(U)
        summary["supported"] = len(np.unique(U[flags], axis=0))
        summary["supported_flags"] = flags[: len(packages)].tolist()
    else:
        summary["supported"] = 0 if complete and not len(U) else None
        summary["supported_flags"] = None
    return summary, packages


def _order(U: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Decreasing Σ_i U_i, then increasing package index."""
    return np.lexsort((index, -U.sum(axis=1)))


def _enumerated(cp: Compiled, sig: np.ndarray, max_listed: int):
    k = len(sig)
    front_U, front_i = np.empty((0, k)), np.empty(0, dtype=np.int64)
    for start in range(0, cp.n_packages, BLOCK):
        X = all_packages(cp.n_options, start, start + BLOCK)
        ok = np.flatnonzero(signed_mask(cp, X))
        if not len(ok):
            continue
        U = utilities(cp, X[ok])[sig].T
        local = pareto_mask(U)
        cand_U = np.vstack([front_U, U[local]])
        cand_i = np.concatenate([front_i, start + ok[local]])
        keep = pareto_mask(cand_U)
        front_U, front_i = cand_U[keep], cand_i[keep]
    order = _order(front_U, front_i)
    front_U, front_i = front_U[order], front_i[order]
    count = len(front_i)
    shown = front_i[:max_listed]
    packages = [all_packages(cp.n_options, int(j), int(j) + 1)[0] for j in shown]
    vectors = len(np.unique(front_U, axis=0)) if count else 0
    summary = {
        "method": "enumeration",
        "count": count,
        "count_at_least": count,
        "count_at_most": count,
        "vectors": vectors,
        "truncated": count > max_listed,
    }
    return summary, packages, front_U


def _milp(cp: Compiled, sig: np.ndarray, max_listed: int, n_signed_at_most: int | None):
    R = cp.reservation(0)
    m = signed_model(cp, R)
    for i in sig:
        m.at_least(int(i), float(R[i]))
    u = {int(i): m.clipped(int(i)) for i in sig}
    cost = {v: 1.0 for v in u.values()}
    packages: list[np.ndarray] = []
    vectors: list[np.ndarray] = []
    while True:
        pkg, _ = m.solve(cost)
        if pkg is None:
            complete = True
            break
        if len(packages) >= max_listed:  # one more efficient package exists
            complete = False
            break
        p = utilities(cp, pkg[None, :])[sig, 0]
        twins, exhausted = _twins(m, u, p, pkg, max_listed - len(packages))
        packages += twins
        vectors += [p] * len(twins)
        if not exhausted:
            complete = False
            break
        # the next vector is not weakly dominated by p: U_i ≥ p_i + δ for some i
        gates = {}
        for i, level in zip(sig, p, strict=True):
            if level + STEP > 1.0:
                continue
            b = m.add_var(0, 1, True)
            big = level + STEP - m.lb[u[int(i)]]
            m.add_row({u[int(i)]: 1.0, b: -big}, level + STEP - big, np.inf)
            gates[b] = 1.0
        if not gates:  # p is (1, …, 1): nothing else is efficient
            complete = True
            break
        m.add_row(gates, 1.0, np.inf)
    U = np.array(vectors).reshape(len(vectors), len(sig))
    count = len(packages) if complete else None
    summary = {
        "method": "milp (Sylva & Crema 2004)",
        "count": count,
        "count_at_least": len(packages),
        "count_at_most": len(packages) if complete else n_signed_at_most,
        "vectors": len(np.unique(U, axis=0)) if complete and len(U) else (0 if complete else None),
        "truncated": not complete,
    }
    return summary, packages, U


def _twins(m, u: dict[int, int], p: np.ndarray, pkg: np.ndarray, room: int) -> tuple[list[np.ndarray], bool]:
    """(``pkg`` and the other IR packages with utility vector p, at most ``room``; whether that is all of them),
    found by no-good cuts Σ_c x_{c, pkg_c} ≤ C − 1."""
    import copy  # lazy: only the MILP path copies the model

    t = copy.deepcopy(m)
    for var, level in zip(u.values(), p, strict=True):
        t.add_row({var: 1.0}, float(level) - TOL, np.inf)
    found = [pkg]
    while len(found) <= room:
        last = found[-1]
        cut = {int(t.compiled.offsets[c] + last[c]): 1.0 for c in range(t.compiled.n_clauses)}
        t.add_row(cut, -np.inf, t.compiled.n_clauses - 1)
        nxt, _ = t.solve({})
        if nxt is None:
            return found, True
        found.append(nxt)
    return found[:room], False


def supported(U: np.ndarray) -> np.ndarray:
    """(N,) whether each row of the frontier U (N, k) maximises λ·U over the rows for some λ ≥ 0, Σ λ = 1:
    max t s.t. λ·(U_p − U_q) ≥ t for every q; supported iff t ≥ −1e-12 (one LP per distinct row)."""
    rows, inverse = np.unique(U, axis=0, return_inverse=True)
    n, k = rows.shape
    flags = np.ones(n, dtype=bool)
    if n > 1:
        for a in range(n):
            diff = rows[a][None, :] - np.delete(rows, a, axis=0)  # λ·diff ≥ t
            A_ub = np.hstack([-diff, np.ones((n - 1, 1))])
            res = linprog(
                np.r_[np.zeros(k), -1.0],
                A_ub=A_ub,
                b_ub=np.zeros(n - 1),
                A_eq=np.r_[np.ones(k), 0.0][None, :],
                b_eq=[1.0],
                bounds=[(0, 1)] * k + [(None, None)],
                method="highs",
            )
            flags[a] = bool(res.status == 0 and -res.fun >= -1e-12)
    return flags[inverse.reshape(-1)]
