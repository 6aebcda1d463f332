"""N replications of one experiment, their aggregate, and the files they leave in the output folder.

Replication ``i`` of an experiment with seed ``s`` and ``N`` replications runs on
``numpy.random.SeedSequence(s).spawn(N)[i]`` -- the same stream as ``SeedSequence(s, spawn_key=(i,))``,
so replication 0 of a 200-run experiment is the single run with the same seed, and any row of
``replications.csv`` can be re-run alone. Nothing is kept between calls: no global generator,
no module state.

Files (all written to a temporary name, then renamed; ``summary.json`` last):

- ``replications.csv``: one row per replication;
- ``incidents.csv``, ``timeline.png``: replication 0 (:func:`sim.model.run.write_run`);
- ``survival.png``: Kaplan-Meier curve of durability (N >= 2);
- ``summary.json``: the aggregate (and, with N = 1, the run's own summary fields).
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence, TextIO

import numpy as np

from sim.experiment.config import (ExperimentConfig, check, check_scenario, experiment_explicit, fixed_parameters,
                        load_posterior, load_setting)
from sim.model.params import SIDES, ModelParams
from sim.common.files import write_atomic
from sim.experiment.survival import days_text

SUMMARY_FILE = "summary.json"
REPLICATIONS_FILE = "replications.csv"
SURVIVAL_FILE = "survival.png"
LOCK_FILE = ".ceasefire-sim.lock"
# Every file a run writes into its folder (summary.json first: removed first, written last).
OUTPUT_FILES = (SUMMARY_FILE, REPLICATIONS_FILE, SURVIVAL_FILE, "incidents.csv", "timeline.png")
Z95 = 1.959963984540054
# run-summary fields that are the same for every replication (they go to summary.json once)
_CONSTANT_FIELDS = ("seed", "spawn_key", "scenario", "horizon_days")


# --- running --------------------------------------------------------------------------------------

def seed_sequences(seed: int, replications: int) -> list[np.random.SeedSequence]:
    """The generator seed of each replication."""
    return np.random.SeedSequence(seed).spawn(replications)


class Progress:
    """A tqdm progress bar on a terminal (runs done, rate, time left); silent when disabled or when
    the stream is not a terminal (logs and pipes get no control characters)."""

    def __init__(self, total: int, label: str, enabled: bool = True, stream: TextIO | None = None,
                 min_interval: float = 0.2):
        self.stream = sys.stderr if stream is None else stream
        isatty = getattr(self.stream, "isatty", None)
        self.enabled = bool(enabled and total > 1 and isatty is not None and isatty())
        self.total, self.label, self.min_interval = total, label, min_interval
        self._bar = None

    def restart(self) -> None:
        """Start the bar (and its clock) now, after slow imports."""
        if self.enabled:
            from tqdm import tqdm

            self.close()
            self._bar = tqdm(total=self.total, desc=self.label, unit="run", file=self.stream,
                             mininterval=self.min_interval, dynamic_ncols=True)

    def update(self, done: int) -> None:
        """``done`` runs of ``total`` have finished."""
        if self.enabled and self._bar is None:
            self.restart()
        if self._bar is not None:
            self._bar.update(done - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


PARAMS_STREAM = 0x5041524D  # tags the seed stream that draws parameters from a posterior


def run_replications(params: ModelParams, seed: int, replications: int, horizon_days: float, setting: Any,
                     scenario: str, progress: Progress | None = None,
                     posterior: Any = None, fixed: Sequence[str] = ()) -> tuple[list[dict], Any]:
    """Run the replications; return every run's summary and the first run's full result.

    With a ``posterior`` (:class:`calibration.posterior.Posterior`), replication i runs on parameters
    drawn from it with its own generator (``SeedSequence([seed, PARAMS_STREAM]).spawn(N)[i]``), on
    top of ``params``; the drawn values go into its summary under ``drawn``. Parameters named in
    ``fixed`` keep their value in ``params`` (set explicitly by the user) and are not drawn.
    """
    fixed = tuple(fixed)
    from sim.model.run import simulate

    summaries: list[dict] = []
    first = None
    draws = np.random.SeedSequence([seed, PARAMS_STREAM]).spawn(replications) if posterior is not None else None
    if progress is not None:
        progress.restart()
    try:
        for i, ss in enumerate(seed_sequences(seed, replications)):
            run_params = params if draws is None else posterior.draw(np.random.default_rng(draws[i]), params, fixed)
            result = simulate(run_params, ss, horizon_days, setting, scenario, check=False)  # checked above
            if draws is not None:
                result.summary["drawn"] = {n: float(v) for n, v in posterior.values_of(run_params).items()
                                           if n not in fixed}
            summaries.append(result.summary)
            if i == 0:
                first = result
            if progress is not None:
                progress.update(i + 1)
    finally:
        if progress is not None:
            progress.close()
    return summaries, first


# --- statistics -----------------------------------------------------------------------------------

def wilson_interval(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion k/n."""
    if n <= 0:
        raise ValueError("n must be positive")
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def mean_ci(values: Sequence[float]) -> dict:
    """Mean and its 95% t-interval (``None`` limits with fewer than two values)."""
    from scipy import stats

    x = np.asarray(values, dtype=float)
    mean = float(x.mean())
    if x.size < 2:
        return {"mean": _r(mean), "ci95": [None, None]}
    sd = float(x.std(ddof=1))
    half = float(stats.t.ppf(0.975, x.size - 1)) * sd / math.sqrt(x.size)
    return {"mean": _r(mean), "ci95": [_r(mean - half), _r(mean + half)]}


