"""The event engine: a Mesa model whose events run from a heap of its own.

Mesa's ``schedule_event`` creates an ``Event`` object and two weak references per event, and each write
of ``model.time`` goes through Mesa's observable; the model's own agents schedule through
:meth:`EventModel.schedule` instead (a plain list entry). Mesa's API keeps working on the same clock:
``schedule_event`` (it returns an :class:`EventHandle` that can be cancelled), ``schedule_recurring``
(Mesa's own list, merged in), ``run_until``, ``run_for``, ``step`` (one time unit) and ``run_model``
(steps while ``running``). Time never passes the model's :attr:`EventModel.end` (its horizon), where the
model stops running, so Mesa's controls (SolaraViz's Step and Play) drive it as they drive any model.

Events run in Mesa's order: time, priority, then the order they were scheduled. One more event may be
kept off the heap (:attr:`EventModel.retimed`): an event whose time changes after nearly every other
event, so that re-timing it costs no push and no cancellation.

This is the only module that touches Mesa's internals: ``_default_schedule``, ``_event_list._events``,
``_time`` and ``_advance_time`` (the loop Mesa's ``run_until``, ``run_for`` and ``step`` call).
"""

from __future__ import annotations

import heapq
import itertools
from typing import Callable, Protocol

import mesa
from mesa.time import Priority

NEVER = float("inf")
_DEFAULT_PRIORITY = Priority.DEFAULT.value


class Retimed(Protocol):
    """An event kept off the heap: it runs at ``at`` (``NEVER``: not at all) and sets ``at`` again."""

    at: float

    def run(self) -> None:
        """Run the event now."""


class _Nothing:
    """No retimed event."""

    at = NEVER

    def run(self) -> None:
        """Never called."""


class EventHandle:
    """What :meth:`EventModel.schedule_event` returns (Mesa's ``Event`` interface for the caller):
    ``cancel()`` it, read its ``time``."""

    __slots__ = ("_entry",)

    def __init__(self, entry: list):
        self._entry = entry

    @property
    def time(self) -> float:
        """When the event runs."""
        return self._entry[0]

    @property
    def CANCELED(self) -> bool:  # noqa: N802 (Mesa's name)
        """Whether it was cancelled."""
        return self._entry[3] is None

    def cancel(self) -> None:
        """Do not run it."""
        self._entry[3] = None


class EventModel(mesa.Model):
    """A Mesa model driven by events only: Mesa's default step every time unit is stopped (as Mesa's own
    DEVS simulator does), so cost grows with events, not with time x agents."""

    def __init__(self, rng, end: float = NEVER):
        super().__init__(rng=rng)
        self._default_schedule.stop()
        self.end = end  # the last time the model runs to: it stops running there
        self.now = 0.0  # = self.time, as a plain attribute for the hot path
        self.n_events = 0  # events run
        self.retimed: Retimed = _Nothing()
        self._queue: list[list] = []  # heap of [time, priority, order, callback or None (cancelled)]
        self._order = itertools.count()  # ties at the same time and priority run in scheduling order

    def schedule(self, callback: Callable[[], None], at: float) -> list:
        """Run ``callback`` at ``at``; return its entry (:meth:`cancel` it to call it off). The agents' own
        way to schedule: no ``Event`` object and no weak reference."""
        entry = [at, _DEFAULT_PRIORITY, next(self._order), callback]
        heapq.heappush(self._queue, entry)
        return entry

    @staticmethod
    def cancel(entry: list) -> None:
        """Call off a scheduled event (an entry from :meth:`schedule`)."""
        entry[3] = None

    def schedule_event(self, function, *, at=None, after=None, priority: Priority = Priority.DEFAULT) -> EventHandle:
        """Mesa's ``schedule_event`` (same arguments and checks), on this model's heap."""
        if (at is None) == (after is None):
            raise ValueError("Specify exactly one of 'at' or 'after'")
        time = at if at is not None else self.now + after
        if time < self.now:
            raise ValueError(f"Cannot schedule event in the past: {time} < {self.now}")
        entry = [time, priority.value, next(self._order), function]
        heapq.heappush(self._queue, entry)
        return EventHandle(entry)

    def _advance_time(self, until: float) -> None:
        """Run every event up to ``until`` (at most :attr:`end`) in order; then time is ``until``. Mesa's own
        list runs first at equal times, the heap before the retimed event."""
        until = min(until, self.end)
        queue, mesa_events, retimed = self._queue, self._event_list._events, self.retimed
        while True:
            if mesa_events and self._run_mesa_event(until):
                continue
            at = retimed.at
            if queue and queue[0][0] <= at:
                if queue[0][0] > until:
                    break
                entry = heapq.heappop(queue)
                callback = entry[3]
                if callback is not None:
                    self.now = entry[0]
                    if self.subscribers:  # as _set_time, written out
                        self.time = self.now
                    else:
                        self._time = self.now
                    callback()
                    self.n_events += 1
            elif at <= until:
                self._set_time(at)
                retimed.run()
                self.n_events += 1
            else:
                break
        if until > self.now:
            self._set_time(until)
        if self.now >= self.end:
            self.running = False

    def _run_mesa_event(self, until: float) -> bool:
        """Run the first event of Mesa's own list if it is due before anything else; whether it ran."""
        mesa_events, queue = self._event_list._events, self._queue
        while mesa_events and mesa_events[0].CANCELED:
            heapq.heappop(mesa_events)
        if not mesa_events:
            return False
        t = mesa_events[0].time
        if t > until or (queue and t > queue[0][0]) or t > self.retimed.at:
            return False
        event = heapq.heappop(mesa_events)
        self._set_time(t)
        event.execute()
        self.n_events += 1
        return True

    def _set_time(self, t: float) -> None:
        """Advance ``now`` and Mesa's ``time``. Mesa's observable only notifies subscribers: with none, its
        value is written directly, past its setter."""
        self.now = t
        if self.subscribers:
            self.time = t
        else:
            self._time = t
