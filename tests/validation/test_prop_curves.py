"""Properties of the FSJ concession curves and logit acceptance of sim.core.curves."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize_scalar

from sim.core.curves import faratin_alpha, faratin_alpha_exp, logit_accept

FAST = settings(max_examples=60, deadline=None)
T = np.linspace(0, 12, 121)  # past the deadline too


@FAST
@given(st.floats(0.05, 20.0), st.floats(0.0, 0.9), st.floats(1.0, 50.0))
def test_fsj_polynomial_monotone_bounded(beta, kappa, t_max):
    a = faratin_alpha(T * t_max / 10, t_max, beta, kappa)
    assert np.isclose(a[0], kappa) and np.isclose(a[-1], 1.0)
    assert (np.diff(a) >= -1e-12).all()
    assert (a >= kappa - 1e-12).all() and (a <= 1 + 1e-12).all()


@FAST
@given(st.floats(0.05, 0.99), st.floats(1.01, 20.0), st.floats(0.0, 0.9))
def test_boulware_below_linear_below_conceder(b_low, b_high, kappa):
    boulware, linear, conceder = (faratin_alpha(T, 10, b, kappa) for b in (b_low, 1.0, b_high))
    assert (boulware <= linear + 1e-12).all() and (linear <= conceder + 1e-12).all()


@FAST
@given(st.floats(0.05, 20.0), st.floats(0.01, 0.99))
def test_fsj_exponential_monotone_bounded(beta, kappa):
    a = faratin_alpha_exp(T, 10, beta, kappa)
    assert np.isclose(a[0], kappa) and np.isclose(a[-1], 1.0)
    assert (np.diff(a) >= -1e-12).all() and (a >= kappa - 1e-12).all() and (a <= 1 + 1e-12).all()


@FAST
@given(st.floats(-1.0, 1.0), st.floats(0.0, 500.0))
def test_logit_symmetry_and_monotonicity(delta, lam):
    p, q = logit_accept(delta, lam), logit_accept(-delta, lam)
    assert np.isclose(p + q, 1.0)
    assert 0 <= p <= 1
    assert logit_accept(delta + 0.01, lam) >= p


def test_logit_infinite_lambda_is_a_threshold():
    s = np.array([-0.2, -1e-9, 0.0, 1e-9, 0.3])
    assert logit_accept(s, np.inf).tolist() == [0.0, 0.0, 1.0, 1.0, 1.0]
    assert np.allclose(logit_accept(s[[0, 4]], 1e4), [0.0, 1.0])


def test_logit_lambda_is_recoverable_by_maximum_likelihood():
    """Simulate 20 000 accept/reject choices with λ = 10 and recover λ within sampling error."""
    rng = np.random.default_rng(2024)
    surplus = rng.uniform(-0.5, 0.5, 20_000)
    accept = rng.random(surplus.size) < logit_accept(surplus, 10.0)

    def nll(lam: float) -> float:
        p = np.clip(logit_accept(surplus, lam), 1e-12, 1 - 1e-12)
        return -float(np.sum(np.where(accept, np.log(p), np.log(1 - p))))

    lam_hat = minimize_scalar(nll, bounds=(0.1, 100), method="bounded").x
    # Fisher information I(λ) = Σ s² p(1 − p); the MLE's standard error is I^{-1/2}
    p = logit_accept(surplus, lam_hat)
    se = 1 / np.sqrt(np.sum(surplus**2 * p * (1 - p)))
    assert abs(lam_hat - 10.0) < 4 * se
