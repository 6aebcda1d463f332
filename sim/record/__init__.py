"""The incident record (``seeds/``): its schema (:mod:`~sim.record.schema`, pydantic models with their
JSON Schema in ``seeds/schema/``), a typed, validating loader (:mod:`~sim.record.loader`), the history
of 2020-2022 cut into periods (:mod:`~sim.record.history`), the violation episodes and their summary
statistics (:mod:`~sim.record.patterns`) and the calibration targets (:mod:`~sim.record.targets`,
``python -m sim.record.targets``). The modules run with ``python -m`` (targets, schemafiles) are not
imported here, so that they run cleanly."""

from sim.record.history import FlareUp, History, Period, load_history
from sim.record.loader import (
    Claim,
    ContextFact,
    Event,
    Record,
    RecordError,
    Regime,
    Sector,
    TimeClaim,
    load_events_file,
    load_record,
)
from sim.record.patterns import (
    HISTORY_STATISTICS,
    STATISTICS,
    Episode,
    episodes_from_events,
    history_statistics,
    record_episodes,
    summary_statistics,
)

__all__ = [
    "Claim",
    "ContextFact",
    "Episode",
    "Event",
    "FlareUp",
    "HISTORY_STATISTICS",
    "History",
    "Period",
    "Record",
    "RecordError",
    "Regime",
    "STATISTICS",
    "Sector",
    "TimeClaim",
    "episodes_from_events",
    "history_statistics",
    "load_events_file",
    "load_history",
    "load_record",
    "record_episodes",
    "summary_statistics",
]
