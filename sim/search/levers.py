"""The signed-package MILP with levers: which packages would be signed at round 0 once a set of levers is applied,
as mixed-integer rows on :class:`sim.search.mip.PackageModel` (the one builder), solved by HiGHS.

"Signed" is :mod:`sim.analysis.signed`'s: every signatory has clip(U_i, 0, 1) ≥ R_i(0) − TOL with none of its red
lines (hard or soft) hit, every triggered approval rule passes (its voters accept: clip(U_v) ≥ R_v(0) − TOL, no hard
red line hit anywhere in the package), every constraint holds. Levers (:mod:`sim.core.levers`) enter with binaries
b_ℓ; each piece is exact on the integer points:

1. clause edits (given a package x⁰): x_j ≤ Σ_{edit ℓ of clause c allowing j} b_ℓ for every option j ≠ x⁰_c of c;
2. utilities U'_i = U_i + (soft → softer) (p_old − p) w_ℓj with w_ℓj ≤ x_j, w_ℓj ≤ b_ℓ (U' only ever needs to be
   large, so w ≤ x_j ∧ b_ℓ is enough); a hard red line made soft subtracts p x_j outright, which is exact because
   x_j = 1 with b_ℓ = 0 is only allowed where the actor's utility binds nothing;
3. the clipped utility u_i ≤ min(1, max(0, U'_i)) with one binary (as :meth:`PackageModel.clipped`);
4. acceptance of i under a gate G ∈ [0, 1] (1 for a signatory, τ_r or the rule's gate for a voter, q_v under QMV):
   u_i + Σ_ℓ drop_ℓi b_ℓ ≥ R_i − TOL + margin − M_i (1 − G), M_i = max(0, R_i − TOL + margin − min LHS); where a
   soften lever changes U_i(status quo) by δ_ℓ (the status quo crosses that red line), R_i's base clip(U_i(sq)) is
   a variable r_i ≥ clip(raw_sq_i + Σ δ_ℓ b_ℓ): r_i ≥ 0, r_i + M γ_i ≥ raw_sq_i + Σ δ_ℓ b_ℓ, r_i − M γ_i ≥ 1 − M
   (γ_i binary: the upper clip), and the row holds u_i − r_i on the left and R_i − clip(U_i(sq)) on the right;
5. signatory red lines: x_j = 0, or x_j ≤ Σ b_ℓ over the levers that drop that red line (penalty 0): a signatory
   signs nothing that hits a red line of its, hard or soft (docs/evaluate.md), so only penalty 0 frees the option;
   voters' hard red lines: G + x_j ≤ 1 + Σ b_ℓ over the levers that make them soft (any penalty);
6. approval rule r: gate τ_r; switched by lever ℓ: the old rule under g ≥ τ_r − b_ℓ, the new one under
   g' ≥ τ'_r + b_ℓ − 1 (continuous g, g' ∈ [0, 1]: only their lower bounds bind); unanimity and contributors voters
   accept under the gate; qmv/k_of_n voters accept under q_v, with Σ m_v q_v ≥ share Σ m · G − TOL (members and
   population) or Σ q_v ≥ k G − TOL and q_v ≥ G for a veto voter;
7. shifted numbers stay inside their fields' ranges (``Bound`` rows); ``exclude``: no-good cuts
   Σ_{ℓ ∈ S} (1 − b_ℓ) + Σ_{ℓ ∉ S} b_ℓ ≥ 1 over the levers of ``cut_over``, one per lever set S already reported.

``margin`` (default 0) raises every acceptance level; :mod:`sim.analysis.whatif` re-solves with a small margin when
HiGHS' feasibility tolerance let through a package the exact check rejects.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from sim.core.compiled import Compiled, Rule
from sim.core.levers import CompiledLevers
from sim.core.tolerances import TOL
from sim.core.utility import raw_utilities
from sim.search.mip import PackageModel, Terms

IntA = NDArray[np.int64]


@dataclass
class SignedModel:
    """The rows of the module docstring on ``model``; ``b`` the lever binaries (in menu order), ``available`` which
    levers may be chosen (clause edits only with a given package)."""

    model: PackageModel
    b: list[int]
    available: NDArray[np.bool_]
    clip: dict[int, int] = field(default_factory=dict)

    def solve(self, cost: Terms) -> tuple[IntA | None, list[int]]:
        """Minimise ``cost``; (package, chosen levers) or (None, []) when no package can be signed."""
        pkg, x = self.model.solve(cost, maximize=False)
        if pkg is None or x is None:
            return None, []
        return pkg, [k for k, v in enumerate(self.b) if x[v] > 0.5]


def signed_model(
    cp: Compiled,
    levers: CompiledLevers | None = None,
    base: IntA | None = None,
    margin: float = 0.0,
    exclude: Iterable[Iterable[int]] = (),
    cut_over: NDArray[np.bool_] | None = None,
) -> SignedModel:
    """The signed-package MILP of ``cp`` with the menu ``levers`` (none: the plain signed set). With ``base`` a
    package, clauses change only through clause-edit levers; without, every package is allowed and clause edits are
    left out (module docstring). ``cut_over``: the levers the no-good cuts of ``exclude`` range over (default all;
    the levers other than clause edits: a cut excludes every set that changes the scenario as that one does)."""
    m = PackageModel(cp)
    n = 0 if levers is None else levers.n
    available = np.ones(n, dtype=bool)
    if levers is not None and base is None:
        available[[e.lever for e in levers.edits]] = False
    b = [m.add_var(0, 1 if available[k] else 0, True) for k in range(n)]
    sm = SignedModel(m, b, available)
    if base is not None:
        _clause_edits(sm, levers, np.asarray(base, dtype=np.int64))
    util, lo, hi = _utilities(sm, levers)
    drop = np.zeros((0, cp.n_actors)) if levers is None else levers.drop
    soft_of = _soft_levers(sm, levers)

    sq_moves = _status_quo_moves(sm, levers)

    def accept(i: int, gate: Terms | None) -> None:
        if i not in sm.clip:
            sm.clip[i] = _clipped(m, util[i], float(lo[i]), float(hi[i]))
        u, level = sm.clip[i], float(cp.reservation(0)[i]) - TOL + margin
        row: Terms = {u: 1.0}
        for k in np.flatnonzero(drop[:, i]):
            row[b[k]] = float(drop[k, i])
        floor = m.lb[u] + float(np.minimum(drop[:, i], 0.0).sum())
        if i in sq_moves:
            row[sq_moves[i]] = -1.0
            level -= float(cp.u_sq[i])
            floor -= 1.0
        if gate is None:
            m.add_row(row, level, np.inf)
            return
        big = max(level - floor, 0.0)
        for j, one in gate.items():
            row[j] = row.get(j, 0.0) - big * one
        m.add_row(row, level - big, np.inf)

    def hard_red_lines(v: int, gate: Terms) -> None:
        for j in np.flatnonzero(cp.hard[v]):
            row = dict(gate)
            row[int(j)] = row.get(int(j), 0.0) + 1.0
            for k in soft_of.get((v, int(j)), []):
                row[b[k]] = row.get(b[k], 0.0) - 1.0
            m.add_row(row, -np.inf, 1.0)

    for i in np.flatnonzero(cp.signatory):
        accept(int(i), None)
        dropped = _dropped_levers(levers, int(i))
        for j in np.flatnonzero(cp.hard[i] | (cp.penalty[i] > 0)):
            frees = dropped.get(int(j), [])
            if frees:
                m.add_row({int(j): 1.0, **{b[k]: -1.0 for k in frees}}, -np.inf, 0.0)
            else:
                m.forbid(int(j))
    for rule, gate in _gated_rules(sm, levers):
        if rule.kind in ("unanimity", "contributors"):
            for v in rule.voters:
                accept(int(v), gate)
                hard_red_lines(int(v), gate)
            continue
        m_row: Terms = {j: -float(rule.k if rule.kind == "k_of_n" else rule.member_share * rule.members.sum()) * g
                        for j, g in gate.items()}  # fmt: skip
        p_row: Terms = {j: -rule.population_share * rule.population.sum() * g for j, g in gate.items()}
        for k, v in enumerate(rule.voters):
            q = m.add_var(0, 1, True)
            accept(int(v), {q: 1.0})
            hard_red_lines(int(v), {q: 1.0})
            m_row[q] = m_row.get(q, 0.0) + (1.0 if rule.kind == "k_of_n" else float(rule.members[k]))
            p_row[q] = p_row.get(q, 0.0) + float(rule.population[k])
            if rule.kind == "k_of_n" and rule.veto[k]:
                m.add_row({q: 1.0, **{j: -g for j, g in gate.items()}}, 0.0, np.inf)
        m.add_row(m_row, -TOL, np.inf)
        if rule.kind == "qmv":
            m.add_row(p_row, -TOL, np.inf)
    for bound in () if levers is None else levers.bounds:
        terms = {b[int(k)]: float(d) for k, d in zip(bound.levers, bound.deltas, strict=True)}
        m.add_row(terms, bound.lo - 1e-12, bound.hi + 1e-12)
    over = np.ones(n, dtype=bool) if cut_over is None else cut_over
    for chosen in exclude:
        s = {k for k in chosen if over[k]}
        cut: Terms = {b[k]: (-1.0 if k in s else 1.0) for k in range(n) if over[k]}
        m.add_row(cut, 1.0 - len(s), np.inf)
    return sm


def _clause_edits(sm: SignedModel, levers: CompiledLevers | None, base: IntA) -> None:
    """Step 1: outside the clause edits every clause keeps the given package's option."""
    m, cp = sm.model, sm.model.compiled
    edits = () if levers is None else levers.edits
    for c in range(cp.n_clauses):
        for k in range(int(cp.n_options[c])):
            if k == base[c]:
                continue
            j = int(cp.offsets[c]) + k
            allow = [sm.b[e.lever] for e in edits if e.clause == c and e.allowed[k]]
            if allow:
                m.add_row({j: 1.0, **{v: -1.0 for v in allow}}, -np.inf, 0.0)
            else:
                m.forbid(j)


