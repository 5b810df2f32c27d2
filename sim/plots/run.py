"""Figures of one run and of a scenario's package space (matplotlib; data in, ``ax=None``, Axes out).

:func:`trace` draws a run's trace table (one row per round and actor, see :mod:`sim.engine.records`);
:func:`space` draws two actors' utilities of every package of a compiled scenario with the Pareto frontier,
the Nash (1950) and Kalai–Smorodinsky (1975) points of the two-player bargaining problem whose disagreement
point is the actors' reservation values R_i(0), and, when a trace is given, the path of its offers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from sim.analysis.theory import kalai_smorodinsky, nash_point, pareto_mask
from sim.core.utility import all_packages, feasible, utilities, vetoes
from sim.plots.sweep import _new_axes, actor_color, round_label

if TYPE_CHECKING:
    from sim.core.compiled import Compiled

#: Markers of the votes in :func:`trace` (veto stands out: a large black-edged cross).
VOTE_MARKERS: dict[str, dict[str, Any]] = {
    "accept": {"marker": "o", "s": 28, "edgecolors": "none"},
    "reject": {"marker": "x", "s": 36, "linewidths": 1.6},
    "veto": {"marker": "X", "s": 110, "edgecolors": "black", "linewidths": 1.0},
}


def split_events(value: Any) -> list[str]:
    """The events of one trace cell: a list, or a string separated by ``;``, ``|`` or ``,``; empty -> []."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    if isinstance(value, str):
        for sep in (";", "|"):
            value = value.replace(sep, ",")
        return [e.strip() for e in value.split(",") if e.strip()]
    if isinstance(value, list | tuple | np.ndarray):
        return [str(e).strip() for e in value if str(e).strip()]
    return [str(value)]


def stage_starts(tr: pd.DataFrame) -> list[tuple[int, str]]:
    """(first round, stage) of every stage of a trace, in order."""
    per_round = tr.groupby("round", sort=True)["stage"].first()
    out: list[tuple[int, str]] = []
    for r, st in per_round.items():
        if not out or out[-1][1] != str(st):
            out.append((int(r), str(st)))  # type: ignore[call-overload]
    return out


def trace(
    tr: pd.DataFrame,
    actors: Sequence[str] | None = None,
    round_unit: str | None = None,
    outcome: Mapping[str, Any] | None = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Each actor's utility of the package on the table (solid) and its aspiration (dashed) by round, with
    its vote as a mark (accept •, reject ×, veto ✖ black-edged; faint when its vote was not required), stage
    boundaries (grey lines, named on top) and the run's events (walk-aways, shocks) as dotted red lines.
    With the run's ``outcome`` (its JSON dict) the end is marked too: the deal, or the walk-away ending it.
    ``tr`` is the run's trace table (one row per round and actor)."""
    ax = _new_axes(ax, (9.5, 5.0))
    _actor_lines(ax, tr, actors)
    _stage_lines(ax, tr)
    events = _event_lines(ax, tr, outcome)
    _trace_legend(ax, events)
    _trace_frame(ax, tr, events, round_unit, title)
    return ax


def _actor_lines(ax: Axes, tr: pd.DataFrame, actors: Sequence[str] | None) -> None:
    """The given actors present in the trace (all of them by default), each in its colour: the utility of the offer
    (solid, labelled), the aspiration (dashed) and each vote as its :data:`VOTE_MARKERS` mark, faint when the vote
    was not required (``accept*``...)."""
    present = list(dict.fromkeys(tr["actor"].astype(str)))
    for a in [a for a in (actors or present) if a in present]:
        t = tr[tr["actor"].astype(str) == a].sort_values("round")
        color = actor_color(a, present)
        ax.plot(t["round"], t["utility"], "-", color=color, lw=1.8, label=a)
        if "aspiration" in t:
            ax.plot(t["round"], t["aspiration"], "--", color=color, lw=1.0, alpha=0.8)
        vote = t["vote"].astype(str)
        for name, style in VOTE_MARKERS.items():
            for faint in (False, True):
                v = t[vote == name + ("*" if faint else "")]
                if len(v):
                    ax.scatter(v["round"], v["utility"], color=color, zorder=4, alpha=0.35 if faint else 1, **style)


def _stage_lines(ax: Axes, tr: pd.DataFrame) -> None:
    """With more than one stage: a grey line before each stage but the first, and every stage named on top."""
    starts = stage_starts(tr)
    for r, _ in starts[1:]:
        ax.axvline(r - 0.5, color="0.4", lw=1.2)
    for r, stage in starts if len(starts) > 1 else []:
        ax.text(r - 0.45, 1.01, f"{stage} →", transform=ax.get_xaxis_transform(), fontsize="small", color="0.3")


def _event_lines(ax: Axes, tr: pd.DataFrame, outcome: Mapping[str, Any] | None) -> dict[int, list[str]]:
    """A dotted red line at each round with events (and at the end of the run), its events written at the bottom;
    returns the events by round."""
    events = _events_by_round(tr)
    end = _end_event(outcome)
    if end is not None:
        events.setdefault(end[0], []).append(end[1])
    for r, names in events.items():
        ax.axvline(r, color="#B2182B", lw=1.0, ls=":")
        where = ax.get_xaxis_transform()
        ax.text(r + 0.08, 0.02, "\n".join(names), transform=where, fontsize="x-small", color="#B2182B")
    return events


def _trace_legend(ax: Axes, events: dict[int, list[str]]) -> None:
    """The actors, then a key of the line styles and vote marks (and of the event lines if any), outside right."""
    key = [
        Line2D([], [], color="0.3", lw=1.8, label="utility of the offer"),
        Line2D([], [], color="0.3", lw=1.0, ls="--", label="aspiration"),
        *(Line2D([], [], ls="", color="0.3", label=v, **_legend_marker(v)) for v in VOTE_MARKERS),
    ]
    if events:
        key.append(Line2D([], [], color="#B2182B", ls=":", label="event, end of the run"))
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles=handles + key, labels=[*labels, *(str(h.get_label()) for h in key)], **LEGEND)


