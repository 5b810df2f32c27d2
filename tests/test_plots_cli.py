"""``negsim plot`` end to end, on a real sweep of the toy scenario and real runs of the shipped scenarios."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from pathlib import Path

import matplotlib.pyplot as plt
import pytest

from sim.cli import main as cli

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"

MAGIC = {".png": b"\x89PNG\r\n\x1a\n", ".pdf": b"%PDF-", ".svg": b"<?xml"}
WAR_COST = "actors.A.reservation.war_cost"
DISCOUNT = "actors.B.discount"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def toy_sweep(tmp_path_factory):
    import sim

    out = tmp_path_factory.mktemp("plots") / "sweep"
    params = {WAR_COST: "-0.6:0.0:4", DISCOUNT: "0.5,0.9"}
    sim.sweep(SCENARIOS / "bilateral_toy.yaml", params, seeds=3, out=out, quiet=True)
    return out


@pytest.fixture(scope="module")
def paris_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("plots") / "runs"
    assert cli.main(["run", str(SCENARIOS / "paris_2025.yaml"), "--seed", "3", "--out", str(base), "--quiet"]) == 0
    (out,) = (base / "paris_2025").iterdir()  # the run's own folder: <out>/<scenario>/<run-id>
    return out


def plot(*argv: str) -> int:
    return cli.main(["plot", *argv])


@pytest.mark.parametrize(
    ("kind", "suffix"), [("acceptance", ".png"), ("rounds", ".svg"), ("heatmap", ".pdf"), ("blocking", ".png")]
)
def test_every_sweep_kind_writes_its_format(toy_sweep, tmp_path, capsys, kind, suffix):
    out = tmp_path / f"fig{suffix}"
    pool = ["--pool"] if kind in ("rounds", "blocking") else []  # they draw at most one of the two swept parameters
    assert plot(str(toy_sweep), "--kind", kind, *pool, "-o", str(out)) == 0
    assert capsys.readouterr().out.strip() == str(out)
    assert out.stat().st_size > 1000
    assert out.read_bytes().startswith(MAGIC[suffix])


@pytest.mark.parametrize(("kind", "suffix"), [("trace", ".png"), ("space", ".pdf")])
def test_every_run_kind_writes_its_format(paris_run, tmp_path, kind, suffix):
    out = tmp_path / f"fig{suffix}"
    assert plot(str(paris_run), "--kind", kind, "--actors", "RU,UA", "-o", str(out)) == 0
    assert out.read_bytes().startswith(MAGIC[suffix]) and out.stat().st_size > 1000


def test_default_kind_and_output(toy_sweep, paris_run, capsys):
    assert plot(str(toy_sweep)) == 0 and plot(str(paris_run)) == 0
    printed = capsys.readouterr().out.split()
    assert printed == [str(toy_sweep / "acceptance.png"), str(paris_run / "trace.png")]
    assert (toy_sweep / "acceptance.png").is_file() and (paris_run / "trace.png").is_file()


def test_space_of_a_scenario_file(tmp_path):
    out = tmp_path / "space.svg"
    assert plot(str(SCENARIOS / "bilateral_toy.yaml"), "-o", str(out)) == 0
    assert out.read_bytes().startswith(MAGIC[".svg"])


def test_acceptance_by_second_parameter(toy_sweep, tmp_path):
    out = tmp_path / "by.png"
    assert plot(str(toy_sweep), "--x", WAR_COST, "--by", DISCOUNT, "-o", str(out)) == 0
    assert out.stat().st_size > 1000


def test_acceptance_figure_matches_the_sweep(toy_sweep):
    import sim
    from sim.plots import sweep as plots

    df = sim.load_sweep(toy_sweep)
    ax = plots.acceptance(df, WAR_COST)
    expected = df.groupby(WAR_COST)["deal"].mean()
    assert list(ax.lines[0].get_ydata()) == pytest.approx(expected.tolist())
    assert expected.iloc[0] == 0.0 and expected.iloc[-1] == 1.0  # the toy sweep spans no deal to deal


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--x", "actors.A.discount"], f"not a swept parameter; the sweep's are {WAR_COST}, {DISCOUNT}"),
        (["--by", "foo"], "--by foo: not a swept parameter"),
        (["--kind", "trace"], "--kind trace needs a run folder"),
        (["-o", "fig.jpg"], "one of .png, .svg, .pdf"),
        (["--kind", "heatmap", "--x", DISCOUNT, "--y", DISCOUNT], "other than --x"),
        (["--actors", "A,Z"], "unknown actor Z"),
    ],
)
def test_user_mistakes_exit_2_with_a_message(toy_sweep, capsys, argv, message):
    assert plot(str(toy_sweep), *argv) == 2
    assert message in capsys.readouterr().err


def test_run_folder_mistakes(paris_run, tmp_path, capsys):
    assert plot(str(paris_run), "--kind", "heatmap") == 2
    assert "needs a sweep folder" in capsys.readouterr().err
    assert plot(str(paris_run), "--kind", "space", "--actors", "RU") == 2
    assert "needs two actors" in capsys.readouterr().err
    assert plot(str(tmp_path / "missing")) == 2
    assert "does not exist" in capsys.readouterr().err


def test_a_sweep_where_every_run_raised_is_a_clean_error(tmp_path):
    """The sweep exits 1 naming the first error; plotting it is a one-line user error (exit 2), not a traceback."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from sim.cli.main import main

    out = tmp_path / "s"
    assert main(["sweep", str(SCENARIOS / "bilateral_toy.yaml"), "--seeds", "2", "--quiet", "--out", str(out)]) == 0
    for part in (out / "parts").iterdir():  # as if every run had raised (e.g. a missing solver)
        n = pq.read_metadata(part).num_rows
        table = pa.table(
            {
                "point": pa.array([0] * n, pa.int64()),
                "replicate": pa.array(range(n), pa.int64()),
                "seed": pa.array([0] * n, pa.int64()),
                "error": ["ModuleNotFoundError: boom"] * n,
            }
        )
        pq.write_table(table, part)
    assert main(["plot", str(out), "--kind", "acceptance", "-o", str(tmp_path / "a.png")]) == 2


