"""Batched runs: the seeds of one parameter point played in lockstep, one round at a time (issue #19, part 1).

``run_batch(prepared, seeds)`` gives, seed by seed, the outcome ``prepared.run(seed).outcome`` gives: the same
numbers, the same draws (``tests/test_batch.py`` compares them on every shipped scenario and on random ones).

**How.** A run's state changes only through what its draws *decide*: every draw of the engine is a uniform double
compared with a threshold (a shock's ``p`` or ``p_per_round``, a deadline actor's ``credibility``, an actor's
P(accept), the ceasefire's hazard, a ratification's P(pass): :class:`sim.engine.talks.Talks`). So the runs of a
point are kept in *groups* of runs in the same state. Each round, for each group:

1. every run's draws of the phase are taken at once, an array (runs × draws) from the runs' own streams (one
   ``numpy`` generator per seed, seeded as the Mesa model seeds it, :func:`sim.engine.model.seed_sequences`, its
   doubles drawn in blocks: a block of n doubles is the n doubles drawn one by one);
2. they are compared with the phase's thresholds, an array of decisions (runs × actors or shocks);
3. the group splits by distinct rows of decisions, and each part plays the phase once, with the draws of one of
   its runs (any of them: their decisions are the same): :meth:`Talks._fire_shocks`, :meth:`Talks._deadlines`.

What a round computes from the state (R(t), the aspirations, the proposal, P(accept)) is computed once per group.
The votes split a group only by what they decide for the talks (the stage closes, the text goes to the domestic
stage, or neither); each run keeps its own ballot for its outcome. The domestic stage is drawn run by run (a
few draws, once per signed text). Groups that reach the same state are merged.

**Not batched** (:func:`unbatchable` says why; the sweep then plays the point run by run, and its metadata says
so): the mediator's belief noise (its draws are normal and enter the search) and a battlefield (its gains are
continuous draws). A batched run keeps no trace (the Mesa model is the single-run, trace and dashboard path).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from sim.engine.agents import Actor
from sim.engine.battle import battle_of
from sim.engine.domestic import Domestic, domestic_stage
from sim.engine.model import INT32_MAX, seed_sequences
from sim.engine.policies import decide
from sim.engine.prepared import Prepared
from sim.engine.records import Ballot, Outcome
from sim.engine.talks import Talks

MUTABLE = ("slips", "deadline", "base", "offset", "pending", "rows", "shock_log", "walked_away")
"""The state a group changes in place (arrays and lists), copied when a group splits; the rest is replaced."""


class Unbatchable(ValueError):
    """The point cannot be played batched (the message says why)."""


def unbatchable(prepared: Prepared) -> str | None:
    """Why the runs of ``prepared`` cannot be batched, or None (module docstring)."""
    s = prepared.structure
    if battle_of(s, prepared.cp0.actors) is not None:
        return "a battlefield (its gains are continuous draws)"
    if prepared.cp0.belief_noise > 0:
        return "the mediator's belief noise (normal draws entering the search)"
    changes = [*(sh.set | sh.add for sh in s.shocks)]
    changes += [a.deadline.set | a.deadline.add for a in s.actors.values() if a.deadline is not None]
    if any("belief_noise" in path for change in changes for path in change):
        return "a shock or deadline that sets the mediator's belief noise"
    return None


FIRST_BLOCKS_DOUBLES = 2_000_000
"""How many doubles (16 MB) the first blocks :func:`_first_block` keeps may hold; beyond, the kept ones are dropped."""
_FIRST_BLOCKS: dict[tuple[int, int], np.ndarray] = {}


def _generator(seed: int | np.random.SeedSequence) -> np.random.Generator:
    """The run's generator as the Mesa model seeds it, after its first draw (``NegotiationModel.__init__``)."""
    gen = np.random.default_rng(seed_sequences(seed)[0])
    gen.integers(INT32_MAX)
    return gen


