"""Hostile faults of sweeps (issue 20): a killed or interrupted ``negsim sweep`` leaves no process and no traceback;
a damaged results folder is one line naming the file and the fix (sim.store.validate, for --resume, plot and
load_sweep); a full disk before metadata.json leaves no stuck folder; a bad --scheduler leaves no folder."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import psutil
import pytest
import test_sweep_fakes as fakes
from conftest import SCENARIOS
from test_faults import full_disk_after

from sim.cli.main import main
from sim.errors import SweepFailed, UsageError
from sim.store.results import existing_parts, load_sweep
from sim.sweeps import dask_executor, executors
from sim.sweeps.run import resume, sweep

ROOT = Path(__file__).resolve().parents[1]
TOY = str(SCENARIOS / "bilateral_toy.yaml")
BIG = ["--param", "actors.A.discount=0.2:0.9:50", "--seeds", "400", "--workers", "2", "--quiet"]


def start(out: Path) -> subprocess.Popen[str]:
    """``negsim sweep`` of many runs on 2 workers, in its own process group (as a terminal would run it)."""
    cmd = [sys.executable, "-m", "sim", "sweep", TOY, *BIG, "--out", str(out)]
    env = os.environ | {"PYTHONFAULTHANDLER": "1"}  # a SIGABRT prints every thread's stack (see finish)
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, env=env)  # fmt: skip


def finish(proc: subprocess.Popen[str], timeout: float = 120) -> str:
    """The sweep's stderr once it has ended; if it has not within ``timeout`` s, fail with every thread's stack
    (SIGABRT under PYTHONFAULTHANDLER), which says where it hung."""
    try:
        return proc.communicate(timeout=timeout)[1]
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGABRT)
        err = proc.communicate(timeout=30)[1]
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail(f"the sweep had not ended {timeout:.0f} s after the signal; its threads:\n{err[-8000:]}")


def descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def wait_for(proc: subprocess.Popen[str], cond, timeout: float = 120) -> list[psutil.Process]:
    """Every descendant seen until ``cond(descendants)`` holds (or the sweep ends)."""
    seen: dict[int, psutil.Process] = {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        kids = descendants(proc.pid)
        seen |= {k.pid: k for k in kids}
        if cond(kids):
            break
        time.sleep(0.02)
    return list(seen.values())


def alive(procs: list[psutil.Process]) -> list[int]:
    out = []
    for p in procs:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                out.append(p.pid)
        except psutil.NoSuchProcess:
            pass
    return out


def gone_within(procs: list[psutil.Process], seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while alive(procs) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = alive(procs)
    for pid in left:  # do not leave them to the next test
        psutil.Process(pid).kill()
    return left


def is_forkserver(p: psutil.Process) -> bool:
    try:
        return "forkserver" in " ".join(p.cmdline())
    except psutil.Error:
        return False


# -- processes die with the sweep ---------------------------------------------------------------------------
@pytest.mark.slow
def test_sigkill_of_negsim_alone_leaves_no_process(tmp_path):
    proc = start(tmp_path / "s")
    procs = wait_for(proc, lambda kids: len(kids) >= 4)  # resource tracker, forkserver and its 2 workers
    assert len(procs) >= 4 and proc.poll() is None, "the sweep ended before its workers started"
    proc.send_signal(signal.SIGKILL)  # the parent only, not its group
    proc.wait()
    assert gone_within(procs, 15) == []  # was: all four lived on, reparented to init, ~430 MB


@pytest.mark.slow
@pytest.mark.parametrize("when", ["forkserver", "workers", "parts"])
def test_ctrl_c_early_is_one_line_and_exit_130(tmp_path, when):
    out = tmp_path / "s"
    cond = {
        "forkserver": lambda kids: any(is_forkserver(k) for k in kids),  # while it imports its preload modules
        "workers": lambda kids: len(kids) >= 4,
        "parts": lambda kids: bool(existing_parts(out)),
    }[when]
    proc = start(out)
    procs = wait_for(proc, cond)
    assert proc.poll() is None, "the sweep ended before the signal"
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: the whole process group
    err = finish(proc)
    assert proc.returncode == 130, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    if existing_parts(out):
        assert lines[0] == f"negsim: interrupted; resume with negsim sweep --resume {out}"
    else:
        assert lines[0].startswith("negsim: interrupted") and not out.exists()
    assert gone_within(procs, 15) == []


def test_the_forkserver_is_spawned_with_ctrl_c_blocked_and_the_caller_gets_its_mask_back(monkeypatch):
    """The forkserver inherits the spawning thread's signal mask across fork and exec: with SIGINT blocked there,
    a Ctrl-C during the server's own Python start-up (before ``sim.sweeps.forkserver_init`` ignores it) stays
    pending instead of killing it with "Fatal Python error: init_import_site". Checked at the spawn itself, with
    a new resource tracker and forkserver: starting the tracker unblocks SIGINT in the calling thread (CPython's
    ``resource_tracker.ensure_running``), which undid a block taken around ``forkserver.ensure_running`` alone."""
    import multiprocessing.forkserver as forkserver
    import multiprocessing.resource_tracker as resource_tracker
    import multiprocessing.util as mp_util

    tracker, server = resource_tracker.ResourceTracker(), forkserver.ForkServer()
    monkeypatch.setattr(resource_tracker, "ensure_running", tracker.ensure_running)
    monkeypatch.setattr(forkserver, "ensure_running", server.ensure_running)
    spawned: list[tuple[str, set[int]]] = []
    real = mp_util.spawnv_passfds

    def spawn(path, args, passfds):
        what = "forkserver" if "forkserver" in " ".join(map(str, args)) else "tracker"
        spawned.append((what, set(signal.pthread_sigmask(signal.SIG_BLOCK, []))))
        return real(path, args, passfds)

    monkeypatch.setattr(mp_util, "spawnv_passfds", spawn)
    before = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    try:
        executors._context()
    finally:
        server._stop()
        tracker._stop()
    assert [w for w, _ in spawned] == ["tracker", "forkserver"]
    assert signal.SIGINT in dict(spawned)["forkserver"]
    assert signal.pthread_sigmask(signal.SIG_BLOCK, []) == before


def test_a_ctrl_c_while_a_worker_starts_is_held_until_it_is_started():
    """A Ctrl-C inside ``interrupts_deferred`` (around a submit that may start a worker) is raised only once the
    block has ended, and a block without one changes nothing (the handler before it is back)."""
    from sim.sweeps.lifeline import interrupts_deferred

    before = signal.getsignal(signal.SIGINT)
    steps = []
    with pytest.raises(KeyboardInterrupt):
        with interrupts_deferred():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)  # Python runs handlers between bytecodes: any KeyboardInterrupt would come here
            steps.append("block ended")
        steps.append("after the block")
    assert steps == ["block ended"] and signal.getsignal(signal.SIGINT) is before
    with interrupts_deferred():
        pass
    assert signal.getsignal(signal.SIGINT) is before


def test_interrupts_are_not_deferred_off_the_main_thread_or_under_a_handler_set_from_c(monkeypatch):
    """Where Python cannot take over SIGINT and put it back (another thread; a handler not set from Python, which
    ``getsignal`` reports as None), the block runs as it is and the handler is not touched."""
    from sim.sweeps import lifeline

    set_to = []
    monkeypatch.setattr(lifeline.signal, "signal", lambda *a: set_to.append(a))
    done = []

    def block() -> None:
        with lifeline.interrupts_deferred():
            done.append(threading.current_thread().name)

    worker = threading.Thread(target=block, name="other")
    worker.start()
    worker.join()
    monkeypatch.setattr(lifeline.signal, "getsignal", lambda signum: None)
    block()
    assert done == ["other", threading.main_thread().name] and set_to == []


def test_a_ctrl_c_while_the_console_script_imports_negsim_is_one_line(monkeypatch, capsys):
    """The ``negsim`` script (``[project.scripts]``) and ``python -m sim`` enter through ``sim.cli.console``, which
    imports the command line inside a handler: a Ctrl-C during that import is ``negsim: interrupted``, exit 130
    (it was a traceback of the imports when the script imported ``sim.cli.main`` itself)."""
    import tomllib
    import types

    from sim.cli import console

    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"negsim": "sim.cli.console:entry"}
    assert (ROOT / "sim" / "__main__.py").read_text().startswith("from sim.cli.console import entry\n")

    def interrupted(name):
        raise KeyboardInterrupt

    importing = types.ModuleType("sim.cli.main")
    importing.__getattr__ = interrupted  # type: ignore[method-assign]  # `from sim.cli.main import entry` lands here
    monkeypatch.setitem(sys.modules, "sim.cli.main", importing)
    with pytest.raises(SystemExit) as exc:
        console.entry()
    assert exc.value.code == 130
    assert capsys.readouterr().err == "negsim: interrupted\n"


def _blocked_in_recv(thread: threading.Thread) -> bool:
    frame = sys._current_frames().get(thread.ident or -1)
    return frame is not None and frame.f_code.co_name == "_recv"


def test_a_worker_ended_mid_result_does_not_hang_the_pool_at_exit():
    """A worker ended while writing a result left half a message in the result pipe: the pool's manager thread
    waited for the rest for ever, ``concurrent.futures`` joins it at exit, and an interrupted sweep hung until the
    CLI's grace timer called ``os._exit`` (the leaked-semaphore warnings after "negsim: interrupted" in CI).
    ``_terminate`` must leave that thread able to end."""
    pool = ProcessPoolExecutor(max_workers=1, mp_context=executors._context())
    writer = pool._result_queue._writer
    try:
        pool.submit(time.sleep, 60)
        thread = pool._executor_manager_thread
        os.write(writer.fileno(), struct.pack("!i", 1 << 20))  # a 1 MB message's header, and none of its bytes
        deadline = time.monotonic() + 30
        while not _blocked_in_recv(thread) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert _blocked_in_recv(thread), "the manager thread never waited for the rest of the message"
        executors._terminate(pool)
        thread.join(timeout=15)
        assert not thread.is_alive(), "the pool's manager thread still waits for the half-written result"
    finally:
        if not writer.closed:  # without the fix: end the wait here, or pytest's own exit would hang on it
            writer.close()


# -- a damaged results folder: one line, from sim.store.validate --------------------------------------------
@pytest.fixture(scope="module")
def done(tmp_path_factory) -> Path:
    """A finished sweep of 3 points x 4 seeds in chunks of 4 (3 parts), with fake runs."""
    from sim.scenario.loader import load_scenario

    out = tmp_path_factory.mktemp("done") / "s"
    params = {"actors.A.discount": "0.2:0.8:3"}
    sweep(load_scenario(TOY), params, seeds=4, chunk=4, out=out, quiet=True, _prepare=fakes.fake_prepare)
    return out


def damaged(done: Path, tmp_path: Path, how: str) -> tuple[Path, str]:
    """A copy of ``done`` damaged ``how``; returns it and the text the one-line error must contain."""
    s = tmp_path / "s"
    shutil.copytree(done, s)
    meta, part = s / "metadata.json", s / "parts" / "part-0000000004.parquet"
    data = json.loads(meta.read_text())
    if how == "truncated part":
        part.write_bytes(part.read_bytes()[:-40])
    elif how == "empty part":
        part.write_bytes(b"")
    elif how == "garbage part":
        part.write_bytes(os.urandom(3000))
    elif how == "part is a folder":
        part.unlink()
        part.mkdir()
    elif how == "odd part":
        shutil.copy(s / "parts" / "part-0000000000.parquet", s / "parts" / "part-0000000002.parquet")
        part = s / "parts" / "part-0000000002.parquet"
    elif how == "invalid json":
        meta.write_text(meta.read_text()[:500])
    elif how == "empty json":
        meta.write_text("")
    elif how == "json list":
        meta.write_text("[1, 2]")
    elif how == "missing key":
        del data["chunk"]
        meta.write_text(json.dumps(data))
    elif how == "wrong type":
        data["n_runs"] = "twelve"
        meta.write_text(json.dumps(data))
    elif how == "metadata is a folder":
        meta.unlink()
        meta.mkdir()
    if "part" in how:
        return s, f"{part}: "
    return s, str(meta)


HOW = ["truncated part", "empty part", "garbage part", "part is a folder", "odd part", "invalid json", "empty json",
       "json list", "missing key", "wrong type", "metadata is a folder"]  # fmt: skip


@pytest.mark.parametrize("how", HOW)
def test_a_damaged_folder_is_one_line_for_resume_plot_and_load(done, tmp_path, capsys, how):
    s, where = damaged(done, tmp_path, how)
    for argv in (["sweep", "--resume", str(s), "--quiet"], ["plot", str(s), "-o", str(tmp_path / "a.png")]):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "Traceback" not in err[0], err
        if argv[0] == "plot" and how == "metadata is a folder":
            assert "is neither a sweep folder" in err[0]  # plot cannot tell what it is: also one line
            continue
        assert where in err[0], err[0]
        if "part" in how:
            assert f"delete it and run negsim sweep --resume {s}" in err[0]
    with pytest.raises(UsageError, match="delete it and run" if "part" in how else "metadata.json"):
        load_sweep(s)
    assert not (tmp_path / "a.png").exists()


def test_deleting_the_bad_part_as_told_then_resume_gives_the_whole_table(done, tmp_path):
    s, _ = damaged(done, tmp_path, "truncated part")
    with pytest.raises(UsageError, match="delete it") as info:
        resume(s, quiet=True, _prepare=fakes.fake_prepare)
    Path(str(info.value).split(": ")[0]).unlink()  # the file the message names
    assert resume(s, quiet=True, _prepare=fakes.fake_prepare).ok
    import pandas as pd

    pd.testing.assert_frame_equal(load_sweep(s), load_sweep(done))


class PointRaising(fakes.FakePrepared):
    """Every run of the point with discount 0.5 raises: with 4 seeds and chunks of 4, one whole part."""

    def run(self, seed, trace=False):
        if abs(self.p - 0.5) < 1e-9:
            raise RuntimeError(f"broken point, seed {seed}")
        return super().run(seed, trace)


def point_raising_prepare(scenario):
    return PointRaising(scenario)


def test_a_sweep_where_one_chunk_raised_every_run_resumes(toy, tmp_path):
    """One part has no outcome column at all (every run of it raised), the others do: resume reads both."""
    out = tmp_path / "s"
    with pytest.raises(SweepFailed):
        sweep(toy, {"actors.A.discount": "0.2:0.8:3"}, seeds=4, chunk=4, out=out, quiet=True,
              _prepare=point_raising_prepare)  # fmt: skip
    existing_parts(out)[8].unlink()
    with pytest.raises(SweepFailed, match=r"4 of 12 runs failed; the first error: run 4 \(point 1"):
        resume(out, quiet=True, _prepare=point_raising_prepare)
    df = load_sweep(out)
    assert len(df) == 12 and df.attrs["complete"] and df["error"].notna().sum() == 4
    assert resume(out, quiet=True, raise_on_error=False, _prepare=point_raising_prepare).n_failed == 4  # nothing to run


# -- a full disk before metadata.json -----------------------------------------------------------------------
@pytest.mark.parametrize("existing", [False, True])
def test_a_full_disk_before_metadata_leaves_no_stuck_folder(monkeypatch, tmp_path, capsys, existing):
    out = tmp_path / "s"
    if existing:
        out.mkdir()  # a folder the user made: emptied, not removed
    argv = ["sweep", TOY, "--param", "actors.A.discount=0.5:0.9:3", "--seeds", "4", "--quiet", "--out", str(out)]
    full_disk_after(monkeypatch, 0)  # metadata.json itself does not fit
    assert main(argv) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "No space left on device" in err[0]
    assert out.exists() == existing and (not existing or {p.name for p in out.iterdir()} <= {".lock"})
    monkeypatch.undo()  # room again: the same command works, and so does --overwrite
    assert main(argv) == 0 and len(load_sweep(out)) == 12
    assert main([*argv, "--overwrite"]) == 0


def test_a_folder_left_before_metadata_is_reusable_and_resume_says_why(tmp_path, capsys):
    """What SIGKILL between creating parts/ and writing metadata.json leaves (or an older negsim on a full disk)."""
    out = tmp_path / "s"
    (out / "parts").mkdir(parents=True)
    (out / ".lock").write_text("123")
    assert main(["sweep", "--resume", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no metadata.json and no parts: no sweep was saved there" in err[0]
    argv = ["sweep", TOY, "--seeds", "2", "--quiet", "--out", str(out)]
    assert main(argv) == 0 and len(load_sweep(out)) == 2


# -- a --scheduler that is not a Dask scheduler --------------------------------------------------------------
@pytest.fixture
def garbage_server():
    """A TCP service on 127.0.0.1 that answers every connection with bytes that are not Dask's (for 30 s)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen()
    srv.settimeout(30)

    def serve() -> None:
        try:
            while True:
                conn, _ = srv.accept()
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\nnot dask" * 10)
                time.sleep(0.2)
                conn.close()
        except OSError:
            pass

    threading.Thread(target=serve, daemon=True).start()
    yield f"tcp://127.0.0.1:{srv.getsockname()[1]}"
    srv.close()


