"""The ceasefire model: set-up, the exchange of fire, and collapse; time in hours since the ceasefire.

Where the rest lives: the event loop in :mod:`sim.model.events`, unprovoked fire in
:mod:`sim.model.unprovoked`, the incident log and episodes in :mod:`sim.model.incidents`, the agents in
:mod:`sim.model.agents` (the sides) and :mod:`sim.model.third_parties`, the rules as pure functions in
:mod:`sim.model.rules`. Every draw comes from ``model.rng``, through ``model.draws``
(:class:`sim.model.draws.Draws`).
"""

from __future__ import annotations

import functools
from collections import deque

import numpy as np
from mesa.agent import AgentSet

from sim.model import rules
from sim.model.agents import BorderPosition, Command
from sim.model.border import Border, FireReceived, Regime
from sim.model.draws import Draws, poisson_table
from sim.model.events import EventModel
from sim.model.incidents import IncidentLog
from sim.model.params import SIDES, TOP_TIER, ModelParams
from sim.model.rules import HOURS_PER_DAY
from sim.model.third_parties import Mediator, ObserverMission, ThirdParties, ThirdParty
from sim.model.unprovoked import UnprovokedFire
from sim.record.patterns import Episode


class CeasefireModel(EventModel):
    """Border positions, their commands, peacekeepers and mediators from the ceasefire to collapse or the
    horizon.

    The groups are Mesa's ``AgentSet``: :attr:`commands` (Mesa's own set of :class:`Command` agents),
    :attr:`third_parties` and each side's positions (:meth:`positions_of`). :attr:`positions` stays a
    plain list, each position at its ``index``: unprovoked fire picks a position by index at every
    candidate, where an AgentSet (a weak-key mapping) has no index and iterates several times slower.
    """

    THIRD_PARTIES: tuple[type[ThirdParty], ...] = (Mediator, ObserverMission)
    """The kinds of third party, each creating its agents from the parameters (``from_params``) in this
    order. A new kind: add it at the end (docs/extending.md)."""

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
        """``start``: "ceasefire" (t = 0 is the ceasefire) or "war" (t = 0 is the outbreak of a flare-up:
        every position opens fire at the top tier, no talks are scheduled).

        ``origin_hours`` > 0 starts the forecast later, from the state the record implies then: ``history``
        (fire received before the origin) sets grievances and mediators' pressure, talks before the origin
        are held on their dates, and the model's own fire begins at the origin. The run lasts
        ``horizon_days`` from the origin, the model's :attr:`end`."""
        self.origin_hours, self.horizon_hours = float(origin_hours), float(origin_hours) + horizon_days * HOURS_PER_DAY
        super().__init__(rng, end=self.horizon_hours)
        self.params, self.border = params, border
        self.collapsed, self.collapse_hours, self.collapse_cause = False, None, ""  # cause: "spiral" or "offensive"
        self.log = IncidentLog()
        self.incidents, self.episodes = self.log.incidents, self.log.episodes  # each episode updated by its exchanges
        self.actions: list[tuple[float, str, str]] = []  # (hours, who, what)
        self._offensives: list[float] = []  # hours at which a command launched one
        self._window: deque[tuple[float, int]] = deque()  # (hours, killed) within the collapse window
        self._window_killed = 0  # their sum
        self._top_tier_at: dict[str, float] = {}  # sector -> last hour fire was at the top tier
        self.draws = Draws(self.rng)
        self._tabulate(params)
        self.positions = self._deploy_positions()
        self.parties = ThirdParties(self, [agent for kind in self.THIRD_PARTIES for agent in kind.from_params(self)])
        # what the agents read at every exchange, one lookup away
        self.sector_deterrence, self.sector_interposition = self.parties.deterrence, self.parties.interposition
        self.pressure, self.pressure_floor = self.parties.pressure, self.parties.pressure_floor
        self.commands = self._enlist_commands()
        self.unprovoked = self.retimed = UnprovokedFire(self, self.positions)
        self._start(start, history)

    # -- set-up -----------------------------------------------------------------------------------
    def _tabulate(self, params: ModelParams) -> None:
        """What the exchanges read, computed once by the rules: casualty tables and the spillover
        probability by tier (index = tier), the grievance half-life in hours, the parameter groups."""
        c = params.casualties
        mean_killed = [rules.mean_killed(t, c.killed_top_tier, c.tier_ratio) for t in range(TOP_TIER + 1)]
        self.killed_tables = [poisson_table(k) for k in mean_killed]
        self.wounded_tables = [poisson_table(k * c.wounded_per_killed) for k in mean_killed]
        spill = params.spillover.prob_top_tier
        self.spillover_by_tier = [rules.spillover_probability(t, spill) for t in range(TOP_TIER + 1)]
        self._window_hours, self._killed_threshold = params.collapse.window_hours, params.collapse.killed_threshold
        self.half_life_hours = params.grievance.half_life_days * HOURS_PER_DAY
        self.spillover_delay_mean_hours = params.spillover.delay_mean_hours
        self.grievance_params, self.violation_params = params.grievance, params.violations
        self.retaliation_params, self.escalation_params = params.retaliation, params.escalation

    def _enlist_commands(self) -> AgentSet:
        """One command per side, in the order of :data:`SIDES`: Mesa's own set of the model's commands."""
        self._commands_by_side = {side: Command(self, side) for side in SIDES}
        return self.agents_by_type[Command]

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

    def _start(self, start: str, history: tuple[FireReceived, ...]) -> None:
        """At war, every command attacks now; otherwise the record's events are scheduled and the model's
        own fire starts at the origin."""
        if start == "war":
            self.unprovoked.rebound()
            self.commands.do("launch_offensive", full_breadth=True)
            return
        self._schedule_record_events()
        self._remember(history)
        if self.origin_hours > 0.0:
            self.schedule(self.open_forecast, self.origin_hours)
        else:
            self.open_forecast()

    def _schedule_record_events(self) -> None:
        """The ceasefire's broker presses from hour 0; talks in the record are held on their dates."""
        by_name = {m.name: m for m in self.parties.parties if isinstance(m, Mediator)}
        for regime in self.border.regimes:
            if regime.hours <= 0.0:
                self.change_regime(regime)
            elif regime.hours < self.horizon_hours:
                self.schedule(functools.partial(self.change_regime, regime), regime.hours)
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
                for party in self.parties.parties:
                    party.recall_casualties(fire.hours)

    def change_regime(self, regime: Regime) -> None:
        """A regime of the record begins: each mediator takes its standing in it, the lead of truces is
        chosen again, and the pressure (which may fall) is read afresh."""
        mediators = [m for m in self.parties.parties if isinstance(m, Mediator)]
        for mediator in mediators:
            mediator.take_standing(regime)
        Mediator.choose_lead(mediators)
        self.rate_rose()

    def open_forecast(self) -> None:
        """The model's own fire starts: unprovoked fire and each command's deliberations."""
        self.unprovoked.rebound()
        self.commands.do("plan")

    def run(self) -> None:
        """Run from the origin to collapse or the horizon."""
        self.run_until(self.horizon_hours)

    # -- what the agents read and tell ----------------------------------------------------------------
    def deterrence(self, sector: str) -> float:
        """The third parties' combined deterrence of unprovoked fire in ``sector``."""
        return self.sector_deterrence[sector]

    def interposition(self, sector: str) -> float:
        """The third parties' combined interposition against answering fire in ``sector``."""
        return self.sector_interposition[sector]

    def border_deterrence(self) -> float:
        """Deterrence averaged over every sector of the border (0 where nobody deters)."""
        return self.parties.border_deterrence

    def verified(self, sector: str) -> bool:
        """Do the third parties watching ``sector`` establish who opened fire there (one draw, if watched)?"""
        return self.parties.verified(sector, self.draws)

    def command_of(self, side: str) -> Command:
        """This side's command."""
        return self._commands_by_side[side]

    def positions_of(self, side: str) -> AgentSet:
        """This side's positions, north to south (built when first asked for)."""
        return self._groups[side]

    @property
    def third_parties(self) -> AgentSet:
        """The mediators and observer missions, in creation order (built when first asked for)."""
        return self._groups["third_parties"]

    @functools.cached_property
    def _groups(self) -> dict[str, AgentSet]:
        """Each side's positions and the third parties as Mesa AgentSets. Built on demand: a run reads
        neither, and weak-key sets are costly to build (docs/performance.md)."""
        groups = {side: AgentSet((p for p in self.positions if p.side == side), random=self.random) for side in SIDES}
        groups["third_parties"] = AgentSet(self.parties.parties, random=self.random)
        return groups

    def rate_rose(self, position: BorderPosition | None = None) -> None:
        """The one call for anything that may raise a rate of unprovoked fire between exchanges:
        ``position``'s (a grievance that grows), or anyone's with None (pressure that falls, deterrence
        that goes). Re-reads the pressure floor, re-sets the bounds and re-times the next candidate
        (:mod:`sim.model.unprovoked`)."""
        if position is None:
            self.parties.pressure_changed()
        self.unprovoked.rebound(position)

    def coverage_changed(self) -> None:
        """A third party's per-sector effects changed (a contingent deployed or withdrew)."""
        self.parties.combine_coverage()
        self.rate_rose()

    def pressure_changed(self) -> None:
        """A third party pressed harder (``pressure_held`` rose): the floor is re-read when next needed.
        Pressure that falls early raises rates: call :meth:`rate_rose` instead."""
        self.parties.pressure_changed()

    def note_offensive(self) -> None:
        """A command launched an offensive now (the collapse it leads to is read as deliberate)."""
        self._offensives.append(self.now)

    def log_action(self, who: str, what: str) -> None:
        """Record what a third party or a command did, and when (the run's ``actions``)."""
        self.actions.append((self.now, who, what))

    # -- an exchange of fire ----------------------------------------------------------------------
    def exchange(self, firer: BorderPosition, tier: int, kind: str, answers: int) -> None:
        """``firer`` fires at its opponent at ``tier`` (``answers``: the exchange it answers, or -1)."""
        target = firer.opponent
        firer.tier = tier
        episode = self.episodes[self.incidents[answers].episode] if answers >= 0 else self._open_episode(firer, kind)
        killed, wounded = target.take_fire(tier)
        xid = self.log.add(self.now, episode, firer, kind, tier, killed, wounded, answers)
        # the window's total only rises with killed, and breadth only with fire at the top tier
        if (killed or tier == TOP_TIER) and self._collapses(firer.sector, tier, killed):
            return
        target.consider_retaliation(tier, xid, episode)
        firer.spill_over(tier, xid)
        if killed or wounded:
            for react in self.parties.on_casualties:
                react()
        if tier == TOP_TIER:
            self._top_tier_at[firer.sector] = self.now
            for react in self.parties.on_top_tier:
                react()
        self.unprovoked.rebound(target)  # its grievance rose

    def _open_episode(self, initiator: BorderPosition, kind: str) -> Episode:
        """A new episode: is it verified, and does the initiator deny (one draw each)?"""
        verified = self.parties.verified(initiator.sector, self.draws)
        denies = self.draws.uniform() < self.params.reporting.deny_prob
        blamed: dict[str, str | None] = rules.claims(initiator.side, initiator.opponent.side, verified, denies)
        if not blamed[initiator.side]:
            blamed[initiator.side] = None  # no claim
        return self.log.open_episode(self.now, initiator, kind, verified, blamed)

    # -- collapse -----------------------------------------------------------------------------------
    def _collapses(self, sector: str, tier: int, killed: int) -> bool:
        """Add ``killed`` to the collapse window; whether the collapse rule fires now."""
        now = self.now
        window = self._window
        window.append((now, killed))
        self._window_killed += killed
        start = now - self._window_hours
        while window[0][0] <= start:  # never empty: this exchange is in it
            self._window_killed -= window.popleft()[1]
        if self._window_killed < self._killed_threshold:
            return False
        c = self.params.collapse
        if tier == TOP_TIER:
            self._top_tier_at[sector] = now
        top_sectors = sum(1 for t in self._top_tier_at.values() if t > start)
        if not rules.collapse_fires(c.rule, self._window_killed, c.killed_threshold, top_sectors, c.top_tier_sectors):
            return False
        self.collapsed, self.collapse_hours, self.running = True, now, False
        self.collapse_cause = "offensive" if any(t > start for t in self._offensives) else "spiral"
        self.log_action("ceasefire", "collapse")
        self.unprovoked.stop()
        return True
