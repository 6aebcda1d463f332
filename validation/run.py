"""One validation: every forecast of the window, the record's series, and their scores.

:func:`run_validation` is a plain function of :class:`ValidationSettings` (the ``ceasefire-validate``
command wraps it); it reads the calibration record, the validation record and the posterior, and
writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable

import numpy as np

from sim.common.messages import shown
from sim.common.values import MAX_SEED
from sim.model.border import Border, fire_received
from sim.model.params import ModelParams, ParameterError
from sim.record.loader import DEFAULT_SEEDS, Event, load_events_file, load_record
from sim.record.patterns import WINDOW_HOURS, episodes_from_events, record_episodes
from validation import scoring
from validation.forecast import Forecast, model_forecast, reference_forecasts
from validation.window import Window, observed, window_for, with_window_events

DEFAULT_VALIDATION_RECORD = DEFAULT_SEEDS / "validation" / "events.yaml"
STARTS = ("record", "ceasefire")
MODES = ("window", "rolling")
MAX_PATHS = 1_000_000
POSTERIOR_SETTING = ("validation.posterior", ("calibrated",))
"""The setting that names the posterior and the names it allows (or the path of a posterior.csv)."""


@dataclass
class RollingSettings:
    """The rolling origins of ``validation.mode=rolling`` (docs/validation.md, "Forecast by forecast")."""

    first: str = "2021-01-01"  # no origin before this local day
    step_days: int = 90  # origins this far apart, back from the end of the calibration record
    horizon_days: int = 90  # each forecast's length
    bank: int = 1000  # prior draws simulated over the record's spells
    accept: float = 0.1  # share of the bank kept at each origin (ABC rejection)
    paths: int = 500  # sample paths per forecaster and origin
    history: str = ""  # the history record's folder ("" = seeds/history)

    def validate(self) -> date:
        """Raise :class:`ParameterError` (one line) on a bad setting; return ``first`` as a date."""
        for key, lo, hi in (
            ("step_days", 7, 3650),
            ("horizon_days", 7, 3650),
            ("bank", 2, MAX_PATHS),
            ("paths", 2, MAX_PATHS),
        ):
            v = getattr(self, key)
            if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
                raise ParameterError(
                    f"validation.rolling.{key}={shown(v)} is out of range; allowed: an integer in [{lo}, {hi}]"
                )
        if not 0.0 < self.accept <= 1.0:
            raise ParameterError(f"validation.rolling.accept={shown(self.accept)} is out of range; allowed: (0, 1]")
        try:
            return date.fromisoformat(str(self.first))
        except ValueError:
            raise ParameterError(
                f"validation.rolling.first={shown(self.first)!r} is not a date; allowed: YYYY-MM-DD"
            ) from None


@dataclass
class ValidationSettings:
    """What ``ceasefire-validate`` runs (Hydra config ``conf/validate.yaml``)."""

    seed: int = 2022
    paths: int = 1000  # sample paths per forecaster
    start: str = "record"  # record: from the state the record implies at the origin | ceasefire
    until: str = "2022-12-31"  # last day of the window (local)
    record: str = ""  # validation events file ("" = seeds/validation/events.yaml)
    record_dir: str = ""  # the calibration record ("" = seeds/)
    posterior: str = "calibrated"  # calibrated (the committed set) | the path of a posterior.csv
    bootstrap: int = 2000  # bootstrap resamples over weeks
    mode: str = "window"  # window: the weeks after the calibration record | rolling: forecast by forecast
    rolling: RollingSettings = field(default_factory=RollingSettings)

    def validate(self) -> date:
        """Raise :class:`ParameterError` (one line) on a bad setting; return ``until`` as a date."""
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or not 0 <= self.seed <= MAX_SEED:
            raise ParameterError(
                f"validation.seed={shown(self.seed)} is out of range; allowed: an integer from 0 to {MAX_SEED}"
            )
        for key, lo in (("paths", 2), ("bootstrap", 100)):
            v = getattr(self, key)
            if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= MAX_PATHS:
                raise ParameterError(
                    f"validation.{key}={shown(v)} is out of range; allowed: an integer in [{lo}, {MAX_PATHS}]"
                )
        if self.mode not in MODES:
            raise ParameterError(f"validation.mode={shown(self.mode)!r} is not allowed; allowed: {', '.join(MODES)}")
        self.rolling.validate()
        if self.start not in STARTS:
            raise ParameterError(f"validation.start={shown(self.start)!r} is not allowed; allowed: {', '.join(STARTS)}")
        try:
            return date.fromisoformat(str(self.until))
        except ValueError:
            raise ParameterError(f"validation.until={shown(self.until)!r} is not a date; allowed: YYYY-MM-DD") from None


@dataclass
class Validation:
    """A finished validation: the window, the record's weekly counts, every forecast and their scores."""

    settings: ValidationSettings
    window: Window
    observed: dict[str, np.ndarray]
    observed_war: bool
    forecasts: list[Forecast]
    rows: list[scoring.ScoreRow]
    war: list[scoring.WarRow]
    comparisons: list[scoring.Comparison]
    events_entered: list[str]
    record_path: Path
    n_violations: int
    notes: list[str] = field(default_factory=list)

    def forecast(self, name: str) -> Forecast:
        """The forecast of the forecaster ``name``."""
        return next(f for f in self.forecasts if f.name == name)


