"""The ceasefire model: an event-driven Mesa model, time in hours since the ceasefire.

Cost grows with the number of events, not with hours x agents, nor with the number of sectors: Mesa's
per-step schedule is stopped and everything happens through the event list. Unprovoked fire is one
superposed Poisson process over all positions, sampled by thinning: each position's bound (its rate with
today's grievance and no pressure) sits in a :class:`sim.model.rates.RateTree`, so an exchange updates
one bound and draws a position in O(sqrt n); the draw is lowered by the mediation pressure the third
parties guarantee until some hour (:meth:`CeasefireModel.pressure_floor`), and a rejected candidate
tightens only its own position's bound. All randomness comes from ``self.rng``: the event loop's draws
through ``self.draws`` (:class:`sim.model.draws.Draws`, uniforms from it in blocks).

The event list is the model's own (a heap of ``[time, priority, order, callback]``), not Mesa's: Mesa's
``schedule_event`` creates an ``Event`` object and two weak references per event, and each read of
``model.time`` goes through Mesa's observable; together they were about half of a run's cost
(docs/performance.md). Events run in Mesa's order (time, priority, then the order they were
scheduled), ``model.time`` advances with every event, and Mesa's API keeps working:
``schedule_event`` (it returns an :class:`EventHandle` that can be cancelled), ``schedule_recurring``,
``run_until``, ``run_for`` and ``step`` (one hour) all go through :meth:`CeasefireModel._advance_time`.
"""

from __future__ import annotations

import functools
import heapq
import itertools
from collections import Counter, deque
from typing import Callable, NamedTuple

import mesa
import numpy as np
from mesa.time import Priority

from sim.model import rules
from sim.model.agents import BorderPosition, Command, Mediator, ObserverMission, ThirdParty
from sim.model.border import Border, FireReceived
from sim.model.draws import Draws, poisson_table
from sim.model.params import SIDES, TOP_TIER, ModelParams
from sim.model.rates import RateTree
from sim.model.rules import HOURS_PER_DAY
from sim.record.patterns import Episode


class Incident(NamedTuple):
    """One exchange of fire: a row of incidents.csv (its columns are these fields, in this order)."""

    id: int
    time_hours: float
    sector: str
    initiator: str  # the side that fired
    target: str  # the side fired upon (it takes the casualties)
    kind: str  # "unprovoked", "retaliation", "spillover" or "offensive"
    tier: int
    killed_ARM: int
    killed_AZE: int
    wounded_ARM: int
    wounded_AZE: int
    retaliation_of: int  # the exchange this one answers (-1: it opened an episode)
    episode: int  # its episode's id
    claim_ARM: str  # whom ARM says fired first in the episode ("" = no claim)
    claim_AZE: str
    verified: bool  # a peacekeeper established who fired first


INCIDENT_FIELDS = Incident._fields
_new_incident = (
    tuple.__new__
)  # Incident(...) without the keyword handling of NamedTuple.__new__ (the event loop's cost)
_NONE_YET = dict.fromkeys(SIDES, 0)  # an episode's losses when it opens (copied)
_NOT_YET = dict.fromkeys(SIDES, False)  # nor has either side answered yet


_DEFAULT_PRIORITY = Priority.DEFAULT.value
_NEVER = float("inf")


class EventHandle:
    """What :meth:`CeasefireModel.schedule_event` returns (Mesa's ``Event`` interface for the caller):
    ``cancel()`` it, read its ``time``."""

    __slots__ = ("_entry",)

    def __init__(self, entry: list):
        self._entry = entry

    @property
    def time(self) -> float:
        """When the event runs (hours)."""
        return self._entry[0]

    @property
    def CANCELED(self) -> bool:  # noqa: N802 (Mesa's name)
        """Whether it was cancelled."""
        return self._entry[3] is None

    def cancel(self) -> None:
        """Do not run it."""
        self._entry[3] = None


