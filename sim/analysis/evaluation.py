"""Score given packages (e.g. texts tabled in real talks): utilities, red lines, approvals, signing.

For every package x and actor i (all packages at once, through the numeric core of :mod:`sim.core.utility`):

- U_i(x) (additive utility, :func:`sim.core.utility.utilities`), R_i = R_i(0)
  (:meth:`sim.core.compiled.Compiled.reservation`) and the surplus U_i(x) − R_i;
- ``accepts``: surplus ≥ 0 and no hard red line of i hit by x; ``p_accept`` = 1 / (1 + exp(−λ_i·surplus))
  (McKelvey & Palfrey 1995) with the actor's λ (its own acceptance model's or the protocol's, even when the
  model is ``threshold``), and 0 when a hard red line is hit;
- ``signed``: every signatory has surplus ≥ 0 and none of its red lines (hard or soft) hit, every triggered
  approval rule passes (a voter with a hard red line anywhere in x votes no: linkage, REPORT §D.4) and every
  constraint holds. Triggered ratifications (Putnam level II, REPORT §B.4) are listed with their probability;
  they do not change ``signed``.

This is the static check behind REPORT §D.4 (its table of tabled packages); the engine (:mod:`sim.engine.model`)
plays the same decision round by round against aspirations instead of reservation values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.core.compiled import Compiled, compile_scenario
from sim.core.curves import logit_accept
from sim.core.ratify import step_probabilities
from sim.core.utility import feasible, red_lines_hit, rule_passes, triggered, utilities, vetoes, violated
from sim.errors import UsageError
from sim.scenario.checks import hint

if TYPE_CHECKING:
    from sim.scenario.models import Scenario

Labels = dict[str, str]
Problem = tuple[tuple[str, ...], str]  # (path in the package document, message)
SINGLE = "package"


def normalise(packages: Any) -> tuple[dict[str, Mapping[str, Any]], bool, list[Problem]]:
    """``{name: {clause: option}}`` from that or from one ``{clause: option}`` mapping (named "package").

    Returns the named packages, whether the input was a single package, and the problems of its shape.
    """
    if not isinstance(packages, Mapping) or not packages:
        return {}, False, [((), "expected a mapping {name: {clause: option}} or {clause: option}")]
    if all(not isinstance(v, Mapping) for v in packages.values()):
        return {SINGLE: packages}, True, []
    named: dict[str, Mapping[str, Any]] = {}
    problems: list[Problem] = []
    for name, pkg in packages.items():
        if isinstance(pkg, Mapping):
            named[str(name)] = pkg
        else:
            problems.append(((str(name),), "expected a mapping {clause: option} (a package)"))
    return named, False, problems


def problems_of(cp: Compiled, packages: dict[str, Mapping[str, Any]], single: bool = False) -> list[Problem]:
    """Each unknown clause or option, with "did you mean"; path (name, clause), or (clause,) if single."""
    out: list[Problem] = []
    for name, pkg in packages.items():
        base: tuple[str, ...] = () if single else (name,)
        for cid, opt in pkg.items():
            if cid not in cp.clauses:
                out.append(((*base, str(cid)), hint(cid, list(cp.clauses), "clause")))
                continue
            options = cp.options[cp.clauses.index(cid)]
            if not isinstance(opt, str) or opt not in options:
                out.append(((*base, str(cid)), hint(opt, list(options), f"option of {cid}")))
    return out


def _approvals(cp: Compiled, trig: np.ndarray, accepts: np.ndarray) -> tuple[list[dict[str, Any]], bool]:
    rows, ok = [], True
    for r, rule in enumerate(cp.rules):
        if rule.kind == "ratification":
            continue
        passes = rule_passes(rule, accepts) if trig[r] else True
        against = [cp.actors[v] for v in rule.voters if not accepts[v]] if trig[r] else []
        ok &= passes
        rows.append(
            {
                "rule": rule.label,
                "clause": cp.clauses[rule.clause],
                "triggered": bool(trig[r]),
                "passes": bool(passes),
                "against": against,
            }
        )
    return rows, ok


def _ratifications(cp: Compiled, x: np.ndarray, u: np.ndarray) -> list[dict[str, Any]]:
    """Triggered Level-II ratifications and their probability of passing (:mod:`sim.core.ratify`, as the engine
    draws them)."""
    trig, prob = step_probabilities(cp, x[None, :], u[:, None])
    return [{"body": step.name, "probability": float(prob[k, 0])} for k, step in enumerate(cp.steps) if trig[k, 0]]


def evaluate(scenario: Scenario | Compiled, packages: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Score ``packages`` ({name: {clause: option}} or one {clause: option}) in ``scenario``.

    Clauses left out take the status quo (listed under ``from_status_quo``). An unknown clause or option is a
    :class:`sim.errors.UsageError`. See the module docstring for the quantities returned.
    """
    cp = scenario if isinstance(scenario, Compiled) else compile_scenario(scenario)
    named, single, problems = normalise(packages)
    problems += problems_of(cp, named, single)
    if problems:
        raise UsageError("; ".join(f"{'.'.join(p) or '(packages)'}: {m}" for p, m in problems))
    names = list(named)
    X = np.stack([cp.package({str(c): str(o) for c, o in named[n].items()}) for n in names])
    U = utilities(cp, X)  # (A, N)
    hard = vetoes(cp, X)
    R = cp.reservation(0.0)
    S = U - R[:, None]
    accepts = (S >= 0) & ~hard
    p_acc = np.where(hard, 0.0, logit_accept(S, cp.lam[:, None]))
    trig = triggered(cp, X)
    ok_constraints = feasible(cp, X)
    sig = np.flatnonzero(cp.signatory)
    out: dict[str, dict[str, Any]] = {}
    for n, name in enumerate(names):
        x = X[n]
        hits = {a: red_lines_hit(cp, x, i) for i, a in enumerate(cp.actors)}
        approvals, rules_ok = _approvals(cp, trig[:, n], accepts[:, n])
        signatories_ok = all(S[i, n] >= 0 and not hits[cp.actors[i]] for i in sig)
        violations = [] if ok_constraints[n] else violated(cp, x)
        out[name] = {
            "signed": bool(signatories_ok and rules_ok and ok_constraints[n]),
            "actors": {
                a: {
                    "utility": float(U[i, n]),
                    "reservation": float(R[i]),
                    "surplus": float(S[i, n]),
                    "accepts": bool(accepts[i, n]),
                    "red_lines_hit": hits[a],
                    "p_accept": float(p_acc[i, n]),
                }
                for i, a in enumerate(cp.actors)
            },
            "approvals": approvals,
            "constraint_violations": violations,
            "ratification_needed": _ratifications(cp, x, U[:, n]),
            "p_sign": float(np.prod(p_acc[sig, n])),
            "from_status_quo": [c for c in cp.clauses if c not in named[name]],
        }
    return out
