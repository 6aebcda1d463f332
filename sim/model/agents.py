"""The model's agents: border positions, each side's command, and the third parties -- peacekeeper
contingents and mediators.

Each agent keeps its own state and schedules its own behaviour on the model's event list
(bound methods: Mesa's events hold weak references). Time is in hours since the ceasefire.
The decision rules themselves are pure functions in :mod:`sim.model.rules`.

A third party (:class:`ThirdParty`) acts on the sides only through hooks that the model combines over
every third party it holds: ``deterrence``, ``interposition`` and ``verification`` per sector,
``pressure_lever`` now, and the reactions ``on_casualties``, ``on_top_tier`` and ``recall_casualties``.
A new kind of third party is a subclass here plus its entry in
:attr:`sim.model.model.CeasefireModel.THIRD_PARTIES` (docs/extending.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from sim.model import rules
from sim.model.params import TOP_TIER, ObserverParams
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
        self.opponent: BorderPosition | None = None  # the other side's position in the same sector
        self.neighbours: tuple[BorderPosition, ...] = ()  # the same side's positions in adjacent sectors
        self.index = -1  # place in model.positions
        self._grievance = grievance
        self._grievance_at = 0.0  # hours: when _grievance was last updated
        self._pending = None  # the scheduled retaliation event
        self._pending_tier = 0
        self._pending_answers = -1  # id of the exchange the answer is to
        self._pending_kind = "retaliation"

    # -- state ------------------------------------------------------------------------------------
    def grievance(self) -> float:
        """Grievance now (killed-equivalents), decayed since its last update: :func:`sim.model.rules.decayed`
        written out (the hot path; a test keeps the two equal)."""
        elapsed = self.model.now - self._grievance_at
        if elapsed <= 0.0:
            return self._grievance
        return self._grievance * 0.5 ** (elapsed / self.model.half_life_hours)

    def add_grievance(self, amount: float) -> None:
        """Add ``amount`` killed-equivalents to the grievance, decayed up to now."""
        now = self.model.now
        elapsed = now - self._grievance_at
        if elapsed > 0.0:  # as grievance(), written out
            self._grievance *= 0.5 ** (elapsed / self.model.half_life_hours)
        self._grievance += amount
        self._grievance_at = now

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
        m = self.model
        v = m.violation_params
        return rules.unprovoked_rate_per_hour(
            v.base_rate_per_day, self.grievance(), v.grievance_gain, 0.0, m.sector_deterrence[self.sector]
        )

    def opening_rate(self) -> float:
        """Rate of unprovoked fire now (1/hour)."""
        m = self.model
        v = m.violation_params
        return rules.unprovoked_rate_per_hour(
            v.base_rate_per_day, self.grievance(), v.grievance_gain, m.pressure(), m.sector_deterrence[self.sector]
        )

    # -- behaviour --------------------------------------------------------------------------------
    def open_fire(self, tier: int = 0, draw: float | None = None) -> None:
        """Fire without being fired upon: a new episode, at ``tier`` or an opening tier drawn from the ladder
        (with ``draw``, a uniform draw in [0, 1) the caller has, else a new one)."""
        if tier == 0:
            u = self.model.draws.uniform() if draw is None else draw
            tier = rules.opening_tier(self.model.violation_params.opening_escalation, u)
        self.model.exchange(self, tier, "unprovoked", -1)

    def attack(self, answers: int = -1) -> int:
        """Fire a barrage of a deliberate offensive at the top of the ladder; return the exchange's id.
        The first barrage opens an episode; later ones continue it (``answers`` = the previous barrage)."""
        xid = len(self.model.incidents)
        self.model.exchange(self, TOP_TIER, kind="offensive", answers=answers)
        return xid

    def suffer(self, killed: int, wounded: int) -> None:
        """Take casualties from fire received and remember them as grievance."""
        g = self.model.grievance_params
        self.killed += killed
        self.wounded += wounded
        self.add_grievance(g.per_killed * killed + g.per_wounded * wounded + g.per_exchange)

    def consider_retaliation(self, tier_received: int, exchange_id: int, fatigue: float = 1.0) -> None:
        """Decide whether to answer fire, and at which tier; the answer comes after a delay.
        ``fatigue``: the episode's factor on the probability of answering (1 = fresh)."""
        m = self.model
        r, draws = m.retaliation_params, m.draws
        g, pressure, interposition = self.grievance(), m.pressure(), m.sector_interposition[self.sector]
        p = (
            rules.retaliation_probability(
                r.propensity, g, r.grievance_slope, tier_received, r.tier_slope, pressure, interposition
            )
            * fatigue
        )
        u = draws.uniform()
        if u >= p:
            return
        e = m.escalation_params
        up, down = rules.escalation_probabilities(e.p_up, e.p_down, g, e.grievance_gain, pressure)
        tier = rules.escalation_tier(tier_received, up, down, u / p)  # u / p: uniform again, given an answer
        self._plan_fire(tier, exchange_id, "retaliation", draws.exponential(r.delay_mean_hours))

    def join_fight(self, tier: int, exchange_id: int) -> None:
        """Tension spills over from the neighbouring sector: open fire there too, after a delay."""
        m = self.model
        self._plan_fire(tier, exchange_id, "spillover", m.draws.exponential(m.spillover_delay_mean_hours))

    def _plan_fire(self, tier: int, exchange_id: int, kind: str, delay_hours: float) -> None:
        """Schedule this position's next shot; if one is already planned, it answers the heavier fire."""
        if self._pending is not None and tier < self._pending_tier:
            return
        self._pending_tier, self._pending_answers, self._pending_kind = tier, exchange_id, kind
        if self._pending is None:
            self._pending = self.model.schedule(self.retaliate, self.model.now + delay_hours)

    def retaliate(self) -> None:
        """Fire the planned answer (to fire received, or to fire next door)."""
        self._pending = None
        if self.model.collapsed:
            return
        self.model.exchange(self, self._pending_tier, self._pending_kind, self._pending_answers)

    def stand_down(self) -> None:
        """Call off a pending answer and go back to holding fire (a brokered truce)."""
        if self._pending is not None:
            self.model.cancel(self._pending)
            self._pending = None
        self.tier = 0


