"""``sim.evaluate`` and ``negsim evaluate``: the packages tabled in 2025-26 against REPORT.md §D.4.

Known values: the §D.4 utilities of the tabled packages (where our encoding matches the report's) and the §D.4
mediator "paper ZOPA" of 2025 (gaps US +0.74, UA +0.23, RU +0.19, P(deal | λ=20) ≈ 0.97). Properties: on random
packages of the shipped scenarios, ``signed`` implies what it promises, probabilities and utilities are bounded.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import PARIS_2025_ADDED_CLAUSES, REPORT_2025_PAPER_ZOPA
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import tweak
from sim.analysis.evaluation import evaluate
from sim.core.compiled import compile_scenario
from sim.core.curves import logit_accept
from sim.core.utility import holds
from sim.errors import UsageError

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ROOT / "scenarios" / "packages"
SIGNATORIES = ("US", "UA", "RU")


@pytest.fixture(scope="module")
def tabled(paris2025, paris2026):
    out = {}
    for year, scenario in (("2025", paris2025), ("2026", paris2026)):
        pkgs = yaml.safe_load((PACKAGES / f"paris_{year}_tabled.yaml").read_text())
        out[year] = evaluate(scenario, pkgs)
    return out


@pytest.fixture(scope="module")
def tabled_report(tabled, paris2025_report):
    """``tabled`` with 2025 evaluated on the REPORT's 13-clause calibration (conftest.report_2025_calibration)."""
    pkgs = yaml.safe_load((PACKAGES / "paris_2025_tabled.yaml").read_text())
    return {**tabled, "2025": evaluate(paris2025_report, pkgs)}


def rejecting(result: dict) -> set[str]:
    """Signatories that would not sign: surplus < 0 or one of their red lines hit."""
    return {a for a in SIGNATORIES if result["actors"][a]["surplus"] < 0 or result["actors"][a]["red_lines_hit"]}


# REPORT §D.4: who rejected each tabled package (history: none was accepted by all three parties).
REJECTED_BY = {
    ("2025", "witkoff_framework"): {"UA", "RU"},
    ("2025", "london_counter_text"): {"RU"},
    ("2025", "russian_memorandum"): {"UA"},
    ("2026", "twenty_point_paris_declaration"): {"RU"},
    ("2026", "twenty_point_fez"): {"RU"},
    ("2026", "twenty_eight_point_plan"): {"UA"},
    ("2026", "russian_memorandum"): {"UA"},
}


def test_every_tabled_package_is_encoded(tabled):
    assert {(y, n) for y, res in tabled.items() for n in res} == set(REJECTED_BY)


@pytest.mark.parametrize(("year", "name"), sorted(REJECTED_BY))
def test_tabled_packages_are_not_signed_and_rejected_by_whom_the_report_says(tabled, year, name):
    r = tabled[year][name]
    assert r["signed"] is False
    assert rejecting(r) == REJECTED_BY[(year, name)]
    assert r["p_sign"] < 0.01


# Rows of REPORT §D.4 our encoding reproduces (US, UA, RU utilities, 3 decimals in the report). The 20-point rows
# and the 2026 Russian memorandum's US/UA values differ (encoding choices, see docs/evaluate.md) and are not here.
REPORT_UTILITIES = {
    ("2025", "witkoff_framework"): {"US": 0.912, "UA": 0.687, "RU": 0.409},
    ("2025", "london_counter_text"): {"US": 0.656, "UA": 0.946, "RU": 0.212},
    ("2025", "russian_memorandum"): {"US": 0.763, "UA": 0.158, "RU": 0.974},
    ("2026", "twenty_eight_point_plan"): {"US": 0.888, "UA": 0.525, "RU": 0.688},
    ("2026", "russian_memorandum"): {"RU": 0.971},
}


@pytest.fixture(scope="module")
def tabled_as_report(tabled_report, paris2026):
    """The tabled packages valued as REPORT §D.4 valued them: additive over its 18 clauses. Paris 2026 adds the clauses
    of §A.4 and §A.19 and the interaction terms of §A.21 (issue #16.1), which the report's table did not have: here
    their saliences are 0 and the interactions are off (the shipped file's own values are in ``tabled``)."""
    added = ("russian_withdrawal_other", "humanitarian_amnesty")
    owners = ["profiles.E3_base", "profiles.HU_SK_base", "actors.US", "actors.UA", "actors.RU"]
    edits: dict[str, object] = {f"{o}.salience.{c}": 0.0 for o in owners for c in added}
    edits |= {"profiles.E3_base.interactions": None, "actors.UA.interactions": None, "actors.RU.interactions": None}
    pkgs = yaml.safe_load((PACKAGES / "paris_2026_tabled.yaml").read_text())
    return {"2025": tabled_report["2025"], "2026": evaluate(tweak(paris2026, edits), pkgs)}


