"""The validation window: the weeks after the calibration record, and what the validation record says of them.

The window runs from the forecast origin (the end of 28 Sept 2022, local time: the calibration record's
last day) to the end of the last day of the validation record's period (31 Dec 2022). Week ``w`` covers
hours ``[edges[w], edges[w + 1])`` after the ceasefire; the last week may be shorter.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Sequence

import numpy as np

from sim.model.border import Border, ScheduledTalk
from sim.model.params import SIDES, ModelParams, ParameterError
from sim.record.loader import LOCAL_TZ, Event, RecordError
from sim.record.patterns import Episode, episodes_from_events, summary_statistics
from validation.scores import QUANTITIES

HOURS_PER_WEEK = 168.0


@dataclass(frozen=True)
class Window:
    """Forecast origin and end, in hours after the ceasefire, cut into weeks."""

    ceasefire: datetime
    origin_hours: float
    end_hours: float

    @property
    def edges(self) -> np.ndarray:
        """Week edges in hours after the ceasefire (the last week may be partial)."""
        edges = list(np.arange(self.origin_hours, self.end_hours, HOURS_PER_WEEK))
        return np.array([*edges, self.end_hours])

    @property
    def n_weeks(self) -> int:
        """Number of weeks in the window (the last may be partial)."""
        return len(self.edges) - 1

    @property
    def days(self) -> float:
        """Length of the window, days."""
        return (self.end_hours - self.origin_hours) / 24.0

    def week_starts(self) -> list[date]:
        """The local date each week starts on."""
        return [(self.ceasefire + timedelta(hours=float(h))).astimezone(LOCAL_TZ).date() for h in self.edges[:-1]]

    def weekly(self, episodes: Sequence[Episode]) -> dict[str, np.ndarray]:
        """Per-week counts of ``episodes`` (by their start): violations, those with casualties, and
        each side's own killed."""
        out = {q: np.zeros(self.n_weeks, dtype=np.int64) for q in QUANTITIES}
        for e in episodes:
            w = int(np.searchsorted(self.edges, e.start_hours, side="right")) - 1
            if not 0 <= w < self.n_weeks:
                continue
            out["violations"][w] += 1
            out["with_casualties"][w] += any(e.killed[s] + e.wounded[s] > 0 for s in SIDES)
            for side in SIDES:
                out[f"killed_{side}"][w] += e.killed[side]
        return out

    def returned_to_war_scale(self, episodes: Sequence[Episode], params: ModelParams) -> bool:
        """Whether the episodes in the window reach war scale (the collapse rule's killed in its window)."""
        c = params.collapse
        inside = [dataclasses.replace(e, start_hours=e.start_hours - self.origin_hours) for e in episodes]
        stats = summary_statistics(
            inside,
            window_hours=self.end_hours - self.origin_hours,
            war_scale_killed=c.killed_threshold,
            war_window_hours=c.window_hours,
        )
        return bool(stats["returned_to_war_scale"])


def window_for(border: Border, origin_hours: float, until: date) -> Window:
    """The window from ``origin_hours`` after the ceasefire to the end of local day ``until``."""
    end = datetime.combine(until + timedelta(days=1), time(0), LOCAL_TZ)
    end_hours = (end - border.ceasefire).total_seconds() / 3600.0
    if end_hours <= origin_hours + 24.0:
        raise ParameterError(
            f"validation.until={until} is not after the forecast origin; allowed: a date at "
            "least a day after the calibration record's last day"
        )
    return Window(border.ceasefire, origin_hours, end_hours)


def observed(events: Sequence[Event], window: Window) -> dict[str, np.ndarray]:
    """The validation record's weekly series (each side's own claims; not stated = 0)."""
    return window.weekly(episodes_from_events(events, window.ceasefire))


# -- the window's events as a scenario ------------------------------------------------------------


def with_window_events(
    params: ModelParams, border: Border, events: Sequence[Event], window: Window
) -> tuple[ModelParams, Border, list[str]]:
    """``params`` and ``border`` with the window's talks held on their dates and its monitoring
    mission deployed (its monitors as observer strength on every sector, between its dates).

    Returns the changed pair and one line per event entered, for the report. Events unknown on the
    forecast origin are what this scenario adds; the plain forecast leaves them out.
    """
    talks, entered = [], []
    for ev in events:
        hours = _hours(ev, window)
        if hours is None or not window.origin_hours <= hours < window.end_hours:
            continue
        if ev.kind == "mediation" and ev.mediator:
            talks.append(ScheduledTalk(hours, ev.mediator, ev.id))
            entered.append(f"{ev.start.date()}: talks ({ev.mediator}) - {ev.id}")
    missions = [
        ev
        for ev in events
        if ev.kind == "monitoring" and _hours(ev, window) is not None and _hours(ev, window) < window.end_hours
    ]
    if len(missions) > 1:
        raise RecordError(
            "validation",
            missions[1].id,
            "kind",
            f"the model holds one monitoring mission at a time; the file has {len(missions)} in the window",
        )
    if missions:
        params, line = _deploy(params, missions[0], window)
        entered.append(line)
    border = dataclasses.replace(border, talks=tuple(sorted((*border.talks, *talks), key=lambda t: t.hours)))
    return params, border, entered


def _deploy(params: ModelParams, mission: Event, window: Window) -> tuple[ModelParams, str]:
    start = _hours(mission, window)
    end = (mission.end - window.ceasefire).total_seconds() / 3600.0 if mission.end else -24.0
    observer = dataclasses.replace(
        params.observer,
        strength=float(mission.personnel),
        sectors=[],
        deploy_day=start / 24.0,
        withdraw_day=max(end, start) / 24.0 if end >= 0 else -1.0,
    )
    until = f" to {mission.end.date()}" if mission.end else ""
    return (
        dataclasses.replace(params, observer=observer),
        f"{mission.start.date()}{until}: {mission.personnel} monitors ({mission.mediator}) - {mission.id}",
    )


def _hours(ev: Event, window: Window) -> float | None:
    if ev.start is None:
        return None
    hours = (ev.start - window.ceasefire).total_seconds() / 3600.0
    return hours + 12.0 if ev.time is None and not ev.claims else hours  # a bare date: local noon
