"""sim.dashboard's Solara components without a browser (solara.render): a control change updates the state, and the
P(deal) shown is the model's for the new changes once the background runs are done."""

from __future__ import annotations

import time

import pytest

solara = pytest.importorskip("solara")
v = pytest.importorskip("ipyvuetify")

from sim.dashboard.components import Dashboard, p_deal_text  # noqa: E402
from sim.dashboard.state import DashboardModel  # noqa: E402

SEEDS = 12
WAIT = 240  # seconds: the runs, the analysis and the curve share this machine's two cores with other work
GAIN = "actors.RU.reservation.expected_gain"


def _texts(rc, cls: str) -> list[str]:
    return [str(w.children[0]) for w in rc.find(v.Html, class_=cls).widgets if w.children]


def _markdown(rc) -> str:
    return "\n".join(w.template for w in rc.find(v.VuetifyTemplate).widgets if isinstance(w.template, str))


def _poll(condition, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the page did not change as expected"
        time.sleep(0.05)


def _wait(rc, cls: str, text: str) -> None:
    rc.find(v.Html, class_=cls, children=[text]).wait_for(timeout=WAIT)


def _settle(rc) -> None:
    rc.find(v.Html, class_="negsim-computing").wait_for(state="detached", timeout=WAIT)


@pytest.fixture
def paris30(root, tmp_path):
    """Paris 2025 over 30 weeks: its actors concede on their own clocks (Russia's ≈ 33 weeks), so within the
    scenario's 12 no seed agrees and a slider could not lower P(deal)."""
    text = (root / "scenarios" / "paris_2025.yaml").read_text()
    assert "  max_rounds: 12 " in text
    path = tmp_path / "paris_2025.yaml"
    path.write_text(text.replace("  max_rounds: 12 ", "  max_rounds: 30 "))
    return str(path)


def test_controls_change_the_state_and_p_deal(paris30):
    expect = DashboardModel.load(paris30, n_seeds=SEEDS)  # the same seeds, computed here independently of the page
    _box, rc = solara.render(Dashboard(paris30, n_seeds=SEEDS), handle_error=False)
    try:
        _wait(rc, "negsim-p-deal", p_deal_text(expect.summary({})))
        _settle(rc)

        agenda = rc.find(v.Select, label="agenda").widget
        agenda.v_model = "single_package"  # as a click on the menu does
        single = expect.set({}, "protocol.agenda", "single_package")
        _poll(lambda: "ceasefire_first → single_package" in _markdown(rc))
        _wait(rc, "negsim-p-deal", p_deal_text(expect.summary(single)))
        _settle(rc)
        before = expect.summary(single).p

        slider = rc.find(v.Slider, class_=f"negsim-slider negsim-{GAIN.replace('.', '-')}").widget
        slider.fire_event("change", 0.4)  # the release of the thumb at 0.4
        both = expect.set(single, GAIN, 0.4)
        _wait(rc, "negsim-p-deal", p_deal_text(expect.summary(both)))
        assert f"{GAIN}: 0.15 → 0.4" in _markdown(rc)
        assert expect.summary(both).p < before  # the shown value moved, in the direction the model says
        _settle(rc)
        assert not _texts(rc, "negsim-computing")

        reset = rc.find(v.Btn, children=["Reset"]).widget
        reset.click()
        _wait(rc, "negsim-p-deal", p_deal_text(expect.summary({})))  # cached: back at once
        assert "ceasefire_first → single_package" not in _markdown(rc)
        _settle(rc)
    finally:
        rc.close()
