"""Safe YAML reading that remembers where every value came from.

Scenario files are parsed with PyYAML's safe composer, then turned into plain Python objects by hand so that
(1) every mapping key and value keeps its line and column, (2) duplicate keys are errors, not silent
overwrites, (3) an alias bomb ("billion laughs") is refused before it is expanded, and (4) plain scalars are
read by the YAML 1.2 core schema, not PyYAML's YAML 1.1 one: only ``true``/``false`` are booleans (an option
can be called ``no`` or ``on``), ``1:30`` is a string, not the base-60 number 90, ``1e-3`` and ``.5`` are
numbers, ``017`` is 17, and dates stay strings.

:func:`read_value` reads a value given on the command line (``--set PATH=VALUE``, the values of ``--param``)
with the same rules, so that a value means the same thing in a file and on the command line.
"""

from __future__ import annotations

import re
import stat
from collections.abc import Hashable
from pathlib import Path
from typing import Any, ClassVar

import yaml

from sim.errors import Issue, ScenarioError

Loc = tuple[int, int]
Path_ = tuple[str | int, ...]

MAX_FILE_BYTES = 5_000_000
MAX_NODES = 200_000  # after alias expansion
MAX_DEPTH = 64
"""Nesting depth (mappings and lists inside each other) of any YAML read: a scenario needs about 8."""
_NOT_ALLOWED = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""Characters YAML does not allow in a document (PyYAML's ``Reader.NON_PRINTABLE``, less the BOM)."""
_MERGE_TAG = "tag:yaml.org,2002:merge"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MAP_TAG = "tag:yaml.org,2002:map"


# The YAML 1.2 core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution), plus merge keys (<<).
_NULL_RE = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL_RE = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_INT_RE = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT_RE = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_CORE_RESOLVERS = (  # in order: an integer is tried before a float
    ("tag:yaml.org,2002:null", _NULL_RE, ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:bool", _BOOL_RE, list("tTfF")),
    ("tag:yaml.org,2002:int", _INT_RE, list("-+0123456789")),
    ("tag:yaml.org,2002:float", _FLOAT_RE, list("-+0123456789.")),
    ("tag:yaml.org,2002:merge", re.compile(r"^(?:<<)$"), ["<"]),
)


class _Reader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Composes the node tree with libyaml when available (about 10x faster), else in pure Python.

    Tags of plain scalars are resolved on the Python side (even with libyaml) by these YAML 1.2 core
    resolvers, which replace PyYAML's YAML 1.1 ones (no base-60, no yes/no/on/off, no timestamps, no ``=``).
    """

    yaml_implicit_resolvers: ClassVar[dict[Any, list[tuple[str, re.Pattern[str]]]]] = {}


for _tag, _regexp, _first in _CORE_RESOLVERS:
    _Reader.add_implicit_resolver(_tag, _regexp, _first)


class _Values(yaml.constructor.SafeConstructor):
    """Builds scalars by the YAML 1.2 core schema; an explicit tag (``!!int abc``) must fit it too."""

    def _checked(self, node: yaml.ScalarNode, regexp: re.Pattern[str], what: str) -> str:
        value = str(self.construct_scalar(node))
        if not regexp.match(value):
            raise yaml.constructor.ConstructorError(None, None, f"{value!r} is not {what}", node.start_mark)
        return value

    def construct_yaml_null(self, node: yaml.ScalarNode) -> None:
        self._checked(node, _NULL_RE, "null")

    def construct_yaml_bool(self, node: yaml.ScalarNode) -> bool:
        return self._checked(node, _BOOL_RE, "true or false").lower() == "true"

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        value = self._checked(node, _INT_RE, "an integer")
        if value.startswith(("0o", "0x")):
            return int(value[2:], 8 if value[1] == "o" else 16)
        return int(value, 10)

    def construct_yaml_float(self, node: yaml.ScalarNode) -> float:
        value = self._checked(node, _FLOAT_RE, "a number").lower()
        if value.endswith(".inf"):
            return -float("inf") if value.startswith("-") else float("inf")
        if value == ".nan":
            return float("nan")
        return float(value)


for _tag, _name in (("null", "null"), ("bool", "bool"), ("int", "int"), ("float", "float")):
    _Values.add_constructor(f"tag:yaml.org,2002:{_tag}", getattr(_Values, f"construct_yaml_{_name}"))


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


def _compose(text: str, file: str | None) -> yaml.Node | None:
    """The node tree of one YAML document (None when it is empty), or ScenarioError (syntax, alias bomb)."""
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
        raise ScenarioError([_bad_character(text, exc, file)], file) from None
    except RecursionError:  # the pure-Python composer only (libyaml's is not recursive in Python)
        raise ScenarioError([Issue(f"nested more than {MAX_DEPTH} levels deep", (), 1, 1, file)], file) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([Issue(f"YAML error: {exc}", (), 1, 1, file)], file) from None
    if root is None:
        return None
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
    deep = _too_deep(root)
    if deep is not None:
        line, col = _at(deep)
        raise ScenarioError([Issue(f"nested more than {MAX_DEPTH} levels deep", (), line, col, file)], file)
    return root


def _bad_character(text: str, exc: yaml.reader.ReaderError, file: str | None) -> Issue:
    """Where the first character YAML does not allow is, counted in characters (libyaml reports a byte offset,
    which is wrong after any non-ASCII text)."""
    found = _NOT_ALLOWED.search(text)
    pos = found.start() if found else min(max(exc.position, 0), len(text))
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    char = ord(text[pos]) if found else exc.character
    what = f"character #x{char:04x}" if isinstance(char, int) else "character"
    return Issue(f"YAML error: {what} is not allowed", (), line, col, file)


def _too_deep(root: yaml.Node) -> yaml.Node | None:
    """The first node nested deeper than :data:`MAX_DEPTH`, or None. Walked top-down without recursion; the walk
    visits at most the expanded size, already checked to be at most :data:`MAX_NODES`."""
    stack: list[tuple[yaml.Node, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, yaml.ScalarNode):
            continue
        if depth > MAX_DEPTH:
            return node
        children = [n for kv in node.value for n in kv] if isinstance(node, yaml.MappingNode) else node.value
        stack.extend((c, depth + 1) for c in children)
    return None


def parse_yaml(text: str, file: str | None = None) -> tuple[Any, dict[Path_, Loc]]:
    """Parse one YAML document; return the data and a map path -> (line, col), both 1-based.

    Every value has its own place, list items included (``("actors", "FR", "inherits", 1)``).
    Raises :class:`ScenarioError` with every problem found (syntax, duplicate keys, alias bomb, empty file).
    """
    if len(text.encode("utf-8", "replace")) > MAX_FILE_BYTES:
        raise ScenarioError([Issue(f"file is larger than {MAX_FILE_BYTES:,} bytes", file=file)], file)
    root = _compose(text, file)
    if root is None:
        raise ScenarioError([Issue("the file is empty: expected a scenario mapping", (), 1, 1, file)], file)
    locs: dict[Path_, Loc] = {}
    issues: list[Issue] = []
    data = _Builder(locs, issues, _Values(), file).build(root, ())
    if issues:
        raise ScenarioError(issues, file)
    return data, locs


def read_value(text: str) -> Any:
    """A value given on the command line, read as the same text would be in a file (YAML 1.2):
    ``0.3``, ``1e-3``, ``hard``, ``[a, b]``, ``{round: 3}``, ``.inf``; ``1:30`` and ``yes`` are strings and an
    empty text is null. Raises ValueError saying what is wrong."""
    if len(text) > MAX_FILE_BYTES:
        raise ValueError(f"longer than {MAX_FILE_BYTES:,} characters")
    try:
        root = _compose(text, None)
        if root is None:
            return None
        issues: list[Issue] = []
        data = _Builder({}, issues, _Values(), None).build(root, ())
    except ScenarioError as exc:
        issues = exc.issues
    if issues:
        raise ValueError(issues[0].message)
    return data


class _BadScalar(Exception):
    """A scalar that the safe constructor refuses (unknown tag, ``!!int abc``, an impossible date)."""


def _scalar(node: yaml.ScalarNode, constructor: _Values) -> Any:
    try:
        return constructor.construct_object(node, deep=True)
    except (yaml.YAMLError, ValueError, TypeError, OverflowError) as exc:
        problem = getattr(exc, "problem", None) or str(exc).split("\n")[0]
        raise _BadScalar(problem) from None


def _at(node: yaml.Node) -> Loc:
    """The 1-based (line, column) where ``node`` starts."""
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Builder:
    """Plain data from a composed node tree, recording where each value is (``locs``) and every problem
    (``issues``) instead of stopping at the first."""

    def __init__(self, locs: dict[Path_, Loc], issues: list[Issue], constructor: _Values, file: str | None) -> None:
        self.locs, self.issues, self.constructor, self.file = locs, issues, constructor, file

    def bad(self, msg: str, path: Path_, where: Loc) -> None:
        self.issues.append(Issue(msg, path, *where, self.file))

    def build(self, node: yaml.Node, path: Path_) -> Any:
        """A value's first recorded place wins (a mapping key's place is recorded before its value); scalars are
        read by the safe constructor, sequences and mappings (standard tags only) item by item; anything else,
        or a scalar that cannot be read, is an issue and None."""
        self.locs.setdefault(path, _at(node))
        if isinstance(node, yaml.ScalarNode):
            try:
                return _scalar(node, self.constructor)
            except _BadScalar as exc:
                self.bad(f"cannot read the value {node.value!r}: {exc}", path, _at(node))
                return None
        if not isinstance(node, (yaml.SequenceNode, yaml.MappingNode)):
            self.bad(f"unsupported YAML node {node.tag!r}", path, self.locs[path])
            return None
        if node.tag not in (_SEQ_TAG, _MAP_TAG):
            self.bad(f"unsupported YAML tag {node.tag!r}", path, _at(node))
            return None
        if isinstance(node, yaml.SequenceNode):
            return [self.build(child, (*path, i)) for i, child in enumerate(node.value)]
        return self.mapping(node, path)

    def mapping(self, node: yaml.MappingNode, path: Path_) -> dict[Any, Any]:
        """Keys must be scalars and unique (a repeated explicit key is reported with the line of the first and
        skipped). Merge keys (``<<: *base`` or ``<<: [*a, *b]``) follow the YAML merge spec: an explicit key
        overrides a merged one, and in a list the earlier mapping wins; merged keys come first in the order."""
        out: dict[Any, Any] = {}
        merges: list[yaml.Node] = []
        for knode, vnode in node.value:
            if knode.tag == _MERGE_TAG:
                if merges:
                    self.bad("duplicate key '<<' (give one merge key, with a list: <<: [*a, *b])", path, _at(knode))
                merges.append(vnode)
                continue
            if not isinstance(knode, yaml.ScalarNode):
                self.bad("mapping keys must be plain names", path, _at(knode))
                continue
            key = self.key(knode)
            kpath = (*path, key if isinstance(key, (str, int)) else str(key))
            if key in out:
                first = self.locs.get(kpath, (None, None))[0]
                self.bad(f"duplicate key {key!r} (first defined on line {first})", kpath, _at(knode))
                continue
            self.locs[kpath] = _at(knode)
            out[key] = self.build(vnode, kpath)
        if not merges:
            return out
        result = self.merged(merges, path, set(out))
        result.update(out)  # an explicit key overrides (and keeps the merged key's place in the order)
        return result

    def merged(self, merges: list[yaml.Node], path: Path_, explicit: set[Any]) -> dict[Any, Any]:
        """The keys the merge values give (earlier mappings first), their places recorded unless ``explicit``."""
        sources: list[yaml.MappingNode] = []
        for vnode in merges:
            items = vnode.value if isinstance(vnode, yaml.SequenceNode) else [vnode]
            for item in items:
                if isinstance(item, yaml.MappingNode):
                    sources.append(item)
                else:
                    self.bad("bad merge key: << takes a mapping (*alias) or a list of them", path, _at(item))
        merged: dict[Any, Any] = {}
        for src in sources:
            locs: dict[Path_, Loc] = {}
            sub = _Builder(locs, self.issues, self.constructor, self.file).mapping(src, path)
            new = [k for k in sub if k not in merged]
            for k in new:
                merged[k] = sub[k]
            keep = {(*path, k if isinstance(k, (str, int)) else str(k)) for k in new if k not in explicit}
            n = len(path) + 1
            for p, loc in locs.items():
                if p[:n] in keep:
                    self.locs.setdefault(p, loc)
        return merged

    def key(self, knode: yaml.ScalarNode) -> Any:
        """A key as the constructor reads it, or its text when that is unreadable, unhashable, a boolean or null;
        a key that is not a string or a number becomes its ``str``."""
        try:
            key = _scalar(knode, self.constructor)
        except _BadScalar:
            key = knode.value
        if not isinstance(key, Hashable) or isinstance(key, bool) or key is None:
            key = knode.value
        if not isinstance(key, (str, int, float)):
            key = str(key)
        return key


def read_yaml_file(path: str | Path) -> tuple[Any, dict[Path_, Loc], str]:
    """Read and parse a YAML file; return (data, locations, text). Errors name the file.

    Only a regular file is read (a folder, FIFO, socket or device such as ``/dev/zero``, which reports size 0 and
    never ends, is refused before it is opened), and never more than :data:`MAX_FILE_BYTES` of it."""
    p = Path(path)
    name = str(path)
    try:
        mode = p.stat().st_mode
        if stat.S_ISDIR(mode):
            raise ScenarioError([Issue("is a folder, not a scenario file", file=name)], name)
        if not stat.S_ISREG(mode):
            raise ScenarioError([Issue("is not a regular file (a device, FIFO or socket): not read", file=name)], name)
        with p.open("rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            raise ScenarioError([Issue(f"file is larger than {MAX_FILE_BYTES:,} bytes", file=name)], name)
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
