"""The model's agents: border positions, each side's command, peacekeeper contingents and mediators.

Each agent keeps its own state and schedules its own behaviour on the model's event list
(bound methods: Mesa's events hold weak references). Time is in hours since the ceasefire.
The decision rules themselves are pure functions in :mod:`sim.model.rules`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from sim.model import rules
from sim.model.params import TOP_TIER
from sim.model.rules import HOURS_PER_DAY

if TYPE_CHECKING:
    from sim.model.model import CeasefireModel


class BorderPosition(mesa.Agent):
    """One side's forces in one border sector.

    State: side, sector, escalation tier (0 = holding fire, 1..4 on the weapon ladder),
    grievance (killed-equivalents, decaying with a half-life), casualties suffered,
    and at most one pending answer to fire received.
    """

    def __init__(self, model: CeasefireModel, side: str, sector: str, grievance: float):
        super().__init__(model)
        self.side = side
        self.sector = sector
        self.tier = 0
        self.killed = 0
        self.wounded = 0
        self.opponent: BorderPosition | None = None   # the other side's position in the same sector
        self.index = -1                                 # place in model.positions
        self._grievance = grievance
        self._grievance_at = 0.0                        # hours: when _grievance was last updated
        self._pending = None                             # the scheduled retaliation event
        self._pending_tier = 0
        self._pending_answers = -1                       # id of the exchange the answer is to
        self._pending_kind = "retaliation"

    # -- state ------------------------------------------------------------------------------------
    def grievance(self) -> float:
        """Grievance now (killed-equivalents), decayed since its last update."""
        return rules.decayed(self._grievance, self.model.time - self._grievance_at,
                             self.model.params.grievance.half_life_days)

    def add_grievance(self, amount: float) -> None:
        self._grievance = self.grievance() + amount
        self._grievance_at = self.model.time

    def remember(self, killed: float, wounded: float, hours: float) -> None:
        """Fire received at ``hours`` before the forecast starts (from the record): grievance only,
        no answer is drawn (what happened next is in the record too). Call in time order."""
        g = self.model.params.grievance
        past = rules.decayed(self._grievance, hours - self._grievance_at, g.half_life_days)
        self._grievance = past + g.per_killed * killed + g.per_wounded * wounded + g.per_exchange
        self._grievance_at = hours

    def opening_rate_bound(self) -> float:
        """Upper bound (1/hour) of this position's unprovoked fire until its grievance next rises.

        Grievance only decays between exchanges and pressure only lowers the rate, so the rate with
        today's grievance and no pressure bounds it (Lewis-Shedler thinning).
        """
        v = self.model.params.violations
        return rules.unprovoked_rate_per_hour(v.base_rate_per_day, self.grievance(), v.grievance_gain,
                                              0.0, self.model.deterrence(self.sector))

    def opening_rate(self) -> float:
        """Rate of unprovoked fire now (1/hour)."""
        v = self.model.params.violations
        return rules.unprovoked_rate_per_hour(v.base_rate_per_day, self.grievance(), v.grievance_gain,
                                              self.model.pressure(), self.model.deterrence(self.sector))

    # -- behaviour --------------------------------------------------------------------------------
    def open_fire(self, tier: int = 0) -> None:
        """Fire without being fired upon: a new episode, at ``tier`` or an opening tier drawn from the ladder."""
        if tier == 0:
            tier = 1 + int(self.model.rng.binomial(TOP_TIER - 2, self.model.params.violations.opening_escalation))
        self.model.exchange(self, tier, kind="unprovoked", answers=-1)

    def attack(self, answers: int = -1) -> int:
        """Fire a barrage of a deliberate offensive at the top of the ladder; return the exchange's id.
        The first barrage opens an episode; later ones continue it (``answers`` = the previous barrage)."""
        xid = len(self.model.incidents)
        self.model.exchange(self, TOP_TIER, kind="offensive", answers=answers)
        return xid

    def suffer(self, killed: int, wounded: int) -> None:
        """Take casualties from fire received and remember them as grievance."""
        g = self.model.params.grievance
        self.killed += killed
        self.wounded += wounded
        self.add_grievance(g.per_killed * killed + g.per_wounded * wounded + g.per_exchange)

    def consider_retaliation(self, tier_received: int, exchange_id: int, fatigue: float = 1.0) -> None:
        """Decide whether to answer fire, and at which tier; the answer comes after a delay.
        ``fatigue``: the episode's factor on the probability of answering (1 = fresh)."""
        m = self.model
        r, e = m.params.retaliation, m.params.escalation
        g, pressure = self.grievance(), m.pressure()
        p = rules.retaliation_probability(r.propensity, g, r.grievance_slope, tier_received, r.tier_slope,
                                          pressure, m.interposition(self.sector)) * fatigue
        if m.rng.random() >= p:
            return
        up, down = rules.escalation_probabilities(e.p_up, e.p_down, g, e.grievance_gain, pressure)
        tier = rules.escalation_tier(tier_received, up, down, m.rng.random())
        self._plan_fire(tier, exchange_id, "retaliation", m.rng.exponential(r.delay_mean_hours))

    def join_fight(self, tier: int, exchange_id: int) -> None:
        """Tension spills over from the neighbouring sector: open fire there too, after a delay."""
        m = self.model
        self._plan_fire(tier, exchange_id, "spillover", m.rng.exponential(m.params.spillover.delay_mean_hours))

    def _plan_fire(self, tier: int, exchange_id: int, kind: str, delay_hours: float) -> None:
        """Schedule this position's next shot; if one is already planned, it answers the heavier fire."""
        if self._pending is not None and tier < self._pending_tier:
            return
        self._pending_tier, self._pending_answers, self._pending_kind = tier, exchange_id, kind
        if self._pending is None:
            self._pending = self.model.schedule_event(self.retaliate, after=delay_hours)

    def retaliate(self) -> None:
        """Fire the planned answer (to fire received, or to fire next door)."""
        self._pending = None
        if self.model.collapsed:
            return
        self.model.exchange(self, self._pending_tier, kind=self._pending_kind, answers=self._pending_answers)

    def stand_down(self) -> None:
        """Call off a pending answer and go back to holding fire (a brokered truce)."""
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        self.tier = 0


