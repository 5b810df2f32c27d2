"""Loading scenario files: YAML -> shorthands and inheritance -> validated :class:`~sim.scenario.models.Scenario`.

Every problem of a file is reported at once, each with its line and column, as a
:class:`~sim.errors.ScenarioError`; nothing is half-loaded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.errors import Issue, ScenarioError, UsageError
from sim.scenario.checks import CrossCheckError, cross_check, hint
from sim.scenario.keys import allowed_keys
from sim.scenario.models import MAX_ACTORS, MAX_CLAUSES, MAX_OPTIONS, Scenario
from sim.scenario.partial import FAILED, GUARD, has_failed, partial, plain
from sim.scenario.paths import check_path, lookup, parse_path, resolved_tree, unset_optional
from sim.scenario.provenance import Audit, audit, key_issue
from sim.scenario.resolve import inherit, normalise
from sim.scenario.shock_values import check_shock_values, spec_refusal
from sim.scenario.specs import SpecError, parse_spec
from sim.scenario.variant import audit_variant, is_variant, load_variant
from sim.scenario.yamlio import Loc, read_yaml_file

PathT = tuple[str | int, ...]


def load_scenario(path: str | Path) -> Scenario:
    """Read, check and return the scenario in a YAML file (a scenario, or a variant of one: docs/variants.md).

    >>> s = load_scenario("scenarios/paris_2025.yaml")
    >>> s.signatories
    ['US', 'UA', 'RU']
    """
    data, locs, _ = read_yaml_file(path)
    if is_variant(data):
        return load_variant(path, data, locs, scenario_from_document)
    return scenario_from_document(data, file=str(path), locs=locs)


def audit_file(path: str | Path) -> tuple[Scenario, Audit, dict[str, Loc]]:
    """Load a scenario and audit the provenance of its numbers (:func:`sim.scenario.provenance.audit`).

    Returns (scenario, audit, line and column of each number and of each provenance entry, by dotted path; an entry
    as ``provenance.KEY``). Raises :class:`ScenarioError` as :func:`load_scenario` does."""
    data, locs, _ = read_yaml_file(path)
    if is_variant(data):
        return audit_variant(path, data, locs, scenario_from_document, audit_file)
    scenario = scenario_from_document(data, file=str(path), locs=locs)
    _, _, moved = normalise(data)
    found = audit(scenario)
    where: dict[str, Loc] = {}
    places = [(n.path, n.parts) for n in found.numbers] + [(f"provenance.{k}", ("provenance", k)) for k in found.unused]
    for dotted_path, parts in places:
        located = _locate(Issue("", parts), locs, {}, moved, str(path))
        if located.line is not None:
            where[dotted_path] = (located.line, located.col or 1)
    return scenario, found, where


def scenario_from_document(raw: Any, file: str | None = None, locs: dict[PathT, Loc] | None = None) -> Scenario:
    """Validate a scenario given as plain data (what a YAML file holds)."""
    locs = locs or {}
    if not isinstance(raw, dict):
        kind = type(raw).__name__ if raw is not None else "nothing"
        raise ScenarioError([Issue(f"a scenario must be a mapping of sections, not {kind}", (), 1, 1, file)], file)
    too_big = _sizes(raw)
    if too_big:
        raise ScenarioError([_locate(i, locs, {}, {}, file) for i in too_big], file)
    doc, issues, moved = normalise(raw)
    shorthand = {i.path for i in issues}  # a shorthand that could not be expanded: no second message for it
    resolved, more, chains, broken = inherit(doc)
    issues += more
    scenario, found, cross = _validate_all(resolved)
    issues += [i for i in found if i.path not in shorthand]
    # an actor whose profiles could not be merged lacks what they would give: do not report that twice
    issues += [c for c in cross if not (c.path[:1] == ("actors",) and len(c.path) >= 2 and c.path[1] in broken)]
    if issues:
        located = [_locate(i, locs, chains, moved, file) for i in issues]
        located.sort(key=lambda i: (i.line or 0, i.col or 0))
        raise ScenarioError(_dedupe(located), file)
    assert scenario is not None
    scenario._document = doc
    scenario._source = file
    return scenario


def _sizes(raw: dict[str, Any]) -> list[Issue]:
    """Absurd sizes, refused before any copying or validation (which would take minutes on them)."""

    issues = []
    for key, limit in (("actors", MAX_ACTORS), ("clauses", MAX_CLAUSES), ("profiles", MAX_ACTORS)):
        n = len(raw.get(key) or ()) if isinstance(raw.get(key), (dict, list)) else 0
        if n > limit:
            issues.append(Issue(f"{n:,} {key}: at most {limit:,} are allowed", (key,)))
    clauses = raw.get("clauses")
    if isinstance(clauses, dict):
        for cid, spec in clauses.items():
            opts = spec.get("options") if isinstance(spec, dict) else spec
            if isinstance(opts, list) and len(opts) > MAX_OPTIONS:
                issues.append(
                    Issue(f"{len(opts):,} options: at most {MAX_OPTIONS:,} are allowed", ("clauses", cid, "options"))
                )
    return issues


def _validate_all(resolved: dict[str, Any]) -> tuple[Scenario | None, list[Issue], list[Issue]]:
    """Validate once. When fields are wrong, the cross-reference checks still run, on a partial model of the
    parts that validated (:mod:`sim.scenario.partial`), so that every mistake of the file is reported at once.

    Returns (scenario or None, structural issues, cross-reference issues). A cross-reference issue at or below
    the path of a structural issue is left out: the structural issue already names the mistake.
    """
    try:
        scenario = Scenario.model_validate(resolved)
    except ValidationError as exc:
        structural, cross = _issues_from_pydantic(exc, resolved)
    else:
        return scenario, [], _check_paths(resolved_tree(scenario))
    model = partial(Scenario, resolved)
    if structural:  # the model's own cross check did not run
        cross = []
        with GUARD:
            cross = cross_check(model)
    cross += _check_paths(plain(model))
    wrong = [i.path for i in structural]
    cross = [c for c in cross if not any(c.path[: len(w)] == w for w in wrong)]
    return None, structural, cross


def _dedupe(issues: list[Issue]) -> list[Issue]:
    seen: set[tuple[Any, ...]] = set()
    out = []
    for i in issues:
        key = (i.path, i.message)
        if key not in seen:
            seen.add(key)
            out.append(i)
    return out


def _check_paths(tree: dict[str, Any]) -> list[Issue]:
    """The paths of shocks, of the sweep section and of ``labels``, and the sweep's SPECs, checked against the resolved
    ``tree`` (a partial one when fields are wrong: a path through a failed value is not checked)."""

    def why_not(p: str) -> str | None:
        try:
            if has_failed(tree, parse_path(p)):
                return None
        except UsageError:
            pass
        return check_path(tree, p)

    issues = []
    shocks = tree.get("shocks")
    for j, sh in enumerate(shocks if isinstance(shocks, list) else []):
        for key in ("set", "add"):
            part = sh.get(key) if isinstance(sh, dict) else None
            for p in part if isinstance(part, dict) else ():
                why = why_not(p)
                if why:
                    issues.append(Issue(why, ("shocks", j, key, p)))
    for aid, spec in (tree.get("actors") or {}).items() if isinstance(tree.get("actors"), dict) else ():
        dl = spec.get("deadline") if isinstance(spec, dict) else None
        for key in ("set", "add"):
            part = dl.get(key) if isinstance(dl, dict) else None
            for p in part if isinstance(part, dict) else ():
                why = why_not(p)
                if why:
                    issues.append(Issue(why, ("actors", aid, "deadline", key, p)))
    sweep = tree.get("sweep")
    params = sweep.get("params") if isinstance(sweep, dict) else None
    for p, spec in params.items() if isinstance(params, dict) else ():
        why = why_not(p)
        if why is None and spec is not FAILED and not has_failed(tree, parse_path(p)):
            current = lookup(tree, parse_path(p))
            if isinstance(current, dict | list):
                why = "names a whole section; sweep one of its numbers instead"
            else:
                try:
                    why = spec_refusal(parse_spec(p, spec, current))
                except SpecError as exc:
                    why = exc.why
        if why:
            issues.append(Issue(why, ("sweep", "params", p)))
    labels = tree.get("labels")
    for p in labels if isinstance(labels, dict) else ():
        # a label may name a value under an optional section that is unset (actors.US.deadline.credibility with no
        # deadline): the label waits for the value, so edits that unset the section stay valid
        why = None if unset_optional(tree, p) else why_not(p)
        if why:
            issues.append(Issue(why, ("labels", p)))
    provenance = tree.get("provenance")
    for p in provenance if isinstance(provenance, dict) else ():
        try:
            through_failed = has_failed(tree, parse_path(p))
        except UsageError:
            through_failed = False
        why = None if through_failed else key_issue(tree, p)
        if why:
            issues.append(Issue(why, ("provenance", p)))
    named_nothing = {i.path for i in issues}
    return issues + [i for i in check_shock_values(tree) if i.path not in named_nothing]


def _doc_prefix(tree: Any, loc: tuple[Any, ...]) -> PathT:
    """The longest prefix of a pydantic ``loc`` that is a real path of the document (drops union tags)."""
    out: list[str | int] = []
    node = tree
    for key in loc:
        if isinstance(node, dict) and key in node:
            node = node[key]
            out.append(key)
        elif isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
            node = node[key]
            out.append(key)
        elif isinstance(node, dict) and isinstance(key, str) and key.endswith("_") and key[:-1] in node:
            node = node[key[:-1]]
            out.append(key[:-1])
        else:
            break
    return tuple(out)


def _issues_from_pydantic(exc: ValidationError, tree: Any) -> tuple[list[Issue], list[Issue]]:
    """(structural issues, cross-reference issues) of a validation error."""
    grouped: dict[PathT, list[str]] = {}
    issues: list[Issue] = []
    cross: list[Issue] = []
    for err in exc.errors(include_url=False):
        ctx = err.get("ctx") or {}
        cause = ctx.get("error")
        if isinstance(cause, CrossCheckError):
            cross += cause.issues
            continue
        loc = tuple(err["loc"])
        path = _doc_prefix(tree, loc)
        if err["type"] == "extra_forbidden":
            allowed = allowed_keys(loc[:-1])
            msg = hint(loc[-1], allowed, "key") if allowed else f"unknown key {loc[-1]!r}"
            path = _doc_prefix(tree, loc)
            issues.append(Issue(msg, path))
            continue
        if err["type"] == "missing":
            issues.append(Issue(f"missing required key {loc[-1]!r}", path))
            continue
        msg = err["msg"]
        inp = err.get("input")
        if isinstance(inp, (int, float, str, bool)) and len(str(inp)) < 60:
            msg = f"{msg} (got {inp!r})"
        grouped.setdefault(path, [])
        if msg not in grouped[path]:
            grouped[path].append(msg)
    for path, msgs in grouped.items():
        issues.append(Issue("; or ".join(msgs), path))
    return issues, cross


def _locate(
    issue: Issue,
    locs: dict[PathT, Loc],
    chains: dict[str, list[str]],
    moved: dict[PathT, PathT],
    file: str | None,
) -> Issue:
    """Attach file, line and column: the deepest written place the value came from (actor, profile, shock)."""
    path = issue.path
    candidates = [path]
    if len(path) >= 2 and path[0] == "actors":
        for prof in reversed(chains.get(str(path[1]), [])):
            candidates.append(("profiles", prof, *path[2:]))
    for cand in list(candidates):
        for new, old in moved.items():
            if cand[: len(new)] == new:
                candidates.append(old + cand[len(new) :])
    best: tuple[int, Loc | None] = (-1, None)
    for cand in candidates:
        for n in range(len(cand), -1, -1):
            if cand[:n] in locs:
                if n > best[0]:
                    best = (n, locs[cand[:n]])
                break
    line, col = best[1] if best[1] else (None, None)
    return Issue(issue.message, path, line, col, file)
