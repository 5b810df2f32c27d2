"""The engine's aspiration a_i(t) is sim.core.curves.discounted_aspiration, bit for bit, for every Faratin
exponent β, on each actor's own horizon H_i with its discount δ_i.

The engine calls the scalar form :func:`sim.core.curves.discounted_aspiration_at` (one actor, one round, no numpy
overhead), which calls :func:`sim.core.curves.aspiration_at`; the validation table checks
:func:`sim.core.curves.faratin_alpha` and ``aspiration_at``. Both forms run the same IEEE operations in the same
order, so they must agree exactly (``==``), not approximately.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy._core._multiarray_umath import __cpu_features__

from sim import tweak
from sim.core.curves import aspiration, aspiration_at, discounted_aspiration, discounted_aspiration_at
from sim.engine.model import NegotiationModel
from sim.engine.runner import run

# numpy's AVX-512 builds may compute ``power`` with SIMD code that differs from the C library's pow by one unit in
# the last place (numpy/numpy#23289, #25269); there the array form cannot match any scalar pow exactly.
SIMD_POW = bool(__cpu_features__.get("AVX512_SKX"))
needs_libm_pow = pytest.mark.skipif(SIMD_POW, reason="numpy uses AVX-512 SIMD pow here (numpy/numpy#23289)")

BETAS = ["boulware", "conceder", 0.37, 2.9, 0.5, 2.0]  # boulware = 0.2, conceder = 5; 0.5 and 2 are pow's 2 and √


def _scenario(paris2025, beta, horizon: int, war_cost: float):
    """Paris 2025 (actors with different u_max, discounts and drifting reservation values) with exponent β; UA's
    own ``horizon`` is ``horizon``, the others run on 1/(1 − δ)."""
    return tweak(
        paris2025,
        {
            "protocol.concession": beta,
            "scenario.max_rounds": horizon,
            "actors.UA.reservation.war_cost": war_cost,
            "actors.UA.horizon": horizon,
            "actors.US.deadline": None,
        },
    )


@needs_libm_pow
@pytest.mark.parametrize("beta", BETAS)
@pytest.mark.parametrize(("horizon", "war_cost"), [(3, 0.0), (8, 0.25), (21, 0.6)])
def test_engine_aspiration_is_curves_aspiration_exactly(paris2025, beta, horizon, war_cost):
    model = NegotiationModel(_scenario(paris2025, beta, horizon, war_cost), seed=0, trace=False)
    compiled = model.compiled
    assert not np.isnan(compiled.beta).any() and (compiled.beta != 1.0).all()
    reservations = set()
    assert len(set(compiled.horizon.tolist())) >= 4 and compiled.horizon[compiled.actors.index("UA")] == horizon
    for t in range(horizon + 3):  # past the horizon too: α stays 1
        reservation = compiled.reservation(t)
        for agent in model.agents:
            i = agent.index
            expected = float(
                discounted_aspiration(
                    t,
                    compiled.horizon[i],
                    compiled.beta[i],
                    reservation[i],
                    compiled.drift[i],
                    compiled.u_max[i],
                    compiled.discount[i],
                )
            )
            assert agent.aspiration(t, reservation) == expected, (beta, horizon, t, agent.actor_id)
            reservations.add(float(reservation[i]))
    assert len(reservations) >= 4  # several actors' reservation values, not one


@needs_libm_pow
@pytest.mark.parametrize("beta", ["boulware", "conceder"])
def test_trace_aspirations_are_curves_aspiration_exactly(paris2025, beta):
    """What the engine asked for in a played run, as the trace records it."""
    s = _scenario(paris2025, beta, 10, 0.25)
    s = tweak(s, {"protocol.agenda": "single_package"})
    cp = NegotiationModel(s, seed=2, trace=False).compiled
    tr = run(s, seed=2).trace
    assert len(tr) > cp.n_actors  # more than one round
    for row in tr.itertuples():
        i = cp.actors.index(row.actor)
        expected = discounted_aspiration(
            row.round, cp.horizon[i], cp.beta[i], row.reservation, cp.drift[i], cp.u_max[i], cp.discount[i]
        )
        assert row.aspiration == float(expected)


@needs_libm_pow
@settings(max_examples=300, deadline=None)
@given(
    st.integers(0, 60),
    st.integers(1, 50),
    st.floats(0.01, 100.0),
    st.floats(-0.5, 1.2, allow_nan=False),
    st.floats(0.0, 1.0),
)
def test_scalar_form_is_the_array_form(t, horizon, beta, reservation, u_max):
    assert aspiration_at(t, horizon, beta, reservation, u_max) == float(
        aspiration(t, horizon, beta, reservation, u_max)
    )


@needs_libm_pow
@settings(max_examples=300, deadline=None)
@given(
    st.integers(0, 60),
    st.floats(1.0, 200.0),
    st.floats(0.01, 100.0),
    st.floats(-0.5, 1.2, allow_nan=False),
    st.floats(-0.01, 0.01),
    st.floats(0.0, 1.0),
    st.floats(0.01, 1.0),
)
def test_discounted_scalar_form_is_the_array_form(t, horizon, beta, reservation, drift, u_max, discount):
    assert discounted_aspiration_at(t, horizon, beta, reservation, drift, u_max, discount) == float(
        discounted_aspiration(t, horizon, beta, reservation, drift, u_max, discount)
    )


def test_engine_calls_the_scalar_form(paris2025, monkeypatch):
    """The engine's TimeDependent concession goes through curves.discounted_aspiration_at (no inlined copy)."""
    calls = []

    def spy(*args):
        calls.append(args)
        return discounted_aspiration_at(*args)

    monkeypatch.setattr("sim.engine.policies.discounted_aspiration_at", spy)
    model = NegotiationModel(_scenario(paris2025, "boulware", 5, 0.25), seed=0, trace=False)
    reservation = model.compiled.reservation(2)
    got = [agent.aspiration(2, reservation) for agent in model.agents]
    assert len(calls) == len(got) == model.compiled.n_actors
    assert got == [discounted_aspiration_at(*c) for c in calls]
