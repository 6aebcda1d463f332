"""One run of the model as a library call, and its outputs on disk.

``simulate`` returns a :class:`RunResult`; ``write_run`` writes ``summary.json``, ``incidents.csv``
and ``timeline.png`` into a folder, each file written to a temporary name and then renamed.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import gc
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.common.files import write_atomic
from sim.model.border import Border, FireReceived
from sim.model.incidents import INCIDENT_FIELDS, Incident
from sim.model.model import CeasefireModel
from sim.model.params import SIDES, CollapseParams, ModelParams, ParameterError, validate
from sim.model.rules import HOURS_PER_DAY
from sim.record.patterns import Episode


@dataclass(frozen=True, slots=True)
class RunSummary:
    """What one run came to: summary.json of a single run (:meth:`to_dict`, in this field order) and a
    row of replications.csv."""

    seed: int | list[int]  # the SeedSequence's entropy
    spawn_key: list[int]  # [i] for replication i of an experiment
    scenario: str
    horizon_days: float
    collapsed: bool
    collapse_cause: str  # "spiral" or "offensive" once collapsed, else ""
    durability_days: float  # days from the start to the collapse, or the horizon
    n_violations: int  # episodes
    n_exchanges: int  # exchanges of fire (incidents)
    killed: dict[str, int]  # side -> own soldiers killed
    wounded: dict[str, int]
    max_tier: int  # heaviest tier fired (0 = no fire)
    drawn: dict[str, float] | None = None  # parameter values drawn from a posterior for this run (None: none)

    def to_dict(self) -> dict[str, Any]:
        """summary.json's fields, in order (``drawn`` only when parameters were drawn)."""
        out: dict[str, Any] = {
            "seed": self.seed if isinstance(self.seed, int) else list(self.seed),
            "spawn_key": list(self.spawn_key),
            "scenario": self.scenario,
            "horizon_days": self.horizon_days,
            "collapsed": self.collapsed,
            "collapse_cause": self.collapse_cause,
            "durability_days": self.durability_days,
            "n_violations": self.n_violations,
            "n_exchanges": self.n_exchanges,
            "killed": dict(self.killed),
            "wounded": dict(self.wounded),
            "max_tier": self.max_tier,
        }
        if self.drawn is not None:
            out["drawn"] = dict(self.drawn)
        return out


@dataclass
class RunResult:
    """What one run produced: its summary, the incident log, episodes and mediator actions."""

    summary: RunSummary
    incidents: list[Incident]
    episodes: list[Episode]  # comparable with the record's (sim.record.patterns.summary_statistics)
    actions: list[tuple[float, str, str]]
    border: Border
    n_events: int  # events the run ran (each exchange, candidate of unprovoked fire, act of a third party or command)

    @property
    def collapsed(self) -> bool:
        """Whether the ceasefire returned to war scale within the horizon."""
        return self.summary.collapsed

    @property
    def durability_days(self) -> float:
        """Days from the origin to collapse, or the horizon if it held."""
        return self.summary.durability_days


