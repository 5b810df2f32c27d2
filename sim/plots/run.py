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
    With the run's ``outcome`` (its JSON dict) the end is marked too: the deal, or the walk-away ending it."""
    ax = _new_axes(ax, (9.5, 5.0))
    present = list(dict.fromkeys(tr["actor"].astype(str)))
    for a in [a for a in (actors or present) if a in present]:
        t = tr[tr["actor"].astype(str) == a].sort_values("round")
        color = actor_color(a)
        ax.plot(t["round"], t["utility"], "-", color=color, lw=1.8, label=a)
        if "aspiration" in t:
            ax.plot(t["round"], t["aspiration"], "--", color=color, lw=1.0, alpha=0.8)
        vote = t["vote"].astype(str)
        for name, style in VOTE_MARKERS.items():
            for faint in (False, True):
                v = t[vote == name + ("*" if faint else "")]
                if len(v):
                    ax.scatter(v["round"], v["utility"], color=color, zorder=4, alpha=0.35 if faint else 1, **style)
    for r, _ in stage_starts(tr)[1:]:
        ax.axvline(r - 0.5, color="0.4", lw=1.2)
    for r, stage in stage_starts(tr) if len(stage_starts(tr)) > 1 else []:
        ax.text(r - 0.45, 1.01, f"{stage} →", transform=ax.get_xaxis_transform(), fontsize="small", color="0.3")
    events = _events_by_round(tr)
    end = _end_event(outcome)
    if end is not None:
        events.setdefault(end[0], []).append(end[1])
    for r, names in events.items():
        ax.axvline(r, color="#B2182B", lw=1.0, ls=":")
        where = ax.get_xaxis_transform()
        ax.text(r + 0.08, 0.02, "\n".join(names), transform=where, fontsize="x-small", color="#B2182B")
    key = [
        Line2D([], [], color="0.3", lw=1.8, label="utility of the offer"),
        Line2D([], [], color="0.3", lw=1.0, ls="--", label="aspiration"),
        *(Line2D([], [], ls="", color="0.3", label=v, **_legend_marker(v)) for v in VOTE_MARKERS),
    ]
    if events:
        key.append(Line2D([], [], color="#B2182B", ls=":", label="event, end of the run"))
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles=handles + key, labels=[*labels, *(str(h.get_label()) for h in key)], **LEGEND)
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
    return ax


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
    for r, cell in zip(tr["round"], tr["events"]):
        for e in split_events(cell):
            names = out.setdefault(int(r), [])
            if e not in names:
                names.append(e)
    return out


def package_sample(cp: Compiled, max_points: int = 200_000, seed: int = 0) -> tuple[np.ndarray, bool]:
    """All packages as (N, C) local option indices, or a seeded uniform sample of ``max_points`` distinct ones
    when the space is larger; the flag says whether it is a sample."""

    total = cp.n_packages
    if total <= max_points:
        return all_packages(cp.n_options), False
    rng = np.random.default_rng(seed)
    idx = np.unique(rng.integers(0, total, size=max_points, dtype=np.int64))
    shape = tuple(int(k) for k in cp.n_options)
    return np.stack(np.unravel_index(idx, shape), axis=1).astype(np.int64), True


def offer_path(cp: Compiled, tr: pd.DataFrame) -> pd.DataFrame:
    """The offers of a run, one row per round: ``round`` and one utility column per actor, computed from the
    trace's ``offer.<clause>`` columns (clauses left out stay at the status quo)."""

    cols = [c for c in tr.columns if c.startswith("offer.")]
    per_round = tr.sort_values("round").groupby("round", sort=True)[cols].first()
    rows, rounds = [], []
    for r, offer in per_round.iterrows():
        labels = {str(c)[6:]: v for c, v in offer.items() if isinstance(v, str) and v and str(c)[6:] in cp.clauses}
        if labels:
            rows.append(cp.package(labels))
            rounds.append(r)
    if not rows:
        return pd.DataFrame(columns=["round", *cp.actors])
    u = utilities(cp, np.array(rows))
    return pd.DataFrame({"round": rounds, **{a: u[i] for i, a in enumerate(cp.actors)}})


def space(
    cp: Compiled,
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
    and the offers of a run (``tr``) in order. Spaces over ``max_points`` packages are sampled (seeded; the
    title says so)."""

    for actor in (a, b):
        if actor not in cp.actors:
            raise ValueError(f"unknown actor {actor!r}; the scenario has {', '.join(cp.actors)}")
    i, j = cp.actors.index(a), cp.actors.index(b)
    ax = _new_axes(ax, (7.5, 6.0))
    pk, sampled = package_sample(cp, max_points, seed)
    pk = pk[feasible(cp, pk)]
    u = utilities(cp, pk)[[i, j]].T
    veto = vetoes(cp, pk)[[i, j]].any(axis=0)
    ok = u[~veto]
    size = float(np.clip(600 / np.sqrt(max(len(u), 1)), 1.5, 25))
    cloud: dict[str, Any] = {"s": size, "rasterized": True, "linewidths": 0}
    if veto.any():
        ax.scatter(u[veto, 0], u[veto, 1], color="0.85", label=f"vetoed by {a} or {b}", **cloud)
    ax.scatter(ok[:, 0], ok[:, 1], color="0.55", label="packages", **cloud)
    d = cp.reservation(0)[[i, j]]
    if len(ok):
        front = ok[pareto_mask(ok)]
        front = front[np.argsort(front[:, 0])]
        ax.plot(
            front[:, 0],
            front[:, 1],
            "-",
            color="black",
            lw=1.2,
            drawstyle="steps-pre",
            label=f"Pareto frontier ({a}–{b}{', sample' if sampled else ''})",
        )
        ax.scatter(front[:, 0], front[:, 1], s=10, color="black", zorder=3)
        for fn, name, marker, ms in (
            (nash_point, "Nash", "*", 160),
            (kalai_smorodinsky, "Kalai–Smorodinsky", "D", 60),
        ):
            k = fn(ok, d)
            if k is not None:
                x, y = ok[k]
                label = f"{name} ({a}–{b}{', sample' if sampled else ''}): ({x:.2f}, {y:.2f})"
                ax.scatter(x, y, marker=marker, s=ms, color="#F0E442", edgecolors="black", zorder=5, label=label)
    ax.axvline(d[0], color=actor_color(a), ls="--", lw=1.2, label=f"{a} reservation R(0) = {d[0]:.2f}")
    ax.axhline(d[1], color=actor_color(b), ls="--", lw=1.2, label=f"{b} reservation R(0) = {d[1]:.2f}")
    path = offer_path(cp, tr) if tr is not None else pd.DataFrame()
    if len(path):
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
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(f"utility of {a} (0–1)")
    ax.set_ylabel(f"utility of {b} (0–1)")
    what = (
        f"{len(pk):,} feasible of {max_points:,} sampled packages (of {cp.n_packages:,}; seed {seed})"
        if sampled
        else f"{len(pk):,} feasible packages"
    )
    ax.set_title(title or f"{cp.scenario_id}: {a} vs {b}\n{what}", fontsize="medium")
    ax.set_aspect("equal")
    leg = ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, fontsize="small")
    for h, item in zip(leg.legend_handles, leg.get_texts()):
        if item.get_text() == "packages" or item.get_text().startswith("vetoed"):
            h.set_sizes([20.0])  # type: ignore[union-attr]
    return ax
