"""negsim sensitivity: Sobol indices against a closed form, a parameter never read, Morris, the CLI, Paris 2026."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import test_sweep_fakes as fakes
from conftest import SCENARIOS

from sim.engine.records import Outcome, RunResult
from sim.errors import UsageError
from sim.scenario.loader import load_scenario
from sim.sweeps.plan import replicate_seeds
from sim.sweeps.sensitivity import analyze_folder, resume_sensitivity, sensitivity

TOY = load_scenario(SCENARIOS / "bilateral_toy.yaml")
P1, P2, UNREAD = "actors.A.discount", "actors.B.discount", "actors.A.reservation.war_cost"
R1, R2 = (0.2, 1.0), (0.5, 1.0)
SAMPLES, SEEDS = 256, 16


class Coins(fakes.FakePrepared):
    """A deal iff two independent coins land heads: P(heads) = A's discount and B's discount, so
    P(deal | p1, p2) = p1 * p2. Nothing else of the scenario is read."""

    def run(self, seed: int, trace: bool = False) -> RunResult:
        u1, u2 = np.random.default_rng(seed).random(2)
        deal = bool(u1 < self.p and u2 < float(self.scenario.actors["B"].discount))
        res = super().run(seed, trace)
        return RunResult(Outcome(**{**res.outcome.__dict__, "deal": deal}), ())


def coins_prepare(scenario):
    return Coins(scenario)


def uniform_moments(lo: float, hi: float) -> tuple[float, float]:
    return (lo + hi) / 2, (hi - lo) ** 2 / 12


def closed_form_product() -> dict[str, tuple[float, float]]:
    """S1 and ST of f(x1, x2) = x1 x2, x_i ~ U(R_i) independent: V1 = m2² v1, ST1 = v1 (v2 + m2²) / V."""
    (m1, v1), (m2, v2) = uniform_moments(*R1), uniform_moments(*R2)
    s1, s2 = v1 + m1**2, v2 + m2**2
    var = s1 * s2 - (m1 * m2) ** 2
    return {P1: (m2**2 * v1 / var, v1 * s2 / var), P2: (m1**2 * v2 / var, v2 * s1 / var)}


def closed_form_coins(seeds: np.ndarray) -> dict[str, tuple[float, float]]:
    """The exact S1 and ST of what is measured with K common-random-number seeds: the per-point mean
    f(p1, p2) = (1/K) sum_k [p1 > u1_k] [p2 > u2_k]. With alpha_k = P(p1 > u1_k), beta_k = P(p2 > u2_k):
    Cov([p1 > u1_k], [p1 > u1_l]) = min(alpha_k, alpha_l) - alpha_k alpha_l, and so on."""
    u = np.array([np.random.default_rng(int(s)).random(2) for s in seeds])
    a = np.clip((R1[1] - u[:, 0]) / (R1[1] - R1[0]), 0, 1)
    b = np.clip((R2[1] - u[:, 1]) / (R2[1] - R2[0]), 0, 1)
    k = len(seeds)
    ma, mb = np.minimum.outer(a, a), np.minimum.outer(b, b)
    mean = (a * b).sum() / k
    var = (ma * mb).sum() / k**2 - mean**2
    v1 = (np.outer(b, b) * (ma - np.outer(a, a))).sum() / k**2
    v2 = (np.outer(a, a) * (mb - np.outer(b, b))).sum() / k**2
    return {P1: (v1 / var, 1 - v2 / var), P2: (v2 / var, 1 - v1 / var)}


@pytest.fixture(scope="module")
def coins(tmp_path_factory):
    params = {P1: f"{R1[0]}:{R1[1]}", P2: f"uniform:{R2[0]}:{R2[1]}", UNREAD: "0:0.3"}
    out = tmp_path_factory.mktemp("sens") / "coins"
    return sensitivity(TOY, params, samples=SAMPLES, seeds=SEEDS, out=out, _prepare=coins_prepare)


@pytest.mark.slow  # ~9 s: 1,280 points x 16 seeds of a fake model
def test_sobol_indices_match_the_closed_form_within_their_intervals(coins):
    exact = closed_form_coins(replicate_seeds(0, SEEDS))
    idx = coins.indices["deal"]
    for path in (P1, P2):
        s1, st = exact[path]
        assert abs(idx[path]["S1"] - s1) <= idx[path]["S1_conf"], (path, idx[path], exact[path])
        assert abs(idx[path]["ST"] - st) <= idx[path]["ST_conf"], (path, idx[path], exact[path])
        assert idx[path]["S1_conf"] < 0.15 and idx[path]["ST_conf"] < 0.15  # intervals narrow enough to mean it
    # and as seeds grow, the finite-seed function's indices tend to those of x1 x2 (the product of the coins)
    product, many = closed_form_product(), closed_form_coins(replicate_seeds(0, 4096))
    for path in (P1, P2):
        assert abs(many[path][0] - product[path][0]) < 0.02 and abs(many[path][1] - product[path][1]) < 0.02
    assert coins.ranking()[:2] == [P1, P2]  # x1's range is wider: it matters more


@pytest.mark.slow  # ~9 s: 1,280 points x 16 seeds of a fake model
def test_a_parameter_never_read_has_no_total_index(coins):
    d = coins.indices["deal"][UNREAD]
    assert abs(d["ST"]) < 1e-12 and abs(d["S1"]) < 0.01
    assert coins.ranking()[-1] == UNREAD


@pytest.mark.slow  # ~9 s: 1,280 points x 16 seeds of a fake model
def test_json_shape_and_reanalysis_of_the_folder(coins):
    j = coins.to_json()
    assert set(j["indices"][P1]) == {"S1", "S1_conf", "ST", "ST_conf"}
    assert j["n_points"] == SAMPLES * 5 and j["seeds"] == SEEDS
    again = analyze_folder(coins.folder)
    assert again.indices == coins.indices


def test_morris_screens_out_the_unread_parameter(tmp_path):
    params = {P1: "0.2:1.0", P2: "0.5:1.0", UNREAD: "0:0.3"}
    res = sensitivity(TOY, params, method="morris", samples=40, seeds=32, out=tmp_path / "m", _prepare=coins_prepare)
    d = res.indices["deal"]
    assert d[UNREAD]["mu_star"] == 0.0 and d[P1]["mu_star"] > d[P2]["mu_star"] > 0.1
    assert res.ranking() == [P1, P2, UNREAD]


def test_resume_runs_only_what_is_missing(tmp_path):
    params = {P1: "0.2:1.0", P2: "0.5:1.0"}
    res = sensitivity(TOY, params, samples=16, seeds=4, out=tmp_path / "r", _prepare=coins_prepare)
    parts = sorted((res.folder / "parts").iterdir())
    parts[-1].unlink()
    with pytest.raises(UsageError, match="no runs yet"):
        analyze_folder(res.folder)
    meta = json.loads((res.folder / "metadata.json").read_text())
    assert meta["design"]["kind"] == "saltelli"
    again = resume_sensitivity(res.folder, _prepare=coins_prepare)
    assert again.indices == res.indices and len(list((res.folder / "parts").iterdir())) == len(parts)


def _cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True, cwd=cwd)


@pytest.mark.parametrize(
    ("spec", "why"),
    [
        ("uniform:0.4:0.1", "uniform:LO:HI needs LO < HI"),
        ("normal:0.2", "expected normal:MU:SIGMA[:LO:HI]"),
        ("triangular:0:0.5:0.4", "needs LO <= MODE <= HI"),
        ("beta:2:-1", "needs A > 0, B > 0"),
        ("gamma:1:2", "(or a distribution: uniform:LO:HI, normal:MU:SIGMA[:LO:HI]"),
    ],
)
def test_a_bad_distribution_is_one_line_naming_what_is_allowed(spec, why):
    out = _cli("sweep", "scenarios/bilateral_toy.yaml", "--param", f"{P1}={spec}", "--design", "lhs",
               "--samples", "4", "--seeds", "1", cwd=".")  # fmt: skip
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and why in out.stderr, out.stderr


def test_a_support_outside_the_fields_range_is_an_error():
    from sim.sweeps.plan import plan_sweep

    with pytest.raises(UsageError, match=r"reaches 1\.2, outside the field's range"):
        plan_sweep(TOY, {P1: "uniform:0.5:1.2"}, 1, "lhs", 8, 0, None, 1, "x")
    with pytest.raises(UsageError, match="outside the field's range"):  # an untruncated normal: its draws
        plan_sweep(TOY, {P1: "normal:0.9:0.2"}, 1, "lhs", 64, 0, None, 1, "x")
    plan_sweep(TOY, {P1: "normal:0.9:0.2:0.5:1"}, 1, "lhs", 64, 0, None, 1, "x")  # truncated: fine
    with pytest.raises(UsageError, match="a distribution is sampled, not gridded"):
        plan_sweep(TOY, {P1: "beta:2:5"}, 1, "grid", None, 0, None, 1, "x")


def test_distributions_keep_the_designs_stratification():
    from sim.scenario.specs import parse_spec
    from sim.sweeps.designs import Design

    d = Design((parse_spec(P1, {"dist": "beta", "a": 2, "b": 5, "low": 0.1, "high": 0.9}),), "lhs", 100, 0)
    vals = np.array([pt[P1] for pt in d.points()])
    from scipy import stats

    u = stats.beta(2, 5).cdf((vals - 0.1) / 0.8)  # back to the unit samples: one in each of the 100 strata
    assert sorted(np.floor(u * 100).astype(int).tolist()) == list(range(100))


def test_cli_json_writes_null_for_an_outcome_that_never_varies(tmp_path):
    # war_cost in 0..0.05 never changes the toy's deal: no variance to apportion, so every index is NaN
    out = _cli("sensitivity", "scenarios/bilateral_toy.yaml", "--param", f"{UNREAD}=0:0.05", "--samples", "4",
               "--seeds", "2", "--out", str(tmp_path / "n"), "--json", cwd=".")  # fmt: skip
    assert out.returncode == 0, out.stderr

    def refuse(const):
        raise AssertionError(f"{const} is not JSON")

    j = json.loads(out.stdout, parse_constant=refuse)  # NaN / Infinity would raise here
    assert j["indices"][UNREAD] == {"S1": None, "S1_conf": None, "ST": None, "ST_conf": None}


PARIS_2026 = {
    "actors.RU.reservation.expected_gain": "0:0.4",
    "actors.US.deadline.credibility": "0:1",
    "decision_rules.clause_approvals.security_guarantees.0.p": "0.2:1",  # the US Congress on the guarantees
    "actors.UK.ratification.p": "0.4:1",
    "shocks.0.p": "0:1",
}


@pytest.mark.slow  # 16 min at load 3-4 (2 cores): 2 x 60 points x 4 seeds of Paris 2026 (MILP searches), 2 workers
def test_paris_2026_has_the_same_top_three_drivers_for_two_master_seeds(tmp_path):
    """Issue #15: Morris screening of P(deal) over five of Paris 2026's uncertain numbers, with two master seeds
    (two different designs and sets of replicate seeds), ranks the same three parameters on top, the third clearly
    above the fourth: the run of docs/sensitivity.md (10 trajectories x 4 seeds). Smaller designs do not separate
    the third driver (6 trajectories x 2 seeds: only two parameters ever changed a deal with master seed 1)."""
    scenario = load_scenario(SCENARIOS / "paris_2026.yaml")
    tops, units = [], []
    for master in (1, 2):
        res = sensitivity(scenario, PARIS_2026, method="morris", samples=10, seeds=4, master_seed=master, workers=2,
                          out=tmp_path / f"m{master}")  # fmt: skip
        assert res.n_points == 60
        idx, order = res.indices["deal"], res.ranking()
        assert idx[order[2]]["mu_star"] > idx[order[3]]["mu_star"] + 0.05, (master, idx)
        tops.append(set(order[:3]))
        units.append(json.loads((res.folder / "sensitivity.json").read_text())["unit"])
    assert units[0] != units[1]  # two designs, not the same one twice
    assert tops[0] == tops[1], tops


def test_cli_resume_labels_the_figure_from_the_folders_scenario(tmp_path, monkeypatch):
    """``negsim sensitivity --resume DIR`` draws the tornado with the labels of the scenario the folder ran (its
    top-level ``labels:``), as the first call did, not with labels derived from the paths alone."""
    import sim.plots.sensitivity as plots
    from sim.cli.main import main

    text = (SCENARIOS / "bilateral_toy.yaml").read_text() + f'\nlabels:\n  {P1}: "A\'s patience"\n'
    (tmp_path / "toy.yaml").write_text(text)
    seen: list[dict[str, str]] = []
    real = plots.tornado
    monkeypatch.setattr(plots, "tornado", lambda res, labels=None, **kw: seen.append(dict(labels)) or real(res, **kw))
    out = tmp_path / "sens"
    args = ["sensitivity", str(tmp_path / "toy.yaml"), "--param", f"{P1}=0.5:0.99", "--param", f"{P2}=0.5:0.99",
            "--method", "morris", "--samples", "2", "--seeds", "2", "--out", str(out), "--quiet"]  # fmt: skip
    assert main(args) == 0
    assert main(["sensitivity", "--resume", str(out), "--quiet"]) == 0
    assert len(seen) == 2 and seen[0] == seen[1]
    assert seen[1][P1] == "A's patience" and seen[1][P2] == "B: discount"
