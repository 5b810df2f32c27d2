"""The engine's aspiration a_i(t) is sim.core.curves.aspiration, bit for bit, for every Faratin exponent β.

The engine calls the scalar form :func:`sim.core.curves.aspiration_at` (one actor, one round, no numpy overhead);
the validation table checks :func:`sim.core.curves.faratin_alpha` and ``aspiration_at``. Both forms run the same
IEEE operations in the same order, so they must agree exactly (``==``), not approximately.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy._core._multiarray_umath import __cpu_features__

from sim import tweak
from sim.core.curves import aspiration, aspiration_at
from sim.engine.model import NegotiationModel
from sim.engine.runner import run

# numpy's AVX-512 builds may compute ``power`` with SIMD code that differs from the C library's pow by one unit in
# the last place (numpy/numpy#23289, #25269); there the array form cannot match any scalar pow exactly.
SIMD_POW = bool(__cpu_features__.get("AVX512_SKX"))
needs_libm_pow = pytest.mark.skipif(SIMD_POW, reason="numpy uses AVX-512 SIMD pow here (numpy/numpy#23289)")

BETAS = ["boulware", "conceder", 0.37, 2.9, 0.5, 2.0]  # boulware = 0.2, conceder = 5; 0.5 and 2 are pow's 2 and √


def _scenario(paris2025, beta, horizon: int, war_cost: float):
    """Paris 2025 (four actors with different u_max and drifting reservation values) with exponent β."""
    return tweak(
        paris2025,
        {
            "protocol.concession": beta,
            "scenario.max_rounds": horizon,
            "actors.UA.reservation.war_cost": war_cost,
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
    for t in range(horizon + 3):  # past the horizon too: α stays 1
        reservation = compiled.reservation(t)
        for agent in model.agents:
            i = agent.index
            expected = float(aspiration(t, horizon, compiled.beta[i], reservation[i], compiled.u_max[i]))
            assert agent.aspiration(t, reservation) == expected, (beta, horizon, t, agent.actor_id)
            reservations.add(float(reservation[i]))
    assert len(reservations) >= 4  # several actors' reservation values, not one


@needs_libm_pow
@pytest.mark.parametrize("beta", ["boulware", "conceder"])
def test_trace_aspirations_are_curves_aspiration_exactly(paris2025, beta):
    """What the engine asked for in a played run, as the trace records it."""
    s = _scenario(paris2025, beta, 10, 0.25)
    s = tweak(s, {"protocol.agenda": "single_package"})
    model = NegotiationModel(s, seed=2, trace=False)
    beta_by_actor = dict(zip(model.compiled.actors, model.compiled.beta, strict=True))
    u_max = dict(zip(model.compiled.actors, model.compiled.u_max, strict=True))
    tr = run(s, seed=2).trace
    assert len(tr) > len(beta_by_actor)  # more than one round
    for row in tr.itertuples():
        expected = aspiration(row.round, 10, beta_by_actor[row.actor], row.reservation, u_max[row.actor])
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


def test_engine_calls_the_scalar_form(paris2025, monkeypatch):
    """The engine's TimeDependent concession goes through curves.aspiration_at (no inlined copy)."""
    calls = []

    def spy(*args):
        calls.append(args)
        return aspiration_at(*args)

    monkeypatch.setattr("sim.engine.policies.aspiration_at", spy)
    model = NegotiationModel(_scenario(paris2025, "boulware", 5, 0.25), seed=0, trace=False)
    reservation = model.compiled.reservation(2)
    got = [agent.aspiration(2, reservation) for agent in model.agents]
    assert len(calls) == len(got) == model.compiled.n_actors
    assert got == [aspiration_at(*c) for c in calls]
