"""The whole record for calibration: the articles' window and every period of the border's history.

A simulation of the whole record runs the articles' window and flare-up (:mod:`calibration.statistics`)
and, apart from them, each period of the history (:class:`sim.record.history.Period`) from its own
ceasefire or truce, in the state the record implies then (:func:`period_border`): the history's sectors,
the talks held in the period, the broker of the truce it starts from as the lead mediator, the regimes
in force from the period's start, and the losses of the flare-up before it as starting grievance.

A simulated period is read as the history is (:func:`flareup_episodes`): the episodes a command's
offensive opened form one flare-up, from its launch to its last exchange or, when its command accepted a
brokered truce, to that truce (the record dates a flare-up a truce ended by the truce), and ended in a
brokered truce only then; a local episode ended in one when a mediator brokered one while it lasted. Both are
compared by :func:`sim.record.patterns.history_statistics`, on what the record measures reliably
(seeds/history/COVERAGE.md): deaths, flare-ups, their sizes and how they ended.

The distance uses the history pooled over its periods (:data:`HISTORY_USED`): one period holds a
flare-up or two, too few to compare alone. Each period's own statistics (:func:`period_key`) go into
the posterior predictive check.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np

from calibration.statistics import USED as ARTICLES_USED
from calibration.statistics import observed_statistics, simulated_statistics
from sim.model.border import Border, regimes_since, scheduled_talks
from sim.model.params import ModelParams
from sim.model.rules import HOURS_PER_DAY
from sim.model.run import RunResult, simulate
from sim.record.history import History, Period, load_history
from sim.record.loader import SIDES, Record
from sim.record.patterns import HISTORY_STATISTICS, Episode, history_statistics, is_flareup, summary_statistics

HISTORY_USED = (
    "history_n_with_death",
    "history_n_with_death_aftermath",
    "history_log_killed_ARM",
    "history_log_killed_AZE",
    "history_n_flareups",
    "history_log_flareup_killed_mean",
    "history_log_flareup_killed_max",
    "history_log_flareup_hours_mean",
    "history_brokered_share",
    "history_first_flareup_days",
    "history_war_scale_periods",
)
"""The history's statistics in the distance, pooled over its periods: episodes with a death and killed per
side (sums), episodes with a death in a period's first month (the aftermath of the flare-up before it:
:data:`sim.record.patterns.AFTERMATH_HOURS`), flare-ups (count; mean and largest killed, mean hours and
the share ended by a brokered truce over all of them), days from a period's start to its first flare-up
(mean over periods; the period's length when it has none) and periods that reached war scale (the
record: none). Losses and durations as log(1 + x): a run that reaches war scale kills hundreds, and on a
linear scale its few draws would set the distance's scale for the record's handful (as
``flareup_log_killed`` does)."""

USED = ARTICLES_USED + HISTORY_USED
"""Every statistic in the distance: the articles' window and flare-up, then the history's."""

WAR_SCALE = "war_scale"
"""A period's statistic beside :data:`sim.record.patterns.HISTORY_STATISTICS`: 1 if the run reached
war scale (the collapse rule), else 0."""


def period_key(index: int, statistic: str) -> str:
    """A period's own statistic, named for the predictive check: ``p1_n_flareups``."""
    return f"p{index + 1}_{statistic}"


def period_border(history: History, period: Period, before: Period | None) -> Border:
    """The border a period starts from: the history's sectors, the talks with a mediator held in it
    (truces and ceasefires are the model's own to broker), the opener's broker as lead, the regimes in
    force from its start, and the losses (each side's own) of ``before``'s closing flare-up."""
    start, until = period.start, period.until
    talks = scheduled_talks(
        (
            e
            for e in history.events
            if e.mediator and e.kind not in ("ceasefire", "truce") and e.start is not None and e.start < until
        ),
        start,
    )
    losses: dict[str, tuple[int, int]] = {}
    if before is not None and before.closed:
        closing = before.flareups[-1].episode
        losses = {s: (closing.killed.get(s, 0), closing.wounded.get(s, 0)) for s in SIDES}
    return Border(
        sector_ids=tuple(s.id for s in history.sectors),
        adjacency={s.id: s.adjacent for s in history.sectors},
        flareup_losses=losses,
        talks=talks,
        lead_mediator=period.opened_by.mediator or "Russia",
        ceasefire=start,
        regimes=regimes_since(period.regimes, start),
    )


