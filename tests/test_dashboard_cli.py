"""`negsim dashboard` refuses bad arguments with one line and exit 2, before any server starts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--port", "0"], "--port must be a TCP port from 1 to 65535, not 0"),
        (["--port", "70000"], "--port must be a TCP port from 1 to 65535, not 70000"),
        (["--seeds", "0"], "--seeds must be a count of seeds from 1 to 10,000,000, not 0"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(args, says):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "sim", "dashboard", "scenarios/paris_2025.yaml", *args]
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0], r.stderr
    assert "Traceback" not in r.stderr and "dashboard of" not in r.stdout  # no server was started