def _utilities(sm: SignedModel, levers: CompiledLevers | None) -> tuple[dict[int, Terms], np.ndarray, np.ndarray]:
    """Step 2: each actor's U' as terms, and bounds of U' over the space (for the big-M constants)."""
    m = sm.model
    util = {i: m.utility(i) for i in range(m.compiled.n_actors)}
    lo, hi = m.u_lo.copy(), m.u_hi.copy()
    for s in () if levers is None else levers.soften:
        if s.was_hard:
            for j in s.options:
                util[s.actor][int(j)] = util[s.actor].get(int(j), 0.0) - s.penalty
            lo[s.actor] -= s.penalty
            continue
        for j, old in zip(s.options, s.old_penalty, strict=True):
            w = m.add_var(0, 1)
            m.add_row({w: 1.0, int(j): -1.0}, -np.inf, 0.0)
            m.add_row({w: 1.0, sm.b[s.lever]: -1.0}, -np.inf, 0.0)
            util[s.actor][w] = float(old) - s.penalty
        hi[s.actor] += float(np.max(s.old_penalty)) - s.penalty
    return util, lo, hi


def _clipped(m: PackageModel, util: Terms, lo: float, hi: float) -> int:
    """Step 3: u ≤ min(1, max(0, U')), tight at a maximum."""
    big = 2.0 + abs(lo) + abs(hi)
    u = m.add_var(min(lo, 0.0) - 1.0, 1.0)
    beta = m.add_var(0, 1, True)
    row = {k: -v for k, v in util.items()}
    row[u] = 1.0
    row[beta] = -big
    m.add_row(row, -np.inf, 0.0)
    m.add_row({u: 1.0, beta: big}, -np.inf, big)
    return u


