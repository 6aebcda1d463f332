"""The model: every parameter with unit, default, range and source (:mod:`~sim.model.params`), decision
rules as pure functions (:mod:`~sim.model.rules`), the Mesa agents (:mod:`~sim.model.agents`) and model
(:mod:`~sim.model.model`), the border and calendar it runs on (:mod:`~sim.model.border`), one run
(:mod:`~sim.model.run`) and its timeline plot (:mod:`~sim.model.timeline`).

The names below are imported when first used, so that reading parameters (``sim.model.params``) does not
import Mesa (0.6 s): a sweep's main process and the command-line checks only need the parameters."""

from __future__ import annotations

import importlib

_WHERE = {
    "Border": "sim.model.border",
    "FireReceived": "sim.model.border",
    "fire_received": "sim.model.border",
    "INCIDENT_FIELDS": "sim.model.incidents",
    "CeasefireModel": "sim.model.model",
    "Incident": "sim.model.incidents",
    "ModelParams": "sim.model.params",
    "ParameterError": "sim.model.params",
    "validate": "sim.model.params",
    "Origin": "sim.model.run",
    "RunResult": "sim.model.run",
    "RunSummary": "sim.model.run",
    "simulate": "sim.model.run",
    "war_scale_killed": "sim.model.run",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    """``from sim.model import simulate`` and the like: the name from its module, imported now."""
    if name not in _WHERE:
        raise AttributeError(f"module 'sim.model' has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value
    return value
