"""A negsim scenario → a GENIUS 10.x domain and one linear-additive profile per actor (docs/interop.md).

With w_c the actor's normalised salience and v_c its option values, m_c = max_o v_c(o): GENIUS weight w_c · m_c and
discrete evaluations v_c / m_c (GENIUS divides by the issue's largest evaluation, which is then 1), so GENIUS's
Σ weight · eval = Σ w_c v_c, negsim's utility. A clause whose option labels (or names) are consecutive integers and
whose values are affine in them is written as an integer issue (slope and offset, each divided by m_c; m_c = 0 gives
weight 0). The reservation value is R(0); the discount d = δ^max_rounds. What GENIUS cannot say is refused: red
lines, interactions, constraints, approval rules, shocks, a drifting reservation value, an R(0) outside [0, 1].
"""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

from sim.core.compiled import Compiled, compile_scenario
from sim.errors import UsageError
from sim.scenario.models import Scenario

AFFINE_TOL = 1e-12


def _refusals(scenario: Scenario, cp: Compiled) -> list[str]:
    why = []
    if cp.hard.any() or cp.penalty.any():
        why.append("red lines")
    if cp.interactions:
        why.append("interactions")
    if cp.constraints:
        why.append("constraints")
    if cp.rules:
        why.append("approval rules")
    if cp.ratifications:
        why.append("ratification")
    if scenario.shocks:
        why.append("shocks")
    if np.any(cp.drift != 0):
        why.append("reservation drift_per_round")
    r0 = cp.reservation(0)
    if np.any((r0 < 0) | (r0 > 1)):
        why.append("a reservation value R(0) outside [0, 1]")
    return why


def _integers(texts: list[str]) -> list[int] | None:
    try:
        ints = [int(t) for t in texts]
    except ValueError:
        return None
    return ints if all(b - a == 1 for a, b in itertools.pairwise(ints)) and len(ints) > 1 else None


def export(scenario: Scenario, out_dir: str | Path) -> list[Path]:
    """Write ``DOMAIN.xml`` and one ``<actor>.xml`` per actor into ``out_dir``; returns the files written."""
    cp = compile_scenario(scenario)
    why = _refusals(scenario, cp)
    if why:
        raise UsageError(f"{scenario.id}: GENIUS has no form for {', '.join(why)}: not exported")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    texts = [[scenario.clauses[c].option_labels.get(o, o) for o in scenario.clauses[c].options] for c in cp.clauses]
    ints = [_integers(t) for t in texts]
    domain = ET.Element("negotiation_template")
    space = ET.SubElement(domain, "utility_space", number_of_issues=str(cp.n_clauses))
    root = ET.SubElement(space, "objective", index="0", etype="objective", type="objective", name=scenario.id)
    for c, cid in enumerate(cp.clauses):
        name = scenario.clauses[cid].label or cid
        bounds = ints[c]
        if bounds is not None and _affine_for_all(cp, c):
            lo, hi = bounds[0], bounds[-1]
            ET.SubElement(root, "issue", name=name, index=str(c + 1), etype="integer", type="integer",
                          vtype="integer", lowerbound=str(lo), upperbound=str(hi))  # fmt: skip
        else:
            ints[c] = None
            issue = ET.SubElement(root, "issue", name=name, index=str(c + 1), etype="discrete", type="discrete",
                                  vtype="discrete")  # fmt: skip
            for k, t in enumerate(texts[c]):
                ET.SubElement(issue, "item", index=str(k + 1), value=t)
    stem = out / f"{scenario.id}.xml"
    _write(domain, stem)
    files = [stem]
    r0 = cp.reservation(0)
    for i, a in enumerate(cp.actors):
        prof = ET.Element("utility_space", type="linear")
        obj = ET.SubElement(prof, "objective", index="0", etype="objective", type="objective", name=scenario.id)
        for c in range(cp.n_clauses):
            v = cp.values[i, cp.offsets[c] : cp.offsets[c] + cp.n_options[c]]
            top = float(v.max())
            weight = float(cp.weights[i, c]) * top
            issue = ET.SubElement(obj, "issue", index=str(c + 1), name=scenario.clauses[cp.clauses[c]].label or "")
            e = v / top if top > 0 else np.zeros_like(v)
            if ints[c] is not None:
                issue.set("etype", "integer")
                issue.set("type", "integer")
                ET.SubElement(
                    issue, "evaluator", ftype="linear", slope=repr(float(e[1] - e[0])), offset=repr(float(e[0]))
                )
            else:
                issue.set("etype", "discrete")
                issue.set("type", "discrete")
                for k, t in enumerate(texts[c]):
                    ET.SubElement(issue, "item", index=str(k + 1), value=t, evaluation=repr(float(e[k])))
            ET.SubElement(obj, "weight", index=str(c + 1), value=repr(weight))
        ET.SubElement(prof, "reservation", value=repr(float(r0[i])))
        d = float(cp.discount[i]) ** cp.max_rounds
        if d < 1.0:
            ET.SubElement(prof, "discount_factor", value=repr(d))
        path = out / f"{a}.xml"
        _write(prof, path)
        files.append(path)
    return files


def _affine_for_all(cp: Compiled, c: int) -> bool:
    """Every actor's values of clause c lie on a line (to ``AFFINE_TOL``), as a GENIUS integer evaluator needs."""
    v = cp.values[:, cp.offsets[c] : cp.offsets[c] + cp.n_options[c]]
    k = np.arange(v.shape[1])
    line = v[:, :1] + (v[:, 1:2] - v[:, :1]) * k[None, :]
    return bool(np.all(np.abs(line - v) <= AFFINE_TOL))


def _write(el: ET.Element, path: Path) -> None:
    ET.indent(el)
    path.write_text(ET.tostring(el, encoding="unicode", xml_declaration=True) + "\n", encoding="utf-8")