def _trace_frame(
    ax: Axes, tr: pd.DataFrame, events: dict[int, list[str]], round_unit: str | None, title: str | None
) -> None:
    """Utility 0–1 on y; on x the rounds of the trace and of its events (room on the right for the event labels),
    one tick per round up to 30 rounds; title and grid."""
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel(round_label(round_unit))
    ax.set_ylabel("utility (0–1)")
    rounds = sorted({int(r) for r in tr["round"]} | set(events))
    if rounds:
        ax.set_xlim(min(rounds) - 0.4, max(rounds) + (1.0 if events else 0.4))
    if rounds and len(rounds) <= 30:
        ax.set_xticks(range(min(rounds), max(rounds) + 1))
    ax.set_title(title or "Offers, aspirations and votes by round", pad=16)
    ax.grid(alpha=0.3)


LEGEND: dict[str, Any] = {
    "loc": "upper left",
    "bbox_to_anchor": (1.02, 1.0),
    "borderaxespad": 0.0,
    "fontsize": "small",
}


def _end_event(outcome: Mapping[str, Any] | None) -> tuple[int, str] | None:
    """(round, label) of how a run ended: a deal at its round, or a walk-away in the round it stopped."""
    if not outcome:
        return None
    reason = str(outcome.get("reason", ""))
    if outcome.get("deal") and outcome.get("round") is not None:
        return int(outcome["round"]), "deal"
    if reason.startswith("walk_away"):
        return int(outcome.get("rounds_played", 0)), reason.replace(":", ": ")
    return None


def _legend_marker(vote: str) -> dict[str, Any]:
    out: dict[str, Any] = {"marker": VOTE_MARKERS[vote]["marker"], "markersize": 10 if vote == "veto" else 7}
    if vote == "veto":
        out.update(markeredgecolor="black", markerfacecolor="0.3")
    return out


def _events_by_round(tr: pd.DataFrame) -> dict[int, list[str]]:
    if "events" not in tr:
        return {}
    out: dict[int, list[str]] = {}
    for r, cell in zip(tr["round"], tr["events"], strict=True):
        for e in split_events(cell):
            names = out.setdefault(int(r), [])
            if e not in names:
                names.append(e)
    return out


