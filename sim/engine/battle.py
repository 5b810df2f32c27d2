"""An optional battlefield process that moves the belligerents' outside options while they talk (issue #13.5).

War as a costly lottery (Fearon 1995, "Rationalist explanations for war", *International Organization* 49(3)):
each belligerent's value of fighting on is its chance of winning times what is at stake, less its cost, and a
bargaining range exists unless the sides are mutually optimistic. Fighting reveals information: each battle is a
draw from the true balance, and beliefs converge as outcomes accumulate, so the range opens over time (Slantchev
2003, "The principle of convergence in wartime negotiations", *APSR* 97(4); Powell 2004, "Bargaining and learning
while fighting", *AJPS* 48(2)).

The process (``battlefield:`` in the scenario; :class:`sim.scenario.models_domestic.Battlefield`). Every
``every`` rounds (rounds k·every, k ≥ 1) one battle is fought:

- the ``attacker`` advances with the true probability ``p`` (one uniform draw u: it advances iff u < p), and the
  size of the change is g ~ Uniform(``gain`` low, high) (a second draw);
- the realised shift moves both outside options: the attacker's R rises by g and the defender's falls by g when
  the attacker advances, the reverse when it is held;
- each side b holds a Beta(s_b·m_b, s_b·(1 − m_b)) belief in the attacker's chance (``beliefs``: mean m_b,
  strength s_b) and updates it on every battle (an advance adds one to the first parameter, a failure to the
  second): p̂_b(k) = (s_b·m_b + advances) / (s_b + k);
- its expected gain from fighting on moves with its belief: the attacker's by + ``value`` · (p̂_att(k) − m_att),
  the defender's by − ``value`` · (p̂_def(k) − m_def) (``value``: the utility at stake, the difference between
  winning and losing the rest of the war).

So, for side b, R_b(t) = R_b^scenario(t) + σ_b · (Σ_{battles ≤ t} ±g + value · (p̂_b − m_b)), σ = +1 for the
attacker and −1 for the defender. Both sides' terms use their own belief; both see every outcome. The other
actors' R are unchanged. Subgame-perfect actors keep the path computed from the scenario's R. Without a
``battlefield`` nothing is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.scenario.models import Scenario


@dataclass
class Battle:
    """The battlefield's state in one run: the realised shift, the battles fought and won by the attacker."""

    attacker: int
    defender: int
    every: int
    p: float
    low: float
    high: float
    value: float
    prior: tuple[tuple[float, float], tuple[float, float]]  # (mean, strength) of the attacker's, the defender's
    shift: float = 0.0
    battles: int = 0
    advances: int = 0
    log: list[str] = field(default_factory=list)

    def belief(self, side: int) -> float:
        """p̂ of side 0 (the attacker) or 1 (the defender): its posterior mean of the attacker's chance."""
        m, s = self.prior[side]
        return (s * m + self.advances) / (s + self.battles)

    def fight(self, t: int, draws: np.random.Generator) -> str | None:
        """Fight the battle of round t if one is due (two draws); returns its event text, or None."""
        if t == 0 or t % self.every:
            return None
        advanced = bool(draws.random() < self.p)
        g = float(self.low + (self.high - self.low) * draws.random())
        self.battles += 1
        self.advances += advanced
        self.shift += g if advanced else -g
        event = f"battle:{'advance' if advanced else 'held'}:{g:.4f}"
        self.log.append(f"{event}@{t}")
        return event

    def offsets(self, n_actors: int) -> np.ndarray:
        """(A,) what the battlefield adds to every actor's R(t) now (module docstring)."""
        out = np.zeros(n_actors)
        (m_a, _), (m_d, _) = self.prior
        out[self.attacker] = self.shift + self.value * (self.belief(0) - m_a)
        out[self.defender] = -self.shift - self.value * (self.belief(1) - m_d)
        return out


def battle_of(scenario: Scenario, actors: tuple[str, ...]) -> Battle | None:
    """The run's battlefield state from the scenario's ``battlefield`` section, or None without one."""
    b = scenario.battlefield
    if b is None:
        return None
    prior = []
    for side in (b.attacker, b.defender):
        belief = b.beliefs.get(side)
        mean = b.p if belief is None or belief.mean is None else belief.mean
        strength = 1e12 if belief is None or belief.strength is None else belief.strength
        prior.append((mean, strength))
    return Battle(
        actors.index(b.attacker),
        actors.index(b.defender),
        b.every,
        b.p,
        b.gain[0],
        b.gain[1],
        b.value,
        (prior[0], prior[1]),
    )
