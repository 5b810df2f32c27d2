"""The dashboard's model, pure Python (no widgets): a shipped scenario plus a set of changes -> what the panels show.

``changes`` is a mapping ``path -> value`` in the one path syntax (:mod:`sim.scenario.paths`), applied with
:func:`sim.scenario.edit.tweak`. For a set of changes the model

- runs ``n_seeds`` negotiations (:func:`sim.engine.runner.prepare`), seeded as a sweep seeds its replicates
  (:func:`sim.sweeps.plan.replicate_seeds` of one master seed), so the dashboard's numbers are the ones
  ``negsim sweep`` gives at that point;
- summarises them (:class:`Summary`): P(deal) with its 95 % Wilson interval (:func:`sim.core.stats.wilson_interval`),
  why runs ended, the most frequent package, who rejected the last offer and on which clause;
- analyses the scenario (:func:`sim.analysis.bargaining.analyze`: zone of agreement, Nash package), cached per set of
  changes because it takes about a second;
- lists the differences from the scenario as shipped (``path: old → new``), and writes the tweak to a YAML file.

Every method takes ``changes`` and leaves it unchanged; :meth:`DashboardModel.set` returns a new mapping.
"""

from __future__ import annotations

import json
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from sim.analysis.bargaining import analyze
from sim.core.stats import wilson_interval
from sim.dashboard.controls import red_line_change
from sim.engine.records import Outcome
from sim.engine.runner import prepare
from sim.errors import UsageError
from sim.scenario.edit import tweak
from sim.scenario.loader import load_scenario
from sim.scenario.models import Scenario
from sim.scenario.paths import get
from sim.sweeps.explain import decomposition
from sim.sweeps.plan import replicate_seeds

DEFAULT_SEEDS = 100
"""Runs per change: the 95 % Wilson interval is then at most ±0.098 wide (at P(deal) = 0.5, its widest)."""
CACHE = 64

Changes = Mapping[str, Any]


@dataclass(frozen=True)
class Summary:
    """What N seeded runs of one tweaked scenario show."""

    n: int
    deals: int
    p: float
    lo: float
    hi: float
    reasons: dict[str, int]
    """How the runs ended: ``deal``, ``no_agreement`` (max rounds), ``walk_away:US``, a failed ratification..."""
    package: dict[str, str] | None
    """The most frequent signed package, or (no deal at all) the most frequent last offer."""
    package_share: float
    """The share of the deals (or of the runs, for a last offer) that ended on :attr:`package`."""
    package_signed: bool
    rejected_by: dict[str, int]
    """Runs without a deal in which each actor rejected the last offer on the table."""
    blocking_clause: dict[str, dict[str, int]]
    """Per rejecting actor: the clause of the last offer that cost it most, and in how many runs."""
    mean_rounds: float
    stages: list[dict[str, Any]]
    """P(deal) as Π_s P(pass s | reached s) over the stages (table, signing, approval, ratification), each with
    its Wilson interval: :func:`sim.sweeps.explain.decomposition`, the same as ``negsim explain``."""

    def line(self) -> str:
        return f"P(deal) = {self.p:.2f}  [{self.lo:.2f}, {self.hi:.2f}]  ({self.deals} deals in {self.n} runs)"


def summarise(outcomes: Sequence[Outcome]) -> Summary:
    n = len(outcomes)
    deals = [o for o in outcomes if o.deal]
    lo, hi = wilson_interval(len(deals), n)
    pool = [o.package for o in deals if o.package] or [o.last_offer for o in outcomes if o.last_offer]
    package, share = None, 0.0
    if pool:
        (key, count), *_ = Counter(tuple(sorted(p.items())) for p in pool).most_common(1)
        package, share = dict(key), count / len(pool)
    rejected: Counter[str] = Counter()
    blocking: dict[str, Counter[str]] = {}
    for o in outcomes:
        if o.deal:
            continue
        rejected.update(o.rejected_by)
        for actor, clause in o.blocking_clause.items():
            if clause:
                blocking.setdefault(actor, Counter())[clause] += 1
    return Summary(
        n=n,
        deals=len(deals),
        p=len(deals) / n if n else float("nan"),
        lo=float(lo),
        hi=float(hi),
        reasons=dict(Counter(o.reason for o in outcomes).most_common()),
        package=package,
        package_share=share,
        package_signed=bool(deals),
        rejected_by=dict(rejected.most_common()),
        blocking_clause={a: dict(c.most_common()) for a, c in blocking.items()},
        mean_rounds=float(np.mean([o.rounds_played for o in outcomes])) if n else float("nan"),
        stages=decomposition([o.failed_stage for o in outcomes])[0],
    )


def _key(changes: Changes) -> str:
    return json.dumps(sorted(changes.items()), sort_keys=True, default=str)


def _fmt(v: Any) -> str:
    return f"{v:g}" if isinstance(v, float) else json.dumps(v) if isinstance(v, list | dict) else str(v)


