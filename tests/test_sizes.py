"""Bad input up front (issue 8): absurd sizes are refused quickly with a message naming the field and the limit,
and the command line reports every error in one readable line (exit 2) and internal errors in a short one (exit 1).

Every size test runs under a wall-clock limit (:func:`refused_within`), so a regression shows as a failure after a
half a minute, not as a hang of the suite.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from sim import scenario_from_document
from sim.errors import NegsimError, ScenarioError, UsageError
from sim.scenario.models import MAX_ACTORS, MAX_OPTIONS, MAX_ROUNDS

ROOT = Path(__file__).resolve().parents[1]
TOY = str(ROOT / "scenarios" / "bilateral_toy.yaml")
LIMIT_S = 30.0  # a guard against hangs (a quadratic check on 10,000 actors would take minutes), not a timing:
# the largest refusals take 3–7 s on the shared 2-core machine under load; speed is for benchmarks


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise TimeoutError in the test if the block runs longer than ``seconds`` (POSIX interval timer)."""

    def expired(signum: int, frame: Any) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def refused_within(seconds: float, fn: Callable[[], Any], error: type[Exception] = NegsimError) -> str:
    """The message of the user error ``fn`` raises, which it must raise within ``seconds``."""
    t0 = time.perf_counter()
    with time_limit(seconds), pytest.raises(error) as exc:
        fn()
    assert time.perf_counter() - t0 < seconds
    msg = str(exc.value)
    assert "Traceback" not in msg
    return msg


def names_field_and_limit(msg: str, field: str, limit: int) -> bool:
    return f": {field}" in msg and (f"{limit}" in msg or f"{limit:,}" in msg)


def document(n_options: int = 2, n_actors: int = 2, max_rounds: int = 5, n_clauses: int = 1, **protocol: Any):
    """A valid scenario document but for the one size asked for."""
    clauses = {f"c{j}": [f"o{k}" for k in range(n_options)] for j in range(n_clauses)}
    return {
        "scenario": {"id": "big", "max_rounds": max_rounds, "status_quo_package": {c: "o0" for c in clauses}},
        "protocol": {"mediator": "a0", **protocol},
        "clauses": clauses,
        "actors": {
            f"a{k}": {"salience": {c: 1 for c in clauses}, "utilities": {c: [0.5] * n_options for c in clauses}}
            for k in range(n_actors)
        },
        "decision_rules": {"signatories": ["a0"]},
    }


def write(tmp_path: Path, doc: dict[str, Any]) -> Path:
    f = tmp_path / "big.yaml"
    f.write_text(yaml.safe_dump(doc, default_flow_style=None, width=10**9))
    return f


# -- sizes -------------------------------------------------------------------------------------------------------
def test_max_rounds_of_a_billion_is_refused():
    msg = refused_within(LIMIT_S, lambda: scenario_from_document(document(max_rounds=10**9)), ScenarioError)
    assert names_field_and_limit(msg, "scenario.max_rounds", MAX_ROUNDS)


def test_a_clause_with_thousands_of_options_in_a_file_is_refused(tmp_path):
    from sim import load_scenario

    f = write(tmp_path, document(n_options=5 * MAX_OPTIONS))
    msg = refused_within(LIMIT_S, lambda: load_scenario(f), ScenarioError)
    assert names_field_and_limit(msg, "clauses.c0", MAX_OPTIONS)


def test_a_file_with_a_million_options_is_refused_before_parsing(tmp_path):
    from sim import load_scenario
    from sim.scenario.yamlio import MAX_FILE_BYTES

    f = tmp_path / "million.yaml"
    lines = ["scenario: {id: big, max_rounds: 5, status_quo_package: {c: o0}}", "clauses:", "  c:"]
    f.write_text("\n".join(lines + [f"    - o{k}" for k in range(10**6)]) + "\n")
    msg = refused_within(LIMIT_S, lambda: load_scenario(f), ScenarioError)
    assert f"{MAX_FILE_BYTES:,}" in msg


def test_a_document_with_a_million_options_is_refused_quickly():
    doc = document(n_options=10**6)
    msg = refused_within(LIMIT_S, lambda: scenario_from_document(doc), ScenarioError)
    assert names_field_and_limit(msg, "clauses.c0", MAX_OPTIONS)


