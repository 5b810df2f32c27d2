"""The documentation's examples run (issue 8): what a reader copies must work.

- README.md: every ``negsim`` (or ``.venv/bin/negsim``) line of its ```bash blocks, and its ```python blocks. A
  line that needs the shell (a glob, a redirection, a pipe) is run by bash with this venv's ``negsim`` (so the
  installed entry point is exercised); a plain one is run in this process by ``sim.cli.main.main``, which is what the
  entry point calls; ``make`` lines are skipped (they build the venv).
- docs/*.md: the ```python blocks, in order, in one namespace per file.
- sim/: the doctests of every module, from the repository root (they name scenarios by relative path).

Examples run in a temporary copy of ``scenarios/`` (and ``docs/``), so that what they write (``results/``,
``scenario.schema.json``) lands there. A block is skipped when the line before its opening fence (blank lines
aside) is ``<!-- no-run -->``: the convention for examples that are too slow or need a cluster. Files are found
when the tests are collected, so new documentation is picked up without touching this file.
"""

from __future__ import annotations

import doctest
import importlib
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NO_RUN = "<!-- no-run -->"
FENCE = re.compile(r"^\s*```\s*([\w+-]*)\s*$")
NEGSIM = re.compile(r"^(?:\.venv/bin/)?negsim(?=\s|$)")


@dataclass(frozen=True)
class Block:
    file: Path
    line: int  # of the opening fence, 1-based
    lang: str
    text: str
    runnable: bool


def blocks(path: Path) -> list[Block]:
    """The fenced code blocks of a Markdown file."""
    out: list[Block] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    j = 0
    while j < len(lines):
        m = FENCE.match(lines[j])
        if not m:
            j += 1
            continue
        start, lang = j, m.group(1).lower()
        j += 1
        body = []
        while j < len(lines) and not FENCE.match(lines[j]):
            body.append(lines[j])
            j += 1
        before = next((ln.strip() for ln in reversed(lines[:start]) if ln.strip()), "")
        out.append(Block(path, start + 1, lang, "\n".join(body) + "\n", before != NO_RUN))
        j += 1
    return out


def commands(block: Block) -> list[str]:
    """The negsim command lines of a bash block (continuation lines joined)."""
    joined = re.sub(r"\s*\\\n\s*", " ", block.text)
    return [ln.strip() for ln in joined.splitlines() if NEGSIM.match(ln.strip())]


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
README_COMMANDS = [
    pytest.param(cmd, id=f"README.md:{b.line}:{cmd.split('#')[0].strip()[:60]}")
    for b in blocks(README)
    if b.lang in ("bash", "sh", "shell", "console") and b.runnable
    for cmd in commands(b)
]
SLOW_DOCS = {"docs/sweeps.md"}  # a 1,400-run sweep on 8 workers
PYTHON_FILES = [
    pytest.param(f, id=_rel(f), marks=[pytest.mark.slow] if _rel(f) in SLOW_DOCS else [])
    for f in [README, *DOCS]
    if any(b.lang == "python" and b.runnable for b in blocks(f))
]
MODULES = sorted(p.stem for p in (ROOT / "sim").glob("*.py") if p.stem != "__main__")


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A scratch copy of what the examples read; they write here too."""
    for name in ("scenarios", "docs"):
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, tmp_path / name)
    return tmp_path


def test_the_readme_has_examples():
    assert README_COMMANDS, "no negsim command found in the README's bash blocks"
    assert any(b.lang == "python" for b in blocks(README))


def test_the_readme_runs_some_lines_through_the_shell():
    """At least one README line goes through bash and the installed ``negsim`` script, not only sim.cli.main.main."""
    assert any(needs_shell(p.values[0]) for p in README_COMMANDS)
    assert needs_shell("negsim validate scenarios/*.yaml  # a comment") and not needs_shell("negsim run x.yaml  # *")


def test_blocks_are_parsed_with_the_no_run_marker(tmp_path):
    md = tmp_path / "x.md"
    md.write_text(
        "# t\n\n```python\nx = 1\n```\n\n<!-- no-run -->\n\n```bash\nnegsim sweep \\\n  --seeds 9\nmake demo\n```\n"
    )
    a, b = blocks(md)
    assert (a.lang, a.line, a.text, a.runnable) == ("python", 3, "x = 1\n", True)
    assert (b.lang, b.runnable) == ("bash", False)
    assert commands(b) == ["negsim sweep --seeds 9"]


SHELL = set("*?[]<>|;&$`(){}~")


def needs_shell(command: str) -> bool:
    """True when bash must interpret the line: globs, redirections, pipes, variables."""
    return any(ch in SHELL for tok in shlex.split(command, comments=True) for ch in tok)


@pytest.mark.parametrize("command", README_COMMANDS)
def test_readme_command_runs(workdir, command, cli):
    if not needs_shell(command):
        r = cli(*shlex.split(command, comments=True)[1:], cwd=workdir)
        assert r.returncode == 0, f"{command}\nexit {r.returncode}\n{r.stderr[-2000:]}"
        assert "Traceback" not in r.stderr
        return
    exe = Path(sys.executable).with_name("negsim")
    assert exe.exists(), f"{exe} missing: install the package into the venv"
    line = NEGSIM.sub(str(exe), command, count=1)
    r = subprocess.run(["bash", "-c", line], cwd=workdir, capture_output=True, text=True, timeout=300, check=False)
    assert r.returncode == 0, f"{command}\nexit {r.returncode}\n{r.stderr[-2000:]}"
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("path", PYTHON_FILES)
def test_python_blocks_run(workdir, monkeypatch, path):
    monkeypatch.chdir(workdir)
    namespace: dict[str, object] = {"__name__": "__doc_example__"}
    for b in blocks(path):
        if b.lang != "python" or not b.runnable:
            continue
        code = compile(b.text, f"{_rel(path)}:{b.line}", "exec")
        try:
            exec(code, namespace)
        except Exception as exc:
            pytest.fail(f"{_rel(path)}, block at line {b.line}: {type(exc).__name__}: {exc}")
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.mark.parametrize("module", MODULES)
def test_doctests(monkeypatch, module):
    monkeypatch.chdir(ROOT)
    mod = importlib.import_module(f"sim.{module}")
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    tests = finder.find(mod, f"sim.{module}")
    for t in tests:
        runner.run(t, out=lambda s: None)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} doctest examples failed in sim.{module}"
