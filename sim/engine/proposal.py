"""(3) The proposer's package of a round (:meth:`sim.engine.talks.Talks._propose`), kept once per state.

Without belief noise the package is a function of the variant, the agenda stage, the base (the status quo and the
settled stages), the aspirations, who walked and the proposer: it is kept under them for all the runs of the
``Prepared`` (:meth:`sim.engine.prepared.Prepared.shared`, read-only), and is the answer the searcher's memo would
give (the memo keeps the first answer to each problem, and these keys hold everything the problem is built from).
With belief noise the mediator searches the run's own beliefs each round, as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.core.compiled import Compiled

if TYPE_CHECKING:
    from sim.engine.talks import Talks


def proposal(model: Talks, t: int, aspiration: np.ndarray) -> tuple[np.ndarray, int, np.ndarray]:
    """(the package, its proposer's index, the clauses open in this stage) of round t."""
    cp = model.compiled
    single = cp.proposal_mode == "mediator_single_text"
    proposer = model.mediator if single else cp.proposers[t % len(cp.proposers)]
    stage = model.stage
    free = model.prepared.shared(cp, ("free", stage), lambda: open_clauses(cp, stage))
    if single and model.noise_draw is not None:
        return search(model, single, proposer, free, aspiration), proposer, free
    key = ("propose", stage, model.base.tobytes(), aspiration.tobytes(), model.walked_key(), proposer)
    pkg = model.prepared.shared(cp, key, lambda: search(model, single, proposer, free, aspiration))
    return pkg, proposer, free


def open_clauses(cp: Compiled, stage: int) -> np.ndarray:
    """(C,) the clauses open in agenda stage ``stage``."""
    free = np.zeros(cp.n_clauses, dtype=bool)
    free[list(cp.stages[stage])] = True
    return free


def search(model: Talks, single: bool, proposer: int, free: np.ndarray, aspiration: np.ndarray) -> np.ndarray:
    """The package the proposer searches for: the mediator on its believed values against the aspirations it has
    learned, by ``protocol.mediator_objective``; a party on true values, keeping its own aspiration
    (``self_floor``). Actors gone are asked nothing (aspiration 2, above any utility); with no package found the
    base stays on the table."""
    cp = model.compiled
    asp_search = np.where(model._alive(), aspiration, 2.0)
    if single:
        key = ("true", model.fired) if model.noise_draw is None else None
        pkg = model.searcher.propose(
            model.beliefs,
            asp_search + model.offset,
            cp.signatory,
            free,
            model.base,
            rule=cp.mediator_objective,
            values_key=key,
        ).package
    else:
        pkg = model.searcher.propose(
            cp.wvalues,
            asp_search,
            cp.signatory,
            free,
            model.base,
            self_floor=proposer,
            rule=cp.offer_rule,
            values_key=("true", model.fired),
        ).package
    return model.base.copy() if pkg is None else pkg