@dataclass(frozen=True)
class PeriodInput:
    """One period of the history as the calibration runs it: its border, length and observed statistics."""

    label: str  # its dates
    border: Border
    span_hours: float  # the hours its episodes cover (to the truce that ended its closing flare-up)
    observed: dict[str, float]


def flareup_episodes(run: RunResult) -> list[Episode]:
    """The run's episodes as the history counts incidents: each offensive's episodes merged into one
    flare-up (:func:`_offensive_flareup`), every other episode as it is, with its end (its last exchange)
    and the broker of a truce that fell inside it; in time order."""
    last: dict[int, float] = {}
    for row in run.incidents:
        last[row.episode] = row.time_hours
    truces = [(t, who) for t, who, what in run.actions if what == "truce"]
    launches = {s: [t for t, who, what in run.actions if what == "offensive" and who.endswith(s)] for s in SIDES}
    accepted = {s: [t for t, who, what in run.actions if what == "truce accepted" and who.endswith(s)] for s in SIDES}
    groups: dict[tuple[str, float], list[Episode]] = {}
    out = []
    for e in run.episodes:
        if e.kind == "offensive" and launches[e.initiator]:
            launch = max(t for t in launches[e.initiator] if t <= e.start_hours)
            groups.setdefault((e.initiator, launch), []).append(e)
            continue
        end = last.get(e.id, e.start_hours)
        out.append(replace(e, end_hours=end, truce=_broker(truces, e.start_hours, end)))
    for (side, launch), episodes in groups.items():
        following = min((t for t in launches[side] if t > launch), default=math.inf)
        stopped = next((t for t in accepted[side] if launch <= t < following), None)
        out.append(_offensive_flareup(side, launch, episodes, last, truces, stopped))
    return sorted(out, key=lambda e: e.start_hours)


def _offensive_flareup(side: str, launch: float, episodes: list[Episode], last, truces, stopped) -> Episode:
    """One flare-up from an offensive's episodes: losses summed, from the launch to its last exchange or
    to the truce its command accepted (``stopped``, hours; None if it accepted none), whichever is later;
    ended in a brokered truce only if its command accepted one (a truce it ignored ended nothing)."""
    end = max(last.get(e.id, e.start_hours) for e in episodes)
    end = end if stopped is None else max(end, stopped)
    return Episode(
        start_hours=launch,
        killed={s: sum(e.killed[s] for e in episodes) for s in SIDES},
        wounded={s: sum(e.wounded[s] for e in episodes) for s in SIDES},
        max_tier=max(e.max_tier for e in episodes),
        blamed=dict(episodes[0].blamed),
        retaliated={s: any(e.retaliated[s] for e in episodes) for s in SIDES},
        sector=episodes[0].sector,
        initiator=side,
        kind="offensive",
        exchanges=sum(e.exchanges for e in episodes),
        end_hours=end,
        truce="" if stopped is None else _broker(truces, stopped, stopped),
    )


def _broker(truces: list[tuple[float, str]], start: float, end: float) -> str:
    """The mediator of the first truce brokered from ``start`` to ``end`` ("" if none)."""
    return next((who for t, who in truces if start <= t <= end), "")


