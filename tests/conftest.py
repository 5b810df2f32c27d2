from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

ROOT = Path(__file__).resolve().parents[1]
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
