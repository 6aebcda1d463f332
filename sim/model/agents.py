"""The sides' agents: a border position per side and sector, and each side's command.

Each agent keeps its own state and schedules its own behaviour on the model's event list (bound
methods, not lambdas). Time is in hours since the ceasefire. The rules they follow are pure functions in
:mod:`sim.model.rules`; the third parties are in :mod:`sim.model.third_parties`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from sim.model import rules
from sim.model.params import TOP_TIER
from sim.model.rules import HOURS_PER_DAY

if TYPE_CHECKING:
    from sim.model.model import CeasefireModel
    from sim.record.patterns import Episode


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
    def grievance(self, hours: float | None = None) -> float:
        """Grievance at ``hours`` (default: now), in killed-equivalents: the last value, halved every
        ``grievance.half_life_days`` since. The model's one decay of grievance."""
        elapsed = (self.model.now if hours is None else hours) - self._grievance_at
        if elapsed <= 0.0:
            return self._grievance
        return self._grievance * 0.5 ** (elapsed / self.model.half_life_hours)

    def remember(self, killed: float, wounded: float, hours: float) -> None:
        """Fire received at ``hours`` before the forecast starts (from the record): grievance only,
        no answer is drawn (what happened next is in the record too). Call in time order."""
        g = self.model.grievance_params
        self._grievance = self.grievance(hours) + g.per_killed * killed + g.per_wounded * wounded + g.per_exchange
        self._grievance_at = hours

    def opening_rate_bound(self) -> float:
        """Upper bound (1/hour) of this position's unprovoked fire until its grievance next rises: its rate
        with the grievance now and no pressure (the bound of :mod:`sim.model.unprovoked`)."""
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

    def attack(self, answers: int = -1, tier: int = TOP_TIER) -> int:
        """Fire for a deliberate offensive (a barrage at the top of the ladder unless ``tier`` says otherwise);
        return the exchange's id. The first fire opens an episode; later fire continues it (``answers`` =
        this position's previous fire in the offensive)."""
        xid = len(self.model.incidents)
        self.model.exchange(self, tier, kind="offensive", answers=answers)
        return xid

    def take_fire(self, tier: int) -> tuple[int, int]:
        """Fire of ``tier`` received: draw this position's killed and wounded, count them, and remember
        them as grievance; return (killed, wounded)."""
        m = self.model
        killed, wounded = m.draws.poisson(m.killed_tables[tier]), m.draws.poisson(m.wounded_tables[tier])
        g = m.grievance_params
        self.killed += killed
        self.wounded += wounded
        now = m.now
        self._grievance = self.grievance(now) + (g.per_killed * killed + g.per_wounded * wounded + g.per_exchange)
        self._grievance_at = now
        return killed, wounded

    def consider_retaliation(self, tier_received: int, exchange_id: int, episode: Episode) -> None:
        """Decide whether to answer fire, and at which tier; the answer comes after a delay. A local
        episode wears out (``retaliation.episode_fatigue`` per exchange in it); an offensive's does not
        while the offensive pushes, and wears out like any other after its push."""
        m = self.model
        r, draws = m.retaliation_params, m.draws
        g, pressure, interposition = self.grievance(), m.pressure(), m.sector_interposition[self.sector]
        if episode.kind == "offensive" and m.command_of(episode.initiator).is_pushing():
            fatigue = 1.0
        else:
            fatigue = rules.episode_fatigue_factor(r.episode_fatigue, episode.exchanges)
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

    def spill_over(self, tier: int, exchange_id: int) -> None:
        """This position's fire of ``tier`` may set off its neighbours, each independently: one draw per
        neighbour that joins (the gaps between joins are geometric)."""
        prob = self.model.spillover_by_tier[tier]
        if prob <= 0.0:
            return
        neighbours, uniform = self.neighbours, self.model.draws.uniform
        i = rules.failures_before_success(prob, uniform())
        while i < len(neighbours):
            neighbours[i].join_fight(tier, exchange_id)
            i += 1 + rules.failures_before_success(prob, uniform())

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
    """One side's political and military leadership: it may decide to attack (Fortna's deliberate
    breakdown), apart from the spirals its positions are drawn into.

    The decision is a Poisson process whose rate falls with mediation pressure and with the share of
    the border under observers (sampled by thinning against the unpressured, unobserved rate). An
    offensive's front is drawn with it: a limited offensive on a stretch of the border, which pushes
    briefly and then holds on, re-engaging, until a brokered truce stops it or its time is up; or one
    along all of it, which pushes throughout and reaches war scale (``offensive.scale``).
    """

    kind = "command"  # its rows in the timeline
    actions = ("offensive", "truce accepted")  # what it writes in the action log

    def __init__(self, model: CeasefireModel, side: str):
        super().__init__(model)
        self.side = side
        self.label = f"command {side}"  # who, in the action log
        self._next = None
        self.attacking_until = -1.0  # hours: the offensive under way ends then
        self.pushing_until = -1.0  # hours: its push (a barrage every interval) ends then
        self._barrages: dict = {}  # position -> id of its last barrage in this offensive
        self._front: list[BorderPosition] = []  # the positions the offensive under way attacks from

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

    def launch_offensive(self, full_breadth: bool = False) -> None:
        """The positions of the offensive's front (:meth:`choose_front`; every one with ``full_breadth``)
        attack until the command accepts a brokered truce or for at most ``offensive.max_days``. They push
        (:meth:`barrage`) for ``max_days`` times the front's share of the border's sectors: a limited
        offensive takes a limited gain soon, then holds it, re-engaging on and off while it lasts."""
        m = self.model
        m.log_action(self.label, "offensive")
        m.note_offensive()
        every = list(m.positions_of(self.side))
        self._front = every if full_breadth else self.choose_front(every)
        share = len(self._front) / len(every)
        self.attacking_until = m.now + m.params.offensive.max_days * HOURS_PER_DAY
        self.pushing_until = m.now + m.params.offensive.max_days * HOURS_PER_DAY * share
        self._barrages = {}
        self.barrage()

    def choose_front(self, positions: list[BorderPosition]) -> list[BorderPosition]:
        """Where an offensive attacks: a stretch of 1 + Binomial(n - 1, ``offensive.scale``) adjacent sectors
        around a sector drawn at random from the side's n ``positions`` (breadth first along the border's
        adjacency; a stretch ends where its chain of sectors does). At scale 1, every sector, and nothing is drawn."""
        m = self.model
        scale = m.params.offensive.scale
        if scale >= 1.0:
            return positions
        size = 1 + rules.binomial_quantile(len(positions) - 1, scale, m.draws.uniform())
        by_sector = {p.sector: p for p in positions}
        front = [positions[min(int(m.draws.uniform() * len(positions)), len(positions) - 1)]]
        for position in front:  # grows while it is read: breadth first
            for sector in m.border.adjacency[position.sector]:
                if len(front) < size and by_sector[sector] not in front:
                    front.append(by_sector[sector])
        return front

    def is_attacking(self) -> bool:
        """Whether an offensive of this command is under way now."""
        return self.model.now < self.attacking_until

    def is_pushing(self) -> bool:
        """Whether the offensive under way is in its push (at full breadth, all of it)."""
        return self.model.now < min(self.pushing_until, self.attacking_until)

    def barrage(self) -> None:
        """Fire from every position of the front: in the push, a barrage at the top tier, the next one after
        ``offensive.barrage_interval_hours``; after it, fire at an opening tier (as unprovoked fire opens),
        the next after an exponential gap of mean ``offensive.reengage_hours``."""
        m = self.model
        if m.collapsed or not self.is_attacking():
            return
        pushing = self.is_pushing()
        for position in self._front:
            if m.collapsed:
                return
            tier = TOP_TIER if pushing else rules.opening_tier(m.violation_params.opening_escalation, m.draws.uniform())
            self._barrages[position] = position.attack(self._barrages.get(position, -1), tier)
        o = m.params.offensive
        gap = o.barrage_interval_hours if pushing else m.draws.exponential(o.reengage_hours)
        m.schedule(self.barrage, m.now + gap)

    def accept_truce(self, lever: float) -> None:
        """A mediator brokers a truce: the offensive stops with probability ``lever``."""
        if self.is_attacking() and self.model.draws.uniform() < lever:
            self.attacking_until = self.model.now
            self.model.log_action(self.label, "truce accepted")
