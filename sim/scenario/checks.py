"""Cross-reference checks of a structurally valid scenario (names, coverage, consistency).

Called once from :meth:`sim.scenario.models.Scenario._cross_check`; returns every problem, not just the first. When the
document has field errors, :mod:`sim.scenario.loader` calls it on a partial model (:mod:`sim.scenario.partial`) instead,
so that both
kinds of error are reported in one pass.
"""

from __future__ import annotations

from collections.abc import Callable
from difflib import get_close_matches
from typing import TYPE_CHECKING, Any

from sim.errors import Issue
from sim.scenario.partial import FAILED, GUARD

if TYPE_CHECKING:
    from sim.scenario.models import Scenario


class CrossCheckError(ValueError):
    """Carries the issues of :func:`cross_check` through pydantic's validator machinery."""

    def __init__(self, issues: list[Issue]):
        super().__init__("; ".join(f"{i.dotted}: {i.message}" for i in issues))
        self.issues = issues


def hint(name: object, known: list[str] | set[str] | dict, what: str) -> str:
    """``unknown clause 'cesefire'; did you mean 'ceasefire'?`` (or the list of what is allowed)."""
    names = sorted(set(map(str, known)))
    near = get_close_matches(str(name), names, n=1, cutoff=0.6)
    if near:
        return f"unknown {what} {name!r}; did you mean {near[0]!r}?"
    shown = ", ".join(names[:12]) + (", …" if len(names) > 12 else "")
    return f"unknown {what} {name!r}; expected one of: {shown or 'none defined'}"


def cross_check(s: Scenario) -> list[Issue]:
    """Every cross-reference problem of ``s``. ``s`` may be a partial model (:mod:`sim.scenario.partial`): each check
    runs
    inside ``with GUARD:`` and is skipped when it touches a value that failed validation."""
    issues: list[Issue] = []

    def bad(msg: str, *path: str | int) -> None:
        issues.append(Issue(msg, tuple(path)))

    clauses: Any = s.clauses
    actors: Any = s.actors
    names: Any = FAILED  # unknown when the actors or the groups failed: then no name is checked against them
    with GUARD:
        names = set(actors) | set(s.groups)

    with GUARD:
        for cid, c in clauses.items():
            with GUARD:
                seen_options: set[str] = set()
                for j, o in enumerate(c.options):
                    if o in seen_options:
                        bad(f"option {o!r} listed twice", "clauses", cid, "options", j)
                    seen_options.add(o)

    def check_options(opts: dict[str, list[str]], *path: str | int, allow_all: bool = True) -> None:
        for cid, ol in opts.items():
            with GUARD:
                if cid not in clauses:
                    bad(hint(cid, clauses, "clause"), *path, cid)
                    continue
                for j, o in enumerate(ol):
                    with GUARD:
                        if o not in clauses[cid].options:
                            bad(hint(o, clauses[cid].options, f"option of {cid}"), *path, cid, j)
                if not allow_all and set(ol) >= set(clauses[cid].options):
                    bad(f"excludes every option of clause {cid!r}: no package could be signed", *path, cid)

    def check_actor(name: str, *path: str | int) -> None:
        with GUARD:
            if name not in names:
                bad(hint(name, names, "actor or group"), *path)

    with GUARD:
        sq = s.scenario.status_quo_package
        with GUARD:
            for cid in clauses:
                if cid not in sq:
                    bad(f"no status-quo option for clause {cid!r}", "scenario", "status_quo_package")
        check_options({k: [v] for k, v in sq.items()}, "scenario", "status_quo_package")

    with GUARD:
        for g, members in s.groups.items():
            with GUARD:
                if g in actors:
                    bad(f"group {g!r} has the name of an actor", "groups", g)
            with GUARD:
                for j, m in enumerate(members):
                    with GUARD:
                        if m not in actors:
                            bad(hint(m, actors, "actor"), "groups", g, j)

    with GUARD:
        for aid, a in actors.items():
            with GUARD:
                _check_actor_fields(s, aid, a, clauses, bad, check_options)

    with GUARD:
        for pid, prof in s.profiles.items():
            with GUARD:
                _check_profile(pid, prof, clauses, bad, check_options)

    with GUARD:
        _check_protocol(s, actors, clauses, bad)

    with GUARD:
        _check_decision_rules(s, actors, clauses, bad, check_actor)

    with GUARD:
        seen: set[str] = set()
        for j, con in enumerate(s.constraints):
            with GUARD:
                if con.id in seen:
                    bad(f"constraint id {con.id!r} used twice", "constraints", j, "id")
                seen.add(con.id)
            with GUARD:
                check_options(con.if_, "constraints", j, "if")
            with GUARD:
                check_options(con.require, "constraints", j, "require")

    with GUARD:
        for j, sh in enumerate(s.shocks):
            with GUARD:
                _check_shock(s, j, sh, actors, bad)
    return issues


Bad = Callable[..., None]


