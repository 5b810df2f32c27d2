"""``n_signed``: the exact number of packages that would be signed at round 0 under the decision rules.

A package is signed, as :mod:`sim.analysis.evaluation` says, when every signatory's surplus U_i − R_i(0) ≥ −TOL
with none of its red lines (hard or soft) hit, every triggered approval rule passes (voters accepting at surplus
≥ −TOL with no hard red line hit: :func:`sim.core.utility.rule_passes_many`, the engine's test) and every constraint
holds; ratifications are not counted against it (they come after signing). The tolerance ``TOL`` is the searches' and
the analysis' (a score exactly at its minimum is at its reservation value, to rounding).

Counted by enumeration, in blocks of packages, when the space has at most ``ENUMERATION_LIMIT`` packages; a larger
space is not counted (``n_signed`` is None, with a note giving the size and the bound).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.core.compiled import Compiled
from sim.core.tolerances import ENUMERATION_LIMIT, TOL
from sim.core.utility import all_packages, feasible, rule_passes_many, triggered, utilities, vetoes

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


def n_signed(cp: Compiled) -> dict[str, Any]:
    """``{"n_signed": count or None, "n_packages": N, "n_signed_method": ...}`` (see the module docstring)."""
    total = cp.n_packages
    if total > ENUMERATION_LIMIT:
        return {
            "n_signed": None,
            "n_packages": total,
            "n_signed_method": f"not counted: {total:,} packages > ENUMERATION_LIMIT {ENUMERATION_LIMIT:,}",
        }
    count = 0
    for start in range(0, total, BLOCK):
        count += int(signed_mask(cp, all_packages(cp.n_options, start, start + BLOCK)).sum())
    return {"n_signed": count, "n_packages": total, "n_signed_method": "enumeration"}
