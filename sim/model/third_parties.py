"""The third parties: outside parties to the ceasefire (peacekeeper contingents, mediators), and their
hooks combined over every party a run holds.

A third party acts on the sides only through hooks (:class:`ThirdParty`); :class:`ThirdParties` combines
them as independent chances, 1 - prod(1 - x). A new kind of third party is a subclass here plus its
entry in :attr:`sim.model.model.CeasefireModel.THIRD_PARTIES` (docs/extending.md).
"""

from __future__ import annotations

import functools
from collections import Counter
from typing import TYPE_CHECKING, Callable

import mesa

from sim.model import rules
from sim.model.events import NEVER
from sim.model.params import ObserverParams
from sim.model.rules import HOURS_PER_DAY

if TYPE_CHECKING:
    from sim.model.border import Regime
    from sim.model.draws import Draws
    from sim.model.model import CeasefireModel


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
        self.leverage = leverage
        self.lever = min(1.0, model.params.mediation.intensity * leverage)
        self.delay_hours = delay_hours
        self.active_until = -1.0  # hours: pressure applies while model.time < active_until
        self.leads_truce = False  # the lead brokers truces (levers change only with the regime)
        self._reacting = None
        self._brokering = None

    @classmethod
    def from_params(cls, model: CeasefireModel) -> list[Mediator]:
        """The mediators of ``mediation.mediators``; the first with the largest lever > 0 leads truces."""
        out = [cls(model, m.name, m.leverage, m.delay_hours) for m in model.params.mediation.mediators]
        cls.choose_lead(out)
        return out

    @staticmethod
    def choose_lead(mediators: list[Mediator]) -> None:
        """The first mediator with the largest lever > 0 leads truces; the others do not."""
        pressing = [m for m in mediators if m.lever > 0.0]
        lead = max(pressing, key=lambda m: m.lever) if pressing else None
        for m in mediators:
            m.leads_truce = m is lead

    def take_standing(self, regime: Regime) -> None:
        """A regime begins: this mediator's lever is its leverage if the regime names it, that times
        ``mediation.weakened_standing`` if the regime marks it weakened, 0 if it has no role."""
        mediation = self.model.params.mediation
        standing = mediation.weakened_standing if self.name in regime.weakened else 1.0
        present = self.name in regime.mediators
        self.lever = min(1.0, mediation.intensity * self.leverage * standing) if present else 0.0

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
        """Fire reached the top of the ladder: broker a truce after a delay, Exponential with mean
        ``mediation.truce_lead_delay_hours`` (drawn per attempt: some truces come within hours, some take days)."""
        if self.lever > 0.0 and self._brokering is None:
            m = self.model
            delay = m.draws.exponential(m.params.mediation.truce_lead_delay_hours)
            self._brokering = m.schedule(self.broker_truce, m.now + delay)

    def broker_truce(self) -> None:
        """Restore the ceasefire: positions stand down (each with probability = leverage) and pressure applies.
        While a command's offensive goes on (it refused), this mediator tries again after a new delay."""
        self._brokering = None
        m = self.model
        if m.collapsed:
            return
        for position in m.positions:
            if m.draws.uniform() < self.lever:
                position.stand_down()
        m.commands.do("accept_truce", self.lever)
        self.press("truce")
        if self.leads_truce and any(command.is_attacking() for command in m.commands):
            self.push_for_truce()


HOOKS = tuple("deterrence interposition verification pressure_lever pressure_held on_casualties on_top_tier".split())


@functools.cache
def _defined_hooks(cls: type) -> frozenset[str]:
    """The hooks this kind of third party defines (rather than inherits ThirdParty's neutral ones)."""
    return frozenset(h for h in HOOKS if getattr(cls, h) is not getattr(ThirdParty, h))


