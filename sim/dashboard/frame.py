"""What a run looks like now: a frozen snapshot read from the ceasefire model between steps.

The figures draw a :class:`Frame`, never the live model: the page reads everything it shows into a new
frame once Mesa's controller has run a Step's steps (the page renders then, in the thread that stepped,
before it steps again), and the figures keep it whole. Reading changes nothing in the model: no draw, no
event, no cache.

Mediation pressure and peacekeeper coverage over time are rebuilt from the run's action log, exactly:
a mediator presses from each of its logged acts for ``mediation.pressure_duration_days``
(:meth:`sim.model.agents.Mediator.press`) and the mediators' levers combine as
:func:`sim.model.rules.mediation_pressure`; a contingent covers its sectors from its ``deploy`` to its
``withdraw`` (:class:`sim.model.agents.ObserverMission`). ``tests/dashboard`` checks both against the
model's own state at the same hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sim.model.incidents import Incident
from sim.model.rules import HOURS_PER_DAY, mediation_pressure
from sim.model.third_parties import Mediator, ObserverMission

if TYPE_CHECKING:
    from sim.model.model import CeasefireModel


@dataclass(frozen=True)
class Position:
    """One side's position in one sector, now."""

    sector: str
    side: str
    tier: int  # 0 = holding fire, 1..4 on the weapon ladder
    grievance: float  # killed-equivalents
    killed: int
    wounded: int


@dataclass(frozen=True)
class Series:
    """A step function of time: ``values[i]`` holds from ``days[i]`` to ``days[i + 1]``."""

    days: tuple[float, ...]
    values: tuple[float, ...]

    def at(self, day: float) -> float:
        """The value holding on ``day``."""
        value = self.values[0] if self.values else 0.0
        for d, v in zip(self.days, self.values):
            if d > day:
                break
            value = v
        return value


@dataclass(frozen=True)
class Claim:
    """One episode: where and when it opened, who really fired first, and whom each side blames."""

    episode: int
    day: float
    sector: str
    fired_first: str  # the side that really opened fire
    says: dict[str, str | None]  # side -> whom it says fired first (None: no claim)
    verified: bool  # a peacekeeper established who fired first
    kind: str  # "unprovoked" (a local incident) or "offensive"
    killed: dict[str, int]


@dataclass(frozen=True)
class Frame:
    """Everything the run view draws for one day."""

    now_days: float  # model time, days since the ceasefire (the horizon on the last day)
    horizon_days: float
    date: datetime  # the calendar day: the ceasefire (14 Sept 2022, 20:00 local) + now
    scenario: str
    sectors: tuple[str, ...]  # north to south
    adjacency: dict[str, tuple[str, ...]]
    positions: tuple[Position, ...]
    covered: frozenset[str]  # sectors a deployed contingent covers now
    contingents: tuple[str, ...]  # the contingents' names (none in sept2022)
    incidents: tuple[Incident, ...]
    claims: tuple[Claim, ...]
    pressure: Series  # combined mediation pressure, 0..1
    coverage: Series  # share of the border's sectors covered by a deployed contingent, 0..1
    collapse: dict | None  # sim.model.timeline.collapse_info: day, cause, label; None while it holds

    @property
    def holding(self) -> bool:
        """The ceasefire has not collapsed."""
        return self.collapse is None

    def killed(self, side: str) -> int:
        """Soldiers of ``side`` killed so far."""
        return sum(p.killed for p in self.positions if p.side == side)


def read_frame(model: CeasefireModel, scenario: str, collapse: dict | None) -> Frame:
    """The snapshot of ``model`` now (``collapse``: :func:`sim.model.timeline.collapse_info`)."""
    now = model.now
    border = model.border
    contingents = [p for p in model.third_parties if isinstance(p, ObserverMission)]
    positions = tuple(Position(p.sector, p.side, p.tier, p.grievance(), p.killed, p.wounded) for p in model.positions)
    return Frame(
        now_days=now / HOURS_PER_DAY,
        horizon_days=model.horizon_hours / HOURS_PER_DAY,
        date=border.ceasefire + timedelta(hours=now),
        scenario=scenario,
        sectors=tuple(border.sector_ids),
        adjacency=dict(border.adjacency),
        positions=positions,
        covered=frozenset(s for s in border.sector_ids if any(c.covers(s) for c in contingents)),
        contingents=tuple(c.label for c in contingents),
        incidents=tuple(model.incidents),
        claims=tuple(_claim(e) for e in model.episodes),
        pressure=pressure_series(
            model.actions,
            {m.name: m.lever for m in model.third_parties if isinstance(m, Mediator)},
            model.params.mediation.pressure_duration_days * HOURS_PER_DAY,
            now,
        ),
        coverage=coverage_series(model.actions, {c.label: c.sectors for c in contingents}, len(border.sector_ids), now),
        collapse=collapse,
    )


def _claim(e: Any) -> Claim:
    return Claim(
        e.id,
        e.start_hours / HOURS_PER_DAY,
        e.sector,
        e.initiator,
        dict(e.blamed),
        e.verified,
        e.kind,
        dict(e.killed),
    )


def pressure_series(
    actions: list[tuple[float, str, str]], levers: dict[str, float], duration_hours: float, until_hours: float
) -> Series:
    """Combined mediation pressure from hour 0 to ``until_hours``: each mediator (``levers``: name ->
    lever) presses for ``duration_hours`` from each act it logged."""
    presses: dict[str, list[float]] = {name: [] for name in levers}
    for t, who, what in actions:
        if who in presses and what in Mediator.actions and t <= until_hours:
            presses[who].append(t)
    cuts = {0.0, until_hours}
    for times in presses.values():
        cuts.update(t for t in times)
        cuts.update(t + duration_hours for t in times if t + duration_hours < until_hours)
    days, values = [], []
    for cut in sorted(cuts):
        active = [levers[m] for m, times in presses.items() if any(t <= cut < t + duration_hours for t in times)]
        days.append(cut / HOURS_PER_DAY)
        values.append(mediation_pressure(active))
    return Series(tuple(days), tuple(values))


def coverage_series(
    actions: list[tuple[float, str, str]], sectors_of: dict[str, frozenset[str]], n_sectors: int, until_hours: float
) -> Series:
    """Share of the border's sectors covered by a deployed contingent, from hour 0 to ``until_hours``
    (``sectors_of``: contingent name -> its sectors)."""
    deployed: set[str] = set()
    days, values = [0.0], [0.0]
    for t, who, what in actions:
        if who not in sectors_of or what not in ObserverMission.actions or t > until_hours:
            continue
        (deployed.add if what == "deploy" else deployed.discard)(who)
        share = len(set().union(*(sectors_of[c] for c in deployed))) / n_sectors if deployed else 0.0
        day = t / HOURS_PER_DAY
        if day == days[-1]:
            values[-1] = share
        else:
            days.append(day)
            values.append(share)
    days.append(until_hours / HOURS_PER_DAY)
    values.append(values[-1])
    return Series(tuple(days), tuple(values))
