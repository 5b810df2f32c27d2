"""Results folders: atomic files, run folders written and read back, never overwritten, scenario hash."""

from __future__ import annotations

import pytest

from sim import load_scenario, run, tweak
from sim.errors import UsageError
from sim.store.results import (
    FolderLock,
    atomic_path,
    load_run,
    load_sweep,
    scenario_from_metadata,
    scenario_hash,
    write_run,
)


def test_atomic_path_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "f.txt"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError
    assert list(tmp_path.iterdir()) == []
    with atomic_path(target) as tmp:
        tmp.write_text("whole")
    assert target.read_text() == "whole" and list(tmp_path.iterdir()) == [target]


def test_write_run_and_load_it_back(toy, tmp_path):
    result = run(toy, seed=3)
    a = write_run(result, toy, 3, base=tmp_path)
    b = write_run(result, toy, 3, base=tmp_path)
    assert a != b and a.parent == b.parent == tmp_path / "bilateral_toy"  # a new run id every time
    outcome, trace, meta = load_run(a)
    assert outcome == result.outcome.to_json()
    assert len(trace) == len(result.rows) > 0 and {"round", "actor", "utility"} <= set(trace.columns)
    assert meta["seed"] == 3 and meta["scenario_hash"] == scenario_hash(toy) and meta["kind"] == "run"
    assert scenario_hash(scenario_from_metadata(meta)) == scenario_hash(toy)
    assert not [p for p in a.iterdir() if p.name.startswith(".")]


def test_run_out_folder_is_never_overwritten_silently(toy, tmp_path):
    result = run(toy, seed=1)
    out = write_run(result, toy, 1, out=tmp_path / "r")
    with pytest.raises(UsageError, match="--overwrite"):
        write_run(result, toy, 1, out=out)
    write_run(run(toy, seed=2), toy, 2, out=out, overwrite=True)
    assert load_run(out)[2]["seed"] == 2
    with pytest.raises(UsageError, match="not a run folder"):
        load_run(tmp_path)


def test_scenario_hash_follows_the_content(toy):
    assert scenario_hash(toy) == scenario_hash(load_scenario(toy.source))
    assert scenario_hash(tweak(toy, {"actors.A.discount": 0.8})) != scenario_hash(toy)


def test_lock_is_exclusive(tmp_path):
    with FolderLock(tmp_path / "d"):
        with pytest.raises(UsageError, match="in use"):
            FolderLock(tmp_path / "d").acquire()
    FolderLock(tmp_path / "d").acquire().release()  # free again


def test_load_sweep_needs_a_sweep_folder(tmp_path):
    with pytest.raises(UsageError, match=r"no metadata\.json"):
        load_sweep(tmp_path)
