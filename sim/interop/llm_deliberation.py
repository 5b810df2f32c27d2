"""An LLM-Deliberation scorable game (Abdelnabi et al., NeurIPS 2024; MIT licence) → a negsim scenario document.

A game folder (``games_descriptions/<game>/`` in that repository) holds:

- ``config.txt``: one party per line, ``Full name, file name, role, incentive[, model]``; role ``p1`` is the
  proposer and ``p1`` and ``p2`` are the two veto parties (``player`` for the others);
- ``scores_files/<file name>.txt``: one line per issue with the party's score of each option (issue A's options
  A1, A2…, then B…), and on the last line the party's minimum score for accepting a deal;
- ``initial_deal.txt`` (optional): the proposer's first deal, e.g. ``A1,B1,C4``: negsim's status quo.

The game's rule: a deal passes when at least n − 1 parties score it at or above their minimum and both veto
parties are among them. In negsim: issues are clauses (``A`` … with options ``A1`` …), each party an actor whose
utility is its score rescaled per party to [0, 1], U = (Σ score − m) / (M − m) with m, M the party's lowest and
highest total (saliences max_c − min_c, option values (score − min_c) / (max_c − min_c): the same order and the same
ties, so "score ≥ minimum" ⇔ U ≥ (minimum − m) / (M − m) = ``reservation.value``); the veto parties are the
signatories and a ``k_of_n`` rule (k = n − 1 of all parties, vetoes p1 and p2) on the first clause with
``when_not: []`` (triggered by every package). Not modelled (noted in the scenario): the proposer's bonus when all
parties agree (the unanimity bonus of the paper) and the games' text. Every party knows the number of rounds, so
each actor gets ``horizon: max_rounds``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim.errors import UsageError
from sim.interop.ids import slug, unique_ids

MAX_LINE_BYTES = 1_000_000


def _read(path: Path) -> str:
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    if path.stat().st_size > MAX_LINE_BYTES:
        raise UsageError(f"{path}: larger than {MAX_LINE_BYTES:,} bytes: not an LLM-Deliberation game file")
    return path.read_text(encoding="utf-8")


def read_config(game: Path) -> list[tuple[str, str, str]]:
    """(full name, file name, role) of each party, in order."""
    parties = []
    for n, line in enumerate(_read(game / "config.txt").splitlines(), 1):
        if not line.strip():
            continue
        cells = [c.strip() for c in line.split(",")]
        if len(cells) < 3 or not cells[0] or not cells[1]:
            raise UsageError(f"{game / 'config.txt'}:{n}: expected 'full name, file name, role, incentive[, model]'")
        parties.append((cells[0], cells[1], cells[2]))
    roles = [r for _, _, r in parties]
    for role in ("p1", "p2"):
        if roles.count(role) != 1:
            raise UsageError(f"{game / 'config.txt'}: exactly one party has role {role} ({roles.count(role)} do)")
    if len(parties) < 3:
        raise UsageError(f"{game / 'config.txt'}: {len(parties)} parties: the n − 1 rule needs at least 3")
    return parties


def read_scores(path: Path) -> tuple[list[list[float]], float]:
    """Each issue's option scores and the minimum score (the last line)."""
    rows = []
    for n, line in enumerate(_read(path).splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append([float(x) for x in line.split(",") if x.strip()])
        except ValueError:
            raise UsageError(f"{path}:{n}: expected numbers separated by commas") from None
    if len(rows) < 2 or len(rows[-1]) != 1:
        raise UsageError(f"{path}: expected one line of scores per issue and the minimum score on the last line")
    return rows[:-1], rows[-1][0]


def scenario_document(game_dir: str | Path, max_rounds: int = 24) -> dict[str, Any]:
    """The negsim scenario document of one game folder (see the module docstring)."""
    game = Path(game_dir)
    if not game.is_dir():
        raise UsageError(f"{game}: not a folder")
    parties = read_config(game)
    scores = {f: read_scores(game / "scores_files" / f"{f}.txt") for _, f, _ in parties}
    shape = [len(r) for r in scores[parties[0][1]][0]]
    for _, f, _ in parties:
        if [len(r) for r in scores[f][0]] != shape:
            raise UsageError(
                f"{game / 'scores_files' / f'{f}.txt'}: options per issue {[len(r) for r in scores[f][0]]} differ "
                f"from {parties[0][1]}'s {shape}"
            )
    letters = [chr(ord("A") + c) if c < 26 else f"I{c + 1}" for c in range(len(shape))]
    clauses = {L: {"options": [f"{L}{k + 1}" for k in range(n)]} for L, n in zip(letters, shape, strict=True)}
    ids = unique_ids([f for _, f, _ in parties])
    actors = {}
    for aid, (full, f, role) in zip(ids, parties, strict=True):
        actors[aid] = _actor(full, role, scores[f], letters, clauses, game / "scores_files" / f"{f}.txt")
        actors[aid]["horizon"] = max_rounds  # every party knows the game's number of rounds
    vetoes = [aid for aid, (_, _, role) in zip(ids, parties, strict=True) if role in ("p1", "p2")]
    p1 = next(aid for aid, (_, _, role) in zip(ids, parties, strict=True) if role == "p1")
    rule = {"rule": "k_of_n", "voters": list(actors), "k": len(actors) - 1, "vetoes": vetoes, "when_not": []}
    rule["note"] = (
        "LLM-Deliberation: at least n - 1 parties at or above their minimum score, both veto parties among them"
    )
    return {
        "scenario": {
            "id": slug(game.name),
            "title": f"LLM-Deliberation game {game.name}",
            "max_rounds": max_rounds,
            "status_quo_package": _initial_deal(game, clauses),
            "description": (
                "Imported by negsim import llm-deliberation. Not modelled: the proposer's bonus when every party "
                "agrees (the unanimity bonus), the games' text and the agents' incentives."
            ),
        },
        "protocol": {"proposal_mode": "alternating_offers", "proposers": [p1]},
        "clauses": clauses,
        "actors": actors,
        "decision_rules": {"signatories": vetoes, "clause_approvals": {letters[0]: [rule]}},
    }


def _actor(
    full: str, role: str, sc: tuple[list[list[float]], float], letters: list[str], clauses: dict[str, Any], path: Path
) -> dict[str, Any]:
    rows, minimum = sc
    lo, hi = sum(min(r) for r in rows), sum(max(r) for r in rows)
    if hi <= lo:
        raise UsageError(f"{path}: every deal gives the same score: no preference to import")
    if minimum > hi:
        raise UsageError(f"{path}: the minimum score {minimum:g} is above the best deal's {hi:g}: never satisfiable")
    salience, utilities = {}, {}
    for L, r in zip(letters, rows, strict=True):
        span = max(r) - min(r)
        salience[L] = span
        utilities[L] = {
            o: ((s - min(r)) / span if span > 0 else 0.0) for o, s in zip(clauses[L]["options"], r, strict=True)
        }
    return {
        "label": full,
        "role": "party_signatory" if role in ("p1", "p2") else "approver",
        "salience": salience,
        "utilities": utilities,
        "reservation": {"value": max((minimum - lo) / (hi - lo), 0.0)},
        "note": f"scores {lo:g} to {hi:g}; minimum {minimum:g}; LLM-Deliberation role {role}",
    }


def _initial_deal(game: Path, clauses: dict[str, Any]) -> dict[str, str]:
    """``initial_deal.txt`` as the status quo; the first option of every issue when there is none."""
    path = game / "initial_deal.txt"
    if not path.is_file():
        return {L: c["options"][0] for L, c in clauses.items()}
    deal = [x.strip() for x in _read(path).replace("\n", ",").split(",") if x.strip()]
    out = {}
    for opt in deal:
        L = opt.rstrip("0123456789")
        if L not in clauses or opt not in clauses[L]["options"]:
            raise UsageError(f"{path}: {opt!r} is not an option of this game ({', '.join(clauses)})")
        out[L] = opt
    missing = [L for L in clauses if L not in out]
    if missing:
        raise UsageError(f"{path}: the deal gives no option of issue(s) {', '.join(missing)}")
    return out
