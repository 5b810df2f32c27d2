"""The validation table: one row per known result, each checked by ``test_rows.py`` and rendered into
``docs/validation.md`` by ``make_table.py``.

Expected values are copied from the domain report §C/§E (kept in ``docs/sources.md``, same numbering) or are closed
forms written out here, never outputs of :mod:`sim.analysis.theory`. Engine rows play a scenario with :func:`sim.run`
(``test_engine_rubinstein.py``); NegMAS rows count disagreements with an independent implementation
(``test_negmas.py``), expected 0. ``tol`` is the absolute tolerance the test uses (the precision REPORT states,
or the discretisation error of the grid for solutions computed on a discretised pie).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.analysis.bdm import condorcet_winner, pairwise_votes, weighted_mean, win_probability
from sim.analysis.theory import (
    baron_ferejohn,
    fearon_range,
    kalai_smorodinsky,
    nash_point,
    outside_option_share,
    putnam_clip,
    rubinstein_continuous,
    rubinstein_finite,
    rubinstein_share,
    zeuthen,
)
from sim.core.curves import aspiration_at, faratin_alpha, faratin_alpha_exp, logit_accept

Value = float | tuple[float, ...] | None


@dataclass(frozen=True)
class Row:
    id: str
    model: str
    input: str
    expected: Value
    compute: Callable[[], Value]
    tol: float
    source: str


def pie(n: int) -> np.ndarray:
    """x = k/n, k = 0 … n: a discretised pie."""
    return np.arange(n + 1) / n


def _nash_x(u1, u2, n: int, d=(0.0, 0.0), alpha=None) -> float:
    x = pie(n)
    i = nash_point(np.c_[u1(x), u2(x)], d, alpha)
    assert i is not None
    return float(x[i])


def _nash_u(u1, u2, n: int) -> tuple[float, ...]:
    x = pie(n)
    U = np.c_[u1(x), u2(x)]
    i = nash_point(U)
    assert i is not None
    return tuple(float(v) for v in U[i])


def _ks(u1, u2, n: int, d=(0.0, 0.0)) -> tuple[float, ...]:
    x = pie(n)
    U = np.c_[u1(x), u2(x)]
    i = kalai_smorodinsky(U, d)
    assert i is not None
    return (float(x[i]), *(float(v) for v in U[i]))


def _simplex(n: int) -> np.ndarray:
    """Shares of a pie among three players on the grid k/n."""
    a, b = np.meshgrid(np.arange(n + 1), np.arange(n + 1), indexing="ij")
    keep = a + b <= n
    return np.c_[a[keep], b[keep], n - a[keep] - b[keep]] / n


def _nash3(n: int, d) -> tuple[float, ...]:
    U = _simplex(n)
    i = nash_point(U, d)
    assert i is not None
    return tuple(float(v) for v in U[i])


def _bf(n: int, delta: float, q: int, p=None) -> tuple[float, ...]:
    r = baron_ferejohn(n, delta, q, p)
    return (float(r.keep[0]), *(float(v) for v in np.sort(r.offer[1:])[::-1][: q - 1]))


def _zeuthen(u1, u2, n: int) -> float:
    return zeuthen(u1, u2, pie(n), step=1.0 / n).agreement


def lin(x):
    return x


def one_minus(x):
    return 1 - x


def sqrt_rest(x):
    return np.sqrt(1 - x)


S_C1, S_C2, S_C3, S_C4 = "REPORT §C.1/§E", "REPORT §C.2/§E", "REPORT §C.3/§E", "REPORT §C.4/§E"
S_C5, S_C6, S_C8, S_C9, S_C11 = (
    "REPORT §C.5/§E",
    "REPORT §C.6/§E",
    "REPORT §C.8/§E",
    "REPORT §C.9/§E",
    "REPORT §C.11/§E",
)
GOLD = (math.sqrt(5) - 1) / 2

ROWS: list[Row] = [
    # Nash (1950) on discretised pies
    Row(
        "nash-linear-d0",
        "Nash",
        "u=(x, 1−x), d=0, grid 1/1000",
        0.5,
        lambda: _nash_x(lin, one_minus, 1000),
        1e-12,
        "C.1 closed form",
    ),
    Row(
        "nash-linear-d02",
        "Nash",
        "u=(x, 1−x), d=(0.2, 0), grid 1/1000",
        0.6,
        lambda: _nash_x(lin, one_minus, 1000, (0.2, 0)),
        1e-12,
        S_C1,
    ),
    Row(
        "nash-weighted",
        "Nash",
        "u=(x, 1−x), d=0, α=(0.3, 0.7), grid 1/1000",
        0.3,
        lambda: _nash_x(lin, one_minus, 1000, alpha=(0.3, 0.7)),
        1e-12,
        "C.1: x* = a",
    ),
    Row(
        "nash-sqrt",
        "Nash",
        "u=(x, √(1−x)), d=0, grid 1/3000",
        (0.6667, 0.5774),
        lambda: _nash_u(lin, sqrt_rest, 3000),
        5e-5,
        S_C1,
    ),
    Row(
        "nash-sqrt-mirror",
        "Nash",
        "u=(√x, 1−x), d=0, grid 1/3000 (hop::gt_nbs)",
        1 / 3,
        lambda: _nash_x(np.sqrt, one_minus, 3000),
        1e-12,
        "C.1: x* = 1/3",
    ),
    Row(
        "nash-3p",
        "Nash (3 players)",
        "shares of 1, d=(0.1, 0.2, 0), grid 1/300",
        (0.3333, 0.4333, 0.2333),
        lambda: _nash3(300, (0.1, 0.2, 0.0)),
        5e-5,
        S_C1,
    ),
    Row(
        "nash-affine",
        "Nash",
        "u₁ → 3u₁+5, d₁ → 3·0.2+5; u₂=1−x; grid 1/1000",
        0.6,
        lambda: _nash_x(lambda x: 3 * x + 5, one_minus, 1000, (3 * 0.2 + 5, 0.0)),
        1e-12,
        "C.1: x* unchanged",
    ),
    # Kalai–Smorodinsky (1975)
    Row(
        "ks-sqrt",
        "Kalai–Smorodinsky",
        "u=(x, √(1−x)), d=0, grid 1/10⁶",
        (GOLD, 0.6180, 0.6180),
        lambda: _ks(lin, sqrt_rest, 10**6),
        5e-5,
        S_C2 + ": x = (√5−1)/2",
    ),
    Row(
        "ks-linear-d02",
        "Kalai–Smorodinsky",
        "u=(x, 1−x), d=(0.2, 0), grid 1/1000",
        (0.6, 0.6, 0.4),
        lambda: _ks(lin, one_minus, 1000, (0.2, 0)),
        1e-12,
        S_C2,
    ),
    # Zeuthen (1930) / Harsanyi (1956)
    Row(
        "zeuthen-sqrt",
        "Zeuthen",
        "u=(x, √(1−x)), start (1, 0), step 10⁻³",
        2 / 3,
        lambda: _zeuthen(lin, sqrt_rest, 1000),
        2e-3,
        S_C4 + ": → Nash 2/3",
    ),
    Row(
        "zeuthen-linear",
        "Zeuthen",
        "u=(x, 1−x), start (1, 0), step 10⁻³",
        0.5,
        lambda: _zeuthen(lin, one_minus, 1000),
        2e-3,
        S_C4 + ": → Nash 0.5",
    ),
    # Rubinstein (1982)
    *[
        Row(
            f"rubinstein-{a}-{b}", "Rubinstein", f"δ=({a}, {b})", e, lambda a=a, b=b: rubinstein_share(a, b), 5e-7, S_C3
        )
        for (a, b), e in [
            ((0.9, 0.9), 0.526316),
            ((0.9, 0.8), 0.714286),
            ((0.8, 0.9), 0.357143),
            ((0.95, 0.5), 0.952381),
            ((0.99, 0.99), 0.502513),
        ]
    ],
    *[
        Row(
            f"rubinstein-finite-T{T}",
            "Rubinstein, finite horizon",
            f"δ=(0.9, 0.8), T={T}",
            e,
            lambda T=T: rubinstein_finite(0.9, 0.8, T),
            5e-7,
            S_C3,
        )
        for T, e in [(1, 1.0), (2, 0.2), (3, 0.92), (10, 0.576077), (51, 0.714363), (201, 0.714286)]
    ],
    *[
        Row(
            f"rubinstein-cont-{dt}",
            "Rubinstein, continuous time",
            f"r=(0.05, 0.10), Δ={dt}",
            e,
            lambda dt=dt: rubinstein_continuous(0.05, 0.10, dt),
            5e-7,
            S_C3,
        )
        for dt, e in [(1.0, 0.683188), (0.1, 0.668332), (0.01, 0.666833)]
    ],
    Row(
        "rubinstein-cont-limit",
        "Rubinstein, continuous time",
        "r=(0.05, 0.10), Δ=10⁻⁶",
        2 / 3,
        lambda: rubinstein_continuous(0.05, 0.10, 1e-6),
        1e-7,
        "C.3: → r₂/(r₁+r₂)",
    ),
    Row(
        "rubinstein-vs-nash",
        "Rubinstein = asymmetric Nash",
        "Nash on u=(x, 1−x) with α ∝ 1/r, r=(0.05, 0.10)",
        2 / 3,
        lambda: _nash_x(lin, one_minus, 3000, alpha=(1 / 0.05, 1 / 0.10)),
        1e-12,
        "C.3 (BRW 1986)",
    ),
    *[
        Row(
            f"outside-option-{w}",
            "Outside option",
            f"δ=0.9, w₂={w}",
            e,
            lambda w=w: outside_option_share(0.9, w),
            5e-7,
            S_C3,
        )
        for w, e in [(0.3, 0.526316), (0.6, 0.4)]
    ],
    # Faratin–Sierra–Jennings (1998), sim.core.curves
    *[
        Row(
            f"fsj-poly-b{b}",
            "FSJ polynomial",
            f"κ=0, t_max=10, β={b}, t=(0, 2, 5, 8, 10)",
            e,
            lambda b=b: tuple(float(v) for v in faratin_alpha(np.array([0, 2, 5, 8, 10]), 10, b)),
            tol,
            S_C5,
        )
        for b, e, tol in [
            (0.2, (0.0, 0.0003, 0.03125, 0.3277, 1.0), 5e-5),
            (1.0, (0.0, 0.2, 0.5, 0.8, 1.0), 1e-12),
            (5.0, (0.0, 0.7248, 0.8706, 0.9564, 1.0), 5e-5),
        ]
    ],
    Row(
        "fsj-poly-b5-t5",
        "FSJ polynomial",
        "κ=0, t_max=10, β=5, t=5",
        0.870551,
        lambda: float(faratin_alpha(5, 10, 5.0)),
        5e-7,
        S_C5,
    ),
    # the one-actor form the engine calls: a(t) = 1 − (1 − R)·α(t), R = 0.3; α(5) = 0.5^5 = 1/32 for β = 0.2
    *[
        Row(
            f"fsj-aspiration-b{b}",
            "FSJ aspiration (engine)",
            f"u_max=1, R=0.3, t_max=10, β={b}, t=(0, 5, 10, 12)",
            e,
            lambda b=b: tuple(aspiration_at(t, 10, b, 0.3) for t in (0, 5, 10, 12)),
            tol,
            S_C5,
        )
        for b, e, tol in [
            (0.2, (1.0, 1 - 0.7 / 32, 0.3, 0.3), 1e-12),
            (5.0, (1.0, 1 - 0.7 * 0.870551, 0.3, 0.3), 5e-7),
        ]
    ],
    Row(
        "fsj-exp",
        "FSJ exponential",
        "κ=0.1, β=1, t=(0, 5, 10)",
        (0.1, 0.316228, 1.0),
        lambda: tuple(float(v) for v in faratin_alpha_exp(np.array([0, 5, 10]), 10, 1.0, 0.1)),
        5e-7,
        S_C5,
    ),
    # logit acceptance (McKelvey–Palfrey 1995), sim.core.curves
    *[
        Row(
            f"logit-{lam}-{dl}",
            "Logit acceptance",
            f"λ={lam}, Δ={dl}",
            e,
            lambda lam=lam, dl=dl: float(logit_accept(dl, lam)),
            5e-7,
            S_C6,
        )
        for lam, dl, e in [(5, 0.1, 0.622459), (50, 0.1, 0.993307), (50, -0.1, 0.006693), (7, 0.0, 0.5), (0, 0.3, 0.5)]
    ],
    Row(
        "logit-package",
        "Logit acceptance",
        "three independent signatories at 0.9",
        0.729,
        lambda: float(np.prod(logit_accept(np.full(3, math.log(9) / 10), 10.0))),
        1e-12,
        S_C6,
    ),
    # Baron–Ferejohn (1989)
    Row(
        "bf-unanimity",
        "Baron–Ferejohn",
        "n=5, δ=0.9, unanimity: proposer, others",
        (0.28, 0.18, 0.18, 0.18, 0.18),
        lambda: _bf(5, 0.9, 5),
        1e-12,
        S_C9,
    ),
    Row(
        "bf-majority",
        "Baron–Ferejohn",
        "n=5, δ=0.9, q=3: proposer, two partners",
        (0.64, 0.18, 0.18),
        lambda: _bf(5, 0.9, 3),
        1e-12,
        S_C9,
    ),
    Row(
        "bf-patient",
        "Baron–Ferejohn",
        "n=3, δ=1, unanimity: proposer, others",
        (1 / 3, 1 / 3, 1 / 3),
        lambda: _bf(3, 1.0, 3),
        1e-12,
        S_C9,
    ),
    Row(
        "bf-recognition",
        "Baron–Ferejohn",
        "unanimity, δ=0.9, p=(0.5, 0.3, 0.2): values v",
        (0.5, 0.3, 0.2),
        lambda: tuple(float(v) for v in baron_ferejohn(3, 0.9, 3, (0.5, 0.3, 0.2)).values),
        1e-12,
        S_C9,
    ),
    # Fearon (1995)
    Row(
        "fearon",
        "Fearon range",
        "p=0.6, c=(0.1, 0.15)",
        (0.5, 0.75),
        lambda: fearon_range(0.6, 0.1, 0.15),
        1e-12,
        S_C11,
    ),
    # Putnam (1988)
    Row("putnam-slack", "Putnam clip", "NBS 0.5, W_UA=[0, 0.6]", 0.5, lambda: putnam_clip(0.5, 0.6, 0.0), 1e-12, S_C8),
    Row("putnam-tied", "Putnam clip", "NBS 0.5, W_UA=[0, 0.4]", 0.4, lambda: putnam_clip(0.5, 0.4, 0.0), 1e-12, S_C8),
    Row(
        "putnam-empty",
        "Putnam clip",
        "NBS 0.5, W_UA=[0, 0.4], W_RU=[0.45, 1]",
        None,
        lambda: putnam_clip(0.5, 0.4, 0.45),
        0.0,
        S_C8 + ": no deal",
    ),
]


# -- Bueno de Mesquita (REPORT §C.7/§E): BDM's EC car-emission example as tabulated by Scholz, Calbert & Smith
# (2011) and in ExampleActors.csv of the public replication [T6] (github.com/dmasad/BDM_DecisionModel_Replication):
# (state, capability, position in years, salience 0–100).
EC_ACTORS = (
    ("Netherlands", 0.08, 4, 80),
    ("Belgium", 0.08, 7, 40),
    ("Luxembourg", 0.03, 4, 20),
    ("Germany", 0.16, 4, 80),
    ("France", 0.16, 10, 60),
    ("Italy", 0.16, 10, 60),
    ("UK", 0.16, 10, 90),
    ("Ireland", 0.05, 7, 10),
    ("Denmark", 0.05, 4, 100),
    ("Greece", 0.08, 7, 70),
)
EC_NAMES = [a[0] for a in EC_ACTORS]
EC_C, EC_X, EC_S = (np.array([a[k] for a in EC_ACTORS], dtype=float) for k in (1, 2, 3))
EC_IN = "EC car emissions, 10 states, positions 4/7/10 years"
S_C7 = "REPORT §C.7/§E"


def _ec_votes() -> tuple[float, ...]:
    """7 over 10 and 7 over 4, in REPORT's units: c·s (salience 0–100) × years (V is per Δx = 6 years)."""
    V = pairwise_votes(EC_X, EC_C, EC_S) * (EC_X.max() - EC_X.min())
    seven, four, ten = EC_NAMES.index("Belgium"), EC_NAMES.index("Germany"), EC_NAMES.index("UK")
    return float(V[seven, ten]), float(V[seven, four])


