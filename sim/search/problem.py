"""What one search is asked (:class:`SearchProblem`) and what it answers (:class:`SearchResult`).

The three exact searches (enumeration, branch and bound, the MILP) take the same problem and return the same result
type; :class:`sim.search.searcher.Searcher` builds the problem once per proposal and picks the search.

Notation of the docstrings: U_i(x) the (linear, unclipped) utility of actor i for package x, a_i its aspiration,
s_i(x) = U_i(x) − a_i its surplus, S the *counted* actors (the required ones minus the proposer, whose utility is a
floor, not part of the score).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from sim.core.compiled import Compiled

Method = Literal["enumeration", "branch_and_bound", "milp"]


@dataclass(frozen=True, eq=False)
class SearchProblem:
    """One proposal to find: the package of the free clauses (others at ``base``) that is best by ``rule``.

    - ``compiled``: the compiled scenario (options, penalties, red lines, constraints, approval rules, interactions);
    - ``values``: (A, O) the weighted option values the proposer believes (``compiled.wvalues`` or a mediator's
      noisy beliefs); the option utility is ``values − compiled.penalty``. Held by reference, not copied: an
      enumerated :class:`sim.search.enumeration.Space` caches its utilities by the identity of this array;
    - ``aspiration``: (A,) a_i, the surplus of actor i is U_i − a_i;
    - ``required``: (A,) the actors whose surplus counts and whose hard red lines bind (the signatories); voters of
      a triggered approval rule are added by the searches themselves;
    - ``free``: (C,) the clauses on the table; ``base``: (C,) the option every other clause keeps;
    - ``self_floor``: a proposer (alternating offers) whose own utility must reach its aspiration, U_p ≥ a_p − TOL,
      and which is left out of the score; None for the mediator;
    - ``rule``: ``max_min_surplus`` (max min_{i ∈ S} s_i, ties to the largest mean utility of S, then the lowest
      package index), ``max_product`` (max Π_{i ∈ S} clip(U_i, 0, 1) among packages meeting the floor;
      enumeration only) or ``expected_value`` (max EV(min surplus, P(ratified)) + ε mean utility,
      :func:`sim.core.ratify.expected_value`).
    """

    compiled: Compiled
    values: NDArray[np.float64]
    aspiration: NDArray[np.float64]
    required: NDArray[np.bool_]
    free: NDArray[np.bool_]
    base: NDArray[np.int64]
    self_floor: int | None = None
    rule: str = "max_min_surplus"

    @cached_property
    def counted(self) -> NDArray[np.bool_]:
        """(A,) S: the required actors whose surplus is scored (the proposer of ``self_floor`` left out)."""
        counted = self.required.copy()
        if self.self_floor is not None:
            counted[self.self_floor] = False
        return counted


@dataclass(frozen=True, eq=False)
class SearchResult:
    """A search's answer.

    - ``package``: (C,) option index per clause, or None when no package of the space is feasible;
    - ``score``: the chosen package's min_{i ∈ S ∪ triggered unanimity voters} s_i (the MILP: its optimal z);
      −inf when there is no package;
    - ``method``: which search answered (``enumeration``, ``branch_and_bound`` or ``milp``).
    """

    package: NDArray[np.int64] | None
    score: float
    method: Method

    @classmethod
    def none(cls, method: Method) -> SearchResult:
        """No feasible package."""
        return cls(None, -np.inf, method)

    def copy(self) -> SearchResult:
        """A result whose package the caller may change."""
        return SearchResult(None if self.package is None else self.package.copy(), self.score, self.method)
