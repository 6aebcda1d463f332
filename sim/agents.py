"""The model's agents: border positions, peacekeeper contingents and mediators.

Each agent keeps its own state and schedules its own behaviour on the model's event list
(bound methods: Mesa's events hold weak references). Time is in hours since the ceasefire.
The decision rules themselves are pure functions in :mod:`sim.rules`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from sim import rules
from sim.rules import HOURS_PER_DAY

if TYPE_CHECKING:
    from sim.model import CeasefireModel


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
            tier = 1 + int(self.model.rng.binomial(3, self.model.params.violations.opening_escalation))
        self.model.exchange(self, tier, kind="unprovoked", answers=-1)

    def suffer(self, killed: int, wounded: int) -> None:
        """Take casualties from fire received and remember them as grievance."""
        g = self.model.params.grievance
        self.killed += killed
        self.wounded += wounded
        self.add_grievance(g.per_killed * killed + g.per_wounded * wounded + g.per_exchange)

    def consider_retaliation(self, tier_received: int, exchange_id: int) -> None:
        """Decide whether to answer fire, and at which tier; the answer comes after a delay."""
        m = self.model
        r, e = m.params.retaliation, m.params.escalation
        g, pressure = self.grievance(), m.pressure()
        p = rules.retaliation_probability(r.propensity, g, r.grievance_slope, tier_received, r.tier_slope,
                                          pressure, m.interposition(self.sector))
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
        self.press("truce")
