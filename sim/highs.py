"""Handing a dense mixed-integer program to HiGHS (``highspy``): shared by the mediator's search and the analysis.

Solved to optimality: relative gap 0, absolute gap 1e-9, a fixed random seed (the same model gives the same answer),
no output.
"""

from __future__ import annotations

from typing import Any

import highspy
import numpy as np
from numpy.typing import NDArray

FloatA = NDArray[np.float64]

ABS_GAP = 1e-9
OPTIONS: dict[str, bool | int | float | str] = {
    "output_flag": False,
    "mip_rel_gap": 0.0,
    "mip_abs_gap": ABS_GAP,
    "random_seed": 0,
}


def load(
    c: FloatA,
    A: FloatA,
    lo: FloatA,
    hi: FloatA,
    lb: FloatA,
    ub: FloatA,
    integer: NDArray[np.bool_] | list[bool],
    options: dict[str, Any] | None = None,
) -> highspy.Highs:
    """A HiGHS instance holding: minimise c·x subject to lo ≤ A x ≤ hi, lb ≤ x ≤ ub, x_j integer where ``integer``."""
    h = highspy.Highs()
    for name, value in {**OPTIONS, **(options or {})}.items():
        h.setOptionValue(name, value)
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    n, m = A.shape[1], A.shape[0]
    lp.num_col_, lp.num_row_ = n, m
    lp.col_cost_ = np.asarray(c, dtype=float)
    lp.col_lower_ = np.where(np.isinf(lb), -inf, lb)
    lp.col_upper_ = np.where(np.isinf(ub), inf, ub)
    lp.row_lower_ = np.where(np.isinf(lo), -inf, lo)
    lp.row_upper_ = np.where(np.isinf(hi), inf, hi)
    At = A.T  # column-wise storage
    nz = At != 0
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.concatenate([[0], np.cumsum(nz.sum(axis=1))]).astype(np.int32)
    lp.a_matrix_.index_ = np.nonzero(nz)[1].astype(np.int32)
    lp.a_matrix_.value_ = At[nz]
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = n, m
    lp.integrality_ = [highspy.HighsVarType.kInteger if f else highspy.HighsVarType.kContinuous for f in integer]
    h.passModel(lp)
    return h


def optimum(h: highspy.Highs) -> FloatA | None:
    """The solution vector after ``h.run()``, or None when HiGHS did not prove an optimum."""
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    return np.asarray(h.getSolution().col_value)
