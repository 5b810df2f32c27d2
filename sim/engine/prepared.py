"""A scenario prepared for many runs: compiled once, with the search cache kept (one variant per set of shocks).

``Prepared(scenario, NegotiationModel).run(seed)`` plays one negotiation (:func:`sim.engine.runner.prepare` builds
it). A run's randomness comes from ``SeedSequence(seed)``: the same seed gives the same result
(:class:`sim.engine.model.NegotiationModel` says which stream is whose).

The model builds a ``Prepared`` from a scenario it is given, so this module does not import it: the class that
plays the runs is handed in.

A ``Prepared`` can also be handed its compiled arrays (``compiled=``, :class:`sim.engine.skeleton.Skeleton`): then
``structure`` is a validated scenario equal to it in everything but those arrays' numbers (shocks, deadlines,
protocol, battlefield: what the engine reads from a scenario), and ``scenario`` is built by ``rebuild`` only when
something asks for it (a shock or a deadline action recompiling it, a tweak of it), so runs need no pydantic model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from sim.core.compiled import Compiled, compile_scenario
from sim.core.utility import all_packages, feasible, raw_utilities, triggered, utilities, vetoes
from sim.engine.deadlines import apply_actions, with_exits
from sim.engine.domestic import exclusions
from sim.engine.judge import BlameCache
from sim.engine.policies import game_rounds, spe_path
from sim.engine.records import RunResult
from sim.scenario.edit import apply_set_add
from sim.scenario.loader import scenario_from_document
from sim.scenario.models import Scenario
from sim.search.searcher import Searcher

if TYPE_CHECKING:
    from sim.engine.model import NegotiationModel

T = TypeVar("T")

SCORES_MAX = 100_000
"""Packages whose scores :meth:`Prepared.scores` keeps (a few hundred bytes each); beyond, they are recomputed."""
SHARED_MAX = 100_000
"""Entries :meth:`Prepared.shared` keeps (a few hundred bytes each); beyond, they are recomputed."""

PREFERENCE_FIELDS = (
    "salience",
    "utilities",
    "red_lines",
    "reservation",
    "discount",
    "horizon",
    "concession",
    "acceptance",
    "interactions",
)


class Prepared:
    """A scenario compiled for running, with one compiled variant per set of fired shocks (built on demand).

    ``model_class`` is the Mesa model class whose runs :meth:`run` plays (``NegotiationModel``).
    """

    def __init__(
        self,
        scenario: Scenario | None,
        model_class: type[NegotiationModel],
        compiled: Compiled | None = None,
        structure: Scenario | None = None,
        rebuild: Callable[[], Scenario] | None = None,
    ):
        if scenario is None and (compiled is None or structure is None or rebuild is None):
            raise TypeError("Prepared needs a scenario, or compiled arrays with their structure and rebuild")
        self._scenario = scenario
        self._rebuild = rebuild
        self.structure: Scenario = structure if structure is not None else scenario  # type: ignore[assignment]
        """The scenario's shocks, deadlines, protocol and battlefield (the swapped numbers aside, ``scenario``)."""
        self.model_class = model_class
        self.cp0 = compiled if compiled is not None else compile_scenario(self.scenario)
        self.searcher0 = Searcher(self.cp0, self.cp0.search)
        self._variants: dict[tuple, tuple[Compiled, Searcher]] = {
            (frozenset(), frozenset(), frozenset(), frozenset(), None): (self.cp0, self.searcher0)
        }
        clauses = list(self.cp0.clauses)
        self.reverts = {  # actor index -> the clauses its walk-away takes off the table
            i: tuple(clauses.index(c) for c in self.structure.actors[a].deadline.reverts)  # type: ignore[union-attr]
            for i, a in enumerate(self.cp0.actors)
            if self.structure.actors[a].deadline is not None
        }
        self.blame_cache: dict[frozenset[str], BlameCache] = {}  # counterfactuals by variant (sim.engine.judge)
        self._spe: dict[frozenset[str], np.ndarray] = {}
        self._scores: dict[tuple[int, bytes], tuple[Compiled, np.ndarray, np.ndarray, np.ndarray]] = {}
        self._shared: dict[tuple, tuple[Compiled, Any]] = {}

    @property
    def scenario(self) -> Scenario:
        """The validated scenario of these arrays (built on first use when the arrays were handed in)."""
        if self._scenario is None:
            assert self._rebuild is not None
            self._scenario = self._rebuild()
        return self._scenario

    @property
    def clauses(self) -> tuple[str, ...]:
        return self.cp0.clauses

    @property
    def actors(self) -> tuple[str, ...]:
        return self.cp0.actors

    @property
    def stage_names(self) -> tuple[str, ...]:
        """The agenda's stage names before any shock (the trace's ``stage`` column)."""
        return self.cp0.stage_names

    def variant(
        self,
        fired: frozenset[str],
        failed: frozenset[str] = frozenset(),
        acted: frozenset[str] = frozenset(),
        exits: frozenset[int] = frozenset(),
        mediator: int | None = None,
    ) -> tuple[Compiled, Searcher]:
        """The scenario compiled with the ``fired`` shocks and the deadline actions of the ``acted`` actors
        (:func:`sim.engine.deadlines.apply_actions`); then, when given, with the ``exits`` gone and ``mediator``
        proposing (:func:`sim.engine.deadlines.with_exits`), and the packages of the ``failed`` ratification steps
        (by name) ruled out (:func:`sim.engine.domestic.exclusions`); with its searcher."""
        key = (fired, failed, acted, exits, mediator)
        if key not in self._variants:
            if failed or exits or mediator is not None:
                base = self.variant(fired, acted=acted)[0]
                cp = base
                if exits or mediator is not None:
                    who = base.mediator if mediator is None else mediator
                    cp = with_exits(base, exits, self.reverts, who)
                gone = frozenset(k for k, step in enumerate(base.steps) if step.name in failed)
                if gone:
                    cp = replace(cp, constraints=cp.constraints + exclusions(base, gone))
            else:
                cp = compile_scenario(apply_actions(apply_shocks(self.scenario, fired), acted))
            self._variants[key] = (cp, Searcher(cp, cp.search))
        return self._variants[key]

    def scores(self, cp: Compiled, package: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(clipped utilities (A,), hard-red-line vetoes (A,), triggered approval rules (R,)) of ``package`` under
        ``cp``, one of this scenario's variants: computed once per variant and package (runs of a sweep point
        vote on the same few packages) and handed out read-only. The same numbers as computing them each time."""
        key = (id(cp), package.tobytes())
        hit = self._scores.get(key)
        if hit is None or hit[0] is not cp:  # the entry holds its variant, so no other object can reuse its id
            table = package[None, :]
            scores = (
                np.minimum(np.maximum(raw_utilities(cp, table)[:, 0], 0.0), 1.0),  # utilities(), cheaply
                vetoes(cp, table)[:, 0],
                triggered(cp, table)[:, 0],
            )
            for a in scores:
                a.setflags(write=False)
            hit = (cp, *scores)
            if len(self._scores) < SCORES_MAX:
                self._scores[key] = hit
        return hit[1], hit[2], hit[3]

    def shared(self, cp: Compiled, key: tuple, compute: Callable[[], T]) -> T:
        """``compute()``, kept under ``cp`` (one of this scenario's variants) and ``key``: for what a round computes
        from the run's state alone, never from its draws (the aspirations, the acceptance probabilities), which
        most runs of a sweep point share round by round. ``key`` must hold every part of the state ``compute``
        reads besides ``cp``; the value is handed out as it was stored (arrays read-only)."""
        full = (id(cp), *key)
        hit = self._shared.get(full)
        if hit is None or hit[0] is not cp:  # the entry holds its variant, so no other object can reuse its id
            value = compute()
            if isinstance(value, np.ndarray):
                value.setflags(write=False)
            hit = (cp, value)
            if len(self._shared) < SHARED_MAX:
                self._shared[full] = hit
        return hit[1]  # type: ignore[no-any-return]

    def spe_path(self, fired: frozenset[str]) -> np.ndarray:
        """(rounds of the game, A) subgame-perfect continuation values of the variant (computed once): the game of
        :func:`sim.engine.policies.game_rounds` over the feasible packages no actor vetoes, the proposers in turn,
        every actor's discount, the signatories' unanimity (:func:`sim.engine.policies.spe_path`)."""
        if fired not in self._spe:
            cp = self.variant(fired)[0]
            packages = all_packages(cp.n_options)
            packages = packages[feasible(cp, packages) & ~vetoes(cp, packages).any(axis=0)]
            rounds = game_rounds(cp.discount, cp.game_end, cp.max_rounds, len(cp.proposers))
            schedule = np.array([cp.proposers[t % len(cp.proposers)] for t in range(rounds)], dtype=np.int64)
            reservation = cp.reservation(np.arange(rounds + 1, dtype=float)[:, None])
            self._spe[fired] = spe_path(utilities(cp, packages), schedule, cp.discount, reservation, cp.signatory)
        return self._spe[fired]

    def run(self, seed: int | np.random.SeedSequence = 0, trace: bool = False) -> RunResult:
        """Play one negotiation of this scenario with ``seed`` (an int or a ``numpy.random.SeedSequence``)."""
        model = self.model_class(self, seed=seed, trace=trace)
        model.run_model()
        return model.result()


def apply_shocks(scenario: Scenario, fired: frozenset[str]) -> Scenario:
    """The scenario as changed by the fired shocks, in the order they are listed (``set``, ``add``, ``profile``)."""
    doc = scenario.document()
    for sh in scenario.shocks:
        if sh.id not in fired:
            continue
        apply_set_add(doc, sh.set, sh.add)
        for actor, profile in sh.profile.items():
            spec = doc["actors"][actor]
            for f in PREFERENCE_FIELDS:
                spec.pop(f, None)
            spec["inherits"] = profile
    return scenario_from_document(doc, file=scenario.source)
