"""A sweep plays each point's seeds batched (sim.sweeps.points): its rows are the Mesa model's runs, each row
says how it was played, and a point that cannot be batched is played run by run and named in the metadata."""

from __future__ import annotations

import json

from sim import tweak
from sim.engine.runner import prepare
from sim.store.results import load_sweep
from sim.sweeps.points import play_point
from sim.sweeps.run import sweep

NOISE = "protocol.mediator_belief_noise"


def test_a_batched_sweep_row_is_the_mesa_models_run(toy, tmp_path):
    logit = tweak(toy, {"protocol.acceptance": {"model": "logit", "lambda": 8.0}})
    params = {"actors.B.reservation.war_cost": [0.0, 0.2, 0.4]}
    res = sweep(logit, params, seeds=30, chunk=7, out=tmp_path / "s", quiet=True)  # chunks cut points in two
    df = load_sweep(res.path)
    assert set(df["engine"]) == {"batched"}
    meta = json.loads((res.path / "metadata.json").read_text())
    assert meta["engine"] == {"batched": {"points": 3}}
    for _, row in df.iloc[[0, 6, 7, 44, 89]].iterrows():
        p = prepare(tweak(logit, {"actors.B.reservation.war_cost": row["actors.B.reservation.war_cost"]}))
        expected = p.run(int(row["seed"])).outcome.to_row(p.clauses, p.actors)
        assert {k: row[k] for k in expected} == expected


def test_a_point_that_cannot_be_batched_is_played_run_by_run_and_said_so(toy, tmp_path):
    res = sweep(toy, {NOISE: [0.0, 0.1]}, seeds=4, out=tmp_path / "s", quiet=True)
    df = load_sweep(res.path)
    assert df.groupby("point")["engine"].unique().map(list).tolist() == [
        ["batched"],
        ["mesa (the mediator's belief noise (normal draws entering the search))"],
    ]
    meta = json.loads((res.path / "metadata.json").read_text())
    assert meta["engine"]["batched"] == {"points": 1}
    assert meta["engine"]["mesa (the mediator's belief noise (normal draws entering the search))"] == {
        "points": 1,
        "which": [1],
    }
    assert "1 point(s) played run by run on the Mesa model, not batched: the mediator's belief noise" in res.summary


def test_a_batch_that_raises_gives_each_run_its_own_error(toy, monkeypatch):
    import sim.sweeps.points as points

    def broken(*_a, **_k):
        raise RuntimeError("boom")

    monkeypatch.setattr(points, "play_batch", broken)
    rows = play_point(prepare(toy), [0, 1])
    assert [r["engine"] for r in rows] == ["mesa (the batch raised RuntimeError)"] * 2
    assert [r["error"] for r in rows] == [None, None] and all("deal" in r for r in rows)
