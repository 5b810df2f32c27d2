"""The mediator's max–min search as a mixed-integer program, solved to optimality by HiGHS (``highspy``).

Built on the package-space rows of :class:`sim.search.mip.PackageModel` (one-hot per clause, interactions,
constraints, triggers; see there), with variables [x (O) | y (T interactions) | q (Q qmv approvals) | z].
:func:`solve_maxmin` maximises z + ε mean_{i ∈ S} U_i (ε = ``EPS_TIE``) subject to, in the order
:func:`build_model` adds them:

- the clauses that are not free keep their base option, and no hard red line of a required actor is chosen;
- z ≤ U_i − a_i for every counted actor i ∈ S, and the proposer's floor U_p ≥ a_p − TOL (``self_floor``);
- each approval rule r: a voter v of a unanimity/contributors rule that is not required enters z when the rule is
  triggered, z ≤ U_v − a_v + M_v (1 − τ_r) with M_v = max(z_hi − (u_lo_v − a_v), 0), and its hard red lines bind,
  x_j + τ_r ≤ 1 (the linkage of REPORT §D.4); a QMV rule passes with binary approvals q_v (q_v = 1 ⇒ U_v ≥ a_v, no
  hard red line of v) over its member and population thresholds.

z is bounded by min_{i ∈ S} (u_hi_i − a_i) above and min_{i ∈ S} (u_lo_i − a_i) − 1 below. The optimum is exact
for the linear utility; the engine re-scores it with the true (clipped) utility. The small ε tie-break picks a
Pareto-efficient package among max–min optima.

Speed (see ``docs/performance.md``): the model is a few dozen binaries, so HiGHS' fixed MIP cost dominates; most
of it is spent finding a first incumbent. :func:`solve_maxmin` therefore hands HiGHS a start package found by a
steepest-ascent local search over single-clause changes, from the best package the branch and bound found before
it gave up when it ran (:func:`sim.search.bnb.attempt`), else from the status quo: a pure function of the inputs,
so a run's result never depends on which runs came before in the process. The start only prunes the search: the
optimum is proved by HiGHS with a zero relative gap (absolute gap ``sim.core.tolerances.MIP_GAP``), so the answer
is the exact optimum; among packages of equal objective, which one HiGHS returns can depend on the start. The
program leaves out the rows that the one-hot rows and the bounds already imply (:meth:`PackageModel.implied_rows`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from sim.core.compiled import Compiled
from sim.core.tolerances import EPS_TIE, TOL
from sim.core.utility import holds
from sim.search import highs
from sim.search.mip import MipArrays, PackageModel
from sim.search.problem import SearchProblem, SearchResult

INFEASIBLE_PENALTY = 1e3  # the local search's key: objective − this · total violation
ASCENT_MIN_GAIN = 1e-12  # the local search stops when no single-clause change gains more than this


@dataclass(frozen=True, eq=False)
class MaxMinModel:
    """The MILP of :func:`solve_maxmin` as dense arrays (``program``: minimise c·v, v = [x | y | q | z]).

    ``utility`` (A, n) the linear utilities over v; ``n_x`` options, ``n_y`` interaction terms, ``q_voters`` the
    voter of each q variable (they follow y), ``z`` the last variable; ``aspiration`` (A,)."""

    compiled: Compiled
    program: MipArrays
    utility: NDArray[np.float64]
    n_x: int
    n_y: int
    q_voters: list[int]
    z: int
    aspiration: NDArray[np.float64]

    @property
    def n(self) -> int:
        return self.z + 1

    def vectors(self, packages: NDArray[np.int64]) -> NDArray[np.float64]:
        """(N, n) the best variable vector of each package: y and q follow x, z is as large as the rows allow."""
        cp, prog = self.compiled, self.program
        N = packages.shape[0]
        V = np.zeros((N, self.n))
        flat = packages + cp.offsets[None, :]
        V[np.arange(N)[:, None], flat] = 1.0
        for t, it in enumerate(cp.interactions):
            V[:, self.n_x + t] = holds(it.when, packages)
        for k, v in enumerate(self.q_voters):
            u = V @ self.utility[v]
            V[:, self.n_x + self.n_y + k] = (u >= self.aspiration[v] - TOL) & ~cp.hard[v, flat].any(axis=1)
        zrows = prog.A[:, self.z] > 0
        slack = (prog.hi[zrows, None] - prog.A[zrows] @ V.T) / prog.A[zrows, self.z][:, None]
        V[:, self.z] = np.minimum(prog.ub[self.z], slack.min(axis=0, initial=np.inf))
        return V

    def evaluate(self, packages: NDArray[np.int64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """(objective to maximise, total violation of rows and bounds) of each package's best vector."""
        prog = self.program
        V = self.vectors(packages)
        AV = V @ prog.A.T
        viol = np.maximum(prog.lo[None, :] - AV, 0.0).sum(axis=1) + np.maximum(AV - prog.hi[None, :], 0.0).sum(axis=1)
        viol += np.maximum(prog.lb - V, 0.0).sum(axis=1) + np.maximum(V - prog.ub, 0.0).sum(axis=1)
        return -(V @ prog.c), viol

    def local_search(self, start: NDArray[np.int64], max_steps: int = 100) -> NDArray[np.int64]:
        """Steepest ascent over single-clause changes (key: objective − ``INFEASIBLE_PENALTY`` · violation);
        deterministic."""
        cp = self.compiled
        moves = [
            (c, k)
            for c in range(cp.n_clauses)
            for k in range(cp.n_options[c])
            if self.program.ub[cp.offsets[c] + k] > 0
        ]
        if not moves:
            return start.copy()
        mc = np.array([m[0] for m in moves], dtype=np.int64)
        mk = np.array([m[1] for m in moves], dtype=np.int64)
        x = start.copy()
        obj, viol = self.evaluate(x[None, :])
        best = float(obj[0] - INFEASIBLE_PENALTY * viol[0])
        for _ in range(max_steps):
            cand = np.repeat(x[None, :], len(moves), axis=0)
            cand[np.arange(len(moves)), mc] = mk
            obj, viol = self.evaluate(cand)
            key = obj - INFEASIBLE_PENALTY * viol
            j = int(np.argmax(key))
            if key[j] <= best + ASCENT_MIN_GAIN:
                break
            x, best = cand[j], float(key[j])
        return x

    def solve(self, start: NDArray[np.int64] | None = None) -> SearchResult:
        """Solve with HiGHS (``start``: a package whose vector is passed as the incumbent when it is feasible)."""
        cp = self.compiled
        h = self.program.load(highs.SEARCH_OPTIONS)
        if start is not None:
            v = self.vectors(start[None, :])
            if self.evaluate(start[None, :])[1][0] <= TOL:
                h.setSolution(self.n, np.arange(self.n, dtype=np.int32), v[0])
        h.run()
        xs = highs.optimum(h)
        if xs is None:
            return SearchResult.none("milp")
        pkg = np.array(
            [int(np.argmax(xs[cp.offsets[c] : cp.offsets[c] + cp.n_options[c]])) for c in range(cp.n_clauses)],
            dtype=np.int64,
        )
        return SearchResult(pkg, float(xs[self.z]), "milp")


