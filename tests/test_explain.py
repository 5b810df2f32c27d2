"""Why P(deal): the run verdict (sim.engine.judge), the stage decomposition (sim.sweeps.explain), the blocking
table built from structural rejections, and ``negsim explain``."""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from sim.core.compiled import compile_scenario
from sim.engine.judge import judge, rejection_kind
from sim.engine.records import Ballot
from sim.engine.runner import run
from sim.plots.sweep import blocking_table
from sim.scenario.edit import tweak
from sim.scenario.loader import load_scenario
from sim.sweeps.explain import explain

ACTORS = ("RU", "UA")


def row(stage: str, pkg: str = "a", param: float = 0.0, **extra) -> dict:
    deal = stage == ""
    reason = {"": "deal", "table": "walk_away:RU", "ratification": "ratification_failed:UA:rada"}.get(
        stage, "no_agreement"
    )
    r = {"deal": deal, "reason": reason, "failed_stage": stage, "p.x": param, "error": None}
    r |= {"package.c1": pkg if deal else None, "package.c2": "z" if deal else None}
    r |= {"signed.c1": pkg if stage in ("", "ratification") else None}
    r |= {"signed.c2": "z" if stage in ("", "ratification") else None}
    r |= {"pivotal": "", "ratification_failed": "UA:rada" if stage == "ratification" else "", "blocked_by": ""}
    for a in ACTORS:
        r |= {f"accepted.{a}": True, f"rejection.{a}": "", f"blame.{a}": "", f"blocking_clause.{a}": ""}
    return r | extra


def table() -> pd.DataFrame:
    rows = [row("") for _ in range(3)] + [row("", "b"), row("", "c", 1.0)]
    rows += [row("table", **{"rejection.RU": "timing", "blocked_by": "RU"}) for _ in range(4)]
    ru = {"rejection.RU": "structural", "blame.RU": "c1=b", "pivotal": "RU", "blocked_by": "RU"}
    rows += [row("signing", param=1.0, **ru, **{"blocking_clause.RU": "c1"})]
    rows += [row("approval", param=1.0), row("ratification", param=1.0, pivotal="UA")]
    rows += [row("", error=None) | {"error": "ValueError: boom"}]  # a run that raised is not counted
    return pd.DataFrame(rows)


def test_decomposition_multiplies_exactly_to_p_deal():
    e = explain(table())
    assert (e["n"], e["deals"]) == (12, 5)
    assert e["p_deal"] == 5 / 12 and e["product"] == e["p_deal"]  # float of the exact fraction
    assert [(s["stage"], s["n"], s["passed"]) for s in e["stages"]] == [
        ("table", 12, 8), ("signing", 8, 7), ("approval", 7, 6), ("ratification", 6, 5)]  # fmt: skip
    assert float(np.prod([Fraction(s["passed"], s["n"]) for s in e["stages"]])) == 5 / 12
    for s in e["stages"]:
        assert s["ci"][0] <= s["p"] <= s["ci"][1]
    assert e["failed"] == {"table": 4, "signing": 1, "approval": 1, "ratification": 1}


def test_actors_packages_and_by():
    e = explain(table(), by="p.x")
    assert e["actors"]["RU"]["pivotal"] == 1 / 12 and e["actors"]["RU"]["structural"] == 1 / 12
    assert e["actors"]["RU"]["timing"] == 4 / 12 and e["actors"]["RU"]["blame"] == {"c1=b": 1}
    assert e["actors"]["UA"]["ratification_failed"] == 1 / 12 and e["actors"]["UA"]["pivotal"] == 1 / 12
    pk = e["packages"]
    assert pk["source"] == "deal" and pk["modal"]["package"] == {"c1": "a", "c2": "z"} and pk["modal"]["n"] == 3
    assert [(x["package"]["c1"], x["distance"]) for x in pk["nearest"]] == [("b", 1), ("c", 1)]
    groups = {g["value"]: g for g in e["by"]["groups"]}
    assert set(groups) == {0.0, 1.0}
    assert groups[1.0]["n"] == 4 and groups[1.0]["deals"] == 1 and groups[1.0]["product"] == 0.25
    assert groups[0.0]["n"] + groups[1.0]["n"] == e["n"]


def test_old_tables_fall_back_on_reason():
    old = table().drop(columns=["failed_stage"])
    e = explain(old)
    assert e["failed"] == {"table": 4, "signing": 2, "approval": 0, "ratification": 1}
    assert e["product"] == e["p_deal"]


