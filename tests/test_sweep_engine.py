"""Sweeps end to end with the real engine: the CLI, SIGKILL and --resume, Dask, locks, reproducing a row."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
from conftest import ROOT, SCENARIOS

from sim import load_scenario, run, tweak
from sim.cli.main import main
from sim.store.results import FolderLock, existing_parts, load_sweep
from sim.sweeps.run import sweep

TOY = str(SCENARIOS / "bilateral_toy.yaml")
ARGS = ["--param", "actors.B.reservation.war_cost=0:0.4:3", "--param", "protocol.concession=boulware,conceder"]


def negsim(*args, **kw):
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=ROOT, capture_output=True, text=True, **kw)


def test_cli_sweep_and_a_row_reproduces_with_negsim_run(tmp_path, capsys):
    out = tmp_path / "s"
    assert main(["sweep", TOY, *ARGS, "--seeds", "2", "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "P(deal) with its 95% Wilson interval, marginal" in printed and str(out) in printed
    df = load_sweep(out)
    assert len(df) == 12 and df["error"].isna().all()
    row = df.iloc[7]
    sets = {"actors.B.reservation.war_cost": row["actors.B.reservation.war_cost"],
            "protocol.concession": row["protocol.concession"]}  # fmt: skip
    again = run(tweak(load_scenario(TOY), sets), seed=int(row["seed"])).outcome
    assert again.deal == row["deal"] and again.rounds_played == row["rounds_played"]
    assert again.payoffs["A"] == pytest.approx(row["payoff.A"])


def test_cli_user_errors_are_one_line(tmp_path):
    r = negsim("sweep", TOY, "--param", "actors.Q.discount=0.5", "--out", str(tmp_path / "x"))
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "actors.Q" in r.stderr
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "a.txt").write_text("x")
    r = negsim("sweep", TOY, "--out", str(tmp_path / "full"))
    assert r.returncode == 2 and "--overwrite" in r.stderr
    r = negsim("sweep", "--resume", str(tmp_path / "full"), "--seeds", "3")
    assert r.returncode == 2 and "drop --seeds" in r.stderr
    r = negsim("sweep", "--resume", str(tmp_path / "full"))
    assert r.returncode == 2 and "not a sweep folder" in r.stderr


def test_a_second_process_on_the_same_folder_is_refused(tmp_path):
    out = tmp_path / "s"
    assert main(["sweep", TOY, "--seeds", "1", "--out", str(out), "--quiet"]) == 0
    with FolderLock(out):  # as if another sweep were writing here
        r = negsim("sweep", "--resume", str(out))
    assert r.returncode == 2 and "in use by another negsim process" in r.stderr and str(os.getpid()) in r.stderr


@pytest.mark.slow
def test_sigkill_then_resume_equals_an_uninterrupted_sweep(tmp_path):
    out = tmp_path / "killed"
    args = ["sweep", TOY, *ARGS, "--seeds", "12", "--chunk", "4", "--out", str(out), "--quiet"]
    proc = subprocess.Popen([sys.executable, "-m", "sim", *args], cwd=ROOT, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while len(existing_parts(out)) < 3 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = len(existing_parts(out))
    assert 3 <= done < 18, "the sweep should have been killed part-way"
    r = negsim("sweep", "--resume", str(out), "--workers", "2", "--quiet")
    assert r.returncode == 0, r.stderr
    ref = sweep(TOY, {a.split("=")[0]: a.split("=")[1] for a in ARGS[1::2]}, seeds=12, chunk=7,
                out=tmp_path / "ref", quiet=True)  # fmt: skip
    resumed = load_sweep(out)
    assert len(resumed) == 72 and resumed.attrs["complete"]
    pd.testing.assert_frame_equal(resumed, load_sweep(ref.path))


def _paris_2025_demo():
    """The README's demo scenario: Paris 2025 on a single package, 30 rounds."""
    demo = {"protocol.agenda": "single_package", "scenario.max_rounds": 30}
    return tweak(load_scenario(SCENARIOS / "paris_2025.yaml"), demo)