class Command(mesa.Agent):
    """One side's political and military leadership: it may decide to resume war (Fortna's deliberate
    breakdown), apart from the spirals its positions are drawn into.

    The decision is a Poisson process whose rate falls with mediation pressure and with the share of
    the border under observers (sampled by thinning against the unpressured, unobserved rate).
    """

    kind = "command"  # its rows in the timeline
    actions = ("offensive", "truce accepted")  # what it writes in the action log

    def __init__(self, model: CeasefireModel, side: str):
        super().__init__(model)
        self.side = side
        self.label = f"command {side}"  # who, in the action log
        self._next = None
        self.attacking_until = -1.0  # hours: the offensive under way ends then
        self._barrages: dict = {}  # position -> id of its last barrage in this offensive

    def rate_bound(self) -> float:
        """The decision rate with no pressure and no observers (1/hour): bounds the rate at any time."""
        return rules.offensive_rate_per_hour(self.model.params.offensive.rate_per_year, 0.0, 0.0)

    def rate(self) -> float:
        """The decision rate now (1/hour)."""
        return rules.offensive_rate_per_hour(
            self.model.params.offensive.rate_per_year, self.model.pressure(), self.model.border_deterrence()
        )

    def plan(self) -> None:
        """Draw the next moment this command weighs an offensive."""
        bound = self.rate_bound()
        if bound <= 0.0 or self.model.collapsed:
            return
        at = self.model.now + self.model.draws.exponential(1.0 / bound)
        if at < self.model.horizon_hours:
            self._next = self.model.schedule(self.weigh_offensive, at)

    def weigh_offensive(self) -> None:
        """Decide (with probability rate now / bound) to launch an offensive; plan the next moment either way."""
        self._next = None
        if self.model.collapsed:
            return
        if self.model.draws.uniform() * self.rate_bound() < self.rate():
            self.launch_offensive()
        self.plan()

    def launch_offensive(self) -> None:
        """Every position of this side fires at the top tier, again every barrage interval, for up to
        ``offensive.max_days`` or until the command accepts a brokered truce."""
        m = self.model
        m.log_action(self.label, "offensive")
        m.note_offensive()
        self.attacking_until = m.now + m.params.offensive.max_days * HOURS_PER_DAY
        self._barrages = {}
        self.barrage()

    def is_attacking(self) -> bool:
        """Whether an offensive of this command is under way now."""
        return self.model.now < self.attacking_until

    def barrage(self) -> None:
        """One barrage from every position of this side; the next one after the interval."""
        m = self.model
        if m.collapsed or not self.is_attacking():
            return
        for position in m.positions_of(self.side):
            if m.collapsed:
                return
            self._barrages[position] = position.attack(self._barrages.get(position, -1))
        m.schedule(self.barrage, m.now + m.params.offensive.barrage_interval_hours)

    def accept_truce(self, lever: float) -> None:
        """A mediator brokers a truce: the offensive stops with probability ``lever``."""
        if self.is_attacking() and self.model.draws.uniform() < lever:
            self.attacking_until = self.model.now
            self.model.log_action(self.label, "truce accepted")


