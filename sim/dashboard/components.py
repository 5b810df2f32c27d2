"""The dashboard's Solara components (Jupyter and the web page): controls on the left, what N runs show on the right.

All the numbers come from :class:`sim.dashboard.state.DashboardModel`; this module only lays them out. A slider
re-runs on release (its ``change`` event), not on every pixel of a drag. The runs, the analysis and the curve are
computed in background threads (``solara.lab.use_task``): the event handler only records the change, so the page's
websocket stays served while a change is computed, and each panel shows "computing…" (with the last result) until its
result for the current changes is in.
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import reacton.ipyvuetify as rv
import solara
import solara.lab
from matplotlib.figure import Figure

from sim.dashboard.controls import Control, actor_controls, bounds, protocol_controls, red_lines, sweepable
from sim.dashboard.state import DEFAULT_SEEDS, DashboardModel, Summary
from sim.errors import NegsimError
from sim.plots.sweep import acceptance
from sim.scenario.loader import load_scenario
from sim.scenario.models import Scenario

CURVE_POINTS = 5


CURVE_SEEDS = 20


@solara.component
def NumberControl(control: Control, value: Any, on_change: Callable[[str, Any], None]):
    """A slider (numbers) or a select (choices) for one path; reports ``(path, value)`` on release."""
    if control.kind == "choice":
        solara.Select(
            label=control.label,
            value=value,
            values=list(control.choices),
            on_value=lambda v: on_change(control.path, v),
        )
    else:
        SliderControl(control, value, on_change)


@solara.component
def SliderControl(control: Control, value: Any, on_change: Callable[[str, Any], None]):
    local, set_local = solara.use_state(value)
    solara.use_effect(lambda: set_local(value), [value])

    def cast(v: Any) -> Any:  # keyboard steps add floats: 0.15 + 0.2 + 0.03 + 0.02 is not 0.4 exactly
        return round(float(v)) if control.kind == "int" else round(float(v), 9)

    with solara.Row(style={"align-items": "center"}):
        slider = rv.Slider(
            v_model=local,
            on_v_model=lambda v: set_local(cast(v)),
            label=control.label,
            min=control.min if control.min is not None else -1e6,
            max=control.max if control.max is not None else 1e6,
            step=control.step or 0.01,
            thumb_label=True,
            hide_details=True,
            class_=f"negsim-slider negsim-{control.path.replace('.', '-')}",
            style_="min-width: 260px",
        )

        # the event carries the value: the v_model message may not have arrived yet
        def changed(_widget: Any, _event: Any, data: Any) -> None:
            on_change(control.path, cast(data))

        rv.use_event(slider, "change", changed)  # type: ignore[arg-type]
        solara.Text(f"{local:g}", style={"min-width": "3.5em"})


@solara.component
def Controls(model: DashboardModel, changes: dict[str, Any], on_change: Callable[[str, Any], None], on_red_line):
    current = model.scenario(changes)
    actors = list(current.actors)
    actor, set_actor = solara.use_state(current.signatories[-1] if current.signatories else actors[0])
    with solara.Card("Protocol"):
        for c in protocol_controls(model.base):
            NumberControl(c, changes.get(c.path, c.value), on_change)
    with solara.Card("Actor"):
        solara.Select(label="actor", value=actor, values=actors, on_value=set_actor)
        for panel, ctrls in actor_controls(model.base, actor).items():
            if panel.startswith("reservation"):
                for c in ctrls:
                    NumberControl(c, changes.get(c.path, c.value), on_change)
                continue
            with solara.Details(f"{panel}"):
                for c in ctrls:
                    NumberControl(c, changes.get(c.path, c.value), on_change)
                lines = red_lines(current, actor, panel)
                for option in current.clauses[panel].options:
                    solara.Checkbox(
                        label=f"red line: {option}",
                        value=option in lines,
                        on_value=_red_line_setter(on_red_line, actor, panel, option),
                    )


def _red_line_setter(on_red_line: Callable[..., None], actor: str, clause: str, option: str) -> Callable[[bool], None]:
    return lambda on: on_red_line(actor, clause, option, on)


def _counts(d: dict[str, int], n: int) -> str:
    return ", ".join(f"{k} {v}/{n}" for k, v in d.items()) or "none"


def _busy(what: str) -> None:
    """The mark of a panel whose result for the current changes is still being computed (the browser test waits
    for no ``.negsim-computing`` on the page)."""
    solara.Text(f"computing {what}…", classes=["negsim-computing"], style={"color": "#1976d2"})


def _current(task: Any, key: Any) -> tuple[Any, bool]:
    """(the latest result of a task that returns ``(key, value)``, whether it is the result for ``key``)."""
    latest = task.latest
    if latest is None:
        return None, False
    done_key, value = latest
    return value, done_key == key and not task.pending


@solara.component
def Runs(model: DashboardModel, changes: dict[str, Any], key: str):
    task = solara.lab.use_task(lambda: (key, model.summary(changes)), dependencies=[key], raise_error=False)
    summary, current = _current(task, key)
    with solara.Card("Runs", classes=["negsim-runs"]):
        if task.error:
            solara.Error(f"the runs failed: {task.exception}")
        if not current:
            _busy(f"{model.n_seeds} runs")
        if summary is not None:
            Results(summary)


def p_deal_text(s: Summary) -> str:
    """The headline of the runs panel: ``P(deal) = 0.42  [0.33, 0.52]``."""
    return f"P(deal) = {s.p:.2f}  [{s.lo:.2f}, {s.hi:.2f}]"


@solara.component
def Results(s: Summary):
    solara.Text(p_deal_text(s), classes=["negsim-p-deal"], style={"font-size": "1.6em", "font-weight": "500"})
    solara.Text(f"{s.deals} deals in {s.n} runs (95 % Wilson interval); mean rounds played {s.mean_rounds:.1f}")
    solara.Markdown(f"**How the runs ended:** {_counts(s.reasons, s.n)}")
    solara.Markdown(
        "**Decomposition** (P(deal) = product of the stages; 95 % Wilson intervals):\n\n"
        "| stage | passed | P(pass) | interval |\n|---|---|---|---|\n"
        + "\n".join(
            f"| {st['label']} | {st['passed']}/{st['n']} | {st['p']:.2f} | [{st['ci'][0]:.2f}, {st['ci'][1]:.2f}] |"
            for st in s.stages
            if st["n"]
        )
    )
    if s.package:
        what = "Most frequent package signed" if s.package_signed else "No deal; most frequent last offer"
        rows = "\n".join(f"| {k} | {v} |" for k, v in s.package.items())
        solara.Markdown(f"**{what}** ({100 * s.package_share:.0f} %):\n\n| clause | option |\n|---|---|\n{rows}")
    no_deal = s.n - s.deals
    if no_deal:
        lines = [
            f"- **{a}** rejected the last offer in {k}/{no_deal} runs without a deal"
            + (
                "; smallest change that would bring it to its reservation value: "
                + ", ".join(f"{c} ({m})" for c, m in s.blocking_clause.get(a, {}).items())
            )
            * (a in s.blocking_clause)
            for a, k in s.rejected_by.items()
        ]
        solara.Markdown("**Who blocks and why** (runs without a deal):\n\n" + ("\n".join(lines) or "nobody rejected"))


@solara.component
def Analysis(model: DashboardModel, changes: dict[str, Any], key: str):
    task = solara.lab.use_task(lambda: (key, model.analysis(changes)), dependencies=[key], raise_error=False)
    a, current = _current(task, key)
    with solara.Card("Zone of agreement (negsim analyze)"):
        if task.error:
            solara.Error(f"the analysis failed: {task.exception}")
        if not current:
            _busy("the analysis")
        if a is None:
            return
        solara.Markdown(
            f"ZOPA: **{'yes' if a['zopa'] else 'no'}** — max-min surplus {a['max_min_surplus']}"
            + (f"; Nash package: `{a['nash']['package']}`" if a.get("nash") else "")
        )


def curve_values(model: DashboardModel, changes: dict[str, Any], path: str) -> list[float]:
    lo, hi = bounds(path)
    now = float(changes.get(path, model.shipped(path)) or 0.0)
    lo = max(lo if lo is not None else now - 0.2, now - 0.2)
    hi = min(hi if hi is not None else now + 0.2, now + 0.2)
    return [round(float(v), 4) for v in np.linspace(lo, hi, CURVE_POINTS)]


@solara.component
def Curve(model: DashboardModel, changes: dict[str, Any], key: str):
    paths = sweepable(model.base)
    default = next((p for p in paths if ".RU.reservation.expected_gain" in p), paths[0])
    path, set_path = solara.use_state(default)

    values = curve_values(model, changes, path)

    def compute():  # model.curve is cached by (changes, path, values): a change elsewhere that is undone is free
        df = model.curve(changes, path, values, n=CURVE_SEEDS)
        fig = Figure(figsize=(7, 3.6), layout="constrained")
        acceptance(df, path, actors=model.base.signatories, ax=fig.subplots(), title=f"{CURVE_SEEDS} seeds per point")
        return (key, path), fig

    task = solara.lab.use_task(compute, dependencies=[key, path], raise_error=False)
    fig, current = _current(task, (key, path))
    with solara.Card("Acceptance curve"):
        solara.Select(label="over", value=path, values=paths, on_value=set_path)
        if task.error:
            solara.Error(f"the curve failed: {task.exception}")
        if not current:
            _busy(f"the curve ({len(values)} points × {CURVE_SEEDS} seeds)")
        if fig is not None:
            solara.FigureMatplotlib(fig)


@solara.component
def Dashboard(scenario: str | Path | Scenario, n_seeds: int = DEFAULT_SEEDS, master_seed: int = 0):
    """The dashboard of one scenario: ``Dashboard("scenarios/paris_2025.yaml")`` in a notebook cell."""
    model = solara.use_memo(
        lambda: DashboardModel(
            scenario if isinstance(scenario, Scenario) else load_scenario(scenario), n_seeds, master_seed
        ),
        [str(scenario), n_seeds, master_seed],
    )
    changes, set_changes = solara.use_state(typing.cast(dict[str, Any], {}))
    error, set_error = solara.use_state("")
    out, set_out = solara.use_state(f"results/{model.base.id}_tweaked.yaml")
    saved, set_saved = solara.use_state("")

    def attempt(make):
        try:
            set_changes(make())
            set_error("")
        except NegsimError as exc:
            set_error(str(exc))

    def on_change(path, value):
        attempt(lambda: model.set(changes, path, value))

    def on_red_line(actor, clause, option, on):
        attempt(lambda: model.toggle_red_line(changes, actor, clause, option, on))

    def save():
        try:
            set_saved(f"wrote {model.save(changes, out)}")
        except (NegsimError, OSError) as exc:
            set_saved(f"could not write {out}: {exc}")

    key = repr(sorted(changes.items()))
    solara.Title(f"negsim: {model.base.id}")
    with solara.Columns([1, 2]):
        with solara.Column():
            Controls(model, changes, on_change, on_red_line)
        with solara.Column():
            solara.Markdown(f"# {model.base.id}")
            if error:
                solara.Error(error)
            Runs(model, changes, key)
            Analysis(model, changes, key)
            Curve(model, changes, key)
            with solara.Card("Changes from the scenario as shipped"):
                solara.Markdown("\n".join(f"- `{d}`" for d in model.diff(changes)) or "none")
                with solara.Row():
                    solara.InputText("write to", value=out, on_value=set_out)
                    solara.Button("Write YAML", on_click=save)
                    solara.Button("Reset", on_click=lambda: set_changes({}))
                if saved:
                    solara.Text(saved)
