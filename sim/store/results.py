"""Results folders that describe themselves: atomic files, ``metadata.json``, locks, run and sweep folders.

Every file is written to a temporary name in its folder, flushed to disk and renamed (``os.replace``), so
that a process killed at any moment leaves each file complete or absent. A folder carries a ``metadata.json``
with the negsim version, the scenario id and hash (sha256 of its canonical JSON), the validated scenario,
seeds, package versions, the git revision and the command line (after the EMA Workbench's ``save_results``).

- a run folder ``results/<scenario-id>/<run-id>/``: ``outcome.json``, ``trace.parquet``, ``metadata.json``
  (:func:`write_run`, :func:`load_run`);
- a sweep folder ``results/<sweep-id>/``: ``metadata.json`` and ``parts/part-<first-run>.parquet``, one per
  chunk of runs (:func:`load_sweep`; written by :mod:`sim.sweeps.run`).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim import __version__
from sim.errors import UsageError
from sim.scenario.loader import scenario_from_document
from sim.store import validate as V
from sim.store.trace import write_trace

if TYPE_CHECKING:
    import pandas as pd

    from sim.engine.records import RunResult
    from sim.scenario.models import Scenario

PACKAGES = ("numpy", "scipy", "pandas", "pyarrow", "mesa", "pydantic")
PART_DIGITS = 10  # part-0000000000.parquet: names sort in run order up to 10^10 runs


# -- atomic files ------------------------------------------------------------------------------------------
@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success flush it to disk and rename it to ``path``."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{secrets.token_hex(3)}")
    try:
        yield tmp
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_json(path: Path, data: Any) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=_json_default) + "\n")


def _json_default(obj: Any) -> Any:

    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


def read_json(path: Path) -> Any:
    return json.loads(Path(path).read_text())


# -- metadata ---------------------------------------------------------------------------------------------
def canonical_json(data: Any) -> str:
    """Sorted keys, no spaces: the same data always gives the same text (and hash)."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default)


def scenario_dump(scenario: Scenario) -> dict[str, Any]:
    """The validated scenario as JSON-ready data (profiles merged, defaults filled)."""
    return scenario.model_dump(mode="json", by_alias=True)


def scenario_hash(scenario: Scenario) -> str:
    """sha256 of the canonical JSON of the validated scenario."""
    return hashlib.sha256(canonical_json(scenario_dump(scenario)).encode()).hexdigest()


def package_versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            out[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            out[name] = None
    return out


def git_revision() -> str | None:
    """The commit of the negsim checkout (``+dirty`` when it has local changes), or None outside git."""
    here = Path(__file__).resolve().parent
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=here,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{rev}+dirty" if dirty else rev or None


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def base_metadata(scenario: Scenario, kind: str) -> dict[str, Any]:
    """What every results folder records about where it came from."""
    return {
        "kind": kind,
        "negsim_version": __version__,
        "scenario_id": scenario.id,
        "scenario_hash": scenario_hash(scenario),
        "scenario_source": scenario.source,
        "created": utc_now(),
        "command": list(sys.argv),
        "python": sys.version.split()[0],
        "packages": package_versions(),
        "git_revision": git_revision(),
        "scenario": scenario_dump(scenario),
        "scenario_document": scenario.document(),
    }


def scenario_from_metadata(meta: dict[str, Any]) -> Scenario:
    """The scenario a folder was made from, checked against its recorded hash."""

    scenario = scenario_from_document(meta["scenario_document"], file=meta.get("scenario_source"))
    if scenario_hash(scenario) != meta["scenario_hash"]:
        raise UsageError(
            "the scenario recorded in metadata.json no longer validates to the same scenario (was negsim "
            f"upgraded since? it recorded {meta.get('negsim_version')}); start a new sweep"
        )
    return scenario


# -- folders and locks ------------------------------------------------------------------------------------
def new_id(prefix: str) -> str:
    """``<prefix>-<UTC timestamp>-<4 hex>``: sorts by time, and two ids made in the same second differ."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{prefix}-{stamp}-{secrets.token_hex(2)}"


def _has_content(path: Path) -> bool:
    """Anything but the lock, temporaries and an empty ``parts`` (what a sweep stopped before its metadata.json
    was written leaves, e.g. SIGKILL: not a reason to refuse the folder)."""
    if not path.is_dir():
        return False
    for p in path.iterdir():
        if p.name == ".lock" or (p.name.startswith(".") and ".tmp-" in p.name):
            continue
        if p.name == "parts" and p.is_dir() and not p.is_symlink() and not any(p.iterdir()):
            continue
        return True
    return False


def refuse_existing(out: Path, overwrite: bool, what: str = "results folder") -> None:
    """Never overwrite silently: an existing folder with content needs ``overwrite``, and then it must be a
    negsim folder (with a metadata.json), so that a typo cannot empty an unrelated directory."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out} exists and is not a folder")
    if not _has_content(out):
        return
    if not overwrite:
        raise UsageError(
            f"{what} {out} already exists and is not empty; pass --overwrite to replace it, "
            f"--resume {out} to continue a sweep there, or choose another --out"
        )
    if not (out / "metadata.json").exists():
        raise UsageError(f"{out} is not a negsim results folder (no metadata.json): refusing to empty it")


