"""Helpers for the sweep tests: synthetic sweep folders laid out as Hydra and sim.experiment.outputs do,
and running the real ``ceasefire-sim`` / ``python -m ...`` as a user would."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import numpy as np
import yaml

REPO = Path(__file__).resolve().parents[3]
SCRIPT = Path(sys.executable).parent / "ceasefire-sim"
CALLBACK = "++hydra.callbacks.sweep_summary._target_=sim.sweep.callback.SweepSummary"


def env() -> dict[str, str]:
    e = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    e.pop("HYDRA_FULL_ERROR", None)
    return e


def sim_command() -> list[str]:
    return [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "sim.cli"]


def run_sim(args: list[str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([*sim_command(), *args], cwd=cwd, env=env(), capture_output=True, text=True, timeout=timeout)


def run_module(module: str, args: list[str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", module, *args], cwd=cwd, env=env(), capture_output=True, text=True, timeout=timeout
    )


def write_job(
    job_dir: Path,
    overrides: list[str],
    durations,
    collapsed,
    horizon: float = 365.0,
    seed: int = 0,
    finished: bool = True,
) -> None:
    """A job folder as sim.experiment.outputs leaves it (only the files the sweep tools read)."""
    (job_dir / ".hydra").mkdir(parents=True, exist_ok=True)
    (job_dir / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump(list(overrides)))
    lines = ["replication,collapsed,durability_days"]
    lines += [f"{i},{int(c)},{float(d)!r}" for i, (d, c) in enumerate(zip(durations, collapsed))]
    (job_dir / "replications.csv").write_text("\n".join(lines) + "\n")
    if finished:
        summary = {"scenario": "sept2022", "seed": seed, "replications": len(durations), "horizon_days": float(horizon)}
        (job_dir / "summary.json").write_text(json.dumps(summary))


def make_sweep(
    root: Path,
    params: dict[str, list],
    data: Callable[[dict[str, Any]], tuple],
    horizon: float = 365.0,
    seed: int = 0,
    fixed: tuple[str, ...] = (),
    skip: tuple[int, ...] = (),
    sweeper_params: bool = False,
) -> Path:
    """A sweep folder over ``params`` (cartesian product, first key outermost, as Hydra does).

    ``data(values) -> (durations, collapsed)``; jobs whose number is in ``skip`` get no folder.
    With ``sweeper_params`` the sweep is stored as an experiment's hydra.sweeper.params.
    """
    root.mkdir(parents=True, exist_ok=True)
    sweep_strings = {k: ",".join(str(v) for v in vals) for k, vals in params.items()}
    task = list(fixed) + ([] if sweeper_params else [f"{k}={v}" for k, v in sweep_strings.items()])
    multirun = {
        "hydra": {
            "overrides": {"task": task, "hydra": [f"hydra.sweep.dir={root}"]},
            "sweeper": {
                "_target_": "hydra._internal.core_plugins.basic_sweeper.BasicSweeper",
                "max_batch_size": None,
                "params": sweep_strings if sweeper_params else None,
            },
        }
    }
    (root / "multirun.yaml").write_text(yaml.safe_dump(multirun, sort_keys=False))
    keys = list(params)
    for i, vals in enumerate(itertools.product(*(params[k] for k in keys))):
        if i in skip:
            continue
        values = dict(zip(keys, vals))
        swept = [f"{k}={v}" for k, v in values.items()]
        overrides = swept + list(fixed) if sweeper_params else list(fixed) + swept
        d, c = data(values)
        write_job(root / f"{i}_sept2022", overrides, d, c, horizon=horizon, seed=seed)
    return root


def exponential_data(
    rate: Callable[[dict[str, Any]], float], n: int = 200, horizon: float = 365.0, seed: int = 1
) -> Callable[[dict[str, Any]], tuple]:
    """Collapse times ~ Exponential(rate(values)) per day, censored at the horizon; seeded per job."""
    counter = itertools.count()

    def data(values: dict[str, Any]) -> tuple:
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(next(counter),)))
        t = rng.exponential(1.0 / rate(values), size=n)
        collapsed = t < horizon
        return np.round(np.minimum(t, horizon), 6), collapsed

    return data
