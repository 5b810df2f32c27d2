"""Faults of the machine, simulated: a full disk while writing a run or a sweep leaves nothing half-written, the
command says so in one line, and a sweep resumes once there is room again."""

from __future__ import annotations

import errno
import os

import pandas as pd
from conftest import SCENARIOS

from sim.cli.main import main
from sim.store.results import load_sweep

TOY = str(SCENARIOS / "bilateral_toy.yaml")


def full_disk_after(monkeypatch, n_ok: int) -> list[int]:
    """Make ``os.replace`` (the last step of every atomic write) fail with ENOSPC after ``n_ok`` calls."""
    calls = [0]
    real = os.replace

    def replace(src, dst, *a, **k):
        calls[0] += 1
        if calls[0] > n_ok:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(dst))
        return real(src, dst, *a, **k)

    monkeypatch.setattr(os, "replace", replace)
    return calls


def test_a_full_disk_during_a_run_leaves_no_half_written_folder(monkeypatch, tmp_path, capsys):
    full_disk_after(monkeypatch, 1)  # the trace is written, the outcome is not
    assert main(["run", TOY, "--quiet", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No space left on device" in err and "Traceback" not in err
    assert list((tmp_path / "bilateral_toy").iterdir()) == []  # nothing under any run id, no partial folder


def test_a_full_disk_during_a_sweep_then_resume_gives_the_whole_table(monkeypatch, tmp_path, capsys):
    argv = ["sweep", TOY, "--param", "actors.A.discount=0.5:0.9:3", "--seeds", "8", "--chunk", "4", "--quiet"]
    ref, out = tmp_path / "ref", tmp_path / "out"
    assert main([*argv, "--out", str(ref)]) == 0
    calls = full_disk_after(monkeypatch, 3)  # metadata.json and two parts land, then the disk is full
    assert main([*argv, "--out", str(out)]) == 1
    assert calls[0] > 3
    err = capsys.readouterr().err
    assert "No space left on device" in err and "Traceback" not in err
    assert not [p for p in out.rglob("*") if ".tmp-" in p.name]  # no temporary file left behind
    monkeypatch.undo()  # room again
    assert main(["sweep", "--resume", str(out), "--quiet"]) == 0
    a, b = load_sweep(ref), load_sweep(out)
    assert len(b) == 24 and not b.duplicated(["point", "replicate"]).any()
    pd.testing.assert_frame_equal(a, b)
