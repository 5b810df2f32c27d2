"""Cross-reference checks of a structurally valid scenario (names, coverage, consistency).

Called once from :meth:`sim.scenario.models.Scenario._cross_check`; returns every problem, not just the first. When the
document has field errors, :mod:`sim.scenario.loader` calls it on a partial model (:mod:`sim.scenario.partial`) instead,
so that both kinds of error are reported in one pass. The checks of the document's structure are here; those of the
actors and of the decision rules are in :mod:`sim.scenario.checks_actors`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sim.errors import Issue
from sim.scenario.checking import Checks, hint
from sim.scenario.checks_actors import check_actors, check_decision_rules, check_profiles
from sim.scenario.checks_levers import check_levers
from sim.scenario.partial import GUARD

if TYPE_CHECKING:
    from sim.scenario.models import Scenario

__all__ = ["MAX_ACTOR_ROUNDS", "CrossCheckError", "cross_check", "hint"]

MAX_ACTOR_ROUNDS = 1_000_000
"""Actors x max_rounds of one scenario: the work (and the trace) of one run grows with it (200 actors x 5,000
rounds, or 20 actors x 50,000)."""


class CrossCheckError(ValueError):
    """Carries the issues of :func:`cross_check` through pydantic's validator machinery."""

    def __init__(self, issues: list[Issue]):
        super().__init__("; ".join(f"{i.dotted}: {i.message}" for i in issues))
        self.issues = issues


def cross_check(scenario: Scenario) -> list[Issue]:
    """Every cross-reference problem of ``scenario``, in the order of :data:`STEPS`. ``scenario`` may be a partial model
    (:mod:`sim.scenario.partial`): each check runs inside ``with GUARD:`` and is skipped when it touches a value that
    failed validation."""
    checks = Checks(scenario)
    for step in STEPS:
        with GUARD:
            step(scenario, checks)
    return checks.issues


def check_clauses(scenario: Scenario, checks: Checks) -> None:
    """No clause lists an option twice (reported on the second)."""
    for cid, c in checks.clauses.items():
        with GUARD:
            seen_options: set[str] = set()
            for j, o in enumerate(c.options):
                if o in seen_options:
                    checks.bad(f"option {o!r} listed twice", "clauses", cid, "options", j)
                seen_options.add(o)
            for o in c.option_labels:
                if o not in seen_options:
                    checks.bad(hint(o, c.options, f"option of {cid}"), "clauses", cid, "option_labels", o)


def check_status_quo(scenario: Scenario, checks: Checks) -> None:
    """The status quo gives every clause one of its options, and only known clauses."""
    sq = scenario.scenario.status_quo_package
    with GUARD:
        for cid in checks.clauses:
            if cid not in sq:
                checks.bad(f"no status-quo option for clause {cid!r}", "scenario", "status_quo_package")
    checks.options({k: [v] for k, v in sq.items()}, "scenario", "status_quo_package")


def check_groups(scenario: Scenario, checks: Checks) -> None:
    """A group does not take an actor's name, and its members are actors."""
    for g, members in scenario.groups.items():
        with GUARD:
            if g in checks.actors:
                checks.bad(f"group {g!r} has the name of an actor", "groups", g)
        with GUARD:
            for j, m in enumerate(members):
                with GUARD:
                    if m not in checks.actors:
                        checks.bad(hint(m, checks.actors, "actor"), "groups", g, j)


def check_protocol(scenario: Scenario, checks: Checks) -> None:
    """Known mediator (required by ``mediator_single_text``), proposers, ceasefire clauses (at least one for
    ``ceasefire_first``), agenda order and the clauses and options of ``ceasefire_hazard.factors``."""
    p, actors, clauses, bad = scenario.protocol, checks.actors, checks.clauses, checks.bad
    with GUARD:
        if p.mediator is not None and p.mediator not in actors:
            bad(hint(p.mediator, actors, "actor"), "protocol", "mediator")
    with GUARD:
        if p.proposal_mode == "mediator_single_text" and p.mediator is None:
            bad("mediator_single_text needs protocol.mediator", "protocol", "mediator")
    with GUARD:
        for j, a_ in enumerate(p.proposers or []):
            with GUARD:
                if a_ not in actors:
                    bad(hint(a_, actors, "actor"), "protocol", "proposers", j)
    with GUARD:
        for j, cid in enumerate(p.ceasefire_clauses):
            with GUARD:
                if cid not in clauses and p.agenda == "ceasefire_first":
                    bad(hint(cid, clauses, "clause"), "protocol", "ceasefire_clauses", j)
    with GUARD:
        if p.agenda == "ceasefire_first" and not any(c in clauses for c in p.ceasefire_clauses):
            bad("ceasefire_first needs at least one clause in protocol.ceasefire_clauses", "protocol", "agenda")
    with GUARD:
        for j, cid in enumerate(p.agenda_order or []):
            with GUARD:
                if cid not in clauses:
                    bad(hint(cid, clauses, "clause"), "protocol", "agenda_order", j)
    for j, a_ in enumerate(p.backup_mediators):
        with GUARD:
            if a_ not in actors:
                bad(hint(a_, actors, "actor"), "protocol", "backup_mediators", j)
            elif a_ == p.mediator:
                bad(
                    f"{a_} is the mediator; backup mediators take over when it walks away",
                    "protocol",
                    "backup_mediators",
                    j,
                )
    for cid, opts in (p.ceasefire_hazard.factors if p.ceasefire_hazard else {}).items():
        with GUARD:
            if cid not in clauses:
                bad(hint(cid, clauses, "clause"), "protocol", "ceasefire_hazard", "factors", cid)
                continue
            for o in opts:
                with GUARD:
                    if o not in clauses[cid].options:
                        bad(
                            hint(o, clauses[cid].options, f"option of {cid}"),
                            "protocol",
                            "ceasefire_hazard",
                            "factors",
                            cid,
                            o,
                        )


