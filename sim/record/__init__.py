"""The incident record (``seeds/``): a typed, validating loader (:mod:`~sim.record.loader`), the
violation episodes and their summary statistics (:mod:`~sim.record.patterns`) and the calibration
targets (:mod:`~sim.record.targets`, ``python -m sim.record.targets``; not imported here, so that
``python -m`` runs it cleanly)."""

from sim.record.loader import (
    Claim,
    ContextFact,
    Event,
    Record,
    RecordError,
    Sector,
    TimeClaim,
    load_events_file,
    load_record,
)
from sim.record.patterns import STATISTICS, Episode, episodes_from_events, record_episodes, summary_statistics

__all__ = [
    "Claim",
    "ContextFact",
    "Episode",
    "Event",
    "Record",
    "RecordError",
    "STATISTICS",
    "Sector",
    "TimeClaim",
    "episodes_from_events",
    "load_events_file",
    "load_record",
    "record_episodes",
    "summary_statistics",
]
