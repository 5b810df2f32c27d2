"""``negsim whatif FILE [--package PKG.yaml] [--target 0.8] [--seeds K]``: the cheapest levers of the scenario's
``levers:`` menu that make each given package (or, without ``--package``, some package) signed, exact by MILP, then
confirmed by simulation against the target P(deal) (docs/whatif.md). ``--json`` prints the whole result."""

from __future__ import annotations

import json
from argparse import Namespace
from typing import Any

from sim.cli.common import load_with_sets
from sim.cli.evaluate import read_packages, rounded
from sim.core.compiled import compile_scenario
from sim.errors import Issue, ScenarioError, UsageError
from sim.scenario.checks_levers import state_problems
from sim.scenario.yamlio import read_yaml_file
from sim.sweeps.whatif import whatif


def _packages(args: Namespace, scenario: Any) -> dict[str | None, Any]:
    if args.package is None:
        return {None: None}
    data = read_packages(args.package, compile_scenario(scenario))
    if all(not isinstance(v, dict) for v in data.values()):
        return {"package": data}
    return {str(k): v for k, v in data.items()}


def report(scenario: Any, name: str | None, result: dict[str, Any]) -> list[str]:
    """The text account of one package's candidates."""
    kinds = {lev.id: lev for lev in scenario.levers}
    lines = [f"package {name}:" if name else "any package:"]
    if not result["candidates"]:
        lines.append("  no set of the menu's levers makes it signed")
        return lines
    for n, c in enumerate(result["candidates"], 1):
        what = ", ".join(f"{i} ({kinds[i].kind}, {kinds[i].cost:g})" for i in c["levers"]) or "none needed"
        lines.append(f"  {n}. cost {c['cost']:g}: {what}")
        for clause, (old, new) in c["changed"].items():
            lines.append(f"     {clause}: {old} -> {new}")
        lines.append("     surplus at R(0): " + ", ".join(f"{a} {v:+.3f}" for a, v in c["surplus"].items()))
        sim = c["simulation"]
        if sim is not None:
            verdict = "reaches" if sim["p_deal"] >= result["target"] else "below"
            lines.append(f"     P(deal) {sim['p_deal']:.2f} [{sim['ci'][0]:.2f}, {sim['ci'][1]:.2f}] "
                         f"({sim['deals']}/{sim['runs']} runs): {verdict} the target {result['target']:g}")  # fmt: skip
    if result["seeds"]:
        r = result["reached"]
        lines.append(f"  candidate {r + 1} is the cheapest that reaches the target" if r is not None
                     else f"  none of these {len(result['candidates'])} reaches the target")  # fmt: skip
    return lines


def main(args: Namespace) -> int:
    scenario = load_with_sets(args.file, args.sets)
    if not scenario.levers:
        raise UsageError(f"{args.file}: no levers: section (the menu of changes to price; docs/whatif.md)")
    problems = state_problems(scenario)
    if problems:  # located in the file, as a load error is
        _, locs, _ = read_yaml_file(args.file)
        issues = []
        for i in problems:
            line, col = locs.get(i.path, locs.get(i.path[:2], (None, None)))
            issues.append(Issue(i.message, i.path, line, col, args.file))
        raise ScenarioError(issues, args.file)
    seeds = 0 if args.no_sim else args.seeds
    cache: dict[tuple[str, ...], dict[str, Any]] = {}
    out = []
    for name, pkg in _packages(args, scenario).items():
        res = whatif(scenario, pkg, args.target, seeds, args.tries, args.workers, args.master_seed, cache)
        out.append((name, res))
    if args.json:
        doc = {"scenario": scenario.id, "target": args.target, "seeds": seeds,
               "results": [{"package": name, **res} for name, res in out]}  # fmt: skip
        print(json.dumps(rounded(doc), sort_keys=True, indent=2))
        return 0
    lines = [f"whatif {scenario.id}: the cheapest levers that make a package signed (exact MILP)"
             + (f", confirmed over {seeds} seeds against P(deal) >= {args.target:g}" if seeds else "")]  # fmt: skip
    for name, res in out:
        lines += report(scenario, name, res)
    print("\n".join(lines))
    return 0
