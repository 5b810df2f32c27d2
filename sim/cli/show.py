"""``negsim show FILE``: actors x clauses as a table (salience in %, ! = hard red line, ~ = soft)."""

from __future__ import annotations

from argparse import Namespace

from sim.cli.common import load_with_sets
from sim.core.compiled import compile_scenario


def table(s) -> str:

    cp = compile_scenario(s)
    names = list(cp.actors)
    width = max(len(c) for c in cp.clauses) + 2
    col = max(7, *(len(a) + 1 for a in names))
    lines = [f"{s.id}: salience in % of each actor's attention; ! hard red line, ~ soft red line on some option"]
    lines.append("clause".ljust(width) + "".join(a.rjust(col) for a in names))
    for c, cid in enumerate(cp.clauses):
        sl = slice(cp.offsets[c], cp.offsets[c] + cp.n_options[c])
        cells = []
        for i in range(cp.n_actors):
            mark = "!" if cp.hard[i, sl].any() else "~" if cp.penalty[i, sl].any() else " "
            cells.append(f"{100 * cp.weights[i, c]:.0f}{mark}".rjust(col))
        lines.append(cid.ljust(width) + "".join(cells))
    lines.append("-" * (width + col * len(names)))
    roles = {a: s.actors[a].role for a in names}
    rows = [
        (
            "role",
            [
                roles[a].replace("_signatory", "*").replace("approver_contributor", "appr+contr")[: col - 1]
                for a in names
            ],
        ),
        ("signs", ["yes" if cp.signatory[i] else "" for i in range(cp.n_actors)]),
        ("U(status quo)", [f"{v:.3f}" for v in cp.u_sq]),
        ("R(0)", [f"{v:.3f}" for v in cp.reservation(0)]),
        ("best U", [f"{v:.3f}" for v in cp.u_max]),
        ("concession β", ["SPE" if v != v else f"{v:g}" for v in cp.beta]),
        ("acceptance", [f"λ={lam:g}" if lg else "thresh" for lg, lam in zip(cp.logit, cp.lam, strict=True)]),
        ("deadline", [f"r{r}@{c:g}" if r >= 0 else "" for r, c in zip(cp.deadline_round, cp.credibility, strict=True)]),
    ]
    for label, vals in rows:
        lines.append(label.ljust(width) + "".join(v.rjust(col) for v in vals))
    return "\n".join(lines)


def main(args: Namespace) -> int:
    print(table(load_with_sets(args.file, args.sets)))
    return 0
