"""GENIUS 10.x linear-additive domains and profiles → a negsim scenario document (docs/interop.md).

GENIUS semantics, as its ``AdditiveUtilitySpace`` and evaluators compute them (read in GENIUS's
``genius.core.utility``):

- discrete issue: eval(v) = evaluation(v) / max evaluation of the issue (0 when that maximum is below 1e-5);
- integer issue ``lowerbound … upperbound``: eval(v) = clip(offset + slope · (v − lowerbound), 0, 1) from the
  profile's ``<evaluator ftype="linear" slope=… offset=…/>`` (0 without an evaluator);
- U(bid) = min(Σ_i weight_i · eval_i, 1), the ``<weight index=… value=…/>`` as written (not normalised);
- ``<reservation value=r/>`` (0 when absent) and ``<discount_factor value=d/>``: U · d^t and r · d^t at normalised
  time t ∈ [0, 1] (d outside (0, 1] is read as 1, as GENIUS's ``validateDiscount`` does).

In negsim each issue is a clause, each profile an actor with ``salience`` = the weights as written and option values
eval · S (S = Σ weights): negsim normalises the saliences, so Σ (w_i / S) · (S · eval_i) = Σ w_i · eval_i, GENIUS's
utility to rounding, for S ≤ 1. 1 < S ≤ 1 + 1e-6 (rounding in the file) is normalised (relative error below 1e-6,
noted); a larger S is refused (GENIUS's cap at 1 has no linear form). ``reservation: {value: r}``; the discount
becomes δ = d^(1 / max_rounds) per round, so that δ^max_rounds = d (negsim's R(t) is not discounted: noted). GENIUS's
deadline is common knowledge (its time-dependent agents concede by it), so every actor gets ``horizon: max_rounds``.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.errors import UsageError
from sim.interop.ids import slug, unique_ids
from sim.scenario.models import MAX_OPTIONS

MAX_XML_BYTES = 20_000_000
WEIGHT_SLACK = 1e-6
NON_LINEAR_TAGS = ("ufun", "constraint", "hyperRectangle", "rules", "ranks", "zero_outcome_constraint")


@dataclass
class Issue:
    """A domain issue: ``values`` (discrete) or ``bounds`` (integer)."""

    index: int
    name: str
    kind: str  # discrete | integer
    values: list[str] = field(default_factory=list)
    bounds: tuple[int, int] = (0, 0)

    def options(self) -> list[str]:
        return self.values if self.kind == "discrete" else [str(v) for v in range(self.bounds[0], self.bounds[1] + 1)]


@dataclass
class Profile:
    """A linear-additive profile: raw weights and evaluations by issue index, reservation value, discount."""

    name: str
    weights: dict[int, float]
    evaluations: dict[int, list[float]]  # eval_i(option) in [0, 1], in the issue's option order
    reservation: float
    discount: float


def parse(path: str | Path) -> ET.Element:
    """The root element of a GENIUS XML file; refuses large files, entity declarations and malformed XML."""
    p = Path(path)
    if not p.is_file():
        raise UsageError(f"{p}: no such file")
    data = p.read_bytes()
    if len(data) > MAX_XML_BYTES:
        raise UsageError(f"{p}: {len(data):,} bytes: at most {MAX_XML_BYTES:,} are read")
    if b"<!ENTITY" in data:
        raise UsageError(f"{p}: XML entity declarations are not supported (GENIUS files have none)")
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise UsageError(f"{p}: not well-formed XML: {exc}") from None


def _attr(el: ET.Element, name: str, where: str) -> str:
    v = el.get(name)
    if v is None:
        raise UsageError(f"{where}: <{el.tag}> has no {name}= attribute")
    return v


def _number(el: ET.Element, name: str, where: str, kind: type = float) -> Any:
    text = _attr(el, name, where)
    try:
        v = kind(text)
    except ValueError:
        raise UsageError(
            f"{where}: <{el.tag} {name}={text!r}>: not a{'n integer' if kind is int else ' number'}"
        ) from None
    if kind is float and not math.isfinite(v):
        raise UsageError(f"{where}: <{el.tag} {name}={text!r}>: not a finite number")
    return v


def _kind(el: ET.Element, where: str) -> str:
    kind = (el.get("type") or el.get("etype") or "discrete").lower()
    if kind == "real":
        raise UsageError(
            f"{where}: issue {el.get('name')!r} is real-valued: not supported (negsim clauses have discrete options; "
            "discretise it as an integer or discrete issue)"
        )
    if kind not in ("discrete", "integer"):
        raise UsageError(
            f"{where}: issue {el.get('name')!r} has type {kind!r}: only discrete and integer are supported"
        )
    return kind


def read_domain(path: str | Path) -> tuple[str, list[Issue]]:
    """The domain's name and issues (every ``<issue>`` under ``<utility_space>``, in document order)."""
    root, where = parse(path), str(path)
    space = root if root.tag == "utility_space" else root.find(".//utility_space")
    if space is None:
        raise UsageError(f"{where}: no <utility_space>: not a GENIUS domain")
    issues = []
    for el in space.iter("issue"):
        kind = _kind(el, where)
        name = _attr(el, "name", where)
        index = _number(el, "index", where, int)
        if kind == "discrete":
            values = [_attr(item, "value", where) for item in el.findall("item")]
            if not values:
                raise UsageError(f"{where}: discrete issue {name!r} has no <item>")
            if len(set(values)) != len(values):
                raise UsageError(f"{where}: discrete issue {name!r} lists a value twice")
            issue = Issue(index, name, kind, values=values)
        else:
            lo, hi = _number(el, "lowerbound", where, int), _number(el, "upperbound", where, int)
            if hi < lo:
                raise UsageError(f"{where}: integer issue {name!r}: upperbound {hi} is below lowerbound {lo}")
            issue = Issue(index, name, kind, bounds=(lo, hi))
        n = len(issue.options())
        if n > MAX_OPTIONS:
            raise UsageError(
                f"{where}: issue {name!r} has {n:,} values: a negsim clause holds at most {MAX_OPTIONS:,} options "
                "(MAX_OPTIONS; the MILP takes one binary variable per option)"
            )
        issues.append(issue)
    if not issues:
        raise UsageError(f"{where}: the domain has no <issue>")
    if len({i.index for i in issues}) != len(issues):
        raise UsageError(f"{where}: two issues share an index")
    return root.get("name") or Path(path).stem, issues


