"""What every cross-reference check shares: the list of problems found so far and the names to check against.

Used by :mod:`sim.scenario.checks` and :mod:`sim.scenario.checks_actors`. The scenario may be a partial model
(:mod:`sim.scenario.partial`): each check runs inside ``with GUARD:`` and is skipped when it touches a failed value.
"""

from __future__ import annotations

from difflib import get_close_matches
from typing import TYPE_CHECKING, Any

from sim.errors import Issue
from sim.scenario.partial import FAILED, GUARD

if TYPE_CHECKING:
    from sim.scenario.models import Scenario


def hint(name: object, known: list[str] | set[str] | dict, what: str) -> str:
    """``unknown clause 'cesefire'; did you mean 'ceasefire'?`` (or the list of what is allowed)."""
    names = sorted(set(map(str, known)))
    near = get_close_matches(str(name), names, n=1, cutoff=0.6)
    if near:
        return f"unknown {what} {name!r}; did you mean {near[0]!r}?"
    shown = ", ".join(names[:12]) + (", …" if len(names) > 12 else "")
    return f"unknown {what} {name!r}; expected one of: {shown or 'none defined'}"


class Checks:
    """The problems of one scenario, in the order found, and the clauses, actors and names they refer to.

    ``names`` (actors and groups) is :data:`FAILED` when the actors or the groups failed validation: then no name
    is checked against them."""

    def __init__(self, scenario: Scenario) -> None:
        self.issues: list[Issue] = []
        self.clauses: Any = scenario.clauses
        self.actors: Any = scenario.actors
        self.names: Any = FAILED
        with GUARD:
            self.names = set(self.actors) | set(scenario.groups)

    def bad(self, msg: str, *path: str | int) -> None:
        """Record one problem at ``path`` (the keys and indices leading to the value)."""
        self.issues.append(Issue(msg, tuple(path)))

    def options(self, opts: dict[str, list[str]], *path: str | int, allow_all: bool = True) -> None:
        """Every clause of ``{clause: [options]}`` exists and has those options; unless ``allow_all``, the options
        leave at least one of the clause's options out (a hard red line on all of them forbids every package)."""
        clauses = self.clauses
        for cid, ol in opts.items():
            with GUARD:
                if cid not in clauses:
                    self.bad(hint(cid, clauses, "clause"), *path, cid)
                    continue
                for j, o in enumerate(ol):
                    with GUARD:
                        if o not in clauses[cid].options:
                            self.bad(hint(o, clauses[cid].options, f"option of {cid}"), *path, cid, j)
                if not allow_all and set(ol) >= set(clauses[cid].options):
                    self.bad(f"excludes every option of clause {cid!r}: no package could be signed", *path, cid)

    def actor(self, name: str, *path: str | int) -> None:
        """``name`` is an actor or a group."""
        with GUARD:
            if name not in self.names:
                self.bad(hint(name, self.names, "actor or group"), *path)
