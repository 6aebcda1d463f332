"""Violation episodes and their summary statistics — the patterns calibration compares.

The same :func:`summary_statistics` runs on the record (via :func:`record_episodes`) and on simulated
runs (the simulator builds :class:`Episode` objects itself), so this module knows nothing about where
episodes come from. Times are hours since the ceasefire; losses are each side's own soldiers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Sequence

from sim.record.loader import SIDES

if TYPE_CHECKING:
    from sim.record.loader import Event, Record

WINDOW_HOURS = 340.0
"""Observation window, hours: from the ceasefire (14 Sept 2022 20:00 local) to the end of 28 Sept."""

STATISTICS = (
    "n_violations",
    "n_with_casualties",
    "killed_ARM",
    "killed_AZE",
    "wounded_ARM",
    "wounded_AZE",
    "max_tier",
    "first_violation_hours",
    "mean_gap_hours",
    "both_blame_share",
    "retaliation_share",
    "returned_to_war_scale",
)
"""Keys of :func:`summary_statistics`, in a fixed order."""


@dataclass(slots=True)
class Episode:
    """One violation episode: the opening fire plus the answers it provoked.

    The record's episodes (:func:`episodes_from_events`) fill the first six fields. A simulated run
    fills them all: :class:`sim.model.model.CeasefireModel` creates the episode when fire opens it and
    updates it with each exchange that belongs to it, so it is complete when the run ends.
    """

    start_hours: float  # hours since the ceasefire
    killed: dict[str, int]  # side -> own soldiers killed
    wounded: dict[str, int]  # side -> own soldiers wounded
    max_tier: int  # 1..4, heaviest weapon tier used (0 = none yet)
    blamed: dict[str, str | None]  # side -> whom that side says fired first (None = no claim)
    retaliated: dict[str, bool]  # side -> did it fire back in the episode
    # known in a simulated run only
    id: int = -1  # its index in the run's episodes (the incidents' ``episode``)
    sector: str = ""  # where it opened
    initiator: str = ""  # who really fired first ("" = unknown, as in the record)
    verified: bool = False  # a peacekeeper established the initiator
    kind: str = "unprovoked"  # how it opened: "unprovoked" fire (a local incident) or an "offensive"
    exchanges: int = 0  # exchanges of fire so far
    # known for some episodes only (the history's flare-ups; a run that models truces)
    end_hours: float | None = None  # when it ended, hours since the ceasefire (None = not known)
    truce: str = ""  # who brokered the truce that ended it ("" = it ended without a brokered truce)
    captured: dict[str, int] | None = None  # side -> own personnel taken by the other side (None = 0)


def record_episodes(record: Record, ceasefire: datetime | None = None) -> list[Episode]:
    """One episode per violation in the record, in time order (see :func:`episodes_from_events`);
    ``ceasefire`` defaults to the ceasefire per public reporting, 14 Sept 2022 20:00+04:00."""
    return episodes_from_events(record.violations(), ceasefire or record.ceasefire_time())


def episodes_from_events(
    events: Sequence[Event], ceasefire: datetime, kinds: tuple[str, ...] = ("violation",)
) -> list[Episode]:
    """One episode per event of ``kinds`` among ``events`` (the history adds advances, captures and
    flare-ups), in time order.

    - start: the earliest time any claim gives (approximate times are taken at face value; a violation
      with no claimed time starts at local midnight of its date), in hours after ``ceasefire``;
    - killed/wounded: each side's own claim about its own losses; ``None`` (not stated) counts as 0;
      if one side has several claims (several sources), the largest figure is used;
    - max_tier: the highest ladder tier in either side's claim;
    - blamed: whom each side's claim says fired first (None if that side made no claim or did not say);
    - retaliated: per the side's own claim; ``None`` (not stated) counts as False;
    - captured, end_hours, truce (only when some claim or the event gives them): own personnel taken
      (largest figure per side), the event's end, and the mediator of the truce named by ``ended_by``.
    """
    mediators = {e.id: e.mediator or "" for e in events}
    episodes = []
    for ev in sorted((e for e in events if e.kind in kinds), key=lambda e: e.start):
        killed = {s: 0 for s in SIDES}
        wounded = {s: 0 for s in SIDES}
        captured = {s: 0 for s in SIDES}
        blamed: dict[str, str | None] = {s: None for s in SIDES}
        retaliated = {s: False for s in SIDES}
        for c in ev.claims:
            killed[c.side] = max(killed[c.side], c.own_killed or 0)
            wounded[c.side] = max(wounded[c.side], c.own_wounded or 0)
            captured[c.side] = max(captured[c.side], c.captured or 0)
            blamed[c.side] = blamed[c.side] or c.fired_first
            retaliated[c.side] = retaliated[c.side] or bool(c.retaliated)
        episodes.append(
            Episode(
                start_hours=_hours(ev.start, ceasefire),
                killed=killed,
                wounded=wounded,
                max_tier=max((c.tier for c in ev.claims), default=0),
                blamed=blamed,
                retaliated=retaliated,
                end_hours=_hours(ev.end, ceasefire) if ev.end else None,
                truce=mediators.get(ev.ended_by or "", ""),
                captured=captured if any(captured.values()) else None,
            )
        )
    return episodes


def _hours(t: datetime, origin: datetime) -> float:
    return (t - origin).total_seconds() / 3600.0


def summary_statistics(
    episodes: Sequence[Episode],
    window_hours: float = WINDOW_HOURS,
    war_scale_killed: float = 100.0,
    war_window_hours: float = 48.0,
) -> dict[str, float]:
    """Summary statistics (all floats) of the episodes starting in ``[0, window_hours)``.

    - ``n_violations``, ``n_with_casualties`` (any killed or wounded on either side);
    - ``killed_ARM``, ``killed_AZE``, ``wounded_ARM``, ``wounded_AZE``: totals of own losses;
    - ``max_tier``: heaviest tier (0 if no episode);
    - ``first_violation_hours``: start of the first episode (``window_hours`` if none);
    - ``mean_gap_hours``: mean hours between consecutive starts (``window_hours`` if fewer than 2);
    - ``both_blame_share``: share of episodes where ARM blames AZE and AZE blames ARM (0 if none);
    - ``retaliation_share``: share of episodes where at least one side says it retaliated (0 if none);
    - ``returned_to_war_scale``: 1.0 if the killed of both sides in episodes starting within any
      ``war_window_hours`` span reaches ``war_scale_killed``, else 0.0.
    """
    eps = sorted((e for e in episodes if 0.0 <= e.start_hours < window_hours), key=lambda e: e.start_hours)
    n = len(eps)
    killed = {s: 0 for s in SIDES}
    wounded = {s: 0 for s in SIDES}
    n_cas = n_blame = n_ret = max_tier = 0
    totals = []  # killed (both sides) per episode
    for e in eps:
        k = w = 0
        for s in SIDES:
            ks, ws = e.killed.get(s, 0), e.wounded.get(s, 0)
            killed[s] += ks
            wounded[s] += ws
            k += ks
            w += ws
        totals.append(k)
        n_cas += (k + w) > 0
        n_blame += e.blamed.get("ARM") == "AZE" and e.blamed.get("AZE") == "ARM"
        n_ret += any(e.retaliated.values())
        max_tier = max(max_tier, e.max_tier)

    war = 0.0  # rolling window over episode starts: [start_i, start_i + war_window_hours)
    j = 0
    running = 0
    for i, e in enumerate(eps):
        while j < n and (j <= i or eps[j].start_hours < e.start_hours + war_window_hours):
            running += totals[j]
            j += 1
        if running >= war_scale_killed:
            war = 1.0
            break
        running -= totals[i]

    return {
        "n_violations": float(n),
        "n_with_casualties": float(n_cas),
        "killed_ARM": float(killed["ARM"]),
        "killed_AZE": float(killed["AZE"]),
        "wounded_ARM": float(wounded["ARM"]),
        "wounded_AZE": float(wounded["AZE"]),
        "max_tier": float(max_tier),
        "first_violation_hours": eps[0].start_hours if n else float(window_hours),
        "mean_gap_hours": (eps[-1].start_hours - eps[0].start_hours) / (n - 1) if n >= 2 else float(window_hours),
        "both_blame_share": n_blame / n if n else 0.0,
        "retaliation_share": n_ret / n if n else 0.0,
        "returned_to_war_scale": war,
    }


# --- the history's statistics: what the record measures reliably over months -----------------------

FLAREUP_KILLED = 4
"""An episode is a flare-up when it kills at least this many (both sides' own claims together) or
ends in a brokered truce: the history's own rule for a ``flare_up`` event (seeds/history/events.yaml);
its three flare-ups killed 4, 13 and 4, and no other incident more than 2."""

AFTERMATH_HOURS = 30 * 24.0
"""The first month of a period of the history (from its ceasefire or truce): deaths in it measure how long
the losses of the flare-up before it keep the border violent (four of the record's 13 episodes with a death
fell in the first month of its three periods, 90 of its 671 days)."""

HISTORY_STATISTICS = (
    "n_with_death",
    "n_with_death_aftermath",
    "n_with_casualties",
    "killed_ARM",
    "killed_AZE",
    "n_flareups",
    "flareup_killed_mean",
    "flareup_killed_max",
    "flareup_hours_mean",
    "first_flareup_hours",
    "flareup_gap_hours",
    "brokered_share",
)
"""Keys of :func:`history_statistics`, in a fixed order: only what the history measures reliably
(seeds/history/COVERAGE.md): deaths, flare-ups and how they ended; not the number of shootings."""


def is_flareup(e: Episode) -> bool:
    """True if ``e`` is a flare-up (:data:`FLAREUP_KILLED`, or a brokered truce ended it)."""
    return sum(e.killed.values()) >= FLAREUP_KILLED or bool(e.truce)


def flareup_sizes(episodes: Sequence[Episode]) -> list[int]:
    """Killed (both sides' own claims) in each flare-up among ``episodes``, in time order."""
    eps = sorted(episodes, key=lambda e: e.start_hours)
    return [sum(e.killed.values()) for e in eps if is_flareup(e)]


def history_statistics(episodes: Sequence[Episode], window_hours: float) -> dict[str, float]:
    """Statistics (all floats) of the episodes starting in ``[0, window_hours]`` (closed: a period of
    the history ends where the flare-up that closes it starts).

    - ``n_with_death``: episodes with anyone killed; ``n_with_death_aftermath``: those of them starting in
      the first :data:`AFTERMATH_HOURS`; ``n_with_casualties``: killed, wounded or captured;
    - ``killed_ARM``, ``killed_AZE``: totals of own killed;
    - ``n_flareups``; ``flareup_killed_mean`` and ``_max``: killed per flare-up (0 if none);
    - ``flareup_hours_mean``: mean duration of the flare-ups whose end is known (0 if none);
    - ``first_flareup_hours``: start of the first flare-up (``window_hours`` if none: censored);
    - ``flareup_gap_hours``: mean hours between consecutive flare-up starts (``window_hours`` if < 2);
    - ``brokered_share``: share of flare-ups that ended in a brokered truce (0 if none).
    """
    eps = sorted((e for e in episodes if 0.0 <= e.start_hours <= window_hours), key=lambda e: e.start_hours)
    killed = {s: float(sum(e.killed.get(s, 0) for e in eps)) for s in SIDES}
    flares = [e for e in eps if is_flareup(e)]
    sizes = [sum(e.killed.values()) for e in flares]
    durations = [e.end_hours - e.start_hours for e in flares if e.end_hours is not None]
    starts = [e.start_hours for e in flares]
    hurt = [e for e in eps if sum(e.killed.values()) + sum(e.wounded.values()) + sum((e.captured or {}).values()) > 0]
    return {
        "n_with_death": float(sum(1 for e in eps if sum(e.killed.values()) > 0)),
        "n_with_death_aftermath": float(
            sum(1 for e in eps if sum(e.killed.values()) > 0 and e.start_hours < AFTERMATH_HOURS)
        ),
        "n_with_casualties": float(len(hurt)),
        "killed_ARM": killed["ARM"],
        "killed_AZE": killed["AZE"],
        "n_flareups": float(len(flares)),
        "flareup_killed_mean": sum(sizes) / len(sizes) if sizes else 0.0,
        "flareup_killed_max": float(max(sizes, default=0)),
        "flareup_hours_mean": sum(durations) / len(durations) if durations else 0.0,
        "first_flareup_hours": starts[0] if starts else float(window_hours),
        "flareup_gap_hours": (starts[-1] - starts[0]) / (len(starts) - 1) if len(starts) >= 2 else float(window_hours),
        "brokered_share": sum(1 for e in flares if e.truce) / len(flares) if flares else 0.0,
    }
