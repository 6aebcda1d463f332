"""The model: every parameter with unit, default, range and source (:mod:`~sim.model.params`), decision
rules as pure functions (:mod:`~sim.model.rules`), the Mesa agents (:mod:`~sim.model.agents`) and model
(:mod:`~sim.model.model`), the border and calendar it runs on (:mod:`~sim.model.border`), one run
(:mod:`~sim.model.run`) and its timeline plot (:mod:`~sim.model.timeline`)."""

from sim.model.border import Border, FireReceived, fire_received
from sim.model.model import INCIDENT_FIELDS, CeasefireModel, Incident
from sim.model.params import ModelParams, ParameterError, validate
from sim.model.run import Origin, RunResult, RunSummary, simulate, war_scale_killed

__all__ = [
    "INCIDENT_FIELDS",
    "CeasefireModel",
    "FireReceived",
    "Incident",
    "ModelParams",
    "Origin",
    "ParameterError",
    "RunResult",
    "RunSummary",
    "Border",
    "fire_received",
    "simulate",
    "validate",
    "war_scale_killed",
]