def read_profile(path: str | Path, issues: list[Issue]) -> Profile:
    """A linear-additive profile of the domain's ``issues``; non-linear utility spaces are refused."""
    root, where = parse(path), str(path)
    if root.tag != "utility_space":
        raise UsageError(f"{where}: the root is <{root.tag}>, not <utility_space>: not a GENIUS profile")
    utype = (root.get("type") or "linear").lower()
    odd = [t for t in NON_LINEAR_TAGS if root.find(f".//{t}") is not None]
    if utype not in ("linear", "additive") or odd:
        what = f"type={root.get('type')!r}" if utype not in ("linear", "additive") else f"<{odd[0]}>"
        raise UsageError(f"{where}: a non-linear utility space ({what}): only linear-additive profiles are supported")
    weights = {_number(w, "index", where, int): _number(w, "value", where) for w in root.iter("weight")}
    by_index = {el.get("index"): el for el in root.iter("issue")}
    evaluations = {}
    for issue in issues:
        el = by_index.get(str(issue.index))
        if issue.index not in weights:
            raise UsageError(f'{where}: no <weight index="{issue.index}"> for issue {issue.name!r}')
        if weights[issue.index] < 0:
            raise UsageError(f"{where}: issue {issue.name!r} has a negative weight {weights[issue.index]}")
        if el is None:
            raise UsageError(f'{where}: no <issue index="{issue.index}"> for issue {issue.name!r}')
        evaluations[issue.index] = _evaluations(el, issue, where)
    res = root.find(".//reservation")
    disc = root.find(".//discount_factor")
    r = _number(res, "value", where) if res is not None else 0.0
    if not 0.0 <= r <= 1.0:
        raise UsageError(f"{where}: <reservation value={r}>: a reservation value in [0, 1] is supported")
    d = _number(disc, "value", where) if disc is not None else 1.0
    return Profile(Path(path).stem, weights, evaluations, r, d if 0.0 < d <= 1.0 else 1.0)


