"""Sweeps with a fake engine: the table, seeds, chunks, executors, faults and resume (fast and exact)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import test_sweep_fakes as fakes
from conftest import SCENARIOS
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import load_scenario, tweak
from sim.core.stats import wilson_interval
from sim.errors import UsageError
from sim.store.results import existing_parts, load_sweep, read_sweep_metadata, scenario_hash
from sim.sweeps.designs import Design, ParamSpec
from sim.sweeps.plan import MAX_RUNS, Plan, default_chunk, replicate_seeds
from sim.sweeps.run import resume, sweep

TOY = load_scenario(SCENARIOS / "bilateral_toy.yaml")
PARAMS = {"actors.A.discount": "0.2:0.8:3", "protocol.concession": "boulware,linear"}


def fake_sweep(toy, out, **kw):
    kw = {"params": PARAMS, "seeds": 7, "chunk": 4, "quiet": True, "_prepare": fakes.fake_prepare} | kw
    return sweep(toy, out=out, **kw)


def test_table_is_tidy_and_seeds_are_common(toy, tmp_path):
    res = fake_sweep(toy, tmp_path / "s")
    df = load_sweep(res.path)
    assert len(df) == res.n_runs == 6 * 7 and df.attrs["complete"]
    assert list(df.columns[:5]) == ["point", "replicate", "seed", *PARAMS]
    assert df.columns[-1] == "error" and df["error"].isna().all()
    assert {"deal", "round", "package.price", "payoff.A", "last_offer_utility.A", "accepted.B"} <= set(df.columns)
    assert (df["point"] * 7 + df["replicate"]).tolist() == list(range(42))
    seeds = replicate_seeds(0, 7)
    assert (df["seed"].to_numpy() == np.tile(seeds, 6)).all()  # replicate r: the same seed at every point
    assert sorted(set(df["actors.A.discount"])) == [0.2, 0.5, 0.8]
    # the fake deals iff its uniform draw < discount: check each row against its own parameters and seed
    u = np.array([np.random.default_rng(s).random() for s in df["seed"]])
    assert (df["deal"].to_numpy() == (u < df["actors.A.discount"].to_numpy())).all()
    assert len(existing_parts(res.path)) == 11  # ceil(42 / 4) parts, named by their first run


def test_seeds_follow_the_documented_rule():
    expected = np.random.SeedSequence(42).generate_state(5, dtype=np.uint64) >> 1
    assert replicate_seeds(42, 5).tolist() == [int(x) for x in expected]
    assert (replicate_seeds(42, 5) >= 0).all()


def test_metadata_describes_the_sweep(toy, tmp_path):
    res = fake_sweep(toy, tmp_path / "s", master_seed=5)
    meta = read_sweep_metadata(res.path)
    assert meta["status"] == "complete" and meta["n_runs"] == 42 and meta["chunk"] == 4
    assert meta["scenario_id"] == "bilateral_toy" and meta["scenario_hash"] == scenario_hash(toy)
    assert meta["seeds"]["values"] == replicate_seeds(5, 7).tolist() and meta["master_seed"] == 5
    assert meta["design"]["points"][0] == [0.2, "boulware"] and len(meta["design"]["points"]) == 6
    assert set(meta["packages"]) == {"numpy", "scipy", "pandas", "pyarrow", "mesa", "pydantic"}
    for key in ("negsim_version", "python", "created", "finished", "command", "git_revision", "scenario"):
        assert key in meta


def test_summary_counts_and_wilson(toy, tmp_path):
    res = fake_sweep(toy, tmp_path / "s", params={"actors.A.discount": "0.3,1"}, seeds=20)
    assert "actors.A.discount" in res.summary
    lines = [line.split() for line in res.summary.splitlines()[2:]]
    k = sum(np.random.default_rng(s).random() < 0.3 for s in replicate_seeds(0, 20))
    lo, hi = (float(v) for v in wilson_interval(k, 20))
    assert lines[0][1:] == ["0.3", f"{k / 20:.3f}", f"[{lo:.3f},", f"{hi:.3f}]", "20"]
    assert lines[1][1:4] == ["1.0", "1.000", "[0.839,"]
    assert str(res.path) in str(res)


def test_wilson_known_values():
    lo, hi = wilson_interval(0, 20)
    assert lo == 0.0 and hi == pytest.approx(0.1611, abs=1e-4)
    assert tuple(map(float, wilson_interval(81, 263))) == pytest.approx((0.2553, 0.3662), abs=1e-4)


def test_workers_give_the_same_table(toy, tmp_path):
    one = load_sweep(fake_sweep(toy, tmp_path / "one").path)
    three = load_sweep(fake_sweep(toy, tmp_path / "three", workers=3, chunk=3).path)
    pd.testing.assert_frame_equal(one, three)


def test_a_run_that_raises_is_recorded(toy, tmp_path):
    df = load_sweep(fake_sweep(toy, tmp_path / "s", _prepare=fakes.raising_prepare, raise_on_error=False).path)
    bad = df["seed"] % 3 == 0
    assert bad.any() and (~bad).any() and len(df) == 42
    assert df.loc[bad, "error"].str.startswith("ValueError: no good seed").all()
    assert df.loc[~bad, "error"].isna().all() and df.loc[~bad, "deal"].notna().all()


def test_an_invalid_point_is_an_error_before_any_run(toy, tmp_path):
    with pytest.raises(UsageError, match=r"actors\.A\.discount"):
        fake_sweep(toy, tmp_path / "s", params={"actors.A.discount": "0.5,1.5"})
    assert not (tmp_path / "s").exists()


def with_conf(toy, **conf):
    return tweak(toy, {"scenario.description": json.dumps(conf)})


def test_a_dead_worker_is_replaced(toy, tmp_path):
    s = with_conf(toy, marker=str(tmp_path / "died"))
    df = load_sweep(fake_sweep(s, tmp_path / "s", workers=2, _prepare=fakes.dies_once_prepare).path)
    assert (tmp_path / "died").exists()  # a worker did die
    pd.testing.assert_frame_equal(df, load_sweep(fake_sweep(toy, tmp_path / "ref").path))


def test_a_chunk_that_always_kills_its_worker_is_given_up(toy, tmp_path):
    s = with_conf(toy, kill_seed=int(replicate_seeds(0, 7)[5]))
    kw = {
        "params": {"actors.A.discount": "0.5"},
        "workers": 2,
        "_prepare": fakes.killer_prepare,
        "raise_on_error": False,
    }
    df = load_sweep(fake_sweep(s, tmp_path / "s", **kw).path)
    # runs 0-3 and 4-6 are two chunks; replicate 5 kills its worker every time, so runs 4-6 are given up
    assert df["error"].notna().tolist() == [False] * 4 + [True] * 3
    assert df["error"].iloc[4:].str.contains("worker process died").all()
    assert df["deal"].iloc[:4].notna().all()


def test_resume_runs_only_what_is_missing(toy, tmp_path):
    ref = load_sweep(fake_sweep(toy, tmp_path / "ref").path)
    res = fake_sweep(toy, tmp_path / "s")
    parts = existing_parts(res.path)
    for k in (0, 12, 40):
        parts[k].unlink()
    (res.path / "parts" / ".part-0000000004.parquet.tmp-1-abc").write_bytes(b"half")  # a killed writer's
    survivors = {k: p.stat().st_mtime_ns for k, p in existing_parts(res.path).items()}
    again = resume(res.path, quiet=True, _prepare=fakes.fake_prepare)
    pd.testing.assert_frame_equal(load_sweep(again.path), ref)
    after = existing_parts(res.path)
    assert sorted(after) == sorted(parts) and all(after[k].stat().st_mtime_ns == t for k, t in survivors.items())
    assert not list((res.path / "parts").glob(".*"))
    assert "resumed" in read_sweep_metadata(res.path)


def test_never_overwrite(toy, tmp_path):
    res = fake_sweep(toy, tmp_path / "s")
    with pytest.raises(UsageError, match="--overwrite"):
        fake_sweep(toy, res.path)
    fake_sweep(toy, res.path, overwrite=True, seeds=2)
    assert len(load_sweep(res.path)) == 12
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("precious")
    with pytest.raises(UsageError, match="not a negsim results folder"):
        fake_sweep(toy, tmp_path / "mine", overwrite=True)
    assert (tmp_path / "mine" / "notes.txt").exists()


def test_absurd_sizes_fail_up_front(toy, tmp_path):
    with pytest.raises(UsageError, match="runs; at most"):
        fake_sweep(toy, tmp_path / "s", params={"actors.A.discount": "0:1:1000"}, seeds=MAX_RUNS // 500)
    with pytest.raises(UsageError, match="parameter points"):
        fake_sweep(toy, tmp_path / "s", params={"actors.A.discount": "0:1:2000", "actors.B.discount": "0:1:2000"})
    with pytest.raises(UsageError, match="--seeds"):
        fake_sweep(toy, tmp_path / "s", seeds=0)
    assert not (tmp_path / "s").exists()


def test_scenario_sweep_section_gives_the_defaults(toy, tmp_path):
    s = tweak(toy, {})
    doc = s.document() | {"sweep": {"params": {"actors.B.discount": [0.3, 0.6]}, "seeds": 3, "master_seed": 9}}
    from sim import scenario_from_document

    s = scenario_from_document(doc)
    res = sweep(s, out=tmp_path / "a", quiet=True, _prepare=fakes.fake_prepare)
    df = load_sweep(res.path)
    assert len(df) == 6 and set(df["actors.B.discount"]) == {0.3, 0.6}
    assert df["seed"].iloc[0] == replicate_seeds(9, 3)[0]
    res = sweep(s, {"actors.A.discount": "0.5"}, seeds=2, out=tmp_path / "b", quiet=True, _prepare=fakes.fake_prepare)
    assert list(load_sweep(res.path).columns[3:4]) == ["actors.A.discount"] and res.n_runs == 2


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 9), st.integers(1, 9), st.integers(1, 30))
def test_chunks_cover_every_run_once(n_points, n_seeds, chunk):
    design = Design((ParamSpec("x", values=tuple(range(n_points))),))
    plan = Plan(TOY, design, n_seeds, 0, chunk, "t")
    seen = []
    for start in range(0, plan.n_runs, chunk):
        c = plan.chunk_of(start, None)
        for run in range(c.start, c.stop):
            point, rep = divmod(run, n_seeds)
            assert c.points[point] == {"x": point} and c.seeds[rep] == plan.seeds[rep]
            seen.append(run)
    assert seen == list(range(n_points * n_seeds))


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 20_000), st.integers(1, 2_000), st.integers(1, 16))
def test_the_default_chunk_keeps_a_point_on_one_worker_when_its_seeds_fit(n_points, n_seeds, workers):
    """The default chunk: 50 to 500 runs (fewer only when the sweep is smaller), about eight a worker, and a whole
    number of points when a point's seeds fit in that, so that no worker repeats another's searches for a point."""
    n_runs = n_points * n_seeds
    chunk = default_chunk(n_runs, workers, n_seeds)
    assert 1 <= chunk <= min(n_runs, 500)
    assert chunk >= min(n_runs, 50) or chunk % n_seeds == 0
    base = max(1, min(n_runs, max(50, min(500, n_runs // (8 * workers)))))  # the rule before points were kept whole
    if n_seeds <= base:
        assert chunk % n_seeds == 0 and base - n_seeds < chunk <= base
    else:
        assert chunk == base


def test_metadata_is_json(toy, tmp_path):
    res = fake_sweep(toy, tmp_path / "s", params={"actors.A.discount": "0.5"}, seeds=1)
    json.loads((res.path / "metadata.json").read_text())