def _first_block(seed: int | np.random.SeedSequence, block: int) -> np.ndarray:
    """The first ``block`` doubles of the run's stream; kept per int seed and block size (a sweep's points play
    the same seeds, so a worker draws each seed's block once; the numbers are a function of the seed alone)."""
    if not isinstance(seed, int | np.integer):
        return _generator(seed).random(block)
    key = (int(seed), block)
    hit = _FIRST_BLOCKS.get(key)
    if hit is None:
        if (len(_FIRST_BLOCKS) + 1) * block > FIRST_BLOCKS_DOUBLES:
            _FIRST_BLOCKS.clear()
        hit = _FIRST_BLOCKS[key] = _generator(seed).random(block)
        hit.setflags(write=False)
    return hit


class Streams:
    """Each seed's stream of uniform doubles, drawn in blocks, with where each run is in it (``cursor``)."""

    def __init__(self, seeds: Sequence[int | np.random.SeedSequence], block: int):
        self.seeds = list(seeds)
        self.block = max(block, 1)
        self.buffer = np.stack([_first_block(s, self.block) for s in self.seeds]) if self.seeds else np.empty((0, 1))
        self.gens: list[np.random.Generator | None] = [None] * len(self.seeds)  # built when the buffer grows
        self.cursor = np.zeros(len(self.seeds), dtype=np.int64)

    def _gen(self, k: int) -> np.random.Generator:
        """Run k's generator, past the draws the buffer holds."""
        gen = self.gens[k]
        if gen is None:
            gen = self.gens[k] = _generator(self.seeds[k])
            gen.random(self.buffer.shape[1])
        return gen

    def take(self, rows: np.ndarray, n: int) -> np.ndarray:
        """(len(rows), n) the next n draws of each run of ``rows``."""
        start = self.cursor[rows]
        if n and len(rows) and int(start.max()) + n > self.buffer.shape[1]:
            gens = [self._gen(k) for k in range(len(self.seeds))]  # each past the buffer before it grows
            more = np.stack([g.random(self.block + n) for g in gens])
            self.buffer = np.concatenate([self.buffer, more], axis=1)
        self.cursor[rows] += n
        return self.buffer[rows[:, None], start[:, None] + np.arange(n)]

    def reader(self, row: int) -> _Reader:
        return _Reader(self, row)


class _Reader:
    """One run's stream, one draw at a time (what the domestic stage draws from)."""

    def __init__(self, streams: Streams, row: int):
        self.streams, self.row = streams, np.array([row])

    def random(self) -> float:
        return float(self.streams.take(self.row, 1)[0, 0])


class Group(Talks):
    """Runs in the same state (``members``: rows of the :class:`Streams`; ``lasts``: each one's last ballot)."""

    members: np.ndarray
    lasts: list[Ballot | None]
    end: tuple[tuple[Any, ...], dict[str, Any]] | None

    def _finish(self, *args: Any, **kwargs: Any) -> None:
        """The talks end: the arguments are kept, and each member's outcome is built with its own ballot."""
        self.end = (args, kwargs)
        self.running = False

    def part(self, idx: np.ndarray) -> Group:
        """A copy of this group with the members at positions ``idx``."""
        new = object.__new__(Group)
        new.__dict__.update(self.__dict__)
        for name in MUTABLE:
            value = getattr(self, name)
            setattr(new, name, value.copy() if isinstance(value, np.ndarray) else list(value))
        new.actor_agents = tuple(Actor(new, a.index, a.actor_id) for a in self.actor_agents)
        for mine, theirs in zip(new.actor_agents, self.actor_agents, strict=True):
            mine.walked = theirs.walked
        new.members = self.members[idx]
        new.lasts = [self.lasts[k] for k in idx.tolist()]
        return new

    def key(self) -> tuple[Any, ...]:
        """Everything of the state the rest of a run reads, besides each member's last ballot."""
        return (
            id(self.compiled),
            self.fired,
            self.failed,
            self.acted,
            self.exits,
            self.mediator,
            self.stage,
            self.resume,
            self.base.tobytes(),
            self.deadline.tobytes(),
            self.slips.tobytes(),
            self.walked_key(),
            self.last_reservation.tobytes(),
            tuple(self.pending),
            tuple(self.shock_log),
            tuple(self.walked_away),
        )


