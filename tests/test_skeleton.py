"""sim.Skeleton (issue #19): arrays swapped into one validated scenario give, bit for bit, what validating and
compiling the equivalent scenario gives (compiled arrays, outcomes, traces); its checks are pydantic's bounds."""

from __future__ import annotations

import dataclasses
import struct
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import Skeleton, load_scenario, scenario_from_document, tweak
from sim.core.compiled import Compiled, compile_scenario
from sim.engine.runner import prepare
from sim.engine.skeleton import ARRAYS, BOUNDS
from sim.errors import ScenarioError, UsageError

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import w1  # noqa: E402

TOY = ROOT / "scenarios" / "bilateral_toy.yaml"
SHIPPED = sorted((ROOT / "scenarios").glob("*.yaml"))


def same(a: Any, b: Any, where: str = "") -> None:
    """``a`` and ``b`` equal bit for bit: arrays by dtype, shape and bytes, floats by their bits (NaN too)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        assert isinstance(a, np.ndarray) and isinstance(b, np.ndarray), where
        assert (a.dtype, a.shape, a.tobytes()) == (b.dtype, b.shape, b.tobytes()), where
    elif dataclasses.is_dataclass(a) and not isinstance(a, type):
        assert type(a) is type(b), where
        for f in dataclasses.fields(a):
            same(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, (tuple, list)):
        assert type(a) is type(b) and len(a) == len(b), where
        for k, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{where}[{k}]")
    elif isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), where
        for k in a:
            same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, float) and isinstance(b, float):
        assert struct.pack("<d", a) == struct.pack("<d", b), (where, a, b)
    else:
        assert a == b, (where, a, b)


def tweaked(scenario: Any, cp: Compiled, arrays: dict[str, np.ndarray]) -> Any:
    """The scenario with the arrays written in by :func:`sim.tweak` paths (independent of Skeleton.document)."""
    ch: dict[str, Any] = {}
    keys = {"war_cost": "war_cost", "expected_gain": "expected_gain", "drift": "drift_per_round"}
    for i, a in enumerate(cp.actors):
        for j, c in enumerate(cp.clauses):
            if "weights" in arrays:
                ch[f"actors.{a}.salience.{c}"] = float(arrays["weights"][i, j])
            if "values" in arrays:
                for k, o in enumerate(cp.options[j]):
                    ch[f"actors.{a}.utilities.{c}.{o}"] = float(arrays["values"][i, cp.offsets[j] + k])
        if "beta" in arrays:
            ch[f"actors.{a}.concession"] = float(arrays["beta"][i])
        for name, key in keys.items():
            if name in arrays:
                ch[f"actors.{a}.reservation.{key}"] = float(arrays[name][i])
        if "reservation_value" in arrays and not np.isnan(arrays["reservation_value"][i]):
            ch[f"actors.{a}.reservation.value"] = float(arrays["reservation_value"][i])
    return tweak(scenario, ch)


def own_arrays(sk: Skeleton) -> dict[str, np.ndarray]:
    """Every array of the skeleton, as compiled (the weights already normalised: renormalised again)."""
    cp = sk.compiled
    return {name: getattr(cp, name).copy() for name in ARRAYS}


def random_arrays(sk: Skeleton, rng: np.random.Generator) -> dict[str, np.ndarray]:
    cp = sk.compiled
    a = cp.n_actors
    return {
        "weights": rng.random((a, cp.n_clauses)) + 1e-3,
        "values": rng.random((a, len(cp.clause_of))),
        "beta": rng.uniform(0.2, 5.0, a),
        "war_cost": rng.uniform(-0.3, 0.3, a),
        "expected_gain": rng.uniform(-0.2, 0.2, a),
        "drift": rng.uniform(-0.01, 0.01, a),
        "reservation_value": np.where(rng.random(a) < 0.5, np.nan, rng.uniform(0.0, 0.6, a)),
    }


def run_same(p: Any, q: Any, seeds: tuple[int, ...]) -> None:
    for seed in seeds:
        r, s = p.run(seed, trace=True), q.run(seed, trace=True)
        same(r.outcome, s.outcome, f"outcome seed {seed}")
        same(r.rows, s.rows, f"trace seed {seed}")


@pytest.mark.parametrize(("seed", "w0"), [(0, None), (5, 0.35), (12, 0.85)])
def test_w1_skeleton_path_equals_the_document_path(seed: int, w0: float | None) -> None:
    s = w1.scenario(seed, w0)
    fast = w1.prepared(seed, w0)
    same(fast.cp0, compile_scenario(s), "compiled")
    same(compile_scenario(fast.scenario), compile_scenario(s), "rebuilt scenario")
    run_same(fast, prepare(s), (seed,))
    assert fast.run(seed).outcome == w1.play(seed, w0)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_scenarios_arrays_swapped_equal_tweaked_scenarios(path: Path) -> None:
    s = load_scenario(path)
    sk = Skeleton(s)
    for arrays in (own_arrays(sk), random_arrays(sk, np.random.default_rng(7))):
        t = tweaked(s, sk.compiled, arrays)
        same(sk.compile(**arrays), compile_scenario(t), f"{path.stem} compiled")
        same(compile_scenario(sk.scenario_for(**arrays)), compile_scenario(t), f"{path.stem} document")
        p, q = sk.prepare(**arrays), prepare(t)
        assert p._scenario is None  # nothing built yet
        for fired in [frozenset({sh.id}) for sh in s.shocks]:  # shock variants: the swapped numbers, shocked
            same(p.variant(fired)[0], q.variant(fired)[0], f"{path.stem} shock {set(fired)}")
        if path.stem != "paris_2026":  # it takes seconds a run: its arrays and shock variant only
            run_same(p, q, (0, 3))


def test_skeleton_keeps_the_scenario_unbuilt_on_the_fast_path() -> None:
    p = w1.prepared(3, 0.45)
    p.run(3, trace=True)
    assert p._scenario is None
    assert p.structure is w1.skeleton().scenario


small = st.floats(0.0, 1.0, allow_nan=False)


@st.composite
def toy_arrays(draw: Any) -> dict[str, np.ndarray]:
    sk = Skeleton(load_scenario(TOY))
    cp = sk.compiled
    a, c, o = cp.n_actors, cp.n_clauses, len(cp.clause_of)
    w = np.array(draw(st.lists(st.floats(0.0, 1e6), min_size=a * c, max_size=a * c))).reshape(a, c)
    w[:, draw(st.integers(0, c - 1))] = draw(st.floats(1e-6, 1e6))  # a positive salience in every row
    out = {
        "weights": w,
        "values": np.array(draw(st.lists(small, min_size=a * o, max_size=a * o))).reshape(a, o),
        "beta": np.array(draw(st.lists(st.floats(1e-3, 100.0), min_size=a, max_size=a))),
        "war_cost": np.array(draw(st.lists(st.floats(-1.0, 1.0), min_size=a, max_size=a))),
        "expected_gain": np.array(draw(st.lists(st.floats(-1.0, 1.0), min_size=a, max_size=a))),
        "drift": np.array(draw(st.lists(st.floats(-0.5, 0.5), min_size=a, max_size=a))),
        "reservation_value": np.array(draw(st.lists(st.none() | small, min_size=a, max_size=a)), dtype=float),
    }
    keep = draw(st.sets(st.sampled_from(ARRAYS), min_size=1))
    return {k: v for k, v in out.items() if k in keep}


@settings(max_examples=30, deadline=None)
@given(toy_arrays(), st.integers(0, 2**32 - 1))
def test_toy_random_valid_arrays_equal_the_validated_scenario(arrays: dict[str, np.ndarray], seed: int) -> None:
    s = load_scenario(TOY)
    sk = Skeleton(s)
    t = tweaked(s, sk.compiled, arrays)
    same(sk.compile(**arrays), compile_scenario(t), "compiled")
    same(compile_scenario(sk.scenario_for(**arrays)), compile_scenario(t), "document")
    run_same(sk.prepare(**arrays), prepare(t), (seed,))


@pytest.mark.parametrize("name", ARRAYS)
def test_wrong_shape_or_entry_is_a_one_line_usage_error_naming_the_array(name: str) -> None:
    sk = Skeleton(load_scenario(TOY))
    good = own_arrays(sk)[name]
    with pytest.raises(UsageError, match=rf"^{name}: expected shape \({sk.shapes[name][0]},") as e:
        sk.prepare(**{name: good[:1]})
    assert "\n" not in str(e.value) and str(good[:1].shape) in str(e.value)
    bad = good.copy()
    bad.flat[-1] = BOUNDS[name].hi + 1.0
    idx = ", ".join(map(str, np.unravel_index(bad.size - 1, bad.shape)))
    with pytest.raises(UsageError, match=rf"^{name}\[{idx}\] = .*must be in") as e:
        sk.compile(**{name: bad})
    assert "\n" not in str(e.value) and "actor B" in str(e.value)
    with pytest.raises(UsageError, match="no array 'weight'"):
        sk.prepare(weight=good)


def test_all_zero_salience_row_is_refused_by_both() -> None:
    s = load_scenario(TOY)
    sk = Skeleton(s)
    w = sk.compiled.weights.copy()
    w[1] = 0.0
    with pytest.raises(UsageError, match=r"^weights\[1\] \(actor B\): every salience is zero"):
        sk.prepare(weights=w)
    doc = s.document()
    doc["actors"]["B"]["salience"] = dict.fromkeys(s.clauses, 0.0)
    with pytest.raises(ScenarioError, match="every salience is zero"):
        scenario_from_document(doc)


FIELD_PATH = {
    "weights": ("salience", "price"),
    "values": ("utilities", "price", "low"),
    "beta": ("concession",),
    "war_cost": ("reservation", "war_cost"),
    "expected_gain": ("reservation", "expected_gain"),
    "drift": ("reservation", "drift_per_round"),
    "reservation_value": ("reservation", "value"),
}


def probes(name: str) -> list[float]:
    b = BOUNDS[name]
    xs = [b.lo, b.hi, np.nextafter(b.lo, -np.inf), np.nextafter(b.hi, np.inf), np.inf, -np.inf, (b.lo + b.hi) / 2]
    return [*xs, float("nan")] if name != "reservation_value" else xs  # NaN: no reservation value (tested below)


@pytest.mark.parametrize("name", ARRAYS)
def test_the_checked_ranges_are_pydantic_s(name: str) -> None:
    s = load_scenario(TOY)
    sk = Skeleton(s)
    for x in probes(name):
        arr = own_arrays(sk)[name]
        arr[(0,) * arr.ndim] = x
        try:
            sk.compile(**{name: arr})
            ours = True
        except UsageError:
            ours = False
        doc = s.document()
        spec = doc["actors"]["A"]
        *head, last = FIELD_PATH[name]
        for k in head:
            spec = spec.setdefault(k, {})
        spec[last] = float(x)
        try:
            scenario_from_document(doc)
            theirs = True
        except ScenarioError:
            theirs = False
        assert ours == theirs, (name, x, ours, theirs)


def test_nan_reservation_value_is_no_value() -> None:
    s = load_scenario(TOY)
    sk = Skeleton(s)
    rv = np.array([0.4, np.nan])
    t = tweak(s, {"actors.A.reservation.value": 0.4})
    same(sk.compile(reservation_value=rv), compile_scenario(t))
    assert sk.scenario_for(reservation_value=rv).actors["B"].reservation.value is None  # type: ignore[union-attr]
