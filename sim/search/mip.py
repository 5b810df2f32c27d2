"""A reusable mixed-integer model of the package space (HiGHS through ``scipy.optimize.milp``).

Variables: x_j ∈ {0, 1} per option (one-hot per clause), y_t ∈ [0, 1] per interaction term (linearised AND of its
conditions), and any extra variables a caller adds (bounds, integrality, cost). Rows are kept as dense vectors
(the models are small: tens to a few hundred variables) and passed to HiGHS as a sparse matrix.

Linear pieces, all exact on the integer points:

- utility of actor i: Σ_j (w_i v_ij − penalty_ij) x_j + Σ_t value_t y_t (unclipped);
- constraint "if A1 … AK then B": Σ_k s_{A_k} − s_B ≤ K − 1 where s_C = Σ_{j allowed by C} x_j;
- approval rule r triggered: τ_r = Σ_{j ∈ trigger_r} x_j; a voter v must accept when triggered:
  U_v − a_v ≥ −M_v (1 − τ_r); a hard red line of v: x_j + τ_r ≤ 1; QMV with binaries q_v.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from sim.core.compiled import Compiled, Condition
from sim.core.tolerances import MIP_FEASIBILITY
from sim.search import highs

FloatA = NDArray[np.float64]
TOLERANCES = {"mip_feasibility_tolerance": MIP_FEASIBILITY, "primal_feasibility_tolerance": MIP_FEASIBILITY}


@dataclass
class PackageModel:
    """The package space of ``cp`` as MILP rows; add rows and variables, then :meth:`solve`."""

    cp: Compiled
    values: FloatA | None = None
    lb: list[float] = field(default_factory=list)
    ub: list[float] = field(default_factory=list)
    integer: list[bool] = field(default_factory=list)
    rows: list[tuple[dict[int, float], float, float]] = field(default_factory=list)

    def __post_init__(self) -> None:
        cp = self.cp
        self.wv = cp.wvalues if self.values is None else self.values
        self.n_x = int(cp.n_options.sum())
        for _ in range(self.n_x):
            self.add_var(0, 1, True)
        self.y0 = len(self.lb)
        for _ in cp.interactions:
            self.add_var(0, 1, False)
        for c in range(cp.n_clauses):
            self.add_row({j: 1.0 for j in self.clause_vars(c)}, 1, 1)
        for t, it in enumerate(cp.interactions):
            for cond in it.when:
                self.add_row({self.y0 + t: 1.0, **self.cond_terms(cond, -1.0)}, -np.inf, 0)
            both: dict[int, float] = {self.y0 + t: -1.0}
            for cond in it.when:
                _merge(both, self.cond_terms(cond))
            self.add_row(both, -np.inf, len(it.when) - 1)
        for con in cp.constraints:
            for req in con.require:
                row: dict[int, float] = {}
                for cond in con.if_:
                    _merge(row, self.cond_terms(cond))
                _merge(row, self.cond_terms(req, -1.0))
                self.add_row(row, -np.inf, len(con.if_) - 1)
        u = np.zeros((cp.n_actors, self.n_x + len(cp.interactions)))
        u[:, : self.n_x] = self.wv - cp.penalty
        for t, it in enumerate(cp.interactions):
            u[it.actor, self.n_x + t] += it.value
        self._u = u
        lo = np.zeros(cp.n_actors)
        hi = np.zeros(cp.n_actors)
        for c in range(cp.n_clauses):
            block = u[:, self.clause_vars(c)]
            lo += block.min(axis=1)
            hi += block.max(axis=1)
        for it in cp.interactions:
            lo[it.actor] += min(it.value, 0.0)
            hi[it.actor] += max(it.value, 0.0)
        self.u_lo, self.u_hi = lo, hi

    # -- building blocks ------------------------------------------------------------------------------------
    def add_var(self, lb: float, ub: float, integer: bool = False) -> int:
        self.lb.append(lb)
        self.ub.append(ub)
        self.integer.append(integer)
        return len(self.lb) - 1

    def add_row(self, terms: dict[int, float], lo: float, hi: float) -> None:
        self.rows.append((terms, lo, hi))

    def clause_vars(self, c: int) -> range:
        start = int(self.cp.offsets[c])
        return range(start, start + int(self.cp.n_options[c]))

    def cond_terms(self, cond: Condition, coef: float = 1.0) -> dict[int, float]:
        start = int(self.cp.offsets[cond.clause])
        return {start + int(k): coef for k in np.flatnonzero(cond.allowed)}

    def utility(self, i: int, scale: float = 1.0) -> dict[int, float]:
        """Terms of actor i's (unclipped) utility."""
        return {j: scale * float(v) for j, v in enumerate(self._u[i]) if v != 0.0}

    def forbid(self, j: int) -> None:
        self.ub[j] = 0.0

    def fix(self, c: int, k: int) -> None:
        for j in self.clause_vars(c):
            self.ub[j] = 1.0 if j == int(self.cp.offsets[c]) + k else 0.0

    def at_least(self, i: int, level: float) -> None:
        """clip(U_i, 0, 1) ≥ level: nothing to add when level ≤ 0, infeasible when level > 1."""
        if level <= 0.0:
            return
        self.add_row(self.utility(i), level, np.inf if level <= 1.0 else -np.inf)

    def clipped(self, i: int) -> int:
        """A variable u ≤ clip(U_i, 0, 1) = min(1, max(0, U_i)), tight at a maximum: u ≤ 1 and the disjunction
        u ≤ U_i or u ≤ 0 with one binary b (u − U_i ≤ M b, u ≤ M (1 − b))."""
        big = 2.0 + abs(float(self.u_lo[i])) + abs(float(self.u_hi[i]))
        u = self.add_var(min(float(self.u_lo[i]), 0.0) - 1.0, 1.0)
        b = self.add_var(0, 1, True)
        row = {k: -v for k, v in self.utility(i).items()}
        row[u] = 1.0
        row[b] = -big
        self.add_row(row, -np.inf, 0.0)
        self.add_row({u: 1.0, b: big}, -np.inf, big)
        return u

    def signatories_individually_rational(self, reservation: FloatA) -> None:
        """Every signatory: no hard red line, U_i ≥ R_i."""
        for i in np.flatnonzero(self.cp.signatory):
            for j in np.flatnonzero(self.cp.hard[i]):
                self.forbid(int(j))
            self.at_least(int(i), float(reservation[i]))

    def approvals(self, reservation: FloatA) -> None:
        """Every triggered approval rule passes with voters accepting iff U_v ≥ R_v and no hard red line hit."""
        cp = self.cp
        for rule in cp.rules:
            if rule.kind == "ratification":
                continue
            trig = {int(cp.offsets[rule.clause]) + int(k): 1.0 for k in np.flatnonzero(rule.trigger)}
            if rule.kind in ("unanimity", "contributors"):
                for v in rule.voters:
                    m = max(float(reservation[v] - self.u_lo[v]), 0.0)
                    row = self.utility(int(v))
                    for j, one in trig.items():
                        row[j] = row.get(j, 0.0) - m * one
                    if reservation[v] > 1.0:  # the voter can never accept: the rule must not trigger
                        self.add_row(trig, -np.inf, 0)
                    elif reservation[v] > 0.0:  # (at or below zero the clipped utility always reaches it)
                        self.add_row(row, float(reservation[v]) - m, np.inf)
                    for jj in np.flatnonzero(cp.hard[v]):
                        r2 = dict(trig)
                        r2[int(jj)] = r2.get(int(jj), 0.0) + 1.0
                        self.add_row(r2, -np.inf, 1)
            else:
                m_row: dict[int, float] = {j: -rule.member_share * rule.members.sum() for j in trig}
                p_row: dict[int, float] = {j: -rule.population_share * rule.population.sum() for j in trig}
                for k, v in enumerate(rule.voters):
                    q = self.add_var(0, 1, True)
                    if reservation[v] <= 0.0:  # the clipped utility always reaches it: q free
                        m_row[q] = float(rule.members[k])
                        p_row[q] = float(rule.population[k])
                        for jj in np.flatnonzero(cp.hard[v]):
                            self.add_row({q: 1.0, int(jj): 1.0}, -np.inf, 1)
                        continue
                    m = max(float(reservation[v] - self.u_lo[v]), 0.0)
                    row = self.utility(int(v))
                    row[q] = -m
                    self.add_row(row, float(reservation[v]) - m, np.inf)
                    for jj in np.flatnonzero(cp.hard[v]):
                        self.add_row({q: 1.0, int(jj): 1.0}, -np.inf, 1)
                    m_row[q] = float(rule.members[k])
                    p_row[q] = float(rule.population[k])
                self.add_row(m_row, -1e-9, np.inf)
                self.add_row(p_row, -1e-9, np.inf)

    # -- solving ---------------------------------------------------------------------------------------------
    def solve(self, cost: dict[int, float], maximize: bool = True) -> tuple[NDArray[np.int64] | None, FloatA | None]:
        """Optimise ``cost``; returns (package, variable values) or (None, None) when infeasible."""
        n = len(self.lb)
        c = np.zeros(n)
        for j, v in cost.items():
            c[j] = -v if maximize else v
        A = np.zeros((len(self.rows), n))
        lo = np.empty(len(self.rows))
        hi = np.empty(len(self.rows))
        for r, (terms, a, b) in enumerate(self.rows):
            for j, v in terms.items():
                A[r, j] += v
            lo[r], hi[r] = a, b
        x = solve_highs(c, A, lo, hi, np.array(self.lb), np.array(self.ub), np.array(self.integer))
        if x is None:
            return None, None
        pkg = np.array([int(np.argmax(x[list(self.clause_vars(k))])) for k in range(self.cp.n_clauses)])
        return pkg.astype(np.int64), x


def solve_highs(
    c: FloatA, A: FloatA, lo: FloatA, hi: FloatA, lb: FloatA, ub: FloatA, integer: NDArray[np.bool_]
) -> FloatA | None:
    """Minimise c·x subject to lo ≤ A x ≤ hi, lb ≤ x ≤ ub, x_j integer where ``integer``; None if not optimal.

    Solved to optimality (relative gap 0) by HiGHS through ``highspy``, quietly.
    """

    h = highs.load(c, A, lo, hi, lb, ub, integer, TOLERANCES)
    h.run()
    return highs.optimum(h)


def _merge(into: dict[int, float], terms: dict[int, float]) -> None:
    for j, v in terms.items():
        into[j] = into.get(j, 0.0) + v
