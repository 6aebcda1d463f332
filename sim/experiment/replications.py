"""N replications of one experiment: their seed streams, running them, and running an experiment end to end.

Replication ``i`` of an experiment with seed ``s`` and ``N`` replications runs on
``numpy.random.SeedSequence(s).spawn(N)[i]`` -- the same stream as ``SeedSequence(s, spawn_key=(i,))``,
so replication 0 of a 200-run experiment is the single run with the same seed, and any row of
``replications.csv`` can be re-run alone. Nothing is kept between calls: no global generator,
no module state.

What the replications add up to is :mod:`sim.experiment.statistics`; the files they leave,
:mod:`sim.experiment.outputs`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence, TextIO

import numpy as np

from sim.experiment.config import (
    ExperimentConfig,
    check_scenario,
    checked,
    experiment_explicit,
    fixed_parameters,
    load_border,
)
from sim.experiment.outputs import constant_columns, experiment_summary, replication_rows, write_outputs
from sim.experiment.progress import Progress
from sim.model.params import ModelParams

if TYPE_CHECKING:
    from sim.model.run import RunResult, RunSummary

PARAMS_STREAM = 0x5041524D  # tags the seed stream that draws parameters from a posterior


def seed_sequences(seed: int, replications: int) -> list[np.random.SeedSequence]:
    """The generator seed of each replication."""
    return np.random.SeedSequence(seed).spawn(replications)


def run_replications(
    params: ModelParams,
    seed: int,
    replications: int,
    horizon_days: float,
    border: Any,
    scenario: str,
    progress: Progress | None = None,
    posterior: Any = None,
    fixed: Sequence[str] = (),
) -> tuple[list[RunSummary], RunResult]:
    """Run the replications; return every run's summary and the first run's full result.

    With a ``posterior`` (:class:`calibration.posterior.Posterior`), replication i runs on parameters
    drawn from it with its own generator (``SeedSequence([seed, PARAMS_STREAM]).spawn(N)[i]``), on
    top of ``params``; the drawn values go into its summary (``drawn``). Parameters named in
    ``fixed`` keep their value in ``params`` (set explicitly by the user) and are not drawn.
    """
    fixed = tuple(fixed)
    from sim.model.run import simulate

    summaries: list[RunSummary] = []
    first = None
    draws = np.random.SeedSequence([seed, PARAMS_STREAM]).spawn(replications) if posterior is not None else None
    if progress is not None:
        progress.restart()
    try:
        for i, ss in enumerate(seed_sequences(seed, replications)):
            if draws is None:
                run_params, drawn = params, None
            else:
                run_params = posterior.draw(np.random.default_rng(draws[i]), params, fixed)
                drawn = {n: float(v) for n, v in posterior.values_of(run_params).items() if n not in fixed}
            result = simulate(
                run_params,
                ss,
                horizon_days,
                border,
                scenario,
                check=False,  # checked above
                drawn=drawn,
            )
            summaries.append(result.summary)
            if i == 0:
                first = result
            if progress is not None:
                progress.update(i + 1)
    finally:
        if progress is not None:
            progress.close()
    return summaries, first


@dataclass
class Replicated:
    """An experiment whose replications have run, before anything is written."""

    exp: ExperimentConfig
    summaries: list[RunSummary]  # one run summary per replication
    first: RunResult  # replication 0's full result (incidents, episodes, actions)
    params_info: dict  # where the parameters came from (sim.experiment.provenance.params_info)
    provenance: dict  # code version, record digest, resolved config

    def summary(self) -> dict:
        """summary.json's content: the aggregate with ``params`` and ``provenance``."""
        return experiment_summary(self.exp, self.summaries, self.params_info, self.provenance)[0]

    def rows(self) -> list[dict]:
        """The rows of replications.csv, as dicts (replication index first)."""
        return replication_rows(self.summaries, constant_columns(self.summary()))


def replicate(
    exp: ExperimentConfig, border: Any = None, stream: TextIO | None = None, explicit: Sequence[str] | None = None
) -> Replicated:
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

    if border is None:
        border = load_border(exp.record_dir)
    params, posterior = checked(exp, border.sector_ids)  # the posterior file is read here, once
    explicit = experiment_explicit(exp) if explicit is None else frozenset(explicit)
    check_scenario(exp, explicit)
    fixed = fixed_parameters(exp, posterior.names, explicit) if posterior is not None else ()
    info = params_info(exp, posterior, fixed)
    progress = Progress(exp.replications, f"{exp.scenario}", enabled=exp.progress, stream=stream)
    summaries, first = run_replications(
        params, exp.seed, exp.replications, exp.horizon_days, border, exp.scenario, progress, posterior, fixed
    )
    return Replicated(exp, summaries, first, info, provenance(exp))


def run_experiment(
    exp: ExperimentConfig,
    out_dir: Path,
    border: Any = None,
    stream: TextIO | None = None,
    timeline: bool = True,
    explicit: Sequence[str] | None = None,
) -> dict:
    """:func:`replicate`, then write the outputs into ``out_dir``; return summary.json's content."""
    r = replicate(exp, border, stream, explicit)
    return write_outputs(
        out_dir, exp, r.summaries, r.first, timeline=timeline, params_info=r.params_info, provenance=r.provenance
    )
