"""Paris 2026 with the US staying: P(deal) under the expected-value mediator (the default since the scenario has
ratifications), the max-min one, and the best ratification-free packages (a US red line on every option that calls
Ukraine's referendum, its Rada or the US Congress; since issue #16.1 a DMZ and Ukraine's recognition of territory
call the referendum, the NATO ban the Rada).

    PYTHONPATH=. .venv/bin/python benchmarks/ev_paris_2026.py [--seeds 16]

Issue #13's "done when": with the US staying, Paris 2026's P(deal) under the ratification-aware mediator is at least
that of the best ratification-free package. Not a test: a Paris 2026 run costs seconds under the expected-value
search (one set of MILPs per trigger pattern, every round), too slow for 16 seeds x 3 mediators in the suite.
Measured 2026-12-03 (after the fidelity pass): expected_value 8/16 [0.28, 0.72] in 12 s, max_min_surplus 3/16 in
4 s, ratification_free 8/16 in 3 s.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RATIFICATION_FREE = {
    "actors.US.red_lines": {
        "contact_line": [
            "mutual_withdrawal_dmz",
            "fez_donetsk_demilitarised",
            "ua_withdraws_donetsk",
            "ua_withdraws_four_oblasts",
        ],
        "territorial_recognition": ["international_de_jure"],
        "nato_membership": ["constitutional_and_nato_ban"],
        "security_guarantees": ["binding_15y", "binding_30_50y"],
    }
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=16)
    args = ap.parse_args()
    from sim import load_scenario, tweak
    from sim.core.stats import wilson_interval
    from sim.engine.runner import prepare

    stay = tweak(load_scenario(ROOT / "scenarios" / "paris_2026.yaml"), {"actors.US.deadline": None})
    for name, changes in (
        ("expected_value", {"protocol.mediator_objective": "expected_value"}),
        ("max_min_surplus", {"protocol.mediator_objective": "max_min_surplus"}),
        ("ratification_free", {**RATIFICATION_FREE, "protocol.mediator_objective": "max_min_surplus"}),
    ):
        p = prepare(tweak(stay, changes))
        t0 = time.perf_counter()
        deals = sum(p.run(seed).outcome.deal for seed in range(args.seeds))
        lo, hi = (float(x) for x in wilson_interval(deals, args.seeds))
        print(f"{name:18s} P(deal) {deals}/{args.seeds} [{lo:.2f}, {hi:.2f}]  {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