def _ec_p(exclude: tuple[str, ...]) -> float:
    """P(Germany at 4 prevails over the UK at 10), summing over every state but ``exclude``."""
    voters = np.array([n not in exclude for n in EC_NAMES])
    P = win_probability(EC_X, EC_C, EC_S / 100, voters=voters)
    return float(P[EC_NAMES.index("Germany"), EC_NAMES.index("UK")])


BDM_ROWS: list[Row] = [
    Row(
        "bdm-ec-mean",
        "Bueno de Mesquita",
        f"{EC_IN}: c·s-weighted mean μ",
        7.389956,
        lambda: weighted_mean(EC_X, EC_C, EC_S),
        5e-7,
        S_C7,
    ),
    Row(
        "bdm-ec-condorcet",
        "Bueno de Mesquita",
        f"{EC_IN}: Condorcet winner (linear pairwise votes)",
        7.0,
        lambda: condorcet_winner(EC_X, EC_C, EC_S),
        0.0,
        S_C7,
    ),
    Row(
        "bdm-ec-votes",
        "Bueno de Mesquita",
        f"{EC_IN}: vote for 7 over 10, for 7 over 4 (c·s × years)",
        (1.5, 54.3),
        _ec_votes,
        1e-9,
        S_C7,
    ),
    *[
        Row(
            f"bdm-ec-p-{tag}",
            "Bueno de Mesquita",
            f"{EC_IN}: P(Germany at 4 prevails over UK at 10), summing over {what}",
            e,
            lambda ex=ex: _ec_p(ex),
            5e-5,
            S_C7,
        )
        for tag, what, ex, e in [
            ("all", "all states", (), 0.4247),
            ("no-de", "all but Germany", ("Germany",), 0.2632),
            ("no-de-uk", "all but Germany and the UK", ("Germany", "UK"), 0.3846),
        ]
    ],
]
ROWS += BDM_ROWS