def closed_port() -> str:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"127.0.0.1:{port}"


@pytest.mark.dask
@pytest.mark.parametrize("kind", ["not dask", "unreachable", "malformed", "bad port", "bad scheme"])
def test_a_bad_scheduler_is_one_line_exit_2_and_no_folder(monkeypatch, tmp_path, capsys, garbage_server, kind):
    pytest.importorskip("distributed")
    monkeypatch.setattr(dask_executor, "CONNECT_TIMEOUT", 3.0)
    addr = {"not dask": garbage_server, "unreachable": closed_port(), "malformed": "not an address",
            "bad port": "tcp://127.0.0.1:99999", "bad scheme": "http://127.0.0.1:8786"}[kind]  # fmt: skip
    out = tmp_path / "s"
    t0 = time.monotonic()
    argv = ["sweep", TOY, "--seeds", "2", "--executor", "dask", "--scheduler", addr, "--quiet", "--out", str(out)]
    assert main(argv) == 2
    assert time.monotonic() - t0 < 30
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("negsim: error: --scheduler") and "Traceback" not in err[0], err
    assert not out.exists()


def test_an_interrupted_negsim_ends_even_if_an_exit_handler_hangs():
    """``negsim`` after a Ctrl-C (exit 130): a hanging exit handler (as concurrent.futures' join of its pool's
    threads can) does not keep the process alive past EXIT_GRACE; any other exit code waits for its handlers."""
    code = (
        "import atexit, time, sim.cli.main as m\n"
        "atexit.register(time.sleep, 300)\n"
        "m.EXIT_GRACE = 0.5\n"
        "m.main = lambda: {code}\n"
        "m.entry()\n"
    )
    done = subprocess.run([sys.executable, "-c", code.format(code=130)], cwd=ROOT, capture_output=True, timeout=120)
    assert done.returncode == 130, done.stderr
    hung = subprocess.Popen([sys.executable, "-c", code.format(code=2)], cwd=ROOT)
    with pytest.raises(subprocess.TimeoutExpired):
        hung.wait(timeout=3)  # not ended by the timer: only an interrupt is cut short
    hung.kill()
    hung.wait()
