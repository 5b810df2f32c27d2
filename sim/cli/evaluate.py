"""``negsim evaluate FILE --package PKG.yaml``: score given packages (tabled proposals) in a scenario.

PKG.yaml is ``{name: {clause: option}}`` (or one ``{clause: option}``); a bad clause or option name is reported
as PKG.yaml:LINE:COL. Prints, per package, the signatories' utility, reservation value R(0), surplus and red lines,
the triggered approval rules and ratifications, and whether it would be signed; ``--json`` prints the full result
of :func:`sim.evaluate.evaluate` with sorted keys and floats rounded to 6 decimals. ``--nearest`` adds each
package's nearest signed variant (:func:`sim.analysis.whatif.nearest_signed`; ``nearest`` in the JSON).
"""

from __future__ import annotations

import json
from argparse import Namespace
from typing import Any

from sim.analysis.evaluation import evaluate, normalise, problems_of
from sim.analysis.whatif import nearest_signed
from sim.cli.common import load_with_sets
from sim.core.compiled import Compiled, compile_scenario
from sim.errors import Issue, ScenarioError
from sim.scenario.yamlio import read_yaml_file

DIGITS = 6


def rounded(obj: Any, digits: int = DIGITS) -> Any:
    """The same structure with every float rounded (stable JSON across platforms)."""
    if isinstance(obj, float):
        return round(obj, digits) + 0.0  # + 0.0 turns -0.0 into 0.0
    if isinstance(obj, dict):
        return {k: rounded(v, digits) for k, v in obj.items()}
    if isinstance(obj, list):
        return [rounded(v, digits) for v in obj]
    return obj


def read_packages(path: str, cp: Compiled) -> dict[str, Any]:
    """The package file, checked against the scenario's clauses and options (errors carry FILE:LINE:COL)."""
    data, locs, _ = read_yaml_file(path)
    if isinstance(data, dict) and {"clauses", "actors"} <= set(data):
        msg = "this is a scenario file; --package takes a YAML mapping {name: {clause: option}}"
        raise ScenarioError([Issue(msg, (), 1, 1, path)], path)
    named, single, problems = normalise(data)
    problems += problems_of(cp, named, single)
    if problems:
        issues = []
        for where, msg in problems:
            line, col = locs.get(where, (None, None))
            issues.append(Issue(msg, where, line, col, path))
        raise ScenarioError(issues, path)
    return data


def table(cp: Compiled, result: dict[str, dict[str, Any]]) -> str:
    """A readable account: one block per package, one row per signatory."""
    sig = [a for i, a in enumerate(cp.actors) if cp.signatory[i]]
    lines = []
    head = f"{'package':<34}" + "".join(f"{a + ' U (surplus)':>18}" for a in sig) + "  signed"
    lines += [head, "-" * len(head)]
    for name, r in result.items():
        cells = "".join(
            f"{r['actors'][a]['utility']:>9.3f} ({r['actors'][a]['surplus']:+.3f})"
            + ("!" if r["actors"][a]["red_lines_hit"] else " ")
            for a in sig
        )
        lines.append(f"{name:<34}{cells}  {'yes' if r['signed'] else 'no'}")
    lines.append("! = a red line of that actor is hit")
    for name, r in result.items():
        lines += [
            "",
            f"{name}: {'SIGNED' if r['signed'] else 'not signed'} (P(all signatories accept) = {r['p_sign']:.3f})",
        ]
        lines.append(f"  {'actor':<10}{'U':>7}{'R(0)':>7}{'surplus':>9}{'P(acc)':>8}  accepts  red lines hit")
        for a in sig:
            x = r["actors"][a]
            lines.append(
                f"  {a:<10}{x['utility']:>7.3f}{x['reservation']:>7.3f}{x['surplus']:>+9.3f}{x['p_accept']:>8.3f}"
                f"  {'yes' if x['accepts'] else 'no':<7}  {', '.join(x['red_lines_hit']) or '-'}"
            )
        for ap in r["approvals"]:
            if ap["triggered"]:
                verdict = "passes" if ap["passes"] else "fails"
                against = f" (against: {', '.join(ap['against'])})" if ap["against"] else ""
                lines.append(f"  approval {ap['rule']}: {verdict}{against}")
        for c in r["constraint_violations"]:
            lines.append(f"  constraint violated: {c}")
        for rat in r["ratification_needed"]:
            lines.append(f"  ratification needed: {rat['body']} (p = {rat['probability']:.2f})")
        if r["from_status_quo"]:
            lines.append(f"  status quo kept on: {', '.join(r['from_status_quo'])}")
    return "\n".join(lines)


def nearest_lines(result: dict[str, dict[str, Any]]) -> list[str]:
    """``--nearest``: each package's nearest signed variant, one block per package."""
    lines = ["", "nearest signed variant (fewest clauses changed, then salience-weighted distance; exact MILP):"]
    for name, r in result.items():
        near = r["nearest"]
        if near is None:
            lines.append(f"  {name}: no package of the scenario is signed")
            continue
        lines.append(f"  {name}: {near['n_changed']} clause(s), distance {near['distance']:.3f}")
        for clause, (old, new) in near["changed"].items():
            lines.append(f"    {clause}: {old} -> {new}")
    return lines


def main(args: Namespace) -> int:
    cp = compile_scenario(load_with_sets(args.file, args.sets))
    packages = read_packages(args.package, cp)
    result = evaluate(cp, packages)
    if getattr(args, "nearest", False):
        named, _, _ = normalise(packages)
        for name, pkg in named.items():
            result[name]["nearest"] = nearest_signed(cp, cp.package({str(c): str(o) for c, o in pkg.items()}))
    if args.json:
        print(json.dumps(rounded(result), sort_keys=True, indent=2))
    else:
        text = table(cp, result)
        print(text + "\n" + "\n".join(nearest_lines(result)) if getattr(args, "nearest", False) else text)
    return 0
