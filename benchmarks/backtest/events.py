"""Load and check ``events.yaml``: dated snapshots (a shipped scenario + edits) and the observed outcomes.

Every snapshot is built with :func:`sim.tweak` (so it validates like any scenario), its ``scenario.as_of`` set to
the snapshot's date; every tabled text must be a package of the snapshot's scenario (checked by
:func:`sim.evaluate`, which refuses unknown clauses and options).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sim import evaluate, load_scenario, tweak
from sim.scenario.models import Scenario

ROOT = Path(__file__).resolve().parents[2]
EVENTS = Path(__file__).with_name("events.yaml")
CUTOFF = dt.date(2025, 4, 30)
"""Events dated up to here are what was known by April 2025: ``split: train`` must match it."""
KINDS = ("text", "deadline")


class EventsError(ValueError):
    """``events.yaml`` is malformed; the message names the entry."""


@dataclass(frozen=True)
class Snapshot:
    name: str
    scenario: Scenario
    as_of: dt.date
    edits: dict[str, Any]
    source: str


@dataclass(frozen=True)
class Event:
    id: str
    date: dt.date
    snapshot: str
    kind: str
    observed: int
    split: str
    source: str
    text_name: str | None = None
    text: dict[str, str] | None = None
    rounds: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _date(value: Any, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise EventsError(f"{where}: {value!r} is not a date YYYY-MM-DD") from exc


def _need(entry: dict[str, Any], keys: tuple[str, ...], where: str) -> None:
    missing = [k for k in keys if k not in entry]
    if missing:
        raise EventsError(f"{where}: missing {', '.join(missing)}")


def snapshot_of(name: str, entry: dict[str, Any], root: Path = ROOT) -> Snapshot:
    where = f"snapshots.{name}"
    _need(entry, ("scenario", "as_of", "edits", "source"), where)
    as_of = _date(entry["as_of"], f"{where}.as_of")
    edits = dict(entry["edits"] or {})
    base = load_scenario(root / entry["scenario"])
    scenario = tweak(base, {**edits, "scenario.as_of": as_of.isoformat()})
    return Snapshot(name, scenario, as_of, edits, str(entry["source"]))


def _text(ref: str, where: str, root: Path) -> tuple[str, dict[str, str]]:
    file, _, name = str(ref).partition("#")
    packages = yaml.safe_load((root / file).read_text(encoding="utf-8"))
    if not name or name not in packages:
        raise EventsError(f"{where}: no package {name!r} in {file}")
    return name, {str(k): str(v) for k, v in packages[name].items()}


def event_of(entry: dict[str, Any], snapshots: dict[str, Snapshot], root: Path = ROOT) -> Event:
    where = f"events.{entry.get('id', '?')}"
    _need(entry, ("id", "date", "snapshot", "kind", "observed", "split", "source"), where)
    if entry["snapshot"] not in snapshots:
        raise EventsError(f"{where}: unknown snapshot {entry['snapshot']!r}")
    if entry["kind"] not in KINDS:
        raise EventsError(f"{where}: kind must be one of {KINDS}")
    if entry["observed"] not in (0, 1) or isinstance(entry["observed"], bool):
        raise EventsError(f"{where}: observed must be 0 or 1")
    date = _date(entry["date"], f"{where}.date")
    if entry["split"] != ("train" if date <= CUTOFF else "test"):
        raise EventsError(f"{where}: split must be 'train' exactly for events dated up to {CUTOFF}")
    snap = snapshots[entry["snapshot"]]
    name = text = rounds = None
    if entry["kind"] == "text":
        _need(entry, ("text",), where)
        name, text = _text(entry["text"], where, root)
        evaluate(snap.scenario, {name: text})  # unknown clause or option: UsageError
    else:
        _need(entry, ("rounds",), where)
        rounds = entry["rounds"]
        if not isinstance(rounds, int) or isinstance(rounds, bool) or rounds < 0:
            raise EventsError(f"{where}: rounds must be a whole number >= 0")
    return Event(
        str(entry["id"]), date, snap.name, entry["kind"], int(entry["observed"]), entry["split"],
        str(entry["source"]), name, text, rounds,
    )  # fmt: skip


def load_events(path: Path = EVENTS, root: Path = ROOT) -> tuple[dict[str, Snapshot], list[Event]]:
    """The snapshots by name and the events in file order (ids unique)."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    snapshots = {name: snapshot_of(name, e, root) for name, e in doc["snapshots"].items()}
    events = [event_of(e, snapshots, root) for e in doc["events"]]
    ids = [e.id for e in events]
    if len(set(ids)) != len(ids):
        raise EventsError("events: ids must be unique")
    return snapshots, events
