"""The border's whole public record on one clock, and what each rolling forecast origin knew.

Three records make one timeline: the history (``seeds/history/``, 10 Nov 2020 to 12 Sept 2022), the
calibration record (``seeds/events.yaml``: the 13-14 Sept 2022 flare-up, the ceasefire and the violations
to 28 Sept) and the validation record (``seeds/validation/events.yaml``, to 31 Dec 2022). Their incidents
become :class:`~sim.record.patterns.Episode` objects in hours since the ceasefire of 10 November 2020
(:attr:`Timeline.zero`), each side's own claims.

A :class:`Spell` is one spell of a ceasefire holding: from the 2020 ceasefire or a brokered truce (the
history's periods, :class:`sim.record.history.Period`) or from the ceasefire of 14 Sept 2022, to the
flare-up that broke it or the end of what the records cover. A forecast from an origin starts from the
spell the origin falls in, in the state the record implies there (:meth:`Timeline.start_at`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sim.model.border import DATE_ONLY_HOUR, Border, FireReceived, ScheduledTalk, fire_received
from sim.model.params import SIDES
from sim.record.history import History
from sim.record.loader import LOCAL_TZ, Event, Record
from sim.record.patterns import WINDOW_HOURS, Episode, episodes_from_events
from sim.record.schema import INCIDENT_KINDS

HOURS_PER_DAY = 24.0


@dataclass(frozen=True)
class Spell:
    """A spell of a ceasefire: from the ceasefire or truce ``opened_by`` (at ``start``) to ``end``."""

    start: datetime
    end: datetime
    opened_by: Event
    flareup_losses: dict[str, tuple[int, int]]  # side -> own (killed, wounded) in the flare-up it ended
    label: str

    @property
    def hours(self) -> float:
        """Its length, hours."""
        return _hours(self.end, self.start)


@dataclass(frozen=True)
class Start:
    """Where a forecast from an origin starts: its spell's border and calendar, and the model's origin."""

    spell: Spell
    border: Border  # ceasefire = the spell's start; talks held before the origin
    origin_hours: float  # the origin, hours after the spell's start
    fire: tuple[FireReceived, ...]  # fire each side says it took in the spell before the origin


@dataclass(frozen=True)
class Timeline:
    """Every record's events and incidents on one clock, the spells, and the border they share."""

    zero: datetime  # the ceasefire of 10 November 2020
    end: datetime  # local midnight ending the last day the records cover
    events: tuple[Event, ...]  # all three records, in time order (undated events left out)
    spells: tuple[Spell, ...]
    sector_ids: tuple[str, ...]
    adjacency: dict[str, tuple[str, ...]]
    episodes: tuple[Episode, ...] = field(default=())  # incidents, hours since ``zero``

    def hours(self, when: datetime) -> float:
        """``when`` in hours since :attr:`zero`."""
        return _hours(when, self.zero)

    def spell_at(self, when: datetime) -> Spell:
        """The spell in force at ``when``: the last one that started before it."""
        started = [s for s in self.spells if s.start < when]
        if not started:
            raise ValueError(f"{when} is before the record's first ceasefire")
        return started[-1]

    def start_at(self, origin: datetime) -> Start:
        """What a forecast from ``origin`` knows: the spell's ceasefire or truce, the flare-up it ended,
        the talks held and the fire received in the spell before the origin (nothing after it)."""
        spell = self.spell_at(origin)
        until = _hours(origin, spell.start)
        before = tuple(e for e in self.events if spell.start <= e.start < origin)
        border = self.border(spell, before)
        incidents = tuple(_as_violation(e) for e in before if e.kind in INCIDENT_KINDS)
        return Start(spell, border, until, fire_received(incidents, spell.start, self.sector_ids, until))

    def border(self, spell: Spell, events: tuple[Event, ...]) -> Border:
        """The model's border for ``spell``: the history's sectors, the spell's ceasefire or truce and its
        broker, the flare-up losses it ended, and the mediators' talks among ``events``."""
        talks = [
            ScheduledTalk(_hours(e.start, spell.start) + (DATE_ONLY_HOUR if e.time is None else 0.0), e.mediator, e.id)
            for e in events
            if e.kind == "mediation" and e.mediator and e.start >= spell.start
        ]
        return Border(
            sector_ids=self.sector_ids,
            adjacency=self.adjacency,
            flareup_losses=spell.flareup_losses,
            talks=tuple(sorted(talks, key=lambda t: t.hours)),
            lead_mediator=spell.opened_by.mediator or "Russia",
            ceasefire=spell.start,
        )

    def spell_events(self, spell: Spell) -> tuple[Event, ...]:
        """The events dated within ``spell``, the flare-up that closed it included (it starts at its end)."""
        return tuple(e for e in self.events if spell.start <= e.start <= spell.end)


def _as_violation(e: Event) -> Event:
    """An incident of any kind (advance, capture, flare-up) read as a violation, for the fire it put on
    each side's positions."""
    return e if e.kind == "violation" else e.model_copy(update={"kind": "violation"})


def _hours(when: datetime, since: datetime) -> float:
    return (when - since).total_seconds() / 3600.0


def _losses(episode: Episode) -> dict[str, tuple[int, int]]:
    return {s: (episode.killed.get(s, 0), episode.wounded.get(s, 0)) for s in SIDES}


def build_timeline(history: History, record: Record, validation: tuple[Event, ...], until: date) -> Timeline:
    """The timeline of the three records, to the end of local day ``until``.

    Spells: the history's periods (their last one ends on the eve of the September 2022 flare-up), then
    the calibration record's ceasefire to ``until``."""
    end = datetime.combine(until + timedelta(days=1), time(0), LOCAL_TZ)
    spells = []
    for i, p in enumerate(history.periods):
        ended = _losses(history.periods[i - 1].flareups[-1].episode) if i else {}
        spells.append(Spell(p.start, p.end, p.opened_by, ended, f"from {p.start.date()} ({p.opened_by.id})"))
    ceasefire = record.ceasefire()
    start = record.ceasefire_time()
    spells.append(Spell(start, end, ceasefire, record.flareup_losses(), f"from {start.date()} ({ceasefire.id})"))
    events = tuple(
        sorted((e for e in (*history.events, *record.events, *validation) if e.start is not None), key=_start_key)
    )
    sectors = history.sectors
    timeline = Timeline(
        zero=history.start,
        end=end,
        events=events,
        spells=tuple(spells),
        sector_ids=tuple(s.id for s in sectors),
        adjacency={s.id: tuple(s.adjacent) for s in sectors},
    )
    return dataclasses.replace(timeline, episodes=tuple(episodes_from_events(events, history.start, INCIDENT_KINDS)))


def _start_key(e: Event) -> datetime:
    return e.start


def calibration_end(record: Record) -> datetime:
    """The end of the calibration record's last day (28 Sept 2022): the last rolling origin."""
    return record.ceasefire_time() + timedelta(hours=WINDOW_HOURS)


def origins(last: datetime, step_days: int, first: date) -> list[datetime]:
    """Forecast origins ``step_days`` apart, back from ``last`` to no earlier than local day ``first``,
    in time order."""
    out, t = [], last
    earliest = datetime.combine(first, time(0), LOCAL_TZ)
    while t >= earliest:
        out.append(t)
        t -= timedelta(days=step_days)
    return out[::-1]
