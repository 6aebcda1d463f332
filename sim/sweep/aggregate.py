"""Read a sweep folder into one row per job -- from the files only.

Which jobs belong to the sweep comes from ``multirun.yaml`` (written by Hydra's sweeper): its
task overrides and ``hydra.sweeper.params`` are expanded exactly as Hydra's basic sweeper does
(cartesian product, :func:`sim.common.hydraconf.sweep_jobs`), and each job folder is matched to a
combination by its ``.hydra/overrides.yaml``. So a folder left by an earlier, different sweep into
the same ``hydra.sweep.dir`` is ignored, and a job that never produced a folder is reported.

A job is

- ``finished``: ``summary.json`` present (written last) and ``replications.csv`` readable; if the
  job stored ``config.sha256`` it must equal the hash of its ``.hydra/config.yaml``, else
- ``stale``: ``summary.json`` is left from an earlier config of this folder;
- ``failed``: ``failed.json`` present (:mod:`sim.sweep.jobs`);
- ``incomplete``: a folder with neither (killed, still running, or failed outside the job);
- ``missing``: no folder at all.

Everything but ``finished`` counts as a failure of the sweep.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from sim.common import hydraconf
from sim.common.files import kind, name_problem
from sim.common.hydraconf import BASIC_SWEEPER
from sim.common.messages import shown
from sim.common.values import same_value
from sim.experiment.config import config_dirs
from sim.experiment.survival import days_text, kaplan_meier
from sim.sweep import CONFIG_HASH_FILE, FAILED_FILE, MULTIRUN_FILE, REPLICATIONS_FILE, SUMMARY_FILE

SURVIVAL_DAYS = (30, 90, 180)
FINISHED = "finished"


class SweepError(Exception):
    """A folder that cannot be read as a sweep; ``str()`` is one line for the user."""


@dataclass
class Job:
    """One job of a sweep, as found on disk."""

    index: int  # position in the sweep (Hydra's job number)
    name: str  # folder name ('' when missing)
    path: Path | None
    overrides: list[str]
    values: dict[str, Any]  # swept key -> value
    status: str = "missing"
    error: str | None = None
    summary: dict | None = None
    durations: np.ndarray | None = None
    collapsed: np.ndarray | None = None

    @property
    def finished(self) -> bool:
        """True if the job finished with this sweep's config and its results read back."""
        return self.status == FINISHED

    @property
    def horizon_days(self) -> float | None:
        """The job's horizon in days, from its ``summary.json`` (None if unfinished)."""
        return None if self.summary is None else float(self.summary["horizon_days"])

    @property
    def seed(self) -> int | None:
        """The job's seed, from its ``summary.json`` (None if unfinished or not recorded)."""
        return None if self.summary is None else self.summary.get("seed")

    def label(self, keys: Sequence[str] | None = None) -> str:
        """``key=value`` of the swept ``keys`` (default: all of the job's), space-separated; ``-`` if none."""
        keys = list(self.values) if keys is None else keys
        return " ".join(f"{k}={format_value(self.values[k])}" for k in keys) or "-"


@dataclass
class Sweep:
    """A sweep folder: its swept parameters, their values in sweep order, and its jobs."""

    path: Path
    params: list[str]
    levels: dict[str, list]
    jobs: list[Job]
    fixed: list[str] = field(default_factory=list)  # task overrides that are not sweeps
    ignored: list[Path] = field(default_factory=list)  # folders of an earlier, different sweep

    @property
    def finished(self) -> list[Job]:
        """The jobs that finished, in sweep order."""
        return [j for j in self.jobs if j.finished]

    @property
    def failed(self) -> list[Job]:
        """The jobs that did not finish (failed, missing, stale or incomplete), in sweep order."""
        return [j for j in self.jobs if not j.finished]

    @property
    def horizon_days(self) -> float | None:
        """The longest horizon of the finished jobs, days (None if none finished)."""
        horizons = sorted({j.horizon_days for j in self.finished})
        return horizons[-1] if horizons else None

    def pooled(self, **fixed: Any) -> tuple[np.ndarray, np.ndarray]:
        """Durations and collapse flags of every replication of the finished jobs matching ``fixed``."""
        jobs = [j for j in self.finished if all(same_value(j.values.get(k), v) for k, v in fixed.items())]
        if not jobs:
            return np.zeros(0), np.zeros(0, dtype=bool)
        return (np.concatenate([j.durations for j in jobs]), np.concatenate([j.collapsed for j in jobs]))

    def job_at(self, **values: Any) -> Job | None:
        """The first job whose swept values match ``values`` (None if there is none)."""
        for j in self.jobs:
            if all(same_value(j.values.get(k), v) for k, v in values.items()):
                return j
        return None