def test_blocking_table_counts_structural_rejections_and_ratification_only():
    t = blocking_table(table())
    assert t.loc["RU", "c1"] == pytest.approx(1 / 12)  # the 4 timing rejections at walk-aways are not blocks
    assert t.loc["UA", "ratification"] == pytest.approx(1 / 12)
    assert t.to_numpy().sum() == pytest.approx(2 / 12)


def test_rejection_kinds():
    assert rejection_kind("reject", 0.3, 0.4) == "structural"
    assert rejection_kind("reject", 0.4, 0.4) == "timing"
    assert rejection_kind("veto", 0.9, 0.4) == "structural"
    assert rejection_kind("absent", 0.0, 0.4) == "absent"


def test_ratification_failure_keeps_the_signed_package_and_names_the_failed_actor():
    cp = compile_scenario(load_scenario("scenarios/bilateral_toy.yaml"))
    pkg = cp.sq.copy()
    ballot = Ballot(pkg, 0, np.ones(cp.n_clauses, bool), True, np.array([0.6, 0.6]), np.zeros(0, bool),
                    np.ones(2, bool), ("accept", "accept"), (1.0, 1.0))  # fmt: skip
    v = judge(cp, ballot, np.array([0.5, 0.5]), "ratification_failed:B:parliament", {"B:parliament": False})
    assert v.failed_stage == "ratification" and v.signed_package == cp.labels(pkg) and v.pivotal == ["B"]
    rejected = Ballot(pkg, 0, ballot.free, True, np.array([0.6, 0.2]), ballot.triggered, ballot.required,
                      ("accept", "reject"), (1.0, 0.0))  # fmt: skip
    v = judge(cp, rejected, np.array([0.5, 0.5]), "no_agreement", {})
    assert v.failed_stage == "signing" and v.signed_package is None and v.pivotal == ["B"]
    assert v.rejection == {"B": "structural"} and v.blame["B"]  # a change that brings B to 0.5 exists
    assert v.blocking_clause["B"] == "+".join(v.blame["B"])


def test_paris_2025_single_package_walk_aways_have_no_structural_blocker():
    """The issue's case: FR and PL were listed as blocking over foreign forces while everyone was conceding."""
    s = tweak(load_scenario("scenarios/paris_2025.yaml"), {"protocol.agenda": "single_package"})
    walked = 0
    for seed in range(6):
        o = run(s, seed=seed).outcome
        if o.failed_stage == "table":
            walked += 1
            assert "structural" not in o.rejection.values() and not o.pivotal
            assert set(o.rejection) == set(o.rejected_by)
    assert walked > 0


def test_paris_2025_ceasefire_first_blame_looks_beyond_the_stage():
    """Under ceasefire_first only the ceasefire clauses are open, but the counterfactual ranges over all clauses."""
    s = load_scenario("scenarios/paris_2025.yaml")
    o = run(s, seed=0).outcome
    assert o.rejection.get("RU") == "structural"
    stage0 = set(compile_scenario(s).stages[0])
    changed = {compile_scenario(s).clauses.index(c) for c in o.blame["RU"]}
    assert changed and not changed <= stage0


def test_cli_explain_json_on_a_toy_file(tmp_path):
    cmd = [sys.executable, "-m", "sim", "explain", "scenarios/bilateral_toy.yaml", "--seeds", "6", "--json"]
    out = subprocess.run([*cmd, "--out", str(tmp_path / "sw")], capture_output=True, text=True, check=True)
    e = json.loads(out.stdout)
    assert {"p_deal", "stages", "actors", "packages", "product"} <= set(e)
    assert [s["stage"] for s in e["stages"]] == ["table", "signing", "approval", "ratification"]
    assert e["product"] == e["p_deal"] and e["n"] == 6
    again = subprocess.run([sys.executable, "-m", "sim", "explain", str(tmp_path / "sw")], capture_output=True,
                           text=True, check=True)  # fmt: skip
    assert again.stdout.startswith(f"P(deal) = {e['p_deal']:.3f}")
    bad = subprocess.run([sys.executable, "-m", "sim", "explain", str(tmp_path / "sw"), "--by", "nope"],
                         capture_output=True, text=True)  # fmt: skip
    assert bad.returncode == 2 and "--by nope" in bad.stderr
