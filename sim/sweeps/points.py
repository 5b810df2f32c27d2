"""The runs of one parameter point in a chunk of a sweep: batched when the point can be (issue #19, part 1).

A point's seeds are played together by :func:`sim.engine.batch.run_batch`, which gives each seed the Mesa model's
outcome. A point it cannot play (:func:`sim.engine.batch.unbatchable`: the mediator's belief noise, a
battlefield; or a ``prepare`` hook that does not give a :class:`sim.engine.prepared.Prepared`) is played run by
run on the Mesa model. Each row says which in its ``engine`` cell: ``batched``, or ``mesa (<why>)``; the sweep's
``metadata.json`` counts them (``engine``). A batch that raises is played again run by run, so that each run's
row holds its own error, as in a sweep without batches.
"""

from __future__ import annotations

from typing import Any

from sim.engine.batch import play_batch, unbatchable
from sim.engine.prepared import Prepared

BATCHED = "batched"


def play_point(prepared: Any, seeds: list[int]) -> list[dict[str, Any]]:
    """Each seed's outcome columns (:meth:`sim.engine.records.Outcome.to_row`), ``engine`` and ``error``."""
    why = unbatchable(prepared) if isinstance(prepared, Prepared) else "a prepare hook that gives no Prepared"
    if why is None:
        try:
            found = play_batch(prepared, seeds)
        except Exception as exc:  # each run's own error, from the runs one by one
            why = f"the batch raised {type(exc).__name__}"
        else:  # one row per distinct outcome (a row has no seed column of its own: the sweep adds it)
            out: list[dict[str, Any]] = [{}] * len(seeds)
            for outcome, where in found:
                row = outcome.to_row(prepared.clauses, prepared.actors) | {"engine": BATCHED, "error": None}
                for k in where:
                    out[k] = row
            return out
    rows = []
    for seed in seeds:
        try:
            row = prepared.run(seed).outcome.to_row(prepared.clauses, prepared.actors) | {"error": None}
        except Exception as exc:
            row = {"error": f"{type(exc).__name__}: {exc}"}
        rows.append(row | {"engine": f"mesa ({why})"})
    return rows
