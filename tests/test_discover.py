"""negsim discover: the tree (CART) finds a planted box; the CLI prints a rule and draws the trade-off."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from conftest import SCENARIOS
from test_sensitivity import P1, P2, coins_prepare

from sim.errors import UsageError
from sim.scenario.loader import load_scenario
from sim.sweeps.discover import discover_table
from sim.sweeps.run import sweep


def planted(n: int = 4000, seed: int = 3) -> pd.DataFrame:
    """Deals at 90 % inside a <= 0.3 and b >= 0.6, at 5 % elsewhere; c and the choice k are noise."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"a": rng.random(n), "b": rng.random(n), "c": rng.random(n), "k": rng.choice(list("xyz"), n)})
    inside = (df.a <= 0.3) & (df.b >= 0.6)
    df["deal"] = np.where(inside, rng.random(n) < 0.9, rng.random(n) < 0.05)
    df["error"] = None
    return df


def test_cart_finds_the_planted_box():
    d = discover_table(planted(), ["a", "b", "c", "k"], density=0.8)
    assert set(d.box.limits) == {"a", "b"}  # the noise parameters are not restricted
    (alo, ahi), (blo, bhi) = d.box.limits["a"], d.box.limits["b"]
    assert alo < 0.01 and bhi > 0.99  # the other ends stay at the edges of the data
    assert abs(ahi - 0.3) < 0.05 and abs(blo - 0.6) < 0.05
    assert d.box.density >= 0.8 and d.box.coverage > 0.7
    rule = d.box.rule("deal", d.full)
    assert rule.startswith("deal 8") or rule.startswith("deal 9")
    assert f"a <= {ahi:.3g}" in rule and f"b >= {blo:.3g}" in rule and " c " not in rule


def test_no_deal_outcome_and_errors():
    d = discover_table(planted(), ["a", "b"], outcome="no-deal", density=0.9)
    assert d.box.density >= 0.9 and d.base_rate > 0.8
    with pytest.raises(UsageError, match="unknown --outcome 'utility'"):
        discover_table(planted(), ["a"], outcome="utility")
    df = planted()
    df["deal"] = True
    with pytest.raises(UsageError, match="true in every run"):
        discover_table(df, ["a"])


def test_cli_on_a_sweep_folder(tmp_path):
    toy = load_scenario(SCENARIOS / "bilateral_toy.yaml")
    res = sweep(toy, {P1: "uniform:0.05:1", P2: "0.05:1:1"}, seeds=8, design="lhs", samples=200, out=tmp_path / "s",
                quiet=True, _prepare=coins_prepare)  # fmt: skip
    out = subprocess.run([sys.executable, "-m", "sim", "discover", str(res.path), "--json", "--density", "0.7"],
                         capture_output=True, text=True)  # fmt: skip
    assert out.returncode == 0, out.stderr
    j = json.loads(out.stdout)
    assert P1 in j["box"]["limits"] and j["box"]["limits"][P1][0] > 0.5  # deals where A's coin is likely
    assert (res.path / "discover.png").stat().st_size > 1000
    bad = subprocess.run([sys.executable, "-m", "sim", "discover", str(res.path), "--outcome", "nope"],
                         capture_output=True, text=True)  # fmt: skip
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "choose one of" in bad.stderr
