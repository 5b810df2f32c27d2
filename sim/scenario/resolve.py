"""From the document as written to the document the models validate.

Two steps, both pure functions on plain dicts:

1. :func:`normalise` expands shorthands, so that every path names one number in one place:
   a clause given as a list of options; option values given as a list in option order; a red line given as a
   list of options (a hard red line); a single approval rule instead of a list; shocks written under an actor
   (``actors.HU.shocks``, paths relative to the actor, ``effect: {inherits: PROFILE}``) moved to ``shocks``.
2. :func:`inherit` deep-merges profiles into actors (``inherits: NAME`` or a list, applied in order, profiles
   may inherit profiles; mappings merge key by key, anything else is replaced) and reports cycles.

Both return the :class:`~sim.errors.Issue` list of what they could not make sense of, with paths in the
document.
"""

from __future__ import annotations

import copy
from difflib import get_close_matches
from typing import Any

from sim.errors import Issue

PathT = tuple[str | int, ...]


def deep_merge(base: Any, over: Any) -> Any:
    """Merge ``over`` onto ``base``: mappings key by key, anything else replaced. Inputs are not modified."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = deep_merge(base[k], v) if k in base else copy.deepcopy(v)
        return out
    return copy.deepcopy(over)


def _options_of(doc: dict[str, Any]) -> dict[str, list[Any]]:
    clauses = doc.get("clauses")
    out: dict[str, list[Any]] = {}
    if isinstance(clauses, dict):
        for cid, spec in clauses.items():
            opts = spec.get("options") if isinstance(spec, dict) else None
            if isinstance(opts, list) and all(isinstance(o, (str, int, float)) for o in opts):
                out[str(cid)] = opts  # malformed option lists are reported by the models, not expanded here
    return out


def _normalise_fields(
    fields: dict[str, Any],
    where: PathT,
    options: dict[str, list[Any]],
    issues: list[Issue],
    moved: dict[PathT, PathT],
) -> None:
    utils = fields.get("utilities")
    if isinstance(utils, dict):
        for cid, vals in list(utils.items()):
            if isinstance(vals, list):
                opts = options.get(str(cid))
                if opts is None:
                    continue  # unknown clause: reported by the cross checks
                if len(vals) != len(opts):
                    issues.append(
                        Issue(
                            f"{len(vals)} values given in list form but clause {cid!r} has "
                            f"{len(opts)} options ({', '.join(map(str, opts))})",
                            (*where, "utilities", cid),
                        )
                    )
                    continue
                utils[cid] = dict(zip(opts, vals, strict=True))
                for k, o in enumerate(opts):  # errors in a value point at its item of the list
                    moved[(*where, "utilities", cid, o)] = (*where, "utilities", cid, k)
    reds = fields.get("red_lines")
    if isinstance(reds, dict):
        for cid, spec in list(reds.items()):
            if isinstance(spec, list):
                reds[cid] = {"options": spec}
                moved[(*where, "red_lines", cid, "options")] = (*where, "red_lines", cid)
            elif isinstance(spec, str):
                reds[cid] = {"options": [spec]}
                moved[(*where, "red_lines", cid, "options", 0)] = (*where, "red_lines", cid)


def normalise(raw: Any) -> tuple[Any, list[Issue], dict[PathT, PathT]]:
    """Expand shorthands. Returns (document, issues, moved); ``moved`` maps new path prefixes to old ones."""
    issues: list[Issue] = []
    moved: dict[PathT, PathT] = {}
    if not isinstance(raw, dict):
        return raw, issues, moved
    doc = copy.deepcopy(raw)
    clauses = doc.get("clauses")
    if isinstance(clauses, dict):
        for cid, spec in list(clauses.items()):
            if isinstance(spec, list):
                clauses[cid] = {"options": spec}
                moved[("clauses", cid, "options")] = ("clauses", cid)
    options = _options_of(doc)
    profiles = doc.get("profiles")
    if isinstance(profiles, dict):
        for pid, fields in profiles.items():
            if isinstance(fields, dict):
                _normalise_fields(fields, ("profiles", pid), options, issues, moved)
    actors = doc.get("actors")
    shocks = doc.get("shocks")
    if shocks is None:
        shocks = []
    if isinstance(actors, dict):
        for aid, fields in actors.items():
            if not isinstance(fields, dict):
                continue
            _normalise_fields(fields, ("actors", aid), options, issues, moved)
            own = fields.pop("shocks", None)
            if own is None:
                continue
            if not isinstance(own, list) or not isinstance(shocks, list):
                issues.append(Issue("shocks must be a list", ("actors", aid, "shocks")))
                continue
            for j, shock in enumerate(own):
                if isinstance(shock, dict) and "effect" in shock and not isinstance(shock["effect"], dict):
                    issues.append(
                        Issue(
                            "effect must be a mapping of actor fields (and inherits: PROFILE)",
                            ("actors", aid, "shocks", j, "effect"),
                        )
                    )
                if isinstance(shock, dict):
                    shock = _actor_shock(aid, shock)
                moved[("shocks", len(shocks))] = ("actors", aid, "shocks", j)
                shocks.append(shock)
    if shocks:
        doc["shocks"] = shocks
    rules = doc.get("decision_rules")
    if isinstance(rules, dict) and isinstance(rules.get("clause_approvals"), dict):
        ca = rules["clause_approvals"]
        for cid, spec in list(ca.items()):
            if isinstance(spec, dict):
                ca[cid] = [spec]
                moved[("decision_rules", "clause_approvals", cid, 0)] = ("decision_rules", "clause_approvals", cid)
    return doc, issues, moved


def _actor_shock(aid: str, shock: dict[str, Any]) -> dict[str, Any]:
    """``actors.HU.shocks: [{..., effect: {inherits: E3_base, discount: 0.9}}]`` -> a top-level shock."""
    shock = dict(shock)
    effect = shock.pop("effect", None)
    if isinstance(effect, dict):
        effect = dict(effect)
        prof = effect.pop("inherits", None)
        if prof is not None and isinstance(shock.setdefault("profile", {}), dict):
            shock["profile"][aid] = prof
        if effect and isinstance(shock.setdefault("set", {}), dict):
            for k, v in effect.items():
                shock["set"][f"actors.{aid}.{k}"] = v
    for key in ("set", "add"):
        if isinstance(shock.get(key), dict):
            shock[key] = {
                (
                    p
                    if str(p).startswith(("actors.", "protocol.", "scenario.", "profiles.", "decision_rules."))
                    else f"actors.{aid}.{p}"
                ): v
                for p, v in shock[key].items()
            }
    return shock


class UnknownProfile(KeyError):
    """``name`` is not a profile; ``where`` is the path of the reference to it (an ``inherits`` or its item)."""

    def __init__(self, name: str, where: PathT):
        super().__init__(name)
        self.name, self.where = name, where


def _parents(spec: Any, where: PathT) -> list[tuple[Any, PathT]]:
    """The names an ``inherits`` lists, each with its own path (a list's items by index)."""
    parents = spec.get("inherits") if isinstance(spec, dict) else None
    if parents is None:
        return []
    if isinstance(parents, list):
        return [(p, (*where, "inherits", k)) for k, p in enumerate(parents)]
    return [(parents, (*where, "inherits"))]  # a wrong type is reported by the models


def profile_chain(
    name: str,
    profiles: dict[str, Any],
    seen: tuple[str, ...] = (),
    where: PathT = (),
    memo: dict[str, list[str]] | None = None,
) -> list[str]:
    """Profiles merged into ``name``, ancestors first. ValueError on a cycle, :class:`UnknownProfile` (a
    KeyError) naming the reference ``where`` an unknown profile is named.

    Each profile's chain is resolved once (``memo``, shared by the caller across calls): a diamond of 30 levels
    would otherwise be walked 2^30 times."""
    memo = {} if memo is None else memo
    if name in memo:
        return memo[name]
    if name in seen:
        raise ValueError("profile inheritance cycle: " + " -> ".join((*seen, name)))
    if name not in profiles:
        raise UnknownProfile(name, where)
    chain: dict[str, None] = {}
    for parent, at in _parents(profiles[name], ("profiles", name)):
        chain.update(dict.fromkeys(profile_chain(str(parent), profiles, (*seen, name), at, memo)))
    chain.pop(name, None)
    chain[name] = None
    memo[name] = list(chain)
    return memo[name]


def _unknown(exc: UnknownProfile, profiles: dict[str, Any]) -> Issue:

    near = get_close_matches(exc.name, list(profiles), n=1)
    hint = f"; did you mean {near[0]!r}?" if near else f"; profiles: {', '.join(profiles) or 'none'}"
    return Issue(f"unknown profile {exc.name!r}{hint}", exc.where)


def inherit(doc: Any) -> tuple[Any, list[Issue], dict[str, list[str]], set[str]]:
    """Merge profiles into actors. Returns (resolved document, issues, actor -> profile chain, the actors whose
    profiles could not all be merged: what they lack is a consequence, not to be reported again).

    An unknown profile is reported once, where it is named: the item of an ``inherits`` list (or the scalar
    ``inherits``) of an actor or of a profile. A cycle is reported at each actor's reference that leads into it.
    """
    issues: list[Issue] = []
    chains: dict[str, list[str]] = {}
    broken: set[str] = set()
    if not isinstance(doc, dict) or not isinstance(doc.get("actors"), dict):
        return doc, issues, chains, broken
    profiles = doc.get("profiles") if isinstance(doc.get("profiles"), dict) else {}
    assert isinstance(profiles, dict)
    memo: dict[str, list[str]] = {}
    for pid in profiles:  # an unknown parent is wrong even when no actor inherits the profile
        try:
            profile_chain(str(pid), profiles, memo=memo)
        except UnknownProfile as exc:
            issues.append(_unknown(exc, profiles))
        except ValueError:
            pass  # cycles are reported at the actors that inherit them
    out = dict(doc)
    out["actors"] = {}
    for aid, spec in doc["actors"].items():
        if not isinstance(spec, dict) or spec.get("inherits") is None or not isinstance(spec["inherits"], str | list):
            out["actors"][aid] = spec
            continue
        merged: dict[str, Any] = {}
        chain: list[str] = []
        for name, at in _parents(spec, ("actors", aid)):
            try:
                for p in profile_chain(str(name), profiles, where=at, memo=memo):
                    if p not in chain:
                        chain.append(p)
            except UnknownProfile as exc:
                broken.add(aid)
                if exc.where == at:  # else a profile names it, and was reported above
                    issues.append(_unknown(exc, profiles))
            except ValueError as exc:
                broken.add(aid)
                issues.append(Issue(str(exc), at))
        for p in chain:
            body = {k: v for k, v in profiles[p].items() if k != "inherits"} if isinstance(profiles[p], dict) else {}
            merged = deep_merge(merged, body)
        chains[aid] = chain
        out["actors"][aid] = deep_merge(merged, spec)
    return out, issues, chains, broken
