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
    """Every signed package of the first 16 seeds goes to exactly the ratifications its clauses trigger (REPORT §B.4,
    scenarios/rules/paris_2026.yaml): Ukraine's referendum for any DMZ, FEZ or withdrawal (or its recognition of
    territory), the Rada for the constitutional NATO ban, Congress for a binding guarantee, the Commons for troops;
    none has foreign forces (Russia's red line); the US walks away at its week-8 deadline in some seeds."""
    p = prepare(paris2026)
    outs = [p.run(seed).outcome for seed in SEEDS]
    assert any(o.reason.startswith("walk_away:US") for o in outs)
    line_change = (
        "mutual_withdrawal_dmz",
        "fez_donetsk_demilitarised",
        "ua_withdraws_donetsk",
        "ua_withdraws_four_oblasts",
    )
    for o in outs:
        x = o.signed_package or (o.package if o.deal else None)
        if x is None:
            continue
        held = set(o.ratification or {})
        assert x["foreign_forces"] == "none"
        referendum = x["contact_line"] in line_change or x["territorial_recognition"] == "international_de_jure"
        assert ("UA:referendum" in held) == referendum
        assert ("UA_Rada" in held) == (x["nato_membership"] == "constitutional_and_nato_ban")
        assert ("US_Congress" in held) == (x["security_guarantees"] in ("binding_15y", "binding_30_50y"))
        assert "UK:parliament" not in held
