"""Choosing the package to put on the table: exact search by enumeration (small spaces) or MILP (large).

Rules (the proposer's objective):

- ``max_min_surplus`` (the mediator's single negotiating text, Fisher's one-text procedure, REPORT §C.10; also a
  proposer under alternating offers): maximise min_i (U_i(x) − a_i) over the required actors (signatories and the
  voters of every approval rule the package triggers), subject to their hard red lines, QMV thresholds and the
  cross-clause constraints; ties broken towards the largest mean utility of the required actors, then the lowest
  package index. A proposer under alternating offers must also reach its own aspiration.
- ``max_product`` (benchmark W1): among packages at or above the proposer's aspiration, the largest product of the
  other required actors' utilities (enumeration only).

Both searches are exact: enumeration scores every package of the free clauses; the MILP (:mod:`sim.search.milp`) is
solved to optimality by HiGHS. ``ENUMERATION_LIMIT`` decides which one runs under ``protocol.search: auto``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim.core.compiled import Compiled
from sim.core.tolerances import BNB_MAX_SPACE, ENUMERATION_LIMIT
from sim.errors import UsageError
from sim.search.bnb import branch_and_bound
from sim.search.enumeration import Space, enumerate_best, space_size
from sim.search.milp import solve_maxmin

__all__ = ["ENUMERATION_LIMIT", "Searcher", "Space", "branch_and_bound", "enumerate_best", "space_size"]


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
                f"protocol.search: enumerate over {size:,} packages is too large "
                f"(at most {20 * ENUMERATION_LIMIT:,}); use auto or milp"
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
            out = None
            if self.mode != "milp" and rule == "max_min_surplus" and size <= BNB_MAX_SPACE:
                out = branch_and_bound(cp, values, aspiration, required, free, base, self_floor)
            if out is None:
                out = solve_maxmin(cp, values, aspiration, required, free, base, self_floor)
        if values_key is not None:
            self._memo[key] = out
        return out
