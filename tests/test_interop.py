"""negsim import genius / llm-deliberation and negsim export genius (docs/interop.md).

GENIUS semantics are computed here from the XML with ElementTree, not through sim.interop: eval = evaluation / max
evaluation of the issue (discrete), clip(offset + slope · (v − lowerbound), 0, 1) (integer), U = min(Σ w · eval, 1)
with the weights as written. LLM-Deliberation's rule is enumerated here with the integer scores.
"""

from __future__ import annotations

import itertools
import math
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
import yaml

from sim import scenario_from_document
from sim.analysis.bargaining import analyze
from sim.core.compiled import compile_scenario
from sim.core.tolerances import TOL
from sim.core.utility import all_packages, utilities
from sim.errors import UsageError
from sim.interop import genius, llm_deliberation
from sim.interop.genius_export import export
from sim.interop.ids import unique_ids
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures" / "genius"
DOMAIN = FIX / "laptop_domain.xml"
PROFILES = [FIX / "laptop_buyer.xml", FIX / "laptop_seller.xml"]
GAME = ROOT / "tests" / "fixtures" / "llm_deliberation" / "toy_game"


def _negsim(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


# -- GENIUS semantics, independently ----------------------------------------------------------------------------
def _genius_space(domain: Path, profile: Path):
    """(issues [(index, kind, values)], a function bid-of-value-texts → U, reservation)."""
    issues = []
    for el in ET.parse(domain).getroot().iter("issue"):
        if el.get("type") == "integer":
            lo, hi = int(el.get("lowerbound")), int(el.get("upperbound"))
            issues.append((el.get("index"), "integer", [str(v) for v in range(lo, hi + 1)], lo))
        else:
            issues.append((el.get("index"), "discrete", [i.get("value") for i in el.findall("item")], 0))
    root = ET.parse(profile).getroot()
    weights = {w.get("index"): float(w.get("value")) for w in root.iter("weight")}
    prof = {el.get("index"): el for el in root.iter("issue")}

    def u(bid: list[str]) -> float:
        total = 0.0
        for (index, kind, _, lo), value in zip(issues, bid, strict=True):
            el = prof[index]
            if kind == "discrete":
                ev = {i.get("value"): float(i.get("evaluation")) for i in el.findall("item")}
                e = ev[value] / max(ev.values())
            else:
                f = el.find("evaluator")
                e = min(max(float(f.get("offset")) + float(f.get("slope")) * (int(value) - lo), 0.0), 1.0)
            total += weights[index] * e
        return min(total, 1.0)

    res = root.find("reservation")
    return issues, u, float(res.get("value")) if res is not None else 0.0


def _imported(tmp_path: Path) -> Path:
    out = tmp_path / "laptop.yaml"
    r = _negsim("import", "genius", str(DOMAIN), *map(str, PROFILES), "-o", str(out))
    assert r.returncode == 0, r.stderr
    return out


def test_genius_utilities_equal_genius_semantics_for_every_package(tmp_path):
    scenario = load_scenario(_imported(tmp_path))
    cp = compile_scenario(scenario)
    X = all_packages(cp.n_options)
    U = utilities(cp, X)
    labels = [[scenario.clauses[c].option_labels.get(o, o) for o in scenario.clauses[c].options] for c in cp.clauses]
    for i, prof in enumerate(PROFILES):
        _, u, r = _genius_space(DOMAIN, prof)
        expected = np.array([u([labels[c][k] for c, k in enumerate(x)]) for x in X])
        np.testing.assert_allclose(U[i], expected, rtol=0, atol=1e-12)
        assert cp.reservation(0)[i] == pytest.approx(r, abs=1e-15)
    # the buyer's weights sum to 0.85: its best package is worth 0.85 in GENIUS, and in negsim
    assert U[0].max() == pytest.approx(0.85, abs=1e-12)
    assert cp.discount[0] ** cp.max_rounds == pytest.approx(0.8, rel=1e-12)
    assert cp.discount[1] == 1.0


def test_genius_zopa_maxmin_and_nash_equal_brute_force(tmp_path):
    scenario = load_scenario(_imported(tmp_path))
    spaces = [_genius_space(DOMAIN, p) for p in PROFILES]
    issues = spaces[0][0]
    best_min, best_log, count = -math.inf, -math.inf, 0
    for bid in itertools.product(*[values for _, _, values, _ in issues]):
        s = [u(list(bid)) - r for _, u, r in spaces]
        if min(s) >= -TOL:
            count += 1
        best_min = max(best_min, min(s))
        if min(s) > 0:
            best_log = max(best_log, sum(math.log(x) for x in s))
    a = analyze(scenario)
    assert a["zopa"] == (best_min >= -TOL)
    assert a["max_min_surplus"] == pytest.approx(best_min, abs=1e-6)
    assert a["nash_log_product"] == pytest.approx(best_log, abs=1e-8)
    assert a["n_signed"] == count


def test_genius_ids_keep_labels_without_collisions(tmp_path):
    scenario = load_scenario(_imported(tmp_path))
    delivery = scenario.clauses["Delivery"]
    assert delivery.options == ["_3_day", "_3_day_2"]
    assert delivery.option_labels == {"_3_day": "3 day", "_3_day_2": "3+ day"}
    assert scenario.clauses["Monitor"].option_labels["_19_LCD"] == "19'' LCD"
    assert scenario.clauses["Price_USD"].label == "Price (USD)"
    assert scenario.actors["laptop_buyer"].label == "laptop_buyer"
    assert unique_ids(["a b", "a-b", "a+b", "", "9"]) == ["a_b", "a-b", "a_b_2", "x", "_9"]


def test_genius_round_trip_import_export_import(tmp_path):
    first = load_scenario(_imported(tmp_path))
    files = export(first, tmp_path / "out")
    again = scenario_from_document(genius.scenario_document(files[0], files[1:], first.scenario.max_rounds))
    a, b = compile_scenario(first), compile_scenario(again)
    assert (a.clauses, a.options, a.actors) == (b.clauses, b.options, b.actors)
    assert {c: first.clauses[c].option_labels for c in a.clauses} == {
        c: again.clauses[c].option_labels for c in b.clauses
    }
    X = all_packages(a.n_options)
    np.testing.assert_allclose(utilities(a, X), utilities(b, X), rtol=0, atol=1e-12)
    np.testing.assert_allclose(a.reservation(0), b.reservation(0), atol=1e-15)
    np.testing.assert_allclose(a.discount, b.discount, rtol=1e-12)
    # the buyer's warranty evaluator is clipped at 1 from year 8: not affine, so written as a discrete issue
    assert 'name="Warranty years" index="4" etype="discrete"' in files[0].read_text()


def test_genius_pie_domain_with_1001_values_imports(tmp_path):
    out = tmp_path / "pie.yaml"
    r = _negsim(
        "import", "genius", str(FIX / "pie_domain.xml"), str(FIX / "pie_a.xml"), str(FIX / "pie_b.xml"), "-o", str(out)
    )
    assert r.returncode == 0, r.stderr
    assert _negsim("validate", str(out)).returncode == 0
    cp = compile_scenario(load_scenario(out))
    assert cp.n_options.tolist() == [1001]
    np.testing.assert_allclose(utilities(cp, all_packages(cp.n_options))[0], np.arange(1001) * 0.001, atol=1e-12)
    files = export(load_scenario(out), tmp_path / "pie")  # affine values: an integer issue again
    assert 'etype="integer"' in files[0].read_text() and 'lowerbound="0" upperbound="1000"' in files[0].read_text()
    again = compile_scenario(scenario_from_document(genius.scenario_document(files[0], files[1:])))
    X = all_packages(cp.n_options)
    np.testing.assert_allclose(utilities(again, X), utilities(cp, X), rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    ("files", "says"),
    [
        ((DOMAIN, FIX / "nonlinear_profile.xml"), "non-linear utility space (type='nonlinear')"),
        ((FIX / "real_domain.xml", PROFILES[0]), "issue 'Power' is real-valued: not supported"),
        ((DOMAIN, FIX / "missing.xml"), "no such file"),
    ],
)
def test_genius_unsupported_files_are_one_line_errors(files, says):
    r = _negsim("import", "genius", *map(str, files))
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and says in r.stderr, r.stderr


def test_genius_malformed_and_too_heavy_weights(tmp_path):
    bad = tmp_path / "bad.xml"
    bad.write_text("<utility_space><objective>", encoding="utf-8")
    r = _negsim("import", "genius", str(DOMAIN), str(bad))
    assert r.returncode == 2 and "not well-formed XML" in r.stderr
    heavy = tmp_path / "heavy.xml"
    heavy.write_text(
        PROFILES[1].read_text().replace('<weight index="4" value="0.3"/>', '<weight index="4" value="0.9"/>')
    )
    r = _negsim("import", "genius", str(DOMAIN), str(heavy))
    assert r.returncode == 2 and "the weights sum to 1.6 > 1" in r.stderr


# -- LLM-Deliberation ---------------------------------------------------------------------------------------------
def _game_rule_count() -> int:
    """Deals passing the game's own rule: ≥ n − 1 parties at or above their minimum, p1 and p2 among them."""
    parties = []
    for line in (GAME / "config.txt").read_text().splitlines():
        _, file, role = (c.strip() for c in line.split(",")[:3])
        rows = [
            [int(x) for x in r.split(",")]
            for r in (GAME / "scores_files" / f"{file}.txt").read_text().split("\n")
            if r.strip()
        ]
        parties.append((role, rows[:-1], rows[-1][0]))
    n = 0
    for deal in itertools.product(*[range(len(r)) for r in parties[0][1]]):
        ok = [sum(r[k] for r, k in zip(rows, deal, strict=True)) >= t for _, rows, t in parties]
        vetoes_ok = all(o for (role, _, _), o in zip(parties, ok, strict=True) if role in ("p1", "p2"))
        n += sum(ok) >= len(parties) - 1 and vetoes_ok
    return n


def test_llm_deliberation_n_signed_equals_the_games_own_rule(tmp_path):
    out = tmp_path / "toy.yaml"
    r = _negsim("import", "llm-deliberation", str(GAME), "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert _negsim("validate", str(out)).returncode == 0
    scenario = load_scenario(out)
    (rule,) = scenario.decision_rules.clause_approvals["A"]
    assert (rule.rule, rule.k, rule.vetoes) == ("k_of_n", 4, ["developer", "port"])
    assert scenario.signatories == ["developer", "port"]
    assert scenario.actors["fishers"].label == "Fishers' Union"
    assert scenario.scenario.status_quo_package == {"A": "A1", "B": "B4", "C": "C1", "D": "D1"}
    assert "unanimity bonus" in scenario.scenario.description
    expected = _game_rule_count()
    assert expected > 0
    assert analyze(scenario)["n_signed"] == expected


def test_llm_deliberation_bad_game_is_a_one_line_error(tmp_path):
    game = tmp_path / "g"
    (game / "scores_files").mkdir(parents=True)
    (game / "config.txt").write_text("A,a,p1,c\nB,b,player,c\nC,c,player,c\n")
    r = _negsim("import", "llm-deliberation", str(game))
    assert r.returncode == 2 and "exactly one party has role p2" in r.stderr
    with pytest.raises(UsageError, match="not a folder"):
        llm_deliberation.scenario_document(tmp_path / "missing")


def test_imported_yaml_reads_back_identically(tmp_path):
    doc = llm_deliberation.scenario_document(GAME)
    assert yaml.safe_load(yaml.safe_dump(doc, sort_keys=False)) == doc
