"""``negsim whatif``'s second half: the cheapest lever sets (exact, :func:`sim.analysis.whatif.cheapest_levers`),
each confirmed by simulation until one reaches the target P(deal) (docs/whatif.md).

Candidate n is the cheapest lever set that changes the scenario otherwise than candidates 1 … n − 1 (a no-good cut
per set found, over the levers other than clause edits: two sets that differ only in clause edits play the same
simulation, so the second would teach nothing). Each is applied
to the scenario (:func:`sim.scenario.levers.apply_levers`; clause edits change no field: they concern the given
package, and the engine's mediator searches the whole space as always) and played over ``seeds`` seeds of one
sweep point (:func:`sim.sweeps.run.sweep`, common random numbers: the same seeds for every candidate).
P̂(deal) = deals / seeds with its 95 % Wilson interval; a candidate *reaches* the target when P̂ ≥ target. The
search stops at the first that does, or after ``tries`` candidates.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sim.analysis.whatif import cheapest_levers
from sim.core.stats import wilson_interval
from sim.scenario.levers import apply_levers, by_id
from sim.scenario.models import Scenario
from sim.sweeps.run import sweep


def p_deal(scenario: Scenario, seeds: int, workers: int = 1, master_seed: int = 0) -> dict[str, Any]:
    """P̂(deal) of ``scenario`` over ``seeds`` seeds: ``{"deals", "runs", "p_deal", "ci"}``."""
    with tempfile.TemporaryDirectory(prefix="negsim-whatif-") as tmp:
        result = sweep(scenario, params={}, seeds=seeds, workers=workers, out=Path(tmp) / "sweep", quiet=True,
                       master_seed=master_seed)  # fmt: skip
        deals = int(result.load()["deal"].astype(bool).sum())
    lo, hi = wilson_interval(deals, seeds)
    return {"deals": deals, "runs": seeds, "p_deal": deals / seeds, "ci": [float(lo), float(hi)]}


def whatif(
    scenario: Scenario,
    package: Mapping[str, str] | None = None,
    target: float = 0.8,
    seeds: int = 20,
    tries: int = 3,
    workers: int = 1,
    master_seed: int = 0,
    cache: dict[tuple[str, ...], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The candidates of the module docstring: ``{"target", "seeds", "candidates": [...], "reached": index or
    None}``, each candidate :func:`cheapest_levers`'s answer plus ``simulation`` (None when ``seeds`` is 0: the
    MILP only, one candidate). ``cache``: simulations by lever set (the clause edits aside, which change no field),
    shared between calls for several packages of one scenario."""
    cache = {} if cache is None else cache
    found: list[dict[str, Any]] = []
    reached = None
    for _ in range(max(tries, 1) if seeds else 1):
        cand = cheapest_levers(scenario, package, exclude=[c["levers"] for c in found], scenario_cuts=True)
        if cand is None:
            break
        cand["simulation"] = None
        if seeds:
            levers = [lev for lev in by_id(scenario, cand["levers"]) if lev.kind != "clause_edit"]
            key = tuple(lev.id for lev in levers)
            if key not in cache:
                cache[key] = p_deal(apply_levers(scenario, levers), seeds, workers, master_seed)
            cand["simulation"] = cache[key]
        found.append(cand)
        if seeds and cand["simulation"]["p_deal"] >= target:
            reached = len(found) - 1
            break
    return {"target": target, "seeds": seeds, "candidates": found, "reached": reached}
