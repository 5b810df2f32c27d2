"""Benchmark workload W1 (``benchmarks/W1.md``) as a negsim scenario, and its outcome statistics.

    .venv/bin/python benchmarks/w1.py [--seeds 200] [--sweep-points 200]

W1: 5 actors (US, Ukraine, Russia, France, Germany), 8 clauses x 4 options (65,536 packages), linear additive
utilities, reservation 0.55, FSJ concession a_i(t) = r + (1 - r)(1 - (t/T)^(1/beta_i)), T = 50, proposers
rotating in actor order, ``max_product`` offers, threshold votes, all 5 must sign.

Random draws, from ``numpy.random.default_rng(seed)`` in this order (W1.md gives no order; this is the one that
reproduces its statistics, 96.5 % deals and mean deal round 34.2 over seeds 0-199):

1. ``w = rng.dirichlet(np.ones(8), size=5)``: the weights, one row per actor;
2. ``v = rng.random((5, 8, 4))``: option values, then min-max rescaled per (actor, clause);
3. ``beta = rng.uniform(0.5, 3.0, size=5)``: concession exponents.

The reservation R_i = U_i(status quo) - war_cost_i + expected_gain_i is made exactly 0.55 with the status quo at
the first option of every clause, ``war_cost_i = U_i(status quo)`` (as negsim computes it, bit for bit) and
``expected_gain_i = 0.55``: then U - war_cost is exactly 0 in floating point. Nothing in the engine is extended.

Sweep points: the US weight on clause 0 is set to ``w0`` and the other US weights are rescaled to sum to 1 - w0;
the 10,000-run sweep is seeds 0-999 x w0 in {0.05, ..., 0.95}, seed-major (W1.md's "first 200 sweep points" are
seeds 0-19 x the 10 values of w0).

Time (issue #13): negsim's aspiration is FSJ's acceptance threshold, the actor's *next* target discounted,
a_i(t) = R + δ(τ_i(t+1) − R) (docs/scenario-format.md, "Time, discounting and payoffs"); with δ = 1 that is
τ_i(t+1) = r + (1 − r)(1 − (min(t+1, T)/T)^(1/β)), one round ahead of W1.md's a_i(t). ``reference_round`` is the
numpy reference of W1.md's protocol with that curve (``shift=1``) or with W1.md's own (``shift=0``); negsim equals the
first seed by seed, and W1.md's published statistics are those of the second.

Fast path (issue #19): :func:`skeleton` validates and compiles one W1 scenario once; :func:`prepared` swaps each
run's weights, values, concession exponents and war costs into its arrays (:class:`sim.Skeleton`) and
:func:`play_fast` plays it: the same outcomes as :func:`play` (the document path, kept as the reference), without a
pydantic validation and two compilations per run (``benchmarks/w1_skeleton_ab.py`` compares the two).

Not a test: run it to check that negsim plays W1 as W1.md defines it, up to that one-round shift.
"""

from __future__ import annotations

import argparse
import functools
import itertools
from typing import Any

import numpy as np

ACTORS = ("US", "Ukraine", "Russia", "France", "Germany")
N_CLAUSES, N_OPTIONS, MAX_ROUNDS, RESERVATION = 8, 4, 50, 0.55
CLAUSES = tuple(f"c{j}" for j in range(N_CLAUSES))
OPTIONS = tuple(f"o{k}" for k in range(N_OPTIONS))
W0_VALUES = tuple(round(0.05 + 0.1 * k, 2) for k in range(10))
REFERENCE = {"deals": 0.965, "mean_deal_round": 34.2, "mean_rounds": 35.7, "sweep_deals": 0.945, "sweep_round": 30.8}