# -- engine reproductions ------------------------------------------------------------------------------
RUB_H = 1e-4  # grid step of the engine's fine pie (test_engine_rubinstein.pie_doc)


def _engine(d1: float, d2: float, T: int, fine: bool) -> float | None:
    """P1's share in the engine's round-0 deal (``None`` if there is no deal in round 0)."""
    from tests.validation.test_engine_rubinstein import engine_share

    return engine_share(d1, d2, T, fine)


def _grid_tol(d1: float, d2: float) -> float:
    """Rounding to a grid of step h moves the SPE share by less than h per round: h/(1 − max δ); + REPORT's 5e-7."""
    return RUB_H / (1 - max(d1, d2)) + 5e-7


ENGINE_IN = "engine, alternating offers, concession rubinstein"
RUB_CLOSED = [((0.9, 0.9), 0.526316), ((0.9, 0.8), 0.714286), ((0.8, 0.9), 0.357143), ((0.95, 0.5), 0.952381)]
ENGINE_ROWS: list[Row] = [
    *[
        Row(
            f"engine-rubinstein-T{T}",
            "Rubinstein in the engine",
            f"{ENGINE_IN}, δ=(0.9, 0.8), T={T}, grid 1/100",
            e,
            lambda T=T: _engine(0.9, 0.8, T, False),
            1e-9,
            S_C3 + ": deal in round 0",
        )
        for T, e in [(1, 1.0), (2, 0.2), (3, 0.92)]
    ],
    Row(
        "engine-rubinstein-T10",
        "Rubinstein in the engine",
        f"{ENGINE_IN}, δ=(0.9, 0.8), T=10, grid 1/10⁴",
        0.576077,
        lambda: _engine(0.9, 0.8, 10, True),
        _grid_tol(0.9, 0.8),
        S_C3 + ": deal in round 0",
    ),
    *[
        Row(
            f"engine-rubinstein-{a}-{b}",
            "Rubinstein in the engine",
            f"{ENGINE_IN}, δ=({a}, {b}), T=201, grid 1/10⁴",
            e,
            lambda a=a, b=b: _engine(a, b, 201, True),
            _grid_tol(a, b),
            S_C3 + ": → closed form",
        )
        for (a, b), e in RUB_CLOSED
    ],
    *[
        Row(
            f"engine-putnam-{name}-{obj}",
            "Putnam in the engine",
            f"pie k/10, NBS 0.5, W_UA=[0, {w}]{'' if w2 is None else f', W_RU=[{w2}, 1]'}, {obj} mediator"
            + (", text sent back" if after == "renegotiate" else ""),
            e,
            lambda w=w, w2=w2, o=obj, a=after: _putnam(w, w2, o, a),
            1e-12,
            S_C8 + (": no deal" if e is None else ""),
        )
        for name, w, w2, e in [("slack", 0.6, None, 0.5), ("tied", 0.4, None, 0.4), ("empty", 0.4, 0.45, None)]
        for obj, after in [("expected_value", "end"), ("max_min_surplus", "renegotiate")]
    ],
]


