"""``negsim analyze FILE [--max-frontier N]``: zone of agreement, bargaining solutions, the number of signed
packages and the whole Pareto frontier of the signed packages at round 0."""

from __future__ import annotations

import json
from argparse import Namespace
from typing import Any

from sim.analysis.bargaining import analyze
from sim.cli.common import load_with_sets


def _pkg_line(label: str, d: dict[str, Any] | None, sq: dict[str, str]) -> list[str]:
    if d is None:
        return [f"{label}: none"]
    gains = ", ".join(f"{a} {v:+.3f}" for a, v in d["surplus"].items())
    moved = ", ".join(f"{c}={o}" for c, o in d["package"].items() if sq.get(c) != o)
    return [f"{label}: surplus {gains}", f"  changes from the status quo: {moved or 'none'}"]


def report(a: dict[str, Any], sq: dict[str, str]) -> str:
    lines = [f"{a['scenario']}: signatories {', '.join(a['signatories'])}"]
    lines.append("reservation values R(0): " + ", ".join(f"{k} {v:.3f}" for k, v in a["reservation"].items()))
    if a["n_signed"] is None:
        lines.append(
            f"packages that would be signed: between {a['n_signed_at_least']:,} and {a['n_signed_at_most']:,} "
            f"of {a['n_packages']:,} ({a['n_signed_method']})"
        )
    else:
        lines.append(
            f"packages that would be signed: {a['n_signed']:,} of {a['n_packages']:,} ({a['n_signed_method']})"
        )
    if a["zopa"]:
        lines.append(f"ZOPA: yes (the best package leaves every signatory at least {a['max_min_surplus']:+.3f})")
        for key, label in (
            ("nash", "Nash bargaining package"),
            ("kalai_smorodinsky", "Kalai-Smorodinsky package"),
            ("egalitarian", "Egalitarian (max-min) package"),
            ("utilitarian", "Utilitarian package"),
        ):
            lines += _pkg_line(label, a[key], sq)
        lines += _expected_lines(a.get("expected_value"), sq)
        lines += frontier_lines(a)
    else:
        z = a["max_min_surplus"]
        lines.append(f"ZOPA: no (best max-min surplus {z:+.3f})" if z is not None else "ZOPA: no (nothing feasible)")
        op = a["to_open_a_zopa"]
        for actor, drop in op["reservation_drop"].items():
            if drop is None:
                lines.append(f"  lowering {actor}'s reservation value alone cannot open one (the others conflict)")
            elif drop > 0:
                lines.append(f"  a ZOPA opens if {actor}'s reservation value falls by {drop:.3f}")
        for rl in op["soften_red_line"]:
            lines.append(f"  a ZOPA opens if {rl['actor']}'s red line on {rl['clause']} is made soft")
    lines += power_lines(a)
    for note in a["notes"]:
        lines.append(f"note: {note}")
    return "\n".join(lines)


def frontier_lines(a: dict[str, Any]) -> list[str]:
    """The Pareto-frontier section of the text report: how many efficient signed packages, the listed ones."""
    f = a["frontier"]
    if f["count"] is not None:
        many = f"{f['count']:,} packages ({f['vectors']:,} utility vectors)"
    else:
        many = f"at least {f['count_at_least']:,}, at most {f['count_at_most']:,} packages"
    sup = "" if f["supported"] is None else f"; {f['supported']:,} vectors supported (weighted-sum optima)"
    lines = [f"Pareto frontier of the individually rational (signed) packages: {many}, by {f['method']}{sup}"]
    names = a["signatories"]
    head = f"  listed {f['listed']:,}" + (" (truncated)" if f["truncated"] else "") + ": utilities " + ", ".join(names)
    lines.append(head)
    for p in a["pareto"]:
        mark = "" if "supported" not in p else ("" if p["supported"] else "  (not supported)")
        lines.append("    " + " ".join(f"{p['utilities'][n]:.3f}" for n in names) + mark)
    return lines


def _expected_lines(d: dict[str, Any] | None, sq: dict[str, str]) -> list[str]:
    """The expected-value package: its surpluses, P(ratified), P x min surplus, and the max-min package's P."""
    if d is None:
        return ["Expected-value package: none"]
    first, changes = _pkg_line("Expected-value package", d, sq)
    tail = (
        f"; P(ratified) {d['ratification_probability']:.3f}, expected value {d['expected_value']:+.3f} "
        f"(the max-min package: P(ratified) {d['max_min_ratification_probability']:.3f})"
    )
    return [first + tail, changes]


def _indices(e: dict[str, Any]) -> str:
    if e.get("banzhaf") is None:
        return e.get("note") or e.get("error") or "not computed"
    return ", ".join(f"{v} {e['banzhaf'][v]:.3f}/{e['shapley_shubik'][v]:.3f}" for v in e["voters"])


def power_lines(a: dict[str, Any]) -> list[str]:
    """The power, veto-player and approver sections of the text report."""
    if not a.get("power"):
        return []
    lines = ["power by approval rule (normalised Banzhaf / Shapley-Shubik):"]
    for e in a["power"]:
        veto = ", ".join(e["veto_players"]) if e.get("veto_players") else "none"
        dummy = f"; dummy: {', '.join(e['dummies'])}" if e.get("dummies") else ""
        lines.append(f"  {e['rule']}: {_indices(e)}; veto: {veto}{dummy}")
    held = [f"{k} ({', '.join(v)})" for k, v in a["veto_players"].items() if v]
    lines.append("veto players: " + ("; ".join(held) if held else "none"))
    if a["approvers"]:
        lines.append("approvers at the max-min package (surplus; * pivotal, x rejects):")
    for e in a["approvers"]:
        if e["type"] == "ratification":
            state = "triggered" if e["triggered"] else "not triggered"
            lines.append(f"  {e['rule']}: {state}, passes with probability {e['p']:g}")
            continue
        state = ("triggered, " if e["triggered"] else "not triggered, ") + (
            "would pass" if e["passes_if_triggered"] else "would FAIL"
        )
        votes = ", ".join(
            f"{v} {d['surplus']:+.3f}" + ("*" if v in e["pivotal"] else "") + ("x" if not d["accepts"] else "")
            for v, d in e["voters"].items()
        )
        lines.append(f"  {e['rule']}: {state}; {votes}; tightest {e['tightest']}")
    return lines


def main(args: Namespace) -> int:

    scenario = load_with_sets(args.file, args.sets)
    result = analyze(scenario, max_frontier=args.max_frontier)
    if args.json:
        print(json.dumps(result, sort_keys=True, indent=2))
    else:
        print(report(result, scenario.scenario.status_quo_package))
    return 0