class Command(mesa.Agent):
    """One side's political and military leadership: it may decide to resume war (Fortna's deliberate
    breakdown), apart from the spirals its positions are drawn into.

    The decision is a Poisson process whose rate falls with mediation pressure and with the share of
    the border under observers (sampled by thinning against the unpressured, unobserved rate).
    """

    def __init__(self, model: CeasefireModel, side: str):
        super().__init__(model)
        self.side = side
        self._next = None
        self.attacking_until = -1.0        # hours: the offensive under way ends then
        self._barrages: dict = {}          # position -> id of its last barrage in this offensive

    def rate_bound(self) -> float:
        """The decision rate with no pressure and no observers (1/hour): bounds the rate at any time."""
        return rules.offensive_rate_per_hour(self.model.params.offensive.rate_per_year, 0.0, 0.0)

    def rate(self) -> float:
        """The decision rate now (1/hour)."""
        return rules.offensive_rate_per_hour(self.model.params.offensive.rate_per_year,
                                             self.model.pressure(), self.model.border_deterrence())

    def plan(self) -> None:
        """Draw the next moment this command weighs an offensive."""
        bound = self.rate_bound()
        if bound <= 0.0 or self.model.collapsed:
            return
        at = self.model.time + self.model.rng.exponential(1.0 / bound)
        if at < self.model.horizon_hours:
            self._next = self.model.schedule_event(self.weigh_offensive, at=at)

    def weigh_offensive(self) -> None:
        """Decide (with probability rate now / bound) to launch an offensive; plan the next moment either way."""
        self._next = None
        if self.model.collapsed:
            return
        if self.model.rng.random() * self.rate_bound() < self.rate():
            self.launch_offensive()
        self.plan()

    def launch_offensive(self) -> None:
        """Every position of this side fires at the top tier, again every barrage interval, for up to
        ``offensive.max_days`` or until the command accepts a brokered truce."""
        m = self.model
        m.log_action(f"command {self.side}", "offensive")
        m.note_offensive()
        self.attacking_until = m.time + m.params.offensive.max_days * HOURS_PER_DAY
        self._barrages = {}
        self.barrage()

    def is_attacking(self) -> bool:
        return self.model.time < self.attacking_until

    def barrage(self) -> None:
        """One barrage from every position of this side; the next one after the interval."""
        m = self.model
        if m.collapsed or not self.is_attacking():
            return
        for position in m.positions_of(self.side):
            if m.collapsed:
                return
            self._barrages[position] = position.attack(self._barrages.get(position, -1))
        m.schedule_event(self.barrage, after=m.params.offensive.barrage_interval_hours)

    def accept_truce(self, lever: float) -> None:
        """A mediator brokers a truce: the offensive stops with probability ``lever``."""
        if self.is_attacking() and self.model.rng.random() < lever:
            self.attacking_until = self.model.time
            self.model.log_action(f"command {self.side}", "truce accepted")


