"""A qmv vote counts each voter's member states (``qmv.members``, else the actor's ``represents_members``) and
is a vote of EU members (``eu_member: false`` cannot vote in it)."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest

from sim import scenario_from_document
from sim.core.compiled import compile_scenario
from sim.core.utility import rule_passes
from sim.errors import ScenarioError


def _doc(**qmv: Any) -> dict[str, Any]:
    """Three EU voters on releasing assets: AGG stands for 22 member states with 70 % of the population."""
    prefs = {"salience": {"assets": 1}, "utilities": {"assets": {"frozen": 0.0, "released": 1.0}}}
    return {
        "scenario": {"id": "qmv_toy", "max_rounds": 3, "status_quo_package": {"assets": "frozen"}},
        "clauses": {"assets": ["frozen", "released"]},
        "protocol": {"proposal_mode": "alternating_offers"},
        "actors": {
            "S": {"role": "party_signatory", **prefs},
            "AGG": {"role": "approver", "represents_members": 22, **prefs},
            "B": {"role": "approver", **prefs},
            "C": {"role": "approver", **prefs},
        },
        "decision_rules": {
            "clause_approvals": {"assets": {"rule": "qmv", "voters": ["AGG", "B", "C"]}},
            "qmv": {"population_share_of_eu27": {"AGG": 0.70, "B": 0.15, "C": 0.15}, **qmv},
        },
    }


def _only_agg_accepts(doc: dict[str, Any]) -> bool:
    cp = compile_scenario(scenario_from_document(doc))
    (rule,) = cp.rules
    return rule_passes(rule, np.array([a == "AGG" for a in cp.actors]))


def test_represents_members_counts_in_the_member_share():
    """AGG alone holds 22 of 24 member states and 70 % of the population: a qualified majority. Counted as one
    member state (1 of 3 < 55 %), it would not be."""
    doc = _doc()
    cp = compile_scenario(scenario_from_document(doc))
    np.testing.assert_array_equal(cp.rules[0].members, [22.0, 1.0, 1.0])
    assert _only_agg_accepts(doc)
    del doc["actors"]["AGG"]["represents_members"]
    assert not _only_agg_accepts(doc)


def test_qmv_members_is_used_when_listed():
    doc = _doc(members={"AGG": 22, "B": 5, "C": 5})
    cp = compile_scenario(scenario_from_document(doc))
    np.testing.assert_array_equal(cp.rules[0].members, [22.0, 5.0, 5.0])
    assert _only_agg_accepts(doc)  # 22 of 32 ≥ 55 %
    doc["decision_rules"]["qmv"]["members"] = {"B": 15, "C": 15}
    del doc["actors"]["AGG"]["represents_members"]
    assert not _only_agg_accepts(doc)  # 1 of 31


def test_paris_2026_counts_eu_rest_the_same_either_way(paris2026):
    """EU_REST gives 15 (NORDIC_BALTIC 6) in both places; without their qmv.members entries the compiled rule is the
    same, and the 27 member states are all counted."""
    doc = paris2026.document()
    del doc["decision_rules"]["qmv"]["members"]["EU_REST"]
    del doc["decision_rules"]["qmv"]["members"]["NORDIC_BALTIC"]
    before = {r.label: r.members for r in compile_scenario(paris2026).rules}
    after = {r.label: r.members for r in compile_scenario(scenario_from_document(doc)).rules}
    assert before.keys() == after.keys()
    for label in before:
        np.testing.assert_array_equal(before[label], after[label])
    assert list(after["frozen_assets:qmv"]) == [1, 1, 1, 1, 1, 1, 6, 15]
    assert sum(after["frozen_assets:qmv"]) == 27


def _issues(doc: dict[str, Any]) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        scenario_from_document(doc)
    return [f"{i.dotted}: {i.message}" for i in info.value.issues]


def test_member_counts_that_disagree_are_an_error():
    assert _issues(_doc(members={"AGG": 20})) == [
        "decision_rules.qmv.members.AGG: AGG counts 20 member state(s) here but actors.AGG.represents_members is 22"
    ]


def test_a_voter_that_is_not_an_eu_member_is_an_error():
    doc = _doc()
    doc["actors"]["B"]["eu_member"] = False
    assert _issues(doc) == [
        "decision_rules.clause_approvals.assets.0.voters.1: voter 'B' has eu_member: false; "
        "qmv is a vote of EU member states"
    ]
    ok = copy.deepcopy(doc)
    ok["actors"]["B"]["eu_member"] = True
    scenario_from_document(ok)
    doc["decision_rules"]["clause_approvals"]["assets"]["rule"] = "unanimity"  # only qmv is an EU vote
    scenario_from_document(doc)
