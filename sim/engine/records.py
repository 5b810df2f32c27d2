"""What a run produces: an immutable :class:`Outcome`, per-round trace rows, and the flat row a sweep stores
(and the :class:`Ballot` of each round, from which the model writes them).

Records are plain dataclasses and dicts; DataFrames are built only at the edge (:meth:`RunResult.trace`).

Column conventions shared by run folders, sweep tables and plots:

- outcome row: ``deal`` (bool), ``round`` (int, −1 when no deal), ``reason`` (str), ``rounds_played``,
  ``package.<clause>`` (option or None), ``payoff.<actor>`` (U of the deal's package; without a deal the actor's
  disagreement value, its R(t) in the round the talks ended), ``last_offer_utility.<actor>`` (U of the last package
  on the table, the deal's when there is one), ``surplus.<actor>`` (that U − R(t)), ``accepted.<actor>`` (its vote on
  the last offer), ``blocked_by`` (comma-separated actors whose rejection or veto stopped the last offer, "" if none),
  ``blocking_clause.<actor>`` (the clauses, joined by ``+``, of the actor's counterfactual: the smallest change
  to the last offer, over all clauses, that would bring it to its reservation value; "" if it accepted or no
  change would), ``failed_stage`` (table | signing | approval | ratification, "" for a deal: see
  :mod:`sim.engine.judge`), ``pivotal`` (comma-separated: the lone rejecter of an unsigned or unapproved last
  offer, or the actors/bodies whose ratification failed), ``ratification_failed`` (the failed ratifications),
  ``signed.<clause>`` (the package every signatory signed, kept when ratification then failed; None before
  ratification), ``rejection.<actor>`` (structural | timing | absent, "" if it accepted or was not required),
  ``blame.<actor>`` (``clause=option;…`` of its counterfactual, ``(none)`` when no change would do);
- trace rows (one per round and actor): ``round``, ``stage``, ``proposer``, ``actor``, ``utility``, ``aspiration``,
  ``reservation``, ``vote`` (one of :data:`VOTES`: accept | reject | veto | absent; a trailing ``*`` marks the
  vote of an actor whose vote was not required that round), ``p_accept``, ``required``, ``events``,
  ``offer.<clause>``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal, get_args

import numpy as np

Vote = Literal["accept", "reject", "veto", "absent"]
"""An actor's vote on the package on the table (``absent``: it walked away)."""
VOTES: tuple[Vote, ...] = get_args(Vote)


def trace_vote(vote: Vote, required: bool) -> str:
    """The trace's ``vote`` cell: the vote, with ``*`` when the actor's vote was not required (absent stays bare).

    >>> trace_vote("reject", False), trace_vote("absent", False)
    ('reject*', 'absent')
    """
    if vote not in VOTES:
        raise ValueError(f"vote {vote!r} is not one of {VOTES}")
    return vote if (required or vote == "absent") else f"{vote}*"


@dataclass(frozen=True)
class Ballot:
    """The package on the table in one round and the actors' votes on it (arrays by actor index)."""

    package: np.ndarray  # option index per clause
    proposer: int  # actor index; −1 for a mediator that is not an actor
    free: np.ndarray  # the clauses open in this agenda stage
    final: bool  # whether this is the agenda's last stage
    utility: np.ndarray  # U_i of the package, in [0, 1]
    triggered: np.ndarray  # which approval rules the package triggers (final stage only)
    required: np.ndarray  # whose vote counts: signatories and the voters of triggered approval rules
    votes: tuple[Vote, ...]
    p_accept: tuple[float, ...]

    @property
    def accepts(self) -> np.ndarray:
        return np.array([v == "accept" for v in self.votes])


