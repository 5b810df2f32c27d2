"""Handing a dense mixed-integer program to HiGHS (``highspy``): shared by the mediator's search and the analysis.

Solved to optimality: relative gap 0, absolute gap 1e-9, a fixed random seed (the same model gives the same answer),
one thread, presolve off, no output. Presolve is off because HiGHS's MIP presolve can run without end on the
mediator's max–min programs (a Paris 2026 program after the fidelity pass of issue #16 ran for more than 5 minutes in
presolve, ignoring ``time_limit``, and solved in 0.15 s without it; on 36 programs of the earlier Paris 2026 runs
presolve off gave the same answers in the same time).

One thread (``threads``): HiGHS's default (``threads`` 0) picks a thread count from the machine (2 threads on this
2-core one), and its branch-and-bound tree then depends on that count (a Paris 2026 program: 71 nodes on 2 threads,
30 on one), so that among packages of equal objective the one returned could depend on the machine; one thread
makes it the same everywhere. Sweep workers are processes already, and two of them each running two HiGHS threads on
two cores made the Paris 2026 sweep 1.6x slower (docs/performance.md, "One HiGHS thread").

Sub-MIP heuristics and restarts are off too (``mip_heuristic_run_root_reduced_cost``, ``_rins``, ``_rens``,
``mip_allow_restart``; the first three exist from highspy 1.11): they run HiGHS's MIP presolve on a sub-problem
even with ``presolve`` off, and in highspy 1.16 its ``HPresolve::strengthenInequalities`` can loop forever there,
ignoring ``time_limit`` and ``cancelSolve`` (native stacks of two sweep workers on the five-parameter Paris 2026
Morris design, 7 December 2026: ``rootReducedCost -> solveSubMip -> runMipPresolve -> strengthenInequalities``;
HiGHS issues 2226 and 1278 report the same kind of loop). Without them every program of that design solved; the
optimum is unchanged (it is proved, not found by a heuristic), but among packages of equal objective HiGHS may
return another one than before. :func:`load` refuses a highspy that does not know one of these options.

No output means nothing on stdout either, at the file-descriptor level. highspy (1.7 … 1.16 at least) writes
``Running HiGHS … Copyright …`` from C++ when ``highspy.Highs()`` is constructed: its ``__init__`` calls a HiGHS
method (``setCallback``) while ``output_flag`` still has its default, true, and HiGHS logs its header before the
first method's output. HiGHS's documented way to silence it is ``output_flag = false`` *before* any other method,
which the Python constructor does not allow, and no highspy offers a constructor option. So :func:`new` builds
the instance with fd 1 pointed at ``/dev/null`` and sets ``output_flag`` before handing it back. The redirect is
serialised by a lock; another thread's writes to fd 1 during those few microseconds would be lost too.
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading
from typing import Any

import highspy
import numpy as np
from numpy.typing import NDArray

from sim.core.tolerances import MIP_GAP

FloatA = NDArray[np.float64]

OPTIONS: dict[str, bool | int | float | str] = {
    "output_flag": False,
    "mip_rel_gap": 0.0,
    "mip_abs_gap": MIP_GAP,
    "random_seed": 0,
    "presolve": "off",
    "mip_heuristic_run_root_reduced_cost": False,
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False,
    "mip_allow_restart": False,
    "threads": 1,
}

SEARCH_OPTIONS: dict[str, bool | int | float | str] = {
    "mip_pool_soft_limit": 1,
    "mip_heuristic_run_feasibility_jump": False,
}
"""Added for the mediator's searches only (its max–min and expected-value pattern MILPs): a cut pool of one cut and
no feasibility-jump heuristic (highspy >= 1.11). On 915 of these programs (the shipped scenarios and variants, with
and without belief noise; docs/performance.md, "HiGHS options for the mediator's programs") they solved 1.5–1.9x
faster in total, the slowest one 0.59x; most of a program's time was HiGHS's root node. The optimum is the same
(proved with gap 0); among packages of equal objective another one may come back. The analysis's programs keep
HiGHS's defaults: there these options made some 5–10x slower."""


_FD_LOCK = threading.Lock()


def _flush_c_stdio() -> None:
    """Flush the C library's stdio buffers (HiGHS writes with printf); best effort, a no-op where unavailable."""
    try:
        ctypes.CDLL(None).fflush(None)
    except (OSError, AttributeError, TypeError):  # e.g. Windows: no CDLL(None); HiGHS flushes its own log lines
        pass


def new() -> highspy.Highs:
    """A fresh ``highspy.Highs`` with ``output_flag`` false, built without writing anything to stdout (fd 1)."""
    with _FD_LOCK:
        try:
            sys.stdout.flush()  # Python-buffered text goes to the real stdout, not to /dev/null
        except (AttributeError, ValueError, OSError):
            pass
        try:
            saved = os.dup(1)
        except OSError:  # no fd 1 (a closed or detached stdout): nothing to protect
            saved = -1
        try:
            if saved >= 0:
                devnull = os.open(os.devnull, os.O_WRONLY)
                try:
                    os.dup2(devnull, 1)
                finally:
                    os.close(devnull)
            h = highspy.Highs()
            h.setOptionValue("output_flag", False)
            _flush_c_stdio()  # what HiGHS left in stdout's C buffer goes to /dev/null, not to the restored fd 1
        finally:
            if saved >= 0:
                os.dup2(saved, 1)
                os.close(saved)
    return h


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
    h = new()
    for name, value in {**OPTIONS, **(options or {})}.items():
        if h.setOptionValue(name, value) != highspy.HighsStatus.kOk:
            raise RuntimeError(f"HiGHS {h.version()} refused option {name}={value!r}: negsim needs highspy >= 1.11")
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