def _putnam(w_ua: float, w_ru: float | None, objective: str, after: str) -> float | None:
    """RU's share in the engine's deal on the Putnam pie (``test_engine_putnam.engine_putnam``)."""
    from tests.validation.test_engine_putnam import engine_putnam

    return engine_putnam(w_ua, w_ru, objective, after)


# -- NegMAS cross-check (REPORT §C.11) -----------------------------------------------------------------
NEGMAS_SEEDS = range(100, 120)  # test_negmas.py itself covers seeds 0–11


def _negmas_mismatches(dyadic: bool) -> float:
    """Domains (seeds 100–119) where some check of ``test_negmas.compare`` exceeds 1e-9 (skips without NegMAS)."""
    import pytest

    pytest.importorskip("negmas", reason="negmas is not installed (pip install -e '.[bench]')")
    from tests.validation.test_negmas import mismatches

    return float(mismatches(NEGMAS_SEEDS, dyadic))


def _negmas_toy() -> float:
    """Largest utility difference between ``analyze``'s Nash package and NegMAS' Nash point of bilateral_toy (d = R)."""
    import pytest

    pytest.importorskip("negmas", reason="negmas is not installed (pip install -e '.[bench]')")
    from negmas.preferences.ops import nash_points, pareto_frontier

    from sim import load_scenario
    from sim.analysis.bargaining import analyze
    from sim.core.compiled import compile_scenario
    from sim.core.utility import utilities
    from tests.validation.test_negmas import negmas_ufuns

    s = load_scenario(Path(__file__).resolve().parents[2] / "scenarios" / "bilateral_toy.yaml")
    cp = compile_scenario(s)
    os_, ufuns = negmas_ufuns(cp)
    front, _ = pareto_frontier(ufuns, issues=os_.issues)
    theirs = np.array([p for p, _ in nash_points(ufuns, front, outcome_space=os_)])
    ours = utilities(cp, cp.package(analyze(s)["nash"]["package"])[None, :])[:, 0]
    return float(np.abs(theirs - ours).max(axis=1).min())


