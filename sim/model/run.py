"""One run of the model as a library call, and its outputs on disk.

``simulate`` returns a :class:`RunResult`; ``write_run`` writes ``summary.json``, ``incidents.csv``
and ``timeline.png`` into a folder, each file written to a temporary name and then renamed.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.model.model import INCIDENT_FIELDS, CeasefireModel, EpisodeReport
from sim.model.params import SIDES, CollapseParams, ModelParams, ParameterError, validate
from sim.record.patterns import Episode
from sim.model.rules import HOURS_PER_DAY
from sim.model.setting import FireReceived, Setting
from sim.common.files import write_atomic

_COL = {name: i for i, name in enumerate(INCIDENT_FIELDS)}


@dataclass
class RunResult:
    """What one run produced: its summary, the incident log, episodes and mediator actions."""

    summary: dict
    incidents: list[tuple]
    episodes: list[EpisodeReport]
    actions: list[tuple[float, str, str]]
    setting: Setting
    n_scheduled: int        # events the run put on Mesa's event list

    @property
    def collapsed(self) -> bool:
        return self.summary["collapsed"]

    @property
    def durability_days(self) -> float:
        return self.summary["durability_days"]


def pattern_episodes(result: RunResult) -> list[Episode]:
    """The run's episodes as :class:`sim.record.patterns.Episode`, comparable with the record's."""
    c = _COL
    out = []
    rows_by_episode: dict[int, list[tuple]] = {}
    for row in result.incidents:
        rows_by_episode.setdefault(row[c["episode"]], []).append(row)
    for ep in result.episodes:
        rows = rows_by_episode.get(ep.id, ())
        killed = {s: sum(r[c[f"killed_{s}"]] for r in rows) for s in SIDES}
        wounded = {s: sum(r[c[f"wounded_{s}"]] for r in rows) for s in SIDES}
        answered = {r[c["initiator"]] for r in rows if r[c["kind"]] == "retaliation"}
        out.append(Episode(
            start_hours=ep.start_hours, killed=killed, wounded=wounded,
            max_tier=max((r[c["tier"]] for r in rows), default=0),
            blamed={s: ep.claims[s] or None for s in SIDES},
            retaliated={s: s in answered for s in SIDES}))
    return out


def seed_sequence(seed: int | np.random.SeedSequence) -> np.random.SeedSequence:
    return seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(int(seed))


def simulate(params: ModelParams, seed: int | np.random.SeedSequence, horizon_days: float,
             setting: Setting, scenario: str = "custom", origin: Origin | None = None,
             check: bool = True) -> RunResult:
    """Run the model to collapse or ``horizon_days`` with a generator seeded by ``seed``: from the
    ceasefire, or from ``origin`` (a later start in the state the record implies then).

    ``params`` are range-checked first, as the command line checks them (one-line
    :class:`sim.model.params.ParameterError`); loops that checked them already pass ``check=False``."""
    if check:
        validate(params, sectors=setting.sector_ids)
        if not (horizon_days > 0) or horizon_days == float("inf"):
            raise ParameterError(f"horizon_days={horizon_days} is out of range; allowed (0.0, inf) days")
    ss = seed_sequence(seed)
    origin = origin or Origin()
    model = CeasefireModel(params, setting, horizon_days, rng=np.random.default_rng(ss),
                           origin_hours=origin.hours, history=origin.history)
    model.run()
    return RunResult(summarize(model, ss, scenario, horizon_days), model.incidents, model.episodes,
                     model.actions, setting, model.n_scheduled)


@dataclass(frozen=True)
class Origin:
    """Where a run starts: hours after the ceasefire, and the fire received before then (the record)."""

    hours: float = 0.0
    history: tuple[FireReceived, ...] = ()


FLAREUP_HOURS = 48.0   # the 13-14 Sept flare-up lasted about two days (public reporting)


def war_scale_killed(params: ModelParams, seed: int | np.random.SeedSequence, setting: Setting,
                     hours: float = FLAREUP_HOURS, cap: float = 2000.0) -> int:
    """Killed (both sides) in the first ``hours`` of a flare-up: the war regime's scale.

    Every position opens fire at the top tier at hour 0 and the rules run on, mediation included,
    with collapse switched off; the run stops early once ``cap`` killed is reached.
    """
    war = dataclasses.replace(params, collapse=CollapseParams(rule="killed_window", window_hours=hours,
                                                               killed_threshold=cap))
    model = CeasefireModel(war, setting, hours / HOURS_PER_DAY, rng=np.random.default_rng(seed_sequence(seed)),
                           start="war")
    model.run()
    return sum(p.killed for p in model.positions)


def summarize(model: CeasefireModel, ss: np.random.SeedSequence, scenario: str, horizon_days: float) -> dict:
    killed = {s: 0 for s in SIDES}
    wounded = {s: 0 for s in SIDES}
    for side in SIDES:
        killed[side] = sum(p.killed for p in model.positions if p.side == side)
        wounded[side] = sum(p.wounded for p in model.positions if p.side == side)
    max_tier = max((row[_COL["tier"]] for row in model.incidents), default=0)
    if model.collapsed:
        durability = (model.collapse_hours - model.origin_hours) / HOURS_PER_DAY
    else:
        durability = float(horizon_days)
    return {
        "seed": ss.entropy if isinstance(ss.entropy, int) else [int(x) for x in ss.entropy],
        "spawn_key": list(ss.spawn_key),
        "scenario": scenario,
        "horizon_days": float(horizon_days),
        "collapsed": bool(model.collapsed),
        "collapse_cause": model.collapse_cause,
        "durability_days": round(float(durability), 6),
        "n_violations": len(model.episodes),
        "n_exchanges": len(model.incidents),
        "killed": killed,
        "wounded": wounded,
        "max_tier": int(max_tier),
    }


# -- writing ----------------------------------------------------------------------------------------

def summary_json(summary: dict) -> bytes:
    return (json.dumps(summary, indent=2, sort_keys=False) + "\n").encode()


def incidents_csv(result: RunResult) -> bytes:
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
