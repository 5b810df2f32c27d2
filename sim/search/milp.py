"""The package space as a mixed-integer program, solved to optimality by HiGHS (``highspy``).

One binary x_j per option (flat index j), one-hot per clause. Everything the engine needs is linear in x:

- U_i(x) = Σ_j (w_i v_ij − penalty_ij) x_j + Σ_t value_t y_t, with y_t = Π_k [clause k in its set] linearised
  (y ≤ s_k, y ≥ Σ_k s_k − (K − 1), s_k = Σ_{j allowed} x_j);
- a constraint "if A1 … AK then B": Σ_k s_{A_k} − s_B ≤ K − 1 for each required condition B;
- an approval rule's trigger τ_r = Σ_{j ∈ trigger_r} x_j.

:func:`solve_maxmin` maximises z + ε Σ_{i ∈ S} U_i subject to z ≤ U_i − a_i for every required actor (signatories
always, voters of unanimity/contributors rules when triggered: z ≤ U_v − a_v + M (1 − τ_r)), QMV thresholds with
binary approvals, and hard red lines (a signatory's always, a voter's whenever its rule is triggered: the linkage
of REPORT §D.4). The optimum is exact for the linear utility; the engine re-scores it with the true (clipped)
utility. The small ε tie-break picks a Pareto-efficient package among max–min optima.

Speed (see ``docs/performance.md``): the model is a few dozen binaries, so HiGHS' fixed MIP cost dominates; most
of it is spent finding a first incumbent. :func:`solve_maxmin` therefore hands HiGHS a start package found by a
steepest-ascent local search over single-clause changes (a pure function of the inputs, so a run's result never
depends on which runs came before in the process). The start only prunes the search: the optimum is proved by
HiGHS with a zero relative gap (absolute gap ``sim.core.tolerances.MIP_GAP``), so the answer is the exact optimum.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.core.compiled import Compiled, Condition
from sim.core.tolerances import EPS_TIE
from sim.core.tolerances import TOL as FEAS_TOL
from sim.core.utility import holds
from sim.search import highs
from sim.search.problem import SearchProblem, SearchResult


@dataclass
class Problem:
    """Variables: [x (O) | y (T interactions) | q (Q qmv approvals) | z]."""

    cp: Compiled
    n_x: int
    n_y: int
    qmv: list[tuple[int, int]]  # (rule index, voter actor) per q variable

    @property
    def n(self) -> int:
        return self.n_x + self.n_y + len(self.qmv) + 1

    @property
    def z(self) -> int:
        return self.n - 1


@dataclass
class Model:
    """min c·v s.t. lo ≤ A v ≤ hi, lb ≤ v ≤ ub, v integral where ``integrality`` (v = [x | y | q | z])."""

    P: Problem
    U: NDArray[np.float64]  # (A, n) linear utilities
    c: NDArray[np.float64]
    A: NDArray[np.float64]
    lo: NDArray[np.float64]
    hi: NDArray[np.float64]
    lb: NDArray[np.float64]
    ub: NDArray[np.float64]
    integrality: NDArray[np.bool_]
    aspiration: NDArray[np.float64]

    def vectors(self, packages: NDArray[np.int64]) -> NDArray[np.float64]:
        """(N, n) the best variable vector of each package: y and q follow x, z is as large as the rows allow."""
        P, cp = self.P, self.P.cp
        N = packages.shape[0]
        V = np.zeros((N, P.n))
        flat = packages + cp.offsets[None, :]
        V[np.arange(N)[:, None], flat] = 1.0
        for t, it in enumerate(cp.interactions):
            V[:, P.n_x + t] = holds(it.when, packages)
        for k, (_, v) in enumerate(P.qmv):
            u = V @ self.U[v]
            V[:, P.n_x + P.n_y + k] = (u >= self.aspiration[v] - FEAS_TOL) & ~cp.hard[v, flat].any(axis=1)
        zrows = self.A[:, P.z] > 0
        slack = (self.hi[zrows, None] - self.A[zrows] @ V.T) / self.A[zrows, P.z][:, None]
        V[:, P.z] = np.minimum(self.ub[P.z], slack.min(axis=0, initial=np.inf))
        return V

    def evaluate(self, packages: NDArray[np.int64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """(objective to maximise, total violation of rows and bounds) of each package's best vector."""
        V = self.vectors(packages)
        AV = V @ self.A.T
        viol = np.maximum(self.lo[None, :] - AV, 0.0).sum(axis=1) + np.maximum(AV - self.hi[None, :], 0.0).sum(axis=1)
        viol += np.maximum(self.lb - V, 0.0).sum(axis=1) + np.maximum(V - self.ub, 0.0).sum(axis=1)
        return -(V @ self.c), viol

    def local_search(self, start: NDArray[np.int64], max_steps: int = 100) -> NDArray[np.int64]:
        """Steepest ascent over single-clause changes (infeasibility penalised); deterministic."""
        cp = self.P.cp
        moves = [(c, k) for c in range(cp.n_clauses) for k in range(cp.n_options[c]) if self.ub[cp.offsets[c] + k] > 0]
        if not moves:
            return start.copy()
        mc = np.array([m[0] for m in moves], dtype=np.int64)
        mk = np.array([m[1] for m in moves], dtype=np.int64)
        x = start.copy()
        obj, viol = self.evaluate(x[None, :])
        best = float(obj[0] - 1e3 * viol[0])
        for _ in range(max_steps):
            cand = np.repeat(x[None, :], len(moves), axis=0)
            cand[np.arange(len(moves)), mc] = mk
            obj, viol = self.evaluate(cand)
            key = obj - 1e3 * viol
            j = int(np.argmax(key))
            if key[j] <= best + 1e-12:
                break
            x, best = cand[j], float(key[j])
        return x

    def solve(self, start: NDArray[np.int64] | None = None) -> tuple[NDArray[np.int64] | None, float]:
        """Solve with HiGHS (``start``: a package whose feasible vector is passed as the incumbent)."""
        P, cp = self.P, self.P.cp
        h = highs.load(self.c, self.A, self.lo, self.hi, self.lb, self.ub, self.integrality)
        if start is not None:
            v = self.vectors(start[None, :])
            if self.evaluate(start[None, :])[1][0] <= FEAS_TOL:
                h.setSolution(P.n, np.arange(P.n, dtype=np.int32), v[0])
        h.run()
        xs = highs.optimum(h)
        if xs is None:
            return None, -np.inf
        pkg = np.array(
            [int(np.argmax(xs[cp.offsets[c] : cp.offsets[c] + cp.n_options[c]])) for c in range(cp.n_clauses)],
            dtype=np.int64,
        )
        return pkg, float(xs[P.z])


