"""Safe YAML reading that remembers where every value came from.

Scenario files are parsed with PyYAML's safe composer, then turned into plain Python objects by hand so that
(1) every mapping key and value keeps its line and column, (2) duplicate keys are errors, not silent
overwrites, (3) an alias bomb ("billion laughs") is refused before it is expanded, and (4) only
``true``/``false`` are booleans (YAML 1.1 would turn an option called ``no`` or ``on`` into a boolean).
"""

from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path
from typing import Any

import yaml

from .errors import Issue, ScenarioError

Loc = tuple[int, int]
Path_ = tuple[str | int, ...]

MAX_FILE_BYTES = 5_000_000
MAX_NODES = 200_000  # after alias expansion
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MAP_TAG = "tag:yaml.org,2002:map"


class _Reader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Composes the node tree with libyaml when available (about 10x faster), else in pure Python."""


def _expanded_size(root: yaml.Node) -> int:
    """Number of nodes the document would have with every alias expanded (linear time, memoised)."""
    memo: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if key in memo:
            continue
        if isinstance(node, yaml.ScalarNode):
            memo[key] = 1
            continue
        children: list[yaml.Node]
        if isinstance(node, yaml.MappingNode):
            children = [n for kv in node.value for n in kv]
        else:
            children = list(node.value)
        if done:
            memo[key] = 1 + sum(memo.get(id(c), 1) for c in children)
            if memo[key] > MAX_NODES:
                return memo[key]
        else:
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in memo)
    return memo[id(root)]


def parse_yaml(text: str, file: str | None = None) -> tuple[Any, dict[Path_, Loc]]:
    """Parse one YAML document; return the data and a map path -> (line, col), both 1-based.

    Raises :class:`ScenarioError` with every problem found (syntax, duplicate keys, alias bomb, empty file).
    """
    if len(text.encode("utf-8", "replace")) > MAX_FILE_BYTES:
        raise ScenarioError([Issue(f"file is larger than {MAX_FILE_BYTES:,} bytes", file=file)], file)
    try:
        loader = _Reader(text)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        msg = " ".join(str(s) for s in (exc.context, exc.problem) if s) or "invalid YAML"
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        raise ScenarioError([Issue(f"YAML syntax error: {msg}", (), line, col, file)], file) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (control characters, NUL)
        line = text.count("\n", 0, exc.position) + 1
        col = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        what = f"character #x{exc.character:04x}" if isinstance(exc.character, int) else "character"
        raise ScenarioError([Issue(f"YAML error: {what} is not allowed", (), line, col, file)], file) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([Issue(f"YAML error: {exc}", (), 1, 1, file)], file) from None
    if root is None:
        raise ScenarioError([Issue("the file is empty: expected a scenario mapping", (), 1, 1, file)], file)
    size = _expanded_size(root)
    if size > MAX_NODES:
        raise ScenarioError(
            [
                Issue(
                    f"document expands to more than {MAX_NODES:,} values (too many aliases: an alias bomb?)",
                    (),
                    root.start_mark.line + 1,
                    root.start_mark.column + 1,
                    file,
                )
            ],
            file,
        )
    locs: dict[Path_, Loc] = {}
    issues: list[Issue] = []
    constructor = yaml.SafeLoader("")
    data = _build(root, (), locs, issues, constructor, file)
    if issues:
        raise ScenarioError(issues, file)
    return data, locs


class _BadScalar(Exception):
    """A scalar that the safe constructor refuses (unknown tag, ``!!int abc``, an impossible date)."""


def _scalar(node: yaml.ScalarNode, constructor: yaml.SafeLoader) -> Any:
    try:
        value = constructor.construct_object(node, deep=True)
    except (yaml.YAMLError, ValueError, TypeError, OverflowError) as exc:
        problem = getattr(exc, "problem", None) or str(exc).split("\n")[0]
        raise _BadScalar(problem) from None
    if isinstance(value, bool) and node.value.lower() not in ("true", "false"):
        return node.value  # yes/no/on/off stay strings
    return value


def _build(
    node: yaml.Node,
    path: Path_,
    locs: dict[Path_, Loc],
    issues: list[Issue],
    constructor: yaml.SafeLoader,
    file: str | None,
) -> Any:
    locs.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
    if isinstance(node, yaml.ScalarNode):
        try:
            return _scalar(node, constructor)
        except _BadScalar as exc:
            where = (node.start_mark.line + 1, node.start_mark.column + 1)
            issues.append(Issue(f"cannot read the value {node.value!r}: {exc}", path, *where, file))
            return None
    if not isinstance(node, (yaml.SequenceNode, yaml.MappingNode)):
        issues.append(Issue(f"unsupported YAML node {node.tag!r}", path, *locs[path], file))
        return None
    if node.tag not in (_SEQ_TAG, _MAP_TAG):
        where = (node.start_mark.line + 1, node.start_mark.column + 1)
        issues.append(Issue(f"unsupported YAML tag {node.tag!r}", path, *where, file))
        return None
    if isinstance(node, yaml.SequenceNode):
        return [_build(child, (*path, i), locs, issues, constructor, file) for i, child in enumerate(node.value)]
    assert isinstance(node, yaml.MappingNode)
    try:
        constructor.flatten_mapping(node)  # YAML merge keys (<<)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = (mark.line + 1, mark.column + 1) if mark else locs[path]
        issues.append(Issue(f"bad merge key: {exc.problem}", path, *where, file))
        return {}
    out: dict[Any, Any] = {}
    for knode, vnode in node.value:
        if not isinstance(knode, yaml.ScalarNode):
            issues.append(
                Issue(
                    "mapping keys must be plain names",
                    path,
                    knode.start_mark.line + 1,
                    knode.start_mark.column + 1,
                    file,
                )
            )
            continue
        try:
            key = _scalar(knode, constructor)
        except _BadScalar:
            key = knode.value
        if not isinstance(key, Hashable) or isinstance(key, bool) or key is None:
            key = knode.value
        if not isinstance(key, (str, int, float)):
            key = str(key)
        kpath = (*path, key if isinstance(key, (str, int)) else str(key))
        if key in out:
            first = locs.get(kpath, (None, None))[0]
            issues.append(
                Issue(
                    f"duplicate key {key!r} (first defined on line {first})",
                    kpath,
                    knode.start_mark.line + 1,
                    knode.start_mark.column + 1,
                    file,
                )
            )
            continue
        locs[kpath] = (knode.start_mark.line + 1, knode.start_mark.column + 1)
        out[key] = _build(vnode, kpath, locs, issues, constructor, file)
    return out


def read_yaml_file(path: str | Path) -> tuple[Any, dict[Path_, Loc], str]:
    """Read and parse a YAML file; return (data, locations, text). Errors name the file."""
    p = Path(path)
    name = str(path)
    try:
        if p.is_dir():
            raise ScenarioError([Issue("is a folder, not a scenario file", file=name)], name)
        if p.stat().st_size > MAX_FILE_BYTES:
            raise ScenarioError([Issue(f"file is larger than {MAX_FILE_BYTES:,} bytes", file=name)], name)
        raw = p.read_bytes()
    except FileNotFoundError:
        raise ScenarioError([Issue("no such file", file=name)], name) from None
    except PermissionError:
        raise ScenarioError([Issue("permission denied: the file cannot be read", file=name)], name) from None
    except OSError as exc:
        raise ScenarioError([Issue(f"cannot read the file: {exc.strerror or exc}", file=name)], name) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError([Issue(f"not UTF-8 text (byte {exc.start})", file=name)], name) from None
    data, locs = parse_yaml(text, name)
    return data, locs, text
