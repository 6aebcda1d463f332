"""What the model takes from the incident record: sectors, adjacency, flare-up losses, talks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path
from typing import Iterable

from sim.record.loader import LOCAL_TZ, SIDES, Event, Record, load_record
from sim.record.loader import Regime as RecordRegime

DATE_ONLY_HOUR = 12.0  # hours after local midnight for events dated without a time
CEASEFIRE_SOURCE = "public reporting"  # 14 Sept 20:00 local; article 000's "September 23" stays a recorded claim


@dataclass(frozen=True)
class ScheduledTalk:
    """A mediation meeting or visit from the record, in hours since the ceasefire."""

    hours: float
    mediator: str
    event_id: str


@dataclass(frozen=True)
class Regime:
    """Who mediates from ``hours`` on (since the ceasefire), from the record's ``regimes``: the mediators
    present (the others have no role) and those it marks as weakened (keeping
    ``mediation.weakened_standing`` of their leverage)."""

    hours: float
    mediators: tuple[str, ...]
    weakened: tuple[str, ...] = ()


def scheduled_talks(events: Iterable[Event], origin: datetime) -> tuple[ScheduledTalk, ...]:
    """The talks and visits among ``events`` (each with a mediator) from ``origin`` on, in hours since it,
    in time order; an event dated without a time of day is placed at local noon, an undated one is left
    out ("earlier in 2022")."""
    talks = []
    for event in events:
        if event.start is None:
            continue
        hours = (event.start - origin).total_seconds() / 3600.0
        if event.time is None:
            hours += DATE_ONLY_HOUR
        if hours >= 0.0:
            talks.append(ScheduledTalk(hours, event.mediator, event.id))
    return tuple(sorted(talks, key=lambda t: t.hours))


def regimes_since(regimes: Iterable[RecordRegime], origin: datetime) -> tuple[Regime, ...]:
    """The record's regimes as the model reads them: each from local midnight of its first day, in hours
    since ``origin`` (a regime begun before it is in force from hour 0), in time order."""
    out = []
    for r in regimes:
        hours = (datetime.combine(r.start, time(0), LOCAL_TZ) - origin).total_seconds() / 3600.0
        out.append(Regime(hours, tuple(r.mediators), tuple(r.weakened)))
    return tuple(sorted(out, key=lambda r: r.hours))


@dataclass(frozen=True)
class FireReceived:
    """Fire a side's position took in one sector before a forecast starts (from the record)."""

    hours: float  # since the ceasefire
    sector: str
    side: str  # the side fired upon
    killed: float  # that side's own killed, per its own claim, shared among the sectors named
    wounded: float


def fire_received(
    events: tuple[Event, ...], ceasefire: datetime, sector_ids: tuple[str, ...], until_hours: float
) -> tuple[FireReceived, ...]:
    """What each side says it took in the violations before ``until_hours``.

    A side was fired upon when its own claim blames the other side or reports own losses. Its losses
    (the largest figure among its claims; not stated = 0) are shared equally among the sectors its
    claims name, else those the other side's claims name, else the whole border.
    """
    out = []
    for ev in events:
        if ev.kind != "violation" or ev.start is None:
            continue
        hours = (ev.start - ceasefire).total_seconds() / 3600.0
        if not 0.0 <= hours < until_hours:
            continue
        for side in SIDES:
            own = [c for c in ev.claims if c.side == side]
            hit = [c for c in own if (c.fired_first not in (None, side)) or (c.own_killed or c.own_wounded)]
            if not hit:
                continue
            others = [c for c in ev.claims if c.side != side]
            sectors = _named(own) or _named(others) or sector_ids
            killed = max((c.own_killed or 0) for c in own)
            wounded = max((c.own_wounded or 0) for c in own)
            out += [
                FireReceived(hours, sector, side, killed / len(sectors), wounded / len(sectors)) for sector in sectors
            ]
    return tuple(out)


def _named(claims) -> tuple[str, ...]:
    return tuple(dict.fromkeys(s for c in claims for s in c.sectors))


@dataclass(frozen=True)
class Border:
    """The border and the calendar the model runs on (built from ``seeds/``)."""

    sector_ids: tuple[str, ...]
    adjacency: dict[str, tuple[str, ...]]
    flareup_losses: dict[str, tuple[int, int]]  # side -> (own killed, own wounded), 13-14 Sept
    talks: tuple[ScheduledTalk, ...]
    lead_mediator: str  # the ceasefire's broker
    ceasefire: datetime
    regimes: tuple[Regime, ...] = ()  # in time order; none: every mediator of the parameters at full standing

    @classmethod
    def from_record(cls, record: Record, ceasefire_source: str = CEASEFIRE_SOURCE) -> Border:
        """The border and calendar from a loaded record (the ceasefire's time per ``ceasefire_source``)."""
        ceasefire = record.ceasefire_time(ceasefire_source)
        lead = "Russia"
        for event in record.mediation_events():
            if event.kind == "ceasefire":
                lead = event.mediator or lead
        return cls(
            sector_ids=record.sector_ids(),
            adjacency=record.adjacency(),
            flareup_losses=record.flareup_losses(),
            talks=scheduled_talks((e for e in record.mediation_events() if e.kind != "ceasefire"), ceasefire),
            lead_mediator=lead,
            ceasefire=ceasefire,
            regimes=regimes_since(record.regimes, ceasefire),
        )

    @classmethod
    def load(cls, record_dir: str | Path | None = None) -> Border:
        """Load and validate ``seeds/`` (raises :class:`sim.record.loader.RecordError` with a one-line message)."""
        return cls.from_record(load_record(record_dir or None))
