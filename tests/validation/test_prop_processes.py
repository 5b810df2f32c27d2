"""Properties of Zeuthen's process and the non-cooperative closed forms (Rubinstein, Baron–Ferejohn, Fearon,
Putnam)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.analysis.theory import (
    baron_ferejohn,
    fearon_range,
    outside_option_share,
    putnam_clip,
    rubinstein_continuous,
    rubinstein_finite,
    rubinstein_share,
    win_set,
    zeuthen,
)

FAST = settings(max_examples=40, deadline=None)
delta = st.floats(0.05, 0.95)
expo = st.floats(0.2, 1.0)


@FAST
@given(expo, expo, st.floats(0.0, 0.2), st.floats(0.0, 0.2))
def test_zeuthen_harsanyi_equivalence_and_nash_limit(a, b, d1, d2):
    """The risk-based conceder always holds the weakly lower Nash product; the end is near x* = a/(a+b)."""
    n = 400
    x = np.arange(n + 1) / n
    u1, u2 = x**a, (1 - x) ** b
    path = zeuthen(u1, u2, x, d=(d1, d2))
    idx1, idx2 = np.rint(path.x1 * n).astype(int), np.rint(path.x2 * n).astype(int)

    def nash_product(k):
        return max(u1[k] - d1, 0.0) * max(u2[k] - d2, 0.0)

    for t, who in enumerate(path.conceder):
        p1, p2 = nash_product(idx1[t]), nash_product(idx2[t])
        if who == 1:
            assert p1 <= p2 * (1 + 1e-9)
        elif who == 2:
            assert p2 <= p1 * (1 + 1e-9)
        else:
            assert np.isclose(p1, p2, rtol=1e-9)
    grid_np = np.maximum(u1 - d1, 0) * np.maximum(u2 - d2, 0)
    agreed = nash_product(int(np.rint(path.agreement * n)))
    assert agreed >= grid_np.max() * (1 - 0.02)  # within one concession of the Nash point
    if d1 == d2 == 0:
        assert abs(path.agreement - a / (a + b)) <= 5 / n


def test_zeuthen_proposals_move_towards_each_other():
    x = np.arange(1001) / 1000
    path = zeuthen(lambda t: t, lambda t: np.sqrt(1 - t), x, step=1e-3)
    assert (np.diff(path.x1) <= 0).all() and (np.diff(path.x2) >= 0).all()
    assert (path.x1 >= path.x2).all()


@FAST
@given(delta, delta)
def test_rubinstein_closed_form(d1, d2):
    x = rubinstein_share(d1, d2)
    assert 0 < x < 1
    assert np.isclose(1 - x, d2 * (1 - d1) / (1 - d1 * d2))
    # player 2 is indifferent between accepting and proposing next period: 1 − x = δ₂ · (its own share as proposer)
    assert np.isclose(1 - x, d2 * rubinstein_share(d2, d1))
    if d1 == d2:
        assert x >= 0.5  # first-mover advantage


@FAST
@given(delta, delta, st.integers(1, 60))
def test_rubinstein_finite_horizon_brackets_the_limit(d1, d2, T):
    x, sT, sT1 = rubinstein_share(d1, d2), rubinstein_finite(d1, d2, T), rubinstein_finite(d1, d2, T + 1)
    assert 0 <= sT <= 1
    assert min(sT, sT1) <= x + 1e-12 and x - 1e-12 <= max(sT, sT1)  # alternately above and below
    assert abs(sT - x) <= (d1 * d2) ** ((T - 1) // 2) + 1e-12
    assert abs(rubinstein_finite(d1, d2, 4001) - x) < 1e-9


@FAST
@given(st.floats(0.01, 1.0), st.floats(0.01, 1.0))
def test_rubinstein_continuous_limit(r1, r2):
    shares = [rubinstein_continuous(r1, r2, dt) for dt in (1.0, 0.1, 0.01, 1e-4)]
    gaps = np.abs(np.array(shares) - r2 / (r1 + r2))
    assert (np.diff(gaps) <= 1e-12).all() and gaps[-1] < 1e-3


@FAST
@given(delta, st.floats(0.0, 1.0))
def test_outside_option_only_matters_when_binding(dl, w2):
    x = outside_option_share(dl, w2)
    assert 1 - x >= w2 - 1e-12 or np.isclose(x, 1 / (1 + dl))
    assert 1 - x >= min(w2, dl / (1 + dl)) - 1e-12
    if w2 <= dl / (1 + dl):
        assert np.isclose(x, rubinstein_share(dl, dl))


@FAST
@given(st.integers(2, 7), st.floats(0.05, 0.99), st.data())
def test_baron_ferejohn(n, dl, data):
    raw = np.array(data.draw(st.lists(st.floats(0.05, 1.0), min_size=n, max_size=n)))
    p = raw / raw.sum()
    r = baron_ferejohn(n, dl, n, p)
    assert np.allclose(r.values, p) and np.isclose(r.values.sum(), 1)
    assert np.allclose(r.keep, 1 - dl * (1 - p))
    q = data.draw(st.integers(1, n))
    eq = baron_ferejohn(n, dl, q)
    assert np.allclose(eq.values, 1 / n)
    assert np.allclose(eq.keep, 1 - (q - 1) * dl / n)
    assert (eq.keep >= eq.offer - 1e-12).all()
    if q < n:
        assert (baron_ferejohn(n, dl, q).keep >= baron_ferejohn(n, dl, q + 1).keep).all()


def test_baron_ferejohn_refuses_unsupported_case():
    with pytest.raises(ValueError, match="mixed"):
        baron_ferejohn(3, 0.9, 2, (0.5, 0.3, 0.2))


@FAST
@given(st.floats(0.0, 1.0), st.floats(0.0, 0.5), st.floats(0.0, 0.5), st.floats(0.0, 1.0))
def test_fearon_range_beats_war(p, ca, cb, t):
    lo, hi = fearon_range(p, ca, cb)
    assert lo <= hi
    x = lo + t * (hi - lo)
    assert x >= p - ca - 1e-12  # A prefers x to war
    assert 1 - x >= 1 - p - cb - 1e-12  # B prefers 1 − x to war
    if 0 < p - ca and p + cb < 1:
        assert np.isclose(hi - lo, ca + cb)


@FAST
@given(st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_putnam_clip(nbs, w_ua, w_ru, shrink):
    x = putnam_clip(nbs, w_ua, w_ru)
    if w_ru > w_ua:
        assert x is None
        return
    assert x is not None and w_ru <= x <= w_ua
    if x not in (w_ru, w_ua):
        assert x == nbs
    tighter = w_ru + shrink * (w_ua - w_ru)  # Ukraine's win-set shrinks to [0, tighter]
    y = putnam_clip(nbs, tighter, w_ru)
    assert y is not None and y <= x  # tied hands: fewer Ukrainian concessions, never more


@FAST
@given(st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_win_set_grows_with_a_worse_status_quo(y, q, farther):
    lo, hi = win_set(y, q)
    assert np.isclose(hi - lo, 2 * abs(q - y)) and lo <= y <= hi
    q2 = q + np.sign(q - y) * farther if q != y else q + farther
    lo2, hi2 = win_set(y, q2)
    assert lo2 <= lo + 1e-12 and hi2 >= hi - 1e-12
