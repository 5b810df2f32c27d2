"""The package space as a mixed-integer program: one builder for the mediator's max–min MILP
(:mod:`sim.search.milp`) and the outcome-space analysis (:mod:`sim.analysis.bargaining`), solved by HiGHS.

Variables: x_j ∈ {0, 1} per option (flat index j, one-hot per clause), y_t ∈ [0, 1] per interaction term
(linearised AND of its conditions), and any extra variables a caller adds (bounds, integrality, cost). Rows are
kept as sparse dicts {variable: coefficient} (the models are small: tens to a few hundred variables), assembled
into one dense matrix (:meth:`PackageModel.arrays`) and handed to HiGHS column-wise by
:func:`sim.search.highs.load`.

Linear pieces, all exact on the integer points, in the order the builder adds them:

1. variables x, y (:meth:`PackageModel._add_option_variables`);
2. one-hot rows: Σ_{j ∈ clause c} x_j = 1 (:meth:`PackageModel._add_one_hot_rows`);
3. interactions: y_t ≤ s_k for each condition k and y_t ≥ Σ_k s_k − (K − 1), where s_C = Σ_{j allowed by C} x_j
   (:meth:`PackageModel._add_interaction_rows`);
4. constraints "if A1 … AK then B": Σ_k s_{A_k} − s_B ≤ K − 1 (:meth:`PackageModel._add_constraint_rows`);
5. utility of actor i: U_i = Σ_j (w_i v_ij − penalty_ij) x_j + Σ_t value_t y_t (unclipped), with its bounds over the
   whole space u_lo_i ≤ U_i ≤ u_hi_i (:meth:`PackageModel._utility_table`), the big-M constants of the rows below;
6. approval rules (added by the caller): rule r triggered τ_r = Σ_{j ∈ trigger_r} x_j; a hard red line of a voter v
   binds when triggered, x_j + τ_r ≤ 1 (:meth:`PackageModel.voter_red_lines`); QMV with one binary approval q_v per
   voter, U_v − M_v q_v ≥ ℓ_v − M_v (q_v = 1 ⇒ U_v ≥ ℓ_v), M_v = max(ℓ_v − u_lo_v, 0), and the thresholds
   Σ_v members_v q_v ≥ share · Σ members · τ_r − TOL, the same for population (:meth:`PackageModel.qmv_rows`);
   k_of_n the same way, Σ_v q_v ≥ k · τ_r − TOL and q_v ≥ τ_r for each veto voter v;
   unanimity under the analysis' reading in :meth:`PackageModel.approvals`;
7. the objective, given to :meth:`PackageModel.solve` (or as a dense vector to :meth:`PackageModel.arrays`).

The mediator's programs reach HiGHS without their *implied* rows (``arrays(c, drop_implied=True)``,
:meth:`PackageModel.implied_rows`): rows that every point of the one-hot rows and the bounds satisfies, such as the
gated rows of an approval rule whose trigger options a pattern or the agenda forbids. HiGHS runs without presolve
(:mod:`sim.search.highs`), so it would otherwise carry them through every node (docs/performance.md, "Implied rows
dropped").
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.core.compiled import Compiled, Condition, Rule
from sim.core.tolerances import MIP_FEASIBILITY, TOL
from sim.search import highs

FloatA = NDArray[np.float64]
Terms = dict[int, float]
TOLERANCES = {"mip_feasibility_tolerance": MIP_FEASIBILITY, "primal_feasibility_tolerance": MIP_FEASIBILITY}
IMPLIED_TOL = 1e-12
"""A row is implied when its activity bound is within this of its side: a thousandth of HiGHS's feasibility
tolerance (``MIP_FEASIBILITY``), which already lets any row be missed by that much; it covers the rounding of the
bound's sum."""


@dataclass(frozen=True, eq=False)
class MipArrays:
    """min c·v s.t. lo ≤ A v ≤ hi, lb ≤ v ≤ ub, v_j integral where ``integer``: what :func:`highs.load` takes."""

    c: FloatA
    A: FloatA
    lo: FloatA
    hi: FloatA
    lb: FloatA
    ub: FloatA
    integer: NDArray[np.bool_]

    def load(self, options: dict[str, Any] | None = None) -> Any:
        """A HiGHS instance holding this program (see :func:`sim.search.highs.load`)."""
        return highs.load(self.c, self.A, self.lo, self.hi, self.lb, self.ub, self.integer, options)


