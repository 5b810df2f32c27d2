"""Counterfactual blame: the smallest change to a rejected offer that would make one actor accept it.

For actor i, offer x and level ℓ (its reservation value R_i when it voted), the counterfactual x' solves

    minimise   |{c : x'_c ≠ x_c}|                                  (the number of clauses changed)
    then       Σ_{j ∈ others} (U_j(x) − U_j(x'))                     (the others' utility loss, unclipped U)
    then       the first x' in ``itertools.product`` order            (a fixed, documented last tie-break)
    subject to clip(U_i(x'), 0, 1) ≥ ℓ, x' holds none of i's hard red lines, x' meets every cross-clause
               constraint of the scenario.

over *all* clauses (not only those of the agenda stage on the table). ``others`` are the actors whose loss
counts (the engine passes the other required actors). With no such x' the answer is ``None``: no change
would bring the actor to its reservation value.

Small spaces (at most :data:`ENUMERATION_LIMIT` packages) are solved exactly by enumerating changed-clause
subsets by size, every option combination of a subset at once; larger ones by two HiGHS MILPs on
:class:`sim.search.mip.PackageModel` (minimise the count Σ_c (1 − x_{c, x_c}), then fix it and minimise the
others' loss), the solution checked against the exact utilities.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np
from numpy.typing import NDArray

from sim.core.compiled import Compiled
from sim.core.utility import all_packages, feasible, raw_utilities, vetoes
from sim.search.mip import PackageModel

ENUMERATION_LIMIT = 200_000
"""Package spaces up to this size are solved by enumeration; larger ones by MILP."""

MARGIN = 1e-6
"""How far above ℓ the MILP is asked again when its first answer falls short of ℓ within its tolerance."""

IntA = NDArray[np.int64]


@dataclass(frozen=True)
class Counterfactual:
    """The counterfactual package ``package``, the clauses it changes (index → new local option), how many,
    the others' total utility loss and actor i's utility there; ``method``: ``enumeration`` or ``milp``."""

    package: IntA
    changes: dict[int, int]
    n_changed: int
    others_loss: float
    utility: float
    method: str

    def labels(self, cp: Compiled) -> dict[str, str]:
        """``{clause: new option}`` in clause order."""
        return {cp.clauses[c]: cp.options[c][o] for c, o in sorted(self.changes.items())}


def admissible(cp: Compiled, i: int, packages: IntA, level: float) -> NDArray[np.bool_]:
    """(N,) whether each package brings actor i to ``level`` without its hard red lines, and is feasible."""
    u = np.clip(raw_utilities(cp, packages)[i], 0.0, 1.0)
    return (u >= level) & ~vetoes(cp, packages)[i] & feasible(cp, packages)


def others_loss(cp: Compiled, x: IntA, packages: IntA, others: IntA) -> NDArray[np.float64]:
    """(N,) Σ_{j ∈ others} U_j(x) − U_j(x') (unclipped utilities)."""
    if len(others) == 0:
        return np.zeros(packages.shape[0])
    u = raw_utilities(cp, np.vstack([x[None, :], packages]))[others]
    return (u[:, :1] - u[:, 1:]).sum(axis=0)


def counterfactual(
    cp: Compiled, i: int, x: IntA, level: float, others: IntA | None = None, method: str = "auto"
) -> Counterfactual | None:
    """The counterfactual of actor i for offer ``x`` at ``level`` (module docstring); ``method``: ``auto``
    (enumeration up to :data:`ENUMERATION_LIMIT` packages), ``enumeration`` or ``milp``."""
    x = np.asarray(x, dtype=np.int64)
    others = np.asarray([] if others is None else others, dtype=np.int64)
    if method == "auto":
        method = "enumeration" if float(np.prod(cp.n_options.astype(float))) <= ENUMERATION_LIMIT else "milp"
    if method == "enumeration":
        return _enumerate(cp, i, x, level, others)
    if method == "milp":
        return _milp(cp, i, x, level, others)
    raise ValueError(f"method {method!r} is not one of auto, enumeration, milp")


def _result(cp: Compiled, i: int, x: IntA, xp: IntA, loss: float, method: str) -> Counterfactual:
    changes = {int(c): int(xp[c]) for c in np.flatnonzero(xp != x)}
    u = float(np.clip(raw_utilities(cp, xp[None, :])[i, 0], 0.0, 1.0))
    return Counterfactual(xp.copy(), changes, len(changes), float(loss), u, method)


def _enumerate(cp: Compiled, i: int, x: IntA, level: float, others: IntA) -> Counterfactual | None:
    """Subsets of clauses by size k = 0, 1, …; for each, every package changing exactly those clauses. The first
    k with an admissible package wins; among them the smallest loss, then the first in product order."""
    n = cp.n_clauses
    for k in range(n + 1):
        found: list[IntA] = []
        for subset in combinations(range(n), k):
            sub = list(subset)
            alternatives = cp.n_options[sub] - 1  # the options other than x_c, in each changed clause
            if (alternatives <= 0).any():
                continue
            grid = all_packages(alternatives) if k else np.zeros((1, 0), dtype=np.int64)
            cand = np.repeat(x[None, :], grid.shape[0], axis=0)
            if k:
                cand[:, sub] = grid + (grid >= x[sub][None, :])  # skip the offer's own option
            ok = admissible(cp, i, cand, level)
            if ok.any():
                found.append(cand[ok])
        if found:
            cands = np.vstack(found)
            loss = others_loss(cp, x, cands, others)
            flat = np.ravel_multi_index(cands.T, tuple(int(v) for v in cp.n_options))
            best = int(np.lexsort((flat, np.round(loss, 12)))[0])
            return _result(cp, i, x, cands[best], float(loss[best]), "enumeration")
    return None


def _milp(cp: Compiled, i: int, x: IntA, level: float, others: IntA) -> Counterfactual | None:
    """Two MILPs: the fewest changed clauses, then (that many fixed) the smallest loss of the others. HiGHS meets
    U_i ≥ ℓ only to its feasibility tolerance; a solution the exact utilities reject is solved again with ℓ
    raised by :data:`MARGIN`."""
    for bump in (0.0, MARGIN):
        best = _milp_once(cp, i, x, level + bump, others)
        if best is None:
            return None
        if admissible(cp, i, best[None, :], level)[0]:
            return _result(cp, i, x, best, float(others_loss(cp, x, best[None, :], others)[0]), "milp")
    return None


def _milp_once(cp: Compiled, i: int, x: IntA, level: float, others: IntA) -> IntA | None:
    if level > 1.0:
        return None
    model = PackageModel(cp)
    model.at_least(i, level)
    for j in np.flatnonzero(cp.hard[i]):
        model.forbid(int(j))
    keep = {int(cp.offsets[c] + x[c]): 1.0 for c in range(cp.n_clauses)}  # Σ_c x_{c, x_c} = C − changed
    pkg, _ = model.solve(keep, maximize=True)
    if pkg is None:
        return None
    kept = int(sum(pkg[c] == x[c] for c in range(cp.n_clauses)))
    model.add_row(keep, kept - 0.5, np.inf)
    gain: dict[int, float] = {}
    for j in others:
        for var, coef in model.utility(int(j)).items():
            gain[var] = gain.get(var, 0.0) + coef
    best, _ = model.solve(gain, maximize=True) if gain else (pkg, None)
    return pkg if best is None else best
