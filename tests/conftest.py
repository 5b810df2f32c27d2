from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

os.environ.setdefault("MPLBACKEND", "Agg")

# Hypothesis profiles. "ci" is deterministic: the same examples on every run and machine (derandomize), no example
# database carried between runs, and a failure prints the @reproduce_failure blob. "dev" (local work) draws new
# examples each run and keeps the database in .hypothesis/, so a failure found once is replayed first next time.
# Chosen by HYPOTHESIS_PROFILE, else "ci" when CI is set to true (.ci/run sets it), else "dev". Each test's own
# @settings(max_examples=...) still applies; the profiles set only how examples are drawn and reported.
# Both derive from Hypothesis' own defaults: Hypothesis loads its built-in "ci" profile by itself whenever a CI
# variable is set (even CI=false), and a profile registered without a parent would inherit from that.
_DEFAULTS = settings.get_profile("default")
settings.register_profile(
    "ci",
    _DEFAULTS,
    derandomize=True,
    database=None,
    print_blob=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],  # a timing check: on a loaded machine it fails at random
)
settings.register_profile("dev", _DEFAULTS, deadline=None)
_ci = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if _ci else "dev"))

ROOT = Path(__file__).resolve().parents[1]

REPORT_2025_PAPER_ZOPA = {
    "ceasefire": "permanent_full",
    "territorial_recognition": "us_de_facto_all",
    "contact_line": "freeze_current_line",
    "russian_withdrawal_other": "kharkiv_and_kinburn",
    "znpp": "us_operated_shared_power",
    "nato_membership": "constitutional_and_nato_ban",
    "foreign_forces": "none",
    "security_guarantees": "article5_like_us_europe",
    "western_military_aid": "continued_with_limits",
    "us_sanctions_relief": "full_lift_since_2014",
    "eu_sanctions_relief": "full",
    "frozen_assets": "reconstruction_vehicle_us_share",
    "us_russia_economic": "full_normalization_g8",
}
"""REPORT §D.4 (docs/sources.md): the mediator's (Nash-product) package of Paris 2025, gaps U − R: US +0.74,
UA +0.23, RU +0.19."""
PARIS_2025_ADDED_CLAUSES = ("ceasefire_monitoring", "prosperity")
"""Clauses the fidelity pass (#16.1) added to the REPORT's 13-clause Paris 2025 calibration (REPORT §A.8, §A.17)."""


def report_2025_calibration(scenario):
    """Paris 2025 as the REPORT calibrated it (§D.3): the added clauses weigh nothing and the §A.21 interaction terms
    are off, so that U_i is the REPORT's additive utility over its 13 clauses (saliences are normalised by the
    compiler). Approval and ratification rules stay as shipped."""
    from sim import tweak

    where = ("actors.US", "actors.UA", "actors.RU", "profiles.E3_base", "profiles.HU_SK_base")
    changes = {f"{w}.salience.{c}": 0.0 for w in where for c in PARIS_2025_ADDED_CLAUSES}
    changes.update({"actors.UA.interactions": None, "profiles.E3_base.interactions": None})
    return tweak(scenario, changes)


SCENARIOS = ROOT / "scenarios"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def paris2025():
    from sim import load_scenario

    return load_scenario(SCENARIOS / "paris_2025.yaml")


@pytest.fixture(scope="session")
def paris2026():
    from sim import load_scenario

    return load_scenario(SCENARIOS / "paris_2026.yaml")


@pytest.fixture(scope="session")
def toy():
    from sim import load_scenario

    return load_scenario(SCENARIOS / "bilateral_toy.yaml")


@dataclass(frozen=True)
class CliResult:
    """What ``negsim ARGS`` returned and printed, like ``subprocess.CompletedProcess``."""

    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., CliResult]:
    """Run ``negsim ARGS`` in this process (``sim.cli.main.main``), from ``cwd`` (default: the repository root).

    A test needs a real subprocess only for what a process adds: the installed entry point, output at the file
    descriptor level, signals, a second process (locks) or a fresh interpreter (hash seeds). Everything else is
    faster here and measured by coverage directly."""

    def call(*args: object, cwd: Path = ROOT) -> CliResult:
        from sim.cli.main import main

        monkeypatch.chdir(cwd)
        capsys.readouterr()  # drop what the test printed before
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse: usage errors (2), --help and --version (0)
            code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
        out = capsys.readouterr()
        return CliResult(code, out.out, out.err)

    return call


@pytest.fixture(scope="session")
def a2025(paris2025):
    """``analyze`` of Paris 2025, computed once per session (a few seconds)."""
    from sim.analysis.bargaining import analyze

    return analyze(paris2025)


@pytest.fixture(scope="session")
def paris2025_report(paris2025):
    """:func:`report_2025_calibration` of the shipped Paris 2025."""
    return report_2025_calibration(paris2025)


@pytest.fixture(scope="session")
def a2026(paris2026):
    """``analyze`` of Paris 2026, computed once per session."""
    from sim.analysis.bargaining import analyze

    return analyze(paris2026)
