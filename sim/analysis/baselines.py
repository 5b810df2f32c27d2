"""Reference forecasts of a scenario's outcome, for comparison with the simulator (``benchmarks/backtest``).

Each baseline predicts one package F (or no deal); ``docs/backtest.md`` states the rules with their sources.

**Scenario → BDM inputs, per clause** (REPORT §C.7 "Use"). The clause's options, in their order, sit at
positions 100·k/(n − 1), k = 0 … n − 1 (0–100, as REPORT maps them). Every actor with a positive weight on the
clause takes part, with

- position x_i = the position of its best option, argmax_o v_ic(o) (the mean position of tied best options);
- salience s_i = w_ic, its normalised salience weight on the clause (``Compiled.weights``: Σ_c w_ic = 1);
- capability c_i = ``capability[actor]`` when the caller gives one, else 1 for everyone. The scenario language
  has no capability field, and the indices of :mod:`sim.analysis.power` measure voting power inside approval
  rules, not the resources BDM's c stands for, so no default is derived from them.

**Forecasts.**

- ``bdm``: per ordered clause, the weighted mean of the positions after BDM's rounds (:func:`sim.analysis.bdm.bdm`,
  Q = T = 1) rounded to the nearest option.
- ``compromise``: per ordered clause, the capability × salience weighted mean position μ = Σ c_i s_i x_i / Σ c_i s_i
  of the starting positions, rounded to the nearest option.
- Both, on an unordered clause (no scale to average on): the option with the largest Σ_i c_i w_ic v_ic(o)
  (capability × salience weighted utilitarian choice; the first on ties). Rounding: the nearest position, the
  lower option when exactly halfway.
- ``nash``: the exact Nash bargaining package of :func:`sim.analysis.bargaining.nash_package` (max Π (U_i − R_i)
  over signed packages; none when there is no zone of agreement: then no deal is predicted).

**Probability of a deal** (documented in ``docs/backtest.md``), for a forecast F, the signatories S, their
utilities U_i and reservation values R_i(0):

- a deal at all: ``hard`` 1 if F is *signed* in :func:`sim.analysis.evaluation.evaluate`'s sense (every
  signatory's surplus ≥ 0 and no red line hit, approvals pass, constraints hold), else 0; ``logistic``: its
  ``p_sign`` = Π_{i∈S} 1/(1 + exp(−λ_i (U_i(F) − R_i))) (0 on a hard red line), the engine's logit acceptance;
- a deal on a tabled text T: P(deal at all) × close(T, F), with ``hard`` close = 1 if U_i(T) ≥ U_i(F) − τ for
  every i ∈ S (T gives every signatory at least what the forecast does, less a tolerance τ) else 0, and
  ``logistic`` close = Π_{i∈S} 1/(1 + exp(−λ_i (U_i(T) − U_i(F) + τ))); both 0 when T hits a hard red line
  of a signatory (it never signs across one: the engine's veto).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from sim.analysis.bargaining import nash_package
from sim.analysis.bdm import bdm, weighted_mean
from sim.analysis.evaluation import evaluate
from sim.core.compiled import Compiled, compile_scenario
from sim.core.curves import logit_accept
from sim.core.utility import utilities, vetoes
from sim.scenario.models import Scenario

Rule = Literal["hard", "logistic"]
TAU = 0.05
"""Default tolerance τ of the closeness test, in utility units (a twentieth of each actor's scale)."""
SCALE = 100.0


@dataclass(frozen=True)
class ClauseInputs:
    """BDM's inputs on one clause: the participating actors and their positions, capabilities, saliences."""

    clause: str
    ordered: bool
    actors: tuple[str, ...]
    x: np.ndarray
    c: np.ndarray
    s: np.ndarray
    option_positions: np.ndarray


@dataclass(frozen=True)
class Forecast:
    """A baseline's predicted package (``None``: no deal predicted) and, per ordered clause, its position 0–100."""

    name: str
    package: dict[str, str] | None
    positions: dict[str, float] = field(default_factory=dict)


def option_positions(n: int) -> np.ndarray:
    """Positions 100·k/(n − 1) of a clause's n ordered options (0 for a single option)."""
    return np.zeros(1) if n == 1 else SCALE * np.arange(n) / (n - 1)


def nearest_option(position: float, n: int) -> int:
    """The option whose position is nearest (the lower one exactly halfway)."""
    d = np.abs(option_positions(n) - position)
    return int(np.flatnonzero(d <= d.min() + 1e-9)[0])


def clause_inputs(
    scenario: Scenario, clause: str, capability: Mapping[str, float] | None = None, cp: Compiled | None = None
) -> ClauseInputs:
    """BDM's inputs on ``clause`` (the mapping of the module docstring)."""
    cp = compile_scenario(scenario) if cp is None else cp
    c = cp.clauses.index(clause)
    n = int(cp.n_options[c])
    pos = option_positions(n)
    sl = slice(int(cp.offsets[c]), int(cp.offsets[c]) + n)
    actors, xs, cs, ss = [], [], [], []
    for i, a in enumerate(cp.actors):
        w = float(cp.weights[i, c])
        if w <= 0:
            continue
        v = cp.values[i, sl]
        best = np.flatnonzero(v >= v.max() - 1e-12)
        actors.append(a)
        xs.append(float(pos[best].mean()))
        cs.append(1.0 if capability is None else float(capability.get(a, 1.0)))
        ss.append(w)
    return ClauseInputs(
        clause, bool(scenario.clauses[clause].ordered), tuple(actors), np.array(xs), np.array(cs), np.array(ss), pos
    )


def _utilitarian_option(cp: Compiled, c: int, inputs: ClauseInputs) -> int:
    n = int(cp.n_options[c])
    sl = slice(int(cp.offsets[c]), int(cp.offsets[c]) + n)
    idx = [cp.actors.index(a) for a in inputs.actors]
    score = (inputs.c * inputs.s) @ cp.values[idx, sl] if idx else np.zeros(n)
    return int(np.argmax(score))


def _per_clause(scenario: Scenario, name: str, capability: Mapping[str, float] | None, dynamic: bool) -> Forecast:
    cp = compile_scenario(scenario)
    package: dict[str, str] = {}
    positions: dict[str, float] = {}
    for c, cid in enumerate(cp.clauses):
        inp = clause_inputs(scenario, cid, capability, cp)
        n = int(cp.n_options[c])
        if not inp.actors or not (inp.c * inp.s).sum() > 0:
            package[cid] = cp.options[c][int(cp.sq[c])]  # nobody cares: the status quo stays
            continue
        if not inp.ordered:
            package[cid] = cp.options[c][_utilitarian_option(cp, c, inp)]
            continue
        mu = bdm(inp.x, inp.c, inp.s, 0.0, SCALE).forecast if dynamic else weighted_mean(inp.x, inp.c, inp.s)
        positions[cid] = mu
        package[cid] = cp.options[c][nearest_option(mu, n)]
    return Forecast(name, package, positions)


def bdm_forecast(scenario: Scenario, capability: Mapping[str, float] | None = None) -> Forecast:
    """BDM per ordered clause (the weighted mean after its rounds), rounded to the nearest option."""
    return _per_clause(scenario, "bdm", capability, dynamic=True)


def compromise_forecast(scenario: Scenario, capability: Mapping[str, float] | None = None) -> Forecast:
    """The capability × salience weighted mean position per ordered clause, rounded to the nearest option."""
    return _per_clause(scenario, "compromise", capability, dynamic=False)


def nash_forecast(scenario: Scenario) -> Forecast:
    """The exact Nash bargaining package (none without a zone of agreement)."""
    cp = compile_scenario(scenario)
    pkg, _ = nash_package(cp, cp.reservation(0))
    return Forecast("nash", None if pkg is None else cp.labels(pkg))


def p_deal(scenario: Scenario | Compiled, forecast: Forecast, rule: Rule = "hard") -> float:
    """P(a deal at all) under a forecast: 1/0 by whether F is signed (``hard``), or F's ``p_sign`` (``logistic``)."""
    if forecast.package is None:
        return 0.0
    ev = evaluate(scenario, {"F": forecast.package})["F"]
    return (1.0 if ev["signed"] else 0.0) if rule == "hard" else float(ev["p_sign"])


def closeness(
    cp: Compiled, forecast: Mapping[str, str], texts: Sequence[Mapping[str, str]], tau: float = TAU, rule: Rule = "hard"
) -> np.ndarray:
    """close(T, F) for each text T (the module docstring): is T "the forecast, or better" for every signatory."""
    X = np.stack([cp.package(dict(forecast)), *(cp.package(dict(t)) for t in texts)])
    U = utilities(cp, X)
    sig = np.flatnonzero(cp.signatory)
    gap = U[sig, 1:] - U[sig, :1] + tau  # (signatories, texts)
    vetoed = vetoes(cp, X)[sig, 1:].any(axis=0)  # a signatory never signs across its hard red line
    if rule == "hard":
        return (np.all(gap >= -1e-12, axis=0) & ~vetoed).astype(float)
    return np.prod(logit_accept(gap, cp.lam[sig, None]), axis=0) * ~vetoed


def p_text(scenario: Scenario, forecast: Forecast, text: Mapping[str, str], tau: float = TAU, rule: Rule = "hard"):
    """P(deal on a tabled text T) = P(a deal at all) × close(T, F)."""
    if forecast.package is None:
        return 0.0
    cp = compile_scenario(scenario)
    return p_deal(cp, forecast, rule) * float(closeness(cp, forecast.package, [text], tau, rule)[0])