@pytest.mark.parametrize(("year", "name"), sorted(REPORT_UTILITIES))
def test_utilities_reproduce_report_table(tabled_as_report, year, name):
    actors = tabled_as_report[year][name]["actors"]
    for actor, value in REPORT_UTILITIES[(year, name)].items():
        assert actors[actor]["utility"] == pytest.approx(value, abs=6e-4), actor


@pytest.mark.parametrize("name", ["witkoff_framework", "london_counter_text", "russian_memorandum"])
def test_shipped_2025_utilities_are_the_reports_renormalised(tabled, tabled_report, paris2025, name):
    """The tabled texts leave the added clauses at the status quo, so U_shipped = (U_report + Σ_new w_new ·
    v_new(sq)) / (1 + Σ_new w_new) + Σ_k value_k [x ∈ when_k] (the 13 clauses' saliences sum to 1; the interaction
    terms of the actor that the package triggers: Ukraine's NATO renunciation without an Article-5-like guarantee in
    the Witkoff framework and the memorandum)."""
    cp = compile_scenario(paris2025)
    sq = paris2025.scenario.status_quo_package
    pkgs = yaml.safe_load((PACKAGES / "paris_2025_tabled.yaml").read_text())
    x = cp.package({**sq, **pkgs[name]})[None, :]
    for a in SIGNATORIES:
        spec = paris2025.actors[a]  # the signatories give their own saliences and option values
        w = {c: spec.salience[c] for c in PARIS_2025_ADDED_CLAUSES}
        v = {c: spec.utilities[c][sq[c]] for c in PARIS_2025_ADDED_CLAUSES}
        report = tabled_report["2025"][name]["actors"][a]["utility"]
        terms = sum(it.value for it in cp.interactions if cp.actors[it.actor] == a and holds(it.when, x)[0])
        expect = (report + sum(w[c] * v[c] for c in w)) / (1 + sum(w.values())) + terms
        assert tabled["2025"][name]["actors"][a]["utility"] == pytest.approx(expect, abs=1e-9), a
    assert cp.n_clauses == 15


def test_vetoes_match_report_counts(tabled):
    """§D.4: the Russian position hits 3 Ukrainian red lines in 2025 and 5 in 2026; Witkoff one for UA and RU."""
    assert len(tabled["2025"]["russian_memorandum"]["actors"]["UA"]["red_lines_hit"]) == 3
    assert len(tabled["2026"]["russian_memorandum"]["actors"]["UA"]["red_lines_hit"]) == 5
    w = tabled["2025"]["witkoff_framework"]["actors"]
    assert w["UA"]["red_lines_hit"] == ["territorial_recognition=us_de_jure_crimea_de_facto_rest"]
    assert w["RU"]["red_lines_hit"] == ["foreign_forces=european_rear_force"]


def test_hungary_blocks_eu_clauses_by_linkage(tabled):
    """§D.4: in the 20-point package HU's accession red line makes it vote no on EU relief too."""
    r = tabled["2026"]["twenty_point_paris_declaration"]
    failed = {a["rule"]: a["against"] for a in r["approvals"] if a["triggered"] and not a["passes"]}
    assert failed == {"eu_sanctions_relief:unanimity": ["HU"], "eu_accession:unanimity": ["HU"]}
    assert r["actors"]["HU"]["surplus"] >= 0  # it is the red line, not the surplus, that blocks
    assert {x["body"] for x in r["ratification_needed"]} == {"UK:parliament", "US_Congress"}


def test_fez_needs_the_ukrainian_referendum(tabled):
    bodies = {x["body"] for x in tabled["2026"]["twenty_point_fez"]["ratification_needed"]}
    assert "UA:referendum" in bodies


def test_report_paper_zopa_2025_is_signed(paris2025_report):
    """§D.4 mediator package of 2025: signed, with gaps US +0.74, UA +0.23, RU +0.19 and P(deal | λ=20) ≈ 0.97 (the
    REPORT's 13-clause calibration; the added clauses at the status quo)."""
    r = evaluate(paris2025_report, REPORT_2025_PAPER_ZOPA)["package"]
    assert r["signed"] is True and r["from_status_quo"] == list(PARIS_2025_ADDED_CLAUSES)
    gaps = {a: r["actors"][a]["surplus"] for a in SIGNATORIES}
    assert gaps == pytest.approx({"US": 0.74, "UA": 0.23, "RU": 0.19}, abs=0.01)
    assert r["p_sign"] == pytest.approx(0.97, abs=0.005)


