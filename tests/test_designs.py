"""Parameter specs and designs: known values, and properties of grids and space-filling samples."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import UsageError
from sim.scenario.paths import resolved_tree
from sim.sweeps.designs import Design, ParamSpec, design_from_metadata, parse_param_args, parse_params, parse_spec


@pytest.fixture(scope="module")
def tree(toy):
    return resolved_tree(toy)


@pytest.mark.parametrize("spec", ["hard, 0.3", "boulware,0.5", "[x, y],z", ["x", 2], "true,1", "choice:a,1"])
def test_values_of_mixed_types_are_refused(spec):
    """A parameter's column in the results table holds one type: strings and numbers mixed could not be read back
    under some chunkings (issue 20), so the spec is refused when parsed."""
    with pytest.raises(UsageError, match=r"the values mix .* give values of one type"):
        parse_spec("a.b", spec)


def test_range_and_list_specs():
    assert parse_spec("a.b", "0.1:0.9:5").grid_values() == (0.1, 0.3, 0.5, 0.7, 0.9)
    assert parse_spec("a.b", "0.25:0.75:1").grid_values() == (0.25,)  # count 1 is just start
    assert parse_spec("a.b", "1,0.5").grid_values() == (1.0, 0.5)  # one column type
    assert parse_spec("a.b", "[x, y],[z]").grid_values() == (["x", "y"], ["z"])
    assert parse_spec("a.b", ".inf,3").grid_values() == (float("inf"), 3)  # YAML 1.2 infinity
    assert parse_spec("a.b", "1e-3:1e-1:3").grid_values() == (0.001, 0.0505, 0.1)  # YAML 1.2 floats
    assert parse_spec("a.b", ".5,-.5,1e2").grid_values() == (0.5, -0.5, 100.0)
    assert parse_spec("a.b", "yes,no,on").grid_values() == ("yes", "no", "on")  # strings, as in a file
    assert parse_spec("a.b", ["x", "2"]).grid_values() == ("x", "2")
    assert parse_spec("a.b", "5:20:4", current=10).grid_values() == (5, 10, 15, 20)
    assert parse_spec("a.b", "5:20:3", current=10).grid_values() == (5, 12, 20)  # integer paths get integers


@pytest.mark.parametrize("spec", ["0:1:0", "0:1:x", "a:1:3", "0:inf:3", "", "0:1:2.5"])
def test_bad_specs(spec):
    with pytest.raises(UsageError, match=r"a\.b"):
        parse_spec("a.b", spec)


@pytest.mark.parametrize(
    ("spec", "fix"),
    [("0:0.4", "e.g. 0:0.4:5"), ("1:30", "e.g. 1:30:5"), ("0:1:2:3", "e.g. 0:0.4:5"), ("0.1, 0:1", "e.g. 0:1:5")],
)
def test_a_range_without_its_count_is_an_error_naming_the_fix(spec, fix):
    """YAML 1.1 read ``0:0.4`` as the base-60 number 0.4 and swept that single value; it is an error now."""
    with pytest.raises(UsageError) as exc:
        parse_spec("a.b", spec)
    assert str(exc.value) == f"--param a.b={spec}: a range needs start:stop:count, {fix}"


def test_a_range_among_other_values_is_an_error():
    with pytest.raises(UsageError, match="a range cannot be mixed with other values; give 0:1:3 alone"):
        parse_spec("a.b", "0.5,0:1:3")


def test_a_range_mistake_through_the_cli_exits_2(tmp_path, capsys):
    from pathlib import Path

    from sim.cli.main import main

    toy = Path(__file__).resolve().parents[1] / "scenarios" / "bilateral_toy.yaml"
    out = tmp_path / "out"
    code = main(["sweep", str(toy), "--param", "actors.A.discount=0:0.4", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and not out.exists()
    assert err.strip() == "negsim: error: --param actors.A.discount=0:0.4: a range needs start:stop:count, e.g. 0:0.4:5"


def test_param_args():
    assert parse_param_args(["a.b=0:1:3", "c.d=x,y"]) == {"a.b": "0:1:3", "c.d": "x,y"}
    with pytest.raises(UsageError, match="PATH=SPEC"):
        parse_param_args(["a.b"])
    with pytest.raises(UsageError, match="twice"):
        parse_param_args(["a.b=1", "a.b=2"])


def test_every_bad_path_in_one_error(tree):
    with pytest.raises(UsageError) as exc:
        parse_params(tree, {"actors.Z.discount": "1", "actors.A.discount": "0.5", "nope": "1,2"})
    assert "actors.Z" in str(exc.value) and "'nope'" in str(exc.value)
    with pytest.raises(UsageError, match="whole section"):
        parse_params(tree, {"actors.A.reservation": "1,2"})


@settings(max_examples=50, deadline=None)
@given(st.floats(-10, 10, allow_nan=False), st.floats(-10, 10, allow_nan=False), st.integers(2, 50))
def test_range_grid_properties(start, stop, count):
    vals = parse_spec("a.b", f"{start!r}:{stop!r}:{count}").grid_values()
    assert len(vals) == count
    assert vals[0] == pytest.approx(start, abs=1e-9) and vals[-1] == pytest.approx(stop, abs=1e-9)
    steps = np.diff(vals)
    assert np.all(steps >= -1e-9) if stop >= start else np.all(steps <= 1e-9)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=4))
def test_grid_is_the_cartesian_product(sizes):
    specs = tuple(ParamSpec(f"p{j}", values=tuple(f"v{k}" for k in range(n))) for j, n in enumerate(sizes))
    d = Design(specs)
    expected = list(itertools.product(*(s.values for s in specs)))
    assert d.n_points == len(expected)
    assert [tuple(pt.values()) for pt in d.points()] == expected


def test_lhs_has_one_sample_per_stratum():
    """Latin hypercube (McKay et al. 1979): each of n equal strata of every range holds exactly one sample."""
    d = Design((ParamSpec("x", start=0.0, stop=10.0, count=2), ParamSpec("y", start=-1.0, stop=1.0, count=2)),
               "lhs", samples=40, master_seed=7)  # fmt: skip
    pts = list(d.points())
    for path, lo, hi in (("x", 0.0, 10.0), ("y", -1.0, 1.0)):
        u = (np.array([p[path] for p in pts]) - lo) / (hi - lo)
        assert sorted(np.floor(u * 40).astype(int).tolist()) == list(range(40))


@pytest.mark.parametrize("kind", ["lhs", "sobol", "random"])
def test_samples_in_range_and_seeded(kind):
    specs = (ParamSpec("x", start=2.0, stop=3.0, count=5), ParamSpec("c", values=("a", "b", "c")),
             ParamSpec("n", start=5, stop=20, count=2, integer=True))  # fmt: skip
    d = Design(specs, kind, samples=64, master_seed=1)  # type: ignore[arg-type]
    pts = list(d.points())
    assert all(2.0 <= p["x"] <= 3.0 for p in pts)
    assert {p["c"] for p in pts} == {"a", "b", "c"}
    assert all(isinstance(p["n"], int) and 5 <= p["n"] <= 20 for p in pts)
    assert pts == list(Design(specs, kind, samples=64, master_seed=1).points())  # type: ignore[arg-type]
    assert pts != list(Design(specs, kind, samples=64, master_seed=2).points())  # type: ignore[arg-type]


def test_design_errors():
    x = (ParamSpec("x", start=0.0, stop=1.0, count=3),)
    with pytest.raises(UsageError, match="--samples is for"):
        Design(x, "grid", samples=4)
    with pytest.raises(UsageError, match="needs --samples"):
        Design(x, "lhs")
    with pytest.raises(UsageError, match="at least one --param"):
        Design((), "sobol", samples=4)
    with pytest.raises(UsageError, match="unknown design"):
        Design(x, "halton", samples=4)  # type: ignore[arg-type]
    big = tuple(ParamSpec(f"p{j}", start=0.0, stop=1.0, count=1000) for j in range(3))
    with pytest.raises(UsageError, match="1,000,000,000 parameter points"):
        Design(big)


@pytest.mark.parametrize("kind", ["grid", "lhs"])
def test_points_survive_metadata(tree, kind):
    specs = parse_params(tree, {"actors.A.discount": "0.5:0.9:3", "scenario.max_rounds": "5:20:2"})
    d = Design(tuple(specs), kind, samples=None if kind == "grid" else 7, master_seed=3)  # type: ignore[arg-type]
    back = design_from_metadata(json.loads(json.dumps(d.describe())))
    assert list(back.points()) == list(d.points()) and back.n_points == d.n_points