Rows = tuple[PackageModel, int, list[int]]
"""What :func:`maxmin_rows` returns."""


def maxmin_rows(problem: SearchProblem) -> Rows:
    """(the package model with every row of the max–min MILP, the index of z, the voter of each q variable): the
    MILP of :func:`solve_maxmin` without its objective, which other objectives extend (:mod:`sim.search.expected`)."""
    cp, aspiration, counted = problem.compiled, problem.aspiration, problem.counted
    m = PackageModel(cp, problem.values)
    # variables: q (one per voter of each QMV rule, in rule order), then z
    qmv = [(r, int(v)) for r, rule in enumerate(cp.rules) if rule.kind in ("qmv", "k_of_n") for v in rule.voters]
    q_of = {key: m.add_var(0, 1, True) for key in qmv}
    z_lo, z_hi = z_bounds(m, aspiration, counted)
    z = m.add_var(z_lo, z_hi)
    # the space: clauses off the table at base, the required actors' hard red lines out
    m.keep_base(problem.free, problem.base)
    for i in np.flatnonzero(problem.required):
        for j in np.flatnonzero(cp.hard[i]):
            m.forbid(int(j))
    _surplus_rows(m, problem, z)
    _approval_rows(m, problem, z, z_hi, q_of)
    return m, z, [v for _, v in qmv]