def _r(x: float | None, ndigits: int = 4) -> float | None:
    return None if x is None else round(float(x), ndigits)


def aggregate(summaries: Sequence[dict], scenario: str, seed: int, horizon_days: float) -> tuple[dict, Any]:
    """The aggregate for summary.json, and the Kaplan-Meier fit it used."""
    from sim.experiment.survival import kaplan_meier, median_summary

    n = len(summaries)
    collapsed = [bool(s["collapsed"]) for s in summaries]
    durations = [float(s["durability_days"]) for s in summaries]
    k = sum(collapsed)
    lo, hi = wilson_interval(k, n)
    km = kaplan_meier(durations, collapsed)
    per_rep: dict[str, Any] = {
        "n_violations": mean_ci([s["n_violations"] for s in summaries]),
    }
    if all("n_exchanges" in s for s in summaries):
        per_rep["n_exchanges"] = mean_ci([s["n_exchanges"] for s in summaries])
    per_rep["killed"] = {side: mean_ci([s["killed"][side] for s in summaries]) for side in SIDES}
    per_rep["wounded"] = {side: mean_ci([s["wounded"][side] for s in summaries]) for side in SIDES}
    tiers = sorted({int(s["max_tier"]) for s in summaries})
    per_rep["max_tier_counts"] = {str(t): sum(int(s["max_tier"]) == t for s in summaries) for t in tiers}
    per_rep["method"] = "mean over replications with a 95% t-interval (null with one replication)"
    agg = {
        "scenario": scenario,
        "seed": int(seed),
        "replications": n,
        "horizon_days": float(horizon_days),
        "share_collapsed": {
            "estimate": _r(k / n),
            "ci95": [_r(lo), _r(hi)],
            "n_collapsed": k,
            "method": f"collapsed within {horizon_days:g} days; Wilson score 95% interval",
        },
        "median_durability_days": median_summary(km, horizon_days),
        "per_replication": per_rep,
    }
    return agg, km


# --- files ----------------------------------------------------------------------------------------

def flatten(summary: dict) -> dict:
    """A run summary as one flat row (``killed_ARM`` ...), without the fields shared by all runs."""
    row: dict[str, Any] = {}
    for key, value in summary.items():
        if key in _CONSTANT_FIELDS:
            continue
        if isinstance(value, dict):
            for sub, v in value.items():
                row[f"{key}_{sub}"] = v
        else:
            row[key] = value
    return row


