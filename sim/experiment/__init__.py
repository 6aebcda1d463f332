"""Running experiments: the Hydra config and its checks (:mod:`~sim.experiment.config`), the
replications and their seed streams (:mod:`~sim.experiment.replications`), the progress bar
(:mod:`~sim.experiment.progress`), intervals and the aggregate (:mod:`~sim.experiment.statistics`),
the output files (:mod:`~sim.experiment.outputs`), the closing table (:mod:`~sim.experiment.table`),
Kaplan-Meier survival (:mod:`~sim.experiment.survival`) and provenance (:mod:`~sim.experiment.provenance`).
The ``ceasefire-sim`` command that drives them is :mod:`sim.cli`."""

from sim.experiment.config import ExperimentConfig, experiment_config
from sim.experiment.replications import Replicated, replicate, run_experiment

__all__ = ["ExperimentConfig", "Replicated", "experiment_config", "replicate", "run_experiment"]
