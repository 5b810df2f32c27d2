"""Named scenario variants: a small file that names a base scenario and the edits that make the variant.

A variant file (``scenarios/variants/<base>/<name>.yaml``, docs/variants.md)::

    extends: ../../paris_2026.yaml        # the base scenario (or another variant), relative to this file
    variant: {id: ru_all_donetsk, title: "...", source: "REPORT §A.2"}
    set:                                  # path: value, the paths and semantics of ``negsim run --set``
      actors.RU.red_lines.contact_line: [freeze_current_line, mutual_withdrawal_dmz]
    provenance:                           # tags of the numbers ``set`` writes (at or under a set path)
      actors.RU.red_lines: {tag: assumption, ref: "REPORT §A.2"}

Loading it (:func:`load_variant`, called by :func:`sim.scenario.loader.load_scenario` for any file with a top-level
``extends``) gives the base scenario with every ``set`` edit applied, as :func:`sim.tweak` applies them (each path
checked against the resolved base, intermediate mappings under an actor created), with

- ``scenario.id`` = ``<base id>__<variant id>``, ``scenario.title`` = ``<base title> [variant: <title>]``, and the
  variant's title, source and file added to ``scenario.description``;
- ``provenance``: the base's entries, less those at or under a set path (their values are replaced), plus the
  variant's own entries; a variant's entry must be at, under or above one of its set paths (an entry on a section
  above set paths, ``actors.B.reservation`` for ``actors.B.reservation.war_cost``, tags only what the variant
  writes: it is copied to each of those paths);
- errors located in the file that holds the mistake: a bad variant key, set path or value at its line in the
  variant file; a mistake of the base at its line in the base file (the base is loaded first, as any scenario).

:func:`audit_variant` is ``negsim validate --provenance`` on a variant: the base's numbers keep the base's tags (and
lines in the base file); every number a ``set`` value writes must be tagged by an entry of the variant's own
``provenance`` (a base entry on an enclosing section does not tag it), and every variant entry must tag one.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sim.errors import Issue, ScenarioError, UsageError
from sim.scenario.models import Scenario
from sim.scenario.paths import parse_path, resolved_tree, set_in_document
from sim.scenario.provenance import Audit, Number, covering, dotted, numbers, tagged
from sim.scenario.yamlio import Loc, read_yaml_file

PathT = tuple[str | int, ...]
Build = Callable[..., Scenario]
"""``scenario_from_document(data, file=..., locs=...)`` of :mod:`sim.scenario.loader`."""
AuditFile = Callable[[Path], tuple[Scenario, Audit, dict[str, Loc]]]
"""``audit_file(path)`` of :mod:`sim.scenario.loader`."""
KEYS = ("extends", "variant", "set", "provenance", "note")
"""The top-level keys of a variant file."""
VARIANT_KEYS = ("id", "title", "source")
ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")
MAX_DEPTH = 8
"""How many variants may extend one another (a cycle is an error before that)."""


def is_variant(data: Any) -> bool:
    """Whether a parsed YAML document is a variant file (a mapping with a top-level ``extends``)."""
    return isinstance(data, dict) and "extends" in data


class _Spec:
    """A variant file, checked: its base path, id, title, source, edits and provenance, and where each is written."""

    def __init__(self, path: str, data: dict[str, Any], locs: dict[PathT, Loc]) -> None:
        self.file, self.locs = path, locs
        self.issues: list[Issue] = []
        for key in data:
            if key not in KEYS:
                self.bad(f"unknown key {key!r} of a variant file (expected {', '.join(KEYS)})", key)
        ext = data.get("extends")
        self.base = None
        if not isinstance(ext, str) or not ext:
            self.bad("extends: the path of the base scenario file, relative to this file", "extends")
        else:
            self.base = Path(os.path.normpath(Path(path).parent / ext))
            if not self.base.is_file():
                self.bad(f"the base scenario {ext!r} is not a file (looked for {self.base})", "extends")
        meta = data.get("variant")
        if not isinstance(meta, dict):
            self.bad("variant: a mapping with id (a name), title and source", "variant", "id")
            meta = {}
        for key in meta:
            if key not in VARIANT_KEYS:
                self.bad(f"unknown key {key!r} of variant (expected {', '.join(VARIANT_KEYS)})", "variant", key)
        self.id = meta.get("id")
        if not isinstance(self.id, str) or not ID.match(self.id) or len(self.id) > 60:
            self.bad("variant.id: a name (letters, digits, _ and -, at most 60 characters)", "variant", "id")
        for key in ("title", "source"):
            if key in meta and not isinstance(meta[key], str):
                self.bad(f"variant.{key}: a string", "variant", key)
        self.title, self.source = meta.get("title"), meta.get("source")
        self.sets = self._mapping(data, "set")
        self.provenance = self._mapping(data, "provenance")
        self.set_parts: dict[str, PathT] = {}
        for key in self.sets:
            try:
                self.set_parts[key] = parse_path(key)
            except UsageError as exc:
                self.bad(str(exc), "set", key)
        self.expanded: dict[str, str] = {}  # set path -> the variant entry on a section holding it
        for key in self.provenance:
            inside = [p for p in self.sets if p.startswith(key + ".")]
            if self.owner(key) is None and not inside:
                self.bad(
                    f"a variant's provenance tags only what its set writes: {key!r} is neither at, under nor above "
                    "a set path",
                    "provenance",
                    key,
                )
            for p in inside:
                if covering(self.provenance, p) == key:
                    self.expanded[p] = key

    def merged_provenance(self, base: dict[str, Any]) -> dict[str, Any]:
        """The base's entries less those at or under a set path, then the variant's entries at or under one, and
        each entry on a section above set paths copied to those paths (so that it tags no number of the base)."""
        out = {k: v for k, v in base.items() if self.owner(k) is None}
        out.update({k: v for k, v in self.provenance.items() if self.owner(k) is not None})
        out.update({p: self.provenance[k] for p, k in self.expanded.items()})
        return out

    def _mapping(self, data: dict[str, Any], key: str) -> dict[str, Any]:
        value = data.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            self.bad(f"{key}: a mapping of paths (actors.RU.discount: 0.9)", key)
            return {}
        return value

    def bad(self, message: str, *path: str | int) -> None:
        """Record an issue at ``path`` of the variant file."""
        line, col = self.where(path)
        self.issues.append(Issue(message, tuple(path), line, col, self.file))

    def where(self, path: PathT) -> Loc | tuple[None, None]:
        """The line and column of ``path`` of the variant file, or of its deepest written prefix."""
        for n in range(len(path), -1, -1):
            if tuple(path[:n]) in self.locs:
                return self.locs[tuple(path[:n])]
        return None, None

    def owner(self, path: str) -> str | None:
        """The set path that ``path`` (dotted) is at or under, the longest one; None when none."""
        return covering(dict.fromkeys(self.sets), path)

    def raise_if_bad(self) -> None:
        if self.issues:
            self.issues.sort(key=lambda i: (i.line or 0, i.col or 0))
            raise ScenarioError(self.issues, self.file)


def _read(path: str | Path, seen: tuple[str, ...], build: Build) -> tuple[Scenario, dict[PathT, Loc], str]:
    """(scenario, locations, file) of a scenario or variant file; a cycle of variants is an error."""
    data, locs, _ = read_yaml_file(path)
    file = str(path)
    if is_variant(data):
        return _build(file, data, locs, seen, build)[0], locs, file
    return build(data, file=file, locs=locs), locs, file


def load_variant(path: str | Path, data: dict[str, Any], locs: dict[PathT, Loc], build: Build) -> Scenario:
    """The scenario a variant file describes (see the module docstring), from its parsed ``data`` and ``locs``;
    ``build``: :func:`sim.scenario.loader.scenario_from_document` (passed in: the loader imports this module)."""
    return _build(str(path), data, locs, (), build)[0]


def _build(
    file: str, data: dict[str, Any], locs: dict[PathT, Loc], seen: tuple[str, ...], build: Build
) -> tuple[Scenario, _Spec]:
    """(the variant's scenario, its checked spec)."""
    spec = _Spec(file, data, locs)
    me = str(Path(file).resolve())
    if me in seen or len(seen) >= MAX_DEPTH:
        spec.bad(f"variants extend one another in a cycle (or more than {MAX_DEPTH} deep)", "extends")
    if spec.base is None or any(i.path[:1] == ("extends",) or i.path[:2] == ("variant", "id") for i in spec.issues):
        spec.raise_if_bad()  # nothing to apply the edits to: report what is known
    assert spec.base is not None
    base, base_locs, base_file = _read(spec.base, (*seen, me), build)
    doc = base.document()
    tree = resolved_tree(base)
    for key, value in spec.sets.items():
        try:
            set_in_document(doc, tree, key, value)
        except UsageError as exc:
            spec.bad(str(exc), "set", key)
    spec.raise_if_bad()
    meta = doc.setdefault("scenario", {})
    meta["id"] = f"{base.id}__{spec.id}"
    meta["title"] = f"{base.scenario.title or base.id} [variant: {spec.title or spec.id}]"
    told = f"Variant {spec.id} of {base.id} ({file}): {spec.title or ''}" + (
        f" Source: {spec.source}" if spec.source else ""
    )
    meta["description"] = f"{base.scenario.description}\n{told}" if base.scenario.description else told
    doc["provenance"] = spec.merged_provenance(doc.get("provenance") or {})
    try:
        scenario = build(doc, file=file)
    except ScenarioError as exc:
        raise ScenarioError([_relocate(i, spec, base_locs, base_file) for i in exc.issues], file) from None
    return scenario, spec


def _relocate(issue: Issue, spec: _Spec, base_locs: dict[PathT, Loc], base_file: str) -> Issue:
    """An issue of the merged document, placed in the variant file (a set value, a variant provenance entry) or at
    the base's line of its path."""
    path = issue.path
    if path[:1] == ("provenance",) and len(path) >= 2 and str(path[1]) in {*spec.provenance, *spec.expanded}:
        key = spec.expanded.get(str(path[1]), str(path[1]))
        line, col = spec.where(("provenance", key, *path[2:]))
        return Issue(issue.message, ("provenance", key, *path[2:]), line, col, spec.file)
    if path[:2] in (("scenario", "id"), ("scenario", "title"), ("scenario", "description")):
        line, col = spec.where(("variant", "id"))
        return Issue(f"{issue.message} (the variant's {path[1]}, made from the base's)", path, line, col, spec.file)
    owner = spec.owner(dotted(path)) if path else None
    if owner is not None:
        rest = path[len(spec.set_parts[owner]) :]
        line, col = spec.where(("set", owner, *rest))
        return Issue(issue.message, path, line, col, spec.file)
    message = f"with the edits of {spec.file}: {issue.message}"  # the base alone loaded: the edits broke it
    for n in range(len(path), -1, -1):
        if path[:n] in base_locs:
            line, col = base_locs[path[:n]]
            return Issue(message, path, line, col, base_file)
    return Issue(message, path, None, None, base_file)


def audit_variant(
    path: str | Path, data: dict[str, Any], locs: dict[PathT, Loc], build: Build, audit_file: AuditFile
) -> tuple[Scenario, Audit, dict[str, Loc]]:
    """(scenario, audit, places) of a variant file, as :func:`sim.scenario.loader.audit_file` gives for a scenario
    file: the base's numbers with the base's tags and lines (``Audit.files`` names the base file for them), the
    numbers its ``set`` writes tagged by the variant's own provenance only, and the variant entries that tag none.
    ``build`` and ``audit_file``: the loader's (passed in: the loader imports this module)."""
    file = str(path)
    scenario, spec = _build(file, data, locs, (), build)
    assert spec.base is not None
    _, base_audit, base_where = audit_file(spec.base)
    base_files = dict(base_audit.files)
    own = {k: scenario.provenance[p] for p, k in spec.expanded.items()}
    own.update({k: scenario.provenance[k] for k in spec.provenance if k in scenario.provenance})
    found: list[Number] = []
    where: dict[str, Loc] = {}
    files: dict[str, str] = {}
    used: set[str] = set()
    by_path = {n.path: n for n in base_audit.numbers}
    for parts, value in numbers(scenario.document()):
        p = dotted(parts)
        owner = spec.owner(p)
        if owner is None:
            n = by_path.get(p) or tagged(scenario.provenance, parts, value)
            found.append(n)
            if p in base_where:
                where[p] = base_where[p]
            files[p] = base_files.get(p, str(spec.base))
            continue
        n = tagged(own, parts, value)
        found.append(n)
        used.add(n.entry or "")
        line, col = spec.where(("set", owner, *parts[len(spec.set_parts[owner]) :]))
        if line is not None and col is not None:
            where[p] = (line, col)
    unused = [k for k in base_audit.unused if spec.owner(k) is None]
    for k in unused:
        files[f"provenance.{k}"] = base_files.get(f"provenance.{k}", str(spec.base))
        if f"provenance.{k}" in base_where:
            where[f"provenance.{k}"] = base_where[f"provenance.{k}"]
    for k in spec.provenance:
        if k not in used:
            unused.append(k)
            line, col = spec.where(("provenance", k))
            if line is not None and col is not None:
                where[f"provenance.{k}"] = (line, col)
    return scenario, Audit(found, unused, files), where
