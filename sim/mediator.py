"""Choosing the package to put on the table: exact search by enumeration (small spaces) or MILP (large).

Rules (the proposer's objective):

- ``max_min_surplus`` (the mediator's single negotiating text, Fisher's one-text procedure, REPORT §C.10; also a
  proposer under alternating offers): maximise min_i (U_i(x) − a_i) over the required actors (signatories and the
  voters of every approval rule the package triggers), subject to their hard red lines, QMV thresholds and the
  cross-clause constraints; ties broken towards the largest mean utility of the required actors, then the lowest
  package index. A proposer under alternating offers must also reach its own aspiration.
- ``max_product`` (benchmark W1): among packages at or above the proposer's aspiration, the largest product of the
  other required actors' utilities (enumeration only).

Both searches are exact: enumeration scores every package of the free clauses; the MILP (:mod:`sim.milp`) is
solved to optimality by HiGHS. ``ENUMERATION_LIMIT`` decides which one runs under ``protocol.search: auto``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .compiled import Compiled
from .errors import UsageError
from .milp import EPS_TIE, solve_maxmin
from .utility import all_packages, feasible, raw_utilities, triggered, vetoes

ENUMERATION_LIMIT = 300_000
TOL = 1e-9


class Space:
    """The packages of the free clauses (others fixed at ``base``), enumerated once and kept."""

    def __init__(self, cp: Compiled, free: NDArray[np.bool_], base: NDArray[np.int64]):
        sub = all_packages(np.where(free, cp.n_options, 1))
        packages = np.where(free[None, :], sub, base[None, :])
        self.packages = packages
        self.veto = vetoes(cp, packages)  # (A, N)
        self.ok = feasible(cp, packages)  # (N,)
        self.trig = triggered(cp, packages)  # (R, N)
        self._values_id: int | None = None
        self._u: NDArray[np.float64] | None = None

    def utilities(self, cp: Compiled, values: NDArray[np.float64]) -> NDArray[np.float64]:
        if self._values_id != id(values) or self._u is None:
            self._u = raw_utilities(cp, self.packages, values)
            self._values_id = id(values)
        return self._u


def space_size(cp: Compiled, free: NDArray[np.bool_]) -> int:
    return int(np.prod(np.where(free, cp.n_options, 1).astype(object)))


def enumerate_best(
    cp: Compiled,
    space: Space,
    values: NDArray[np.float64],
    aspiration: NDArray[np.float64],
    required: NDArray[np.bool_],
    self_floor: int | None = None,
    rule: str = "max_min_surplus",
) -> tuple[NDArray[np.int64] | None, float]:
    """Exact search over an enumerated space; returns (package, score) or (None, −inf)."""
    U = space.utilities(cp, values)
    surplus = U - aspiration[:, None]
    ok = space.ok.copy()
    ok &= ~space.veto[required].any(axis=0)
    if self_floor is not None:
        ok &= surplus[self_floor] >= -TOL
    others = required.copy()
    if self_floor is not None:
        others[self_floor] = False
    score = surplus[others].min(axis=0) if others.any() else np.zeros(U.shape[1])
    for r, rl in enumerate(cp.rules):
        if rl.kind == "ratification":
            continue
        t = space.trig[r]
        if not t.any():
            continue
        voters = rl.voters
        if rl.kind in ("unanimity", "contributors"):
            extra = voters[~required[voters]]
            if len(extra):
                score = np.where(t, np.minimum(score, surplus[extra].min(axis=0)), score)
                ok &= ~(t & space.veto[extra].any(axis=0))
        else:
            yes = (surplus[voters] >= -TOL) & ~space.veto[voters]
            m = (rl.members[:, None] * yes).sum(axis=0) >= rl.member_share * rl.members.sum() - TOL
            p = (rl.population[:, None] * yes).sum(axis=0) >= rl.population_share * rl.population.sum() - TOL
            ok &= ~t | (m & p)
    if not ok.any():
        return None, -np.inf
    if rule == "max_product":
        prod = np.prod(np.clip(U[others], 0.0, 1.0), axis=0) if others.any() else np.zeros(U.shape[1])
        key = np.where(ok, prod, -np.inf)
        best = int(np.argmax(key >= key.max() - TOL))
        return space.packages[best].copy(), float(score[best])
    tie = EPS_TIE * U[others].mean(axis=0) if others.any() else 0.0
    key = np.where(ok, score + tie, -np.inf)
    best = int(np.argmax(key >= key.max() - TOL))
    return space.packages[best].copy(), float(score[best])


class Searcher:
    """Finds proposals for one compiled scenario, caching enumerated spaces and MILP answers."""

    def __init__(self, cp: Compiled, mode: str = "auto"):
        self.cp = cp
        self.mode = mode
        self._spaces: dict[tuple[bytes, bytes], Space] = {}
        self._memo: dict[tuple, tuple[NDArray[np.int64] | None, float]] = {}

    def propose(
        self,
        values: NDArray[np.float64],
        aspiration: NDArray[np.float64],
        required: NDArray[np.bool_],
        free: NDArray[np.bool_],
        base: NDArray[np.int64],
        self_floor: int | None = None,
        rule: str = "max_min_surplus",
        values_key: object = None,
    ) -> tuple[NDArray[np.int64] | None, float]:
        cp = self.cp
        size = space_size(cp, free)
        use_enum = self.mode == "enumerate" or (self.mode == "auto" and size <= ENUMERATION_LIMIT)
        if rule == "max_product" and not use_enum:
            raise UsageError(
                f"offer_rule max_product needs enumeration, but the space has {size:,} packages "
                f"(limit {ENUMERATION_LIMIT:,}); use protocol.offer_rule: max_min_surplus"
            )
        if use_enum and size > 20 * ENUMERATION_LIMIT:
            raise UsageError(
                f"protocol.search: enumerate over {size:,} packages is too large; use auto or milp"
            )
        key = (
            values_key,
            np.round(aspiration, 12).tobytes(),
            required.tobytes(),
            free.tobytes(),
            base.tobytes(),
            self_floor,
            rule,
        )
        if values_key is not None and key in self._memo:
            pkg, score = self._memo[key]
            return (None if pkg is None else pkg.copy()), score
        if use_enum:
            skey = (free.tobytes(), base.tobytes())
            space = self._spaces.get(skey)
            if space is None:
                space = self._spaces[skey] = Space(cp, free, base)
            out = enumerate_best(cp, space, values, aspiration, required, self_floor, rule)
        else:
            out = solve_maxmin(cp, values, aspiration, required, free, base, self_floor)
        if values_key is not None:
            self._memo[key] = out
        return out
