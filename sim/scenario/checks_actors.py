"""Cross-reference checks of the actors: their preferences (and their profiles'), and who must approve what.

Steps of :func:`sim.scenario.checks.cross_check`; each takes the scenario and the :class:`~sim.scenario.checking.Checks`
collecting its problems, and guards every check with ``with GUARD:`` (the scenario may be a partial model).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sim.scenario.checking import Checks, hint
from sim.scenario.partial import GUARD

if TYPE_CHECKING:
    from sim.scenario.models import QMV, Scenario


def check_actors(scenario: Scenario, checks: Checks) -> None:
    """Every actor's fields (after inheritance): see :func:`_check_actor_fields`."""
    for aid, a in checks.actors.items():
        with GUARD:
            _check_actor_fields(scenario, aid, a, checks)


def check_profiles(scenario: Scenario, checks: Checks) -> None:
    """Every profile names only known clauses and options (a profile may be incomplete)."""
    for pid, prof in scenario.profiles.items():
        with GUARD:
            _check_profile(pid, prof, checks)


def _check_actor_fields(scenario: Scenario, aid: str, a: Any, checks: Checks) -> None:
    """An actor's preferences (:func:`_check_preferences`), then the rest of its fields (:func:`_check_conduct`)."""
    _check_preferences(aid, a, checks)
    _check_conduct(scenario, aid, a, checks)


def _check_preferences(aid: str, a: Any, checks: Checks) -> None:
    """A salience that is not all zero and names known clauses; option values of known options, for every option
    of each clause valued, and for each clause with a positive salience."""
    where, clauses, bad = ("actors", aid), checks.clauses, checks.bad
    with GUARD:
        if a.salience is None:
            bad("no salience (give one, or inherit it from a profile)", *where)
        else:
            for cid in a.salience:
                if cid not in clauses:
                    bad(hint(cid, clauses, "clause"), *where, "salience", cid)
            with GUARD:
                if not any(v > 0 for v in a.salience.values()):
                    bad("every salience is zero: the actor would care about nothing", *where, "salience")
    utils: Any = {}
    with GUARD:
        utils = a.utilities or {}
        for cid, vals in utils.items():
            with GUARD:
                if cid not in clauses:
                    bad(hint(cid, clauses, "clause"), *where, "utilities", cid)
                    continue
                opts = clauses[cid].options
                for o in vals:
                    if o not in opts:
                        bad(hint(o, opts, f"option of {cid}"), *where, "utilities", cid, o)
                missing = [o for o in opts if o not in vals]
                if missing:
                    bad(f"no value for option(s) {', '.join(missing)}", *where, "utilities", cid)
    with GUARD:
        if a.salience is not None:
            for cid, w in a.salience.items():
                with GUARD:
                    if w > 0 and cid in clauses and cid not in utils:
                        bad(f"salience {w} on {cid!r} but no option values for it", *where, "utilities")


def _check_conduct(scenario: Scenario, aid: str, a: Any, checks: Checks) -> None:
    """Red lines (a hard one leaving some option), interactions and ratification triggers on known options; a
    deadline within the rounds; a ratification with one of p, a model and a support table."""
    where, bad = ("actors", aid), checks.bad
    with GUARD:
        for cid, rl in (a.red_lines or {}).items():
            with GUARD:
                checks.options({cid: rl.options}, *where, "red_lines", allow_all=not rl.hard)
    with GUARD:
        for j, it in enumerate(a.interactions or []):
            with GUARD:
                checks.options(it.when, *where, "interactions", j, "when")
    with GUARD:
        rounds = scenario.scenario.max_rounds
        if a.deadline is not None and a.deadline.round >= rounds:
            bad(
                f"deadline round {a.deadline.round} is never reached (rounds are 0..{rounds - 1})",
                *where,
                "deadline",
                "round",
            )
    with GUARD:
        if a.deadline is not None:
            _check_deadline(scenario, aid, a.deadline, checks)
    with GUARD:
        if a.ratification is not None:
            trig = a.ratification.triggers
            alts: list[tuple[tuple[int, ...], dict[str, list[str]]]] = (
                [((), trig)] if isinstance(trig, dict) else [((j,), alt) for j, alt in enumerate(trig)]
            )
            for at, alt in alts:
                with GUARD:
                    checks.options(alt, *where, "ratification", "triggers", *at)
            given = [k for k in ("p", "model", "support") if getattr(a.ratification, k) is not None]
            if not given:
                bad("give p (the probability it passes), a model or a support table", *where, "ratification")
            elif len(given) > 1:
                bad(f"give one of p, model and support, not {' and '.join(given)}", *where, "ratification")
            if a.ratification.support is not None:
                check_support(a.ratification.support, checks, *where, "ratification", "support")


