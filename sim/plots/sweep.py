"""Figures of sweeps: acceptance curves, deals by round, P(deal) heatmaps, who blocked (matplotlib).

Every function takes data (a sweep table as returned by :func:`sim.load_sweep`; :mod:`sim.engine.records` lists the
columns) and ``ax=None``, draws on that Axes (or on a new figure) and returns the Axes; none calls ``show()``.
Rows whose ``error`` column is set are left out. Figures of single runs (trace, package space) are in
:mod:`sim.plots.run`. One colour per actor in every figure: :func:`actor_color`.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from sim.core.stats import wilson_interval

#: Colours of actors by their order in the scenario: Okabe & Ito (2008) without yellow, then Paul Tol's (2021)
#: "muted" set; both colour-blind safe. The shipped scenarios list US, UA, RU first: blue, orange, bluish green.
ORDER_PALETTE: tuple[str, ...] = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#000000",
    "#332288",
    "#882255",
    "#44AA99",
    "#999933",
    "#AA4499",
    "#DDCC77",
    "#117733",
)
#: The shipped scenarios' actors in their order (the colours :func:`actor_color` gives without an actor list).
SHIPPED_ORDER = ("US", "UA", "RU", "FR", "UK", "DE", "PL", "HU", "SK", "EU_OTHERS")
ACTOR_COLORS: dict[str, str] = dict(zip(SHIPPED_ORDER, ORDER_PALETTE[: len(SHIPPED_ORDER)], strict=True))
#: Actors beyond the palette, or named without an actor list and not shipped, hash into Tol's "muted" palette.
PALETTE: tuple[str, ...] = (
    "#CC6677",
    "#332288",
    "#DDCC77",
    "#117733",
    "#88CCEE",
    "#882255",
    "#44AA99",
    "#999933",
    "#AA4499",
)


def actor_color(actor_id: str, actors: Sequence[str] | None = None) -> str:
    """The colour of an actor in every figure: the ``i``-th of :data:`ORDER_PALETTE` for the ``i``-th of ``actors``
    (the scenario's actors in order); without ``actors``, fixed for the shipped actors, else a stable hash (CRC-32).

    >>> actor_color("RU"), actor_color("B", ["A", "B"])
    ('#009E73', '#E69F00')
    >>> actor_color("A") == actor_color("A")
    True
    """
    if actors is not None and actor_id in actors and list(actors).index(actor_id) < len(ORDER_PALETTE):
        return ORDER_PALETTE[list(actors).index(actor_id)]
    if actor_id in ACTOR_COLORS:
        return ACTOR_COLORS[actor_id]
    return PALETTE[zlib.crc32(actor_id.encode()) % len(PALETTE)]


def valid_runs(df: pd.DataFrame) -> pd.DataFrame:
    """The rows of a sweep table that ran (``error`` empty), with ``deal`` as bool."""
    out = df
    if "error" in df.columns:
        err = df["error"]
        out = df[err.isna() | (err.astype(str) == "")]
    if "deal" not in out.columns:  # every run raised: no outcome columns at all
        return out.iloc[0:0].assign(deal=pd.Series(dtype=bool))
    out = out[out["deal"].notna()].copy()
    out["deal"] = out["deal"].astype(bool)
    return out


def actors_of(df: pd.DataFrame) -> list[str]:
    """Actor ids named by the ``accepted.<actor>`` columns, in column order."""
    return [c.split(".", 1)[1] for c in df.columns if c.startswith("accepted.")]


def round_label(unit: str | None) -> str:
    """Axis label of rounds: ``round (week)``."""
    return f"round ({unit})" if unit and unit != "round" else "round"


def levels(values: pd.Series, max_levels: int = 25, bins: int = 10) -> pd.Series:
    """The values of a swept parameter as plot levels; continuous designs (lhs, random) are cut into bins.

    More than ``max_levels`` distinct numeric values are replaced by the centres of ``bins`` equal-width bins.
    """
    if _is_numeric(values) and values.nunique() > max_levels:
        edges = np.linspace(values.min(), values.max(), bins + 1)
        idx = np.clip(np.searchsorted(edges, values.to_numpy(float), side="right") - 1, 0, bins - 1)
        return pd.Series((edges[idx] + edges[idx + 1]) / 2, index=values.index, name=values.name)
    return values


def _is_numeric(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def deal_table(df: pd.DataFrame, x: str, by: str | None = None) -> pd.DataFrame:
    """One row per level of ``x`` (and ``by``): runs ``n``, ``deals``, ``p`` = deals/n, Wilson ``lo``/``hi``
    and the share of runs in which each actor accepted the final offer (``accepted.<actor>``)."""
    runs = valid_runs(df)
    keys = [x] if by is None else [by, x]
    runs = runs.assign(**{k: levels(runs[k]) for k in keys})
    acc = [f"accepted.{a}" for a in actors_of(runs)]
    runs[acc] = runs[acc].astype(bool)
    g = runs.groupby(keys, sort=True, dropna=False)
    table = g["deal"].agg(n="size", deals="sum").reset_index()
    table = table.merge(g[acc].mean().reset_index(), on=keys) if acc else table
    table["p"] = table["deals"] / table["n"]
    table["lo"], table["hi"] = wilson_interval(table["deals"], table["n"])
    return table


def _positions(values: pd.Series, ax: Axes, order: Sequence[Any] | None = None) -> np.ndarray:
    """x positions of parameter levels: the values when numeric, else 0, 1, … with the values as ticks."""
    if _is_numeric(values):
        return values.to_numpy(float)
    cats = list(order) if order is not None else sorted(values.unique(), key=str)
    ax.set_xticks(range(len(cats)), [str(c) for c in cats])
    return np.array([cats.index(v) for v in values], dtype=float)


def _new_axes(ax: Axes | None, size: tuple[float, float] = (8.0, 4.5)) -> Axes:
    if ax is not None:
        return ax

    _, new = plt.subplots(figsize=size, layout="constrained")
    return new


def _legend_outside(ax: Axes, title: str | None = None) -> None:
    handles, _ = ax.get_legend_handles_labels()
    if handles:
        ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, title=title, fontsize="small")


def _level_colors(n: int) -> list[Any]:

    cmap = mpl.colormaps["viridis"]
    return [cmap(v) for v in (np.linspace(0.0, 0.85, n) if n > 1 else [0.0])]


def acceptance(
    df: pd.DataFrame,
    x: str,
    by: str | None = None,
    actors: Sequence[str] | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    by_label: str | None = None,
) -> Axes:
    """P(deal) against swept parameter ``x`` with 95 % Wilson intervals across seeds (``xlabel``, ``ylabel`` and
    ``by_label``, the legend's title, replace the paths).

    Without ``by``: thinner lines give, per actor, the share of runs in which it accepted the final offer
    (``actors`` chooses which; default all). With ``by``: one P(deal) curve per level of that parameter.
    """
    ax = _new_axes(ax)
    table = deal_table(df, x, by)
    groups = [(None, table)] if by is None else list(table.groupby(by, sort=True))
    colors = ["black"] if by is None else _level_colors(len(groups))
    order = sorted(table[x].unique(), key=str) if not _is_numeric(table[x]) else None
    for (level, t), color in zip(groups, colors, strict=True):
        xs = _positions(t[x], ax, order)
        label = "P(deal), 95% Wilson interval" if by is None else f"{_fmt(level)}"
        ax.fill_between(xs, t["lo"], t["hi"], color=color, alpha=0.15, linewidth=0)
        ax.plot(xs, t["p"], "o-", color=color, lw=2.2, ms=5, label=label, zorder=3)
    if by is None:
        xs = _positions(table[x], ax, order)
        for a in actors if actors is not None else actors_of(table):
            if f"accepted.{a}" not in table:
                continue
            ax.plot(
                xs,
                table[f"accepted.{a}"],
                "-",
                color=actor_color(a, actors_of(table)),
                lw=1.1,
                alpha=0.9,
                label=f"{a} accepted",
            )
    n = int(table["n"].sum())
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel(xlabel or x)
    ax.set_ylabel(ylabel or ("P(deal)" if by is not None else "P(deal); share of runs accepting"))
    ax.set_title(title or f"Deals across {n} runs ({int(table['n'].median())} runs per point)")
    ax.grid(alpha=0.3)
    _legend_outside(ax, by_label or by)
    return ax


def _fmt(v: Any) -> str:
    if isinstance(v, float | np.floating):
        return f"{float(v):.4g}"
    return str(v)


def deals_by_round(df: pd.DataFrame, x: str | None = None) -> pd.DataFrame:
    """Long table of the cumulative share of runs with a deal by each round, per level of ``x``:
    columns ``level``, ``round``, ``n``, ``deals`` (deal reached at or before that round), ``p``, ``lo``,
    ``hi``."""
    runs = valid_runs(df)
    lv = levels(runs[x]) if x is not None else pd.Series("all runs", index=runs.index)
    played = pd.to_numeric(runs.get("rounds_played", runs["round"]), errors="coerce")
    dealt = pd.to_numeric(runs["round"], errors="coerce").where(runs["deal"])
    first = int(min(0, dealt.min())) if dealt.notna().any() else 0  # rounds count from 0 (sim.engine.model)
    last = int(max(played.max() - 1, dealt.max() if dealt.notna().any() else 0, first))
    rows = []
    for level, idx in lv.groupby(lv, sort=True).groups.items():
        d = dealt.loc[idx]
        for r in range(first, last + 1):
            rows.append({"level": level, "round": r, "n": len(idx), "deals": int((d <= r).sum())})
    out = pd.DataFrame(rows, columns=["level", "round", "n", "deals"])
    out["p"] = out["deals"] / out["n"]
    out["lo"], out["hi"] = wilson_interval(out["deals"], out["n"])
    return out


def rounds(
    df: pd.DataFrame,
    x: str | None = None,
    round_unit: str | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    x_label: str | None = None,
) -> Axes:
    """The share of runs with a deal by each round (cumulative, 95 % Wilson band), one step curve per level of
    ``x`` (all runs together when ``x`` is None)."""
    ax = _new_axes(ax)
    table = deals_by_round(df, x)
    groups = list(table.groupby("level", sort=True))
    band_alpha = 0.12 if len(groups) <= 3 else 0.3 / len(groups)  # overlapping bands must not stack to a block
    for (level, t), color in zip(groups, _level_colors(len(groups)), strict=True):
        ax.fill_between(t["round"], t["lo"], t["hi"], step="post", color=color, alpha=band_alpha, linewidth=0)
        ax.step(t["round"], t["p"], where="post", color=color, lw=2, label=_fmt(level))
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel(round_label(round_unit))
    ax.set_ylabel("share of runs with a deal (cumulative)")
    if not table.empty:
        ax.set_xticks(range(int(table["round"].min()), int(table["round"].max()) + 1))
    ax.set_title(title or "Deals by round (95% Wilson bands)")
    ax.grid(alpha=0.3)
    _legend_outside(ax, x_label or x)
    return ax


def heatmap_table(df: pd.DataFrame, x: str, y: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """P(deal) and the number of runs per cell, each as a (levels of y) x (levels of x) table."""
    t = deal_table(df, x, by=y)
    return t.pivot(index=y, columns=x, values="p"), t.pivot(index=y, columns=x, values="n")


def heatmap(
    df: pd.DataFrame,
    x: str,
    y: str,
    ax: Axes | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
) -> Axes:
    """P(deal) over two swept parameters, each cell annotated with its share."""
    ax = _new_axes(ax, (7.5, 5.5))
    p, n = heatmap_table(df, x, y)
    im = ax.imshow(p.to_numpy(float), origin="lower", aspect="auto", cmap="viridis", vmin=0.0, vmax=1.0)
    _annotate(ax, p.to_numpy(float), "{:.2f}")
    ax.set_xticks(range(p.shape[1]), [_fmt(v) for v in p.columns], rotation=45 if p.shape[1] > 6 else 0)
    ax.set_yticks(range(p.shape[0]), [_fmt(v) for v in p.index])
    ax.set_xlabel(xlabel or x)
    ax.set_ylabel(ylabel or y)
    ax.figure.colorbar(im, ax=ax, label="P(deal)")
    runs = int(np.nansum(n.to_numpy(float)))
    ax.set_title(title or f"P(deal) over {p.size} points ({runs} runs)")
    return ax


def _annotate(ax: Axes, values: np.ndarray, fmt: str, vmax: float = 1.0) -> None:
    for (i, j), v in np.ndenumerate(values):
        if np.isnan(v):
            continue
        color = "white" if v < 0.6 * vmax else "black"
        ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize="small", color=color)


def blocking_table(df: pd.DataFrame) -> pd.DataFrame:
    """Share of runs in which each actor blocked structurally (``rejection.<actor>`` is ``structural``: the last
    offer was below its reservation value, or a veto), split by its counterfactual (``blocking_clause.<actor>``:
    the clauses of the smallest change that would bring it to its reservation value; "(no change would)" when
    none), plus a ``ratification`` column: the share of runs in which its ratification failed. Timing rejections
    (an offer it would accept at its reservation value) and walk-aways are not blocks. Tables written before
    ``rejection.<actor>`` existed count every rejection in ``blocked_by``, as before. Rows: actors that blocked."""
    runs = valid_runs(df)
    blockers = runs["blocked_by"].fillna("").astype(str).str.split(",")
    tagged = any(c.startswith("rejection.") for c in runs.columns)
    counts: dict[tuple[str, str], int] = {}
    for idx, names in blockers.items():
        for a in (s.strip() for s in names):
            if not a or (tagged and runs.at[idx, f"rejection.{a}"] != "structural"):
                continue
            clause = runs.at[idx, f"blocking_clause.{a}"] if f"blocking_clause.{a}" in runs else ""
            key = (a, str(clause) if isinstance(clause, str) and clause else "(no change would)")
            counts[key] = counts.get(key, 0) + 1
    if "ratification_failed" in runs.columns:
        for cell in runs["ratification_failed"].fillna("").astype(str):
            for who in {k.split(":", 1)[0] for k in cell.split(",") if k}:
                counts[(who, "ratification")] = counts.get((who, "ratification"), 0) + 1
    if not counts:
        return pd.DataFrame(dtype=float)
    s = pd.Series(counts) / max(len(runs), 1)
    table = s.unstack().fillna(0.0)
    order = [a for a in actors_of(runs) if a in table.index] + [a for a in table.index if a not in actors_of(runs)]
    last = ("(no change would)", "ratification")
    return table.loc[order, sorted(table.columns, key=lambda c: (c in last, last.index(c) if c in last else 0, c))]


def blocking(df: pd.DataFrame, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Annotated heatmap on a fixed 0–1 scale: for each actor (rows) and counterfactual change (columns), the share
    of runs it blocked structurally with that change as its counterfactual, and of runs its ratification failed
    (:func:`blocking_table`). Row labels give the actor's total."""
    table = blocking_table(df)
    n = len(valid_runs(df))
    ax = _new_axes(ax, (max(6.5, 1.5 + 0.9 * max(table.shape[1], 1)), 2.6 + 0.45 * max(table.shape[0], 1)))
    if table.empty:
        ax.text(0.5, 0.5, "no run was blocked structurally", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        ax.set_title(title or f"Structural blocks and failed ratifications ({n} runs)")
        return ax
    values = table.to_numpy(float)
    im = ax.imshow(values, aspect="auto", cmap="Reds", vmin=0.0, vmax=1.0)  # fixed 0–1: 8 % stays pale
    for (i, j), v in np.ndenumerate(values):
        if v > 0:
            color = "white" if v > 0.6 else "black"
            ax.text(j, i, f"{v:.0%}", ha="center", va="center", fontsize="small", color=color)
    ax.set_xticks(range(table.shape[1]), list(table.columns), rotation=35, ha="right")
    ax.set_yticks(range(table.shape[0]), [f"{a} ({table.loc[a].sum():.0%})" for a in table.index])
    for label, a in zip(ax.get_yticklabels(), table.index, strict=True):
        label.set_color(actor_color(str(a), actors_of(df)))
    ax.set_xlabel("smallest change that would bring the actor to its reservation value (or ratification failed)")
    ax.set_ylabel("actor (share of runs it blocked structurally)")
    ax.figure.colorbar(im, ax=ax, label="share of runs (0–1 scale)")
    ax.set_title(title or f"Structural blocks and failed ratifications ({n} runs)")
    return ax
