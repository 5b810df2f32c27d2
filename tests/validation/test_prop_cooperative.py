"""Properties of the Pareto mask, Nash and Kalai–Smorodinsky solutions on random finite utility sets."""

from __future__ import annotations

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sim.analysis.theory import ideal_point, kalai_smorodinsky, ks_level, nash_point, pareto_mask
from tests.validation.strategies import brute_pareto, utility_sets

FAST = settings(max_examples=60, deadline=None)
scales = st.lists(st.floats(0.1, 10.0), min_size=5, max_size=5)
shifts = st.lists(st.floats(-5.0, 5.0), min_size=5, max_size=5)


@FAST
@given(utility_sets(1, 5, max_rows=60, levels=4))
def test_pareto_mask_is_the_definition(U):
    assert (pareto_mask(U) == brute_pareto(U)).all()


@FAST
@given(utility_sets(2, 4), scales, shifts)
def test_pareto_mask_affine_invariant(U, a, b):
    n = U.shape[1]
    assert (pareto_mask(U * np.array(a[:n]) + np.array(b[:n])) == pareto_mask(U)).all()


def test_pareto_mask_large_three_players():
    """All points of a simplex are optimal; points strictly inside a cube corner are not."""
    rng = np.random.default_rng(7)
    P = rng.dirichlet(np.ones(3), size=50_000)
    assert pareto_mask(P).all()
    Q = np.vstack([P, 0.9 * P])
    m = pareto_mask(Q)
    assert m[:50_000].all() and not m[50_000:].any()


def _nash_product(U, d):
    return np.prod(np.clip(U - d, 0, None), axis=1)


@FAST
@given(utility_sets(), st.floats(0.0, 0.3))
def test_nash_is_pareto_optimal_and_maximises_product(U, dv):
    d = np.full(U.shape[1], dv)
    i = nash_point(U, d)
    prod = _nash_product(U, d)
    if i is None:
        assert not ((U > d).all(axis=1)).any()
        return
    assert pareto_mask(U)[i]
    assert prod[i] >= prod.max() * (1 - 1e-9)


@FAST
@given(utility_sets(), st.floats(0.0, 0.3), scales, shifts)
def test_nash_affine_invariance(U, dv, a, b):
    n = U.shape[1]
    a_, b_ = np.array(a[:n]), np.array(b[:n])
    d = np.full(n, dv)
    i, j = nash_point(U, d), nash_point(U * a_ + b_, d * a_ + b_)
    assert (i is None) == (j is None)
    if i is not None and j is not None:
        assert np.array_equal(U[i], U[j])


@FAST
@given(utility_sets(), st.data())
def test_nash_independence_of_irrelevant_alternatives(U, data):
    d = np.zeros(U.shape[1])
    i = nash_point(U, d)
    assume(i is not None)
    keep = np.array(data.draw(st.lists(st.booleans(), min_size=len(U), max_size=len(U))))
    keep[i] = True
    j = nash_point(U[keep], d)
    assert j is not None
    assert np.isclose(_nash_product(U[keep][j : j + 1], d)[0], _nash_product(U[i : i + 1], d)[0], rtol=1e-9)


@FAST
@given(utility_sets(2, 2))
def test_nash_symmetry(U):
    S = np.vstack([U, U[:, ::-1]])  # a symmetric set
    i = nash_point(S)
    assume(i is not None)
    mirror = np.flatnonzero((S == S[i, ::-1]).all(axis=1))
    assert mirror.size and np.isclose(_nash_product(S[mirror[:1]], 0)[0], _nash_product(S[i : i + 1], 0)[0])


@FAST
@given(st.integers(10, 400), st.floats(0.0, 0.45), st.floats(0.0, 0.45))
def test_nash_equals_ks_on_linear_pies(n, d1, d2):
    x = np.arange(n + 1) / n
    U = np.c_[x, 1 - x]
    i, j = nash_point(U, (d1, d2)), kalai_smorodinsky(U, (d1, d2))
    assume(i is not None and j is not None)
    assert abs(x[i] - (1 + d1 - d2) / 2) <= 1 / n + 1e-12
    assert abs(x[j] - (1 + d1 - d2) / 2) <= 1 / n + 1e-12


@FAST
@given(utility_sets(), st.floats(0.0, 0.3))
def test_ks_is_pareto_optimal_and_dominates_hull_point(U, dv):
    d = np.full(U.shape[1], dv)
    j = kalai_smorodinsky(U, d)
    if j is None:
        assert not (U >= d).all(axis=1).any()
        return
    assert pareto_mask(U)[j]
    hull_ks = d + ks_level(U, d) * (ideal_point(U, d) - d)
    assert (U[j] >= hull_ks - 1e-12).all()


@FAST
@given(utility_sets(2, 2), utility_sets(2, 2), st.floats(1.0, 3.0))
def test_ks_individual_monotonicity(U, extra, stretch):
    """T ⊇ S with the same ideal for player 2: player 1's KS payoff (free-disposal hull) does not fall."""
    d = np.zeros(2)
    a = ideal_point(U, d)
    assume(np.isfinite(a).all() and (a > 0).all())
    extra = extra * np.array([stretch, 1.0])
    extra[:, 1] = np.minimum(extra[:, 1], a[1])
    T = np.vstack([U, extra])
    assert ideal_point(T, d)[1] == a[1]
    ks1_S = ks_level(U, d) * a[0]
    ks1_T = ks_level(T, d) * ideal_point(T, d)[0]
    assert ks1_T >= ks1_S - 1e-12


@FAST
@given(utility_sets(), scales, shifts)
def test_ks_affine_invariance(U, a, b):
    n = U.shape[1]
    a_, b_ = np.array(a[:n]), np.array(b[:n])
    d = np.zeros(n)
    i, j = kalai_smorodinsky(U, d), kalai_smorodinsky(U * a_ + b_, d * a_ + b_)
    assert (i is None) == (j is None)
    if i is not None and j is not None:
        assert np.array_equal(U[i], U[j])


def test_nash_ties_go_to_a_pareto_optimal_row():
    """With α₂ = 0 the product ignores player 2, so (0.5, 0.2) and (0.5, 0.8) tie; only the second is optimal."""
    U = np.array([[0.5, 0.2], [0.5, 0.8], [0.3, 0.9]])
    assert nash_point(U, alpha=(1.0, 0.0)) == 1
    # exact ties survive rescaling: the same row is chosen although the products differ by float noise
    V = np.array([[0.2, 0.6], [0.6, 0.2], [0.3, 0.3]])
    for a in (1.0, 3.0, 0.1, 7.3):
        assert nash_point(V * [a, 1 / 3] + [0.7, -2.0], [0.7, -2.0]) == 0
