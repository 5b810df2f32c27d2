"""The backtest harness (benchmarks/backtest): scores against hand-computed values, the events file, a tiny run."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

from benchmarks.backtest.events import CUTOFF, EVENTS, EventsError, event_of, load_events, snapshot_of
from benchmarks.backtest.run import MODELS, Played, backtest, negsim_p, render
from benchmarks.backtest.scoring import EPS, brier, log_loss

ROOT = Path(__file__).resolve().parents[1]


# -- scoring ----------------------------------------------------------------------------------------------
def test_brier_by_hand():
    assert brier([0.0, 1.0], [0, 1]) == 0.0
    assert brier([1.0, 0.0], [0, 1]) == 1.0
    assert brier([0.5, 0.5, 0.5], [0, 1, 1]) == 0.25
    assert brier([0.2, 0.9], [0, 1]) == pytest.approx((0.04 + 0.01) / 2)


def test_log_loss_by_hand():
    assert log_loss([0.5], [1]) == pytest.approx(math.log(2))
    assert log_loss([0.8, 0.3], [1, 0]) == pytest.approx(-(math.log(0.8) + math.log(0.7)) / 2)
    # clipping: a forecast of 0 for an event that happened costs −ln ε, of 0 for one that did not −ln(1 − ε)
    assert log_loss([0.0], [1]) == pytest.approx(-math.log(EPS))
    assert log_loss([0.0], [0]) == pytest.approx(-math.log(1 - EPS))
    assert log_loss([1.0], [1], eps=1e-3) == pytest.approx(-math.log(1 - 1e-3))


def test_scores_refuse_bad_input():
    for bad in (([1.2], [1]), ([0.5], [2]), ([0.5, 0.5], [1]), ([], [])):
        with pytest.raises(ValueError):
            brier(*bad)
    with pytest.raises(ValueError):
        log_loss([0.5], [1], eps=0.0)


# -- the events file --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def loaded():
    return load_events()


def test_every_snapshot_validates_and_every_event_loads(loaded):
    snapshots, events = loaded
    doc = yaml.safe_load(EVENTS.read_text(encoding="utf-8"))
    assert set(snapshots) == set(doc["snapshots"]) and len(events) == len(doc["events"])
    for name, snap in snapshots.items():
        assert snap.scenario.scenario.as_of == snap.as_of.isoformat()
        for path, value in snap.edits.items():  # every edit is in the built scenario
            node = snap.scenario.model_dump(by_alias=True)
            for part in path.split("."):
                node = node[int(part)] if isinstance(node, list) else node[part]
            assert node == value, f"{name}: {path}"
        assert snap.source
    for e in events:
        assert e.source and e.observed in (0, 1)
        assert (e.split == "train") == (e.date <= CUTOFF)
        assert (e.text is not None) == (e.kind == "text") and (e.rounds is not None) == (e.kind == "deadline")
    assert {e.split for e in events} == {"train", "test"}


def test_texts_are_the_shipped_packages(loaded):
    _, events = loaded
    refs = {e["id"]: e.get("text") for e in yaml.safe_load(EVENTS.read_text(encoding="utf-8"))["events"]}
    for e in events:
        if e.kind == "text":
            file, _, name = refs[e.id].partition("#")
            assert e.text_name == name and e.text == yaml.safe_load((ROOT / file).read_text())[name]


def test_bad_entries_are_refused(loaded):
    snapshots, _ = loaded
    good = {"id": "x", "date": "2025-04-17", "snapshot": "apr2025", "kind": "deadline", "rounds": 3}
    good |= {"observed": 0, "split": "train", "source": "s"}
    assert event_of(good, snapshots).rounds == 3
    for change in (
        {"snapshot": "nope"},
        {"kind": "vote"},
        {"observed": 2},
        {"observed": True},
        {"split": "test"},  # dated before the cut-off
        {"date": "17 April"},
        {"rounds": -1},
        {"kind": "text", "text": "scenarios/packages/paris_2025_tabled.yaml#nope"},
    ):
        with pytest.raises(EventsError):
            event_of(good | change, snapshots)
    with pytest.raises(EventsError):
        event_of({k: v for k, v in good.items() if k != "source"}, snapshots)
    wrong_option = good | {"kind": "text", "text": "scenarios/packages/paris_2026_tabled.yaml#twenty_point_fez"}
    with pytest.raises(Exception, match=r"option|clause"):  # a 2026 text in the 2025 scenario
        event_of(wrong_option, snapshots)
    with pytest.raises(Exception, match="actors"):
        snapshot_of("bad", {"scenario": "scenarios/paris_2025.yaml", "as_of": "2025-01-01", "source": "s",
                            "edits": {"actors.XX.discount": 0.5}})  # fmt: skip


# -- a tiny run -------------------------------------------------------------------------------------------
def test_tiny_backtest_runs(loaded):
    snapshots, events = loaded
    snaps = {"apr2025": snapshots["apr2025"]}
    evs = [e for e in events if e.snapshot == "apr2025"]
    assert {e.split for e in evs} == {"train", "test"}
    res = backtest(snaps, evs, seeds=2, workers=1, grid=(0.0, 0.3))
    assert set(res["P"]) == set(MODELS)
    for m in MODELS:
        assert all(0.0 <= res["P"][m][e.id] <= 1.0 for e in evs)
        ps, ys = [res["P"][m][e.id] for e in evs], [e.observed for e in evs]
        assert res["summary"][m]["all"]["brier"] == pytest.approx(brier(ps, ys))
    assert res["P"]["no deal"] == dict.fromkeys((e.id for e in evs), 0.0)
    cal = res["calibration"]
    assert cal["chosen"] in (0.0, 0.3) and set(cal["grid"]) == {0.0, 0.3}
    assert cal["grid"][cal["chosen"]] == min(cal["grid"].values())
    assert res["n_runs"] == 2 * 3  # the snapshot as shipped, then each grid value once (none is its own 0.15)
    text = render(res, evs, "hard", 0.05)
    assert all(e.id in text for e in evs) and "Brier" in text


def test_negsim_p_counts_deals_by_the_deadline(loaded):
    snapshots, events = loaded
    ev = next(e for e in events if e.kind == "deadline" and e.snapshot == "apr2025")
    runs = [Played(True, 0, None), Played(True, ev.rounds + 1, None), Played(False, None, None), Played(True, 1, None)]
    assert negsim_p(snapshots["apr2025"], ev, runs, 0.05, "hard") == 0.5
    text_ev = next(e for e in events if e.kind == "text" and e.snapshot == "apr2025")
    on_text = [Played(True, 2, text_ev.text), Played(False, None, None)]
    assert negsim_p(snapshots["apr2025"], text_ev, on_text, 0.05, "hard") == 0.0  # the text crosses a red line
