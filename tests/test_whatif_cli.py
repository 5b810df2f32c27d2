"""``negsim whatif`` and ``negsim evaluate --nearest`` on the command line: ``--json`` is one clean JSON document
(in a subprocess, so HiGHS' C++ output would show), the text says what the JSON says, errors are one line."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from test_json_stdout import negsim, one_json_document

from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def toy_with_levers(tmp: Path) -> Path:
    """The bilateral toy with B expecting too much to sign anything, and a menu that can fix it."""
    doc = load_scenario(ROOT / "scenarios" / "bilateral_toy.yaml").document()
    doc["actors"]["B"]["reservation"] = {"war_cost": 0.05, "expected_gain": 0.7}
    doc["levers"] = [
        {"id": "pay_b", "kind": "transfer", "actor": "B", "amount": 0.4, "cost": 2.0},
        {"id": "calm_b", "kind": "shift", "path": "actors.B.reservation.expected_gain", "by": -0.5, "cost": 3.0},
        {"id": "edit_timing", "kind": "clause_edit", "clause": "timing", "cost": 1.0},
        {"id": "edit_warranty", "kind": "clause_edit", "clause": "warranty", "cost": 1.0},
    ]
    path = tmp / "toy_levers.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def test_whatif_json_is_one_document_and_the_cheapest_set(tmp_path):
    path = toy_with_levers(tmp_path)
    pkg = tmp_path / "pkg.yaml"
    pkg.write_text(json.dumps({"low_late": {"price": "low", "timing": "late", "warranty": "none"}}))
    args = ("whatif", str(path), "--package", str(pkg), "--seeds", "4", "--tries", "2", "--json")
    doc = one_json_document(negsim(*args))
    (res,) = doc["results"]
    assert res["package"] == "low_late" and doc["seeds"] == 4
    first = res["candidates"][0]
    assert first["cost"] == min(c["cost"] for c in res["candidates"])
    assert set(first["levers"]) & {"pay_b", "calm_b"}  # B must be paid or calmed: no clause edit alone suffices
    assert first["simulation"]["runs"] == 4 and 0 <= first["simulation"]["p_deal"] <= 1


def test_whatif_text_and_no_sim(tmp_path, cli):
    path = toy_with_levers(tmp_path)
    r = cli("whatif", str(path), "--no-sim")
    assert r.returncode == 0, r.stderr
    assert "any package:" in r.stdout and "1. cost" in r.stdout and "P(deal)" not in r.stdout


def test_whatif_without_a_menu_is_one_line(cli):
    r = cli("whatif", "scenarios/bilateral_toy.yaml", "--no-sim")
    assert r.returncode == 2 and "no levers: section" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_evaluate_nearest_json_is_one_document(tmp_path):
    pkg = tmp_path / "pkg.yaml"
    pkg.write_text(json.dumps({"worst_for_a": {"price": "low", "timing": "early", "warranty": "none"}}))
    scenario = ROOT / "scenarios" / "bilateral_toy.yaml"
    doc = one_json_document(negsim("evaluate", str(scenario), "--package", str(pkg), "--nearest", "--json"))
    near = doc["worst_for_a"]["nearest"]
    assert near is not None and near["n_changed"] == len(near["changed"])