def test_ten_thousand_actors_in_a_document_are_refused_quickly():
    doc = document(n_actors=10**4)
    msg = refused_within(1.5 * LIMIT_S, lambda: scenario_from_document(doc), ScenarioError)
    assert names_field_and_limit(msg, "actors", MAX_ACTORS)


@pytest.mark.slow  # writing the 10,000-actor file takes longer than refusing it
def test_ten_thousand_actors_in_a_file_are_refused_quickly(tmp_path):
    from sim import load_scenario

    f = write(tmp_path, document(n_actors=10**4))
    msg = refused_within(LIMIT_S, lambda: load_scenario(f), ScenarioError)
    assert names_field_and_limit(msg, "actors", MAX_ACTORS)


def _enumerate_too_large():
    from sim.engine.runner import prepare

    s = scenario_from_document(document(n_options=10, n_clauses=8, search="enumerate"))
    assert s.n_packages() == 10**8
    import sim.engine.model  # noqa: F401  (import Mesa outside the timed part)

    return lambda: prepare(s).run(0)


def test_a_package_space_too_large_to_enumerate_is_refused():
    msg = refused_within(LIMIT_S, _enumerate_too_large(), UsageError)
    assert "protocol.search" in msg and "100,000,000" in msg


def test_the_enumeration_message_gives_the_limit():
    from sim.search.searcher import ENUMERATION_LIMIT

    msg = refused_within(LIMIT_S, _enumerate_too_large(), UsageError)
    assert f"{20 * ENUMERATION_LIMIT:,}" in msg


def test_a_sweep_of_a_trillion_runs_is_refused(tmp_path, capsys):
    import sim.cli.sweep  # noqa: F401  (import pandas and pyarrow outside the timed part)
    from sim.cli.main import main
    from sim.sweeps.plan import MAX_RUNS

    f = write(tmp_path, document())
    argv = ["sweep", str(f), "--param", "actors.a0.discount=0.1:1:1000000", "--seeds", "1000000"]
    with time_limit(LIMIT_S):
        rc = main([*argv, "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert err.count("\n") == 1 and f"{10**12:,}" in err and f"{MAX_RUNS:,}" in err
    assert not (tmp_path / "out").exists()


# -- the command line ---------------------------------------------------------------------------------------------
def negsim(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["run", "no/such/file.yaml"], "no such file"),
        (["run", TOY, "--set", "actors.A.discount"], "expected PATH=VALUE"),
        (["run", TOY, "--set", "actors.A.discount=2.5"], "less than or equal to 1"),
        (["run", TOY, "--set", "actors.NOPE.discount=0.5"], "'actors.NOPE' does not exist"),
        (["run", TOY, "--set", "actors..discount=0.5"], "bad path"),
        (["run", TOY, "--set", "actors.A.discount=[0.5"], "cannot read the value"),
        (["show", TOY, "--set", "protocol.agenda=sideways"], "protocol.agenda"),
    ],
    ids=["missing-file", "set-without-value", "set-out-of-range", "set-unknown-actor", "bad-path", "bad-yaml", "show"],
)
def test_cli_user_errors_are_one_line_and_exit_2(tmp_path, args, expected):
    r = negsim(*args, "--no-save") if args[0] == "run" else negsim(*args)
    assert r.returncode == 2, r.stderr
    assert r.stderr.count("\n") == 1, r.stderr
    assert expected in r.stderr and "Traceback" not in r.stderr
    assert r.stdout == ""


def test_cli_argument_errors_exit_2_and_end_with_the_problem():
    """argparse's own errors print the usage first, then one line naming the problem."""
    r = negsim("run", TOY, "--seed", "abc")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines()[-1] == "negsim run: error: argument --seed: invalid int value: 'abc'"


def boom(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("boom")


def test_an_internal_error_exits_1_with_a_short_message(monkeypatch, capsys):
    from sim.cli import run as run_command
    from sim.cli.main import main

    monkeypatch.setattr(run_command, "run", boom)
    assert main(["run", TOY, "--no-save"]) == 1
    err = capsys.readouterr().err
    assert err == "negsim: internal error: RuntimeError: boom (run with --debug for the traceback)\n"


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_lets_the_internal_error_propagate(monkeypatch, where):
    from sim.cli import run as run_command
    from sim.cli.main import main

    monkeypatch.setattr(run_command, "run", boom)
    argv = ["--debug", "run", TOY, "--no-save"] if where == "before" else ["run", TOY, "--no-save", "--debug"]
    with pytest.raises(RuntimeError, match="boom"):
        main(argv)