def pooled(periods: Sequence[dict[str, float]], spans: Sequence[float], sizes: Sequence[Sequence[float]]) -> dict:
    """:data:`HISTORY_USED` from each period's statistics, its span (hours) and its flare-ups' sizes."""
    n = sum(len(s) for s in sizes)
    every = [k for s in sizes for k in s]
    brokered = sum(p["brokered_share"] * p["n_flareups"] for p in periods)
    hours = sum(p["flareup_hours_mean"] * p["n_flareups"] for p in periods)
    first = [min(p["first_flareup_hours"], span) / HOURS_PER_DAY for p, span in zip(periods, spans)]
    return {
        "history_n_with_death": sum(p["n_with_death"] for p in periods),
        "history_n_with_death_aftermath": sum(p["n_with_death_aftermath"] for p in periods),
        "history_log_killed_ARM": math.log1p(sum(p["killed_ARM"] for p in periods)),
        "history_log_killed_AZE": math.log1p(sum(p["killed_AZE"] for p in periods)),
        "history_n_flareups": float(n),
        "history_log_flareup_killed_mean": math.log1p(math.fsum(every) / n if n else 0.0),
        "history_log_flareup_killed_max": math.log1p(max(every, default=0)),
        "history_log_flareup_hours_mean": math.log1p(hours / n if n else 0.0),
        "history_brokered_share": brokered / n if n else 0.0,
        "history_first_flareup_days": math.fsum(first) / len(first),
        "history_war_scale_periods": sum(p.get(WAR_SCALE, 0.0) for p in periods),
    }


@dataclass(frozen=True)
class WholeRecord:
    """What a calibration compares: the articles' window (``border``) and the history's periods."""

    border: Border
    periods: tuple[PeriodInput, ...]
    observed_articles: dict[str, float]
    observed_sizes: tuple[tuple[float, ...], ...]  # each period's flare-ups' killed, in time order

    def observed(self) -> dict[str, float]:
        """The record's statistics: the articles', the pooled history's, then each period's."""
        return self._combine(self.observed_articles, [p.observed for p in self.periods], self.observed_sizes)

    def _combine(self, articles, periods, sizes) -> dict[str, float]:
        out = dict(articles)
        out.update(pooled(periods, [p.span_hours for p in self.periods], sizes))
        for i, stats in enumerate(periods):
            out.update({period_key(i, k): float(v) for k, v in stats.items()})
        return out

    def simulate(self, params: ModelParams, seed: np.random.SeedSequence, extra=None) -> dict[str, float]:
        """Every statistic of one simulation of the whole record (the articles' window and flare-up, then
        each period from its own start), each from its own child of ``seed``. ``extra(episodes, span_hours)``,
        if given, adds statistics to each period's (:mod:`calibration.identifiability`)."""
        articles_seed, *period_seeds = seed.spawn(1 + len(self.periods))
        stats, sizes = [], []
        for period, child in zip(self.periods, period_seeds):
            run = simulate(params, child, period.span_hours / HOURS_PER_DAY, period.border, "history", check=False)
            episodes = flareup_episodes(run)
            stats.append(history_statistics(episodes, period.span_hours) | {WAR_SCALE: 1.0 if run.collapsed else 0.0})
            if extra is not None:
                stats[-1] |= extra(episodes, period.span_hours)
            sizes.append(flareup_sizes(episodes, period.span_hours))
        return self._combine(simulated_statistics(params, articles_seed, self.border), stats, sizes)

    def labels(self) -> list[str]:
        """Each period's dates, in order."""
        return [p.label for p in self.periods]


def flareup_sizes(episodes: Sequence[Episode], span_hours: float) -> tuple[float, ...]:
    """Killed (both sides) in each flare-up starting in ``[0, span_hours]``, as
    :func:`sim.record.patterns.history_statistics` counts them."""
    return tuple(float(sum(e.killed.values())) for e in episodes if is_flareup(e) and 0 <= e.start_hours <= span_hours)


def whole_record(record: Record, history: History | None = None) -> WholeRecord:
    """The whole record from the articles' ``record`` and the ``history`` (default: seeds/history)."""
    history = history or load_history()
    periods, sizes = [], []
    for i, period in enumerate(history.periods):
        war = summary_statistics(period.episodes, period.span_hours)["returned_to_war_scale"]
        observed = period.statistics() | {WAR_SCALE: war}
        label = f"{period.start:%d %b %Y} - {period.until:%d %b %Y}"
        before = history.periods[i - 1] if i else None
        periods.append(PeriodInput(label, period_border(history, period, before), period.span_hours, observed))
        sizes.append(flareup_sizes(period.episodes, period.span_hours))
    return WholeRecord(Border.from_record(record), tuple(periods), observed_statistics(record), tuple(sizes))


CHECKED_PERIOD = HISTORY_STATISTICS + (WAR_SCALE,)
"""Each period's statistics in the posterior predictive check."""
