"""``negsim run FILE``: play one negotiation, print it round by round, write its results folder."""

from __future__ import annotations

import json
from argparse import Namespace

from sim.cli.common import load_with_sets
from sim.engine.runner import run
from sim.store.results import write_run


def account(result, scenario) -> str:
    """A readable round-by-round account of a run."""
    o = result.outcome
    p = scenario.protocol
    who = f"mediator {p.mediator} (single text)" if p.proposal_mode == "mediator_single_text" else "alternating offers"
    lines = [
        f"{scenario.id}: seed {o.seed}, agenda {p.agenda}, {who}, up to {scenario.scenario.max_rounds} rounds "
        f"({scenario.scenario.round_unit})"
    ]
    previous: dict[str, str] = {}
    by_round: dict[int, list[dict]] = {}
    for r in result.rows:  # the trace rows, without building a DataFrame (negsim run starts without pandas)
        by_round.setdefault(r["round"], []).append(r)
    for rnd in sorted(by_round):
        rows = by_round[rnd]
        first = rows[0]
        offer = {c[6:]: v for c, v in first.items() if c.startswith("offer.")}
        changed = {k: v for k, v in offer.items() if previous.get(k) != v}
        head = f"round {rnd} [{first['stage']}]"
        if first["events"]:
            head += f" events: {first['events']}"
        lines.append(head)
        if changed:
            what = ", ".join(f"{k}={v}" for k, v in changed.items())
            lines.append(f"  {first['proposer']} proposes {'' if previous else 'package '}{what}")
        else:
            lines.append(f"  {first['proposer']} proposes the same package")
        previous = offer
        votes = "  ".join(
            f"{r['actor']} {r['utility']:.2f}/{r['aspiration']:.2f} {r['vote']}" for r in rows if r["required"]
        )
        lines.append(f"  votes (utility/aspiration): {votes}")
    if o.deal:
        lines.append(f"Deal in round {o.round}: " + ", ".join(f"{k}={v}" for k, v in (o.package or {}).items()))
    else:
        lines.append(f"No deal after {o.rounds_played} rounds ({o.reason}).")
        if o.rejected_by:
            lines.append(f"Last offer rejected by {', '.join(_why(o, a) for a in o.rejected_by)}.")
        if o.failed_stage:
            lines.append(
                f"Failed at stage: {o.failed_stage}" + (f"; pivotal: {', '.join(o.pivotal)}" if o.pivotal else "")
            )
    payoffs = ", ".join(f"{a} {v:.3f}" for a, v in o.payoffs.items())
    lines.append(f"Payoffs ({'the deal' if o.deal else 'disagreement values R(t) at the end'}): {payoffs}")
    if o.ratification:
        lines.append(
            "Ratification: " + ", ".join(f"{k} {'passed' if v else 'failed'}" for k, v in o.ratification.items())
        )
    return "\n".join(lines)


def _why(o, actor: str) -> str:
    """``RU (structural; it would accept at its reservation value with ceasefire=full)``, or timing / walked away."""
    kind = o.rejection.get(actor, "")
    if kind == "timing":
        return f"{actor} (timing: the offer meets its reservation value; its aspiration was still higher)"
    if kind == "absent":
        return f"{actor} (walked away)"
    change = o.blame.get(actor)
    if change is None:
        return f"{actor} (structural: no change to the offer would bring it to its reservation value)"
    what = ", ".join(f"{c}={v}" for c, v in change.items())
    return f"{actor} (structural; smallest change to reach its reservation value: {what})"


def main(args: Namespace) -> int:

    scenario = load_with_sets(args.file, args.sets)
    result = run(scenario, seed=args.seed)
    if args.json:
        print(json.dumps(result.outcome.to_json(), sort_keys=True, indent=2))
    elif args.quiet:
        o = result.outcome
        verdict = f"deal in round {o.round}" if o.deal else f"no deal ({o.reason})"
        print(f"{scenario.id} seed {args.seed}: {verdict}")
    else:
        print(account(result, scenario))
    if not args.no_save:
        where = write_run(result, scenario, args.seed, base=args.out or "results")
        if not args.json:
            print(f"results: {where}")
    return 0
