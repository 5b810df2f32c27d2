"""The fidelity table: every decision rule of REPORT §B.1/§B.4 (and each §A.21 cross-clause item) is encoded in the
shipped scenario it applies to, with machine checks, or waived with a reason (issue #16.1).

Each shipped scenario ``scenarios/X.yaml`` with a rule table ``scenarios/rules/X.yaml`` is walked row by row: a row
is ``encoded`` (at least one check, every check must hold on the compiled scenario) or ``waived`` (a reason, no
checks). A check's ``package`` is a set of edits to the scenario's status-quo package. The kinds:

- ``ratification``: the named step (``ACTOR:body`` or the rule's body, :func:`sim.core.ratify.build_steps`) is
  ``triggered`` (or not) by the package, and with ``possible: false`` passes with probability 0 (a precondition);
- ``approval``: the named approval rule (:func:`sim.analysis.approvers.rule_names`) needs its voters' yes;
- ``feasible``: the package breaks (or keeps) the scenario's constraints;
- ``veto``: the actor's hard red lines veto (or allow) the package;
- ``prefers``: U_actor(better) > U_actor(worse), interactions included (:func:`sim.core.utility.utilities`);
- ``signatory``: the actor must (or need not) sign.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from sim.analysis.approvers import rule_names
from sim.core.compiled import Compiled, compile_scenario
from sim.core.ratify import step_probabilities
from sim.core.utility import feasible, triggered, utilities, vetoes
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
RULES = sorted((ROOT / "scenarios" / "rules").glob("*.yaml"))
KINDS = {"ratification", "approval", "feasible", "veto", "prefers", "signatory"}
SECTIONS = ("§B.1", "§B.4", "§A.21")


def _table(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


_COMPILED: dict[str, Compiled] = {}


def _compiled(table: dict[str, Any]) -> Compiled:
    file = table["scenario"]
    if file not in _COMPILED:
        _COMPILED[file] = compile_scenario(load_scenario(ROOT / file))
    return _COMPILED[file]


def _package(cp: Compiled, edits: dict[str, str]) -> np.ndarray:
    """(1, C) the status-quo package with ``edits`` (clause → option) applied; unknown names fail the test."""
    x = cp.sq.copy()
    for clause, option in edits.items():
        assert clause in cp.clauses, f"unknown clause {clause!r}; clauses: {', '.join(cp.clauses)}"
        c = cp.clauses.index(clause)
        assert option in cp.options[c], f"{clause}: unknown option {option!r}; options: {', '.join(cp.options[c])}"
        x[c] = cp.options[c].index(option)
    return x[None, :].astype(np.int64)


def _actor(cp: Compiled, name: str) -> int:
    assert name in cp.actors, f"unknown actor {name!r}; actors: {', '.join(cp.actors)}"
    return cp.actors.index(name)


def check(cp: Compiled, chk: dict[str, Any]) -> None:
    """Assert one check of a rule row (see the module docstring)."""
    kind = chk["kind"]
    if kind == "ratification":
        names = [s.name for s in cp.steps]
        assert chk["step"] in names, f"no ratification step {chk['step']!r}; steps: {', '.join(names)}"
        k = names.index(chk["step"])
        x = _package(cp, chk["package"])
        trig, prob = step_probabilities(cp, x, utilities(cp, x))
        assert bool(trig[k, 0]) is chk["triggered"], f"{chk['step']} triggered: {bool(trig[k, 0])}"
        if "possible" in chk:
            assert bool(prob[k, 0] > 0.0) is chk["possible"], f"{chk['step']} pass probability {prob[k, 0]:.3g}"
    elif kind == "approval":
        names = rule_names(cp)
        assert chk["rule"] in names, f"no approval rule {chk['rule']!r}; rules: {', '.join(names)}"
        r = names.index(chk["rule"])
        assert bool(triggered(cp, _package(cp, chk["package"]))[r, 0]) is chk["triggered"]
    elif kind == "feasible":
        assert bool(feasible(cp, _package(cp, chk["package"]))[0]) is chk["feasible"]
    elif kind == "veto":
        i = _actor(cp, chk["actor"])
        assert bool(vetoes(cp, _package(cp, chk["package"]))[i, 0]) is chk["vetoed"]
    elif kind == "prefers":
        i = _actor(cp, chk["actor"])
        better, worse = _package(cp, chk["better"]), _package(cp, chk["worse"])
        ub, uw = utilities(cp, better)[i, 0], utilities(cp, worse)[i, 0]
        assert ub > uw, f"U_{chk['actor']}(better) = {ub:.4f} is not above U(worse) = {uw:.4f}"
    elif kind == "signatory":
        assert bool(cp.signatory[_actor(cp, chk["actor"])]) is chk["signatory"]
    else:  # pragma: no cover - the row test refuses unknown kinds first
        raise AssertionError(f"unknown check kind {kind!r}")


def _rows() -> list[Any]:
    out = []
    for path in RULES:
        for row in _table(path)["rules"]:
            out.append(pytest.param(path, row, id=f"{path.stem}:{row['id']}"))
    return out


def test_every_shipped_scenario_has_a_rule_table():
    """Each Paris scenario has its table; each table names an existing scenario."""
    stems = {p.stem for p in RULES}
    assert {"paris_2025", "paris_2026"} <= stems
    for path in RULES:
        assert (ROOT / _table(path)["scenario"]).is_file()


@pytest.mark.parametrize("path", RULES, ids=lambda p: p.stem)
def test_table_is_well_formed(path):
    """Unique ids, a REPORT section, a text, a status; a reason where waived; checks of known kinds where encoded;
    and rows for each of §B.1, §B.4 and §A.21."""
    rows = _table(path)["rules"]
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)), "duplicate rule ids"
    for r in rows:
        assert r.get("report", "").startswith("§") and r.get("text"), r["id"]
        assert r["status"] in ("encoded", "waived"), r["id"]
        if r["status"] == "waived":
            assert r.get("reason") and not r.get("checks"), f"{r['id']}: a waived row needs a reason and no checks"
        else:
            assert r.get("checks"), f"{r['id']}: an encoded row needs checks"
            assert {c["kind"] for c in r["checks"]} <= KINDS, r["id"]
    for section in SECTIONS:
        assert any(r["report"].startswith(section) for r in rows), f"no row for {section}"


@pytest.mark.parametrize(("path", "row"), _rows())
def test_rule_row_holds(path, row):
    """Every check of every encoded row holds on the compiled scenario."""
    if row["status"] == "waived":
        return
    cp = _compiled(_table(path))
    for chk in row["checks"]:
        check(cp, chk)


def test_checks_can_fail():
    """The checks are not vacuous: a deliberately wrong expectation fails (here on the shipped toy)."""
    cp = compile_scenario(load_scenario(ROOT / "scenarios" / "paris_2026.yaml"))
    with pytest.raises(AssertionError):
        check(cp, {"kind": "signatory", "actor": cp.actors[0], "signatory": not bool(cp.signatory[0])})
    with pytest.raises(AssertionError):
        check(cp, {"kind": "feasible", "package": {}, "feasible": False})
    with pytest.raises(AssertionError):
        check(cp, {"kind": "prefers", "actor": cp.actors[0], "better": {}, "worse": {}})
