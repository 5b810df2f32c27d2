"""Errors a user can act on.

Every problem with input is a :class:`Issue` (file, line, column, path, message); a :class:`ScenarioError`
carries all the issues of one file so that ``negsim validate`` can print them at once as
``FILE:LINE:COL: path: message``. :class:`UsageError` is any other user mistake (a bad ``--set``, a missing
folder): the CLI prints it as one line and exits 2. :class:`SweepFailed` says that runs of a sweep raised (their
rows are in its table; ``negsim sweep`` exits 1). Anything else escaping is a bug (exit 1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def escape(text: str) -> str:
    """``text`` with control characters and line breaks written as escapes (``\\n``, ``\\x1b``), so that a key
    or value holding them cannot split a one-line error or forge a second one."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem in one place of a scenario document."""

    message: str
    path: tuple[str | int, ...] = ()
    line: int | None = None  # 1-based
    col: int | None = None  # 1-based
    file: str | None = None

    @property
    def dotted(self) -> str:
        return ".".join(str(p) for p in self.path) if self.path else "(document)"

    def format(self) -> str:
        where = self.file or "<scenario>"
        if self.line is not None:
            where += f":{self.line}:{self.col or 1}"
        return escape(f"{where}: {self.dotted}: {self.message}")


class NegsimError(Exception):
    """Base class of errors caused by the user's input (exit code 2 on the CLI)."""


class UsageError(NegsimError):
    """A bad argument, path or value outside a scenario file."""


@dataclass
class ScenarioError(NegsimError):
    """All the problems found in one scenario document."""

    issues: list[Issue] = field(default_factory=list)
    file: str | None = None

    def __post_init__(self) -> None:
        super().__init__(self.__str__())

    def __str__(self) -> str:
        return "\n".join(i.format() for i in self.issues)


class SweepFailed(NegsimError):
    """Runs of a sweep raised: ``.result`` is its :class:`sim.sweeps.run.SweepResult` (the table holds every run,
    those that raised with their ``error``). Raised by :func:`sim.sweep` unless ``raise_on_error=False``."""

    def __init__(self, result: Any) -> None:
        self.result = result
        n, total = result.n_errors, result.n_runs
        many = "every run" if n == total else f"{n:,} of {total:,} runs"
        where = f"all {total:,} runs are in {result.path}, see its error column"
        super().__init__(f"{many} failed; the first error: {result.first_error} ({where})")
