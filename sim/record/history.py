"""The border's history, 10 November 2020 to 12 September 2022 (``seeds/history/``), cut into periods.

The history is read with the record's schema (:mod:`sim.record.schema`) and the weapon ladder of
``seeds/ladder.yaml``; its sectors are its own (``seeds/history/sectors.yaml``). What it measures
reliably is listed in ``seeds/history/COVERAGE.md``: deaths, flare-ups, how they ended and who
mediated; not how often shots were fired.

A :class:`Period` starts at the ceasefire of 10 November 2020 or at a truce that ended a flare-up
(an event's ``ended_by``), and ends where the flare-up closing it starts: the next one that ended in
a truce, or the record's end. So a period is one spell of a ceasefire holding, from the state the
record implies (the truce just brokered), and the flare-up that broke it belongs to it. Its episodes
run ``until`` the next period starts (the truce), so that an incident elsewhere on the border during
the closing flare-up is counted once. A flare-up that stopped without a brokered truce (January
2022) does not start a period: it stays inside the period it interrupted.

The statistics come from :func:`sim.record.patterns.history_statistics`, which computes the same
figures on a simulated run's episodes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sim.record.loader import (
    DEFAULT_SEEDS,
    LOCAL_TZ,
    Event,
    RecordError,
    Regime,
    Sector,
    _label,
    load_ladder,
    load_sectors,
    read_events,
)
from sim.record.patterns import Episode, episodes_from_events, history_statistics, is_flareup
from sim.record.schema import INCIDENT_KINDS

HISTORY_DIR = DEFAULT_SEEDS / "history"
HISTORY_END = date(2022, 9, 12)
"""The history's last day: the eve of the 13-14 September 2022 flare-up, which belongs to the
articles' record (``seeds/events.yaml``)."""
CALIBRATION_END = date(2022, 9, 28)
"""No calibration record holds anything dated after this day: what follows is the validation record's
(``seeds/validation/``) and held-out checks'."""


@dataclass(frozen=True)
class FlareUp:
    """A flare-up of the history: its size by each side's own claims, its duration, how it ended."""

    event: Event
    episode: Episode  # hours since its period's start
    truce: Event | None  # the truce that ended it (None: it stopped without a brokered one)

    @property
    def start(self) -> datetime:
        """When it started (the earliest time the event or a claim gives)."""
        return self.event.start

    @property
    def size(self) -> int:
        """Killed, both sides' own claims together."""
        return sum(self.episode.killed.values())

    @property
    def duration_hours(self) -> float | None:
        """Its start to its end (the truce's time when a truce ended it)."""
        return self.episode.end_hours - self.episode.start_hours if self.episode.end_hours is not None else None

    @property
    def brokered_by(self) -> str | None:
        """Who brokered the truce that ended it, in words (None: no brokered truce)."""
        return self.truce.brokered_by or self.truce.mediator if self.truce else None


@dataclass(frozen=True)
class Period:
    """A spell of a ceasefire: from a ceasefire or truce to the start of the flare-up that broke it
    (``end``; the record's end if none did). Its incidents and ``episodes`` (hours since ``start``) are
    those starting from ``start`` to ``until``: the next period's start, or the record's end."""

    start: datetime
    end: datetime  # when the ceasefire broke: the closing flare-up's start
    until: datetime  # the next period's start (the truce that ended the closing flare-up)
    opened_by: Event  # the ceasefire or truce it starts from
    regimes: tuple[Regime, ...]  # the regimes in force during it, in time order
    incidents: tuple[Event, ...]  # violations, advances, captures and flare-ups, in time order
    flareups: tuple[FlareUp, ...]  # those among the incidents, the closing one last
    episodes: tuple[Episode, ...]  # one per incident, hours since ``start``
    closed: bool  # a flare-up ended it (False: the record ends first)

    @property
    def hours(self) -> float:
        """How long the ceasefire held, hours: ``start`` to ``end``."""
        return (self.end - self.start).total_seconds() / 3600.0

    @property
    def span_hours(self) -> float:
        """The hours its episodes cover: ``start`` to ``until``."""
        return (self.until - self.start).total_seconds() / 3600.0

    @property
    def regime(self) -> Regime | None:
        """The regime in force when the period starts."""
        return self.regimes[0] if self.regimes else None

    def statistics(self) -> dict[str, float]:
        """:func:`sim.record.patterns.history_statistics` of the period's episodes (over ``span_hours``)."""
        return history_statistics(self.episodes, self.span_hours)


