"""The files an experiment leaves in its output folder, and the folder itself.

Files (all written to a temporary name, then renamed; ``summary.json`` last):

- ``replications.csv``: one row per replication;
- ``incidents.csv``, ``timeline.png``: replication 0 (as :func:`sim.model.run.write_run` writes them);
- ``survival.png``: Kaplan-Meier curve of durability (N >= 2);
- ``summary.json``: the aggregate (and, with N = 1, the run's own summary fields).

The two plots are written when the config's ``plots`` says so (:func:`plots_wanted`): ``auto``, the
default, draws them for a run and leaves them out in the jobs of a ``-m`` sweep, whose summary draws
the sweep's own plots (drawing them costs a job as much as its replications, or more); ``true`` or
``false`` decide either way. Every CSV and summary.json are written whatever ``plots`` says.

A folder is claimed by a lock file while a run writes into it, and cleared of an earlier run's files first.
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from sim.common import files
from sim.common.files import FolderInUse, write_atomic  # noqa: F401 -- FolderInUse: re-exported
from sim.experiment.config import ExperimentConfig
from sim.experiment.statistics import aggregate

if TYPE_CHECKING:
    from sim.model.run import RunResult, RunSummary

SUMMARY_FILE = "summary.json"
REPLICATIONS_FILE = "replications.csv"
SURVIVAL_FILE = "survival.png"
LOCK_FILE = ".ceasefire-sim.lock"
# Every file a run writes into its folder (summary.json first: removed first, written last).
OUTPUT_FILES = (SUMMARY_FILE, REPLICATIONS_FILE, SURVIVAL_FILE, "incidents.csv", "timeline.png")
# run-summary fields that are the same for every replication (they go to summary.json once)
_CONSTANT_FIELDS = ("seed", "spawn_key", "scenario", "horizon_days")


# --- replications.csv -----------------------------------------------------------------------------


def flatten(summary: RunSummary) -> dict:
    """A run summary as one flat row (``killed_ARM`` ...), without the fields shared by all runs."""
    row: dict[str, Any] = {}
    for key, value in summary.to_dict().items():
        if key in _CONSTANT_FIELDS:
            continue
        if isinstance(value, dict):
            for sub, v in value.items():
                row[f"{key}_{sub}"] = v
        else:
            row[key] = value
    return row


def replication_rows(summaries: Sequence[RunSummary], constant: dict[str, Any] | None = None) -> list[dict]:
    """The rows of replications.csv, as dicts (replication index first, ``constant`` columns last)."""
    constant = constant or {}
    return [{"replication": i, **flatten(s), **constant} for i, s in enumerate(summaries)]


def replications_csv(summaries: Sequence[RunSummary], constant: dict[str, Any] | None = None) -> str:
    """One row per replication; ``constant`` columns (provenance) are appended to every row."""
    rows = replication_rows(summaries, constant)
    columns = list(rows[0]) if rows else ["replication"]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for row in rows:
        w.writerow([_cell(row.get(c, "")) for c in columns])
    return buf.getvalue()


def _cell(v: Any) -> Any:
    if isinstance(v, (bool, np.bool_)):
        return int(v)
    if isinstance(v, float):
        return repr(v) if math.isfinite(v) else ""
    return v


def constant_columns(summary: dict) -> dict[str, Any]:
    """The provenance columns repeated on every row of replications.csv (from summary.json's content)."""
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


# --- summary.json ---------------------------------------------------------------------------------


def experiment_summary(
    exp: ExperimentConfig,
    summaries: Sequence[RunSummary],
    params_info: dict | None = None,
    provenance: dict | None = None,
) -> tuple[dict, Any]:
    """summary.json's content: the aggregate, plus the run's own fields with one replication, then
    where the parameters came from (``params``) and what produced the result (``provenance``)."""
    agg, km = aggregate(summaries, exp.scenario, exp.seed, exp.horizon_days)
    if len(summaries) == 1:
        run = {k: v for k, v in summaries[0].to_dict().items() if k not in agg}
        agg = {**{k: agg[k] for k in ("scenario", "seed", "replications", "horizon_days")}, **run, **agg}
    if params_info is not None:
        agg["params"] = params_info
    if provenance is not None:
        agg["provenance"] = provenance
    return agg, km


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


# --- plots ----------------------------------------------------------------------------------------


def plots_wanted(exp: ExperimentConfig, sweep_job: bool = False) -> bool:
    """Whether a run draws its plots (``timeline.png``, ``survival.png``): ``exp.plots`` true or
    false as set; ``auto``: yes, except for the job of a ``-m`` sweep (``sweep_job``)."""
    plots = getattr(exp, "plots", "auto")
    if isinstance(plots, bool):
        return plots
    return not sweep_job


# --- replication 0 --------------------------------------------------------------------------------


def write_first_run(first: RunResult, out_dir: Path, timeline: bool = True, params_info: dict | None = None) -> None:
    """``incidents.csv`` and (optionally) ``timeline.png`` of replication 0 (summary.json is the aggregate's)."""
    from sim.model.run import incidents_csv

    write_atomic(out_dir / "incidents.csv", incidents_csv(first))
    if timeline:
        from sim.model.timeline import timeline_png

        write_atomic(out_dir / "timeline.png", timeline_png(first, params_info=params_info))


# --- the folder -----------------------------------------------------------------------------------


def claim_folder(out_dir: Path) -> Path:
    """Mark ``out_dir`` as this process's (``.ceasefire-sim.lock`` holding its pid, created
    exclusively); refuse if another live process holds it. Returns the lock's path."""
    return files.claim_folder(
        out_dir, LOCK_FILE, "run (pid {pid}) is writing into this folder; use another folder (hydra.run.dir=...)"
    )


def clear_outputs(out_dir: Path) -> None:
    """Remove the files an earlier run of this tool left in ``out_dir`` (summary.json first, so the
    folder never looks finished meanwhile); nothing else in the folder is touched."""
    for name in OUTPUT_FILES:
        path = Path(out_dir) / name
        if path.is_file() or path.is_symlink():
            path.unlink(missing_ok=True)


# --- everything -----------------------------------------------------------------------------------


def write_outputs(
    out_dir: Path,
    exp: ExperimentConfig,
    summaries: Sequence[RunSummary],
    first: RunResult,
    timeline: bool = True,
    params_info: dict | None = None,
    provenance: dict | None = None,
    sweep_job: bool = False,
) -> dict:
    """Write every output file into ``out_dir``; return summary.json's content.

    Files an earlier run left in the folder are removed first (a reused folder never mixes two
    runs' files); every file is written to a temporary name and renamed, summary.json last. The
    plots only if ``exp.plots`` wants them (:func:`plots_wanted`, ``sweep_job``: the job of a ``-m``
    sweep; ``timeline=False`` leaves out timeline.png in any case).
    """
    out_dir = Path(out_dir)
    plots = plots_wanted(exp, sweep_job)
    lock = claim_folder(out_dir)
    try:
        clear_outputs(out_dir)
        summary, km = experiment_summary(exp, summaries, params_info, provenance)
        write_atomic(out_dir / REPLICATIONS_FILE, replications_csv(summaries, constant_columns(summary)))
        write_first_run(first, out_dir, timeline=timeline and plots, params_info=params_info)
        if plots and len(summaries) >= 2:
            from sim.experiment.provenance import params_label
            from sim.experiment.survival import survival_png

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
