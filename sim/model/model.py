"""The ceasefire model: an event-driven Mesa model, time in hours since the ceasefire.

Cost grows with the number of events, not with hours x agents: Mesa's per-step schedule is
stopped and everything happens through ``schedule_event``. Unprovoked fire is one superposed
Poisson process over all positions, sampled by thinning (its bound is recomputed whenever a
grievance or a contingent changes). All randomness comes from ``self.rng``.
"""

from __future__ import annotations

import functools
from collections import Counter, deque
from typing import NamedTuple

import mesa
import numpy as np

from sim.model import rules
from sim.model.agents import BorderPosition, Command, Mediator, ObserverMission, ThirdParty
from sim.model.border import Border, FireReceived
from sim.model.params import SIDES, TOP_TIER, ModelParams
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


@functools.cache
def _defined_hooks(cls: type) -> frozenset[str]:
    """The hooks this kind of third party defines (rather than inherits ThirdParty's neutral ones)."""
    return frozenset(
        h
        for h in ("deterrence", "interposition", "verification", "pressure_lever", "on_casualties", "on_top_tier")
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
        self.n_scheduled = 0  # events put on Mesa's event list

        self._window: deque[tuple[float, int]] = deque()  # (hours, killed) within the collapse window
        self._window_killed = 0
        self._top_tier_at: dict[str, float] = {}  # sector -> last hour fire was at the top tier
        self._pressure_cache: tuple[float, float] = (-1.0, 0.0)
        self._opening = None
        self._bounds: list[float] = []

        self.positions = self._deploy_positions()
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
            self.schedule_event(self.open_forecast, at=self.origin_hours)
        else:
            self.open_forecast()

    # -- set-up -----------------------------------------------------------------------------------
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
        self._by_key = by_key
        return positions

    def _deploy_third_parties(self) -> list[ThirdParty]:
        """Every kind of :attr:`THIRD_PARTIES` creates its agents (in this order); the hooks the event loop
        calls are collected once, only from the parties whose class defines them, and the per-sector
        effects are combined. (``self.agents.select(agent_type=ThirdParty)`` is the same as a Mesa AgentSet.)"""
        parties = [agent for kind in self.THIRD_PARTIES for agent in kind.from_params(self)]
        self._levers, self._on_casualties, self._on_top_tier, self._coverers = [], [], [], []
        for party in parties:
            defined = _defined_hooks(type(party))
            if "pressure_lever" in defined:
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
                self.schedule_event(mediator.hold_talks, at=talk.hours)

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

    def schedule_event(self, function, *, at=None, after=None, **kwargs):
        """Mesa's ``schedule_event``, counted (the engine's cost is per scheduled event)."""
        self.n_scheduled += 1
        return super().schedule_event(function, at=at, after=after, **kwargs)

    # -- state the agents read -------------------------------------------------------------------
    def pressure(self) -> float:
        """Combined mediation pressure now, in [0, 1]."""
        t, value = self._pressure_cache
        if t != self.time:
            value = rules.mediation_pressure([x for lever in self._levers if (x := lever()) > 0.0])
            self._pressure_cache = (self.time, value)
        return value

    def deterrence(self, sector: str) -> float:
        """The third parties' combined deterrence of unprovoked fire in ``sector``."""
        return self._deterrence[sector]

    def interposition(self, sector: str) -> float:
        """The third parties' combined interposition against answering fire in ``sector``."""
        return self._interposition[sector]

    def border_deterrence(self) -> float:
        """Deterrence averaged over every sector of the border (0 where nobody deters)."""
        return self._border_deterrence

    def verified(self, sector: str) -> bool:
        """Do the third parties watching ``sector`` establish who opened fire there? One draw, and only
        where someone watches."""
        v = self._verification.get(sector)
        return v is not None and self.rng.random() < v

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
        self._deterrence, self._interposition, self._verification = {}, {}, {}
        if not parties:
            self._deterrence = dict.fromkeys(sectors, 0.0)
            self._interposition = dict.fromkeys(sectors, 0.0)
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
            self._deterrence[sector], self._interposition[sector] = d, i
            if v is not None:
                self._verification[sector] = v
        # the mean over sectors, summed level by level: one contingent on k of n sectors gives d * k / n exactly
        levels = Counter(self._deterrence.values())
        self._border_deterrence = sum(level * k for level, k in levels.items()) / len(sectors)

    def positions_of(self, side: str) -> list[BorderPosition]:
        """This side's positions, north to south."""
        return [p for p in self.positions if p.side == side]

    def note_offensive(self) -> None:
        """A command launched an offensive now (the collapse it leads to is read as deliberate)."""
        self._offensives.append(self.time)

    def log_action(self, who: str, what: str) -> None:
        """Record what a third party or a command did, and when (the run's ``actions``)."""
        self.actions.append((self.time, who, what))

    # -- unprovoked fire (thinning) ---------------------------------------------------------------
    def reschedule_openings(self, changed: BorderPosition | None = None) -> None:
        """Redraw the next candidate of unprovoked fire from the bounds of the positions' rates.

        ``changed``: the one position whose grievance just rose (only its bound is recomputed; the
        others' bounds stay valid because grievance only decays between exchanges). None: recompute all.
        """
        if self._opening is not None:
            self._opening.cancel()
            self._opening = None
        if self.collapsed or self.time < self.origin_hours:  # no fire of the model's own before the origin
            return
        if changed is None:
            self._bounds = [p.opening_rate_bound() for p in self.positions]
        else:
            self._bounds[changed.index] = changed.opening_rate_bound()
        total = sum(self._bounds)
        if total <= 0.0:
            return
        at = self.time + self.rng.exponential(1.0 / total)
        if at < self.horizon_hours:
            self._opening = self.schedule_event(self._opening_candidate, at=at)

    def _opening_candidate(self) -> None:
        self._opening = None
        bounds = self._bounds
        u = self.rng.random() * sum(bounds)
        i = 0
        while i < len(bounds) - 1 and u >= bounds[i]:
            u -= bounds[i]
            i += 1
        position = self.positions[i]
        if self.rng.random() * bounds[i] < position.opening_rate():
            position.open_fire()  # exchange() draws the next candidate
        else:
            self.reschedule_openings()  # rejected: tighten every bound to today's grievances

    # -- an exchange of fire ----------------------------------------------------------------------
    def exchange(self, firer: BorderPosition, tier: int, kind: str, answers: int) -> None:
        """``firer`` fires at its opponent at ``tier``; casualties, reports, answers and reactions follow."""
        p = self.params
        target = firer.opponent
        xid = len(self.incidents)
        episode = self.episodes[self.incidents[answers].episode] if answers >= 0 else self._open_episode(firer, kind)
        episode.exchanges += 1

        mean_k = rules.mean_killed(tier, p.casualties.killed_top_tier, p.casualties.tier_ratio)
        killed = int(self.rng.poisson(mean_k)) if mean_k > 0 else 0
        mean_w = mean_k * p.casualties.wounded_per_killed
        wounded = int(self.rng.poisson(mean_w)) if mean_w > 0 else 0
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
        self.incidents.append(
            _new_incident(
                Incident,
                (
                    xid,
                    self.time,
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

        if self._check_collapse(firer.sector, tier, killed):
            return
        fatigue = (
            1.0
            if episode.kind == "offensive"
            else rules.episode_fatigue_factor(p.retaliation.episode_fatigue, episode.exchanges)
        )
        target.consider_retaliation(tier, xid, fatigue)
        self._spill_over(firer, tier, xid)
        if killed + wounded > 0:
            for react in self._on_casualties:
                react()
        if tier == TOP_TIER:
            for react in self._on_top_tier:
                react()
        self.reschedule_openings(target)

    def _open_episode(self, initiator: BorderPosition, kind: str) -> Episode:
        p = self.params
        verified = self.verified(initiator.sector)
        denies = self.rng.random() < p.reporting.deny_prob
        blamed: dict[str, str | None] = rules.claims(initiator.side, initiator.opponent.side, verified, denies)
        if not blamed[initiator.side]:
            blamed[initiator.side] = None  # no claim
        episode = Episode(
            self.time,
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
        prob = rules.spillover_probability(tier, self.params.spillover.prob_top_tier)
        if prob <= 0.0:
            return
        for sector in self.border.adjacency[firer.sector]:
            if self.rng.random() < prob:
                self._by_key[sector, firer.side].join_fight(tier, xid)

    def _check_collapse(self, sector: str, tier: int, killed: int) -> bool:
        c = self.params.collapse
        now = self.time
        window = self._window
        window.append((now, killed))
        self._window_killed += killed
        start = now - c.window_hours
        while window and window[0][0] <= start:
            self._window_killed -= window.popleft()[1]
        if tier == TOP_TIER:
            self._top_tier_at[sector] = now
        top_sectors = sum(1 for t in self._top_tier_at.values() if t > start)
        if rules.collapse_fires(c.rule, self._window_killed, c.killed_threshold, top_sectors, c.top_tier_sectors):
            self.collapsed = True
            self.collapse_hours = now
            self.collapse_cause = "offensive" if any(t > start for t in self._offensives) else "spiral"
            self.running = False
            self.log_action("ceasefire", "collapse")
            if self._opening is not None:
                self._opening.cancel()
                self._opening = None
            return True
        return False

    # -- running ----------------------------------------------------------------------------------
    def run(self) -> None:
        """Run from the ceasefire to collapse or the horizon."""
        self.run_until(self.horizon_hours)