def draw(seed: int, w0: float | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """W1's random domain: weights (5, 8), rescaled option values (5, 8, 4) and concession exponents (5,)."""
    rng = np.random.default_rng(seed)
    w = rng.dirichlet(np.ones(N_CLAUSES), size=len(ACTORS))
    v = rng.random((len(ACTORS), N_CLAUSES, N_OPTIONS))
    beta = rng.uniform(0.5, 3.0, size=len(ACTORS))
    lo, hi = v.min(axis=2, keepdims=True), v.max(axis=2, keepdims=True)
    v = (v - lo) / (hi - lo)
    if w0 is not None:
        w[0, 1:] *= (1.0 - w0) / w[0, 1:].sum()
        w[0, 0] = w0
    return w, v, beta


def document(w: np.ndarray, v: np.ndarray, beta: np.ndarray, war_cost: np.ndarray | None = None) -> dict[str, Any]:
    """The negsim scenario document of one W1 domain (plain data, as a YAML file would hold it)."""
    actors: dict[str, Any] = {}
    for i, a in enumerate(ACTORS):
        actors[a] = {
            "role": "party_signatory",
            "salience": {c: float(w[i, j]) for j, c in enumerate(CLAUSES)},
            "utilities": {c: [float(x) for x in v[i, j]] for j, c in enumerate(CLAUSES)},
            "reservation": {
                "war_cost": 0.0 if war_cost is None else float(war_cost[i]),
                "expected_gain": RESERVATION,
            },
            "concession": float(beta[i]),
            "horizon": MAX_ROUNDS,  # FSJ's T: every actor's clock is the talks' 50 rounds (docs/scenario-format.md)
        }
    return {
        "scenario": {
            "id": "w1",
            "title": "Benchmark workload W1",
            "max_rounds": MAX_ROUNDS,
            "status_quo_package": dict.fromkeys(CLAUSES, OPTIONS[0]),
        },
        "protocol": {
            "agenda": "single_package",
            "proposal_mode": "alternating_offers",
            "proposers": list(ACTORS),
            "offer_rule": "max_product",
            "acceptance": {"model": "threshold"},
        },
        "clauses": {c: {"options": list(OPTIONS)} for c in CLAUSES},
        "actors": actors,
        "decision_rules": {"signatories": list(ACTORS)},
    }


def scenario(seed: int, w0: float | None = None) -> Any:
    """The validated negsim scenario of W1 at ``seed`` (and sweep point ``w0``), with R_i = 0.55 exactly."""
    from sim import compile_scenario, scenario_from_document

    w, v, beta = draw(seed, w0)
    first = scenario_from_document(document(w, v, beta))
    u_sq = compile_scenario(first).u_sq
    s = scenario_from_document(document(w, v, beta, war_cost=u_sq))
    return s


def play(seed: int, w0: float | None = None) -> Any:
    """One W1 negotiation in negsim: its :class:`sim.engine.records.Outcome`."""
    from sim.engine.runner import prepare

    return prepare(scenario(seed, w0)).run(seed).outcome


@functools.cache
def skeleton() -> Any:
    """One :class:`sim.Skeleton` of W1 (seed 0's scenario: every array it holds is swapped per run)."""
    from sim.engine.skeleton import Skeleton

    return Skeleton(scenario(0))


def prepared(seed: int, w0: float | None = None) -> Any:
    """The :class:`sim.engine.prepared.Prepared` of W1 at ``seed`` (and ``w0``) via :func:`skeleton`: the arrays
    of :func:`scenario`'s, bit for bit (war_cost_i = U_i(status quo) of the swapped weights and values)."""
    sk = skeleton()
    w, v, beta = draw(seed, w0)
    flat = v.reshape(len(ACTORS), N_CLAUSES * N_OPTIONS)  # clause-major flat options, as compiled
    u_sq = sk.compile(weights=w, values=flat).u_sq
    return sk.prepare(weights=w, values=flat, beta=beta, war_cost=u_sq)


def play_fast(seed: int, w0: float | None = None) -> Any:
    """:func:`play` through :func:`prepared` (no scenario validated per run)."""
    return prepared(seed, w0).run(seed).outcome


@functools.cache
def _packages() -> np.ndarray:
    return np.array(list(itertools.product(range(N_OPTIONS), repeat=N_CLAUSES)))


def reference_round(w: np.ndarray, v: np.ndarray, beta: np.ndarray, shift: int = 1) -> int | None:
    """W1 played straight from W1.md in numpy (actor-major 5 x N utility matrix): the deal round, or None; the
    aspiration of round t is W1.md's curve at t + ``shift`` (1: negsim's, see the module docstring)."""
    packages = _packages()
    U = np.zeros((len(ACTORS), len(packages)))
    for j in range(N_CLAUSES):
        U += w[:, j : j + 1] * v[:, j, packages[:, j]]
    for t in range(MAX_ROUNDS):
        a = RESERVATION + (1 - RESERVATION) * (1 - (min(t + shift, MAX_ROUNDS) / MAX_ROUNDS) ** (1 / beta))
        p = t % len(ACTORS)
        key = np.where(U[p] >= a[p] - 1e-9, np.prod(np.delete(U, p, axis=0), axis=0), -np.inf)
        x = int(np.argmax(key >= key.max() - 1e-9))
        if (U[:, x] >= a).all():
            return t
    return None


def statistics(outcomes: list[Any]) -> tuple[float, float, float]:
    """(share of deals, mean deal round, mean rounds played)."""
    deals = [o.round for o in outcomes if o.deal]
    return len(deals) / len(outcomes), float(np.mean(deals)), float(np.mean([o.rounds_played for o in outcomes]))


def sweep_points(n: int) -> list[tuple[int, float]]:
    """The first ``n`` (seed, w0) runs of W1's sweep, seed-major."""
    return [(s, w0) for s in range((n + len(W0_VALUES) - 1) // len(W0_VALUES)) for w0 in W0_VALUES][:n]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=200)
    ap.add_argument("--sweep-points", type=int, default=200)
    args = ap.parse_args()
    from sim.core.compiled import compile_scenario

    cp = compile_scenario(scenario(0))
    assert np.all(cp.reservation(0) == RESERVATION), cp.reservation(0)
    outcomes = [play(s) for s in range(args.seeds)]
    differ = [s for s, o in enumerate(outcomes) if (o.round if o.deal else None) != reference_round(*draw(s))]
    print(f"deal rounds equal to the numpy reference (shift 1), per seed: {args.seeds - len(differ)}/{args.seeds}"
          + (f" (differ: {differ[:10]})" if differ else ""))  # fmt: skip
    ref = [reference_round(*draw(s), shift=0) for s in range(args.seeds)]
    deals0 = [r for r in ref if r is not None]
    print(f"W1.md's own curve (shift 0), numpy, seeds 0-{args.seeds - 1}: {100 * len(deals0) / len(ref):.1f} % deals, "
          f"mean deal round {np.mean(deals0):.1f}")  # fmt: skip
    share, rnd, played = statistics(outcomes)
    print(f"W1 seeds 0-{args.seeds - 1}: {100 * share:.1f} % deals, mean deal round {rnd:.1f}, "
          f"mean rounds played {played:.1f}  (W1.md, seeds 0-199: 96.5 %, 34.2, 35.7)")  # fmt: skip
    if args.sweep_points:
        outs = [play(s, w0) for s, w0 in sweep_points(args.sweep_points)]
        share, rnd, _ = statistics(outs)
        print(f"W1 first {args.sweep_points} sweep points: {100 * share:.1f} % deals, mean deal round {rnd:.1f}  "
              f"(W1.md, first 200: 94.5 %, 30.8)")  # fmt: skip


if __name__ == "__main__":
    main()