def package_sample(compiled: Compiled, max_points: int = 200_000, seed: int = 0) -> tuple[np.ndarray, bool]:
    """All packages as (N, C) local option indices, or a seeded uniform sample of ``max_points`` distinct ones
    when the space is larger; the flag says whether it is a sample."""

    total = compiled.n_packages
    if total <= max_points:
        return all_packages(compiled.n_options), False
    rng = np.random.default_rng(seed)
    idx = np.unique(rng.integers(0, total, size=max_points, dtype=np.int64))
    shape = tuple(int(k) for k in compiled.n_options)
    return np.stack(np.unravel_index(idx, shape), axis=1).astype(np.int64), True


def most_opposed_pair(compiled: Compiled, candidates: Sequence[str], max_points: int = 20_000) -> tuple[str, str]:
    """The two of ``candidates`` (default for :func:`space`: the signatories) whose utilities over the feasible
    packages are the most opposed: the lowest Pearson correlation, over all packages or a seeded sample of
    ``max_points``; ties go to the earlier pair in scenario order."""
    names = [a for a in candidates if a in compiled.actors]
    if len(names) < 2:
        raise ValueError(f"need two actors to compare, got {', '.join(names) or 'none'}")
    packages, _ = package_sample(compiled, max_points, seed=0)
    packages = packages[feasible(compiled, packages)]
    u = utilities(compiled, packages)[[compiled.actors.index(a) for a in names]]
    best: tuple[float, str, str] | None = None
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            sd = float(np.std(u[i]) * np.std(u[j]))
            r = float(np.mean((u[i] - u[i].mean()) * (u[j] - u[j].mean())) / sd) if sd > 0 else 0.0
            if best is None or r < best[0] - 1e-12:
                best = (r, names[i], names[j])
    assert best is not None
    return best[1], best[2]


def offer_path(compiled: Compiled, tr: pd.DataFrame) -> pd.DataFrame:
    """The offers of a run, one row per round: ``round`` and one utility column per actor, computed from the
    trace's ``offer.<clause>`` columns (clauses left out stay at the status quo)."""

    cols = [c for c in tr.columns if c.startswith("offer.")]
    per_round = tr.sort_values("round").groupby("round", sort=True)[cols].first()
    rows, rounds = [], []
    for r, offer in per_round.iterrows():
        labels = {
            str(c)[6:]: v for c, v in offer.items() if isinstance(v, str) and v and str(c)[6:] in compiled.clauses
        }
        if labels:
            rows.append(compiled.package(labels))
            rounds.append(r)
    if not rows:
        return pd.DataFrame(columns=["round", *compiled.actors])
    u = utilities(compiled, np.array(rows))
    return pd.DataFrame({"round": rounds, **{a: u[i] for i, a in enumerate(compiled.actors)}})


