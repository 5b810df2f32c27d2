"""negsim sweep --ensemble N: per-draw seeds, and the law-of-total-variance split against a known p(θ)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import test_sweep_fakes as fakes
from conftest import SCENARIOS

from sim.errors import UsageError
from sim.scenario.loader import load_scenario
from sim.store import results as R
from sim.sweeps.ensemble import decompose, ensemble_seeds
from sim.sweeps.plan import plan_sweep
from sim.sweeps.run import resume, sweep

TOY = load_scenario(SCENARIOS / "bilateral_toy.yaml")
P1, UNREAD = "actors.A.discount", "actors.A.reservation.war_cost"
LO, HI = 0.2, 0.8
# the fake model: a deal iff u < A's discount, so p(θ) = θ with θ ~ U(LO, HI)
VAR_P = (HI - LO) ** 2 / 12  # Var(p(θ)) = 0.03
MEAN_P = (LO + HI) / 2
WITHIN = MEAN_P - (VAR_P + MEAN_P**2)  # E[θ (1 − θ)] = 0.22
N, K = 300, 8


@pytest.fixture(scope="module")
def known(tmp_path_factory):
    out = tmp_path_factory.mktemp("ens") / "known"
    return sweep(TOY, {P1: f"uniform:{LO}:{HI}"}, seeds=K, ensemble=N, out=out, quiet=True,
                 _prepare=fakes.fake_prepare)  # fmt: skip


def test_each_draw_has_seeds_of_its_own_recorded_in_metadata(known):
    df = known.load()
    assert df["seed"].nunique() == N * K  # no seed shared across draws (an ordinary sweep shares K)
    meta = R.read_sweep_metadata(known.path)
    assert meta["seeds"]["ensemble"] is True and "spawn" in meta["seeds"]["rule"]
    assert np.array(meta["seeds"]["values"]).shape == (N, K)
    first = df[df["point"] == 7].sort_values("replicate")["seed"].tolist()
    assert first == ensemble_seeds(0, N, K)[7].tolist()
    assert meta["design"]["kind"] == "random" and meta["n_points"] == N


def test_the_split_recovers_the_known_parts(known):
    r = known.ensemble
    assert r is not None and r.n_draws == N and r.n_seeds == K
    # the seeds' noise in each per-draw estimate: E[p(1-p)]/K = 0.0275, as large as Var(p(θ)) itself
    assert abs(r.correction - WITHIN / K) < 0.003
    assert abs(r.raw_between - (VAR_P + WITHIN / K)) < 0.015  # what an uncorrected estimator reports
    assert abs(r.between - VAR_P) < 0.012 and abs(r.within - WITHIN) < 0.01
    assert abs(r.raw_between - VAR_P) > 0.015  # so the correction matters here
    assert r.interval[0] < MEAN_P < r.interval[1]
    assert abs(r.between + r.within - r.total) < 0.01  # the two parts add up to P(1 - P)
    assert LO - 0.1 < r.band[0] < r.band[1] < HI + 0.1
    assert "between draws" in known.summary and "parameters explain" in known.summary


def test_a_parameter_never_read_leaves_only_seed_noise(tmp_path):
    res = sweep(TOY, {UNREAD: "uniform:0:0.3"}, seeds=K, ensemble=200, out=tmp_path / "u", quiet=True,
                _prepare=fakes.fake_prepare)  # fmt: skip
    r = res.ensemble
    p = float(TOY.actors["A"].discount)
    assert r is not None and r.between < 0.005 and r.between_share < 0.05
    assert abs(r.within - p * (1 - p)) < 0.02
    j = r.to_json()
    assert j["var_between"] == r.between and j["seeds_per_draw"] == K


def test_the_estimator_is_floored_at_zero():
    deals, runs = np.array([4, 4, 4, 4]), np.array([8, 8, 8, 8])  # no spread at all: raw 0, correction > 0
    r = decompose(deals, runs)
    assert r.raw_between == 0 and r.correction > 0 and r.between == 0 and "floored at 0" in str(r)


def test_resume_finishes_an_interrupted_ensemble(tmp_path):
    res = sweep(TOY, {P1: "uniform:0.2:0.8"}, seeds=4, ensemble=20, out=tmp_path / "r", quiet=True,
                _prepare=fakes.fake_prepare)  # fmt: skip
    parts = sorted((res.path / "parts").iterdir())
    assert len(parts) == 20  # one draw per chunk: a chunk carries that draw's seeds
    parts[3].unlink()
    again = resume(res.path, quiet=True, _prepare=fakes.fake_prepare)
    assert again.ensemble == res.ensemble
    assert again.load().equals(res.load())


def test_ensemble_errors():
    for kw, msg in (({"samples": 10}, "drop --samples"), ({"design": "grid"}, "random \\(default\\), lhs or sobol"),
                    ({"chunk": 5}, "drop --chunk"), ({"seeds": 1}, "--seeds K >= 2")):  # fmt: skip
        args = {"seeds": 4, "design": None, "samples": None, "chunk": None} | kw
        with pytest.raises(UsageError, match=msg):
            plan_sweep(TOY, {P1: "0.2:0.8:3"}, args["seeds"], args["design"], args["samples"], 0, args["chunk"],
                       1, "x", ensemble=10)  # fmt: skip
    with pytest.raises(UsageError, match=">= 2"):
        plan_sweep(TOY, {P1: "0.2:0.8:3"}, 4, None, None, 0, None, 1, "x", ensemble=1)


def test_cli_prints_the_split(tmp_path):
    out = subprocess.run([sys.executable, "-m", "sim", "sweep", "scenarios/bilateral_toy.yaml", "--param",
                          f"{P1}=uniform:0.5:0.95", "--ensemble", "6", "--seeds", "2", "--out", str(tmp_path / "c"),
                          "--quiet"], capture_output=True, text=True)  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "ensemble: 6 parameter draws x 2 seeds of their own" in out.stdout and "P(deal) = " in out.stdout
    meta = json.loads((tmp_path / "c" / "metadata.json").read_text())
    assert meta["seeds"]["ensemble"] is True
    bad = subprocess.run([sys.executable, "-m", "sim", "sweep", "scenarios/bilateral_toy.yaml", "--param",
                          f"{P1}=0.5:0.9:3", "--ensemble", "6", "--samples", "3"],
                         capture_output=True, text=True)  # fmt: skip
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "drop --samples" in bad.stderr