@dataclass(frozen=True)
class Outcome:
    """The end of one negotiation.

    ``payoffs``: what each actor ends with, U_i(package) of a deal, else its disagreement value R_i(t) of the round
    the talks ended (walk-away, no agreement, failed ratification); not discounted (docs/scenario-format.md, "Time,
    discounting and payoffs"). ``last_offer_utilities``: U_i of the last package on the table (the deal's, or the
    last rejected offer's; U(status quo) before any vote)."""

    scenario_id: str
    seed: int | None
    deal: bool
    round: int | None
    reason: str
    package: dict[str, str] | None
    last_offer: dict[str, str] | None
    payoffs: dict[str, float]
    last_offer_utilities: dict[str, float]
    surplus: dict[str, float]
    accepted: dict[str, bool]
    rejected_by: list[str]
    blocking_clause: dict[str, str]
    rounds_played: int
    walked_away: list[str] = field(default_factory=list)
    ratification: dict[str, bool] = field(default_factory=dict)
    shocks: list[str] = field(default_factory=list)
    failed_stage: str = ""
    signed_package: dict[str, str] | None = None
    rejection: dict[str, str] = field(default_factory=dict)
    blame: dict[str, dict[str, str] | None] = field(default_factory=dict)
    pivotal: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict; floats rounded to 12 digits so the text is stable across platforms."""
        d = asdict(self)
        for key in ("payoffs", "last_offer_utilities", "surplus"):
            d[key] = {a: round(float(v), 12) for a, v in d[key].items()}
        return d

    def to_row(self, clauses: tuple[str, ...] | list[str], actors: tuple[str, ...] | list[str]) -> dict[str, Any]:
        """Flat record for sweep tables (see the module docstring for the columns)."""
        row: dict[str, Any] = {
            "deal": self.deal,
            "round": -1 if self.round is None else int(self.round),
            "reason": self.reason,
            "rounds_played": int(self.rounds_played),
            "blocked_by": ",".join(self.rejected_by),
            "walked_away": ",".join(self.walked_away),
            "failed_stage": self.failed_stage,
            "pivotal": ",".join(self.pivotal),
            "ratification_failed": ",".join(k for k, ok in self.ratification.items() if not ok),
        }
        for c in clauses:
            row[f"package.{c}"] = self.package.get(c) if self.package else None
            row[f"signed.{c}"] = self.signed_package.get(c) if self.signed_package else None
        for a in actors:
            row[f"payoff.{a}"] = float(self.payoffs.get(a, float("nan")))
            row[f"last_offer_utility.{a}"] = float(self.last_offer_utilities.get(a, float("nan")))
            row[f"surplus.{a}"] = float(self.surplus.get(a, float("nan")))
            row[f"accepted.{a}"] = bool(self.accepted.get(a, False))
            row[f"blocking_clause.{a}"] = self.blocking_clause.get(a, "")
            row[f"rejection.{a}"] = self.rejection.get(a, "")
            row[f"blame.{a}"] = blame_cell(self.blame, a)
        return row


def blame_cell(blame: dict[str, dict[str, str] | None], actor: str) -> str:
    """The ``blame.<actor>`` cell: ``clause=option;…`` of its counterfactual, ``(none)`` when no change would
    bring it to its reservation value, "" when it did not reject (or walked away).

    >>> blame_cell({"RU": {"ceasefire": "full"}, "UA": None}, "RU"), blame_cell({"UA": None}, "UA")
    ('ceasefire=full', '(none)')
    """
    if actor not in blame:
        return ""
    change = blame[actor]
    return "(none)" if change is None else ";".join(f"{c}={o}" for c, o in change.items())


def trace_rows(
    cp: Any,
    t: int,
    stage: str,
    ballot: Ballot,
    aspiration: np.ndarray,
    reservation: np.ndarray,
    events: list[str],
) -> list[dict[str, Any]]:
    """One trace row per actor for round t of the compiled scenario ``cp`` (columns: the module docstring)."""
    offer = {f"offer.{c}": cp.options[k][int(ballot.package[k])] for k, c in enumerate(cp.clauses)}
    proposer = cp.actors[ballot.proposer] if ballot.proposer >= 0 else ""
    return [
        {
            "round": t,
            "stage": stage,
            "proposer": proposer,
            "actor": a,
            "utility": float(ballot.utility[i]),
            "aspiration": float(aspiration[i]),
            "reservation": float(reservation[i]),
            "vote": trace_vote(ballot.votes[i], bool(ballot.required[i])),
            "p_accept": float(ballot.p_accept[i]),
            "required": bool(ballot.required[i]),
            "events": ";".join(events),
            **offer,
        }
        for i, a in enumerate(cp.actors)
    ]


@dataclass(frozen=True)
class RunResult:
    """An outcome and its trace rows; :attr:`trace` is the per-round, per-actor DataFrame."""

    outcome: Outcome
    rows: tuple[dict[str, Any], ...]

    @property
    def trace(self):
        # lazy: pandas and pyarrow cost ~0.4 s to import; negsim run --no-save and negsim validate start without them
        import pandas as pd

        return pd.DataFrame(list(self.rows))