@pytest.mark.slow
@pytest.mark.dask
@pytest.mark.parametrize(
    ("build", "params", "seeds"),
    [
        (lambda: TOY, {"actors.B.reservation.war_cost": "0,0.3"}, 3),
        (  # the README's demo sweep, smaller: deals at some points and seeds, none at others
            _paris_2025_demo,
            {"actors.RU.reservation.expected_gain": "0:0.4:3", "actors.US.deadline.credibility": "0,0.6"},
            6,
        ),
    ],
    ids=["toy", "paris_2025"],
)
def test_serial_process_pool_and_dask_give_the_same_table(tmp_path, build, params, seeds):
    """The same sweep in this process, on a pool of 2 worker processes and on a Dask LocalCluster of 2 workers, in
    chunks of 2 runs (so that chunks cross points and each worker sees only some of a point's seeds): the tables
    are equal value for value, whoever ran which chunk in which order (issue #19.4)."""
    pytest.importorskip("distributed")
    scenario = build()
    serial = sweep(scenario, params, seeds=seeds, out=tmp_path / "serial", quiet=True)
    pool = sweep(scenario, params, seeds=seeds, chunk=2, workers=2, out=tmp_path / "pool", quiet=True)
    dask = sweep(scenario, params, seeds=seeds, chunk=2, workers=2, executor="dask", out=tmp_path / "dask", quiet=True)
    expected = load_sweep(serial.path)
    assert len(expected) == serial.n_runs and expected["error"].isna().all()
    assert expected["rounds_played"].nunique() > 1  # the runs differ, so equal tables say something
    if scenario is not TOY:
        assert expected["deal"].nunique() == 2
    pd.testing.assert_frame_equal(expected, load_sweep(pool.path))
    pd.testing.assert_frame_equal(expected, load_sweep(dask.path))


def test_negsims_local_cluster_workers_keep_no_profiles():
    """Dask's statistical profiler keeps one profile a second per worker (up to 1,000) for a dashboard negsim's
    LocalCluster does not start; it was the workers' memory growth in a long sweep. The cluster negsim starts has
    it off in its worker processes: after a task of 1.5 s, no worker holds a profile."""
    distributed = pytest.importorskip("distributed")
    from sim.sweeps import dask_executor

    client, cluster = dask_executor._dask_connect(dask_executor._distributed(), 1, None)
    try:
        client.submit(time.sleep, 1.5, pure=False).result()
        time.sleep(1.1)  # a profile cycle (1 s) after the task
        held = client.run(
            lambda dask_worker: len(dask_worker.profile_history) + len(dask_worker.profile_recent["children"])
        )
        assert held and all(v == 0 for v in held.values()), held
        assert isinstance(cluster, distributed.LocalCluster)
    finally:
        client.close()
        cluster.close()


def test_two_sweeps_with_the_same_folder_name_never_share_prepared_points(toy, tmp_path):
    """Workers keep a prepared scenario per point between chunks; a second sweep in the same process, into a folder
    of the same name with other parameter values, must not reuse them."""
    from sim import run, tweak

    for values, where in (([10], "a"), ([2], "b")):
        res = sweep(toy, {"scenario.max_rounds": values}, seeds=3, out=tmp_path / where / "s", quiet=True)
    df = res.load()
    for row in df.itertuples():
        expected = run(tweak(toy, {"scenario.max_rounds": 2}), seed=int(row.seed)).outcome
        assert row.rounds_played == expected.rounds_played <= 2
        assert row.deal == expected.deal


@pytest.mark.slow  # ~12 s: tracemalloc slows every allocation
def test_a_workers_memory_does_not_grow_with_the_points_it_has_run(tmp_path):
    """What a worker keeps between chunks is bounded (one prepared point, `sim.sweeps.executors._CACHE`), so the
    Python memory a sweep leaves behind does not grow with the number of points run: after a warm-up sweep, three
    more sweeps of 400 new points each add less than 1 MB of traced allocations in all (tracemalloc, this process
    as the worker). A cache keyed by point (the worker's cache never cleared) keeps ~35 kB a point here: 40.7 MB."""
    import gc
    import tracemalloc

    def one(tag: str, points: int) -> None:
        sweep(TOY, {"actors.B.reservation.war_cost": f"0:0.4:{points}"}, seeds=2, out=tmp_path / tag, quiet=True)

    one("warm", 50)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for k in range(3):
            one(f"s{k}", 400)
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 2**20, f"{grown / 2**20:.1f} MB kept after 1,200 points"
