"""``--json`` prints exactly one JSON document on stdout: nothing of HiGHS (or anything else) besides.

highspy writes its ``Running HiGHS … Copyright …`` banner from C++ straight to file descriptor 1 when a ``Highs``
object is built, which Python-level capture (capsys) never sees, so the CLI runs in a subprocess here and the unit
test of :mod:`sim.search.highs` uses capfd.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))


def negsim(*args: str) -> subprocess.CompletedProcess[str]:
    """The CLI in a subprocess, from the repository root (so this checkout's ``sim`` is the one imported)."""
    return subprocess.run(
        [sys.executable, "-m", "sim", *args], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )


def one_json_document(r: subprocess.CompletedProcess[str]) -> object:
    """The single JSON document that is stdout, whole (json.loads rejects anything before or after it)."""
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip(), f"nothing on stdout; stderr: {r.stderr}"
    assert "HiGHS" not in r.stdout
    return json.loads(r.stdout)


def test_building_a_highs_instance_writes_nothing_to_fd1(capfd):
    import numpy as np

    from sim.search import highs

    # min -x s.t. x <= 3, x integer in [0, 10]
    h = highs.load(
        np.array([-1.0]), np.array([[1.0]]), np.array([-np.inf]), np.array([3.0]), np.zeros(1), np.array([10.0]), [True]
    )
    h.run()
    x = highs.optimum(h)
    print("after", flush=True)  # Python-level output around the construction still reaches stdout, in order
    out, err = capfd.readouterr()
    assert x is not None and x[0] == 3.0
    assert out == "after\n"
    assert err == ""


def test_a_fresh_process_building_highs_prints_nothing():
    """As above, in a process of its own: highspy 1.16 prints its banner once per process, so a capfd test that
    runs after any other HiGHS use in the same pytest process would pass whatever sim.search.highs does."""
    code = "from sim.search import highs; highs.new(); highs.new()"
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")


def test_fd1_is_restored_after_construction(capfd):
    import os

    from sim.search import highs

    highs.new()
    os.write(1, b"raw fd write\n")
    out, _ = capfd.readouterr()
    assert out == "raw fd write\n"


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.stem)
def test_run_json_is_one_document(scenario):
    doc = one_json_document(negsim("run", str(scenario), "--json", "--no-save"))
    assert isinstance(doc, dict) and "deal" in doc


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.stem)
def test_analyze_json_is_one_document(scenario):
    doc = one_json_document(negsim("analyze", str(scenario), "--json"))
    assert isinstance(doc, dict) and doc


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.stem)
def test_evaluate_json_is_one_document(scenario, tmp_path):
    sc = load_scenario(scenario)
    first = {c: clause.options[0] for c, clause in sc.clauses.items()}
    pkg = tmp_path / "pkg.yaml"
    pkg.write_text(json.dumps({"first_options": first}))  # JSON is YAML
    doc = one_json_document(negsim("evaluate", str(scenario), "--package", str(pkg), "--json"))
    assert isinstance(doc, dict) and set(doc) == {"first_options"}


CLAUSES, OPTIONS = 8, 5  # 5**8 = 390,625 packages: beyond enumeration, so the mediator goes to HiGHS


def big_bilateral(path: Path) -> Path:
    lines = [
        "scenario:",
        "  id: big_bilateral",
        "  round_unit: round",
        "  max_rounds: 4",
        "  status_quo_package: {" + ", ".join(f"c{k}: o0" for k in range(CLAUSES)) + "}",
        "protocol:",
        "  agenda: single_package",
        "  proposal_mode: alternating_offers",
        "  proposers: [A, B]",
        "  acceptance: {model: threshold}",
        "  concession: linear",
        "clauses:",
    ]
    opts = ", ".join(f"o{j}" for j in range(OPTIONS))
    lines += [f"  c{k}: {{ordered: true, options: [{opts}]}}" for k in range(CLAUSES)]
    lines.append("actors:")
    for name, lean in (("A", 1), ("B", -1)):
        lines += [f"  {name}:", "    role: party_signatory", "    salience: {"]
        lines[-1] += ", ".join(f"c{k}: {1 + (k * 7 + (3 if lean < 0 else 0)) % 5}" for k in range(CLAUSES)) + "}"
        lines.append("    utilities:")
        for k in range(CLAUSES):
            up = (k % 2 == 0) == (lean > 0)
            vals = [j / (OPTIONS - 1) for j in range(OPTIONS)]
            lines.append(f"      c{k}: {list(vals if up else vals[::-1])}")
        lines += ["    reservation: {war_cost: 0.05}", "    discount: 0.9"]
    lines += ["decision_rules:", "  signatories: [A, B]"]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_milp_sized_space_prints_one_document(tmp_path):
    from sim.search.enumeration import space_size
    from sim.search.searcher import ENUMERATION_LIMIT

    path = big_bilateral(tmp_path / "big.yaml")
    sc = load_scenario(path)
    assert OPTIONS**CLAUSES == 390_625 > ENUMERATION_LIMIT
    from sim.core.compiled import compile_scenario

    cp = compile_scenario(sc)
    import numpy as np

    assert space_size(cp, np.ones(CLAUSES, dtype=bool)) > ENUMERATION_LIMIT
    run = one_json_document(negsim("run", str(path), "--json", "--no-save"))
    assert isinstance(run, dict) and "deal" in run
    analysis = one_json_document(negsim("analyze", str(path), "--json"))
    assert isinstance(analysis, dict) and analysis