def _check_actor_fields(s: Scenario, aid: str, a: Any, clauses: Any, bad: Bad, check_options: Bad) -> None:
    where = ("actors", aid)
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
    with GUARD:
        for cid, rl in (a.red_lines or {}).items():
            with GUARD:
                check_options({cid: rl.options}, *where, "red_lines", allow_all=not rl.hard)
    with GUARD:
        for j, it in enumerate(a.interactions or []):
            with GUARD:
                check_options(it.when, *where, "interactions", j, "when")
    with GUARD:
        if a.deadline is not None and a.deadline.round >= s.scenario.max_rounds:
            bad(
                f"deadline round {a.deadline.round} is never reached (rounds are 0..{s.scenario.max_rounds - 1})",
                *where,
                "deadline",
                "round",
            )
    with GUARD:
        if a.ratification is not None:
            with GUARD:
                check_options(a.ratification.triggers, *where, "ratification", "triggers")
            if a.ratification.p is None and a.ratification.model is None:
                bad("give p (the probability it passes) or a model", *where, "ratification")


def _check_profile(pid: str, prof: Any, clauses: Any, bad: Bad, check_options: Bad) -> None:
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
                check_options({cid: rl.options}, "profiles", pid, "red_lines", allow_all=not rl.hard)


def _check_protocol(s: Scenario, actors: Any, clauses: Any, bad: Bad) -> None:
    p = s.protocol
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


def _check_decision_rules(s: Scenario, actors: Any, clauses: Any, bad: Bad, check_actor: Bad) -> None:
    dr = s.decision_rules
    with GUARD:
        for j, a_ in enumerate(dr.signatories or []):
            check_actor(a_, "decision_rules", "signatories", j)
    with GUARD:
        if not s.signatories:
            bad("no signatories (list them, or give actors a *_signatory role)", "decision_rules", "signatories")
    with GUARD:
        for cid, rules in dr.clause_approvals.items():
            with GUARD:
                if cid not in clauses:
                    bad(hint(cid, clauses, "clause"), "decision_rules", "clause_approvals", cid)
                    continue
                for k, r in enumerate(rules):
                    with GUARD:
                        _check_rule(s, cid, k, r, clauses, bad, check_actor)
    with GUARD:
        if dr.qmv is not None:
            weights: dict[str, Any] = {
                "members": dr.qmv.members,
                "population_share_of_eu27": dr.qmv.population_share_of_eu27,
            }
            for key, part in weights.items():
                with GUARD:
                    for a_ in part:
                        if a_ not in actors:
                            bad(hint(a_, actors, "actor"), "decision_rules", "qmv", key, a_)


def _check_rule(s: Scenario, cid: str, k: int, r: Any, clauses: Any, bad: Bad, check_actor: Bad) -> None:
    dr = s.decision_rules
    rwhere = ("decision_rules", "clause_approvals", cid, k)
    for field in ("when", "when_not"):
        with GUARD:
            for j, o in enumerate(getattr(r, field) or []):
                with GUARD:
                    if o not in clauses[cid].options:
                        bad(hint(o, clauses[cid].options, f"option of {cid}"), *rwhere, field, j)
    if r.when is not None and r.when_not is not None:
        bad("give when or when_not, not both", *rwhere)
    people = r.voters if r.rule in ("unanimity", "qmv") else r.required if r.rule == "contributors" else []
    field = "voters" if r.rule in ("unanimity", "qmv") else "required"
    with GUARD:
        if r.rule != "ratification" and not people:
            bad(f"rule {r.rule!r} needs {field}", *rwhere)
    with GUARD:
        for j, a_ in enumerate(people or []):
            check_actor(a_, *rwhere, field, j)
    with GUARD:
        if r.rule == "ratification" and (r.p is None or r.body is None):
            bad("rule 'ratification' needs body and p (its probability of passing)", *rwhere)
    if r.rule == "qmv":
        if dr.qmv is None:
            bad("rule 'qmv' needs decision_rules.qmv (members and population shares)", *rwhere)
        else:
            voters = s.expand(r.voters or [])
            counted: set[str] = set()
            for j, written in enumerate(r.voters or []):  # reported on the item as written (a group or a voter)
                for v in s.expand([written]):
                    with GUARD:
                        if v not in counted and (v not in dr.qmv.members or v not in dr.qmv.population_share_of_eu27):
                            via = f" (of group {written!r})" if v != written else ""
                            bad(f"voter {v!r}{via} has no weight in decision_rules.qmv", *rwhere, "voters", j)
                        counted.add(v)
            weight = sum(dr.qmv.members.get(v, 0) for v in voters)
            pop_sum = sum(dr.qmv.population_share_of_eu27.get(v, 0) for v in voters)
            if not (weight > 0 and pop_sum > 0):
                bad("the voters' members and population shares in decision_rules.qmv sum to zero", *rwhere)


def _check_shock(s: Scenario, j: int, sh: Any, actors: Any, bad: Bad) -> None:
    with GUARD:
        if (sh.round is None) == (sh.p_per_round is None):
            bad("give exactly one of round or p_per_round", "shocks", j)
    with GUARD:
        if sh.round is not None and sh.round >= s.scenario.max_rounds:
            bad(
                f"round {sh.round} is never reached (rounds are 0..{s.scenario.max_rounds - 1})",
                "shocks",
                j,
                "round",
            )
    with GUARD:
        for a_, pname in sh.profile.items():
            with GUARD:
                if a_ not in actors:
                    bad(hint(a_, actors, "actor"), "shocks", j, "profile", a_)
            with GUARD:
                if pname not in s.profiles:
                    bad(hint(pname, s.profiles, "profile"), "shocks", j, "profile", a_)
    with GUARD:
        if not (sh.set or sh.add or sh.profile):
            bad("the shock changes nothing (give set, add or profile)", "shocks", j)
