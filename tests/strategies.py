"""Shared hypothesis strategies: random *valid* scenario documents and scenarios.

Reuse them for any property of the engine (in the manner of ``axelrod/tests/property.py``)::

    from hypothesis import given
    from strategies import scenario_documents, scenarios  # tests/ is on sys.path under pytest

    @given(scenarios(max_actors=3))
    def test_something(s): ...

:func:`scenario_documents` returns the plain dict a YAML file would hold (written with the shorthands: option
values as a list, red lines as a list or a single name, a single approval rule instead of a list);
:func:`scenarios` validates it with :func:`sim.scenario_from_document`. Every document satisfies the checks of
``sim/checks.py``: each actor has a positive salience and a value for every option of every salient clause
(given itself or inherited from a profile), hard red lines never exclude every option of a clause, deadlines
and shock rounds fall within ``max_rounds``, approval rules name real actors and groups, and there is at least
one signatory. Numbers are multiples of 1/1000, so that a YAML round trip is exact and examples read easily.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from sim.scenario.models import Scenario

CLAUSE_NAMES = ("ceasefire", "territory", "sanctions", "forces", "assets", "nato", "aid")
OPTION_NAMES = (
    "none",
    "partial",
    "full",
    "freeze",
    "no",
    "on",
    "yes",
    "phased",
    "lift",
)  # no/on/yes: YAML 1.1 traps
ACTOR_NAMES = ("US", "UA", "RU", "FR", "DE", "PL", "HU", "A_1", "b-2")
PROFILE_NAMES = ("E3_base", "HU_SK_base", "hawk")
GROUP_NAMES = ("EU", "coalition")

unit = st.integers(0, 1000).map(lambda k: k / 1000)
"""A number in [0, 1] (multiples of 0.001)."""
positive_unit = st.integers(1, 1000).map(lambda k: k / 1000)
signed = st.integers(-1000, 1000).map(lambda k: k / 1000)


def _subset(draw: st.DrawFn, items: list[Any], min_size: int = 0, max_size: int | None = None) -> list[Any]:
    """A sub-list of ``items`` in their order."""
    top = len(items) if max_size is None else min(max_size, len(items))
    picked = draw(st.lists(st.sampled_from(items), min_size=min_size, max_size=top, unique=True)) if items else []
    return [x for x in items if x in picked]


def _values(draw: st.DrawFn, options: list[str]) -> dict[str, float] | list[float]:
    """Option values of one clause, as a mapping or (shorthand) a list in option order."""
    vals = [draw(unit) for _ in options]
    return vals if draw(st.booleans()) else dict(zip(options, vals, strict=True))


def _red_line(draw: st.DrawFn, options: list[str]) -> Any:
    """A red line that leaves at least one option signable (hard) or any penalty (soft)."""
    if len(options) < 2:
        return None
    excluded = _subset(draw, options, 1, len(options) - 1)
    form = draw(st.sampled_from(("list", "name", "hard", "soft")))
    if form == "list":
        return excluded
    if form == "name":
        return excluded[0]
    if form == "hard":
        return {"options": excluded, "penalty": "hard"}
    return {"options": excluded, "penalty": draw(st.integers(0, 10_000).map(lambda k: k / 1000))}


def _preferences(
    draw: st.DrawFn, clauses: dict[str, list[str]], *, complete: bool, max_rounds: int, profile: bool = False
) -> dict[str, Any]:
    """Actor fields. ``complete``: salience and values of its own; else overrides of a complete profile.

    A ``profile`` gives values for every clause, so that an actor may add salience to any clause it inherits.
    """
    names = list(clauses)
    out: dict[str, Any] = {}
    if complete:
        salient = _subset(draw, names, 1)
        out["salience"] = {c: draw(unit) for c in salient}
        out["salience"][salient[draw(st.integers(0, len(salient) - 1))]] = draw(positive_unit)
        out["utilities"] = {c: _values(draw, clauses[c]) for c in (names if profile else salient)}
    else:
        over = _subset(draw, names)
        if over:
            out["salience"] = {c: draw(positive_unit) for c in over}
        changed = _subset(draw, names)
        if changed:  # a partial mapping merges option by option with the profile's values
            out["utilities"] = {c: {o: draw(unit) for o in _subset(draw, clauses[c], 1)} for c in changed}
    if draw(st.booleans()):
        reds = {c: _red_line(draw, clauses[c]) for c in _subset(draw, names)}
        out["red_lines"] = {c: r for c, r in reds.items() if r is not None}
    if draw(st.booleans()):
        out["reservation"] = {
            "war_cost": draw(signed),
            "expected_gain": draw(signed),
            "drift_per_round": draw(st.integers(-500, 500).map(lambda k: k / 1000)),
        }
    if draw(st.booleans()):
        out["discount"] = draw(positive_unit)
    if draw(st.booleans()):
        out["horizon"] = draw(st.integers(1, 2 * max_rounds))
    if draw(st.booleans()):
        out["concession"] = draw(
            st.sampled_from(["boulware", "linear", "conceder"]) | st.integers(1, 10_000).map(lambda k: k / 100)
        )
    if draw(st.booleans()):
        out["acceptance"] = _acceptance(draw)
    if draw(st.booleans()):
        out["deadline"] = {
            "round": draw(st.integers(0, max_rounds - 1)),
            "credibility": draw(unit),
            "extend_by": draw(st.integers(0, 5)),
        }
    if len(names) >= 2 and draw(st.booleans()):
        pair = _subset(draw, names, 2, 2)
        out["interactions"] = [
            {
                "when": {c: _subset(draw, clauses[c], 1) for c in pair},
                "value": draw(signed),
                "note": "generated",
            }
        ]
    return out


def _acceptance(draw: st.DrawFn) -> dict[str, Any]:
    if draw(st.booleans()):
        return {"model": "threshold"}
    return {"model": "logit", "lambda": draw(st.integers(0, 200_000).map(lambda k: k / 1000))}


@st.composite
def scenario_documents(
    draw: st.DrawFn,
    min_actors: int = 2,
    max_actors: int = 6,
    max_clauses: int = 5,
    max_options: int = 5,
    max_rounds: int = 50,
    profiles: bool = True,
    extras: bool = True,
) -> dict[str, Any]:
    """A random valid scenario document (plain dicts and lists, as YAML would give).

    ``profiles=False`` leaves out profiles and inheritance; ``extras=False`` leaves out groups, constraints,
    approval rules and shocks (for engine tests that need only preferences).
    """
    n_clauses = draw(st.integers(1, min(max_clauses, len(CLAUSE_NAMES))))
    clause_ids = draw(st.lists(st.sampled_from(CLAUSE_NAMES), min_size=n_clauses, max_size=n_clauses, unique=True))
    clauses = {
        c: draw(
            st.lists(
                st.sampled_from(OPTION_NAMES),
                min_size=1,
                max_size=min(max_options, len(OPTION_NAMES)),
                unique=True,
            )
        )
        for c in clause_ids
    }
    rounds = draw(st.integers(1, max_rounds))
    n_actors = draw(st.integers(min_actors, min(max_actors, len(ACTOR_NAMES))))
    actor_ids = draw(st.lists(st.sampled_from(ACTOR_NAMES), min_size=n_actors, max_size=n_actors, unique=True))
    doc: dict[str, Any] = {
        "scenario": {
            "id": "generated",
            "max_rounds": rounds,
            "round_unit": draw(st.sampled_from(["round", "week"])),
            "status_quo_package": {c: draw(st.sampled_from(opts)) for c, opts in clauses.items()},
        },
        "clauses": {
            c: (opts if draw(st.booleans()) else {"ordered": draw(st.booleans()), "options": opts})
            for c, opts in clauses.items()
        },
    }

    # profiles: complete preferences; a later profile may inherit an earlier one (never a cycle)
    prof: dict[str, Any] = {}
    if profiles and draw(st.booleans()):
        for k, pid in enumerate(PROFILE_NAMES[: draw(st.integers(1, len(PROFILE_NAMES)))]):
            body = _preferences(draw, clauses, complete=True, max_rounds=rounds, profile=True)
            if k and draw(st.booleans()):
                body["inherits"] = draw(st.sampled_from(list(prof)))
            prof[pid] = body
        doc["profiles"] = prof

    actors: dict[str, Any] = {}
    for aid in actor_ids:
        inherits = draw(st.sampled_from(list(prof))) if prof and draw(st.booleans()) else None
        spec = _preferences(draw, clauses, complete=inherits is None, max_rounds=rounds)
        if inherits is not None:
            spec["inherits"] = inherits if draw(st.booleans()) else [inherits]
        spec["role"] = draw(st.sampled_from(["party_signatory", "signatory", "approver", "contributor", "observer"]))
        if draw(st.integers(0, 4)) == 0:
            spec["represents_members"] = draw(st.integers(1, 30))
        if draw(st.integers(0, 4)) == 0:
            spec["eu_member"] = draw(st.booleans())
        actors[aid] = spec
    doc["actors"] = actors

    groups: dict[str, list[str]] = {}
    if extras and draw(st.booleans()):
        groups[draw(st.sampled_from(GROUP_NAMES))] = _subset(draw, actor_ids, 1)
        doc["groups"] = groups
    who = actor_ids + list(groups)

    protocol: dict[str, Any] = {}
    agenda = draw(st.sampled_from(["single_package", "ceasefire_first", "issue_by_issue"]))
    protocol["agenda"] = agenda
    if agenda == "ceasefire_first":
        protocol["ceasefire_clauses"] = [clause_ids[0]]
    if agenda == "issue_by_issue" and draw(st.booleans()):
        protocol["agenda_order"] = draw(st.permutations(clause_ids))
    if draw(st.booleans()):
        protocol["proposal_mode"] = "mediator_single_text"
        protocol["mediator"] = draw(st.sampled_from(actor_ids))
    else:
        protocol["proposal_mode"] = "alternating_offers"
        if draw(st.booleans()):
            protocol["proposers"] = _subset(draw, actor_ids, 1)
    protocol["acceptance"] = _acceptance(draw)
    protocol["concession"] = draw(st.sampled_from(["boulware", "linear", "conceder", 0.5, 2.0]))
    doc["protocol"] = protocol

    rules: dict[str, Any] = {"signatories": _subset(draw, who, 1)}
    if extras and draw(st.booleans()):
        approvals: dict[str, Any] = {}
        qmv_voters: list[str] = []
        eu = [a for a in actor_ids if actors[a].get("eu_member") is not False]  # who may vote in a qmv rule
        for c in _subset(draw, clause_ids, 1):
            opts = clauses[c]
            kinds = [k for k in ("unanimity", "qmv", "contributors", "ratification") if eu or k != "qmv"]
            rule = draw(st.sampled_from(kinds))
            spec: dict[str, Any] = {"rule": rule}
            if rule in ("unanimity", "qmv"):
                spec["voters"] = _subset(draw, eu if rule == "qmv" else who, 1)
                if rule == "qmv":
                    qmv_voters += [v for v in spec["voters"] if v not in qmv_voters]
            elif rule == "contributors":
                spec["required"] = _subset(draw, who, 1)
            else:
                spec["body"] = "parliament"
                spec["p"] = draw(unit)
            trigger = draw(st.sampled_from(["default", "when", "when_not"]))
            if trigger != "default":
                spec[trigger] = _subset(draw, opts, 1)
            approvals[c] = spec if draw(st.booleans()) else [spec]
        rules["clause_approvals"] = approvals
        if qmv_voters:
            # a voter's member count: listed in qmv.members, or its own represents_members (agreeing if both)
            members = {}
            for v in qmv_voters:
                own = actors[v].get("represents_members")
                if own is None:
                    members[v] = draw(st.integers(1, 30))
                elif draw(st.booleans()):
                    members[v] = own
            rules["qmv"] = {
                "members": members,
                "population_share_of_eu27": {v: draw(positive_unit) for v in qmv_voters},
            }
    doc["decision_rules"] = rules

    if extras and len(clause_ids) >= 2 and draw(st.booleans()):
        constraints = []
        for k in range(draw(st.integers(1, 2))):
            a, b = draw(st.permutations(clause_ids))[:2]
            constraints.append(
                {
                    "id": f"con_{k}",
                    "if": {a: _subset(draw, clauses[a], 1)},
                    "require": {b: _subset(draw, clauses[b], 1)},
                }
            )
        doc["constraints"] = constraints
    if extras and draw(st.booleans()):
        target = draw(st.sampled_from(actor_ids))
        shock: dict[str, Any] = {"id": "shock_0", "set": {f"actors.{target}.discount": draw(positive_unit)}}
        if draw(st.booleans()):
            shock["round"] = draw(st.integers(0, rounds - 1))
            shock["p"] = draw(unit)
        else:
            shock["p_per_round"] = draw(unit)
        if prof and draw(st.booleans()):
            shock["profile"] = {target: draw(st.sampled_from(list(prof)))}
        doc["shocks"] = [shock]
    return doc


def scenarios(**kwargs: Any) -> st.SearchStrategy[Scenario]:
    """Validated :class:`~sim.scenario.models.Scenario` objects (keyword arguments of :func:`scenario_documents`)."""
    from sim import scenario_from_document

    return scenario_documents(**kwargs).map(scenario_from_document)