def run_batch(prepared: Prepared, seeds: Sequence[int | np.random.SeedSequence]) -> list[Outcome]:
    """The outcome of each seed's run of ``prepared``, in order (module docstring); a seed is an int or a
    ``numpy.random.SeedSequence``, as for ``Prepared.run``. Raises :class:`Unbatchable`."""
    outcomes: list[Outcome | None] = [None] * len(seeds)
    for outcome, rows in play_batch(prepared, seeds):
        for row in rows:
            outcomes[row] = outcome if row == rows[0] else replace(outcome, seed=_seed(seeds[row]))
    assert all(o is not None for o in outcomes)
    return outcomes  # type: ignore[return-value]


def play_batch(prepared: Prepared, seeds: Sequence[int | np.random.SeedSequence]) -> list[tuple[Outcome, list[int]]]:
    """The distinct outcomes of the runs of ``seeds`` (equal but for the seed), each with the positions in
    ``seeds`` of its runs; the outcome holds the first one's seed. Raises :class:`Unbatchable`."""
    why = unbatchable(prepared)
    if why is not None:
        raise Unbatchable(f"not batched: {why}")
    if not seeds:
        return []
    cp = prepared.cp0
    per_round = len(prepared.structure.shocks) + 2 * cp.n_actors
    streams = Streams(seeds, cp.max_rounds * per_round + 4)
    first = object.__new__(Group)
    first._start(prepared, None, False)
    first.members, first.lasts, first.end = np.arange(len(seeds)), [None] * len(seeds), None
    found: list[tuple[Outcome, list[int]]] = []
    groups, t = [first], 0
    while groups:
        merged: dict[tuple[Any, ...], Group] = {}
        for g in [after for group in groups for after in _round(group, t, streams)]:
            if not g.running:
                found += _outcomes(g, seeds)
            elif (k := g.key()) in merged:
                merged[k].members = np.concatenate([merged[k].members, g.members])
                merged[k].lasts = merged[k].lasts + g.lasts
            else:
                merged[k] = g
        groups, t = list(merged.values()), t + 1
    return found


def _seed(seed: Any) -> int | None:
    """The outcome's ``seed``: as the Mesa model records it (an int, else None)."""
    return seed if isinstance(seed, int) else None