class ThirdParty(mesa.Agent):
    """An outside party to the ceasefire: it acts on the sides only through these hooks, which the model
    combines over every third party (``model.third_parties``, in creation order).

    Effects, each a fraction in [0, 1]; the model combines several parties' as independent chances,
    1 - prod(1 - x), like mediation pressure:

    - ``deterrence(sector)`` lowers unprovoked fire there (and, averaged over the border, offensives);
    - ``interposition(sector)`` lowers the probability of answering fire there;
    - ``verification(sector)``: probability of establishing who opened an episode there, or None when
      this party does not watch the sector (then nothing is drawn);
    - ``pressure_lever()``: pressure on both sides now (mediation, :func:`sim.model.rules.mediation_pressure`).

    The model caches the per-sector effects: a party whose coverage changes (a contingent deploys or
    withdraws) calls ``model.coverage_changed()``. ``pressure_lever`` is read once per model time. A party
    whose pressure lasts a known time defines ``pressure_held()`` instead, read only when that time is up
    or after it calls ``model.pressure_changed()`` (it pressed again): the hot path's cheaper way, and a
    tighter bound for unprovoked fire (:class:`Mediator` does).

    Reactions (called in creation order): ``on_casualties()`` after an exchange with casualties,
    ``on_top_tier()`` after fire at the top of the ladder, ``recall_casualties(hours)`` for casualties
    in the record before a later forecast origin.

    ``from_params(model)`` creates a class's agents from ``model.params`` (and schedules what they do at
    set dates); ``label`` names the agent in the action log, ``kind`` groups its rows in the timeline,
    ``actions`` lists what it logs (unique to its kind: the timeline tells kinds apart by them).
    """

    kind = "third party"
    actions: tuple[str, ...] = ()
    label = "third party"

    @classmethod
    def from_params(cls, model: CeasefireModel) -> list[ThirdParty]:
        """This class's agents for ``model.params`` (none by default)."""
        return []

    def deterrence(self, sector: str) -> float:
        """Fraction of unprovoked fire in ``sector`` this party prevents now."""
        return 0.0

    def interposition(self, sector: str) -> float:
        """Fraction of answers to fire in ``sector`` this party prevents now."""
        return 0.0

    def verification(self, sector: str) -> float | None:
        """Probability this party establishes who opened an episode in ``sector``; None: not watching it."""
        return None

    def pressure_lever(self) -> float:
        """This party's mediation pressure on both sides now (0: none)."""
        return 0.0

    def pressure_held(self) -> tuple[float, float]:
        """(lever, hours): this party's pressure now (as ``pressure_lever``) and the hour until which it
        stays at least that unless the party calls ``model.pressure_changed()``; (0, inf) while it does
        not press. Define it instead of ``pressure_lever``, or leave both neutral."""
        return 0.0, float("inf")

    def on_casualties(self) -> None:
        """An exchange of fire with casualties just happened."""

    def on_top_tier(self) -> None:
        """Fire just reached the top of the weapon ladder."""

    def recall_casualties(self, hours: float) -> None:
        """Casualties at ``hours``, before the forecast's origin (from the record)."""


class ObserverMission(ThirdParty):
    """A peacekeeping or observer contingent covering some border sectors: ``observer`` and each of
    ``missions`` (:class:`sim.model.params.ObserverParams`) with strength > 0.

    While deployed it deters unprovoked fire, interposes against retaliation and verifies who
    fired first in the sectors it covers; each effect saturates with strength (personnel).
    """

    kind = "peacekeeper"
    actions = ("deploy", "withdraw")

    def __init__(self, model: CeasefireModel, params: ObserverParams, sectors: tuple[str, ...]):
        super().__init__(model)
        self.label = params.name
        self.strength = params.strength
        self.sectors = frozenset(sectors)
        self.deployed = False
        effect = rules.coverage_effect(params.strength, params.strength_scale)
        self.full_deterrence = params.max_deterrence * effect
        self.full_interposition = params.max_interposition * effect
        self.full_verification = params.max_verification * effect

    @classmethod
    def from_params(cls, model: CeasefireModel) -> list[ObserverMission]:
        """One contingent per ``observer`` and ``missions`` entry with strength > 0, deployed and
        withdrawn on its days."""
        out = []
        for o in (model.params.observer, *model.params.missions):
            if o.strength <= 0.0:
                continue
            pk = cls(model, o, tuple(o.sectors) or model.border.sector_ids)
            model.schedule(pk.deploy, o.deploy_day * HOURS_PER_DAY)
            if o.withdraw_day >= 0:
                model.schedule(pk.withdraw, o.withdraw_day * HOURS_PER_DAY)
            out.append(pk)
        return out

    def covers(self, sector: str) -> bool:
        """Deployed, and ``sector`` is one of this contingent's."""
        return self.deployed and sector in self.sectors

    def deterrence(self, sector: str) -> float:
        """``max_deterrence`` x effect where it covers, else 0."""
        return self.full_deterrence if self.covers(sector) else 0.0

    def interposition(self, sector: str) -> float:
        """``max_interposition`` x effect where it covers, else 0."""
        return self.full_interposition if self.covers(sector) else 0.0

    def verification(self, sector: str) -> float | None:
        """``max_verification`` x effect where it covers, else None."""
        return self.full_verification if self.covers(sector) else None

    def deploy(self) -> None:
        """The contingent takes up its sectors: its effects apply from now."""
        self.deployed = True
        self.model.log_action(self.label, "deploy")
        self.model.coverage_changed()

    def withdraw(self) -> None:
        """The contingent leaves: its effects stop from now."""
        self.deployed = False
        self.model.log_action(self.label, "withdraw")
        self.model.coverage_changed()


