"""One test per row of the validation table (docs/validation.md), plus the doctests of sim.analysis.theory."""

from __future__ import annotations

import doctest

import pytest

import sim.analysis.theory
import sim.analysis.theory_games
from tests.validation.rows import ROWS, close


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_row(row):
    got = row.compute()
    assert close(got, row.expected, row.tol), f"{row.model} {row.input}: expected {row.expected}, got {got}"


def test_row_ids_unique():
    ids = [r.id for r in ROWS]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("module", [sim.analysis.theory, sim.analysis.theory_games], ids=lambda m: m.__name__)
def test_doctests(module):
    res = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert res.attempted > 0 and res.failed == 0
