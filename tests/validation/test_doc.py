"""docs/validation.md carries the table that make_table.py renders now, and nothing else in its place."""

from __future__ import annotations

import re

from tests.validation.make_table import DOC, END, START, render
from tests.validation.rows import ROWS


def test_committed_table_is_current():
    text = DOC.read_text(encoding="utf-8")
    assert render(text) == text, "run: .venv/bin/python -m tests.validation.make_table"


def test_every_doc_row_is_a_test():
    table = DOC.read_text(encoding="utf-8").split(START, 1)[1].split(END, 1)[0]
    doc_ids = re.findall(r"test_rows\.py::test_row\[([^\]]+)\]", table)
    assert doc_ids == [r.id for r in ROWS]