# --- values ---------------------------------------------------------------------------------------


def format_value(v: Any) -> str:
    """A swept value as written in an override: ``true``/``false``, floats by ``%g``."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:g}" if v == v else "nan"
    return str(v)


def override_values(overrides: Sequence[str]) -> dict[str, Any]:
    """``{key: value}`` of plain ``key=value`` overrides (``+``/``++`` dropped from the key)."""
    out: dict[str, Any] = {}
    for ov in hydraconf.parse_overrides(list(overrides)):
        if ov.is_sweep_override() or ov.is_delete():
            continue
        v = ov.value()
        if isinstance(v, (list, dict)):
            v = ov.get_value_element_as_str()
        out[ov.key_or_group] = v
    return out


# --- reading --------------------------------------------------------------------------------------


def _load_yaml(path: Path) -> Any:
    from omegaconf import OmegaConf

    return OmegaConf.load(path)


def _job_yaml(path: Path) -> Any:
    """A job's ``.hydra/config.yaml`` or ``overrides.yaml``, with the values ``OmegaConf.load`` reads:
    without interpolations, as plain containers parsed by libyaml with OmegaConf's rules (its float
    syntax, no timestamps, no repeated keys), since a sweep's summary reads two of them per job and
    OmegaConf parses in pure Python; else as ``OmegaConf.load`` does."""
    import yaml
    from omegaconf import OmegaConf

    text = Path(path).read_text(encoding="utf-8")
    if "${" not in text:  # nothing to resolve: the same values as OmegaConf's
        data = yaml.load(text, Loader=_yaml_loader())  # a SafeLoader
        if isinstance(data, (dict, list)):
            return data
    return OmegaConf.load(path)


@functools.cache
def _yaml_loader() -> type:
    import yaml

    class Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
        yaml_implicit_resolvers = hydraconf.yaml_loader().yaml_implicit_resolvers

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            keys = set()
            for key_node, _ in node.value:
                if key_node.tag == yaml.resolver.BaseResolver.DEFAULT_SCALAR_TAG:
                    if key_node.value in keys:
                        raise yaml.constructor.ConstructorError(
                            "while constructing a mapping", node.start_mark, f"found duplicate key {key_node.value}"
                        )
                    keys.add(key_node.value)
            return super().construct_mapping(node, deep=deep)

    return Loader


def sweep_definition(path: Path) -> tuple[list[str], list[list[str]] | None, list[str]]:
    """(swept keys in order, every job's overrides or None for a non-basic sweeper, fixed overrides)."""
    from omegaconf import OmegaConf

    try:
        cfg = _load_yaml(path / MULTIRUN_FILE)
        task = [str(o) for o in OmegaConf.select(cfg, "hydra.overrides.task", default=[]) or []]
        params = OmegaConf.select(cfg, "hydra.sweeper.params", default=None)
        params = OmegaConf.to_container(params) if params is not None else {}
        target = str(OmegaConf.select(cfg, "hydra.sweeper._target_", default=""))
    except Exception as e:  # noqa: BLE001 -- any unreadable multirun.yaml
        raise SweepError(f"{path}: cannot read {MULTIRUN_FILE}: {_first_line(e)}") from None
    arguments = [f"{k}={v}" for k, v in (params or {}).items()] + task
    try:
        parsed = hydraconf.parse_overrides(arguments, config_dirs)
    except Exception as e:  # noqa: BLE001
        raise SweepError(f"{path}: cannot parse the sweep in {MULTIRUN_FILE}: {_first_line(e)}") from None
    # a later override of a key replaces an earlier one (the command line an experiment's sweep),
    # keeping the first one's place -- as Hydra's basic sweeper does
    last: dict[str, tuple[str, Any]] = {}
    for a, ov in zip(arguments, parsed):
        last[ov.get_key_element()] = (a, ov)
    keys = [ov.key_or_group for _, ov in last.values() if ov.is_sweep_override()]
    fixed = [a for a, ov in last.values() if not ov.is_sweep_override()]
    expected = None
    if target in ("", BASIC_SWEEPER):
        try:
            expected = hydraconf.sweep_jobs(parsed)
        except hydraconf.UsageError as e:
            raise SweepError(f"{path}: cannot expand the sweep in {MULTIRUN_FILE}: {e}") from None
    return keys, expected, fixed


def _job_number(name: str) -> int | None:
    head = name.split("_", 1)[0]
    return int(head) if head.isdigit() else None


def job_folders(path: Path) -> list[tuple[Path, list[str]]]:
    """Every folder directly under ``path`` with a readable ``.hydra/overrides.yaml``."""
    out = []
    for d in sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith(".")):
        f = d / ".hydra" / "overrides.yaml"
        if not f.is_file():
            continue
        try:
            overrides = [str(o) for o in _job_yaml(f)]
        except Exception:  # noqa: BLE001 -- a half-written or foreign file: not a job of ours
            continue
        out.append((d, overrides))
    out.sort(key=lambda t: (_job_number(t[0].name) is None, _job_number(t[0].name) or 0, t[0].name))
    return out