def clear_folder(out: Path) -> None:
    """Remove the content of ``out`` except its lock file (call it holding the lock)."""
    for p in out.iterdir():
        if p.name == ".lock":
            continue
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p)
        else:
            p.unlink()


class FolderLock:
    """An exclusive ``fcntl.flock`` on ``DIR/.lock``, released when the process ends (even on SIGKILL)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._fd: int | None = None

    def acquire(self) -> FolderLock:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / ".lock"
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise UsageError(
                f"{self.folder} is in use by another negsim process (pid {holder}); wait for it to finish "
                "or stop it, then run again"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> FolderLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


# -- run folders ------------------------------------------------------------------------------------------
def write_run(
    result: RunResult,
    scenario: Scenario,
    seed: int | None,
    out: str | Path | None = None,
    base: str | Path = "results",
    overwrite: bool = False,
) -> Path:
    """Write one run to ``out`` or to a new ``<base>/<scenario-id>/<run-id>/``; return the folder.

    The folder holds ``outcome.json`` (:meth:`Outcome.to_json`), ``trace.parquet`` (one row per round and
    actor) and ``metadata.json``, each written atomically. A default folder is new every time, so that two
    runs never overwrite each other; an ``out`` that exists with content is refused unless ``overwrite``.
    """
    if out is not None:
        folder = Path(out)
        refuse_existing(folder, overwrite, what="run folder")
        folder.mkdir(parents=True, exist_ok=True)
        clear_folder(folder)
        _write_run_files(folder, result, scenario, seed)
        return folder
    parent = Path(base) / scenario.id
    parent.mkdir(parents=True, exist_ok=True)
    while True:
        folder = parent / new_id(f"seed{seed}")
        partial = parent / f".{folder.name}.partial"
        try:
            partial.mkdir()  # fails if another process took this id: draw a new one
        except FileExistsError:
            continue
        try:  # the run appears under its id complete or not at all (a full disk leaves nothing behind)
            _write_run_files(partial, result, scenario, seed, run_id=folder.name)
            os.rename(partial, folder)
        finally:
            if partial.exists():
                shutil.rmtree(partial, ignore_errors=True)
        return folder


def _write_run_files(
    folder: Path, result: RunResult, scenario: Scenario, seed: int | None, run_id: str | None = None
) -> None:
    meta = base_metadata(scenario, "run") | {"run_id": run_id or folder.name, "seed": seed}
    with atomic_path(folder / "trace.parquet") as tmp:
        write_trace(tmp, result.rows)
    write_json(folder / "outcome.json", result.outcome.to_json())
    write_json(folder / "metadata.json", meta)


def load_run(folder: str | Path) -> tuple[dict[str, Any], pd.DataFrame, dict[str, Any]]:
    """``(outcome, trace, metadata)`` of a run folder written by :func:`write_run`."""
    # lazy: pandas and pyarrow cost ~0.4 s to import; negsim run --no-save and negsim validate start without them
    import pandas as pd

    folder = Path(folder)
    for name in ("outcome.json", "metadata.json", "trace.parquet"):
        if not (folder / name).is_file():
            raise UsageError(f"{folder} is not a run folder: {name} is missing")
    meta = read_json(folder / "metadata.json")
    return read_json(folder / "outcome.json"), pd.read_parquet(folder / "trace.parquet"), meta


# -- sweep folders ----------------------------------------------------------------------------------------
def part_name(first_run: int) -> str:
    return f"part-{first_run:0{PART_DIGITS}d}.parquet"


def existing_parts(folder: Path) -> dict[int, Path]:
    """``{first run index: path}`` of the complete parts of a sweep folder (temporary files are ignored)."""
    parts = Path(folder) / "parts"
    if not parts.is_dir():
        return {}
    out = {}
    for p in parts.glob("part-*.parquet"):
        stem = p.stem.removeprefix("part-")
        if stem.isdigit():
            out[int(stem)] = p
    return out


def remove_temporaries(folder: Path) -> None:
    """Delete what a killed process left half-written (``.name.tmp-*`` files)."""
    for sub in (Path(folder), Path(folder) / "parts"):
        if sub.is_dir():
            for p in sub.glob(".*.tmp-*"):
                p.unlink(missing_ok=True)


def abandon_sweep(folder: Path, meta: dict[str, Any], exc: BaseException, fresh: bool, created: bool) -> None:
    """Tidy a sweep folder after the sweep itself stopped (Ctrl-C, a full disk, a broken executor), holding its
    lock: a fresh sweep without any finished part leaves nothing (the folder is removed if it ``created`` it,
    else emptied); otherwise the folder is marked ``"status": "interrupted"`` with the reason, for resume.
    Best effort: the disk may be full, and the error that stopped the sweep matters more."""
    try:
        remove_temporaries(folder)
        if fresh and not existing_parts(folder):
            if created:
                shutil.rmtree(folder, ignore_errors=True)
            else:
                clear_folder(folder)
            return
        why = f"{type(exc).__name__}: {exc}".strip().removesuffix(":")
        meta |= {"status": "interrupted", "interrupted": utc_now(), "interrupted_by": why.splitlines()[0]}
        write_json(folder / "metadata.json", meta)
    except OSError:
        pass


def read_sweep_metadata(folder: str | Path) -> dict[str, Any]:
    """The checked metadata of a sweep folder (:func:`sim.store.validate.sweep_metadata`)."""
    return V.sweep_metadata(folder)


def load_sweep(folder: str | Path) -> pd.DataFrame:
    """The tidy table of a sweep: one row per run, sorted by (point, replicate).

    Columns: ``point``, ``replicate``, ``seed``, one per swept parameter (named by its path), the outcome
    columns of :meth:`sim.engine.records.Outcome.to_row`, ``engine`` (``batched``, or ``mesa (<why>)``: docs/sweeps.md)
    and ``error`` (None, or the error of a run that raised).
    ``df.attrs`` holds ``sweep_id``, ``n_runs`` (planned) and ``complete`` (False while parts are missing).
    """
    # lazy: pandas and pyarrow cost ~0.4 s to import; negsim run --no-save and negsim validate start without them
    import pandas as pd

    # lazy: pandas and pyarrow cost ~0.4 s to import; negsim run --no-save and negsim validate start without them
    import pyarrow as pa

    meta = V.sweep_metadata(folder)
    parts = V.sweep_parts(folder, meta)
    if parts:
        # one Arrow table first: a column that is all null in one part (or missing from a part of runs that
        # raised) takes its type from the others, so the table does not depend on how runs were chunked
        table = pa.concat_tables([V.read_part(Path(folder), parts[k]) for k in sorted(parts)],
                                 promote_options="permissive")  # fmt: skip
        df = table.to_pandas().sort_values(["point", "replicate"], kind="stable", ignore_index=True)
        df["error"] = df["error"].astype(object).where(df["error"].notna(), None)
    else:
        paths = meta["design"].get("paths") or [p.get("path") for p in meta["design"]["params"]]
        df = pd.DataFrame(columns=["point", "replicate", "seed", *paths, "error"])
    n_runs = int(meta["n_runs"])
    df.attrs.update({"sweep_id": meta["sweep_id"], "n_runs": n_runs, "complete": len(df) == n_runs})
    return df