def _evaluations(el: ET.Element, issue: Issue, where: str) -> list[float]:
    """eval_i of each option of ``issue`` (GENIUS's EvaluatorDiscrete / EvaluatorInteger)."""
    if issue.kind == "discrete":
        raw = {}
        for item in el.findall("item"):
            raw[_attr(item, "value", where)] = _number(item, "evaluation", where)
        missing = [v for v in issue.values if v not in raw]
        if missing:
            raise UsageError(f"{where}: issue {issue.name!r}: value {missing[0]!r} has no evaluation")
        if any(x < 0 for x in raw.values()):
            raise UsageError(f"{where}: issue {issue.name!r}: evaluations must be >= 0 (GENIUS refuses them too)")
        top = max(raw.values())
        return [0.0 if top < 1e-5 else raw[v] / top for v in issue.values]
    ev = el.find("evaluator")
    slope, offset = (0.0, 0.0) if ev is None else (_number(ev, "slope", where), _number(ev, "offset", where))
    if ev is not None and (ev.get("ftype") or "linear").lower() != "linear":
        raise UsageError(f"{where}: issue {issue.name!r}: evaluator ftype={ev.get('ftype')!r}: only linear")
    lo = issue.bounds[0]
    return [min(max(offset + slope * (v - lo), 0.0), 1.0) for v in range(lo, issue.bounds[1] + 1)]


def scenario_document(domain: str | Path, profiles: list[str | Path], max_rounds: int = 100) -> dict[str, Any]:
    """The negsim scenario document of a GENIUS domain and its profiles (one actor each, all signatories)."""
    name, issues = read_domain(domain)
    parties = [read_profile(p, issues) for p in profiles]
    clause_ids = unique_ids([i.name for i in issues])
    actor_ids = unique_ids([p.name for p in parties])
    notes: list[str] = []
    clauses: dict[str, Any] = {}
    for cid, issue in zip(clause_ids, issues, strict=True):
        texts = issue.options()
        oids = unique_ids(texts)
        spec: dict[str, Any] = {"options": oids, "label": issue.name}
        if issue.kind == "integer":
            spec["ordered"] = True
        labels = {o: t for o, t in zip(oids, texts, strict=True) if o != t}
        if labels:
            spec["option_labels"] = labels
        clauses[cid] = spec
    actors = {}
    for aid, prof in zip(actor_ids, parties, strict=True):
        actors[aid] = _actor(prof, issues, clause_ids, clauses, max_rounds, notes)
    return {
        "scenario": {
            "id": slug(name),
            "title": f"GENIUS domain {name}",
            "max_rounds": max_rounds,
            "status_quo_package": {c: clauses[c]["options"][0] for c in clauses},
            "description": "Imported from GENIUS by negsim import genius. " + " ".join(notes),
        },
        "protocol": {"proposal_mode": "alternating_offers"},
        "clauses": clauses,
        "actors": actors,
        "decision_rules": {"signatories": list(actors)},
    }


def _actor(
    prof: Profile, issues: list[Issue], clause_ids: list[str], clauses: dict[str, Any], rounds: int, notes: list[str]
) -> dict[str, Any]:
    total = sum(prof.weights[i.index] for i in issues)
    if total <= 0:
        raise UsageError(f"profile {prof.name}: the weights sum to 0")
    if total > 1.0 + WEIGHT_SLACK:
        raise UsageError(
            f"profile {prof.name}: the weights sum to {total:g} > 1: GENIUS caps such utilities at 1, which negsim's "
            "linear utilities cannot represent (weights summing to at most 1 are imported exactly)"
        )
    scale = min(total, 1.0)
    if total > 1.0:
        notes.append(f"{prof.name}'s weights sum to {total!r} (> 1 by rounding): normalised.")
    salience, utilities = {}, {}
    for cid, issue in zip(clause_ids, issues, strict=True):
        salience[cid] = prof.weights[issue.index]
        utilities[cid] = {
            o: min(e * scale, 1.0) for o, e in zip(clauses[cid]["options"], prof.evaluations[issue.index], strict=True)
        }
    actor: dict[str, Any] = {
        "label": prof.name,
        "role": "party_signatory",
        "salience": salience,
        "utilities": utilities,
        "reservation": {"value": prof.reservation},
        "horizon": rounds,  # GENIUS's deadline is known to every agent: time-dependent agents concede by it
    }
    if prof.discount < 1.0:
        actor["discount"] = prof.discount ** (1.0 / rounds)
        notes.append(
            f"{prof.name}'s discount factor {prof.discount} over normalised time is δ = d^(1/{rounds}) per round; "
            "negsim does not discount its reservation value."
        )
    return actor
