"""Cross-reference checks of a structurally valid scenario (names, coverage, consistency).

Called once from :meth:`sim.scenario.Scenario._cross_check`; returns every problem, not just the first.
"""

from __future__ import annotations

from difflib import get_close_matches
from typing import TYPE_CHECKING, Any

from .errors import Issue

if TYPE_CHECKING:
    from .scenario import Scenario


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
    issues: list[Issue] = []

    def bad(msg: str, *path: str | int) -> None:
        issues.append(Issue(msg, tuple(path)))

    clauses = s.clauses
    actors = s.actors
    names = set(actors) | set(s.groups)

    for cid, c in clauses.items():
        if len(set(c.options)) != len(c.options):
            dup = sorted({o for o in c.options if c.options.count(o) > 1})
            bad(f"option listed twice: {', '.join(dup)}", "clauses", cid, "options")

    def check_options(opts: dict[str, list[str]], *path: str | int, allow_all: bool = True) -> None:
        for cid, ol in opts.items():
            if cid not in clauses:
                bad(hint(cid, clauses, "clause"), *path, cid)
                continue
            for j, o in enumerate(ol):
                if o not in clauses[cid].options:
                    bad(hint(o, clauses[cid].options, f"option of {cid}"), *path, cid, j)
            if not allow_all and set(ol) >= set(clauses[cid].options):
                bad(f"excludes every option of clause {cid!r}: no package could be signed", *path, cid)

    def check_actor(name: str, *path: str | int) -> None:
        if name not in names:
            bad(hint(name, names, "actor or group"), *path)

    sq = s.scenario.status_quo_package
    for cid in clauses:
        if cid not in sq:
            bad(f"no status-quo option for clause {cid!r}", "scenario", "status_quo_package")
    check_options({k: [v] for k, v in sq.items()}, "scenario", "status_quo_package")

    for g, members in s.groups.items():
        if g in actors:
            bad(f"group {g!r} has the name of an actor", "groups", g)
        for j, m in enumerate(members):
            if m not in actors:
                bad(hint(m, actors, "actor"), "groups", g, j)

    for aid, a in actors.items():
        where = ("actors", aid)
        if a.salience is None:
            bad("no salience (give one, or inherit it from a profile)", *where)
        else:
            for cid in a.salience:
                if cid not in clauses:
                    bad(hint(cid, clauses, "clause"), *where, "salience", cid)
            if not any(v > 0 for v in a.salience.values()):
                bad("every salience is zero: the actor would care about nothing", *where, "salience")
        utils = a.utilities or {}
        for cid, vals in utils.items():
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
        if a.salience is not None:
            for cid, w in a.salience.items():
                if w > 0 and cid in clauses and cid not in utils:
                    bad(f"salience {w} on {cid!r} but no option values for it", *where, "utilities")
        for cid, rl in (a.red_lines or {}).items():
            check_options({cid: rl.options}, *where, "red_lines", allow_all=not rl.hard)
        for j, it in enumerate(a.interactions or []):
            check_options(it.when, *where, "interactions", j, "when")
        if a.deadline is not None and a.deadline.round >= s.scenario.max_rounds:
            bad(
                f"deadline round {a.deadline.round} is never reached (rounds are 0..{s.scenario.max_rounds - 1})",
                *where,
                "deadline",
                "round",
            )
        if a.ratification is not None:
            check_options(a.ratification.triggers, *where, "ratification", "triggers")
            if a.ratification.p is None and a.ratification.model is None:
                bad("give p (the probability it passes) or a model", *where, "ratification")

    for pid, prof in s.profiles.items():
        for cid in prof.salience or {}:
            if cid not in clauses:
                bad(hint(cid, clauses, "clause"), "profiles", pid, "salience", cid)
        for cid, vals in (prof.utilities or {}).items():
            if cid not in clauses:
                bad(hint(cid, clauses, "clause"), "profiles", pid, "utilities", cid)
            else:
                for o in vals:
                    if o not in clauses[cid].options:
                        bad(
                            hint(o, clauses[cid].options, f"option of {cid}"),
                            "profiles",
                            pid,
                            "utilities",
                            cid,
                            o,
                        )
        for cid, rl in (prof.red_lines or {}).items():
            check_options({cid: rl.options}, "profiles", pid, "red_lines", allow_all=not rl.hard)

    p = s.protocol
    if p.mediator is not None and p.mediator not in actors:
        bad(hint(p.mediator, actors, "actor"), "protocol", "mediator")
    if p.proposal_mode == "mediator_single_text" and p.mediator is None:
        bad("mediator_single_text needs protocol.mediator", "protocol", "mediator")
    for j, a_ in enumerate(p.proposers or []):
        if a_ not in actors:
            bad(hint(a_, actors, "actor"), "protocol", "proposers", j)
    for j, cid in enumerate(p.ceasefire_clauses):
        if cid not in clauses and p.agenda == "ceasefire_first":
            bad(hint(cid, clauses, "clause"), "protocol", "ceasefire_clauses", j)
    if p.agenda == "ceasefire_first" and not any(c in clauses for c in p.ceasefire_clauses):
        bad("ceasefire_first needs at least one clause in protocol.ceasefire_clauses", "protocol", "agenda")
    for j, cid in enumerate(p.agenda_order or []):
        if cid not in clauses:
            bad(hint(cid, clauses, "clause"), "protocol", "agenda_order", j)

    dr = s.decision_rules
    for j, a_ in enumerate(dr.signatories or []):
        check_actor(a_, "decision_rules", "signatories", j)
    if not s.signatories:
        bad("no signatories (list them, or give actors a *_signatory role)", "decision_rules", "signatories")
    for cid, rules in dr.clause_approvals.items():
        if cid not in clauses:
            bad(hint(cid, clauses, "clause"), "decision_rules", "clause_approvals", cid)
            continue
        for k, r in enumerate(rules):
            rwhere = ("decision_rules", "clause_approvals", cid, k)
            for field in ("when", "when_not"):
                for j, o in enumerate(getattr(r, field) or []):
                    if o not in clauses[cid].options:
                        bad(hint(o, clauses[cid].options, f"option of {cid}"), *rwhere, field, j)
            if r.when is not None and r.when_not is not None:
                bad("give when or when_not, not both", *rwhere)
            people = r.voters if r.rule in ("unanimity", "qmv") else r.required if r.rule == "contributors" else []
            field = "voters" if r.rule in ("unanimity", "qmv") else "required"
            if r.rule != "ratification" and not people:
                bad(f"rule {r.rule!r} needs {field}", *rwhere)
            for j, a_ in enumerate(people or []):
                check_actor(a_, *rwhere, field, j)
            if r.rule == "ratification" and (r.p is None or r.body is None):
                bad("rule 'ratification' needs body and p (its probability of passing)", *rwhere)
            if r.rule == "qmv":
                if dr.qmv is None:
                    bad("rule 'qmv' needs decision_rules.qmv (members and population shares)", *rwhere)
                else:
                    voters = s.expand(r.voters or [])
                    for j, v in enumerate(voters):
                        if v not in dr.qmv.members or v not in dr.qmv.population_share_of_eu27:
                            bad(f"voter {v!r} has no weight in decision_rules.qmv", *rwhere, "voters", j)
                    weight = sum(dr.qmv.members.get(v, 0) for v in voters)
                    pop_sum = sum(dr.qmv.population_share_of_eu27.get(v, 0) for v in voters)
                    if not (weight > 0 and pop_sum > 0):
                        bad("the voters' members and population shares in decision_rules.qmv sum to zero", *rwhere)
    if dr.qmv is not None:
        weights: dict[str, dict[str, Any]] = {
            "members": dr.qmv.members,
            "population_share_of_eu27": dr.qmv.population_share_of_eu27,
        }
        for key, part in weights.items():
            for a_ in part:
                if a_ not in actors:
                    bad(hint(a_, actors, "actor"), "decision_rules", "qmv", key, a_)

    seen: set[str] = set()
    for j, con in enumerate(s.constraints):
        if con.id in seen:
            bad(f"constraint id {con.id!r} used twice", "constraints", j, "id")
        seen.add(con.id)
        check_options(con.if_, "constraints", j, "if")
        check_options(con.require, "constraints", j, "require")

    for j, sh in enumerate(s.shocks):
        if (sh.round is None) == (sh.p_per_round is None):
            bad("give exactly one of round or p_per_round", "shocks", j)
        if sh.round is not None and sh.round >= s.scenario.max_rounds:
            bad(
                f"round {sh.round} is never reached (rounds are 0..{s.scenario.max_rounds - 1})",
                "shocks",
                j,
                "round",
            )
        for a_, pname in sh.profile.items():
            if a_ not in actors:
                bad(hint(a_, actors, "actor"), "shocks", j, "profile", a_)
            if pname not in s.profiles:
                bad(hint(pname, s.profiles, "profile"), "shocks", j, "profile", a_)
        if not (sh.set or sh.add or sh.profile):
            bad("the shock changes nothing (give set, add or profile)", "shocks", j)
    return issues
