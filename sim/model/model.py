"""The ceasefire model: an event-driven Mesa model, time in hours since the ceasefire.

Cost grows with the number of events, not with hours x agents: Mesa's per-step schedule is
stopped and everything happens through ``schedule_event``. Unprovoked fire is one superposed
Poisson process over all positions, sampled by thinning (its bound is recomputed whenever a
grievance or a contingent changes). All randomness comes from ``self.rng``.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import mesa
import numpy as np

from sim.model import rules
from sim.model.agents import BorderPosition, Command, Mediator, Peacekeeper
from sim.model.params import SIDES, TOP_TIER, ModelParams
from sim.model.rules import HOURS_PER_DAY
from sim.model.setting import FireReceived, Setting

INCIDENT_FIELDS = ("id", "time_hours", "sector", "initiator", "target", "kind", "tier",
                   "killed_ARM", "killed_AZE", "wounded_ARM", "wounded_AZE",
                   "retaliation_of", "episode", "claim_ARM", "claim_AZE", "verified")
EPISODE = INCIDENT_FIELDS.index("episode")


@dataclass(frozen=True)
class EpisodeReport:
    """Who fired first in an episode, and what each side says."""

    id: int
    start_hours: float
    sector: str
    initiator: str
    claims: dict[str, str]      # side -> whom that side says fired first ("" = no claim)
    verified: bool              # a peacekeeper established the initiator
    kind: str = "unprovoked"    # how it opened: "unprovoked" fire (a local incident) or an "offensive"


class CeasefireModel(mesa.Model):
    """Border positions, peacekeepers and mediators from the ceasefire to collapse or the horizon."""

    def __init__(self, params: ModelParams, setting: Setting, horizon_days: float,
                 rng: np.random.Generator, start: str = "ceasefire", origin_hours: float = 0.0,
                 history: tuple[FireReceived, ...] = ()):
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
        self.setting = setting
        self.origin_hours = float(origin_hours)
        self.horizon_hours = self.origin_hours + horizon_days * HOURS_PER_DAY
        self.collapsed = False
        self.collapse_hours: float | None = None
        self.collapse_cause = ""                             # "spiral" or "offensive" once collapsed
        self._offensives: list[float] = []                   # hours at which a command launched one
        self.incidents: list[tuple] = []
        self.episodes: list[EpisodeReport] = []
        self.actions: list[tuple[float, str, str]] = []   # (hours, who, what)
        self.n_scheduled = 0                                  # events put on Mesa's event list

        self._window: deque[tuple[float, int]] = deque()   # (hours, killed) within the collapse window
        self._window_killed = 0
        self._top_tier_at: dict[str, float] = {}            # sector -> last hour fire was at the top tier
        self._pressure_cache: tuple[float, float] = (-1.0, 0.0)
        self._opening = None
        self._bounds: list[float] = []
        self._episode_size: list[int] = []                  # exchanges so far in each episode

        self.positions = self._deploy_positions()
        self.mediators = [Mediator(self, m.name, m.leverage, m.delay_hours) for m in params.mediation.mediators]
        pressing = [m for m in self.mediators if m.lever > 0.0]
        self._truce_broker = max(pressing, key=lambda m: m.lever) if pressing else None
        self.peacekeeper = self._deploy_peacekeeper()
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
        n = len(self.setting.sector_ids)
        initial = {side: g.flareup_weight * (g.per_killed * k + g.per_wounded * w) / n
                   for side, (k, w) in self.setting.flareup_losses.items()}
        positions, by_key = [], {}
        for sector in self.setting.sector_ids:
            for side in SIDES:
                p = BorderPosition(self, side, sector, initial.get(side, 0.0))
                p.index = len(positions)
                by_key[sector, side] = p
                positions.append(p)
        for (sector, side), p in by_key.items():
            p.opponent = by_key[sector, SIDES[1 - SIDES.index(side)]]
        self._by_key = by_key
        return positions

    def _deploy_peacekeeper(self) -> Peacekeeper | None:
        o = self.params.observer
        if o.strength <= 0.0:
            return None
        pk = Peacekeeper(self, o.strength, tuple(o.sectors) or self.setting.sector_ids)
        self.schedule_event(pk.deploy, at=o.deploy_day * HOURS_PER_DAY)
        if o.withdraw_day >= 0:
            self.schedule_event(pk.withdraw, at=o.withdraw_day * HOURS_PER_DAY)
        return pk

    def _schedule_record_events(self) -> None:
        """The ceasefire's broker presses from hour 0; talks in the record are held on their dates."""
        by_name = {m.name: m for m in self.mediators}
        lead = by_name.get(self.setting.lead_mediator)
        if lead is not None:
            lead.press("ceasefire")
        for talk in self.setting.talks:
            mediator = by_name.get(talk.mediator)
            if mediator is not None and 0.0 <= talk.hours < self.horizon_hours:
                self.schedule_event(mediator.hold_talks, at=talk.hours)

    def _remember(self, history: tuple[FireReceived, ...]) -> None:
        """Grievances and mediators' reactions from fire received before the origin (the record)."""
        for fire in sorted(history, key=lambda f: f.hours):
            self._by_key[fire.sector, fire.side].remember(fire.killed, fire.wounded, fire.hours)
            if fire.killed + fire.wounded > 0:
                for mediator in self.mediators:
                    mediator.recall_reaction(fire.hours)

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
            value = rules.mediation_pressure([m.lever for m in self.mediators if m.is_pressing()])
            self._pressure_cache = (self.time, value)
        return value

    def deterrence(self, sector: str) -> float:
        pk = self.peacekeeper
        return pk.deterrence if pk is not None and pk.covers(sector) else 0.0

    def interposition(self, sector: str) -> float:
        pk = self.peacekeeper
        return pk.interposition if pk is not None and pk.covers(sector) else 0.0

    def border_deterrence(self) -> float:
        """Observers' deterrence averaged over every sector of the border (0 where none are)."""
        pk = self.peacekeeper
        if pk is None or not pk.deployed:
            return 0.0
        covered = sum(1 for s in self.setting.sector_ids if pk.covers(s))
        return pk.deterrence * covered / len(self.setting.sector_ids)

    def positions_of(self, side: str) -> list[BorderPosition]:
        """This side's positions, north to south."""
        return [p for p in self.positions if p.side == side]

    def note_offensive(self) -> None:
        """A command launched an offensive now (the collapse it leads to is read as deliberate)."""
        self._offensives.append(self.time)

    def log_action(self, who: str, what: str) -> None:
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
        if self.collapsed or self.time < self.origin_hours:   # no fire of the model's own before the origin
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
            position.open_fire()          # exchange() draws the next candidate
        else:
            self.reschedule_openings()    # rejected: tighten every bound to today's grievances

    # -- an exchange of fire ----------------------------------------------------------------------
    def exchange(self, firer: BorderPosition, tier: int, kind: str, answers: int) -> None:
        """``firer`` fires at its opponent at ``tier``; casualties, reports, answers and reactions follow."""
        p = self.params
        target = firer.opponent
        xid = len(self.incidents)
        episode = self.incidents[answers][EPISODE] if answers >= 0 else self._open_episode(firer, kind)
        report = self.episodes[episode]
        self._episode_size[episode] += 1

        mean_k = rules.mean_killed(tier, p.casualties.killed_top_tier, p.casualties.tier_ratio)
        killed = int(self.rng.poisson(mean_k)) if mean_k > 0 else 0
        mean_w = mean_k * p.casualties.wounded_per_killed
        wounded = int(self.rng.poisson(mean_w)) if mean_w > 0 else 0
        target.suffer(killed, wounded)
        firer.tier = tier
        arm_hit = target.side == "ARM"
        self.incidents.append((
            xid, self.time, firer.sector, firer.side, target.side, kind, tier,
            killed if arm_hit else 0, 0 if arm_hit else killed,
            wounded if arm_hit else 0, 0 if arm_hit else wounded,
            answers, episode, report.claims["ARM"], report.claims["AZE"], report.verified))

        if self._check_collapse(firer.sector, tier, killed):
            return
        fatigue = 1.0 if report.kind == "offensive" else \
            rules.episode_fatigue_factor(p.retaliation.episode_fatigue, self._episode_size[episode])
        target.consider_retaliation(tier, xid, fatigue)
        self._spill_over(firer, tier, xid)
        if killed + wounded > 0:
            for mediator in self.mediators:
                mediator.react()
        if tier == TOP_TIER:
            self._lead_mediator_push()
        self.reschedule_openings(target)

    def _open_episode(self, initiator: BorderPosition, kind: str) -> int:
        p = self.params
        pk = self.peacekeeper
        verified = pk is not None and pk.covers(initiator.sector) and self.rng.random() < pk.verification
        denies = self.rng.random() < p.reporting.deny_prob
        claims = rules.claims(initiator.side, initiator.opponent.side, verified, denies)
        eid = len(self.episodes)
        self.episodes.append(EpisodeReport(eid, self.time, initiator.sector, initiator.side, claims, verified,
                                           "offensive" if kind == "offensive" else "unprovoked"))
        self._episode_size.append(0)
        return eid

    def _spill_over(self, firer: BorderPosition, tier: int, xid: int) -> None:
        prob = rules.spillover_probability(tier, self.params.spillover.prob_top_tier)
        if prob <= 0.0:
            return
        for sector in self.setting.adjacency[firer.sector]:
            if self.rng.random() < prob:
                self._by_key[sector, firer.side].join_fight(tier, xid)

    def _lead_mediator_push(self) -> None:
        """The mediator with the largest lever (levers are fixed for a run) pushes for a truce."""
        if self._truce_broker is not None:
            self._truce_broker.push_for_truce()

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
