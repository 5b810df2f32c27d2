"""Choosing the package to put on the table: exact search by enumeration (small spaces) or MILP (large).

Rules (the proposer's objective):

- ``max_min_surplus`` (the mediator's single negotiating text, Fisher's one-text procedure, REPORT §C.10; also a
  proposer under alternating offers): maximise min_i (U_i(x) − a_i) over the required actors (signatories and the
  voters of every approval rule the package triggers), subject to their hard red lines, QMV thresholds and the
  cross-clause constraints; ties broken towards the largest mean utility of the required actors, then the lowest
  package index. A proposer under alternating offers must also reach its own aspiration.
- ``max_product`` (benchmark W1): among packages at or above the proposer's aspiration, the largest product of the
  other required actors' utilities (enumeration only).
- ``expected_value`` (the default with ratifications, :func:`sim.core.compiled.default_objective`; Putnam 1988,
  REPORT §C.8, §C.10):
  maximise EV(s(x), P(x)) + ε · mean U, s the max–min score above, P(x) the probability that every ratification x
  triggers passes (:mod:`sim.core.ratify`), EV = P (s + 1) − 1 (a failure counting as surplus −1); by
  enumeration, or beyond it by trigger patterns and MILPs (:mod:`sim.search.expected`), both exact.

All searches are exact: enumeration (:mod:`sim.search.enumeration`) scores every package of the free clauses;
branch and bound (:mod:`sim.search.bnb`) gives the enumeration's answer without enumerating; the MILP
(:mod:`sim.search.milp`) is solved to optimality by HiGHS. Under ``protocol.search: auto``, spaces of at most
``ENUMERATION_LIMIT`` packages are enumerated, larger ones (up to ``BNB_MAX_SPACE``, max–min only) go to branch and
bound and, when it gives up, to the MILP; ``enumerate`` always enumerates (up to 20 × ``ENUMERATION_LIMIT``),
``milp`` always solves the MILP. Each proposal is one :class:`sim.search.problem.SearchProblem`; every search
answers a :class:`sim.search.problem.SearchResult`.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from numpy.typing import NDArray

from sim.core.compiled import Compiled
from sim.core.tolerances import BNB_MAX_SPACE, ENUMERATION_LIMIT
from sim.errors import UsageError
from sim.search.bnb import attempt, branch_and_bound
from sim.search.enumeration import Space, enumerate_best, expected_keys, space_size
from sim.search.expected import solve_expected
from sim.search.milp import solve_maxmin
from sim.search.problem import SearchProblem, SearchResult

__all__ = [
    "ENUMERATION_LIMIT",
    "SearchProblem",
    "SearchResult",
    "Searcher",
    "Space",
    "branch_and_bound",
    "enumerate_best",
    "space_size",
]


class Searcher:
    """Finds proposals for one compiled scenario, caching enumerated spaces and answers.

    ``mode``: ``protocol.search`` (``auto``, ``enumerate`` or ``milp``)."""

    def __init__(self, compiled: Compiled, mode: str = "auto"):
        self.compiled = compiled
        self.mode = mode
        self._spaces: dict[tuple[bytes, bytes], Space] = {}
        self._memo: dict[tuple, SearchResult] = {}

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
    ) -> SearchResult:
        """The best package of the free clauses (see :class:`SearchProblem` for the arguments).

        ``values_key``: when not None, names ``values`` (the same key always comes with the same values), and the
        answer is kept under it, the aspirations (rounded to 12 decimals), ``required``, ``free``, ``base``,
        ``self_floor`` and ``rule``. Raises :class:`UsageError` when ``max_product`` meets a space too large to
        enumerate, or ``search: enumerate`` a space over 20 × ``ENUMERATION_LIMIT``."""
        key = (
            values_key,
            np.round(aspiration, 12).tobytes(),
            required.tobytes(),
            free.tobytes(),
            base.tobytes(),
            self_floor,
            rule,
        )
        if values_key is not None and key in self._memo:  # the same problem was searched (and accepted) before
            return self._memo[key].copy()
        problem = SearchProblem(self.compiled, values, aspiration, required, free, base, self_floor, rule)
        size = space_size(self.compiled, free)
        use_enum = self._use_enumeration(problem, size)
        out = self._enumerate(problem) if use_enum else self._large(problem, size)
        if values_key is not None:
            self._memo[key] = out
        return out

    def _use_enumeration(self, problem: SearchProblem, size: int) -> bool:
        """Whether this problem (of ``size`` packages) is enumerated, or refused (see :meth:`propose`)."""
        use_enum = self.mode == "enumerate" or (self.mode == "auto" and size <= ENUMERATION_LIMIT)
        if problem.rule == "max_product" and not use_enum:
            raise UsageError(
                f"offer_rule max_product needs enumeration, but the space has {size:,} packages "
                f"(limit {ENUMERATION_LIMIT:,}); use protocol.offer_rule: max_min_surplus"
            )
        if use_enum and size > 20 * ENUMERATION_LIMIT:
            raise UsageError(
                f"protocol.search: enumerate over {size:,} packages is too large "
                f"(at most {20 * ENUMERATION_LIMIT:,}); use auto or milp"
            )
        return use_enum

    def _enumerate(self, problem: SearchProblem) -> SearchResult:
        """Enumeration over the space of (free, base), built once and kept."""
        skey = (problem.free.tobytes(), problem.base.tobytes())
        space = self._spaces.get(skey)
        if space is None:
            space = self._spaces[skey] = Space(self.compiled, problem.free, problem.base)
        return enumerate_best(problem, space)

    def _large(self, problem: SearchProblem, size: int) -> SearchResult:
        """Branch and bound (``auto``, max–min, at most ``BNB_MAX_SPACE`` packages), else the MILP (started from
        the branch and bound's best package when it gave up); under ``expected_value``, the trigger patterns'
        MILPs (:mod:`sim.search.expected`), and the max–min search only when they find no package."""
        if problem.rule == "expected_value":

            def maxmin() -> SearchResult:
                return self._large(replace(problem, rule="max_min_surplus"), size)

            return solve_expected(problem, maxmin, lambda pkg: _expected_key(problem, pkg))
        out, start = None, None
        if self.mode != "milp" and problem.rule == "max_min_surplus" and size <= BNB_MAX_SPACE:
            out, start = attempt(problem)
        return solve_maxmin(problem, start) if out is None else out


def _expected_key(problem: SearchProblem, package: NDArray[np.int64]) -> tuple[float, float]:
    """(the ``expected_value`` key, the min surplus) of one package, as the enumeration scores it."""
    key, score = expected_keys(problem, Space.of(problem.compiled, package[None, :]))
    return float(key[0]), float(score[0])
