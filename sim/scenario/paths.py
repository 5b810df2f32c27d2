"""One path syntax for every number: ``actors.RU.salience.eu_sanctions_relief``.

A path is dot-separated keys of the scenario document (list items by index: ``constraints.0.id``). The same
path names the same value in ``negsim run --set``, a sweep parameter, a shock and a notebook call to
:func:`tweak`, which returns a new, validated scenario and leaves the old one as it was.

Paths address the *resolved* scenario: ``actors.FR.salience.ceasefire`` exists even when France inherits its
saliences from a profile; setting it overrides the inherited value for France alone, while
``profiles.E3_base.salience.ceasefire`` changes it for every actor that inherits the profile.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sim.errors import UsageError
from sim.scenario.keys import allowed_keys
from sim.scenario.yamlio import read_value

if TYPE_CHECKING:
    from sim.scenario.models import Scenario

Parts = tuple[str | int, ...]


def parse_path(path: str) -> Parts:
    """``"constraints.0.id"`` -> ``("constraints", 0, "id")``. A path has one spelling: a list index is written
    without leading zeros (``protocol.proposers.00`` is refused, not read as ``protocol.proposers.0``)."""
    if not isinstance(path, str) or not path or any(not seg for seg in path.split(".")):
        raise UsageError(f"bad path {path!r}: expected dot-separated names such as actors.RU.discount")
    for seg in path.split("."):
        if len(seg) > 1 and seg.isascii() and seg.isdigit() and seg.startswith("0"):
            raise UsageError(f"bad path {path!r}: write the index {seg} as {int(seg)} (no leading zeros)")
    return tuple(int(seg) if seg.isascii() and seg.isdigit() else seg for seg in path.split("."))


def parse_value(text: str) -> Any:
    """A command-line value, read exactly as in a scenario file (:func:`sim.scenario.yamlio.read_value`, YAML 1.2):
    ``0.3``, ``1e-3``, ``hard``, ``[a, b]``, ``{round: 3}``, ``.inf``; ``1:30`` and ``yes`` are strings.

    >>> parse_value("1e-3"), parse_value("1:30"), parse_value("no")
    (0.001, '1:30', 'no')
    """
    try:
        return read_value(text)
    except ValueError as exc:
        raise UsageError(f"cannot read the value {text!r}: {exc} (write it as YAML: 0.3, hard, [a, b])") from None


def _step(node: Any, key: str | int) -> tuple[bool, Any]:
    if isinstance(node, Mapping) and key in node:
        return True, node[key]
    if isinstance(node, Mapping) and isinstance(key, int) and str(key) in node:
        return True, node[str(key)]
    if isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
        return True, node[key]
    return False, None


def lookup(tree: Any, parts: Parts) -> Any:
    """The value at ``parts`` in a nested dict/list, or raise KeyError naming the first missing part."""
    node = tree
    for depth, key in enumerate(parts):
        found, node = _step(node, key)
        if not found:
            raise KeyError(".".join(map(str, parts[: depth + 1])))
    return node


def resolved_tree(scenario: Scenario) -> dict[str, Any]:
    return scenario.model_dump(mode="python", by_alias=True)


def get(scenario: Scenario, path: str) -> Any:
    """The value a path names in the resolved scenario (``None`` for an unset optional field)."""
    parts = parse_path(path)
    try:
        return lookup(resolved_tree(scenario), parts)
    except KeyError as exc:
        raise UsageError(_names_nothing(path, exc.args[0])) from None


def _names_nothing(path: str, missing: str) -> str:
    if missing == path:
        return f"path {path!r} names nothing in this scenario"
    return f"path {path!r} names nothing in this scenario ({missing!r} does not exist)"


def unset_optional(tree: dict[str, Any], path: str) -> bool:
    """True when ``path`` runs through an optional section that is unset (``None``) in ``tree``."""
    try:
        parts = parse_path(path)
    except UsageError:
        return False
    node: Any = tree
    for key in parts:
        found, node = _step(node, key)
        if not found:
            return False
        if node is None:
            return True
    return False


def check_path(tree: dict[str, Any], path: str) -> str | None:
    """None when ``path`` names a value of the resolved ``tree``; else the reason it does not."""
    try:
        parts = parse_path(path)
    except UsageError as exc:
        return str(exc)
    node = tree
    for depth, key in enumerate(parts):
        found, nxt = _step(node, key)
        if not found:
            prefix = ".".join(map(str, parts[:depth]))
            if node is None and depth:
                return f"path {path!r}: {prefix} is not set in this scenario; set the whole {prefix} instead"
            if (
                depth == len(parts) - 1
                and isinstance(node, dict)
                and isinstance(key, str)
                and _free_mapping(parts[:depth])
            ):
                return None  # a new entry of a mapping keyed by names (a red line on another clause...)
            return _names_nothing(path, ".".join(map(str, parts[: depth + 1])))
        node = nxt
    return None


def _free_mapping(parts: Parts) -> bool:
    """True when ``parts`` is a mapping keyed by names (clauses, options, actors), not a model with fixed fields."""
    return bool(parts) and parts[0] in ("actors", "profiles", "clauses", "groups") and not allowed_keys(parts)


def set_in_document(doc: dict[str, Any], tree: dict[str, Any], path: str, value: Any) -> None:
    """Set ``path`` to ``value`` in the written document ``doc``, checking it against the resolved ``tree``.

    Missing intermediate mappings under an actor are created: that is how an inherited value is overridden.
    """
    why = check_path(tree, path)
    if why is not None:
        raise UsageError(why)
    parts = parse_path(path)
    node: Any = doc
    for key in parts[:-1]:
        found, nxt = _step(node, key)
        if not found or nxt is None:
            if not isinstance(node, dict):
                raise UsageError(f"path {path!r} cannot be set here")
            nxt = {}
            node[key] = nxt
        node = nxt
    last = parts[-1]
    if isinstance(node, list) and isinstance(last, int):
        node[last] = value
    elif isinstance(node, dict):
        node[last] = value
    else:
        raise UsageError(f"path {path!r} cannot be set here")
