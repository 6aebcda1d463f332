"""The model. Parameters: declared in :mod:`~sim.model.params` (machinery in :mod:`~sim.model.schema`).
Rules as pure functions: :mod:`~sim.model.rules`. The Mesa model (:mod:`~sim.model.model`: set-up, the
exchange of fire, collapse) on its event engine (:mod:`~sim.model.events`), with unprovoked fire sampled
in :mod:`~sim.model.unprovoked` and the incident log in :mod:`~sim.model.incidents`. The agents: the
sides (:mod:`~sim.model.agents`) and the third parties (:mod:`~sim.model.third_parties`). The border and
calendar (:mod:`~sim.model.border`), one run (:mod:`~sim.model.run`), its timeline (:mod:`~sim.model.timeline`).

The names below are imported when first used, so that reading parameters does not import Mesa: a
sweep's main process and the command-line checks only need the parameters."""

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
