"""The model's parameters at each rolling origin: a bank of prior draws and ABC rejection on what came before.

Each of ``n`` draws from the calibration's priors (:data:`calibration.priors.FREE_PARAMETERS`, uniform on
each parameter's sampled scale) is simulated once over every spell of the record (:class:`Spell`), from
its ceasefire or truce with the flare-up losses it ended and the talks of the record. Its statistics are
read at every *cut* a rolling origin needs: a whole spell that ended before the origin, or the spell in
force cut at the origin. Runs are causal, so what a run did before a cut does not depend on the talks
after it. At an origin, the draws whose statistics lie nearest the record's at the origin's cuts are
kept (:meth:`Bank.posterior`): ABC rejection with nothing from after the origin.

Statistics: those the history measures reliably (:data:`sim.record.patterns.HISTORY_STATISTICS`: deaths,
incidents with casualties, flare-ups, their size and spacing, how they ended) plus ``war``: whether the
spell reached war scale by the cut (the record: only the spell the 13 Sept 2022 flare-up closed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Sequence

import numpy as np

from calibration.priors import FREE_PARAMETERS, apply
from sim.model.params import ModelParams
from sim.model.run import simulate
from sim.record.patterns import HISTORY_STATISTICS, Episode, episodes_from_events, history_statistics
from sim.record.schema import INCIDENT_KINDS
from validation.rolling.timeline import HOURS_PER_DAY, Timeline

STATISTICS = (*HISTORY_STATISTICS, "war")
THETA_STREAM, BANK_STREAM = 21, 22


@dataclass(frozen=True, order=True)
class Cut:
    """A spell's statistics read ``hours`` after its start."""

    spell: int
    hours: float


def cuts_for(timeline: Timeline, origins: Sequence[datetime]) -> tuple[Cut, ...]:
    """Every cut the ``origins`` need: each spell started before an origin, whole or cut at the origin."""
    out = set()
    for t in origins:
        for i, s in enumerate(timeline.spells):
            if s.start < t:
                out.add(Cut(i, min(timeline_hours(s.start, t), s.hours)))
    return tuple(sorted(out))


def timeline_hours(since: datetime, until: datetime) -> float:
    """Hours from ``since`` to ``until``."""
    return (until - since).total_seconds() / 3600.0


def statistics(episodes: Sequence[Episode], hours: float, war_hours: float | None) -> list[float]:
    """:data:`STATISTICS` of ``episodes`` in ``[0, hours]``; ``war_hours``: when war scale was reached
    (None: never)."""
    stats = history_statistics(episodes, hours)
    return [*(stats[k] for k in HISTORY_STATISTICS), float(war_hours is not None and war_hours <= hours)]


def observed_war_hours(episodes: Sequence[Episode], killed_threshold: float) -> float | None:
    """When the record's first war-scale episode started (one episode with ``killed_threshold`` killed,
    both sides' own claims), or None."""
    return next((e.start_hours for e in episodes if sum(e.killed.values()) >= killed_threshold), None)


@dataclass(frozen=True)
class Posterior:
    """The draws an origin kept: parameters drawn uniformly among them (:meth:`draw`)."""

    thetas: tuple[dict[str, float], ...]
    accepted: np.ndarray  # indices into ``thetas``
    distance: float  # the largest distance kept

    def draw(self, rng: np.random.Generator, params: ModelParams) -> ModelParams:
        """``params`` with the free parameters of one kept draw."""
        return apply(self.thetas[int(self.accepted[rng.integers(0, self.accepted.size)])], params)


