"""The job side of a sweep: resume finished jobs, record failed ones, let the sweep go on.

Hydra skips ``on_multirun_end`` (and so the sweep summary) as soon as one job raises, and a
re-run of the same sweep would redo every job. :func:`run_sweep_job` wraps one job of a ``-m``
sweep inside the task function:

1. the job's identity is the sha256 of its composed config (:func:`config_hash`; settings that do
   not change its files left out: ``progress``, ``workers``, and ``plots`` unless ``true``);
2. a job whose folder already holds ``summary.json`` AND a ``config.sha256`` equal to that hash
   AND results that read back whole (:func:`check_results`: summary.json a complete summary,
   replications.csv with as many valid rows as it says) finished earlier with the same config: it
   is skipped and its stored summary returned; damaged results are removed and the job runs again;
3. otherwise stale results are removed (``summary.json`` first, so the folder never looks
   finished), the hash is written, and the job runs;
4. an exception (any ``Exception``; not ``KeyboardInterrupt``) is caught: ``failed.json`` gets the
   one-line error (and, for whoever debugs it, the traceback), one line is logged, and ``None``
   is returned so that the other jobs run and ``on_multirun_end`` is reached.

The callback (:mod:`sim.sweep.callback`) then names the failed jobs and exits non-zero.
"""

from __future__ import annotations

import hashlib
import json
import logging
import traceback
from pathlib import Path
from typing import Any, Callable

from sim.common.commands import failure_line, one_line, recorded_error_line
from sim.common.files import write_atomic
from sim.sweep import CONFIG_HASH_FILE, FAILED_FILE, REPLICATIONS_FILE, SUMMARY_FILE

# Keys of the job config that do not change a job's files (left out of its hash): a sweep re-run with
# another progress bar or number of workers skips the jobs that finished. ``plots`` counts only when
# true (a sweep job draws no plots with auto or false), so a re-run with plots=true draws them.
NON_RESULT_KEYS = ("progress", "workers", "plots")


def config_hash(cfg: Any, explicit: Any = None) -> str:
    """sha256 of a job's config (a DictConfig without its ``hydra`` node, or a plain dict).

    The config is resolved to plain containers and dumped as JSON with sorted keys, so the hash
    is the same for the config a task function receives and for the ``.hydra/config.yaml``
    Hydra saved from it. With a posterior (``params`` not ``default``) the keys the user set
    (``explicit``, :attr:`sim.experiment.config.Job.explicit`) change the results -- they stay fixed instead of drawn --
    so they are part of the hash. :data:`NON_RESULT_KEYS` are not, except ``plots: true``.
    """
    from omegaconf import DictConfig, OmegaConf

    if isinstance(cfg, DictConfig):
        data = OmegaConf.to_container(cfg, resolve=True)
    else:
        data = dict(cfg)
    plots = data.get("plots") is True
    data = {k: v for k, v in data.items() if k not in NON_RESULT_KEYS and k != "hydra"}
    if plots:
        data["__plots__"] = True
    if explicit and data.get("params", "default") != "default":
        data["__explicit__"] = sorted(explicit)
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def saved_explicit(job_dir: Path) -> frozenset[str]:
    """The keys the user set for a job, from its ``.hydra/overrides.yaml`` and chosen experiment."""
    from omegaconf import OmegaConf

    from sim.experiment.config import explicit_keys

    hydra_dir = Path(job_dir) / ".hydra"
    try:
        overrides = [str(o) for o in OmegaConf.load(hydra_dir / "overrides.yaml")]
    except Exception:  # noqa: BLE001
        overrides = []
    try:
        experiment = OmegaConf.select(
            OmegaConf.load(hydra_dir / "hydra.yaml"), "hydra.runtime.choices.experiment", default=None
        )
    except Exception:  # noqa: BLE001
        experiment = None
    try:
        return explicit_keys(overrides, [str(experiment)] if experiment else [])
    except Exception:  # noqa: BLE001 -- an experiment file that changed or broke since
        return explicit_keys(overrides)