class DashboardModel:
    """A shipped scenario and the caches of its tweaks; see the module docstring."""

    def __init__(self, base: Scenario, n_seeds: int = DEFAULT_SEEDS, master_seed: int = 0):
        if n_seeds < 1:
            raise UsageError(f"n_seeds must be at least 1, not {n_seeds}")
        self.base = base
        self.n_seeds = n_seeds
        self.master_seed = master_seed
        self._scenarios: OrderedDict[str, Scenario] = OrderedDict()
        self._summaries: OrderedDict[tuple[str, int, int], Summary] = OrderedDict()
        self._analyses: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._curves: OrderedDict[tuple[str, str, tuple[Any, ...], int], pd.DataFrame] = OrderedDict()
        self._lock = threading.Lock()  # the dashboard computes in background threads: one cache writer at a time

    @classmethod
    def load(cls, path: str | Path, **kw: Any) -> DashboardModel:
        return cls(load_scenario(path), **kw)

    def _cached(self, cache: OrderedDict, key: Any, compute: Callable[[], Any]) -> Any:
        """``cache[key]``, computed (outside the lock: two threads may both compute it, never corrupt it) if absent;
        the least recently used of more than :data:`CACHE` entries is dropped."""
        with self._lock:
            if key in cache:
                cache.move_to_end(key)
                return cache[key]
        value = compute()
        with self._lock:
            cache[key] = value
            while len(cache) > CACHE:
                cache.popitem(last=False)
        return value

    # -- changes ---------------------------------------------------------------------------------------------
    def scenario(self, changes: Changes) -> Scenario:
        """The shipped scenario with ``changes`` applied (validated; a UsageError names a bad path or value)."""
        make = (lambda: tweak(self.base, dict(changes))) if changes else (lambda: self.base)
        return self._cached(self._scenarios, _key(changes), make)

    def set(self, changes: Changes, path: str, value: Any) -> dict[str, Any]:
        """``changes`` with ``path`` set to ``value`` (dropped when that is the shipped value); checked first."""
        new = dict(changes)
        if value == self.shipped(path):
            new.pop(path, None)
        else:
            new[path] = value
        self.scenario(new)
        return new

    def shipped(self, path: str) -> Any:
        """The value ``path`` names in the scenario as shipped (None where it names nothing yet)."""
        try:
            return get(self.base, path)
        except UsageError:
            return None

    def toggle_red_line(self, changes: Changes, actor: str, clause: str, option: str, on: bool) -> dict[str, Any]:
        path, value = red_line_change(self.base, self.scenario(changes), actor, clause, option, on)
        return self.set(changes, path, value)

    def diff(self, changes: Changes) -> list[str]:
        """``path: shipped → now`` for every change, in the order they were made."""
        return [f"{p}: {_fmt(self.shipped(p))} → {_fmt(v)}" for p, v in changes.items()]

    # -- runs and analysis ----------------------------------------------------------------------------------
    def seeds(self, n: int | None = None) -> list[int]:
        return [int(s) for s in replicate_seeds(self.master_seed, n or self.n_seeds)]

    def outcomes(self, changes: Changes, n: int | None = None) -> list[Outcome]:
        prepared = prepare(self.scenario(changes))
        return [prepared.run(seed).outcome for seed in self.seeds(n)]

    def summary(self, changes: Changes, n: int | None = None) -> Summary:
        key = (_key(changes), n or self.n_seeds, self.master_seed)
        return self._cached(self._summaries, key, lambda: summarise(self.outcomes(changes, n)))

    def analysis(self, changes: Changes) -> dict[str, Any]:
        """:func:`sim.analysis.bargaining.analyze` of the tweaked scenario (cached)."""
        return self._cached(self._analyses, _key(changes), lambda: analyze(self.scenario(changes)))

    def curve(self, changes: Changes, path: str, values: Sequence[Any], n: int | None = None) -> pd.DataFrame:
        """A small in-process sweep: one row per run (:meth:`Outcome.to_row` plus a ``path`` column) at each value
        of ``path`` on top of ``changes``; ``sim.plots.sweep.acceptance(df, path)`` draws it. Cached by the changes,
        the path, the values and ``n``: another panel's change does not recompute it."""
        key = (_key(changes), path, tuple(values), n or self.n_seeds)
        return self._cached(self._curves, key, lambda: self._curve(changes, path, values, n))

    def _curve(self, changes: Changes, path: str, values: Sequence[Any], n: int | None) -> pd.DataFrame:
        rows = []
        for v in values:
            s = self.scenario(self.set(changes, path, v))
            prepared = prepare(s)
            for seed in self.seeds(n):
                row = prepared.run(seed).outcome.to_row(list(s.clauses), list(s.actors))
                rows.append({path: v, "seed": seed, **row})
        return pd.DataFrame(rows)

    # -- output ---------------------------------------------------------------------------------------------
    def save(self, changes: Changes, path: str | Path) -> Path:
        """Write the tweaked scenario as YAML (a scenario file negsim loads), the changes listed in its header."""
        out = Path(path)
        doc = self.scenario(changes).document()
        head = [f"# {self.base.id} as shipped{f' ({self.base.source})' if self.base.source else ''}, tweaked:"]
        head += [f"#   {line}" for line in self.diff(changes)] or ["#   (no change)"]
        out.parent.mkdir(parents=True, exist_ok=True)
        text = "\n".join(head) + "\n" + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
        out.write_text(text, encoding="utf-8")
        return out
