"""Start-up (issue 19): each command imports only what it needs, and what was made lazy gives the same results.

The import checks start a fresh interpreter (a test process has imported everything already) and look at its
``sys.modules`` after the command ran.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from scipy.special import expit

from sim import load_scenario, run, tweak
from sim.core.curves import logit_accept, logit_accept_at
from sim.store.trace import write_trace

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("pandas", "pyarrow", "dask", "matplotlib", "scipy", "networkx", "tqdm", "sklearn", "SALib")


def _loaded_after(argv: list[str]) -> dict[str, object]:
    """Run ``negsim ARGV`` through ``sim.cli.main.main`` in a fresh interpreter; its exit code and loaded modules."""
    code = (
        "import io, contextlib, json, sys\n"
        "from sim.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    status = main({argv!r})\n"
        "print(json.dumps({'status': status, 'modules': sorted(sys.modules)}))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def _top_level(modules: object) -> set[str]:
    assert isinstance(modules, list)
    return {m.split(".")[0] for m in modules}


def test_validate_imports_no_engine_and_no_heavy_package():
    out = _loaded_after(["validate", "scenarios/paris_2025.yaml", "scenarios/paris_2026.yaml"])
    assert out["status"] == 0
    assert _top_level(out["modules"]) & {*HEAVY, "mesa", "highspy"} == set()


def test_run_no_save_imports_mesa_core_only(tmp_path):
    out = _loaded_after(["run", "scenarios/paris_2025.yaml", "--no-save"])
    assert out["status"] == 0
    loaded = set(out["modules"])  # type: ignore[arg-type]
    assert _top_level(out["modules"]) & set(HEAVY) == set()
    assert {"mesa.model", "mesa.agent", "mesa.datacollection"} <= loaded
    assert "mesa.discrete_space" not in loaded and "mesa.batchrunner" not in loaded


def test_run_saving_needs_pyarrow_not_pandas(tmp_path):
    out = _loaded_after(["run", "scenarios/paris_2025.yaml", "--out", str(tmp_path)])
    assert out["status"] == 0
    top = _top_level(out["modules"])
    assert "pyarrow" in top and top & (set(HEAVY) - {"pyarrow"}) == set()
    (folder,) = (tmp_path / "paris_2025").iterdir()
    assert len(pd.read_parquet(folder / "trace.parquet")) > 0


def test_mesa_is_whole_after_the_narrow_import():
    """``sim.engine.mesa_core`` defers the rest of Mesa; ``import mesa`` afterwards is all of Mesa, same classes."""
    code = (
        "import sys\n"
        "import sim.engine.model as m\n"
        "assert 'mesa.discrete_space' not in sys.modules and 'pandas' not in sys.modules\n"
        "import mesa, mesa.agent, pandas\n"
        "assert mesa.Model is m.Model and mesa.Agent in m.ActorAgent.__mro__ and callable(mesa.batch_run)\n"
        "assert mesa.DataCollector is m.DataCollector and mesa.discrete_space.Network\n"
        "assert mesa.agent.pd.Series is pandas.Series and mesa.experimental.devs.Simulator\n"
        "print(mesa.__version__)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith("3.")


@pytest.mark.parametrize("scale", [1e-3, 0.3, 3.0, 30.0, 300.0])
def test_scalar_logit_is_scipys_expit_bit_for_bit(scale):
    """The engine's one-actor logit (``math.exp``) against ``scipy.special.expit`` on 20,000 surpluses."""
    rng = np.random.default_rng(int(scale * 1000))
    s = rng.standard_normal(20_000) * scale
    lam = rng.choice([1.0, 5.0, 20.0, 100.0, math.inf, 1e4], size=s.size)
    ours = np.array([logit_accept_at(float(a), float(b)) for a, b in zip(s, lam, strict=True)])
    with np.errstate(invalid="ignore", over="ignore"):
        theirs = np.where(np.isinf(lam), (s >= 0).astype(float), expit(lam * s))
    assert np.array_equal(ours, theirs)
    assert np.array_equal(ours, logit_accept(s, lam))


@pytest.mark.parametrize(
    ("scenario", "changes", "seed"),
    [
        ("paris_2025", {}, 0),
        ("paris_2025", {"protocol.agenda": "single_package"}, 3),
        ("bilateral_toy", {}, 1),
        ("paris_2025", {"actors.US.deadline.round": 0, "actors.US.deadline.credibility": 1.0}, 0),
    ],
)
def test_trace_file_reads_back_as_pandas_wrote_it(tmp_path, scenario, changes, seed):
    s = load_scenario(ROOT / "scenarios" / f"{scenario}.yaml")
    result = run(tweak(s, changes) if changes else s, seed=seed)
    write_trace(tmp_path / "new.parquet", result.rows)
    result.trace.to_parquet(tmp_path / "old.parquet", index=False)  # the writer before issue 19
    new, old = pd.read_parquet(tmp_path / "new.parquet"), pd.read_parquet(tmp_path / "old.parquet")
    pd.testing.assert_frame_equal(new, old, check_exact=True)
    schema = pq.read_schema(tmp_path / "new.parquet")
    assert schema.remove_metadata().equals(pq.read_schema(tmp_path / "old.parquet").remove_metadata())
