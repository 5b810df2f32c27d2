"""The expected-value search when a package's min surplus is below the failure value f = EV_FAIL = −1.

EV(s, P) = P (s − f) + f rises with P when s > f and falls when s < f: a package every counted actor finds worse
than failure gains from a *lower* ratification probability. The branch and bound over a varying step's support
(:mod:`sim.search.expected`) once bounded an interval [a, b] by the P at b alone, which is no bound where s < f;
it then missed the optimum by ~1e-6 (two Hypothesis examples of ``tests/test_triggers_any.py``, pinned here).
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from sim.core.compiled import compile_scenario
from sim.core.ratify import expected_value
from sim.core.tolerances import EV_FAIL
from sim.core.utility import all_packages
from sim.scenario.loader import scenario_from_document
from sim.search.enumeration import Space, expected_keys
from sim.search.expected import SPLIT, ev_rows, split
from sim.search.searcher import Searcher, SearchProblem

BASE: dict[str, Any] = {
    "scenario": {
        "id": "below_failure",
        "max_rounds": 1,
        "status_quo_package": {"ceasefire": "none", "territory": "none", "sanctions": "none"},
    },
    "protocol": {"mediator": "US", "proposal_mode": "alternating_offers", "concession": "boulware"},
}
RU_LOGIT = {"body": "vote", "triggers": {"ceasefire": ["none"]}, "model": {"lambda": 4.0}}


def _case_two_signatories() -> dict[str, Any]:
    """US's utility is −0.001 everywhere (an interaction), so with aspiration 1 every package's min surplus is
    −1.001 < f; RU's ratification is a logit of its utility, higher with sanctions ``none``: the best package is
    the one RU likes *less* (lower P)."""
    return {
        **BASE,
        "clauses": {
            "ceasefire": {"options": ["none"]},
            "territory": {"options": ["none", "partial"]},
            "sanctions": {"options": ["none", "partial"]},
        },
        "actors": {
            "US": {
                "salience": {"ceasefire": 0.001},
                "utilities": {"ceasefire": {"none": 0.0}},
                "interactions": [{"when": {"ceasefire": ["none"], "territory": ["none", "partial"]}, "value": -0.001}],
            },
            "UA": {
                "salience": {"ceasefire": 0.001},
                "utilities": {"ceasefire": {"none": 0.0}},
                "red_lines": {"territory": {"options": ["none"]}},
            },
            "RU": {
                "salience": {"ceasefire": 0.0, "sanctions": 0.001},
                "utilities": {"ceasefire": {"none": 0.0}, "sanctions": {"none": 0.003, "partial": 0.0}},
                "ratification": RU_LOGIT,
            },
        },
        "decision_rules": {"signatories": ["US", "UA"]},
    }


def _case_any_of() -> dict[str, Any]:
    """The same shape with fixed-p votes beside RU's logit (US's triggered by any of three alternatives), and the
    min surplus bounded above by −1.027 < f (the big-M bound of z is below f too)."""
    vote = {"body": "vote", "triggers": {"ceasefire": ["none"]}, "p": 0.3}
    return {
        **BASE,
        "clauses": {
            "ceasefire": {"options": ["none"]},
            "territory": {"options": ["none", "partial"]},
            "sanctions": {"options": ["none"]},
        },
        "actors": {
            "US": {
                "salience": {"ceasefire": 0.001},
                "utilities": {"ceasefire": {"none": 0.0}},
                "ratification": {**vote, "triggers": [{"ceasefire": ["none"]}] * 3},
                "interactions": [{"when": {"ceasefire": ["none"], "territory": ["none", "partial"]}, "value": -0.027}],
            },
            "UA": {"salience": {"ceasefire": 0.001}, "utilities": {"ceasefire": {"none": 0.0}}, "ratification": vote},
            "RU": {
                "salience": {"ceasefire": 0.0, "territory": 0.001},
                "utilities": {"ceasefire": {"none": 0.0}, "territory": {"none": 0.001, "partial": 0.0}},
                "ratification": RU_LOGIT,
            },
        },
        "decision_rules": {"signatories": ["US"]},
    }


def _case_flat_bound() -> dict[str, Any]:
    """Every package's min surplus is −1.003 (US), so the MILP's bound is the same at every package of an interval,
    and HiGHS may return the one with the higher P: the interval must then be split *below* it, where the others'
    bound is their value."""
    doc = _case_two_signatories()
    doc["actors"]["US"]["interactions"][0]["value"] = -0.003
    doc["actors"]["UA"].pop("red_lines")
    doc["actors"]["RU"]["salience"] = {"territory": 0.001}
    doc["actors"]["RU"]["utilities"] = {"territory": {"none": 0.001, "partial": 0.0}}
    doc["decision_rules"]["signatories"] = ["US"]
    return doc


CASES = {"two_signatories": _case_two_signatories(), "any_of": _case_any_of(), "flat_bound": _case_flat_bound()}


@pytest.mark.parametrize("doc", CASES.values(), ids=CASES.keys())
def test_the_milp_finds_the_best_package_when_every_surplus_is_below_failure(doc):
    cp = compile_scenario(scenario_from_document(doc))
    asp = np.array([1.0, 0.0, 0.0])
    free = np.ones(cp.n_clauses, dtype=bool)
    problem = SearchProblem(cp, cp.wvalues, asp, cp.signatory, free, cp.sq, rule="expected_value")
    packages = all_packages(cp.n_options)
    keys, surplus = expected_keys(problem, Space.of(cp, packages))
    assert np.isfinite(keys).sum() >= 2 and (surplus[np.isfinite(keys)] < EV_FAIL).all()  # the case under test
    large = Searcher(cp, "milp").propose(cp.wvalues, asp, cp.signatory, free, cp.sq, rule="expected_value")
    assert large.package is not None
    found = expected_keys(problem, Space.of(cp, large.package[None, :]))[0][0]
    assert found == pytest.approx(keys.max(), abs=1e-9)  # the keys differ by ~1e-6: the old bound picked the other


class _Rows:
    """Just enough of a PackageModel for :func:`ev_rows`: variable bounds and rows kept as given."""

    def __init__(self, z_lo: float, z_hi: float):
        self.lb, self.ub, self.rows = [z_lo], [z_hi], []

    def add_var(self, lb: float, ub: float) -> int:
        self.lb.append(lb)
        self.ub.append(ub)
        return len(self.lb) - 1

    def add_row(self, row: dict[int, float], lo: float, hi: float) -> None:
        self.rows.append((row, lo, hi))


@given(
    st.floats(0.0, 1.0),
    st.floats(0.0, 1.0),
    st.floats(-3.0, 1.0),
    st.floats(0.0, 3.0),
    st.floats(0.0, 1.0),
    st.floats(0.0, 1.0),
)
def test_the_ev_row_bounds_ev_at_every_p_of_the_interval(p1, p2, floor, width, at_z, at_p):
    """w's row is an upper bound of EV(z, P) for every z in [floor, z_hi] and every P in [P_lo, P_hi] (the bound
    the branch and bound relies on), and is exact when P is fixed."""
    p_lo, p_hi = min(p1, p2), max(p1, p2)
    z_hi = floor + width
    m = _Rows(floor - 1.0, z_hi)
    w = ev_rows(m, 0, (p_lo, p_hi), floor)  # type: ignore[arg-type]
    ((row, _, rhs),) = m.rows
    z = floor + at_z * width
    p = p_lo + at_p * (p_hi - p_lo)
    bound = (rhs - row[0] * z) / row[w]  # the row is w + c_z z ≤ rhs
    assert bound >= float(expected_value(np.array([z]), np.array([p]))[0]) - 1e-9
    if p_lo == p_hi:
        assert bound == pytest.approx(float(expected_value(np.array([z]), np.array([p_lo]))[0]), abs=1e-12)


@given(
    st.floats(-1.0, 1.0),
    st.floats(1e-9, 2.0),
    st.floats(0.0, 1.0),
    st.sampled_from(["rising", "falling", "both"]),
)
@example(0.0, 1.000000001, 1e-07, "falling")  # found by hypothesis: the last piece's width rounds to the whole's
def test_split_covers_the_interval_with_smaller_pieces_and_closes_around_the_package(a, width, at_frac, shape):
    """The pieces tile [a, b] in order, each one a proper part of it (its width may round to [a, b]'s: a piece
    [a + 1e-16, b] of [0, 1.000000001]); the package's piece reaches past it by at most ``SPLIT``
    on the side its bound is evaluated at (b when EV rises with P, a when it falls); no pieces when that piece
    would be all of [a, b]."""
    b = a + width
    at = a + at_frac * width
    pieces = split(a, b, at, shape)
    if not pieces:
        assert (shape == "falling" or at + SPLIT >= b) and (shape == "rising" or at - SPLIT <= a)
        return
    assert pieces[0][0] == a and pieces[-1][1] == b
    assert all(y0 == x1 for (_, y0), (x1, _) in itertools.pairwise(pieces))
    assert all(a <= x < y <= b and (x, y) != (a, b) for x, y in pieces)
    (home,) = [(x, y) for x, y in pieces if x <= at <= y][:1]
    if shape != "falling":
        assert home[1] <= at + SPLIT * (1 + 1e-9) + 1e-15
    if shape != "rising":
        assert home[0] >= at - SPLIT * (1 + 1e-9) - 1e-15
