"""Running experiments: the Hydra config and its checks (:mod:`~sim.experiment.config`), replications,
their statistics and output files (:mod:`~sim.experiment.replicate`), Kaplan-Meier survival
(:mod:`~sim.experiment.survival`) and provenance (:mod:`~sim.experiment.provenance`). The
``ceasefire-sim`` command that drives them is :mod:`sim.cli`."""

from sim.experiment.config import ExperimentConfig, experiment_config
from sim.experiment.replicate import Replicated, replicate, run_experiment

__all__ = ["ExperimentConfig", "Replicated", "experiment_config", "replicate", "run_experiment"]