def check_battlefield(scenario: Scenario, checks: Checks) -> None:
    """The battlefield's attacker and defender are known actors; its beliefs are theirs."""
    b = scenario.battlefield
    if b is None:
        return
    for key in ("attacker", "defender"):
        with GUARD:
            if getattr(b, key) not in checks.actors:
                checks.bad(hint(getattr(b, key), checks.actors, "actor"), "battlefield", key)
    for side in b.beliefs:
        with GUARD:
            if side not in (b.attacker, b.defender):
                checks.bad(f"beliefs are the attacker's ({b.attacker}) and the defender's ({b.defender}), not {side}'s",
                           "battlefield", "beliefs", side)  # fmt: skip


def check_constraints(scenario: Scenario, checks: Checks) -> None:
    """Constraint ids are unique; their conditions name known clauses and options."""
    seen: set[str] = set()
    for j, con in enumerate(scenario.constraints):
        with GUARD:
            if con.id in seen:
                checks.bad(f"constraint id {con.id!r} used twice", "constraints", j, "id")
            seen.add(con.id)
        with GUARD:
            checks.options(con.if_, "constraints", j, "if")
        with GUARD:
            checks.options(con.require, "constraints", j, "require")


def check_shocks(scenario: Scenario, checks: Checks) -> None:
    """Each shock has exactly one of ``round`` (a reachable one) or ``p_per_round``, known actors and profiles, and
    changes something; no two shocks share an id (the run fires shocks by id). Their values are checked against
    the fields' bounds by :mod:`sim.scenario.shock_values`."""
    seen: dict[str, int] = {}
    for j, sh in enumerate(scenario.shocks):
        with GUARD:
            _check_shock(scenario, j, sh, checks)
        with GUARD:
            if sh.id in seen:
                checks.bad(f"shock id {sh.id!r} is already used by shock {seen[sh.id]}", "shocks", j, "id")
            seen.setdefault(sh.id, j)


def check_work(scenario: Scenario, checks: Checks) -> None:
    """A run's work grows with actors x rounds: refused up front above :data:`MAX_ACTOR_ROUNDS`."""
    with GUARD:
        n, rounds = len(checks.actors), scenario.scenario.max_rounds
        if n * rounds > MAX_ACTOR_ROUNDS:
            checks.bad(
                f"{n} actors x {rounds:,} rounds = {n * rounds:,} actor-rounds: at most {MAX_ACTOR_ROUNDS:,} are "
                "allowed (fewer rounds or fewer actors)",
                "scenario",
                "max_rounds",
            )


def _check_shock(scenario: Scenario, j: int, sh: Any, checks: Checks) -> None:
    bad = checks.bad
    with GUARD:
        if (sh.round is None) == (sh.p_per_round is None):
            bad("give exactly one of round or p_per_round", "shocks", j)
    with GUARD:
        if sh.round is not None and sh.round >= scenario.scenario.max_rounds:
            bad(
                f"round {sh.round} is never reached (rounds are 0..{scenario.scenario.max_rounds - 1})",
                "shocks",
                j,
                "round",
            )
    with GUARD:
        for a_, pname in sh.profile.items():
            with GUARD:
                if a_ not in checks.actors:
                    bad(hint(a_, checks.actors, "actor"), "shocks", j, "profile", a_)
            with GUARD:
                if pname not in scenario.profiles:
                    bad(hint(pname, scenario.profiles, "profile"), "shocks", j, "profile", a_)
    with GUARD:
        if not (sh.set or sh.add or sh.profile):
            bad("the shock changes nothing (give set, add or profile)", "shocks", j)


STEPS: tuple[Callable[[Scenario, Checks], None], ...] = (
    check_clauses,
    check_status_quo,
    check_groups,
    check_actors,
    check_profiles,
    check_protocol,
    check_decision_rules,
    check_constraints,
    check_shocks,
    check_battlefield,
    check_levers,
    check_work,
)
"""The checks in the order their problems are reported."""
