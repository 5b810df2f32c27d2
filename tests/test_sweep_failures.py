"""Sweeps that fail do not look like success: exit 1, SweepFailed, the first error, no half-done folders, and
a clear error for a script without ``if __name__ == "__main__":``."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import test_sweep_fakes as fakes
from conftest import SCENARIOS

from sim import tweak
from sim.cli.main import main
from sim.errors import NegsimError, SweepFailed, UsageError
from sim.store.results import existing_parts, load_sweep, read_sweep_metadata
from sim.sweeps.executors import _guarded, check_main_guard
from sim.sweeps.plan import replicate_seeds
from sim.sweeps.run import resume, sweep

ROOT = Path(__file__).resolve().parents[1]
TOY = str(SCENARIOS / "bilateral_toy.yaml")
PARAMS = {"actors.A.discount": "0.2:0.8:3"}
SEEDS = 7


def fake_sweep(scenario, out, **kw):
    kw = {"params": PARAMS, "seeds": SEEDS, "chunk": 4, "quiet": True, "_prepare": fakes.raising_prepare} | kw
    return sweep(scenario, out=out, **kw)


def expected_first_error() -> tuple[int, int]:
    """(run, seed) of the first run in run order that the Raising fake fails (seed % 3 == 0)."""
    seeds = replicate_seeds(0, SEEDS)
    runs = [(p * SEEDS + r, int(seeds[r])) for p in range(3) for r in range(SEEDS) if seeds[r] % 3 == 0]
    assert runs, "the fake would raise nowhere: pick other seeds"
    return min(runs)


def only_complete_parts(folder: Path) -> None:
    assert {p.name for p in folder.iterdir()} == {".lock", "metadata.json", "parts"}
    assert all(re.fullmatch(r"part-\d{10}\.parquet", p.name) for p in (folder / "parts").iterdir())


# -- the library ------------------------------------------------------------------------------------------
def test_sweep_raises_when_runs_raised_with_the_result_attached(toy, tmp_path):
    with pytest.raises(SweepFailed) as info:
        fake_sweep(toy, tmp_path / "s")
    res = info.value.result
    assert isinstance(info.value, NegsimError)
    df = load_sweep(res.path)
    bad = df["error"].notna()
    assert len(df) == res.n_runs == 3 * SEEDS and df.attrs["complete"]  # the table holds every run
    assert res.n_failed == res.n_errors == int(bad.sum()) and 0 < res.n_failed < res.n_runs and not res.ok
    run, seed = expected_first_error()
    assert res.first_error == f"run {run} (point {run // SEEDS}, seed {seed}): ValueError: no good seed {seed}"
    assert f"{res.n_failed} of {res.n_runs} runs failed" in str(info.value) and res.first_error in str(info.value)
    meta = read_sweep_metadata(res.path)
    assert (meta["status"], meta["n_errors"], meta["first_error"]) == ("complete", res.n_failed, res.first_error)
    only_complete_parts(res.path)


def test_raise_on_error_false_returns_the_result(toy, tmp_path):
    res = fake_sweep(toy, tmp_path / "s", raise_on_error=False, workers=2, chunk=3)
    assert not res.ok and res.n_failed > 0 and res.first_error is not None
    run, seed = expected_first_error()  # run order, not completion order, even with two workers
    assert res.first_error.startswith(f"run {run} (point {run // SEEDS}, seed {seed}): ValueError")
    ok = fake_sweep(toy, tmp_path / "ok", _prepare=fakes.fake_prepare)
    assert ok.ok and ok.n_failed == 0 and ok.first_error is None


def test_a_sweep_where_every_run_raised_resumes_and_still_fails(toy, tmp_path):
    res = fake_sweep(toy, tmp_path / "s", _prepare=fakes.always_raising_prepare, raise_on_error=False)
    assert res.n_failed == res.n_runs and res.first_error.endswith("RuntimeError: broken model ...")
    parts = existing_parts(res.path)
    parts[4].unlink()  # a part of rows without any outcome column stays: resume reads what it has
    with pytest.raises(SweepFailed, match=r"every run failed; the first error: run 0 \(point 0"):
        resume(res.path, quiet=True, _prepare=fakes.always_raising_prepare)
    assert len(load_sweep(res.path)) == res.n_runs


# -- the command ------------------------------------------------------------------------------------------
def test_cli_exits_1_naming_the_count_and_the_first_error(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr("sim.sweeps.executors.prepare", fakes.raising_prepare)  # one worker: runs in this process
    out = tmp_path / "results" / "s"
    argv = ["sweep", TOY, "--param", "actors.A.discount=0.2:0.8:3", "--seeds", str(SEEDS), "--chunk", "4"]
    assert main([*argv, "--quiet", "--out", str(out)]) == 1
    captured = capsys.readouterr()
    df = load_sweep(out)
    n_bad = int(df["error"].notna().sum())
    run, seed = expected_first_error()
    assert len(df) == 3 * SEEDS and 0 < n_bad < len(df)
    assert f"{3 * SEEDS} runs, {n_bad} raised" in captured.out  # the summary, as for a sweep without errors
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"negsim: error: {n_bad} of {3 * SEEDS} runs failed")
    assert f"run {run} (point {run // SEEDS}, seed {seed}): ValueError: no good seed {seed}" in err[0]
    assert [p.name for p in (tmp_path / "results").iterdir()] == ["s"]
    only_complete_parts(out)


def test_cli_exits_0_without_errors(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr("sim.sweeps.executors.prepare", fakes.fake_prepare)
    assert main(["sweep", TOY, "--seeds", "3", "--quiet", "--out", str(tmp_path / "s")]) == 0
    assert capsys.readouterr().err == ""


# -- nothing half-done ------------------------------------------------------------------------------------
def with_conf(toy, **conf):
    return tweak(toy, {"scenario.description": json.dumps(conf)})


def test_an_interrupted_sweep_without_parts_leaves_nothing(toy, tmp_path):
    s = with_conf(toy, marker=str(tmp_path / "m"), stop_seed=int(replicate_seeds(0, SEEDS)[1]))
    with pytest.raises(KeyboardInterrupt):
        fake_sweep(s, tmp_path / "results" / "s", _prepare=fakes.interrupted_once_prepare)
    assert list((tmp_path / "results").iterdir()) == []
    (tmp_path / "mine").mkdir()  # a folder the user made is emptied, not removed
    (tmp_path / "m").unlink()
    with pytest.raises(KeyboardInterrupt):
        fake_sweep(s, tmp_path / "mine", _prepare=fakes.interrupted_once_prepare)
    assert [p.name for p in (tmp_path / "mine").iterdir()] in ([], [".lock"])


def test_an_interrupted_sweep_with_parts_is_marked_and_resumes(toy, tmp_path):
    s = with_conf(toy, marker=str(tmp_path / "m"), stop_seed=int(replicate_seeds(0, SEEDS)[2]), stop_discount=0.5)
    out = tmp_path / "s"
    with pytest.raises(KeyboardInterrupt):  # runs 0-3 and 4-7 are parts, run 9 (point 1, replicate 2) stops it
        fake_sweep(s, out, _prepare=fakes.interrupted_once_prepare)
    meta = read_sweep_metadata(out)
    assert meta["status"] == "interrupted" and meta["interrupted_by"] == "KeyboardInterrupt"
    assert sorted(existing_parts(out)) == [0, 4]
    only_complete_parts(out)
    res = resume(out, quiet=True, _prepare=fakes.interrupted_once_prepare)
    assert res.ok and read_sweep_metadata(out)["status"] == "complete" and len(load_sweep(out)) == 3 * SEEDS


# -- the __main__ guard -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("source", "line", "guarded"),
    [
        ("import sim\nsim.sweep()\n", 2, False),
        ("import sim\nif __name__ == '__main__':\n    sim.sweep()\n", 3, True),
        ("import sim\ntry:\n    if __name__ == '__main__':\n        sim.sweep(\n  1)\nexcept E:\n    pass\n", 5, True),
        ("def main():\n    sim.sweep()\n\nmain()\n", 4, False),
        ("if True:\n    for i in range(2):\n        sim.sweep()\n", 3, False),
        ("with x:\n    if __name__ != '__main__':\n        pass\n    else:\n        sim.sweep()\n", 5, True),
        ("def (:\n", 1, True),  # not Python: unsure, so no refusal
    ],
)
def test_guard_is_read_from_the_source(tmp_path, source, line, guarded):
    path = tmp_path / "script.py"
    path.write_text(source)
    assert _guarded(str(path), line) is guarded


def test_a_sweep_in_a_worker_importing_main_is_refused_before_any_folder(toy, tmp_path, monkeypatch):
    import multiprocessing

    monkeypatch.setattr(multiprocessing.current_process(), "_inheriting", True, raising=False)
    with pytest.raises(UsageError, match=r'if __name__ == "__main__":'):
        check_main_guard(False)
    with pytest.raises(UsageError, match="worker process imported the main module"):
        fake_sweep(toy, tmp_path / "s")
    assert not (tmp_path / "s").exists()


def docs_example() -> str:
    """The Python example of docs/sweeps.md, made small: 2 points x 2 seeds on 2 workers."""
    text = (ROOT / "docs" / "sweeps.md").read_text(encoding="utf-8")
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    assert 'if __name__ == "__main__":' in code
    small = code
    for big, little in ((r"seeds=\d+", "seeds=2"), (r"workers=\d+", "workers=2"), (r'"0:0\.3:\d+"', '"0:0.3:2"')):
        small, n = re.subn(big, little, small)
        assert n == 1, f"docs/sweeps.md's example changed: no {big}"
    return small + "    print(res.ok, len(df))\n"


def run_script(tmp_path: Path, code: str) -> subprocess.CompletedProcess[str]:
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    (tmp_path / "example.py").write_text(code)
    env = os.environ | {"PYTHONPATH": str(ROOT)}  # this checkout's sim, in the workers too
    return subprocess.run([sys.executable, "example.py"], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300, check=False)  # fmt: skip


def test_the_docs_example_runs_as_a_script(tmp_path):
    r = run_script(tmp_path, docs_example())
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.splitlines()[-1] == "True 4"
    (folder,) = (tmp_path / "results").iterdir()
    assert read_sweep_metadata(folder)["status"] == "complete"


def test_the_docs_example_without_the_guard_is_one_clear_error(tmp_path):
    code = docs_example()
    head, body = code.split('if __name__ == "__main__":', 1)
    body = body.split("\n", 1)[1]  # drop the rest of the guard's line (a comment)
    r = run_script(tmp_path, head + textwrap.dedent(body))
    assert r.returncode == 1
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("sim.errors.UsageError: ") and "example.py:" in last
    assert '`if __name__ == "__main__":`' in last
    assert "bootstrapping phase" not in r.stderr and r.stderr.count("Traceback") == 1  # no worker ever started
    assert not (tmp_path / "results").exists()


def test_python_m_sim_with_workers_is_not_refused(tmp_path):
    """``python -m sim`` runs sim/__main__.py at its top level, but workers never import a package's __main__."""
    cmd = [sys.executable, "-m", "sim", "sweep", TOY, "--seeds", "2", "--workers", "2", "--quiet", "--out", "s"]
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    r = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert r.returncode == 0, r.stderr
    assert len(load_sweep(tmp_path / "s")) == 2
