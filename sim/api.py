"""The Python API, for notebooks: run an experiment or one model and get tidy tables back.

    from sim import api

    res = api.run("observer_mission", replications=200, seed=3, params="calibrated",
                  **{"mediation.intensity": 0.5})
    res.replications        # pandas DataFrame: one row per replication (replications.csv's rows)
    res.summary             # the aggregate (summary.json's content): share collapsed, median, CIs ...
    res.save("outputs/my_run")   # the command line's files, if wanted

    one = api.run_model("sept2022", seed=3)
    one.incidents           # pandas DataFrame: one row per exchange of fire (incidents.csv's rows)

Both compose their configuration through Hydra exactly as ``ceasefire-sim`` does (the scenario's file,
an experiment's file, then the keyword settings and overrides), validate it the same way (one-line
:class:`sim.model.params.ParameterError` on a bad value) and run the same code: the same settings give the
same numbers as the command line (tests/sim/test_api.py checks it). Keys written with dots
(``"observer.strength"``) go through ``**{...}``; nested mappings (``observer={"strength": 40}``) work too.
Settings set here count as set explicitly: with ``params="calibrated"`` they stay fixed and the other
calibrated parameters are drawn from the posterior.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiment.config import ExperimentConfig, Job, check, experiment_config, load_border, model_params
from sim.experiment.replications import Replicated, replicate
from sim.model.incidents import INCIDENT_FIELDS
from sim.model.run import RunResult, simulate

__all__ = ["ExperimentResult", "ModelRun", "compose", "configure", "run", "run_model"]


def compose(
    scenario: str | None = None,
    experiment: str | None = None,
    *,
    seed: int | None = None,
    replications: int | None = None,
    horizon_days: float | None = None,
    params: str | None = None,
    **overrides: Any,
) -> Job:
    """The experiment :func:`run` runs, composed as the command line would: its configuration and the
    keys set here (:class:`sim.experiment.config.Job`)."""
    settings = {"seed": seed, "replications": replications, "horizon_days": horizon_days, "params": params}
    overrides = {**{k: v for k, v in settings.items() if v is not None}, **overrides}
    overrides.setdefault("progress", False)
    return experiment_config(scenario=scenario, experiment=experiment, **overrides)


def configure(scenario: str | None = None, experiment: str | None = None, **settings: Any) -> ExperimentConfig:
    """The experiment's configuration, composed as :func:`run` composes it (its :func:`compose`'s ``config``)."""
    return compose(scenario, experiment, **settings).config


@dataclass
class ExperimentResult:
    """An experiment's replications and their aggregate."""

    config: ExperimentConfig
    replications: pd.DataFrame  # one row per replication, the columns of replications.csv
    summary: dict  # the aggregate, as in summary.json
    _replicated: Replicated

    def save(self, out_dir: str | Path, timeline: bool = True) -> Path:
        """Write the command line's output files into ``out_dir``; return it."""
        self._replicated.write(Path(out_dir), timeline)
        return Path(out_dir)


def run(
    scenario: str | None = None,
    experiment: str | None = None,
    *,
    seed: int | None = None,
    replications: int | None = None,
    horizon_days: float | None = None,
    params: str | None = None,
    **overrides: Any,
) -> ExperimentResult:
    """Run a scenario (``conf/scenario/NAME.yaml``) or a named experiment (``experiments/NAME.yaml``).

    ``params``: ``"default"``, ``"calibrated"`` (each replication drawn from the committed posterior) or
    the path of a posterior.csv. Any model parameter can be set by its dotted name in ``overrides``.
    Nothing is written unless you call :meth:`ExperimentResult.save`.
    """
    job = compose(
        scenario,
        experiment,
        seed=seed,
        replications=replications,
        horizon_days=horizon_days,
        params=params,
        **overrides,
    )
    r = replicate(job)
    return ExperimentResult(job.config, pd.DataFrame(r.rows()), r.summary(), r)


@dataclass
class ModelRun:
    """One run of the model: its summary, every exchange of fire, and what third parties did."""

    summary: dict  # summary.json of the run (sim.model.run.RunSummary.to_dict())
    incidents: pd.DataFrame  # one row per exchange (incidents.csv's columns)
    actions: pd.DataFrame  # hours, who (mediator, peacekeepers, a side's command), what
    result: RunResult  # the model's own record (episodes with each side's claims, ...)


def run_model(
    scenario: str | None = None, *, seed: int = 0, horizon_days: float | None = None, **overrides: Any
) -> ModelRun:
    """One run of the model on the scenario's parameters (the defaults; no posterior draw), with the
    same generator as replication 0 of ``ceasefire-sim`` with this seed."""
    exp = configure(scenario, seed=seed, horizon_days=horizon_days, replications=1, **overrides)
    border = load_border(exp.record_dir)
    check(exp, border.sector_ids)
    result = simulate(model_params(exp), _replication_zero(exp.seed), exp.horizon_days, border, exp.scenario)
    incidents = pd.DataFrame(result.incidents, columns=list(INCIDENT_FIELDS))
    actions = pd.DataFrame(result.actions, columns=["time_hours", "who", "what"])
    return ModelRun(result.summary.to_dict(), incidents, actions, result)


def _replication_zero(seed: int):
    from sim.experiment.replications import seed_sequences

    return seed_sequences(seed, 1)[0]