def _status_quo_moves(sm: SignedModel, levers: CompiledLevers | None) -> dict[int, int]:
    """Actor → its variable r_i ≥ clip(U'_i(status quo)) where a soften lever moves U_i(status quo) (step 4)."""
    m = sm.model
    moves: dict[int, Terms] = {}
    for s in () if levers is None else levers.soften:
        if s.sq_delta != 0.0:
            moves.setdefault(s.actor, {})[sm.b[s.lever]] = s.sq_delta
    out: dict[int, int] = {}
    for i, terms in moves.items():
        raw = float(raw_utilities(m.compiled, m.compiled.sq[None, :])[i, 0])
        big = 2.0 + abs(raw) + sum(abs(v) for v in terms.values())
        r, gamma = m.add_var(0.0, 1.0), m.add_var(0, 1, True)
        m.add_row({r: 1.0, gamma: big, **{k: -v for k, v in terms.items()}}, raw, np.inf)
        m.add_row({r: 1.0, gamma: -big}, 1.0 - big, np.inf)
        out[i] = r
    return out


def _soft_levers(sm: SignedModel, levers: CompiledLevers | None) -> dict[tuple[int, int], list[int]]:
    """(actor, flat option) → the levers that make that hard red line soft."""
    out: dict[tuple[int, int], list[int]] = {}
    for s in () if levers is None else levers.soften:
        if s.was_hard:
            for j in s.options:
                out.setdefault((s.actor, int(j)), []).append(s.lever)
    return out


def _dropped_levers(levers: CompiledLevers | None, i: int) -> dict[int, list[int]]:
    """Flat option → the levers that drop signatory i's red line on it (penalty 0)."""
    out: dict[int, list[int]] = {}
    for s in () if levers is None else levers.soften:
        if s.actor == i and s.penalty == 0.0:
            for j in s.options:
                out.setdefault(int(j), []).append(s.lever)
    return out


def _gated_rules(sm: SignedModel, levers: CompiledLevers | None) -> list[tuple[Rule, Terms]]:
    """Step 6: every voted rule with its gate (τ_r, or the gates of a switch)."""
    m, cp = sm.model, sm.model.compiled
    switches = {s.rule: s for s in (() if levers is None else levers.switch)}
    out: list[tuple[Rule, Terms]] = []
    for r, rule in enumerate(cp.rules):
        if rule.kind == "ratification":
            continue
        trig = m.trigger_terms(rule)
        s = switches.get(r)
        if s is None:
            out.append((rule, trig))
            continue
        g = m.add_var(0, 1)
        m.add_row({g: 1.0, sm.b[s.lever]: 1.0, **{j: -v for j, v in trig.items()}}, 0.0, np.inf)
        out.append((rule, {g: 1.0}))
        if s.new is not None and s.new.kind != "ratification":
            g2 = m.add_var(0, 1)
            new_trig = m.trigger_terms(s.new)
            m.add_row({g2: 1.0, sm.b[s.lever]: -1.0, **{j: -v for j, v in new_trig.items()}}, -1.0, np.inf)
            out.append((s.new, {g2: 1.0}))
    return out