def _check_profile(pid: str, prof: Any, checks: Checks) -> None:
    """A profile's saliences, option values and red lines name known clauses and options."""
    clauses, bad = checks.clauses, checks.bad
    with GUARD:
        for cid in prof.salience or {}:
            if cid not in clauses:
                bad(hint(cid, clauses, "clause"), "profiles", pid, "salience", cid)
    with GUARD:
        for cid, vals in (prof.utilities or {}).items():
            with GUARD:
                if cid not in clauses:
                    bad(hint(cid, clauses, "clause"), "profiles", pid, "utilities", cid)
                else:
                    for o in vals:
                        if o not in clauses[cid].options:
                            bad(hint(o, clauses[cid].options, f"option of {cid}"), "profiles", pid, "utilities", cid, o)
    with GUARD:
        for cid, rl in (prof.red_lines or {}).items():
            with GUARD:
                checks.options({cid: rl.options}, "profiles", pid, "red_lines", allow_all=not rl.hard)


def check_decision_rules(scenario: Scenario, checks: Checks) -> None:
    """Known signatories (and at least one), approval rules of known clauses (:func:`_check_rule`), qmv weights of
    known actors, each agreeing with the actor's own ``represents_members`` when both are given."""
    dr, bad = scenario.decision_rules, checks.bad
    with GUARD:
        for j, a_ in enumerate(dr.signatories or []):
            checks.actor(a_, "decision_rules", "signatories", j)
    with GUARD:
        if not scenario.signatories:
            bad("no signatories (list them, or give actors a *_signatory role)", "decision_rules", "signatories")
    with GUARD:
        for cid, rules in dr.clause_approvals.items():
            with GUARD:
                if cid not in checks.clauses:
                    bad(hint(cid, checks.clauses, "clause"), "decision_rules", "clause_approvals", cid)
                    continue
                for k, r in enumerate(rules):
                    with GUARD:
                        _check_rule(scenario, cid, k, r, checks)
    with GUARD:
        if dr.qmv is not None:
            weights: dict[str, Any] = {
                "members": dr.qmv.members,
                "population_share_of_eu27": dr.qmv.population_share_of_eu27,
            }
            for key, part in weights.items():
                with GUARD:
                    for a_ in part:
                        if a_ not in checks.actors:
                            bad(hint(a_, checks.actors, "actor"), "decision_rules", "qmv", key, a_)
            with GUARD:
                _check_member_counts(dr.qmv.members, checks)


def _check_member_counts(members: dict[str, int], checks: Checks) -> None:
    """An actor listed in ``qmv.members`` that also gives ``represents_members`` gives the same count."""
    for a_, n in members.items():
        with GUARD:
            if a_ in checks.actors and "represents_members" in checks.actors[a_].model_fields_set:
                own = checks.actors[a_].represents_members
                if own != n:
                    checks.bad(
                        f"{a_} counts {n} member state(s) here but actors.{a_}.represents_members is {own}",
                        "decision_rules",
                        "qmv",
                        "members",
                        a_,
                    )


def _check_rule(scenario: Scenario, cid: str, k: int, r: Any, checks: Checks) -> None:
    """Trigger options of the clause (``when`` or ``when_not``, not both), the voters or contributors a rule needs,
    all known; ``body`` and ``p`` for a ratification; qmv weights for a qmv rule (:func:`_check_qmv_rule`)."""
    clauses, bad = checks.clauses, checks.bad
    rwhere = ("decision_rules", "clause_approvals", cid, k)
    for field in ("when", "when_not"):
        with GUARD:
            for j, o in enumerate(getattr(r, field) or []):
                with GUARD:
                    if o not in clauses[cid].options:
                        bad(hint(o, clauses[cid].options, f"option of {cid}"), *rwhere, field, j)
    if r.when is not None and r.when_not is not None:
        bad("give when or when_not, not both", *rwhere)
    people = r.voters if r.rule in VOTED else r.required if r.rule == "contributors" else []
    field = "voters" if r.rule in VOTED else "required"
    with GUARD:
        if r.rule != "ratification" and not people:
            bad(f"rule {r.rule!r} needs {field}", *rwhere)
    with GUARD:
        for j, a_ in enumerate(people or []):
            checks.actor(a_, *rwhere, field, j)
    with GUARD:
        if r.rule == "ratification" and (r.body is None or (r.p is None) == (r.support is None)):
            bad("rule 'ratification' needs body and one of p (its probability of passing) and support", *rwhere)
        if r.support is not None:
            if r.rule != "ratification":
                bad("support belongs to rule 'ratification' only", *rwhere, "support")
            else:
                check_support(r.support, checks, *rwhere, "support")
    with GUARD:
        _check_k_of_n(scenario, r, rwhere, checks)
    if r.rule == "qmv":
        if scenario.decision_rules.qmv is None:
            bad("rule 'qmv' needs decision_rules.qmv (members and population shares)", *rwhere)
        else:
            _check_qmv_rule(scenario, r, scenario.decision_rules.qmv, rwhere, checks)