def check_results(job_dir: Path) -> str | None:
    """None if the job's results read back whole, else one line saying what is damaged:
    summary.json must be a JSON object with ``replications`` and ``horizon_days``, and
    replications.csv must hold that many rows of valid ``durability_days`` and ``collapsed``."""
    from sim.sweep.aggregate import read_replications

    job_dir = Path(job_dir)
    try:
        summary = json.loads((job_dir / SUMMARY_FILE).read_text(encoding="utf-8"))
        if not isinstance(summary, dict):
            raise ValueError("not a JSON object")
        n = summary["replications"]
        horizon = float(summary["horizon_days"])
        if isinstance(n, bool) or not isinstance(n, int) or n < 1 or not horizon > 0:
            raise ValueError("replications or horizon_days out of range")
    except (OSError, ValueError, KeyError, TypeError) as e:
        return f"{SUMMARY_FILE} is damaged ({one_line(e)})"
    try:
        durations, _ = read_replications(job_dir / REPLICATIONS_FILE)
    except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError) as e:
        return f"{REPLICATIONS_FILE} is damaged ({one_line(e)})"
    except Exception as e:  # noqa: BLE001 -- csv.Error and the like
        return f"{REPLICATIONS_FILE} is damaged ({one_line(e)})"
    if durations.size != n:
        return f"{REPLICATIONS_FILE} has {durations.size} rows but {SUMMARY_FILE} says {n} replications"
    if (durations > horizon + 1e-6).any():
        return f"{REPLICATIONS_FILE} has a durability beyond the horizon of {horizon:g} days"
    return None


def interrupt(signum: int, frame: Any) -> None:
    """A signal handler that ends the command as Ctrl-C does (SIGTERM: finished work is kept)."""
    raise KeyboardInterrupt


def stored_hash(job_dir: Path) -> str | None:
    """The config hash written in ``job_dir`` (``config.sha256``), or None if absent or unreadable."""
    try:
        return (Path(job_dir) / CONFIG_HASH_FILE).read_text().strip() or None
    except OSError:
        return None


def is_finished(job_dir: Path, digest: str) -> bool:
    """True if ``job_dir`` holds a finished job run with the config hashed ``digest`` whose results
    read back whole (:func:`check_results`)."""
    job_dir = Path(job_dir)
    return (job_dir / SUMMARY_FILE).is_file() and stored_hash(job_dir) == digest and check_results(job_dir) is None


def write_failure(job_dir: Path, exc: BaseException, digest: str | None = None) -> dict:
    """Write ``failed.json`` (the one-line error, the exception type, the traceback); return it."""
    record = {
        "error": failure_line(exc),
        "exception": type(exc).__name__,
        "config_sha256": digest,
        "traceback": "".join(traceback.format_exception(exc)),
    }
    Path(job_dir).mkdir(parents=True, exist_ok=True)
    write_atomic(Path(job_dir) / FAILED_FILE, json.dumps(record, indent=2) + "\n")
    return record


def read_failure(job_dir: Path) -> str | None:
    """The one-line error of a failed job, or None if there is no readable ``failed.json``."""
    try:
        return str(json.loads((Path(job_dir) / FAILED_FILE).read_text())["error"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def clear_stale(job_dir: Path) -> None:
    """Remove the markers and results of an earlier job in this folder (summary.json first)."""
    from sim.experiment.outputs import OUTPUT_FILES

    for name in (SUMMARY_FILE, FAILED_FILE, CONFIG_HASH_FILE):
        try:
            (Path(job_dir) / name).unlink()
        except FileNotFoundError:
            pass
    for name in OUTPUT_FILES:  # the run replaces these; one it cannot remove makes the job fail there
        try:
            (Path(job_dir) / name).unlink()
        except OSError:
            pass


def run_sweep_job(
    cfg: Any, out_dir: Path, run: Callable[[], dict], logger: logging.Logger | None = None, explicit: Any = None
) -> dict | None:
    """Run one sweep job into ``out_dir`` unless it finished earlier with the same config.

    ``run()`` does the work and returns summary.json's content. Returns that summary (also for a
    skipped job, read back from disk) or ``None`` when the job failed; never raises an
    ``Exception`` from the job.
    """
    out_dir = Path(out_dir)
    logger = logger or logging.getLogger("ceasefire-sim")
    digest = config_hash(cfg, explicit)
    if (out_dir / SUMMARY_FILE).is_file() and stored_hash(out_dir) == digest:
        damage = check_results(out_dir)
        if damage is None:
            try:
                summary = json.loads((out_dir / SUMMARY_FILE).read_text())
                logger.info(f"{out_dir.name}: finished earlier with the same config; skipped")
                return summary
            except (OSError, ValueError):
                pass  # unreadable: run it again
        else:
            logger.info(f"{out_dir.name}: {damage}; running it again")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        clear_stale(out_dir)
        write_atomic(out_dir / CONFIG_HASH_FILE, digest + "\n")
        return run()
    except Exception as e:  # noqa: BLE001 -- the sweep must go on; the callback reports it
        try:
            record = write_failure(out_dir, e, digest)
            message = record["error"]
        except Exception as e2:  # noqa: BLE001 -- even the marker could not be written
            message = recorded_error_line(e, e2, FAILED_FILE)
        logger.error(f"error: job {out_dir.name} failed: {message}")
        return None