def replications_csv(summaries: Sequence[dict], constant: dict[str, Any] | None = None) -> str:
    """One row per replication; ``constant`` columns (provenance) are appended to every row."""
    constant = constant or {}
    rows = [{**flatten(s), **constant} for s in summaries]
    columns = ["replication"] + list(rows[0]) if rows else ["replication"]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for i, row in enumerate(rows):
        row = {"replication": i, **row}
        w.writerow([_cell(row.get(c, "")) for c in columns])
    return buf.getvalue()


def _cell(v: Any) -> Any:
    if isinstance(v, (bool, np.bool_)):
        return int(v)
    if isinstance(v, float):
        return repr(v) if math.isfinite(v) else ""
    return v


def _json_default(o: Any) -> Any:
    if isinstance(o, np.generic):
        return o.item()
    raise TypeError(f"not JSON serializable: {type(o).__name__}")


def summary_json(summary: dict) -> str:
    """Indented JSON with short lists (``ci95``) kept on one line."""
    return _dumps(summary, 0) + "\n"


def _dumps(obj: Any, level: int) -> str:
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        pad = "  " * (level + 1)
        items = [f"{pad}{json.dumps(str(k))}: {_dumps(v, level + 1)}" for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + "  " * level + "}"
    if isinstance(obj, (list, tuple)) and any(isinstance(v, (dict, list, tuple)) for v in obj):
        pad = "  " * (level + 1)
        return "[\n" + ",\n".join(pad + _dumps(v, level + 1) for v in obj) + "\n" + "  " * level + "]"
    return json.dumps(obj, default=_json_default, allow_nan=False)


def write_first_run(first: Any, out_dir: Path, timeline: bool = True, params_info: dict | None = None) -> None:
    """``incidents.csv`` and (optionally) ``timeline.png`` of replication 0 (summary.json is the aggregate's)."""
    from sim.model.run import incidents_csv

    write_atomic(out_dir / "incidents.csv", incidents_csv(first))
    if timeline:
        from sim.model.timeline import timeline_png

        write_atomic(out_dir / "timeline.png", timeline_png(first, params_info=params_info))


def experiment_summary(exp: ExperimentConfig, summaries: Sequence[dict], params_info: dict | None = None,
                       provenance: dict | None = None) -> tuple[dict, Any]:
    """summary.json's content: the aggregate, plus the run's own fields with one replication, then
    where the parameters came from (``params``) and what produced the result (``provenance``)."""
    agg, km = aggregate(summaries, exp.scenario, exp.seed, exp.horizon_days)
    if len(summaries) == 1:
        run = {k: v for k, v in summaries[0].items() if k not in agg}
        agg = {**{k: agg[k] for k in ("scenario", "seed", "replications", "horizon_days")}, **run, **agg}
    if params_info is not None:
        agg["params"] = params_info
    if provenance is not None:
        agg["provenance"] = provenance
    return agg, km


class FolderInUse(OSError):
    """Another live run is writing into this folder."""


def claim_folder(out_dir: Path) -> Path:
    """Mark ``out_dir`` as this process's (``.ceasefire-sim.lock`` holding its pid, created
    exclusively); refuse if another live process holds it. Returns the lock's path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    lock = out_dir / LOCK_FILE
    for _ in range(3):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                pid = int(lock.read_text().strip() or 0)
            except (OSError, ValueError):
                pid = 0
            if pid == os.getpid():
                return lock
            if pid > 0 and _alive(pid):
                raise FolderInUse(f"{out_dir}: another run (pid {pid}) is writing into this folder; "
                                  "use another folder (hydra.run.dir=...)") from None
            lock.unlink(missing_ok=True)   # left by a run that died: take it over
            continue
        with os.fdopen(fd, "w") as f:
            f.write(f"{os.getpid()}\n")
        return lock
    raise FolderInUse(f"{out_dir}: cannot claim the folder ({LOCK_FILE} keeps reappearing)")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clear_outputs(out_dir: Path) -> None:
    """Remove the files an earlier run of this tool left in ``out_dir`` (summary.json first, so the
    folder never looks finished meanwhile); nothing else in the folder is touched."""
    for name in OUTPUT_FILES:
        path = Path(out_dir) / name
        if path.is_file() or path.is_symlink():
            path.unlink(missing_ok=True)


def write_outputs(out_dir: Path, exp: ExperimentConfig, summaries: Sequence[dict], first: Any,
                  timeline: bool = True, params_info: dict | None = None,
                  provenance: dict | None = None) -> dict:
    """Write every output file into ``out_dir``; return summary.json's content.

    Files an earlier run left in the folder are removed first (a reused folder never mixes two
    runs' files); every file is written to a temporary name and renamed, summary.json last.
    """
    from sim.experiment.provenance import params_label
    from sim.experiment.survival import survival_png

    out_dir = Path(out_dir)
    lock = claim_folder(out_dir)
    try:
        clear_outputs(out_dir)
        summary, km = experiment_summary(exp, summaries, params_info, provenance)
        write_atomic(out_dir / REPLICATIONS_FILE, replications_csv(summaries, _constant_columns(summary)))
        write_first_run(first, out_dir, timeline=timeline, params_info=params_info)
        if len(summaries) >= 2:
            label = exp.scenario if params_info is None else f"{exp.scenario} ({params_label(params_info)})"
            write_atomic(out_dir / SURVIVAL_FILE, survival_png(km, exp.horizon_days, label))
        write_atomic(out_dir / SUMMARY_FILE, summary_json(summary))  # last: its presence means complete
    except BaseException:
        try:  # a full disk, an interruption: no partial set of files is left to be mistaken for results
            clear_outputs(out_dir)
        except OSError:
            pass
        raise
    finally:
        lock.unlink(missing_ok=True)
    return summary


def _constant_columns(summary: dict) -> dict[str, Any]:
    """The provenance columns repeated on every row of replications.csv."""
    info, prov = summary.get("params"), summary.get("provenance")
    if info is None and prov is None:
        return {}
    out: dict[str, Any] = {}
    if info is not None:
        out["params_source"] = info.get("source", "")
        out["posterior_sha256"] = info.get("posterior_sha256") or ""
        out["params_fixed"] = " ".join(info.get("fixed") or [])
    if prov is not None:
        out["code_version"] = prov.get("code_version", "")
        out["record_sha256"] = prov.get("record_sha256", "")
    return out


@dataclass
class Replicated:
    """An experiment whose replications have run, before anything is written."""

    exp: ExperimentConfig
    summaries: list[dict]         # one run summary per replication
    first: Any                    # replication 0's full result (incidents, episodes, actions)
    params_info: dict             # where the parameters came from (sim.experiment.provenance.params_info)
    provenance: dict              # code version, record digest, resolved config

    def summary(self) -> dict:
        """summary.json's content: the aggregate with ``params`` and ``provenance``."""
        return experiment_summary(self.exp, self.summaries, self.params_info, self.provenance)[0]

    def rows(self) -> list[dict]:
        """The rows of replications.csv, as dicts (replication index first)."""
        constant = _constant_columns(self.summary())
        return [{"replication": i, **flatten(s), **constant} for i, s in enumerate(self.summaries)]


def replicate(exp: ExperimentConfig, setting: Any = None, stream: TextIO | None = None,
              explicit: Sequence[str] | None = None) -> Replicated:
    """Check the config and run its replications (nothing written).

    ``explicit``: the keys the user set (default: those recorded on ``exp`` by
    :func:`sim.experiment.config.experiment_config` or the command line, else those differing from the
    defaults). A value the scenario file sets must be in ``exp`` unless its key is explicit (so a
    config labelled ``observer_mission`` runs the observer mission); with a posterior
    (``params=calibrated`` or a file) the explicit parameters stay fixed and the others are drawn.

    Raises :class:`sim.model.params.ParameterError` or :class:`sim.record.loader.RecordError` (one-line
    messages) before anything is run.
    """
    from sim.experiment.provenance import params_info, provenance

    if setting is None:
        setting = load_setting(exp.seeds_dir)
    params = check(exp, setting.sector_ids)
    explicit = experiment_explicit(exp) if explicit is None else frozenset(explicit)
    check_scenario(exp, explicit)
    posterior = load_posterior(exp.params)
    fixed = fixed_parameters(exp, posterior.names, explicit) if posterior is not None else ()
    info = params_info(exp, posterior, fixed)
    progress = Progress(exp.replications, f"{exp.scenario}", enabled=exp.progress, stream=stream)
    summaries, first = run_replications(params, exp.seed, exp.replications, exp.horizon_days, setting,
                                        exp.scenario, progress, posterior, fixed)
    return Replicated(exp, summaries, first, info, provenance(exp))


def run_experiment(exp: ExperimentConfig, out_dir: Path, setting: Any = None, stream: TextIO | None = None,
                   timeline: bool = True, explicit: Sequence[str] | None = None) -> dict:
    """:func:`replicate`, then write the outputs into ``out_dir``; return summary.json's content."""
    r = replicate(exp, setting, stream, explicit)
    return write_outputs(out_dir, exp, r.summaries, r.first, timeline=timeline, params_info=r.params_info,
                         provenance=r.provenance)


# --- the closing table ----------------------------------------------------------------------------

def table_row(summary: dict) -> dict[str, str]:
    sc = summary["share_collapsed"]
    md = summary["median_durability_days"]
    lo, hi = sc["ci95"]
    collapsed = f"{100 * sc['estimate']:.0f}% [{100 * lo:.0f}, {100 * hi:.0f}]"
    if md["estimate"] is None:
        median = f">{summary['horizon_days']:g} (not reached)"
    else:
        h = summary["horizon_days"]
        median = f"{md['estimate']:.0f}"
        mlo, mhi = md["ci95"]
        if mlo is not None or mhi is not None:
            median += f" [{days_text(mlo, h)}, {days_text(mhi, h)}]"
    per = summary["per_replication"]
    info = summary.get("params")
    return {
        "scenario": summary["scenario"],
        "N": str(summary["replications"]),
        "collapsed [95% CI]": collapsed,
        "median days [95% CI]": median,
        "violations": f"{per['n_violations']['mean']:.1f}",
        **{f"killed {side}": f"{per['killed'][side]['mean']:.1f}" for side in SIDES},
        "params": _params_cell(info),
    }


def _params_cell(info: dict | None) -> str:
    """The closing table's ``params`` column: default, calibrated or a posterior file, its digest, fixed."""
    if not info:
        return "?"
    source = info.get("source", "?")
    text = {"default": "default", "calibrated": "calibrated"}.get(source, f"file:{Path(str(info.get('posterior'))).name}")
    if source != "default" and info.get("posterior_sha256"):
        text += f"@{info['posterior_sha256'][:8]}"
    if info.get("fixed"):
        text += f" fixed:{','.join(info['fixed'])}"
    return text


def format_table(summaries: Sequence[dict], labels: Sequence[str] | None = None,
                 label_header: str = "job") -> str:
    """A short fixed-width table, one row per experiment summary (optionally labelled)."""
    rows = [table_row(s) for s in summaries]
    if labels is not None:
        rows = [{label_header: label, **row} for label, row in zip(labels, rows)]
    cols = list(rows[0])
    widths = {c: max(len(c), *(len(r[c]) for r in rows)) for c in cols}
    lines = ["  ".join(c.ljust(widths[c]) for c in cols)]
    lines += ["  ".join(r[c].ljust(widths[c]) for c in cols) for r in rows]
    return "\n".join(line.rstrip() for line in lines)
