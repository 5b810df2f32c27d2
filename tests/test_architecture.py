"""The package's shape (docs/architecture.md): subpackages along the data flow, no import cycles, small modules.

The layers themselves are checked by import-linter (``lint-imports``, contract in ``pyproject.toml``); these tests
add what a layers contract does not see: cycles between modules of one subpackage, imports hidden inside functions,
module size and each subpackage's statement of its job.
"""

from __future__ import annotations

import ast
from pathlib import Path

import grimp
import pytest

SIM = Path(__file__).resolve().parents[1] / "sim"
MAX_LINES = 400
LAZY_MARK = "# lazy:"


def _modules() -> list[Path]:
    return sorted(SIM.rglob("*.py"))


def _strongly_connected(adj: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iteratively: the components with more than one module, or a module importing itself."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    for root in adj:
        if root in index:
            continue
        work = [(root, iter(sorted(adj[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(adj[w]))))
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1 or v in adj[v]:
                        out.append(sorted(comp))
    return out


def test_tarjan_finds_a_planted_cycle():
    adj = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert sorted(_strongly_connected(adj)) == [["a", "b", "c"], ["e"]]
    assert _strongly_connected({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles_among_modules():
    """Imports inside functions count; ``if TYPE_CHECKING:`` imports do not (they never run)."""
    graph = grimp.build_graph("sim", exclude_type_checking_imports=True)
    adj = {m: {i for i in graph.find_modules_directly_imported_by(m) if i.startswith("sim")} for m in graph.modules}
    # a package's __init__ importing its own submodules is not a cycle between modules
    for m, deps in adj.items():
        deps.discard(m)
    assert _strongly_connected(adj) == []


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(SIM.parent)))
def test_module_is_small(path: Path):
    assert len(path.read_text().splitlines()) <= MAX_LINES


def _function_imports(tree: ast.AST) -> list[ast.stmt]:
    found: list[ast.stmt] = []
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            found += [n for n in ast.walk(fn) if isinstance(n, ast.Import | ast.ImportFrom)]
    return found


def test_imports_inside_functions_say_why():
    """Only where start-up time needs it (``negsim validate`` must not import Mesa, pandas or matplotlib), each
    marked ``# lazy: <why>`` on its line or the line above."""
    unmarked = []
    for path in _modules():
        lines = path.read_text().splitlines()
        for node in _function_imports(ast.parse("\n".join(lines))):
            here, above = lines[node.lineno - 1], lines[node.lineno - 2] if node.lineno > 1 else ""
            if LAZY_MARK not in here and LAZY_MARK not in above:
                unmarked.append(f"{path.relative_to(SIM.parent)}:{node.lineno}: {here.strip()}")
    assert unmarked == []


def test_every_subpackage_states_its_job():
    for init in sorted(SIM.glob("*/__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text()))
        assert doc and len(doc.splitlines()) == 1, init