@dataclass(frozen=True)
class History:
    """The history record: its events, sectors, ladder, regimes and periods."""

    events: tuple[Event, ...]
    sectors: tuple[Sector, ...]
    ladder: dict[str, int]
    regimes: tuple[Regime, ...]
    start: datetime  # the ceasefire of 10 November 2020
    end: datetime  # local midnight ending the record's last day
    periods: tuple[Period, ...]

    def incidents(self) -> tuple[Event, ...]:
        """Violations, advances, captures and flare-ups, in time order."""
        return tuple(e for e in self.events if e.kind in INCIDENT_KINDS)

    def episodes(self) -> list[Episode]:
        """One episode per incident, hours since the ceasefire of 10 November 2020."""
        return episodes_from_events(self.events, self.start, INCIDENT_KINDS)

    def flareups(self) -> tuple[FlareUp, ...]:
        """Every flare-up, in time order."""
        return tuple(f for p in self.periods for f in p.flareups)

    @property
    def hours(self) -> float:
        """The record's length, hours: the ceasefire of 10 November 2020 to the end of its last day."""
        return (self.end - self.start).total_seconds() / 3600.0

    def statistics(self) -> dict[str, float]:
        """:func:`sim.record.patterns.history_statistics` over the whole record."""
        return history_statistics(self.episodes(), self.hours)


def load_history(history_dir: str | Path | None = None, ladder_file: str | Path | None = None) -> History:
    """Load and check the history in ``history_dir`` (default ``seeds/history``) with the weapon ladder
    ``ladder_file`` (default ``seeds/ladder.yaml``); raise :class:`RecordError` (one line) on any
    problem, including an event after :data:`HISTORY_END` or a history without its ceasefire."""
    root = Path(history_dir) if history_dir is not None else HISTORY_DIR
    ladder = load_ladder(Path(ladder_file) if ladder_file is not None else DEFAULT_SEEDS / "ladder.yaml")
    sectors = load_sectors(root / "sectors.yaml")
    read = read_events(root / "events.yaml", sectors, ladder, ceasefires=(1,))
    label = _label(root / "events.yaml")
    end = datetime.combine(HISTORY_END + timedelta(days=1), time(0), LOCAL_TZ)
    for e in read.events:
        last = max((t for t in (e.start, e.end) if t is not None), default=None)
        if last is not None and last >= end:
            raise RecordError(
                label, e.id, "date", f"{last.date()} is after the history's end; allowed: up to {HISTORY_END}"
            )
    ceasefire = next(e for e in read.events if e.kind == "ceasefire")
    periods = _periods(read.events, read.regimes, ceasefire, end)
    return History(read.events, sectors, ladder, read.regimes, ceasefire.start, end, periods)


def _periods(
    events: tuple[Event, ...], regimes: tuple[Regime, ...], ceasefire: Event, end: datetime
) -> tuple[Period, ...]:
    """Cut the record at each truce that ended a flare-up (see the module's docstring)."""
    by_id = {e.id: e for e in events}
    closing = [e for e in events if e.kind == "flare_up" and e.ended_by]
    openers = [ceasefire, *(by_id[f.ended_by] for f in closing)]
    ends = [f.start for f in closing] + [end]
    untils = [o.start for o in openers[1:]] + [end]
    return tuple(_period(events, regimes, by_id, *bounds) for bounds in zip(openers, ends, untils))


def _incidents(events: tuple[Event, ...]) -> list[Event]:
    """The incidents in the order :func:`sim.record.patterns.episodes_from_events` gives their episodes."""
    return sorted((e for e in events if e.kind in INCIDENT_KINDS), key=lambda e: e.start)


def _period(events, regimes, by_id, opener: Event, end: datetime, until: datetime) -> Period:
    start = opener.start
    last = until if until == end else until - timedelta(microseconds=1)  # the next period starts at ``until``
    incidents = tuple(e for e in events if e.kind in INCIDENT_KINDS and start <= e.start <= last)
    ids = {e.id for e in incidents}
    episodes = [
        ep for e, ep in zip(_incidents(events), episodes_from_events(events, start, INCIDENT_KINDS)) if e.id in ids
    ]
    flares = tuple(
        FlareUp(e, ep, by_id.get(e.ended_by or ""))
        for e, ep in zip(incidents, episodes)
        if e.kind == "flare_up" or is_flareup(ep)
    )
    in_force = tuple(r for r in regimes if r.start <= end.astimezone(LOCAL_TZ).date() and r.end >= start.date())
    return Period(start, end, until, opener, in_force, incidents, flares, tuple(episodes), end != until)