def space(
    compiled: Compiled,
    a: str,
    b: str,
    tr: pd.DataFrame | None = None,
    max_points: int = 200_000,
    seed: int = 0,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Actor ``a``'s (x) and ``b``'s (y) utilities of the packages that meet every constraint: grey, lighter
    where a hard red line of ``a`` or ``b`` vetoes it; the Pareto frontier of the unvetoed ones; their Nash
    and Kalai–Smorodinsky points with disagreement point d = (R_a(0), R_b(0)) (dashed reservation lines);
    and the offers of a run (``tr``, its trace table) in order. Spaces over ``max_points`` packages are sampled
    (seeded; the title says so)."""

    for actor in (a, b):
        if actor not in compiled.actors:
            raise ValueError(f"unknown actor {actor!r}; the scenario has {', '.join(compiled.actors)}")
    pair = [compiled.actors.index(a), compiled.actors.index(b)]
    ax = _new_axes(ax, (7.5, 6.0))
    packages, sampled = package_sample(compiled, max_points, seed)
    packages = packages[feasible(compiled, packages)]
    unvetoed = _package_cloud(ax, compiled, packages, pair, a, b)
    d = compiled.reservation(0)[pair]
    if len(unvetoed):
        _frontier_and_solutions(ax, unvetoed, d, f"{a}–{b}{', sample' if sampled else ''}")
    ax.axvline(d[0], color=actor_color(a, compiled.actors), ls="--", lw=1.2, label=f"{a} reservation R(0) = {d[0]:.2f}")
    ax.axhline(d[1], color=actor_color(b, compiled.actors), ls="--", lw=1.2, label=f"{b} reservation R(0) = {d[1]:.2f}")
    path = offer_path(compiled, tr) if tr is not None else pd.DataFrame()
    if len(path):
        _offers(ax, path, a, b)
    what = (
        f"{len(packages):,} feasible of {max_points:,} sampled packages (of {compiled.n_packages:,}; seed {seed})"
        if sampled
        else f"{len(packages):,} feasible packages"
    )
    _space_frame(ax, a, b, title or f"{compiled.scenario_id}: {a} vs {b}\n{what}")
    return ax


def _package_cloud(ax: Axes, compiled: Compiled, packages: np.ndarray, pair: list[int], a: str, b: str) -> np.ndarray:
    """The two actors' utilities of every package as points (lighter when either vetoes it, smaller the more
    points there are); returns the (N, 2) utilities of the unvetoed ones."""
    u = utilities(compiled, packages)[pair].T
    veto = vetoes(compiled, packages)[pair].any(axis=0)
    ok = u[~veto]
    size = float(np.clip(600 / np.sqrt(max(len(u), 1)), 1.5, 25))
    cloud: dict[str, Any] = {"s": size, "rasterized": True, "linewidths": 0}
    if veto.any():
        ax.scatter(u[veto, 0], u[veto, 1], color="0.85", label=f"vetoed by {a} or {b}", **cloud)
    ax.scatter(ok[:, 0], ok[:, 1], color="0.55", label="packages", **cloud)
    return ok


def _frontier_and_solutions(ax: Axes, points: np.ndarray, d: np.ndarray, which: str) -> None:
    """The Pareto frontier of ``points`` as a staircase, and the Nash (★) and Kalai–Smorodinsky (◆) points with
    disagreement point ``d``, each labelled with its utilities; ``which`` names the pair (and whether sampled)."""
    front = points[pareto_mask(points)]
    front = front[np.argsort(front[:, 0])]
    ax.plot(
        front[:, 0], front[:, 1], "-", color="black", lw=1.2, drawstyle="steps-pre", label=f"Pareto frontier ({which})"
    )
    ax.scatter(front[:, 0], front[:, 1], s=10, color="black", zorder=3)
    for fn, name, marker, ms in (
        (nash_point, "Nash", "*", 160),
        (kalai_smorodinsky, "Kalai–Smorodinsky", "D", 60),
    ):
        k = fn(points, d)
        if k is not None:
            x, y = points[k]
            label = f"{name} ({which}): ({x:.2f}, {y:.2f})"
            ax.scatter(x, y, marker=marker, s=ms, color="#F0E442", edgecolors="black", zorder=5, label=label)


def _offers(ax: Axes, path: pd.DataFrame, a: str, b: str) -> None:
    """The run's offers joined in order, coloured red → yellow by round, the first and last round written next to
    them (one label when they are the same point)."""
    ax.plot(path[a], path[b], "-", color="#CC3311", lw=1.2, alpha=0.8, zorder=6)
    style: dict[str, Any] = {"cmap": "autumn", "s": 30, "edgecolors": "black", "zorder": 7}
    ax.scatter(path[a], path[b], c=path["round"], label="offers (red → yellow by round)", **style)
    first, last = path.iloc[0], path.iloc[-1]
    same = (first[a], first[b]) == (last[a], last[b])
    marks = [(first, f"round {int(first['round'])}" + (f"–{int(last['round'])}" if same else ""))]
    marks += [] if same else [(last, f"round {int(last['round'])}")]
    for row, text in marks:
        off = (-60, 8) if row[a] > 0.8 else (6, 8)
        ax.annotate(text, (row[a], row[b]), xytext=off, textcoords="offset points", fontsize="small")


def _space_frame(ax: Axes, a: str, b: str, title: str) -> None:
    """Both utilities on 0–1 at equal scale, the title, and the legend outside right (its package marks enlarged)."""
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(f"utility of {a} (0–1)")
    ax.set_ylabel(f"utility of {b} (0–1)")
    ax.set_title(title, fontsize="medium")
    ax.set_aspect("equal")
    leg = ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, fontsize="small")
    for h, item in zip(leg.legend_handles, leg.get_texts(), strict=True):
        if item.get_text() == "packages" or item.get_text().startswith("vetoed"):
            h.set_sizes([20.0])  # type: ignore[union-attr]