def build_model(problem: SearchProblem, rows: Rows | None = None) -> MaxMinModel:
    """The MILP of :func:`solve_maxmin`, step by step (see the module docstring); ``rows``: what
    :func:`maxmin_rows` returned for ``problem``, when the caller has it (not changed)."""
    m, z, q_voters = maxmin_rows(problem) if rows is None else rows
    utility = m.utility_matrix()
    program = m.arrays(_objective(utility, problem.counted, z), drop_implied=True)
    cp = problem.compiled
    return MaxMinModel(cp, program, utility, m.n_x, len(cp.interactions), q_voters, z, problem.aspiration.copy())


def z_bounds(m: PackageModel, aspiration: NDArray[np.float64], counted: NDArray[np.bool_]) -> tuple[float, float]:
    """z ∈ [min(min_i (u_lo_i − a_i), 0) − 1, min_{i ∈ S} (u_hi_i − a_i)] (tight big-M constants); z_hi = 1 when S
    is empty. The lower bound runs over every actor, not only S: a triggered unanimity voter outside S enters z too,
    and its surplus may be below every counted actor's."""
    z_hi = float((m.u_hi - aspiration)[counted].min()) if counted.any() else 1.0
    z_lo = min(float((m.u_lo - aspiration).min()), 0.0) - 1.0
    return z_lo, z_hi


def _surplus_rows(m: PackageModel, problem: SearchProblem, z: int) -> None:
    """z − U_i ≤ −a_i for every counted actor; U_p ≥ a_p − TOL for the proposer of ``self_floor``."""
    aspiration, sf = problem.aspiration, problem.self_floor
    for i in np.flatnonzero(problem.required):
        if sf is not None and i == sf:
            continue
        m.add_row({**m.utility(int(i), -1.0), z: 1.0}, -np.inf, -aspiration[i])
    if sf is not None:
        m.add_row(m.utility(sf), aspiration[sf] - TOL, np.inf)


def _approval_rows(
    m: PackageModel, problem: SearchProblem, z: int, z_hi: float, q_of: dict[tuple[int, int], int]
) -> None:
    """Each approval rule, in order: unanimity/contributors voters that are not required enter z when triggered
    and their hard red lines bind; QMV rules pass (:meth:`PackageModel.qmv_rows` at the aspirations)."""
    cp, aspiration, required = problem.compiled, problem.aspiration, problem.required
    for r, rule in enumerate(cp.rules):
        if rule.kind == "ratification":
            continue
        trig = m.trigger_terms(rule)
        if rule.kind in ("unanimity", "contributors"):
            for v in rule.voters:
                if required[v]:
                    continue
                big = max(z_hi - (m.u_lo[v] - aspiration[v]), 0.0)
                row = m.utility(int(v), -1.0)
                for j, one in trig.items():
                    row[j] = row.get(j, 0.0) + big * one
                row[z] = 1.0
                m.add_row(row, -np.inf, big - aspiration[v])
                m.voter_red_lines(trig, int(v))
        else:
            m.qmv_rows(rule, trig, aspiration, [q_of[(r, int(v))] for v in rule.voters], clipped=False)


def _objective(utility: NDArray[np.float64], counted: NDArray[np.bool_], z: int) -> NDArray[np.float64]:
    """c = −(z + ε mean_{i ∈ S} U_i) over the variables (HiGHS minimises)."""
    cost = np.zeros(utility.shape[1])
    cost[z] = -1.0
    cost -= EPS_TIE * utility[counted].sum(axis=0) / max(int(counted.sum()), 1)
    return cost


def relaxed_optimum(problem: SearchProblem, rows: Rows | None = None) -> float | None:
    """The optimum of :func:`solve_maxmin`'s objective, z + ε mean_{i ∈ S} U_i, over the LP relaxation of its MILP
    (every variable continuous): an upper bound of the MILP's optimum, from one LP. None when the LP is
    infeasible (then so is the MILP). ``rows``: as for :func:`build_model`."""
    program = build_model(problem, rows).program
    h = replace(program, integer=np.zeros_like(program.integer)).load()
    h.run()
    x = highs.optimum(h)
    return None if x is None else float(-(program.c @ x))


def solve_maxmin(problem: SearchProblem, start: NDArray[np.int64] | None = None) -> SearchResult:
    """Best package of ``problem`` by the max–min surplus rule, or no package when nothing is feasible.

    The local search for HiGHS' first incumbent starts at ``start`` (the searcher passes the best package a branch
    and bound found before it gave up) or else at ``problem.base``; ``score`` is the optimal z."""
    model = build_model(problem)
    return model.solve(model.local_search(problem.base if start is None else start))