NEGMAS_IN = "random linear-additive domains (2–3 actors, 2–4 clauses × 2–4 options), seeds 100–119"
NEGMAS_ROWS: list[Row] = [
    Row(
        "negmas-continuous",
        "NegMAS cross-check",
        f"{NEGMAS_IN}, uniform values: domains where utilities, Pareto sets or Nash points differ",
        0.0,
        lambda: _negmas_mismatches(False),
        0.0,
        S_C11,
    ),
    Row(
        "negmas-dyadic",
        "NegMAS cross-check",
        f"{NEGMAS_IN}, values in {{0, ¼, ½, ¾, 1}} (ties): domains where they differ",
        0.0,
        lambda: _negmas_mismatches(True),
        0.0,
        S_C11,
    ),
    Row(
        "negmas-toy",
        "NegMAS cross-check",
        "bilateral_toy: largest utility difference between `analyze`'s Nash package and NegMAS' `nash_points` (d = R)",
        0.0,
        _negmas_toy,
        1e-9,
        S_C11,
    ),
]
ROWS += ENGINE_ROWS + NEGMAS_ROWS


def close(got: Value, expected: Value, tol: float) -> bool:
    if expected is None or got is None:
        return got is None and expected is None
    g = np.atleast_1d(np.asarray(got, dtype=float))
    e = np.atleast_1d(np.asarray(expected, dtype=float))
    return g.shape == e.shape and bool(np.all(np.abs(g - e) <= tol))