def _cond_row(row: NDArray[np.float64], cp: Compiled, cond: Condition, coef: float = 1.0) -> None:
    start = cp.offsets[cond.clause]
    row[start : start + cp.n_options[cond.clause]] += coef * cond.allowed


def utility_rows(cp: Compiled, values: NDArray[np.float64], n: int) -> NDArray[np.float64]:
    """(A, n) coefficients of each actor's linear utility over the MILP variables."""
    rows = np.zeros((cp.n_actors, n))
    rows[:, : values.shape[1]] = values - cp.penalty
    for t, it in enumerate(cp.interactions):
        rows[it.actor, values.shape[1] + t] += it.value
    return rows


def build_model(
    cp: Compiled,
    values: NDArray[np.float64],
    aspiration: NDArray[np.float64],
    required: NDArray[np.bool_],
    free: NDArray[np.bool_],
    base: NDArray[np.int64],
    self_floor: int | None = None,
) -> Model:
    """The MILP of :func:`solve_maxmin` as dense arrays (small: one column per option)."""
    O = int(cp.n_options.sum())
    T = len(cp.interactions)
    qmv = [(r, int(v)) for r, rule in enumerate(cp.rules) if rule.kind == "qmv" for v in rule.voters]
    P = Problem(cp, O, T, qmv)
    n = P.n
    U = utility_rows(cp, values, n)
    # Tight big-M constants: bounds of each linear utility over the whole space.
    umin = np.zeros(cp.n_actors)
    umax = np.zeros(cp.n_actors)
    for c in range(cp.n_clauses):
        block = U[:, cp.offsets[c] : cp.offsets[c] + cp.n_options[c]]
        umin += block.min(axis=1)
        umax += block.max(axis=1)
    for it in cp.interactions:
        umin[it.actor] += min(it.value, 0.0)
        umax[it.actor] += max(it.value, 0.0)
    counted = required.copy()
    if self_floor is not None:
        counted[self_floor] = False
    z_hi = float((umax - aspiration)[counted].min()) if counted.any() else 1.0
    z_lo = float((umin - aspiration)[counted].min()) - 1.0 if counted.any() else -1.0
    rows: list[NDArray[np.float64]] = []
    lo: list[float] = []
    hi: list[float] = []

    def add(row: NDArray[np.float64], lb: float, ub: float) -> None:
        rows.append(row)
        lo.append(lb)
        hi.append(ub)

    lb = np.zeros(n)
    ub = np.ones(n)
    lb[P.z], ub[P.z] = z_lo, z_hi
    for c in range(cp.n_clauses):
        row = np.zeros(n)
        row[cp.offsets[c] : cp.offsets[c] + cp.n_options[c]] = 1
        add(row, 1, 1)
        if not free[c]:
            ub[cp.offsets[c] : cp.offsets[c] + cp.n_options[c]] = 0
            ub[cp.offsets[c] + base[c]] = 1
    for i in np.flatnonzero(required):
        ub[:O][cp.hard[i]] = 0
    for t, it in enumerate(cp.interactions):
        for cond in it.when:
            row = np.zeros(n)
            row[O + t] = 1
            _cond_row(row, cp, cond, -1.0)
            add(row, -np.inf, 0)
        row = np.zeros(n)
        row[O + t] = -1
        for cond in it.when:
            _cond_row(row, cp, cond)
        add(row, -np.inf, len(it.when) - 1)
    for con in cp.constraints:
        for req in con.require:
            row = np.zeros(n)
            for cond in con.if_:
                _cond_row(row, cp, cond)
            _cond_row(row, cp, req, -1.0)
            add(row, -np.inf, len(con.if_) - 1)
    for i in np.flatnonzero(required):
        if self_floor is not None and i == self_floor:
            continue
        row = -U[i].copy()
        row[P.z] = 1
        add(row, -np.inf, -aspiration[i])
    if self_floor is not None:
        add(U[self_floor].copy(), aspiration[self_floor] - 1e-9, np.inf)
    qpos = O + T
    for r, rule in enumerate(cp.rules):
        if rule.kind == "ratification":
            continue
        trig = np.zeros(n)
        trig[cp.offsets[rule.clause] : cp.offsets[rule.clause] + cp.n_options[rule.clause]] = rule.trigger
        if rule.kind in ("unanimity", "contributors"):
            for v in rule.voters:
                if required[v]:
                    continue
                m_v = max(z_hi - (umin[v] - aspiration[v]), 0.0)
                row = -U[v] + m_v * trig
                row[P.z] += 1
                add(row, -np.inf, m_v - aspiration[v])
                for j in np.flatnonzero(cp.hard[v]):
                    row = trig.copy()
                    row[j] += 1
                    add(row, -np.inf, 1)
        else:  # qmv
            m_row = np.zeros(n)
            p_row = np.zeros(n)
            for k, v in enumerate(rule.voters):
                q = qpos + next(i for i, (rr, vv) in enumerate(qmv) if rr == r and vv == v)
                m_v = max(aspiration[v] - umin[v], 0.0)
                row = U[v].copy()
                row[q] -= m_v
                add(row, aspiration[v] - m_v, np.inf)  # q = 1 -> U_v >= a_v
                for j in np.flatnonzero(cp.hard[v]):
                    row = np.zeros(n)
                    row[q] = 1
                    row[j] = 1
                    add(row, -np.inf, 1)
                m_row[q] = rule.members[k]
                p_row[q] = rule.population[k]
            add(m_row - rule.member_share * rule.members.sum() * trig, -1e-9, np.inf)
            add(p_row - rule.population_share * rule.population.sum() * trig, -1e-9, np.inf)
    cost = np.zeros(n)
    cost[P.z] = -1.0
    sig = required.copy()
    if self_floor is not None:
        sig[self_floor] = False
    cost -= EPS_TIE * U[sig].sum(axis=0) / max(int(sig.sum()), 1)
    integrality = np.zeros(n, dtype=bool)
    integrality[:O] = True
    integrality[qpos : qpos + len(qmv)] = True
    return Model(P, U, cost, np.vstack(rows), np.array(lo), np.array(hi), lb, ub, integrality, aspiration.copy())


def solve_maxmin(problem: SearchProblem) -> SearchResult:
    """Best package of ``problem`` by the max–min surplus rule, or no package when nothing is feasible.

    The local search for HiGHS' first incumbent starts at ``problem.base``; ``score`` is the optimal z."""
    p = problem
    model = build_model(p.compiled, p.values, p.aspiration, p.required, p.free, p.base, p.self_floor)
    pkg, z = model.solve(model.local_search(p.base))
    return SearchResult.none("milp") if pkg is None else SearchResult(pkg, z, "milp")
