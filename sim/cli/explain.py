"""``negsim explain DIR|FILE``: P(deal) as a product of stage probabilities, who was pivotal, the modal
package and its nearest alternatives (docs/explain.md)."""

from __future__ import annotations

import json
from argparse import Namespace
from typing import Any

from sim.sweeps.explain import explain_source


def _pct(p: float | None) -> str:
    return "  n/a" if p is None else f"{p:5.1%}"


def report(e: dict[str, Any], indent: str = "") -> list[str]:
    """The text account of an :func:`sim.sweeps.explain.explain` result."""
    lines = [f"{indent}P(deal) = {e['p_deal']:.3f} [{e['ci'][0]:.3f}, {e['ci'][1]:.3f}] ({e['deals']}/{e['n']} runs)"]
    factors = " x ".join("n/a" if s["p"] is None else f"{s['p']:.3f}" for s in e["stages"])
    lines.append(f"{indent}  = {factors} = {e['product']:.3f}")
    for s in e["stages"]:
        ci = f"[{s['ci'][0]:.3f}, {s['ci'][1]:.3f}]"
        lines.append(f"{indent}  {s['stage']:<13} {_pct(s['p'])} {ci} {s['passed']}/{s['n']}  {s['label']}")
    actors = {a: d for a, d in e["actors"].items() if any(d[k] for k in ("pivotal", "structural", "timing"))
              or d["ratification_failed"]}  # fmt: skip
    if actors:
        lines.append(f"{indent}per actor (share of runs): pivotal / structural rejection / timing rejection / "
                     "ratification failed; counterfactual of its structural rejections")  # fmt: skip
        for a, d in actors.items():
            top = next(iter(d["blame"].items()), None)
            cf = f"  change {top[0]} ({top[1]} runs)" if top else ""
            lines.append(f"{indent}  {a:<12} {_pct(d['pivotal'])} {_pct(d['structural'])} {_pct(d['timing'])} "
                         f"{_pct(d['ratification_failed'])}{cf}")  # fmt: skip
    pk = e["packages"]
    if pk["modal"]:
        m = pk["modal"]
        what = "deal" if pk["source"] == "deal" else "signed package"
        lines.append(f"{indent}modal {what} ({m['n']} runs, {m['share']:.1%}): "
                     + ", ".join(f"{c}={o}" for c, o in m["package"].items()))  # fmt: skip
        for alt in pk["nearest"]:
            diff = ", ".join(f"{c}={o}" for c, o in alt["differs"].items())
            lines.append(f"{indent}  nearest ({alt['n']} runs, {alt['distance']} clauses differ): {diff}")
    return lines


def main(args: Namespace) -> int:
    result = explain_source(args.source, by=args.by, seeds=args.seeds, workers=args.workers, out=args.out)
    if args.json:
        print(json.dumps(result, sort_keys=True, indent=2))
        return 0
    lines = report(result)
    if "by" in result:
        for g in result["by"]["groups"]:
            lines.append(f"{result['by']['path']} = {g['value']}:")
            lines += report(g, "  ")
    print("\n".join(lines))
    return 0
