"""Counting the signed packages of a space too large to enumerate: a counting branch and bound over clauses.

The clauses are fixed one at a time (those whose option values spread the signatories' utilities most first).
Options that hit a signatory's red line (hard or soft) are never signed and are left out of every domain. At a
node (the first d clauses fixed) each actor's utility over the completions lies in [lo_i, hi_i]: the fixed
options' values, plus each open clause's smallest / largest value, plus each interaction term: its value if decided,
else [min(v, 0), max(v, 0)]. Then, with clip(·, 0, 1) monotone, every completion is

- *not signed* when some signatory has clip(hi_i) − R_i < −TOL, or a constraint whose clauses are all fixed fails,
  or a fixed clause triggers an approval rule that fails even if every voter that might accept does
  (acceptance: clip(U_v) − R_v ≥ −TOL with no hard red line hit);
- *signed* when every signatory has clip(lo_i) − R_i ≥ −TOL, every constraint holds whatever the open clauses
  (its if-part already false, or its requirement already met), and every approval rule is either not triggered
  by a fixed clause or passes with only the voters that accept whatever the open clauses (rules are monotone);

and the node adds 0 or the number of its completions. Both tests keep a margin of 1e-12 against rounding (the
sums are added in another order than the enumeration's). A node with at most ``LEAF`` completions is enumerated
and scored by the enumeration's own test (``mask``), so the count is exactly the enumeration's.

The work is bounded (``max_nodes`` nodes, ``max_leaf_packages`` packages enumerated): when the budget runs out, the
open nodes' completions are the gap between the lower bound (what was counted) and the upper bound.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from sim.core.compiled import Compiled
from sim.core.tolerances import TOL
from sim.core.utility import holds, rule_passes

LEAF = 4096
MARGIN = 1e-12
MAX_NODES = 20_000
MAX_LEAF_PACKAGES = 1_200_000

Mask = Callable[[Compiled, NDArray[np.int64]], NDArray[np.bool_]]


class _Counter:
    def __init__(self, cp: Compiled, mask: Mask):
        self.cp, self.mask = cp, mask
        self.R = cp.reservation(0)
        self.sig = cp.signatory
        util = cp.wvalues - cp.penalty  # (A, O) each option's utility term
        red = (cp.hard | (cp.penalty > 0))[self.sig].any(axis=0)  # options no signed package holds
        self.allowed = [
            np.flatnonzero(~red[cp.offsets[c] : cp.offsets[c] + cp.n_options[c]]) for c in range(cp.n_clauses)
        ]
        spread = [
            float(np.ptp(util[self.sig][:, cp.offsets[c] + a], axis=1).sum()) if len(a) else 0.0
            for c, a in enumerate(self.allowed)
        ]
        self.order = sorted(range(cp.n_clauses), key=lambda c: (-spread[c], c))
        self.util = util
        C = cp.n_clauses
        lo_suf = np.zeros((C + 1, cp.n_actors))
        hi_suf = np.zeros((C + 1, cp.n_actors))
        hard_suf = np.zeros((C + 1, cp.n_actors), dtype=bool)
        size_suf = [1] * (C + 1)
        for d in range(C - 1, -1, -1):
            c = self.order[d]
            cols = cp.offsets[c] + self.allowed[c]
            block = util[:, cols] if len(cols) else np.zeros((cp.n_actors, 1))
            lo_suf[d] = lo_suf[d + 1] + block.min(axis=1)
            hi_suf[d] = hi_suf[d + 1] + block.max(axis=1)
            hard_suf[d] = hard_suf[d + 1] | (cp.hard[:, cols].any(axis=1) if len(cols) else False)
            size_suf[d] = size_suf[d + 1] * len(self.allowed[c])
        self.lo_suf, self.hi_suf, self.hard_suf, self.size_suf = lo_suf, hi_suf, hard_suf, size_suf
        self.depth_of = np.empty(C, dtype=np.int64)
        self.depth_of[self.order] = np.arange(C)
        self.voting = [r for r in cp.rules if r.kind != "ratification"]
        self.util_sig, self.R_sig = util[self.sig], self.R[self.sig]
        self.sig_row = {int(a): k for k, a in enumerate(np.flatnonzero(self.sig))}
        self.sig_interactions = [it for it in cp.interactions if self.sig[it.actor]]

    # -- the bounds at a node --------------------------------------------------------------------------------
    def _interactions(self, d: int, x: NDArray[np.int64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        lo = np.zeros(self.cp.n_actors)
        hi = np.zeros(self.cp.n_actors)
        for it in self.cp.interactions:
            fixed = [self.depth_of[k.clause] < d for k in it.when]
            if any(f and not k.allowed[x[k.clause]] for f, k in zip(fixed, it.when, strict=True)):
                continue  # already false
            if all(fixed):
                lo[it.actor] += it.value
                hi[it.actor] += it.value
            else:
                lo[it.actor] += min(it.value, 0.0)
                hi[it.actor] += max(it.value, 0.0)
        return lo, hi

    def _constraints(self, d: int, x: NDArray[np.int64]) -> tuple[bool, bool]:
        """(some constraint surely fails, every constraint surely holds)."""
        fails, holds = False, True

        def state(conds) -> tuple[bool, bool]:  # (surely all hold, surely not all hold)
            sure_true, sure_false = True, False
            for k in conds:
                if self.depth_of[k.clause] < d:
                    sure_false |= not k.allowed[x[k.clause]]
                else:
                    sure_true = False
            return sure_true and not sure_false, sure_false

        for con in self.cp.constraints:
            if_true, if_false = state(con.if_)
            req_true, req_false = state(con.require)
            if if_true and req_false:
                fails = True
            if not (if_false or req_true):
                holds = False
        return fails, holds

    def classify(self, d: int, x: NDArray[np.int64], acc: NDArray[np.float64]) -> int:
        """−1: no completion is signed; 1: every completion is; 0: branch."""
        ilo, ihi = self._interactions(d, x)
        lo = np.clip(acc + self.lo_suf[d] + ilo, 0.0, 1.0) - self.R
        hi = np.clip(acc + self.hi_suf[d] + ihi, 0.0, 1.0) - self.R
        sig = self.sig
        if (hi[sig] < -TOL - MARGIN).any():
            return -1
        fails, holds = self._constraints(d, x)
        if fails:
            return -1
        fixed = self.order[:d]
        hard_now = self.cp.hard[:, (self.cp.offsets[fixed] + x[fixed])].any(axis=1) if d else np.zeros(len(acc), bool)
        maybe = (hi >= -TOL - MARGIN) & ~hard_now
        surely = (lo >= -TOL + MARGIN) & ~hard_now & ~self.hard_suf[d]
        rules_ok = True
        for rule in self.voting:
            if self.depth_of[rule.clause] < d:
                if not rule.trigger[x[rule.clause]]:
                    continue
                if not rule_passes(rule, maybe):
                    return -1
            if not rule_passes(rule, surely):
                rules_ok = False
        sure = (lo[sig] >= -TOL + MARGIN).all() and holds and rules_ok
        return 1 if sure else 0

    # -- the search ----------------------------------------------------------------------------------------------
    def leaf(self, d: int, x: NDArray[np.int64], acc: NDArray[np.float64]) -> int:
        """Enumerate the completions: the signatories' utilities as an outer sum over the open clauses (in
        :func:`all_packages` order); those whose signatories all reach R − TOL − margin are scored by ``mask``, the
        others cannot be signed."""
        cp, sig = self.cp, self.sig
        rest = self.order[d:]
        sizes = np.array([len(self.allowed[c]) for c in rest], dtype=np.int64)
        u = acc[sig][:, None]
        for c in rest:
            cols = cp.offsets[c] + self.allowed[c]
            u = (u[:, :, None] + self.util_sig[:, None, cols]).reshape(u.shape[0], -1)
        if self.sig_interactions:
            X = self._complete(x, rest, sizes, np.arange(u.shape[1]))
            for it in self.sig_interactions:
                u[self.sig_row[it.actor]] += it.value * holds(it.when, X)
        near = np.flatnonzero((np.clip(u, 0.0, 1.0) - self.R_sig[:, None] >= -TOL - MARGIN).all(axis=0))
        if not len(near):
            return 0
        return int(self.mask(cp, self._complete(x, rest, sizes, near)).sum())

    def _complete(self, x, rest, sizes, idx) -> NDArray[np.int64]:
        """The packages ``idx`` (in :func:`all_packages` order of the open clauses) of the node's completions."""
        X = np.repeat(x[None, :], len(idx), axis=0)
        if len(rest):
            local = np.unravel_index(idx, tuple(int(k) for k in sizes))
            for k, c in enumerate(rest):
                X[:, c] = self.allowed[c][local[k]]
        return X

    def run(self, max_nodes: int, max_leaf_packages: int) -> tuple[int, int]:
        cp = self.cp
        if self.size_suf[0] == 0:
            return 0, 0
        x0 = np.zeros(cp.n_clauses, dtype=np.int64)
        for c in range(cp.n_clauses):
            x0[c] = self.allowed[c][0]
        stack: list[tuple[int, NDArray[np.int64], NDArray[np.float64]]] = [(0, x0, np.zeros(cp.n_actors))]
        count, nodes, enumerated = 0, 0, 0
        while stack:
            if nodes >= max_nodes or enumerated >= max_leaf_packages:
                gap = sum(self.size_suf[d] for d, _, _ in stack)
                return count, count + gap
            d, x, acc = stack.pop()
            nodes += 1
            verdict = self.classify(d, x, acc)
            if verdict < 0:
                continue
            if verdict > 0:
                count += self.size_suf[d]
                continue
            if self.size_suf[d] <= LEAF:
                count += self.leaf(d, x, acc)
                enumerated += self.size_suf[d]
                continue
            c = self.order[d]
            for k in self.allowed[c][::-1]:
                child = x.copy()
                child[c] = k
                stack.append((d + 1, child, acc + self.util[:, cp.offsets[c] + k]))
        return count, count


def count_signed(
    cp: Compiled, mask: Mask, max_nodes: int = MAX_NODES, max_leaf_packages: int = MAX_LEAF_PACKAGES
) -> tuple[int, int]:
    """(lower, upper) bounds on the number of packages ``mask`` calls signed; equal when the count is exact (see
    the module docstring). ``mask(cp, packages)`` must be the enumeration's test, (N, C) → (N,) bool."""
    return _Counter(cp, mask).run(max_nodes, max_leaf_packages)