def read_replications(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """``durability_days`` and ``collapsed`` of every row of a replications.csv."""
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise ValueError("no replications")
    durations = np.array([float(r["durability_days"]) for r in rows])
    collapsed = np.array([int(r["collapsed"]) == 1 for r in rows])
    if not np.all(np.isfinite(durations)) or np.any(durations < 0):
        raise ValueError("durability_days must be finite and >= 0")
    return durations, collapsed


def job_config_matches(job_dir: Path) -> bool:
    """False only when the job stored a config hash and ``.hydra/config.yaml`` hashes differently."""
    from sim.sweep.jobs import config_hash, saved_explicit, stored_hash

    stored = stored_hash(job_dir)
    config = job_dir / ".hydra" / "config.yaml"
    if stored is None or not config.is_file():
        return True
    try:
        cfg = _job_yaml(config)
        # the keys the user set count only with a posterior (config_hash); reading them costs more
        explicit = saved_explicit(job_dir) if cfg.get("params", "default") != "default" else None
        return config_hash(cfg, explicit) == stored
    except Exception:  # noqa: BLE001
        return False


def load_job(job: Job) -> Job:
    """Fill in the status, summary and replications of a job that has a folder."""
    from sim.sweep.jobs import read_failure

    d = job.path
    assert d is not None
    if (d / SUMMARY_FILE).is_file():
        if not job_config_matches(d):
            job.status = "stale"
            job.error = (
                f"{SUMMARY_FILE} is from an earlier config of this folder "
                f"({CONFIG_HASH_FILE} differs from .hydra/config.yaml); re-run the sweep"
            )
            return job
        from sim.sweep.jobs import check_results

        damage = check_results(d)
        try:
            if damage is not None:
                raise ValueError(damage)
            job.summary = json.loads((d / SUMMARY_FILE).read_text())
            job.durations, job.collapsed = read_replications(d / REPLICATIONS_FILE)
            float(job.summary["horizon_days"])
        except Exception as e:  # noqa: BLE001
            job.status, job.summary = "failed", None
            job.error = f"cannot read its results: {_first_line(e)} (re-run the sweep to run it again)"
            return job
        job.status = FINISHED
        return job
    error = read_failure(d)
    if error is not None or (d / FAILED_FILE).exists():
        job.status, job.error = "failed", error or f"{FAILED_FILE} present but unreadable"
    else:
        job.status = "incomplete"
        job.error = (
            f"did not finish (no {SUMMARY_FILE} or {FAILED_FILE}): still running, killed, or stopped outside the job"
        )
    return job


def read_sweep(path: Path | str) -> Sweep:
    """Read the sweep folder ``path``; raise :class:`SweepError` if it is not one."""
    path = Path(path)
    why = name_problem(path)
    if why:
        raise SweepError(f"{shown(path, 80)}: {why}")
    if kind(path) == "none":
        raise SweepError(f"{path}: no such folder")
    if kind(path) != "folder":
        raise SweepError(f"{path} is not a folder")
    if not (path / MULTIRUN_FILE).is_file():
        raise SweepError(
            f"{path} is not a sweep folder (no {MULTIRUN_FILE}); give the folder "
            f"'ceasefire-sim -m ...' wrote, e.g. multirun/<date>/<time>"
        )
    keys, expected, fixed = sweep_definition(path)
    folders = job_folders(path)
    jobs: list[Job] = []
    ignored: list[Path] = []
    if expected is not None:
        by_set: dict[frozenset, list[tuple[Path, list[str]]]] = {}
        for d, ovs in folders:
            by_set.setdefault(frozenset(ovs), []).append((d, ovs))
        used: set[Path] = set()
        for i, ovs in enumerate(expected):
            candidates = by_set.get(frozenset(ovs), [])
            # the folder of this job number first, then any other with these overrides
            candidates = sorted(candidates, key=lambda t: _job_number(t[0].name) != i)
            values = override_values(ovs)
            job = Job(i, "", None, list(ovs), {k: values.get(k) for k in keys})
            if candidates:
                d, _ = candidates[0]
                used.add(d)
                job.name, job.path = d.name, d
                load_job(job)
            else:
                job.error = "did not run (no job folder)"
            jobs.append(job)
        ignored = [d for d, _ in folders if d not in used]
    else:  # another sweeper: every job folder is a job
        if not keys:
            all_values = [override_values(ovs) for _, ovs in folders]
            candidates = sorted({k for v in all_values for k in v})
            keys = [k for k in candidates if len({format_value(v.get(k)) for v in all_values}) > 1]
        for i, (d, ovs) in enumerate(folders):
            values = override_values(ovs)
            n = _job_number(d.name)
            jobs.append(load_job(Job(n if n is not None else i, d.name, d, ovs, {k: values.get(k) for k in keys})))
    if not jobs:
        raise SweepError(f"{path} holds no job of its sweep")
    levels: dict[str, list] = {}
    for k in keys:
        seen: list = []
        for j in jobs:
            v = j.values.get(k)
            if not any(same_value(v, s) for s in seen):
                seen.append(v)
        levels[k] = seen
    return Sweep(path, keys, levels, jobs, fixed, ignored)


# --- per-job statistics ---------------------------------------------------------------------------


def survival_at(km: Any, day: float) -> tuple[float, float, float]:
    """The Kaplan-Meier estimate and 95% band at ``day`` (the step holding at that day)."""
    i = int(np.searchsorted(km.times, day, side="right")) - 1
    i = max(i, 0)
    return float(km.survival[i]), float(km.ci_lower[i]), float(km.ci_upper[i])


def median_text(median: float | None, ci: tuple[float | None, float | None], horizon: float) -> str:
    """``255 [213, 302]``; ``>365 [240, >365]`` or ``>365 (not reached)`` when more than half hold
    to the horizon (the median is beyond it)."""
    lo, hi = ci
    if median is None:
        return f">{horizon:g} (not reached)" if lo is None else f">{horizon:g} [{lo:.0f}, >{horizon:g}]"
    return f"{median:.0f} [{days_text(lo, horizon)}, {days_text(hi, horizon)}]"


def job_row(job: Job, keys: Sequence[str]) -> dict[str, Any]:
    """One row of sweep_summary.csv."""
    from sim.experiment.statistics import wilson_interval

    row: dict[str, Any] = {"job": job.index}
    row.update({k: job.values.get(k) for k in keys})
    row["status"] = job.status
    stats: dict[str, Any] = {
        "replications": None,
        "n_collapsed": None,
        "share_collapsed": None,
        "share_collapsed_ci_low": None,
        "share_collapsed_ci_high": None,
        "median_days": None,
        "median_ci_low": None,
        "median_ci_high": None,
        "median_reached": None,
        "median_text": None,
    }
    for day in SURVIVAL_DAYS:
        stats.update({f"survival_{day}d": None, f"survival_{day}d_ci_low": None, f"survival_{day}d_ci_high": None})
    stats.update(
        {
            "horizon_days": None,
            "seed": None,
            "params_source": None,
            "posterior_sha256": None,
            "params_fixed": None,
            "code_version": None,
            "record_sha256": None,
        }
    )
    row.update(stats)
    if job.summary is not None:  # where the job's parameters came from and what produced it
        info, prov = job.summary.get("params") or {}, job.summary.get("provenance") or {}
        row.update(
            {
                "params_source": info.get("source"),
                "posterior_sha256": info.get("posterior_sha256"),
                "params_fixed": " ".join(info.get("fixed") or []) or None,
                "code_version": prov.get("code_version"),
                "record_sha256": prov.get("record_sha256"),
            }
        )
    if job.finished:
        assert job.durations is not None and job.collapsed is not None
        horizon = job.horizon_days
        n, k = int(job.durations.size), int(job.collapsed.sum())
        lo, hi = wilson_interval(k, n)
        km = kaplan_meier(job.durations, job.collapsed)
        row.update(
            {
                "replications": n,
                "n_collapsed": k,
                "share_collapsed": k / n,
                "share_collapsed_ci_low": lo,
                "share_collapsed_ci_high": hi,
                "median_days": km.median,
                "median_ci_low": km.median_ci[0],
                "median_ci_high": km.median_ci[1],
                "median_reached": km.median is not None,
                "median_text": median_text(km.median, km.median_ci, horizon),
                "horizon_days": horizon,
                "seed": job.seed,
            }
        )
        for day in SURVIVAL_DAYS:
            if day <= horizon:
                s, slo, shi = survival_at(km, day)
                row.update({f"survival_{day}d": s, f"survival_{day}d_ci_low": slo, f"survival_{day}d_ci_high": shi})
    row["error"] = job.error
    row["folder"] = job.name
    return row


def summary_rows(sweep: Sweep) -> list[dict[str, Any]]:
    """One row per job; ``sweep_overrides`` repeats the overrides fixed across the whole sweep."""
    fixed = " ".join(sweep.fixed) or None
    return [{**job_row(j, sweep.params), "sweep_overrides": fixed} for j in sweep.jobs]


def _cell(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, (bool, np.bool_)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        v = float(v)
        if not math.isfinite(v):
            return ""
        return repr(round(v, 4))
    if isinstance(v, np.integer):
        return int(v)
    return v


def rows_csv(rows: Iterable[dict[str, Any]]) -> str:
    """``rows`` as CSV text with a header from the first row's keys (floats to 4 decimals, None empty)."""
    rows = list(rows)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    if not rows:
        return ""
    w.writerow(list(rows[0]))
    for r in rows:
        w.writerow([_cell(v) for v in r.values()])
    return buf.getvalue()


def sweep_summary_csv(sweep: Sweep) -> str:
    """``sweep_summary.csv``: one row per job of ``sweep``."""
    return rows_csv(summary_rows(sweep))


def _first_line(e: BaseException) -> str:
    for line in str(e).splitlines():
        if line.strip():
            return line.strip()
    return type(e).__name__