def check_support(support: Any, checks: Checks, *where: str | int) -> None:
    """A support table names known clauses and, in each, options of that clause."""
    for cid, row in support.table.items():
        with GUARD:
            if cid not in checks.clauses:
                checks.bad(hint(cid, checks.clauses, "clause"), *where, "table", cid)
                continue
            opts = checks.clauses[cid].options
            for o in row:
                if o not in opts:
                    checks.bad(hint(o, opts, f"option of {cid}"), *where, "table", cid, o)


VOTED = ("unanimity", "qmv", "k_of_n")
"""Rules whose actors are given as ``voters`` (``contributors`` lists ``required``)."""


def _check_k_of_n(scenario: Scenario, r: Any, rwhere: tuple[str | int, ...], checks: Checks) -> None:
    """``k`` (1 … the number of voters, groups expanded) is given for a ``k_of_n`` rule and only there; its
    ``vetoes`` are voters; ``vetoes`` belongs to ``k_of_n`` only."""
    if r.rule != "k_of_n":
        for f in ("k", "vetoes"):
            if getattr(r, f) is not None:
                checks.bad(f"{f} belongs to rule 'k_of_n' only (this rule is {r.rule!r})", *rwhere, f)
        return
    voters = scenario.expand(r.voters or [])
    if r.k is None:
        checks.bad("rule 'k_of_n' needs k (how many voters must accept)", *rwhere)
    elif voters and r.k > len(voters):
        checks.bad(f"k is {r.k} but the rule has {len(voters)} voter(s)", *rwhere, "k")
    for j, v in enumerate(scenario.expand(r.vetoes or [])):
        if v not in voters:
            checks.bad(f"veto {v!r} is not one of the rule's voters", *rwhere, "vetoes", j)


def _check_qmv_rule(scenario: Scenario, r: Any, qmv: QMV, rwhere: tuple[str | int, ...], checks: Checks) -> None:
    """Each voter (groups expanded) has a population share and is not marked ``eu_member: false`` (qmv is a vote of
    EU member states); the voters' member counts (``qmv.members``, else ``represents_members``) and population
    shares do not sum to zero. A voter is reported once, on the item of ``voters`` that names it or its group."""
    actors = checks.actors
    counted: set[str] = set()
    for j, written in enumerate(r.voters or []):
        for v in scenario.expand([written]):
            with GUARD:
                if v in counted:
                    continue
                counted.add(v)
                via = f" (of group {written!r})" if v != written else ""
                if v not in qmv.population_share_of_eu27:
                    checks.bad(f"voter {v!r}{via} has no weight in decision_rules.qmv", *rwhere, "voters", j)
                elif v in actors and actors[v].eu_member is False:
                    checks.bad(
                        f"voter {v!r}{via} has eu_member: false; qmv is a vote of EU member states",
                        *rwhere,
                        "voters",
                        j,
                    )

    def members(v: str) -> int:
        return qmv.members[v] if v in qmv.members else actors[v].represents_members if v in actors else 0

    voters = scenario.expand(r.voters or [])
    weight = sum(members(v) for v in voters)
    pop_sum = sum(qmv.population_share_of_eu27.get(v, 0) for v in voters)
    if not (weight > 0 and pop_sum > 0):
        checks.bad("the voters' members and population shares in decision_rules.qmv sum to zero", *rwhere)


def _check_deadline(scenario: Scenario, aid: str, dl: Any, checks: Checks) -> None:
    """A sanction or aid-cut deadline changes something; ``reverts`` names known clauses, only for a walk-away."""
    where, bad = ("actors", aid, "deadline"), checks.bad
    with GUARD:
        if dl.action != "walk_away" and not (dl.set or dl.add):
            bad(f"action {dl.action} changes nothing: give set or add (paths, as a shock's)", *where, "action")
    with GUARD:
        if dl.reverts and dl.action != "walk_away":
            bad(f"reverts applies to a walk_away, not to {dl.action}", *where, "reverts")
    for j, cid in enumerate(dl.reverts):
        with GUARD:
            if cid not in checks.clauses:
                bad(hint(cid, checks.clauses, "clause"), *where, "reverts", j)
