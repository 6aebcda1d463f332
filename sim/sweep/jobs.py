"""The job side of a sweep: resume finished jobs, record failed ones, let the sweep go on.

Hydra skips ``on_multirun_end`` (and so the sweep summary) as soon as one job raises, and a
re-run of the same sweep would redo every job. :func:`run_sweep_job` wraps one job of a ``-m``
sweep inside the task function:

1. the job's identity is the sha256 of its composed config (:func:`config_hash`; settings that do
   not change results, such as ``progress``, left out);
2. a job whose folder already holds ``summary.json`` AND a ``config.sha256`` equal to that hash
   finished earlier with the same config: it is skipped and its stored summary returned;
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

from sim.simulate import write_atomic
from sim.sweep import CONFIG_HASH_FILE, FAILED_FILE, SUMMARY_FILE

# Keys of the job config that do not change a job's results (left out of its hash).
NON_RESULT_KEYS = ("progress",)


def one_line(exc: BaseException) -> str:
    """``ExceptionType: first line of the message``."""
    text = next((line.strip() for line in str(exc).splitlines() if line.strip()), "")
    name = type(exc).__name__
    return f"{name}: {text}" if text else name


def config_hash(cfg: Any) -> str:
    """sha256 of a job's config (a DictConfig without its ``hydra`` node, or a plain dict).

    The config is resolved to plain containers and dumped as JSON with sorted keys, so the hash
    is the same for the config a task function receives and for the ``.hydra/config.yaml``
    Hydra saved from it.
    """
    from omegaconf import DictConfig, OmegaConf

    if isinstance(cfg, DictConfig):
        data = OmegaConf.to_container(cfg, resolve=True)
    else:
        data = dict(cfg)
    data = {k: v for k, v in data.items() if k not in NON_RESULT_KEYS and k != "hydra"}
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def stored_hash(job_dir: Path) -> str | None:
    try:
        return (Path(job_dir) / CONFIG_HASH_FILE).read_text().strip() or None
    except OSError:
        return None


def is_finished(job_dir: Path, digest: str) -> bool:
    """True if ``job_dir`` holds a finished job (summary.json) run with the config hashed ``digest``."""
    job_dir = Path(job_dir)
    return (job_dir / SUMMARY_FILE).is_file() and stored_hash(job_dir) == digest


def write_failure(job_dir: Path, exc: BaseException, digest: str | None = None) -> dict:
    """Write ``failed.json`` (the one-line error, the exception type, the traceback); return it."""
    record = {
        "error": one_line(exc),
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
    """Remove the markers of an earlier job in this folder (summary.json first)."""
    for name in (SUMMARY_FILE, FAILED_FILE, CONFIG_HASH_FILE):
        try:
            (Path(job_dir) / name).unlink()
        except FileNotFoundError:
            pass


def run_sweep_job(cfg: Any, out_dir: Path, run: Callable[[], dict],
                  logger: logging.Logger | None = None) -> dict | None:
    """Run one sweep job into ``out_dir`` unless it finished earlier with the same config.

    ``run()`` does the work and returns summary.json's content. Returns that summary (also for a
    skipped job, read back from disk) or ``None`` when the job failed; never raises an
    ``Exception`` from the job.
    """
    out_dir = Path(out_dir)
    logger = logger or logging.getLogger("ceasefire-sim")
    digest = config_hash(cfg)
    if is_finished(out_dir, digest):
        try:
            summary = json.loads((out_dir / SUMMARY_FILE).read_text())
            logger.info(f"{out_dir.name}: finished earlier with the same config; skipped")
            return summary
        except (OSError, ValueError):
            pass  # unreadable: run it again
    out_dir.mkdir(parents=True, exist_ok=True)
    clear_stale(out_dir)
    write_atomic(out_dir / CONFIG_HASH_FILE, digest + "\n")
    try:
        return run()
    except Exception as e:  # noqa: BLE001 -- the sweep must go on; the callback reports it
        try:
            record = write_failure(out_dir, e, digest)
            message = record["error"]
        except Exception as e2:  # noqa: BLE001 -- even the marker could not be written
            message = f"{one_line(e)} (and failed.json could not be written: {one_line(e2)})"
        logger.error(f"error: job {out_dir.name} failed: {message}")
        return None
