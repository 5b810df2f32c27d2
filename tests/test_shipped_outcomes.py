"""The shipped scenarios end as their header comments say (and docs/scenario-format.md explains)."""

from __future__ import annotations

from sim import tweak
from sim.engine.runner import prepare

SEEDS = range(16)


def test_paris_2025_ceasefire_first_never_reaches_a_deal(paris2025):
    """Russia rejects every ceasefire offered on its own; the US walks away at week 3 with p = 0.6."""
    p = prepare(paris2025)
    outs = [p.run(s).outcome for s in SEEDS]
    assert not any(o.deal for o in outs)
    stalled = [o for o in outs if o.reason == "no_agreement"]
    assert stalled and all("RU" in o.rejected_by for o in stalled)
    assert all(o.reason in ("no_agreement", "walk_away:US") for o in outs)


def test_paris_2025_single_package_finds_the_paper_zopa_after_the_scenarios_twelve_weeks(paris2025):
    """Without the ceasefire-first sequencing and the US deadline, a package is signed (REPORT §D.4), but late: each
    actor concedes on its own clock (Russia's 1/(1 − 0.97) ≈ 33 weeks, Ukraine's ≈ 14), so within the scenario's 12
    weeks no seed agrees, and with 30 weeks most sign, after week 12. The (default, expected-value) mediator keeps
    the deal clear of the level-II votes it could fail (REPORT §B.4: the constitutional NATO ban goes to the Rada,
    p 0.4, an Article-5-like guarantee to Congress, p 0.5): a deal is exactly a signature whose every triggered vote
    passes."""
    s = tweak(paris2025, {"protocol.agenda": "single_package", "actors.US.deadline": None})
    assert not any(prepare(s).run(seed).outcome.deal for seed in SEEDS)
    p = prepare(tweak(s, {"scenario.max_rounds": 30}))
    outs = [p.run(seed).outcome for seed in SEEDS]
    signed = [o for o in outs if o.deal or o.reason.startswith("ratification_failed:")]
    assert len(signed) >= len(outs) // 2
    for o in signed:
        package = o.package if o.deal else o.last_offer
        assert o.rounds_played >= 12
        assert package["foreign_forces"] in ("none", "monitors_only")  # Russia's red line
        assert package["contact_line"] == "freeze_current_line"  # Ukraine's red line
        assert o.deal == all(o.ratification.values())
        if package["nato_membership"] == "constitutional_and_nato_ban":
            assert "UA:Rada_constitutional_amendment" in o.ratification
        if package["security_guarantees"] == "article5_like_us_europe":
            assert "US:Congress" in o.ratification
    assert sum(o.deal for o in signed) >= len(outs) // 2  # the mediator avoids the risky votes


def test_paris_2026_deals_go_to_ratification(paris2026):
    """The default (ratification-blind, ``max_min_surplus``) mediator: the deals signed are on the Donetsk
    free-economic-zone package or a mutual withdrawal to a DMZ, never with foreign forces, and a referendum is held
    exactly when the deal is the free economic zone; the US walks away at its week-8 deadline in some seeds. (The
    opt-in ``expected_value`` mediator on Paris 2026 is compared in benchmarks/ev_paris_2026.py: minutes a run.)"""
    p = prepare(paris2026)
    outs = [p.run(seed).outcome for seed in SEEDS]
    assert any(o.reason.startswith("walk_away:US") for o in outs)
    for o in outs:
        if o.package is None or not o.ratification:
            continue
        assert o.package["contact_line"] in ("mutual_withdrawal_dmz", "fez_donetsk_demilitarised")
        assert o.package["foreign_forces"] == "none"
        assert (o.package["contact_line"] == "fez_donetsk_demilitarised") == any(
            k.startswith("UA:referendum") for k in o.ratification
        )