class Peacekeeper(mesa.Agent):
    """A peacekeeping or observer contingent covering some border sectors.

    While deployed it deters unprovoked fire, interposes against retaliation and verifies who
    fired first in the sectors it covers; each effect saturates with strength (personnel).
    """

    def __init__(self, model: CeasefireModel, strength: float, sectors: tuple[str, ...]):
        super().__init__(model)
        o = model.params.observer
        self.strength = strength
        self.sectors = frozenset(sectors)
        self.deployed = False
        effect = rules.coverage_effect(strength, o.strength_scale)
        self.deterrence = o.max_deterrence * effect
        self.interposition = o.max_interposition * effect
        self.verification = o.max_verification * effect

    def covers(self, sector: str) -> bool:
        return self.deployed and sector in self.sectors

    def deploy(self) -> None:
        self.deployed = True
        self.model.log_action("peacekeepers", "deploy")
        self.model.reschedule_openings()

    def withdraw(self) -> None:
        self.deployed = False
        self.model.log_action("peacekeepers", "withdraw")
        self.model.reschedule_openings()


class Mediator(mesa.Agent):
    """A third party (Russia, the CSTO, the EU, the US) with leverage and a reaction delay.

    It reacts to exchanges with casualties by applying pressure after its delay; pressure lowers
    unprovoked fire, retaliation and escalation for ``pressure_duration_days``. It also holds the
    talks scheduled in the record, and brokers a truce after fire reaches the top of the ladder.
    """

    def __init__(self, model: CeasefireModel, name: str, leverage: float, delay_hours: float):
        super().__init__(model)
        self.name = name
        self.lever = min(1.0, model.params.mediation.intensity * leverage)
        self.delay_hours = delay_hours
        self.active_until = -1.0         # hours: pressure applies while model.time < active_until
        self._reacting = None
        self._brokering = None

    def is_pressing(self) -> bool:
        return self.model.time < self.active_until

    def react(self) -> None:
        """An exchange with casualties happened: press the sides after this mediator's delay."""
        if self.lever > 0.0 and self._reacting is None:
            self._reacting = self.model.schedule_event(self.apply_pressure, after=self.delay_hours)

    def recall_reaction(self, hours: float) -> None:
        """Casualties at ``hours`` before the forecast origin (the record): the pressure this mediator
        would have applied after its delay is in force for its usual duration."""
        if self.lever > 0.0:
            duration = self.model.params.mediation.pressure_duration_days * HOURS_PER_DAY
            self.active_until = max(self.active_until, hours + self.delay_hours + duration)

    def apply_pressure(self) -> None:
        self._reacting = None
        self.press("pressure")

    def hold_talks(self) -> None:
        """Scheduled talks or a visit from the record."""
        self.press("talks")

    def press(self, action: str) -> None:
        if self.lever <= 0.0 or self.model.collapsed:
            return
        duration = self.model.params.mediation.pressure_duration_days * HOURS_PER_DAY
        self.active_until = max(self.active_until, self.model.time + duration)
        self.model.log_action(self.name, action)

    def push_for_truce(self) -> None:
        """Fire reached the top of the ladder: broker a truce after the lead delay."""
        if self.lever > 0.0 and self._brokering is None:
            self._brokering = self.model.schedule_event(
                self.broker_truce, after=self.model.params.mediation.truce_lead_delay_hours)

    def broker_truce(self) -> None:
        """Restore the ceasefire: positions stand down (each with probability = leverage) and pressure applies."""
        self._brokering = None
        if self.model.collapsed:
            return
        for position in self.model.positions:
            if self.model.rng.random() < self.lever:
                position.stand_down()
        for command in self.model.commands:
            command.accept_truce(self.lever)
        self.press("truce")
