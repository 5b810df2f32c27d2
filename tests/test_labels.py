"""Labels (sim.scenario.labels.label_of, the scenario's labels: map) and the figure conventions that use them."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest

import sim
from sim.core.compiled import compile_scenario
from sim.errors import ScenarioError
from sim.plots import run as plots_run
from sim.plots import sweep as plots
from sim.scenario.labels import default_label, label_of

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


@pytest.fixture(scope="module")
def paris():
    return sim.load_scenario(SCENARIOS / "paris_2025.yaml")


def test_labels_map_then_defaults(paris):
    assert label_of(paris, "actors.RU.reservation.expected_gain") == "Russia's expected gain from fighting on"
    assert label_of(paris, "actors.UA.discount") == "UA: discount"
    assert label_of(paris, "RU") == "RU"
    assert label_of(paris, "ceasefire.permanent_full") == "permanent full"
    assert default_label("decision_rules.qmv.member_share") == "decision rules · qmv · member share"
    assert label_of(None, "actors.RU.discount") == "RU: discount"


def test_a_label_of_a_path_that_names_nothing_is_an_error(tmp_path):
    text = (SCENARIOS / "paris_2025.yaml").read_text().replace("actors.US.deadline.credibility:", "actors.US.nope:")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    with pytest.raises(ScenarioError) as err:
        sim.load_scenario(bad)
    assert any("labels" in i.format() and "actors.US.nope" in i.format() for i in err.value.issues)


def test_labels_change_no_seeded_result(paris):
    bare = paris.model_copy(update={"labels": {}})
    a, b = sim.run(paris, seed=5), sim.run(bare, seed=5)
    assert a.outcome == b.outcome and a.rows == b.rows


def test_signatories_have_distinct_colours_by_order():
    order = list(plots.SHIPPED_ORDER)
    assert len({plots.actor_color(a, order) for a in order}) == len(order)
    assert plots.actor_color("UA") == "#E69F00" and plots.actor_color("RU") == "#009E73"  # not both orange
    assert plots.actor_color("B", ["A", "B"]) == plots.ORDER_PALETTE[1]


def test_space_defaults_to_the_most_opposed_signatories(paris):
    cp = compile_scenario(paris)
    pair = plots_run.most_opposed_pair(cp, ["US", "UA", "RU"])
    assert set(pair) == {"UA", "RU"}  # the two belligerents, not the mediator
