"""The model: every parameter with unit, default, range and source (:mod:`~sim.model.params`), decision
rules as pure functions (:mod:`~sim.model.rules`), the Mesa agents (:mod:`~sim.model.agents`) and model
(:mod:`~sim.model.model`), the border and calendar it runs on (:mod:`~sim.model.setting`), one run
(:mod:`~sim.model.run`) and its timeline plot (:mod:`~sim.model.timeline`)."""

from sim.model.model import INCIDENT_FIELDS, CeasefireModel, EpisodeReport
from sim.model.params import ModelParams, ParameterError, validate
from sim.model.run import Origin, RunResult, simulate, war_scale_killed
from sim.model.setting import FireReceived, Setting, fire_received

__all__ = ["INCIDENT_FIELDS", "CeasefireModel", "EpisodeReport", "FireReceived", "ModelParams", "Origin",
           "ParameterError", "RunResult", "Setting", "fire_received", "simulate", "validate", "war_scale_killed"]
