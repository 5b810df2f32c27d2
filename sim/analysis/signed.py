"""The signed packages at round 0: which packages would be signed, how many, and the same set as a MILP.

A package is signed, as :mod:`sim.analysis.evaluation` says, when every signatory's surplus U_i − R_i(0) ≥ −TOL
with none of its red lines (hard or soft) hit, every triggered approval rule passes (voters accepting at surplus
≥ −TOL with no hard red line hit: :func:`sim.core.utility.rule_passes_many`, the engine's test) and every constraint
holds; ratifications are not counted against it (they come after signing). The tolerance ``TOL`` is the searches' and
the analysis' (a score exactly at its minimum is at its reservation value, to rounding). These are the
*individually rational* packages of ``negsim analyze``.

``n_signed`` counts them exactly: by enumeration, in blocks of packages, when the space has at most
``ANALYSIS_ENUMERATION_LIMIT`` packages, else by the counting branch and bound of :mod:`sim.analysis.counting`
(exact when it finishes within its budget, else a lower and an upper bound, labelled so; a fifth of the budget
beyond ``BNB_MAX_SPACE`` packages).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.analysis.counting import count_signed
from sim.core.compiled import Compiled
from sim.core.tolerances import ANALYSIS_ENUMERATION_LIMIT, BNB_MAX_SPACE, TOL
from sim.core.utility import all_packages, feasible, rule_passes_many, triggered, utilities, vetoes
from sim.search.mip import PackageModel

BLOCK = 50_000


def signed_mask(cp: Compiled, packages: np.ndarray) -> np.ndarray:
    """(N,) whether each package of ``packages`` (N, C) is signed at round 0 (see the module docstring)."""
    R = cp.reservation(0)
    surplus = utilities(cp, packages) - R[:, None]
    hard = vetoes(cp, packages)
    accepts = (surplus >= -TOL) & ~hard
    flat = packages + cp.offsets[None, :]
    red = hard | (cp.penalty[:, flat] > 0).any(axis=2)
    sig = cp.signatory
    ok = feasible(cp, packages) & (surplus[sig] >= -TOL).all(axis=0) & ~red[sig].any(axis=0)
    trig = triggered(cp, packages)
    for r, rule in enumerate(cp.rules):
        if rule.kind != "ratification" and trig[r].any():
            ok &= ~trig[r] | rule_passes_many(rule, accepts)
    return ok


def signed_model(cp: Compiled, R: np.ndarray, skip_red_line: tuple[int, int] | None = None) -> PackageModel:
    """The packages with no signatory red line (hard or soft) hit and every triggered approval rule passing, as MILP
    rows; a caller adds clip(U_i, 0, 1) ≥ R_i (:meth:`PackageModel.at_least`) to make them the signed packages.
    ``skip_red_line``: (actor, clause) whose red line is left out (what would open a ZOPA)."""
    m = PackageModel(cp)
    for i in np.flatnonzero(cp.signatory):
        for j in np.flatnonzero(cp.hard[i] | (cp.penalty[i] > 0)):
            if skip_red_line is not None and (int(i), int(cp.clause_of[j])) == skip_red_line:
                continue
            m.forbid(int(j))
    m.approvals(R)
    return m


def n_signed(cp: Compiled) -> dict[str, Any]:
    """``{"n_signed": count or None, "n_signed_at_least": lo, "n_signed_at_most": hi, "n_packages": N,
    "n_signed_method": ...}`` (see the module docstring); ``n_signed`` is None only when the count is a bound."""
    total = cp.n_packages
    if total <= ANALYSIS_ENUMERATION_LIMIT:
        count = 0
        for start in range(0, total, BLOCK):
            count += int(signed_mask(cp, all_packages(cp.n_options, start, start + BLOCK)).sum())
        return _result(count, count, total, "enumeration")
    # beyond BNB_MAX_SPACE (Paris 2026) the bounds rarely prune: a fifth of the budget, the bounds said so
    budget = {} if total <= BNB_MAX_SPACE else {"max_nodes": 4_000, "max_leaf_packages": 240_000}
    lo, hi = count_signed(cp, signed_mask, **budget)
    method = "counting branch and bound" + ("" if lo == hi else ": budget reached, a lower and an upper bound")
    return _result(lo, hi, total, method)


def _result(lo: int, hi: int, total: int, method: str) -> dict[str, Any]:
    return {
        "n_signed": lo if lo == hi else None,
        "n_signed_at_least": lo,
        "n_signed_at_most": hi,
        "n_packages": total,
        "n_signed_method": method,
    }
