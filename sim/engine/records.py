"""What a run produces: an immutable :class:`Outcome`, per-round trace rows, and the flat row a sweep stores.

Records are plain dataclasses and dicts; DataFrames are built only at the edge (:meth:`RunResult.trace`).

Column conventions shared by run folders, sweep tables and plots:

- outcome row: ``deal`` (bool), ``round`` (int, −1 when no deal), ``reason`` (str), ``rounds_played``,
  ``package.<clause>`` (option or None), ``utility.<actor>``, ``surplus.<actor>``, ``accepted.<actor>`` (its vote on
  the last offer), ``blocked_by`` (comma-separated actors whose rejection or veto stopped the last offer, "" if none),
  ``blocking_clause.<actor>`` (the clause that cost that actor most in the last offer, "" if it accepted);
- trace rows (one per round and actor): ``round``, ``stage``, ``proposer``, ``actor``, ``utility``, ``aspiration``,
  ``reservation``, ``vote`` (accept | reject | veto | absent), ``p_accept``, ``events``, ``offer.<clause>``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

VOTES = ("accept", "reject", "veto", "absent")


@dataclass(frozen=True)
class Outcome:
    """The end of one negotiation."""

    scenario_id: str
    seed: int | None
    deal: bool
    round: int | None
    reason: str
    package: dict[str, str] | None
    last_offer: dict[str, str] | None
    utilities: dict[str, float]
    surplus: dict[str, float]
    accepted: dict[str, bool]
    rejected_by: list[str]
    blocking_clause: dict[str, str]
    rounds_played: int
    walked_away: list[str] = field(default_factory=list)
    ratification: dict[str, bool] = field(default_factory=dict)
    shocks: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict; floats rounded to 12 digits so the text is stable across platforms."""
        d = asdict(self)
        for key in ("utilities", "surplus"):
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
        }
        for c in clauses:
            row[f"package.{c}"] = self.package.get(c) if self.package else None
        for a in actors:
            row[f"utility.{a}"] = float(self.utilities.get(a, float("nan")))
            row[f"surplus.{a}"] = float(self.surplus.get(a, float("nan")))
            row[f"accepted.{a}"] = bool(self.accepted.get(a, False))
            row[f"blocking_clause.{a}"] = self.blocking_clause.get(a, "")
        return row


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
