"""Human labels of actors, clauses, options and paths, for every figure and table (one function: :func:`label_of`).

Order of precedence: the scenario's top-level ``labels:`` map (path or id -> text); else the ``label`` of the actor,
clause or option the name or path designates, when the model has one (``getattr(..., "label", None)``: the field
arrives with issue #17 and this works before and after it); else the actor's ``name``; else a readable default
derived from the path: ``actors.RU.reservation.expected_gain`` -> ``RU: reservation · expected gain``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.scenario.models import Scenario


def _words(seg: str) -> str:
    return seg.replace("_", " ")


def default_label(path: str) -> str:
    """A readable label of a path without any scenario text.

    >>> default_label("actors.RU.reservation.expected_gain")
    'RU: reservation · expected gain'
    >>> default_label("protocol.agenda")
    'protocol · agenda'
    >>> default_label("profiles.E3_base.discount")
    'E3_base (profile): discount'
    """
    parts = path.split(".")
    if len(parts) >= 3 and parts[0] in ("actors", "profiles"):
        who = parts[1] if parts[0] == "actors" else f"{parts[1]} (profile)"
        return f"{who}: {' · '.join(_words(p) for p in parts[2:])}"
    return " · ".join(_words(p) for p in parts)


def _model_label(obj: Any) -> str | None:
    text = getattr(obj, "label", None)
    return str(text) if text else None


def label_of(scenario: Scenario | None, path_or_id: str) -> str:
    """The label of an actor id, a clause id, ``clause.option`` / ``clauses.C.options.O``, or any path.

    Without a scenario (or when nothing is known about the name) the default of :func:`default_label`; a bare id
    that is no actor or clause is returned as it is.
    """
    if scenario is None:
        return default_label(path_or_id) if "." in path_or_id else path_or_id
    if path_or_id in scenario.labels:
        return scenario.labels[path_or_id]
    parts = path_or_id.split(".")
    if len(parts) == 1:
        actor = scenario.actors.get(path_or_id)
        if actor is not None:
            return _model_label(actor) or actor.name or path_or_id
        clause = scenario.clauses.get(path_or_id)
        if clause is not None:
            return _model_label(clause) or path_or_id
        return path_or_id
    if len(parts) == 2 and parts[0] in scenario.clauses:  # clause.option
        return _option_label(scenario, parts[0], parts[1]) or _words(parts[1])
    if parts[0] == "actors" and len(parts) == 2 and parts[1] in scenario.actors:
        return label_of(scenario, parts[1])
    if parts[0] == "clauses" and len(parts) == 2 and parts[1] in scenario.clauses:
        return label_of(scenario, parts[1])
    if parts[0] == "clauses" and len(parts) == 4 and parts[2] == "options":
        return _option_label(scenario, parts[1], parts[3]) or _words(parts[3])
    return default_label(path_or_id)


def _option_label(scenario: Scenario, clause: str, option: str) -> str | None:
    """The label of an option: ``labels:`` under ``clause.option``, else the option's own ``label`` if options are
    models with one (issue #17), else a ``labels`` mapping on the clause."""
    c = scenario.clauses.get(clause)
    if c is None:
        return None
    for o in c.options:
        if getattr(o, "id", o) == option:
            own = _model_label(o)
            if own:
                return own
    labels = getattr(c, "option_labels", None) or getattr(c, "labels", None)
    if isinstance(labels, dict) and labels.get(option):
        return str(labels[option])
    return None


def value_label(value: Any) -> str:
    """A level of a swept parameter as text: floats to 4 significant digits, names with spaces for underscores."""
    if isinstance(value, float):
        return f"{value:.4g}"
    return _words(str(value)) if isinstance(value, str) else str(value)
