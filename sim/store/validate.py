"""What a damaged sweep folder means, decided in one place: ``--resume``, ``negsim plot`` and ``sim.load_sweep``
all read a sweep folder through :func:`sweep_metadata` and :func:`sweep_parts`, which say in one line (a
:class:`sim.errors.UsageError`) which file is wrong, how, and what to do.

- ``metadata.json`` missing, a folder, unreadable, not JSON (empty, truncated, garbage), not an object, of
  another kind, or missing a key (or with a key of the wrong type) that reading or resuming the sweep needs:
  the folder cannot be read or resumed; run the sweep again into a new ``--out``.
- a part (``parts/part-<first run>.parquet``) that is a folder, is not Parquet (empty, truncated, garbage), lacks
  the columns every part has, has the wrong number of rows, or does not start a chunk of this sweep: delete it,
  and ``negsim sweep --resume DIR`` runs its runs again (nothing is deleted automatically).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.errors import UsageError

if TYPE_CHECKING:
    import pyarrow as pa

PART_COLUMNS = ("point", "replicate", "seed", "error")
"""Every part has them, even one of runs that all raised."""

REQUIRED: dict[str, type] = {
    "kind": str,
    "sweep_id": str,
    "n_runs": int,
    "chunk": int,
    "master_seed": int,
    "seeds": dict,
    "design": dict,
    "scenario_hash": str,
    "scenario_document": dict,
}
"""The keys of a sweep's metadata.json that reading or resuming it needs, with their JSON types."""

REQUIRED_IN: dict[str, dict[str, type]] = {"seeds": {"n": int}, "design": {"kind": str, "params": list, "points": list}}


def sweep_metadata(folder: str | Path) -> dict[str, Any]:
    """The metadata of the sweep folder ``folder``, checked: a one-line UsageError when it cannot be used."""
    folder = Path(folder)
    path = folder / "metadata.json"
    redo = f"the sweep in {folder} cannot be read or resumed; run it again into a new --out"
    if not folder.is_dir():
        raise UsageError(f"{folder} is not a sweep folder: " + ("it does not exist" if not folder.exists()
                                                                 else "it is a file"))  # fmt: skip
    if not path.exists():
        empty = not any(p.name not in (".lock", "parts") for p in folder.iterdir()) and not any(
            (folder / "parts").iterdir() if (folder / "parts").is_dir() else ()
        )
        if empty:  # also what a sweep stopped before its metadata.json was written leaves (a full disk, SIGKILL)
            raise UsageError(f"{folder} has no metadata.json and no parts: no sweep was saved there; run the sweep "
                             f"again (--out {folder} reuses the folder)")  # fmt: skip
        raise UsageError(f"{folder} is not a sweep folder: it has no metadata.json")
    if not path.is_file():
        raise UsageError(f"{path} is not a file; {redo}")
    try:
        meta = json.loads(path.read_bytes())
    except json.JSONDecodeError as exc:
        what = "empty" if not exc.doc.strip() else f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        raise UsageError(f"{path} is {what}; {redo}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path} cannot be read ({exc}); {redo}") from None
    if not isinstance(meta, dict):
        raise UsageError(f"{path} holds a JSON {type(meta).__name__}, not an object; {redo}")
    if meta.get("kind") != "sweep":
        raise UsageError(f"{folder} is not a sweep folder (its metadata.json describes a {meta.get('kind')})")
    checks: list[tuple[str, dict[str, type]]] = [("", REQUIRED), *((f"{k}.", v) for k, v in REQUIRED_IN.items())]
    for where, want in checks:
        obj: dict[str, Any] = meta[where[:-1]] if where else meta
        for key, typ in want.items():
            value = obj.get(key)
            if key not in obj:
                raise UsageError(f"{path} has no key {where}{key}; {redo}")
            if not isinstance(value, typ) or (typ is int and isinstance(value, bool)):
                raise UsageError(f"{path}: {where}{key} is {json.dumps(value)[:40]}, not a {_json_type(typ)}; {redo}")
    n_points, n_seeds = len(meta["design"]["points"]), meta["seeds"]["n"]
    if meta["chunk"] < 1 or meta["n_runs"] != n_points * n_seeds:
        raise UsageError(f"{path}: n_runs {meta['n_runs']} and chunk {meta['chunk']} do not fit its design "
                         f"({n_points} points x {n_seeds} seeds); {redo}")  # fmt: skip
    return meta


def _json_type(typ: type) -> str:
    return {str: "string", int: "whole number", dict: "JSON object", list: "JSON list"}.get(typ, typ.__name__)


def part_problem(folder: Path, path: Path, why: str) -> UsageError:
    """The one-line error of a bad part, with its fix."""
    return UsageError(f"{path}: {why}; delete it and run negsim sweep --resume {folder} to run its runs again")


def sweep_parts(folder: str | Path, meta: dict[str, Any]) -> dict[int, Path]:
    """``{first run: path}`` of the parts of a checked sweep folder (:func:`sweep_metadata`), each checked: a
    folder, a file that is not Parquet, a part without the columns or rows of its chunk is a one-line
    UsageError naming it. Temporary files (``.part-*.tmp-*``) are ignored."""
    # lazy: pyarrow costs ~0.3 s to import; negsim run --no-save and negsim validate start without it
    import pyarrow.parquet as pq

    folder = Path(folder)
    parts = folder / "parts"
    if parts.exists() and not parts.is_dir():
        raise UsageError(f"{parts} is not a folder; delete it and run negsim sweep --resume {folder}")
    n_runs, chunk = int(meta["n_runs"]), int(meta["chunk"])
    out: dict[int, Path] = {}
    for p in sorted(parts.glob("part-*.parquet")) if parts.is_dir() else ():
        stem = p.stem.removeprefix("part-")
        if not stem.isdigit():
            continue
        start = int(stem)
        if start % chunk or start >= n_runs:
            raise part_problem(folder, p, f"not a chunk of this sweep (chunks of {chunk} runs, {n_runs} runs)")
        if not p.is_file():
            raise part_problem(folder, p, "a folder, not a part")
        try:
            info = pq.read_metadata(p)
            names = set(info.schema.names)
        except Exception as exc:  # ArrowInvalid, OSError...: empty, truncated or not Parquet at all
            raise part_problem(folder, p, f"not a complete Parquet file ({_first_line(exc)})") from None
        missing = [c for c in PART_COLUMNS if c not in names]
        if missing:
            raise part_problem(folder, p, f"no column {', '.join(missing)}")
        if info.num_rows != min(chunk, n_runs - start):
            raise part_problem(folder, p, f"{info.num_rows} rows, its chunk has {min(chunk, n_runs - start)} runs")
        out[start] = p
    return out


def read_part(folder: Path, path: Path, columns: list[str] | None = None) -> pa.Table:
    """A part's table (``columns`` of it); a part whose data cannot be read is a one-line UsageError."""
    # lazy: pyarrow costs ~0.3 s to import; negsim run --no-save and negsim validate start without it
    import pyarrow.parquet as pq

    try:
        return pq.read_table(path, columns=columns)
    except Exception as exc:  # a valid footer over damaged pages
        raise part_problem(folder, path, f"its data cannot be read ({_first_line(exc)})") from None


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