@dataclass
class PackageModel:
    """The package space of ``compiled`` as MILP rows (steps 1–5 of the module docstring, in that order); add
    variables and rows, then :meth:`solve` or :meth:`arrays`. ``values``: (A, O) the weighted option values
    (default ``compiled.wvalues``)."""

    compiled: Compiled
    values: FloatA | None = None
    lb: list[float] = field(default_factory=list)
    ub: list[float] = field(default_factory=list)
    integer: list[bool] = field(default_factory=list)
    rows: list[tuple[Terms, float, float]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.option_values = self.compiled.wvalues if self.values is None else self.values
        self.n_x = int(self.compiled.n_options.sum())
        self._add_option_variables()
        self._add_one_hot_rows()
        self._add_interaction_rows()
        self._add_constraint_rows()
        self._utility_table()

    # -- steps 1-5 -------------------------------------------------------------------------------------------
    def _add_option_variables(self) -> None:
        """x (binary, one per option), then y (continuous in [0, 1], one per interaction term) from ``y0``."""
        for _ in range(self.n_x):
            self.add_var(0, 1, True)
        self.y0 = len(self.lb)
        for _ in self.compiled.interactions:
            self.add_var(0, 1, False)

    def _add_one_hot_rows(self) -> None:
        for c in range(self.compiled.n_clauses):
            self.add_row({j: 1.0 for j in self.clause_vars(c)}, 1, 1)

    def _add_interaction_rows(self) -> None:
        for t, it in enumerate(self.compiled.interactions):
            for cond in it.when:
                self.add_row({self.y0 + t: 1.0, **self.cond_terms(cond, -1.0)}, -np.inf, 0)
            both: Terms = {self.y0 + t: -1.0}
            for cond in it.when:
                _merge(both, self.cond_terms(cond))
            self.add_row(both, -np.inf, len(it.when) - 1)

    def _add_constraint_rows(self) -> None:
        for con in self.compiled.constraints:
            for req in con.require:
                row: Terms = {}
                for cond in con.if_:
                    _merge(row, self.cond_terms(cond))
                _merge(row, self.cond_terms(req, -1.0))
                self.add_row(row, -np.inf, len(con.if_) - 1)

    def _utility_table(self) -> None:
        """``_u`` (A, n_x + T) the utility coefficients over x and y; ``u_lo``, ``u_hi`` (A,) each actor's smallest
        and largest utility over the space (per clause its worst/best option, plus its negative/positive terms)."""
        cp = self.compiled
        u = np.zeros((cp.n_actors, self.n_x + len(cp.interactions)))
        u[:, : self.n_x] = self.option_values - cp.penalty
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
    @property
    def n(self) -> int:
        """The number of variables so far."""
        return len(self.lb)

    def add_var(self, lb: float, ub: float, integer: bool = False) -> int:
        self.lb.append(lb)
        self.ub.append(ub)
        self.integer.append(integer)
        return len(self.lb) - 1

    def add_row(self, terms: Terms, lo: float, hi: float) -> None:
        self.rows.append((terms, lo, hi))

    def copy(self) -> PackageModel:
        """A model with the same variables and rows, to which more can be added without changing this one (the
        rows' terms and the utility table are shared: neither is changed after it is added)."""
        out = copy.copy(self)
        out.lb, out.ub, out.integer, out.rows = list(self.lb), list(self.ub), list(self.integer), list(self.rows)
        return out

    def clause_vars(self, c: int) -> range:
        start = int(self.compiled.offsets[c])
        return range(start, start + int(self.compiled.n_options[c]))

    def cond_terms(self, cond: Condition, coef: float = 1.0) -> Terms:
        """coef · s_C: the x of the options the condition allows."""
        start = int(self.compiled.offsets[cond.clause])
        return {start + int(k): coef for k in np.flatnonzero(cond.allowed)}

    def utility(self, i: int, scale: float = 1.0) -> Terms:
        """Terms of scale · U_i (unclipped)."""
        row = self._u[i]
        nonzero = np.flatnonzero(row)
        return dict(zip(nonzero.tolist(), (scale * row[nonzero]).tolist(), strict=True))

    def utility_matrix(self) -> FloatA:
        """(A, n) the utility coefficients over every variable so far (zero beyond x and y)."""
        out = np.zeros((self.compiled.n_actors, self.n))
        out[:, : self._u.shape[1]] = self._u
        return out

    def forbid(self, j: int) -> None:
        self.ub[j] = 0.0

    def keep_base(self, free: NDArray[np.bool_], base: NDArray[np.int64]) -> None:
        """Every clause that is not free keeps its ``base`` option (the others' x bounded to 0)."""
        for c in np.flatnonzero(~free):
            for j in self.clause_vars(int(c)):
                self.ub[j] = 0.0
            self.ub[int(self.compiled.offsets[c] + base[c])] = 1.0

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

    # -- step 6: approval rules -----------------------------------------------------------------------------
    def trigger_terms(self, rule: Rule) -> Terms:
        """τ_r: the x of the options that trigger the rule."""
        start = int(self.compiled.offsets[rule.clause])
        return {start + int(k): 1.0 for k in np.flatnonzero(rule.trigger)}

    def voter_red_lines(self, gate: Terms, v: int) -> None:
        """gate + x_j ≤ 1 for every hard red line j of actor v (gate: τ_r, or a QMV approval q_v)."""
        for j in np.flatnonzero(self.compiled.hard[v]):
            row = dict(gate)
            row[int(j)] = row.get(int(j), 0.0) + 1.0
            self.add_row(row, -np.inf, 1)

    def qmv_rows(self, rule: Rule, trig: Terms, level: FloatA, q_vars: list[int], clipped: bool) -> None:
        """A triggered QMV rule passes: approvals q_v (variables ``q_vars``, one per voter) with q_v = 1 only if
        U_v ≥ ℓ_v and no hard red line of v is hit; the member and population thresholds (step 6). ``clipped``:
        ℓ_v is met by the clipped utility, so at ℓ_v ≤ 0 q_v needs no utility row."""
        if rule.kind == "k_of_n":
            m_row: Terms = {j: -float(rule.k) for j in trig}
        else:
            m_row = {j: -rule.member_share * rule.members.sum() for j in trig}
        p_row: Terms = {j: -rule.population_share * rule.population.sum() for j in trig}
        for k, v in enumerate(rule.voters):
            q = q_vars[k]
            if not (clipped and level[v] <= 0.0):
                big = max(float(level[v] - self.u_lo[v]), 0.0)
                row = self.utility(int(v))
                row[q] = -big
                self.add_row(row, float(level[v]) - big, np.inf)
            self.voter_red_lines({q: 1.0}, int(v))
            m_row[q] = 1.0 if rule.kind == "k_of_n" else float(rule.members[k])
            p_row[q] = float(rule.population[k])
            if rule.kind == "k_of_n" and rule.veto[k]:  # a veto voter approves whenever the rule is triggered
                self.add_row({q: 1.0, **{j: -one for j, one in trig.items()}}, 0.0, np.inf)
        self.add_row(m_row, -TOL, np.inf)
        if rule.kind != "k_of_n":
            self.add_row(p_row, -TOL, np.inf)

    def approvals(self, reservation: FloatA) -> None:
        """Every triggered approval rule passes with voters accepting iff clip(U_v, 0, 1) ≥ R_v and no hard red line
        is hit. Unanimity: U_v − M_v τ_r ≥ R_v − M_v (none needed at R_v ≤ 0; τ_r = 0 at R_v > 1)."""
        for rule in self.compiled.rules:
            if rule.kind == "ratification":
                continue
            trig = self.trigger_terms(rule)
            if rule.kind in ("unanimity", "contributors"):
                for v in rule.voters:
                    big = max(float(reservation[v] - self.u_lo[v]), 0.0)
                    row = self.utility(int(v))
                    for j, one in trig.items():
                        row[j] = row.get(j, 0.0) - big * one
                    if reservation[v] > 1.0:  # the voter can never accept: the rule must not trigger
                        self.add_row(trig, -np.inf, 0)
                    elif reservation[v] > 0.0:  # (at or below zero the clipped utility always reaches it)
                        self.add_row(row, float(reservation[v]) - big, np.inf)
                    self.voter_red_lines(trig, int(v))
            else:
                q_vars = [self.add_var(0, 1, True) for _ in rule.voters]
                self.qmv_rows(rule, trig, reservation, q_vars, clipped=True)

    # -- step 7: objective and solving ----------------------------------------------------------------------
    def arrays(self, c: FloatA, drop_implied: bool = False) -> MipArrays:
        """The program as dense arrays, minimising ``c`` (n,); ``drop_implied``: without the rows
        :meth:`implied_rows` finds (the same program)."""
        sizes = [len(terms) for terms, _, _ in self.rows]
        at_row = np.repeat(np.arange(len(self.rows)), sizes)
        at_col = np.fromiter((j for terms, _, _ in self.rows for j in terms), np.int64, sum(sizes))
        coef = np.fromiter((v for terms, _, _ in self.rows for v in terms.values()), np.float64, sum(sizes))
        A = np.zeros((len(self.rows), self.n))
        A[at_row, at_col] += coef  # a dict holds each variable once: no repeated (row, column)
        lo = np.array([a for _, a, _ in self.rows], dtype=np.float64)
        hi = np.array([b for _, _, b in self.rows], dtype=np.float64)
        lb, ub = np.array(self.lb), np.array(self.ub)
        if drop_implied:
            keep = ~self.implied_rows(A, lo, hi, lb, ub)
            A, lo, hi = A[keep], lo[keep], hi[keep]
        return MipArrays(c, A, lo, hi, lb, ub, np.array(self.integer))

    def implied_rows(self, A: FloatA, lo: FloatA, hi: FloatA, lb: FloatA, ub: FloatA) -> NDArray[np.bool_]:
        """(rows,) the rows after the one-hot ones (step 2) that every point of the one-hot rows and the bounds
        satisfies, to ``IMPLIED_TOL``: their activity a·v lies in [lo, hi] whatever v, bounded per clause by the
        largest and smallest coefficient among the options it still allows (ub > 0; Σ_{j ∈ c} x_j = 1 makes a·x over
        the clause a convex combination of them) and for the other variables by their bounds. They cut off no
        package and no point of the LP relaxation, so the program without them is the same program; HiGHS, run
        without presolve, would otherwise carry them (the gated rows of an approval rule whose trigger options are
        all forbidden, a hard red line's row on a forbidden option, an interaction over fixed clauses)."""
        cp = self.compiled
        top = np.zeros(A.shape[0])
        bottom = np.zeros(A.shape[0])
        for c in range(cp.n_clauses):
            js = np.asarray(self.clause_vars(c))
            block = A[:, js[ub[js] > 0]]
            if block.shape[1] == 0:  # no option left: an empty program, nothing is implied
                return np.zeros(A.shape[0], dtype=bool)
            top += block.max(axis=1)
            bottom += block.min(axis=1)
        rest = A[:, self.n_x :]
        lb_r, ub_r = lb[self.n_x :], ub[self.n_x :]
        pos, neg = rest > 0, rest < 0
        with np.errstate(invalid="ignore"):  # 0 · inf where a coefficient is zero: masked out below
            top += np.where(pos, rest * ub_r, 0.0).sum(axis=1) + np.where(neg, rest * lb_r, 0.0).sum(axis=1)
            bottom += np.where(pos, rest * lb_r, 0.0).sum(axis=1) + np.where(neg, rest * ub_r, 0.0).sum(axis=1)
        out = (top <= hi + IMPLIED_TOL) & (bottom >= lo - IMPLIED_TOL)
        out[: cp.n_clauses] = False  # the one-hot rows are what the bound stands on
        return out

    def package(self, x: FloatA) -> NDArray[np.int64]:
        """(C,) the option chosen in each clause of a solution vector."""
        chosen = [int(np.argmax(x[list(self.clause_vars(k))])) for k in range(self.compiled.n_clauses)]
        return np.array(chosen).astype(np.int64)

    def solve(self, cost: Terms, maximize: bool = True) -> tuple[NDArray[np.int64] | None, FloatA | None]:
        """Optimise ``cost`` (to optimality, relative gap 0, feasibility tolerances ``MIP_FEASIBILITY``); returns
        (package, variable values) or (None, None) when HiGHS proves no optimum."""
        c = np.zeros(self.n)
        for j, v in cost.items():
            c[j] = -v if maximize else v
        h = self.arrays(c).load(TOLERANCES)
        h.run()
        x = highs.optimum(h)
        if x is None:
            return None, None
        return self.package(x), x


def _merge(into: Terms, terms: Terms) -> None:
    for j, v in terms.items():
        into[j] = into.get(j, 0.0) + v