@dataclass(frozen=True)
class Bank:
    """Prior draws and their simulated statistics at every cut, beside the record's."""

    sampled: np.ndarray  # (N, P): each draw on the parameters' sampled scale (log10 for log priors)
    thetas: tuple[dict[str, float], ...]  # natural scale, dotted names
    cuts: tuple[Cut, ...]
    simulated: np.ndarray  # (N, C, S)
    observed: np.ndarray  # (C, S)

    def distances(self, cuts: Sequence[Cut]) -> np.ndarray:
        """(N,) distance of each draw to the record on ``cuts``: absolute differences summed over cuts
        and statistics, each scaled by the bank's median absolute deviation of that statistic there
        (its mean absolute deviation when that is 0, else 1)."""
        idx = [self.cuts.index(c) for c in cuts]
        sim, obs = self.simulated[:, idx, :], self.observed[idx, :]
        dev = np.abs(sim - np.median(sim, axis=0))
        scale = np.median(dev, axis=0)
        scale = np.where(scale > 0, scale, dev.mean(axis=0))
        scale = np.where(scale > 0, scale, 1.0)
        return (np.abs(sim - obs) / scale).sum(axis=(1, 2))

    def posterior(self, cuts: Sequence[Cut], accept: float) -> Posterior:
        """The ``accept`` share of draws nearest the record on ``cuts`` (ties by draw order)."""
        d = self.distances(cuts)
        k = max(1, int(round(accept * d.size)))
        kept = np.argsort(d, kind="stable")[:k]
        return Posterior(self.thetas, kept, float(d[kept[-1]]))

    def prior(self) -> Posterior:
        """Every draw: the prior."""
        return Posterior(self.thetas, np.arange(len(self.thetas)), float("inf"))

    def width_ratios(self, post: Posterior) -> dict[str, float]:
        """Per free parameter: the kept draws' central 90% width over the prior's, on the sampled scale."""
        out = {}
        for j, p in enumerate(FREE_PARAMETERS):
            lo, hi = np.quantile(self.sampled[post.accepted, j], [0.05, 0.95])
            a, b = p.prior_bounds()
            out[p.name] = float((hi - lo) / (0.9 * (b - a)))
        return out


def prior_draws(n: int, seed: int) -> tuple[np.ndarray, tuple[dict[str, float], ...]]:
    """``n`` draws from the priors: the sampled-scale array (N, P) and each draw on the natural scale."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, THETA_STREAM]))
    bounds = np.array([p.prior_bounds() for p in FREE_PARAMETERS])
    sampled = bounds[:, 0] + rng.random((n, len(FREE_PARAMETERS))) * (bounds[:, 1] - bounds[:, 0])
    thetas = tuple({p.name: p.to_natural(float(v)) for p, v in zip(FREE_PARAMETERS, row)} for row in sampled.tolist())
    return sampled, thetas


def simulate_bank(
    timeline: Timeline,
    cuts: tuple[Cut, ...],
    n: int,
    seed: int,
    base: ModelParams,
    progress: Callable[[int], None] | None = None,
) -> Bank:
    """Draw ``n`` parameter sets from the priors and simulate each once over every spell ``cuts`` name."""
    sampled, thetas = prior_draws(n, seed)
    spells = sorted({c.spell for c in cuts})
    borders = {i: timeline.border(timeline.spells[i], timeline.spell_events(timeline.spells[i])) for i in spells}
    horizon = {i: max(c.hours for c in cuts if c.spell == i) / HOURS_PER_DAY for i in spells}
    seeds = np.random.SeedSequence([seed, BANK_STREAM]).spawn(n)
    simulated = np.zeros((n, len(cuts), len(STATISTICS)))
    for d in range(n):
        params = apply(thetas[d], base)
        for i, ss in zip(spells, seeds[d].spawn(len(spells))):
            run = simulate(params, ss, horizon[i], borders[i], scenario="rolling bank", check=False)
            war = run.summary.durability_days * HOURS_PER_DAY if run.collapsed else None
            for k, c in enumerate(cuts):
                if c.spell == i:
                    simulated[d, k] = statistics(run.episodes, c.hours, war)
        if progress is not None:
            progress(1)
    return Bank(sampled, thetas, cuts, simulated, observed_statistics(timeline, cuts, base))


def observed_statistics(timeline: Timeline, cuts: Sequence[Cut], base: ModelParams) -> np.ndarray:
    """(C, S): the record's :data:`STATISTICS` at each cut (each side's own claims)."""
    out = np.zeros((len(cuts), len(STATISTICS)))
    for k, c in enumerate(cuts):
        spell = timeline.spells[c.spell]
        episodes = episodes_from_events(timeline.spell_events(spell), spell.start, INCIDENT_KINDS)
        war = observed_war_hours(episodes, base.collapse.killed_threshold)
        out[k] = statistics(episodes, c.hours, war)
    return out