def test_figures_never_pool_silently(toy_sweep, tmp_path, capsys):
    """A figure drawing one of two swept parameters refuses, naming the other; --where fixes it; the subtitle gives
    the true runs per point and what is pooled."""
    from sim.plots.pooling import pooled, subtitle, where_rows

    assert plot(str(toy_sweep), "--kind", "rounds", "-o", str(tmp_path / "r.png")) == 2
    err = capsys.readouterr().err
    assert "pool over the swept actors.B.discount" in err and err.count("\n") == 1
    assert (
        plot(str(toy_sweep), "--kind", "rounds", "--where", "actors.B.discount=0.9", "-o", str(tmp_path / "r.png")) == 0
    )
    assert (
        plot(str(toy_sweep), "--kind", "blocking", "--where", "actors.B.discount=0.9", "-o", str(tmp_path / "b.png"))
        == 2
    )
    assert "pool over the swept actors.A.reservation.war_cost" in capsys.readouterr().err
    df = sim_load(toy_sweep)
    kept = where_rows(df, {DISCOUNT: 0.9})
    assert len(kept) == len(df) // 2 == 12
    params = [WAR_COST, DISCOUNT]
    assert pooled(params, [WAR_COST], {}) == [DISCOUNT]
    assert subtitle(df, [WAR_COST], [DISCOUNT], {}) == f"24 runs, 6 per point; pooled over {DISCOUNT} (2 values)"
    assert subtitle(kept, [WAR_COST], [], {DISCOUNT: 0.9}) == f"12 runs, 3 per point; where {DISCOUNT} = 0.9"


def sim_load(folder):
    import sim

    return sim.load_sweep(folder)