CALIBRATED, CALIBRATED_EVENTS = "model, calibrated", "model, calibrated + window events"
DEFAULTS, DEFAULTS_EVENTS = "model, defaults", "model, defaults + window events"


def run_validation(s: ValidationSettings, progress: Callable[[int], None] | None = None) -> Validation:
    """Forecast the window with the model (posterior and defaults, with and without the window's events)
    and the reference forecasters; score them all against the validation record."""
    from sim.experiment.config import load_posterior

    until = s.validate()
    record = load_record(s.record_dir or None)
    border = Border.from_record(record)
    path = Path(s.record) if s.record else DEFAULT_VALIDATION_RECORD
    events = load_events_file(path, record)
    window = window_for(border, WINDOW_HOURS, until)
    posterior = load_posterior(s.posterior, *POSTERIOR_SETTING)
    history = fire_received(record.events, border.ceasefire, border.sector_ids, window.origin_hours)
    base = ModelParams()
    params_events, border_events, entered = with_window_events(base, border, events, window)

    def run(name, params, border_, post):
        return model_forecast(
            name, params, border_, window, history, s.paths, s.seed, posterior=post, start=s.start, progress=progress
        )

    forecasts = [
        run(CALIBRATED, base, border, posterior),
        run(CALIBRATED_EVENTS, params_events, border_events, posterior),
        run(DEFAULTS, base, border, None),
        run(DEFAULTS_EVENTS, params_events, border_events, None),
    ]
    for f in forecasts[1::2]:
        f.events_entered = entered
    calibration = record_episodes(record, border.ceasefire)
    references = reference_forecasts(calibration, window, s.paths, s.seed, WINDOW_HOURS)
    forecasts += references
    obs = observed(events, window)
    obs_war = window.returned_to_war_scale(episodes_from_events(events, border.ceasefire), base)
    rows = [r for f in forecasts for r in scoring.score_rows(f, obs, s.seed, s.bootstrap)]
    war = [scoring.war_row(f, obs_war) for f in forecasts]
    comparisons = [
        c for m in forecasts[:4] for ref in references for c in scoring.compare(m, ref, obs, s.seed, s.bootstrap)
    ]
    n_violations = sum(
        1 for e in events if e.kind == "violation" and window.origin_hours <= _start(e, window) < window.end_hours
    )
    return Validation(s, window, obs, obs_war, forecasts, rows, war, comparisons, entered, path, n_violations)


def _start(e: Event, window: Window) -> float:
    return (e.start - window.ceasefire).total_seconds() / 3600.0


def total_runs(s: ValidationSettings) -> int:
    """Model runs a validation makes (for a progress bar)."""
    return 4 * s.paths
