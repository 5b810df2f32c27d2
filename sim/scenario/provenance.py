"""Provenance of every number of a scenario: ``sourced`` (with its reference), ``inferred`` or ``assumption``.

A scenario's top-level ``provenance:`` section maps paths, in the one path syntax of :mod:`sim.scenario.paths` (what
``--set``, ``--param`` and shocks use), to ``{tag, ref, note}`` (:class:`sim.scenario.models.Provenance`). An entry
on a number tags that number; an entry on a section (``profiles.E3_base``, ``actors.RU.reservation``, ``protocol``)
tags every number under it that no longer path tags: the longest matching path wins, so a section entry is the default
of its section and a number's own entry overrides it.

**Which numbers.** Every integer and float written in the file (booleans are not numbers), at its canonical path:
shorthands expanded, as ``--set`` names it (``actors.A.utilities.price.low`` for the list form ``price: [...]``,
``shocks.0.p`` for a shock written under an actor). Numbers of ``sweep`` (an experiment's design, not a claim about the
negotiation), ``labels`` and ``provenance`` are left out. A number an actor inherits is written in its profile and is
tagged there (``profiles.E3_base.discount``); defaults of the models are not written and need no tag.

**Checks.** On every load (:func:`key_issue`, from the loader): each path must name a value of the resolved scenario
(a path under an optional section that is unset, such as ``actors.US.deadline.round`` after ``--set
actors.US.deadline=null``, waits for it, as ``labels`` do), and a ``sourced`` entry needs a ``ref`` (the model). With
``negsim validate --provenance`` (:func:`audit`): every written number must be tagged, and every entry must tag at least
one number (a section with no number, such as ``clauses``, is refused).

**Why a section, not trailing comments** (``salience: .15  # [assumption]``): PyYAML drops comments, so a comment
syntax needs a second reader of the raw text; a flow mapping puts thirteen numbers on one line, and one comment cannot
tag one of them; a comment on the line of a number conflicts, in a merge, with any edit of that number, while entries at
the end of the file merge with edits of the numbers and with new fields under a tagged section; a section survives
:meth:`Scenario.document` (sweep metadata, the dashboard's YAML, ``tweak``), is in the JSON schema, and its paths are
checked like every other path.

:func:`provenance_of` gives the provenance of any resolved path (the brief's assumptions table): for a number an actor
inherits, the entry of the profile it is written in unless an entry on the actor's path is more specific; else the
entry of the path itself; ``entry`` None when none tags it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sim.errors import UsageError
from sim.scenario.checking import hint
from sim.scenario.paths import parse_path, resolved_tree, unset_optional
from sim.scenario.resolve import profile_chain

if TYPE_CHECKING:
    from sim.scenario.models import Provenance, Scenario

PathT = tuple[str | int, ...]
UNTRACKED = ("sweep", "labels", "provenance")
"""Top-level sections whose numbers need no provenance."""


@dataclass(frozen=True)
class Number:
    """One number and the entry that tags it (``entry`` None: untagged); ``origin``: where it is written (an actor's
    inherited number: in its profile; None: nowhere, a default of the models)."""

    path: str
    parts: PathT
    value: int | float | None
    entry: str | None = None
    tag: str | None = None
    ref: str | None = None
    note: str | None = None
    origin: str | None = None


@dataclass
class Audit:
    """Every written number of a scenario with its tag, the untagged ones and the entries that tag nothing;
    ``files``: the file a number (by path) or an entry (``provenance.KEY``) is written in when it is not the audited
    file (a variant's base, :mod:`sim.scenario.variant`)."""

    numbers: list[Number] = field(default_factory=list)
    unused: list[str] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)

    @property
    def untagged(self) -> list[Number]:
        return [n for n in self.numbers if n.entry is None]

    def counts(self) -> dict[str, int]:
        out = {"sourced": 0, "inferred": 0, "assumption": 0, "untagged": 0}
        for n in self.numbers:
            out[n.tag or "untagged"] += 1
        return out


def dotted(parts: PathT) -> str:
    return ".".join(str(p) for p in parts)


def numbers(tree: Any, skip: tuple[str, ...] = UNTRACKED) -> list[tuple[PathT, int | float]]:
    """The numeric leaves of a document (not booleans), in document order, outside the top-level ``skip`` sections."""
    out: list[tuple[PathT, int | float]] = []
    stack: list[tuple[PathT, Any]] = [((), tree)]
    while stack:
        parts, node = stack.pop()
        if isinstance(node, dict):
            items = [(k, v) for k, v in node.items() if parts or k not in skip]
            stack.extend(((*parts, k), v) for k, v in reversed(items))
        elif isinstance(node, list):
            stack.extend(((*parts, k), v) for k, v in reversed(list(enumerate(node))))
        elif isinstance(node, int | float) and not isinstance(node, bool):
            out.append((parts, node))
    return out