class Mediator(ThirdParty):
    """A third party (Russia, the CSTO, the EU, the US) with leverage and a reaction delay.

    It reacts to exchanges with casualties by applying pressure after its delay; pressure lowers
    unprovoked fire, retaliation and escalation for ``pressure_duration_days``. It also holds the
    talks scheduled in the record; the one with the largest lever (the lead) brokers a truce after fire
    reaches the top of the ladder.
    """

    kind = "mediator"
    actions = ("ceasefire", "pressure", "talks", "truce")

    def __init__(self, model: CeasefireModel, name: str, leverage: float, delay_hours: float):
        super().__init__(model)
        self.name = self.label = name
        self.lever = min(1.0, model.params.mediation.intensity * leverage)
        self.delay_hours = delay_hours
        self.active_until = -1.0  # hours: pressure applies while model.time < active_until
        self.leads_truce = False  # the lead brokers truces (levers are fixed for a run)
        self._reacting = None
        self._brokering = None

    @classmethod
    def from_params(cls, model: CeasefireModel) -> list[Mediator]:
        """The mediators of ``mediation.mediators``; the first with the largest lever > 0 leads truces."""
        out = [cls(model, m.name, m.leverage, m.delay_hours) for m in model.params.mediation.mediators]
        pressing = [m for m in out if m.lever > 0.0]
        if pressing:
            max(pressing, key=lambda m: m.lever).leads_truce = True
        return out

    def is_pressing(self) -> bool:
        """Whether this mediator's pressure applies now."""
        return self.model.now < self.active_until

    def pressure_lever(self) -> float:
        """The lever while this mediator presses, else 0."""
        return self.lever if self.model.now < self.active_until else 0.0

    def pressure_held(self) -> tuple[float, float]:
        """The lever until the pressure lapses (it only lasts longer if the mediator presses again)."""
        return (self.lever, self.active_until) if self.model.now < self.active_until else (0.0, float("inf"))

    def on_casualties(self) -> None:
        """An exchange with casualties happened: press the sides after this mediator's delay."""
        if self.lever > 0.0 and self._reacting is None:
            self._reacting = self.model.schedule(self.apply_pressure, self.model.now + self.delay_hours)

    def on_top_tier(self) -> None:
        """Fire reached the top of the ladder: the lead pushes for a truce."""
        if self.leads_truce:
            self.push_for_truce()

    def recall_casualties(self, hours: float) -> None:
        """Casualties at ``hours`` before the forecast origin (the record): the pressure this mediator
        would have applied after its delay is in force for its usual duration."""
        if self.lever > 0.0:
            duration = self.model.params.mediation.pressure_duration_days * HOURS_PER_DAY
            self.active_until = max(self.active_until, hours + self.delay_hours + duration)
            self.model.pressure_changed()

    def apply_pressure(self) -> None:
        """Its reaction to casualties arrives after its delay: press the sides."""
        self._reacting = None
        self.press("pressure")

    def hold_talks(self) -> None:
        """Scheduled talks or a visit from the record."""
        self.press("talks")

    def press(self, action: str) -> None:
        """Press the sides for ``mediation.pressure_duration_days`` from now, and log ``action``."""
        if self.lever <= 0.0 or self.model.collapsed:
            return
        duration = self.model.params.mediation.pressure_duration_days * HOURS_PER_DAY
        self.active_until = max(self.active_until, self.model.now + duration)
        self.model.pressure_changed()
        self.model.log_action(self.name, action)

    def push_for_truce(self) -> None:
        """Fire reached the top of the ladder: broker a truce after the lead delay."""
        if self.lever > 0.0 and self._brokering is None:
            self._brokering = self.model.schedule(
                self.broker_truce, self.model.now + self.model.params.mediation.truce_lead_delay_hours
            )

    def broker_truce(self) -> None:
        """Restore the ceasefire: positions stand down (each with probability = leverage) and pressure applies."""
        self._brokering = None
        if self.model.collapsed:
            return
        for position in self.model.positions:
            if self.model.draws.uniform() < self.lever:
                position.stand_down()
        for command in self.model.commands:
            command.accept_truce(self.lever)
        self.press("truce")