def _split(group: Group, decisions: np.ndarray) -> list[tuple[Group, int]]:
    """(the part, the position in ``group.members`` of one of its runs) per distinct row of ``decisions``."""
    if decisions.shape[1] == 0 or (decisions == decisions[0]).all():
        return [(group, 0)]
    _, first, inverse = np.unique(decisions, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    return [(group.part(np.flatnonzero(inverse == k)), int(i)) for k, i in enumerate(first.tolist())]


def _by(group: Group, labels: list[Any]) -> list[tuple[Group, int]]:
    """(the part, the position of one of its runs) per distinct label of the members (in order of first sight)."""
    where: dict[Any, list[int]] = {}
    for k, label in enumerate(labels):
        where.setdefault(label, []).append(k)
    if len(where) == 1:
        return [(group, 0)]
    return [(group.part(np.array(idx)), idx[0]) for idx in where.values()]


def _round(group: Group, t: int, streams: Streams) -> list[Group]:
    """Round t for the runs of ``group`` (the order of :meth:`sim.engine.model.NegotiationModel.step`): the groups
    after it, finished ones included."""
    if t < group.resume:  # a signed text awaited its vote in this round
        return [group]
    shocks = group.prepared.structure.shocks
    parts = [(group, 0)]
    if shocks:  # (1) one draw per listed shock
        fires = streams.take(group.members, len(shocks)) < group._shock_thresholds(t)
        parts = _split(group, fires)
        for g, i in parts:
            g._fire_shocks(t, fires[i].tolist())
    out: list[Group] = []
    for g, _ in parts:
        g.pending = []
        out += _deadlines(g, t, streams)
    return out


def _deadlines(group: Group, t: int, streams: Streams) -> list[Group]:
    """(2) One draw per actor; the runs split by the actions of the actors whose deadline is t."""
    cp = group.compiled
    draws = streams.take(group.members, cp.n_actors)
    walked = group.walked_key()
    due = [i for i, d in enumerate(group.deadline.tolist()) if d == t and not walked[i]]
    out: list[Group] = []
    for g, i in _split(group, draws[:, due] < cp.credibility[due]):
        gone, _, ended = g._deadlines(t, draws[i])
        out += _talk(g, t, streams, gone, ended)
    return out


def _talk(group: Group, t: int, streams: Streams, gone: list[str], ended: bool) -> list[Group]:
    """(3)–(5) The proposal, the vote (one draw per actor), and what the votes decide."""
    reservation = group._reservation(t)
    aspiration = group._aspirations(t, reservation)
    if ended:
        group._finish(False, f"walk_away:{','.join(gone)}", reservation, rounds_played=t)
        return [group]
    assert group.noise_draw is None  # (4) nothing to learn: unbatchable() keeps belief noise out
    package, proposer, free = group._propose(t, aspiration)
    final, (utility, trig, required, fixed, p_accept) = group._ballot_parts(package, aspiration)
    draws = streams.take(group.members, group.compiled.n_actors)
    p = np.array(p_accept)
    accepts = ((draws < p) | (p == 1.0))[:, [i for i, f in enumerate(fixed) if f is None]]  # decide(), by array
    patterns = _split_positions(accepts)
    ballots: list[Ballot] = []
    lasts: list[Ballot | None] = [None] * len(group.members)
    for idx, rep in patterns:
        row = draws[rep].tolist()
        votes = tuple(decide(q, d) if f is None else f for f, q, d in zip(fixed, p_accept, row, strict=True))
        ballots.append(Ballot(package, proposer, free, final, utility, trig, required, votes, p_accept))
        for k in idx:
            lasts[k] = ballots[-1]
    group.lasts = lasts
    group.last_reservation = reservation
    out: list[Group] = []
    verdicts = {id(b): group._verdict(b) for b in ballots}
    for g, _ in _by(group, [verdicts[id(b)] for b in lasts]):
        ballot = g.lasts[0]
        assert ballot is not None
        if verdicts[id(ballot)] != "domestic":
            g._settle(t, ballot, reservation, verdicts[id(ballot)])
            out.append(g)
            continue
        doms = [domestic_stage(g.compiled, package, utility, streams.reader(r)) for r in g.members.tolist()]
        for h, j in _by(g, [_signature(d) for d in doms]):
            h._after_domestic(t, ballot, doms[j])
            out.append(h)
    return out


def _split_positions(decisions: np.ndarray) -> list[tuple[list[int], int]]:
    """(positions, one of them) per distinct row of ``decisions``."""
    if decisions.shape[1] == 0 or (decisions == decisions[0]).all():
        return [(list(range(len(decisions))), 0)]
    _, first, inverse = np.unique(decisions, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    return [(np.flatnonzero(inverse == k).tolist(), int(i)) for k, i in enumerate(first.tolist())]


def _signature(dom: Domestic) -> tuple[Any, ...]:
    return (dom.wait, dom.broke_down, tuple(dom.results.items()), dom.failed)


def _outcomes(group: Group, seeds: Sequence[int | np.random.SeedSequence]) -> list[tuple[Outcome, list[int]]]:
    """The members' outcomes, one per distinct last ballot (built with its first member's seed), with the
    members' positions in ``seeds``."""
    assert group.end is not None
    args, kwargs = group.end
    where: dict[int, tuple[Ballot | None, list[int]]] = {}
    for row, last in zip(group.members.tolist(), group.lasts, strict=True):
        where.setdefault(id(last), (last, []))[1].append(row)
    return [(group._outcome(last, _seed(seeds[rows[0]]), *args, **kwargs), rows) for last, rows in where.values()]