def test_left_out_clauses_take_the_status_quo(paris2025):
    cp = compile_scenario(paris2025)
    r = evaluate(paris2025, {"only": {"ceasefire": "permanent_full"}})["only"]
    assert r["from_status_quo"] == [c for c in cp.clauses if c != "ceasefire"]
    full = evaluate(paris2025, {"x": {**cp.labels(cp.sq), "ceasefire": "permanent_full"}})["x"]
    assert full["actors"]["US"]["utility"] == pytest.approx(r["actors"]["US"]["utility"])


def test_p_accept_is_logit_of_surplus_with_the_actor_lambda(paris2025):
    cp = compile_scenario(paris2025)
    r = evaluate(paris2025, {"ceasefire": "full_30_day"})["package"]
    for i, a in enumerate(cp.actors):
        x = r["actors"][a]
        assert x["reservation"] == pytest.approx(cp.reservation(0)[i])
        assert x["p_accept"] == pytest.approx(float(logit_accept(x["surplus"], cp.lam[i])))


@pytest.mark.parametrize(
    ("pkg", "match"),
    [
        ({"cesefire": "none"}, "did you mean 'ceasefire'"),
        ({"a": {"ceasefire": "permanent"}}, "did you mean 'permanent_full'"),
        ({"a": {"ceasefire": "none"}, "b": "x"}, "expected a mapping"),
        ({}, "expected a mapping"),
    ],
)
def test_bad_packages_are_usage_errors(paris2025, pkg, match):
    with pytest.raises(UsageError, match=match):
        evaluate(paris2025, pkg)


def random_packages(cp, n_max: int = 6):
    choice = st.tuples(*(st.integers(0, int(k) - 1) for k in cp.n_options))
    return st.lists(choice, min_size=1, max_size=n_max)


@pytest.mark.parametrize("fixture", ["paris2025", "paris2026"])
def test_properties_on_random_packages(request, fixture):
    scenario = request.getfixturevalue(fixture)
    cp = compile_scenario(scenario)

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(random_packages(cp))
    def check(rows):
        pkgs = {f"p{k}": cp.labels(np.array(row)) for k, row in enumerate(rows)}
        result = evaluate(cp, pkgs)
        for name, r in result.items():
            for a, x in r["actors"].items():
                assert 0.0 <= x["utility"] <= 1.0
                assert 0.0 <= x["p_accept"] <= 1.0
                assert x["accepts"] == (x["surplus"] >= 0 and not _hard_hit(cp, pkgs[name], a))
            assert 0.0 <= r["p_sign"] <= 1.0
            if r["signed"]:
                assert r["constraint_violations"] == []
                for a in SIGNATORIES:
                    assert r["actors"][a]["surplus"] >= 0
                    assert not _hard_hit(cp, pkgs[name], a)
                assert all(ap["passes"] for ap in r["approvals"])
            if r["constraint_violations"]:
                assert not r["signed"]

    check()


def _hard_hit(cp, labels: dict[str, str], actor: str) -> bool:
    i = cp.actors.index(actor)
    x = cp.package(labels)
    return bool(cp.hard[i, x + cp.offsets].any())


def test_cli_json(tabled, cli):
    p = cli("evaluate", "scenarios/paris_2025.yaml", "--package", "scenarios/packages/paris_2025_tabled.yaml", "--json")
    assert p.returncode == 0, p.stderr
    data = json.loads(p.stdout)
    assert set(data) == set(tabled["2025"])
    assert data["witkoff_framework"]["signed"] is False
    assert data["witkoff_framework"]["actors"]["US"]["utility"] == pytest.approx(
        tabled["2025"]["witkoff_framework"]["actors"]["US"]["utility"], abs=1e-12
    )


def test_cli_table(cli):
    p = cli("evaluate", "scenarios/paris_2026.yaml", "--package", "scenarios/packages/paris_2026_tabled.yaml")
    assert p.returncode == 0, p.stderr
    assert "twenty_eight_point_plan" in p.stdout and "not signed" in p.stdout


def test_cli_bad_option_points_at_the_line(tmp_path, cli):
    bad = tmp_path / "pkg.yaml"
    bad.write_text("deal:\n  ceasefire: permanent_full\n  contact_line: freez_current_line\n")
    p = cli("evaluate", "scenarios/paris_2025.yaml", "--package", str(bad))
    assert p.returncode == 2
    assert f"{bad}:3:3:" in p.stderr and "did you mean 'freeze_current_line'" in p.stderr
    assert "Traceback" not in p.stderr
