from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

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
"""REPORT.md §D.4: the mediator's (Nash-product) package of Paris 2025, gaps U − R: US +0.74, UA +0.23, RU +0.19."""
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
