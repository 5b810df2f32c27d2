"""Plot functions on hand-made sweep and trace tables: the numbers drawn are the numbers of the table."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.plots import run as plots_run
from sim.plots import sweep as plots

X = "actors.RU.reservation.expected_gain"
BY = "protocol.agenda"
ACTORS = ("US", "UA", "RU")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def sweep_table(deals: dict[tuple[float, str], list[bool]]) -> pd.DataFrame:
    """A sweep table with the columns of sim.load_sweep; RU blocks (over "ceasefire") every run without a deal,
    UA also in the second replicate; US accepts always."""
    rows = []
    for point, ((x, agenda), outcomes) in enumerate(deals.items()):
        for rep, deal in enumerate(outcomes):
            blocked = [] if deal else (["UA", "RU"] if rep == 1 else ["RU"])
            row = {"point": point, "replicate": rep, "seed": rep, X: x, BY: agenda}
            row |= {"deal": deal, "round": 3 if deal else -1, "reason": "deal" if deal else "no_agreement"}
            row |= {"rounds_played": 4 if deal else 6, "blocked_by": ",".join(blocked), "walked_away": ""}
            for a in ACTORS:
                row |= {
                    f"payoff.{a}": 0.5,
                    f"last_offer_utility.{a}": 0.5,
                    f"surplus.{a}": 0.1,
                    f"accepted.{a}": a not in blocked,
                }
                row[f"blocking_clause.{a}"] = ("ceasefire" if a == "RU" else "znpp") if a in blocked else ""
            row["error"] = None
            rows.append(row)
    return pd.DataFrame(rows)


DEALS = {
    (0.0, "single_package"): [True, True, True, False],
    (0.1, "single_package"): [True, False, True, False],
    (0.2, "single_package"): [False, False, False, False],
    (0.0, "ceasefire_first"): [True, False, False, False],
    (0.1, "ceasefire_first"): [False, False, False, False],
    (0.2, "ceasefire_first"): [False, False, False, False],
}


@pytest.fixture
def table() -> pd.DataFrame:
    return sweep_table(DEALS)


# -- Wilson ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("k", "n", "lo", "hi"),
    [  # reference: scipy.stats.binomtest(k, n).proportion_ci(method="wilson"), 5 decimals
        (0, 10, 0.0, 0.27753),
        (5, 10, 0.23659, 0.76341),
        (10, 10, 0.72247, 1.0),
        (1, 3, 0.06149, 0.79234),
        (81, 263, 0.25529, 0.36621),
    ],
)
def test_wilson_known_values(k, n, lo, hi):
    got = plots.wilson_interval(k, n)
    assert float(got[0]) == pytest.approx(lo, abs=5e-5)
    assert float(got[1]) == pytest.approx(hi, abs=5e-5)


def test_wilson_without_runs_is_the_whole_interval():
    lo, hi = plots.wilson_interval([0, 3], [0, 3])
    assert (lo[0], hi[0]) == (0.0, 1.0) and hi[1] == 1.0


@given(st.integers(1, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_contains_the_share_and_stays_in_0_1(kn):
    k, n = kn
    lo, hi = plots.wilson_interval(k, n)
    assert 0.0 <= lo <= k / n + 1e-12 <= hi + 2e-12 <= 1.0 + 2e-12


# -- colours ------------------------------------------------------------------------------------------------
def test_known_actors_have_distinct_fixed_colours():
    known = ["US", "UA", "RU", "FR", "UK", "DE", "PL", "HU", "SK", "EU_OTHERS"]
    colours = [plots.actor_color(a) for a in known]
    assert len(set(colours)) == len(known)
    assert all(mcolors.is_color_like(c) for c in colours)


def test_other_actors_hash_stably_into_the_palette():
    assert plots.actor_color("A") == plots.actor_color("A") in plots.PALETTE
    assert plots.actor_color("A") != plots.actor_color("B")  # the toy scenario's two actors


def test_an_actor_has_one_colour_in_every_figure(table):
    ru = mcolors.to_hex(plots.actor_color("RU"))
    acc = plots.acceptance(table[table[BY] == "single_package"], X)
    acc_line = next(ln for ln in acc.lines if ln.get_label() == "RU accepted")
    tr = plots_run.trace(trace_table())
    tr_line = next(ln for ln in tr.lines if ln.get_label() == "RU")
    block = plots.blocking(table)
    label = next(t for t in block.get_yticklabels() if t.get_text().startswith("RU"))
    assert {mcolors.to_hex(acc_line.get_color()), mcolors.to_hex(tr_line.get_color())} == {ru}
    assert mcolors.to_hex(label.get_color()) == ru


# -- acceptance ---------------------------------------------------------------------------------------------
def test_acceptance_curve_is_the_deal_share_per_point(table):
    sub = table[table[BY] == "single_package"]
    ax = plots.acceptance(sub, X)
    line = ax.lines[0]
    np.testing.assert_allclose(line.get_xdata(), [0.0, 0.1, 0.2])
    np.testing.assert_allclose(line.get_ydata(), [0.75, 0.5, 0.0])
    ru = next(ln for ln in ax.lines if ln.get_label() == "RU accepted")
    np.testing.assert_allclose(ru.get_ydata(), [0.75, 0.5, 0.0])
    ua = next(ln for ln in ax.lines if ln.get_label() == "UA accepted")
    np.testing.assert_allclose(ua.get_ydata(), [1.0, 0.75, 0.75])
    band = ax.collections[0].get_paths()[0].vertices
    lo, hi = plots.wilson_interval([3, 2, 0], [4, 4, 4])
    assert set(np.round(band[:, 1], 9)) >= set(np.round(np.r_[lo, hi], 9))
    assert ax.get_legend() is not None and ax.get_ylabel().startswith("P(deal)")


def test_acceptance_by_a_second_parameter_draws_one_curve_per_level(table):
    ax = plots.acceptance(table, X, by=BY)
    curves = {ln.get_label(): ln.get_ydata() for ln in ax.lines}
    assert set(curves) == {"single_package", "ceasefire_first"}
    np.testing.assert_allclose(curves["ceasefire_first"], [0.25, 0.0, 0.0])
    assert ax.get_legend().get_title().get_text() == BY


def test_failed_runs_are_left_out(table):
    broken = table.astype({"deal": object})
    broken.loc[0, "error"] = "ValueError: boom"
    broken.loc[0, "deal"] = None
    t = plots.deal_table(broken[broken[BY] == "single_package"], X)
    assert t["n"].tolist() == [3, 4, 4]
    assert t["p"].tolist() == pytest.approx([2 / 3, 0.5, 0.0])


def test_categorical_parameter_uses_tick_labels(table):
    ax = plots.acceptance(table, BY)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["ceasefire_first", "single_package"]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [1 / 12, 5 / 12])


def test_continuous_designs_are_binned():
    values = pd.Series(np.linspace(0, 1, 100))
    binned = plots.levels(values, bins=4)
    assert binned.nunique() == 4
    assert set(binned.round(6)) == {0.125, 0.375, 0.625, 0.875}
    assert plots.levels(pd.Series([0.1, 0.2, 0.1])).tolist() == [0.1, 0.2, 0.1]


# -- rounds, heatmap, blocking -------------------------------------------------------------------------------
def test_deals_by_round_is_cumulative_and_ends_at_the_deal_share(table):
    sub = table[table[BY] == "single_package"]
    t = plots.deals_by_round(sub, X)
    assert t["round"].min() == 0 and t["round"].max() == 5
    for level, g in t.groupby("level"):
        assert (np.diff(g["p"]) >= 0).all()
        assert g["p"].iloc[-1] == pytest.approx(sub[sub[X] == level]["deal"].mean())
        assert (g.loc[g["round"] < 3, "deals"] == 0).all()
    ax = plots.rounds(sub, X, round_unit="week")
    assert ax.get_xlabel() == "round (week)"
    assert len(ax.lines) == 3


def test_heatmap_cells_are_the_deal_shares(table):
    ax = plots.heatmap(table, X, BY)
    cells = np.asarray(ax.images[0].get_array())
    np.testing.assert_allclose(cells, [[0.25, 0.0, 0.0], [0.75, 0.5, 0.0]])  # rows: sorted agendas
    assert [t.get_text() for t in ax.get_yticklabels()] == ["ceasefire_first", "single_package"]
    assert sorted(t.get_text() for t in ax.texts) == sorted(["0.25", "0.00", "0.00", "0.75", "0.50", "0.00"])


def test_blocking_counts_actor_and_clause(table):
    t = plots.blocking_table(table)
    n = len(table)  # 24 runs, 18 without a deal; UA also blocks in the 5 of them that are replicate 1
    assert t.loc["RU", "ceasefire"] == pytest.approx(18 / n)
    assert t.loc["UA", "znpp"] == pytest.approx(5 / n)
    assert "US" not in t.index
    ax = plots.blocking(table)
    assert {"75%", "21%"} <= {x.get_text() for x in ax.texts}
    assert [x.get_text() for x in ax.get_yticklabels()] == ["UA (21%)", "RU (75%)"]


def test_blocking_without_blocked_runs_says_so(table):
    ax = plots.blocking(table[table["deal"]])
    assert any("no run was blocked" in t.get_text() for t in ax.texts)


# -- trace ----------------------------------------------------------------------------------------------------
def trace_table() -> pd.DataFrame:
    rows = []
    for r in range(4):
        stage = "ceasefire" if r < 2 else "settlement"
        for a, u in zip(ACTORS, (0.6, 0.5, 0.3 + 0.1 * r), strict=True):
            vote = "veto" if (a == "RU" and r == 0) else ("accept" if u >= 0.5 else "reject")
            rows.append(
                {"round": r, "stage": stage, "proposer": "US", "actor": a, "utility": u, "aspiration": 0.9 - 0.1 * r,
                 "reservation": 0.2, "vote": vote, "p_accept": 0.5, "required": True,
                 "events": "shock:us_election" if r == 2 else "", "offer.ceasefire": "full_30_day"}
            )  # fmt: skip
    return pd.DataFrame(rows)


def test_trace_marks_votes_stages_and_events():
    ax = plots_run.trace(trace_table(), round_unit="week", outcome={"deal": True, "round": 3, "reason": "deal"})
    utility = {ln.get_label(): ln.get_ydata() for ln in ax.lines if ln.get_label() in ACTORS}
    np.testing.assert_allclose(utility["RU"], [0.3, 0.4, 0.5, 0.6])
    texts = {t.get_text() for t in ax.texts}
    assert {"ceasefire →", "settlement →", "shock:us_election", "deal"} <= texts
    boundaries = [ln.get_xdata()[0] for ln in ax.lines if ln.get_linestyle() == "-" and ln.get_color() == "0.4"]
    assert boundaries == [1.5]
    vetoes = [c for c in ax.collections if c.get_paths() and len(c.get_offsets()) and c.get_sizes()[0] == 110]
    assert len(vetoes) == 1 and tuple(vetoes[0].get_offsets()[0]) == (0.0, pytest.approx(0.3))
    assert ax.get_xlabel() == "round (week)"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"accept", "reject", "veto", "aspiration"} <= set(labels)


def test_events_cells_split():
    assert plots_run.split_events("shock:a;walk_away:HU") == ["shock:a", "walk_away:HU"]
    assert plots_run.split_events(None) == [] == plots_run.split_events("")
    assert plots_run.split_events(["x", " "]) == ["x"]