@functools.cache
def _defined_hooks(cls: type) -> frozenset[str]:
    """The hooks this kind of third party defines (rather than inherits ThirdParty's neutral ones)."""
    return frozenset(
        h
        for h in (
            "deterrence",
            "interposition",
            "verification",
            "pressure_lever",
            "pressure_held",
            "on_casualties",
            "on_top_tier",
        )
        if getattr(cls, h) is not getattr(ThirdParty, h)
    )


class CeasefireModel(mesa.Model):
    """Border positions, peacekeepers and mediators from the ceasefire to collapse or the horizon."""

    THIRD_PARTIES: tuple[type[ThirdParty], ...] = (Mediator, ObserverMission)
    """The kinds of third party, each creating its agents from the parameters (``from_params``) in this
    order; the model combines their hooks (:class:`sim.model.agents.ThirdParty`). A new kind: add it here."""

    def __init__(
        self,
        params: ModelParams,
        border: Border,
        horizon_days: float,
        rng: np.random.Generator,
        start: str = "ceasefire",
        origin_hours: float = 0.0,
        history: tuple[FireReceived, ...] = (),
    ):
        """``start``: "ceasefire" (t = 0 is the ceasefire; the default) or "war" (t = 0 is the outbreak
        of a flare-up: every position opens fire at the top tier, no ceasefire and no scheduled talks).

        ``origin_hours`` > 0 starts the forecast later than the ceasefire, from the state the record
        implies then: ``history`` (fire received before the origin, from the record) sets grievances
        and mediators' pressure, talks before the origin are held on their dates, and the model's own
        fire begins at the origin. The run lasts ``horizon_days`` from the origin."""
        super().__init__(rng=rng)
        # Event-driven: stop Mesa's default step every 1.0 time units (as Mesa's own DEVS simulator does).
        self._default_schedule.stop()
        self.now = 0.0  # = self.time, as a plain attribute for the hot path (see _advance_time)
        self._queue: list[list] = []  # the event list: heap of [time, priority, order, callback or None]
        self._order = itertools.count()  # ties at the same time and priority run in scheduling order
        self.params = params
        self.border = border
        self.origin_hours = float(origin_hours)
        self.horizon_hours = self.origin_hours + horizon_days * HOURS_PER_DAY
        self.collapsed = False
        self.collapse_hours: float | None = None
        self.collapse_cause = ""  # "spiral" or "offensive" once collapsed
        self._offensives: list[float] = []  # hours at which a command launched one
        self.incidents: list[Incident] = []
        self.episodes: list[Episode] = []  # each updated by the exchanges that belong to it
        self.actions: list[tuple[float, str, str]] = []  # (hours, who, what)
        self.n_events = 0  # events run (exchanges, candidates of unprovoked fire, third parties' and commands' acts)

        self._window: deque[tuple[float, int]] = deque()  # (hours, killed) within the collapse window
        self._window_killed = 0
        self._top_tier_at: dict[str, float] = {}  # sector -> last hour fire was at the top tier
        self._pressure_at, self._pressure = -1.0, 0.0  # the pressure at that time
        self._next_opening = _NEVER  # hours: the next candidate of unprovoked fire (kept off the event list)
        self._bounds: RateTree  # each position's bound of unprovoked fire (1/hour, before pressure)
        self._floor, self._retime = 0.0, False  # the pressure the next candidate assumed; only a re-timing?
        self._floor_held = (0.0, -1.0)  # pressure_floor(): (floor, until); recomputed when read
        self.draws = Draws(rng)  # the hot path's draws: uniforms from rng in blocks (sim/model/draws.py)
        self._hazard = self.draws.exponential(1.0)  # see _retime_opening
        self._hazard_rate, self._hazard_since = 0.0, 0.0
        self._tabulate(params)

        self.positions = self._deploy_positions()
        self._bounds = RateTree(len(self.positions))
        self.third_parties = self._deploy_third_parties()
        self.commands = [Command(self, side) for side in SIDES]
        if start == "war":
            self.reschedule_openings()
            for command in self.commands:
                command.launch_offensive()
            return
        self._schedule_record_events()
        self._remember(history)
        if self.origin_hours > 0.0:
            self.schedule(self.open_forecast, self.origin_hours)
        else:
            self.open_forecast()

    # -- set-up -----------------------------------------------------------------------------------
    def _tabulate(self, params: ModelParams) -> None:
        """What the event loop reads for every exchange, computed once by the rules: expected killed and
        wounded and the spillover probability by tier (index = tier), the grievance half-life in hours."""
        c = params.casualties
        mean_killed = [rules.mean_killed(t, c.killed_top_tier, c.tier_ratio) for t in range(TOP_TIER + 1)]
        self._killed_tables = [poisson_table(k) for k in mean_killed]
        self._wounded_tables = [poisson_table(k * c.wounded_per_killed) for k in mean_killed]
        self._spillover = [rules.spillover_probability(t, params.spillover.prob_top_tier) for t in range(TOP_TIER + 1)]
        self._fatigue = params.retaliation.episode_fatigue
        self._window_hours, self._killed_threshold = params.collapse.window_hours, params.collapse.killed_threshold
        self.half_life_hours = params.grievance.half_life_days * HOURS_PER_DAY
        self.spillover_delay_mean_hours = params.spillover.delay_mean_hours
        # the parameter groups the agents read at every exchange, one attribute lookup away
        self.grievance_params, self.violation_params = params.grievance, params.violations
        self.retaliation_params, self.escalation_params = params.retaliation, params.escalation

    def _deploy_positions(self) -> list[BorderPosition]:
        """One position per side per sector, carrying part of the flare-up's losses as grievance."""
        g = self.params.grievance
        n = len(self.border.sector_ids)
        initial = {
            side: g.flareup_weight * (g.per_killed * k + g.per_wounded * w) / n
            for side, (k, w) in self.border.flareup_losses.items()
        }
        positions, by_key = [], {}
        for sector in self.border.sector_ids:
            for side in SIDES:
                p = BorderPosition(self, side, sector, initial.get(side, 0.0))
                p.index = len(positions)
                by_key[sector, side] = p
                positions.append(p)
        for (sector, side), p in by_key.items():
            p.opponent = by_key[sector, SIDES[1 - SIDES.index(side)]]
            p.neighbours = tuple(by_key[other, side] for other in self.border.adjacency[sector])
        self._by_key = by_key
        return positions

    def _deploy_third_parties(self) -> list[ThirdParty]:
        """Every kind of :attr:`THIRD_PARTIES` creates its agents (in this order); the hooks the event loop
        calls are collected once, only from the parties whose class defines them, and the per-sector
        effects are combined. (``self.agents.select(agent_type=ThirdParty)`` is the same as a Mesa AgentSet.)"""
        parties = [agent for kind in self.THIRD_PARTIES for agent in kind.from_params(self)]
        self._levers, self._held, self._on_casualties, self._on_top_tier, self._coverers = [], [], [], [], []
        for party in parties:
            defined = _defined_hooks(type(party))
            if "pressure_held" in defined:
                self._held.append(party.pressure_held)
            elif "pressure_lever" in defined:
                self._levers.append(party.pressure_lever)
            if "on_casualties" in defined:
                self._on_casualties.append(party.on_casualties)
            if "on_top_tier" in defined:
                self._on_top_tier.append(party.on_top_tier)
            if not defined.isdisjoint(("deterrence", "interposition", "verification")):
                self._coverers.append(party)
        self._combine_coverage()
        return parties

    def _schedule_record_events(self) -> None:
        """The ceasefire's broker presses from hour 0; talks in the record are held on their dates."""
        by_name = {m.name: m for m in self.third_parties if isinstance(m, Mediator)}
        lead = by_name.get(self.border.lead_mediator)
        if lead is not None:
            lead.press("ceasefire")
        for talk in self.border.talks:
            mediator = by_name.get(talk.mediator)
            if mediator is not None and 0.0 <= talk.hours < self.horizon_hours:
                self.schedule(mediator.hold_talks, talk.hours)

    def _remember(self, history: tuple[FireReceived, ...]) -> None:
        """Grievances and mediators' reactions from fire received before the origin (the record)."""
        for fire in sorted(history, key=lambda f: f.hours):
            self._by_key[fire.sector, fire.side].remember(fire.killed, fire.wounded, fire.hours)
            if fire.killed + fire.wounded > 0:
                for party in self.third_parties:
                    party.recall_casualties(fire.hours)

    def open_forecast(self) -> None:
        """The model's own fire starts: unprovoked openings and each command's deliberations."""
        self.reschedule_openings()
        for command in self.commands:
            command.plan()

    # -- the event list ---------------------------------------------------------------------------
    def schedule(self, callback: Callable[[], None], at: float) -> list:
        """Run ``callback`` at ``at`` hours; return its entry (``cancel`` it to call it off). The agents'
        own scheduling: no ``Event`` object and no weak reference (the hot path)."""
        entry = [at, _DEFAULT_PRIORITY, next(self._order), callback]
        heapq.heappush(self._queue, entry)
        return entry

    @staticmethod
    def cancel(entry: list) -> None:
        """Call off a scheduled event (an entry from :meth:`schedule`)."""
        entry[3] = None

    def schedule_event(self, function, *, at=None, after=None, priority: Priority = Priority.DEFAULT) -> EventHandle:
        """Mesa's ``schedule_event`` (same arguments and checks), on this model's event list."""
        if (at is None) == (after is None):
            raise ValueError("Specify exactly one of 'at' or 'after'")
        time = at if at is not None else self.now + after
        if time < self.now:
            raise ValueError(f"Cannot schedule event in the past: {time} < {self.now}")
        entry = [time, priority.value, next(self._order), function]
        heapq.heappush(self._queue, entry)
        return EventHandle(entry)

    def _advance_time(self, until: float) -> None:
        """Run every event up to ``until`` hours in order; then time is ``until``. Overrides Mesa's loop,
        which ``run_until``, ``run_for`` and ``step`` call: it also runs the events of Mesa's own list
        (``schedule_recurring``), before this model's at equal times."""
        queue, mesa_events = self._queue, self._event_list._events  # Mesa's heap: recurring schedules only
        while True:
            while mesa_events and mesa_events[0].CANCELED:
                heapq.heappop(mesa_events)
            if (
                mesa_events
                and mesa_events[0].time <= until
                and (not queue or mesa_events[0].time <= queue[0][0])
                and mesa_events[0].time <= self._next_opening
            ):
                event = heapq.heappop(mesa_events)
                self._set_time(event.time)
                event.execute()
                self.n_events += 1
                continue
            opening = self._next_opening
            if queue and queue[0][0] <= opening:
                if queue[0][0] > until:
                    break
                entry = heapq.heappop(queue)
                callback = entry[3]
                if callback is not None:  # None: cancelled
                    self.now = entry[0]
                    if self.subscribers:  # see _set_time
                        self.time = self.now
                    else:
                        self._time = self.now
                    callback()
                    self.n_events += 1
            elif opening <= until:
                self._next_opening = _NEVER
                self._set_time(opening)
                self._opening_candidate()
                self.n_events += 1
            else:
                break
        if until > self.now:
            self._set_time(until)

    def _set_time(self, hours: float) -> None:
        """Advance ``now`` and Mesa's ``time``. Mesa's observable only notifies subscribers; with none,
        its value is written directly (its setter costs 0.5 µs per event)."""
        self.now = hours
        if self.subscribers:
            self.time = hours
        else:
            self._time = hours

    # -- state the agents read -------------------------------------------------------------------
    def pressure(self) -> float:
        """Combined mediation pressure now, in [0, 1]: :func:`sim.model.rules.mediation_pressure` of the
        levers pressing now. The levers of parties that say how long they hold (``pressure_held``) come
        from :meth:`pressure_floor`, kept until one lapses or a party presses; any other party's
        ``pressure_lever`` is read once per model time."""
        floor = self.pressure_floor()[0]
        if not self._levers:
            return floor
        if self._pressure_at != self.now:
            remaining = 1.0 - floor
            for lever in self._levers:
                x = lever()
                if x > 0.0:
                    remaining *= 1.0 - min(x, 1.0)
            self._pressure, self._pressure_at = 1.0 - remaining, self.now
        return self._pressure

    def deterrence(self, sector: str) -> float:
        """The third parties' combined deterrence of unprovoked fire in ``sector``."""
        return self.sector_deterrence[sector]

    def interposition(self, sector: str) -> float:
        """The third parties' combined interposition against answering fire in ``sector``."""
        return self.sector_interposition[sector]

    def border_deterrence(self) -> float:
        """Deterrence averaged over every sector of the border (0 where nobody deters)."""
        return self._border_deterrence

    def verified(self, sector: str) -> bool:
        """Do the third parties watching ``sector`` establish who opened fire there? One draw, and only
        where someone watches."""
        v = self._verification.get(sector)
        return v is not None and self.draws.uniform() < v

    def coverage_changed(self) -> None:
        """A third party's per-sector effects changed (a contingent deployed or withdrew): combine them
        again and redraw the next unprovoked fire."""
        self._combine_coverage()
        self.reschedule_openings()

    def _combine_coverage(self) -> None:
        """Per sector, every party's deterrence, interposition and verification combined as independent
        chances (:func:`sim.model.rules.either`, folded from 0: one contingent's own value exactly);
        cached until :meth:`coverage_changed`."""
        sectors, parties = self.border.sector_ids, self._coverers
        self.sector_deterrence, self.sector_interposition, self._verification = {}, {}, {}
        if not parties:
            self.sector_deterrence = dict.fromkeys(sectors, 0.0)
            self.sector_interposition = dict.fromkeys(sectors, 0.0)
            self._border_deterrence = 0.0
            return
        for sector in sectors:
            d = i = 0.0
            v = None
            for party in parties:
                d = rules.either(d, party.deterrence(sector))
                i = rules.either(i, party.interposition(sector))
                x = party.verification(sector)
                if x is not None:
                    v = x if v is None else rules.either(v, x)
            self.sector_deterrence[sector], self.sector_interposition[sector] = d, i
            if v is not None:
                self._verification[sector] = v
        # the mean over sectors, summed level by level: one contingent on k of n sectors gives d * k / n exactly
        levels = Counter(self.sector_deterrence.values())
        self._border_deterrence = sum(level * k for level, k in levels.items()) / len(sectors)

    def positions_of(self, side: str) -> list[BorderPosition]:
        """This side's positions, north to south."""
        return [p for p in self.positions if p.side == side]

    def note_offensive(self) -> None:
        """A command launched an offensive now (the collapse it leads to is read as deliberate)."""
        self._offensives.append(self.now)

    def log_action(self, who: str, what: str) -> None:
        """Record what a third party or a command did, and when (the run's ``actions``)."""
        self.actions.append((self.now, who, what))

    # -- unprovoked fire (thinning) ---------------------------------------------------------------
    def reschedule_openings(self, changed: BorderPosition | None = None) -> None:
        """Update the bounds of the positions' rates of unprovoked fire and redraw the next candidate.

        ``changed``: the one position whose grievance just rose (only its bound is recomputed, O(log n);
        the others' stay valid because grievance only decays between exchanges). None: recompute all
        (at the start and when a contingent deploys or withdraws).
        """
        if changed is None:
            self._bounds.fill(p.opening_rate_bound() for p in self.positions)
        else:
            self._bounds.set(changed.index, changed.opening_rate_bound())
        self._retime_opening()

    def _retime_opening(self) -> None:
        """When the next candidate of unprovoked fire comes, after a change of its rate (the sum of the
        bounds, lowered by the pressure that holds until ``until`` at least: Lewis-Shedler thinning).

        The candidates form a Poisson process run on its own clock (the modified next-reaction method,
        Anderson 2007): ``_hazard`` is the Exp(1) amount of integrated rate left before the next one; a
        change of rate uses up what has passed and re-times the rest, without a new draw. Past ``until``
        the pressure may fall: the candidate waits there and is re-timed from the rate then."""
        now = self.now
        self._hazard -= self._hazard_rate * (now - self._hazard_since)
        self._next_opening = _NEVER
        if self.collapsed or now < self.origin_hours:  # no fire of the model's own before the origin
            self._hazard_rate = 0.0
            return
        floor, until = self.pressure_floor()
        rate = self._bounds.total * (1.0 - floor)
        self._hazard_rate, self._hazard_since, self._floor = rate, now, floor
        at = now + self._hazard / rate if rate > 0.0 else _NEVER
        self._retime = at >= until
        if self._retime:
            at = until
        if at < self.horizon_hours:
            self._next_opening = at

    def pressure_floor(self) -> tuple[float, float]:
        """(pressure that holds from now until ``until`` at least, ``until``): the levers the third parties
        guarantee (``ThirdParty.pressure_held``) combined like :func:`sim.model.rules.mediation_pressure`.
        Kept until ``until`` or until a party reports more pressure (:meth:`pressure_changed`)."""
        floor, until = self._floor_held
        if self.now < until:
            return floor, until
        remaining, until = 1.0, _NEVER
        for held in self._held:
            lever, lasts = held()
            if lever > 0.0:
                remaining *= 1.0 - min(lever, 1.0)
                until = min(until, lasts)
        self._floor_held = (1.0 - remaining, until)
        return self._floor_held

    def pressure_changed(self) -> None:
        """A third party pressed harder: :meth:`pressure_floor` is recomputed when next read."""
        self._floor_held = (0.0, -1.0)

    def _opening_candidate(self) -> None:
        if self._retime:  # the pressure the rate relied on may lapse now
            self._retime_opening()
            return
        draws, bounds = self.draws, self._bounds
        self._hazard, self._hazard_since = draws.exponential(1.0), self.now  # the next one's, from now
        i, offset = bounds.find(draws.uniform() * bounds.total)
        bound = bounds.rate(i) if i < bounds.n else 0.0  # n: past the last position (rounding)
        if bound <= 0.0:
            self._retime_opening()
            return
        # thinning: accept with probability rate / (bound x (1 - floor)); offset / bound is the uniform draw
        # (it is uniform given the position), and given acceptance what is left of it is uniform again
        position = self.positions[i]
        rate, scaled = position.opening_rate(), offset * (1.0 - self._floor)
        if scaled < rate:
            position.open_fire(draw=scaled / rate)  # exchange() re-times the next candidate
        else:
            self.reschedule_openings(position)  # rejected: tighten its bound to its grievance now

    # -- an exchange of fire ----------------------------------------------------------------------
    def exchange(self, firer: BorderPosition, tier: int, kind: str, answers: int) -> None:
        """``firer`` fires at its opponent at ``tier``; casualties, reports, answers and reactions follow."""
        draws, incidents = self.draws, self.incidents
        target = firer.opponent
        xid = len(incidents)
        episode = self.episodes[incidents[answers].episode] if answers >= 0 else self._open_episode(firer, kind)
        episode.exchanges += 1

        killed = draws.poisson(self._killed_tables[tier])
        wounded = draws.poisson(self._wounded_tables[tier])
        target.suffer(killed, wounded)
        firer.tier = tier
        if killed:
            episode.killed[target.side] += killed
        if wounded:
            episode.wounded[target.side] += wounded
        if tier > episode.max_tier:
            episode.max_tier = tier
        if kind == "retaliation":
            episode.retaliated[firer.side] = True
        arm_hit = target.side == "ARM"
        blamed = episode.blamed
        incidents.append(
            _new_incident(
                Incident,
                (
                    xid,
                    self.now,
                    firer.sector,
                    firer.side,
                    target.side,
                    kind,
                    tier,
                    killed if arm_hit else 0,
                    0 if arm_hit else killed,
                    wounded if arm_hit else 0,
                    0 if arm_hit else wounded,
                    answers,
                    episode.id,
                    blamed["ARM"] or "",
                    blamed["AZE"] or "",
                    episode.verified,
                ),
            )
        )

        # the window's total only rises with killed, and breadth only with fire at the top tier
        if (
            (killed or tier == TOP_TIER)
            and self._window_total(killed) >= self._killed_threshold
            and self._check_collapse(firer.sector, tier)
        ):
            return
        if tier == TOP_TIER:
            self._top_tier_at[firer.sector] = self.now
        fatigue = 1.0 if episode.kind == "offensive" else rules.episode_fatigue_factor(self._fatigue, episode.exchanges)
        target.consider_retaliation(tier, xid, fatigue)
        self._spill_over(firer, tier, xid)
        if killed or wounded:
            for react in self._on_casualties:
                react()
        if tier == TOP_TIER:
            for react in self._on_top_tier:
                react()
        self.reschedule_openings(target)

    def _open_episode(self, initiator: BorderPosition, kind: str) -> Episode:
        verified = self.verified(initiator.sector)
        denies = self.draws.uniform() < self.params.reporting.deny_prob
        blamed: dict[str, str | None] = rules.claims(initiator.side, initiator.opponent.side, verified, denies)
        if not blamed[initiator.side]:
            blamed[initiator.side] = None  # no claim
        episode = Episode(
            self.now,
            _NONE_YET.copy(),
            _NONE_YET.copy(),
            0,
            blamed,
            _NOT_YET.copy(),
            len(self.episodes),
            initiator.sector,
            initiator.side,
            verified,
            "offensive" if kind == "offensive" else "unprovoked",
        )
        self.episodes.append(episode)
        return episode

    def _spill_over(self, firer: BorderPosition, tier: int, xid: int) -> None:
        prob = self._spillover[tier]
        if prob <= 0.0:
            return
        neighbours, uniform = firer.neighbours, self.draws.uniform
        i = rules.failures_before_success(prob, uniform())  # the first neighbour to join: one draw per join
        while i < len(neighbours):
            neighbours[i].join_fight(tier, xid)
            i += 1 + rules.failures_before_success(prob, uniform())

    def _window_total(self, killed: int) -> int:
        """Add this exchange's killed to the collapse window, drop what fell out of it; the window's total."""
        now = self.now
        window = self._window
        window.append((now, killed))
        self._window_killed += killed
        start = now - self._window_hours
        while window[0][0] <= start:  # never empty: this exchange is in it
            self._window_killed -= window.popleft()[1]
        return self._window_killed

    def _check_collapse(self, sector: str, tier: int) -> bool:
        """War-scale losses in the window: does the collapse rule fire (it may ask for breadth too)?"""
        c = self.params.collapse
        now = self.now
        start = now - c.window_hours
        if tier == TOP_TIER:
            self._top_tier_at[sector] = now
        top_sectors = sum(1 for t in self._top_tier_at.values() if t > start)
        if rules.collapse_fires(c.rule, self._window_killed, c.killed_threshold, top_sectors, c.top_tier_sectors):
            self.collapsed = True
            self.collapse_hours = now
            self.collapse_cause = "offensive" if any(t > start for t in self._offensives) else "spiral"
            self.running = False
            self.log_action("ceasefire", "collapse")
            self._next_opening = _NEVER
            return True
        return False

    # -- running ----------------------------------------------------------------------------------
    def run(self) -> None:
        """Run from the ceasefire to collapse or the horizon."""
        self.run_until(self.horizon_hours)