@contextlib.contextmanager
def collector_paused():
    """Pause Python's cyclic garbage collector while a run builds and runs its model, then restore it.

    A run creates no cyclic garbage while it runs (its agents and the model refer to each other, but all
    of them live until the run ends), yet its allocations would trigger the collector's young-generation
    passes over them (docs/performance.md). Whatever the run leaves is collected as usual afterwards. Only
    the state this call found is restored, so nested or concurrent runs are safe."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def seed_sequence(seed: int | np.random.SeedSequence) -> np.random.SeedSequence:
    """``seed`` as a ``numpy.random.SeedSequence`` (an int seeds a new one)."""
    return seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(int(seed))


def simulate(
    params: ModelParams,
    seed: int | np.random.SeedSequence,
    horizon_days: float,
    border: Border,
    scenario: str = "custom",
    origin: Origin | None = None,
    check: bool = True,
    drawn: dict[str, float] | None = None,
) -> RunResult:
    """Run the model to collapse or ``horizon_days`` with a generator seeded by ``seed``: from the
    ceasefire, or from ``origin`` (a later start in the state the record implies then).

    ``drawn``: the parameter values drawn from a posterior for this run (recorded in its summary).

    ``params`` are range-checked first, as the command line checks them (one-line
    :class:`sim.model.params.ParameterError`); loops that checked them already pass ``check=False``."""
    if check:
        validate(params, sectors=border.sector_ids)
        if not (horizon_days > 0) or horizon_days == float("inf"):
            raise ParameterError(f"horizon_days={horizon_days} is out of range; allowed (0.0, inf) days")
    ss = seed_sequence(seed)
    origin = origin or Origin()
    with collector_paused():
        rng = np.random.default_rng(ss)
        model = CeasefireModel(params, border, horizon_days, rng, origin_hours=origin.hours, history=origin.history)
        model.run()
    summary = summarize(model, ss, scenario, horizon_days, drawn)
    return RunResult(summary, model.incidents, model.episodes, model.actions, border, model.n_events)


@dataclass(frozen=True)
class Origin:
    """Where a run starts: hours after the ceasefire, and the fire received before then (the record)."""

    hours: float = 0.0
    history: tuple[FireReceived, ...] = ()


FLAREUP_HOURS = 48.0  # the 13-14 Sept flare-up lasted about two days (public reporting)


def war_scale_killed(
    params: ModelParams,
    seed: int | np.random.SeedSequence,
    border: Border,
    hours: float = FLAREUP_HOURS,
    cap: float = 2000.0,
) -> int:
    """Killed (both sides) in the first ``hours`` of a flare-up: the war regime's scale.

    Every position opens fire at the top tier at hour 0 and the rules run on, mediation included,
    with collapse switched off; the run stops early once ``cap`` killed is reached.
    """
    war = dataclasses.replace(
        params, collapse=CollapseParams(rule="killed_window", window_hours=hours, killed_threshold=cap)
    )
    with collector_paused():
        model = CeasefireModel(
            war, border, hours / HOURS_PER_DAY, rng=np.random.default_rng(seed_sequence(seed)), start="war"
        )
        model.run()
    return sum(p.killed for p in model.positions)


def summarize(
    model: CeasefireModel,
    ss: np.random.SeedSequence,
    scenario: str,
    horizon_days: float,
    drawn: dict[str, float] | None = None,
) -> RunSummary:
    """The run's summary: collapse and its cause, durability, violations, casualties per side, top tier."""
    killed = {side: sum(p.killed for p in model.positions if p.side == side) for side in SIDES}
    wounded = {side: sum(p.wounded for p in model.positions if p.side == side) for side in SIDES}
    max_tier = max((e.max_tier for e in model.episodes), default=0)  # every exchange is in an episode
    if model.collapsed:
        durability = (model.collapse_hours - model.origin_hours) / HOURS_PER_DAY
    else:
        durability = float(horizon_days)
    return RunSummary(
        seed=ss.entropy if isinstance(ss.entropy, int) else [int(x) for x in ss.entropy],
        spawn_key=list(ss.spawn_key),
        scenario=scenario,
        horizon_days=float(horizon_days),
        collapsed=bool(model.collapsed),
        collapse_cause=model.collapse_cause,
        durability_days=round(float(durability), 6),
        n_violations=len(model.episodes),
        n_exchanges=len(model.incidents),
        killed=killed,
        wounded=wounded,
        max_tier=int(max_tier),
        drawn=drawn,
    )


# -- writing ----------------------------------------------------------------------------------------


def summary_json(summary: RunSummary) -> bytes:
    """summary.json's bytes for one run."""
    return (json.dumps(summary.to_dict(), indent=2, sort_keys=False) + "\n").encode()


def incidents_csv(result: RunResult) -> bytes:
    """incidents.csv's bytes: one row per exchange, in :data:`INCIDENT_FIELDS` order."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(INCIDENT_FIELDS)
    for row in result.incidents:
        w.writerow([f"{v:.4f}" if isinstance(v, float) else int(v) if isinstance(v, bool) else v for v in row])
    return buf.getvalue().encode()


def write_run(result: RunResult, out_dir: Path, timeline: bool = True) -> None:
    """Write ``summary.json``, ``incidents.csv`` and (optionally) ``timeline.png`` into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(out_dir / "incidents.csv", incidents_csv(result))
    if timeline:
        from sim.model.timeline import timeline_png

        write_atomic(out_dir / "timeline.png", timeline_png(result))
    write_atomic(out_dir / "summary.json", summary_json(result.summary))