def covering(provenance: Mapping[str, Any], path: str) -> str | None:
    """The longest key of ``provenance`` that is ``path`` or a dotted prefix of it (a section holding it), or None."""
    if path in provenance:
        return path
    cut = path.rfind(".")
    while cut > 0:
        if path[:cut] in provenance:
            return path[:cut]
        cut = path.rfind(".", 0, cut)
    return None


def _walk(node: Any, segs: list[str]) -> tuple[bool, Any, int]:
    """Follow ``segs`` into ``node``; a mapping key may hold dots (a shock's ``set: {actors.HU.discount: …}``).
    Returns (found, the node, how many segments were followed)."""
    if not segs:
        return True, node, 0
    if isinstance(node, list):
        seg = segs[0]
        if seg.isascii() and seg.isdigit() and int(seg) < len(node):
            found, sub, n = _walk(node[int(seg)], segs[1:])
            return found, sub, n + 1
        return False, node, 0
    if isinstance(node, Mapping):
        best = 0
        for k in range(1, len(segs) + 1):
            name = ".".join(segs[:k])
            if name in node:
                found, sub, n = _walk(node[name], segs[k:])
                if found:
                    return True, sub, k + n
                best = max(best, k + n)
        return False, node, best
    return False, node, 0


def key_issue(tree: dict[str, Any], key: str) -> str | None:
    """None when the provenance key ``key`` names a value (or a section) of the resolved ``tree``; else why not."""
    try:
        parse_path(key)
    except UsageError as exc:
        return str(exc)
    segs = key.split(".")
    if segs[0] in UNTRACKED:
        return f"path {key!r}: the numbers of {segs[0]} need no provenance"
    if unset_optional(tree, key):
        return None
    found, _, depth = _walk(tree, segs)
    if found:
        return None
    parent_found, parent, _ = _walk(tree, segs[:depth])
    known = list(parent) if parent_found and isinstance(parent, Mapping) else []
    if known:
        return f"path {key!r} names nothing in this scenario: {hint(segs[depth], known, 'key')}"
    missing = ".".join(segs[: depth + 1])
    return f"path {key!r} names nothing in this scenario ({missing!r} does not exist)"


def tagged(provenance: Mapping[str, Provenance], parts: PathT, value: int | float) -> Number:
    path = dotted(parts)
    entry = covering(provenance, path)
    if entry is None:
        return Number(path, parts, value, origin=path)
    p = provenance[entry]
    return Number(path, parts, value, entry, p.tag, p.ref, p.note, path)


def audit(scenario: Scenario) -> Audit:
    """Every number written in the scenario's file with the entry that tags it, and the entries that tag no number
    (of the file, or of the resolved scenario: ``actors.FR.discount`` tags the number FR inherits)."""
    prov = scenario.provenance
    written = [tagged(prov, parts, v) for parts, v in numbers(scenario.document())]
    used = {n.entry for n in written}
    for parts, _ in numbers(resolved_tree(scenario)):
        path = dotted(parts)
        while path:
            used.add(path)
            path = path.rpartition(".")[0]
    return Audit(written, [k for k in prov if k not in used])


def _origin(scenario: Scenario, parts: PathT) -> PathT | None:
    """Where the resolved value at ``actors.A.…`` is written: in the actor, in the profile it inherits it from, or
    nowhere (None: a default of the models)."""
    doc = scenario.document()
    found, _, _ = _walk(doc, [str(p) for p in parts])
    if found:
        return parts
    if len(parts) < 3 or parts[0] != "actors":
        return None
    actor = (doc.get("actors") or {}).get(parts[1])
    profiles = doc.get("profiles") or {}
    inherits = actor.get("inherits") if isinstance(actor, dict) else None
    chain: list[str] = []
    for name in [inherits] if isinstance(inherits, str) else inherits or []:
        chain += [p for p in profile_chain(str(name), profiles) if p not in chain]
    for prof in reversed(chain):  # the last profile merged wins
        if _walk(profiles.get(prof), [str(p) for p in parts[2:]])[0]:
            return ("profiles", prof, *parts[2:])
    return None


def provenance_of(scenario: Scenario, path: str) -> Number:
    """The provenance of the value at a resolved ``path`` (``entry`` None when no entry tags it).

    An actor's inherited number takes the entry of the profile it is written in, unless an entry on the actor's own
    path is more specific (``actors.FR.discount`` over ``profiles.E3_base``; ``profiles.E3_base`` over
    ``actors.FR``: that entry tags what FR writes itself)."""
    parts = parse_path(path)
    prov = scenario.provenance
    own = covering(prov, path)
    origin = _origin(scenario, parts)
    inherited = covering(prov, dotted(origin)) if origin and origin[0] == "profiles" else None
    entry = own
    if inherited is not None and (own is None or inherited.count(".") >= own.count(".")):
        entry = inherited
    where = dotted(origin) if origin else None
    if entry is None:
        return Number(path, parts, None, origin=where)
    p = prov[entry]
    return Number(path, parts, None, entry, p.tag, p.ref, p.note, where)