class ThirdParties:
    """Every third party of a run, in creation order, and their hooks combined.

    Only the hooks a party's class defines are called. The per-sector effects are combined once and
    kept until :meth:`coverage_changed`; the pressure floor (``pressure_held``) until it lapses or
    :meth:`pressure_changed`; other ``pressure_lever`` hooks are read once per model time.
    """

    def __init__(self, model: CeasefireModel, parties: list[ThirdParty]):
        self.model = model
        self.parties = parties
        self.levers: list[Callable[[], float]] = []
        self.held: list[Callable[[], tuple[float, float]]] = []
        self.on_casualties: list[Callable[[], None]] = []
        self.on_top_tier: list[Callable[[], None]] = []
        self.coverers: list[ThirdParty] = []
        for party in parties:
            defined = _defined_hooks(type(party))
            if "pressure_held" in defined:
                self.held.append(party.pressure_held)
            elif "pressure_lever" in defined:
                self.levers.append(party.pressure_lever)
            if "on_casualties" in defined:
                self.on_casualties.append(party.on_casualties)
            if "on_top_tier" in defined:
                self.on_top_tier.append(party.on_top_tier)
            if not defined.isdisjoint(("deterrence", "interposition", "verification")):
                self.coverers.append(party)
        self.deterrence: dict[str, float] = {}  # sector -> combined deterrence (updated in place)
        self.interposition: dict[str, float] = {}
        self.verification: dict[str, float] = {}  # only the sectors someone watches
        self.border_deterrence = 0.0  # the mean over sectors
        self._pressure_at, self._pressure = -1.0, 0.0  # pressure() at that time
        self._floor_held = (0.0, -1.0)  # pressure_floor(): (floor, until); recomputed when read after until
        self.combine_coverage()

    def combine_coverage(self) -> None:
        """Per sector, every party's deterrence, interposition and verification as independent chances
        (:func:`sim.model.rules.either`, folded from 0: one contingent's own value exactly)."""
        sectors = self.model.border.sector_ids
        self.verification.clear()
        for sector in sectors:
            d = i = 0.0
            v = None
            for party in self.coverers:
                d = rules.either(d, party.deterrence(sector))
                i = rules.either(i, party.interposition(sector))
                x = party.verification(sector)
                if x is not None:
                    v = x if v is None else rules.either(v, x)
            self.deterrence[sector], self.interposition[sector] = d, i
            if v is not None:
                self.verification[sector] = v
        # summed level by level: one contingent on k of n sectors gives d * k / n exactly
        levels = Counter(self.deterrence.values()) if self.coverers else {}
        self.border_deterrence = sum(level * k for level, k in levels.items()) / len(sectors)

    def verified(self, sector: str, draws: Draws) -> bool:
        """Do the parties watching ``sector`` establish who opened fire there? One draw, only where watched."""
        v = self.verification.get(sector)
        return v is not None and draws.uniform() < v

    def pressure(self) -> float:
        """Combined mediation pressure now, in [0, 1] (:func:`sim.model.rules.mediation_pressure`): the
        floor of the ``pressure_held`` hooks, raised by the ``pressure_lever`` hooks."""
        floor = self.pressure_floor()[0]
        if not self.levers:
            return floor
        now = self.model.now
        if self._pressure_at != now:
            remaining = 1.0 - floor
            for lever in self.levers:
                x = lever()
                if x > 0.0:
                    remaining *= 1.0 - min(x, 1.0)
            self._pressure, self._pressure_at = 1.0 - remaining, now
        return self._pressure

    def pressure_floor(self) -> tuple[float, float]:
        """(pressure that holds from now until ``until`` at least, ``until``): the ``pressure_held`` hooks
        combined like :func:`sim.model.rules.mediation_pressure`."""
        floor, until = self._floor_held
        if self.model.now < until:
            return floor, until
        remaining, until = 1.0, NEVER
        for held in self.held:
            lever, lasts = held()
            if lever > 0.0:
                remaining *= 1.0 - min(lever, 1.0)
                until = min(until, lasts)
        self._floor_held = (1.0 - remaining, until)
        return self._floor_held

    def read_afresh(self) -> tuple[float, dict[str, float]]:
        """(pressure now, deterrence per sector) from every hook now, past every cache: what the bound
        check of :mod:`sim.model.unprovoked` compares with."""
        remaining = 1.0
        levers = [held()[0] for held in self.held] + [lever() for lever in self.levers]
        for x in levers:
            if x > 0.0:
                remaining *= 1.0 - min(x, 1.0)
        deterrence = dict.fromkeys(self.model.border.sector_ids, 0.0)
        for sector in deterrence:
            for party in self.coverers:
                deterrence[sector] = rules.either(deterrence[sector], party.deterrence(sector))
        return 1.0 - remaining, deterrence

    def pressure_changed(self) -> None:
        """A party's ``pressure_held`` changed: the floor is recomputed when next read."""
        self._floor_held = (0.0, -1.0)
