"""Validation forecast by forecast: rolling origins across the history and the weeks after the calibration.

:func:`run_rolling` is a plain function of :class:`validation.run.ValidationSettings` (``validation.mode=
rolling``): it reads the three records, puts them on one clock (:mod:`validation.rolling.timeline`),
simulates the bank of prior draws once (:mod:`validation.rolling.bank`), and at each origin forecasts the
next ``horizon_days`` with

- **the model, history ABC**: parameters from the bank's draws nearest the record before the origin;
- **the model, prior**: parameters from the whole bank (what the reweighting adds is the difference);
- the **negative-binomial** and **Hawkes** references (:mod:`validation.references`), refitted on every
  incident before the origin.

Each forecast is scored against the records' weeks (:mod:`validation.scoring`); the scores are pooled
over origins with bootstrap intervals over origins. It writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable

import numpy as np

from sim.model.params import ModelParams, ParameterError
from sim.record.history import load_history
from sim.record.loader import load_events_file, load_record
from validation import scores, scoring
from validation.forecast import Forecast, model_forecast, reference_forecasts
from validation.rolling.bank import Bank, Cut, Posterior, cuts_for, simulate_bank
from validation.rolling.timeline import Start, Timeline, build_timeline, calibration_end, origins
from validation.run import DEFAULT_VALIDATION_RECORD, ValidationSettings
from validation.window import Window

MODEL, PRIOR = "model, history ABC", "model, prior"
QUANTITIES = ("with_casualties", "killed", "killed_ARM", "killed_AZE")
"""Scored quantities: the record is complete for deaths and casualties, not for all shootings."""
HEADLINE = scoring.HEADLINE
ORIGIN_STREAM = 31


@dataclass
class OriginResult:
    """One origin: what it knew, every forecaster's forecast of the next weeks, the record's weeks."""

    origin: datetime
    start: Start
    window: Window  # hours since the timeline's zero
    posterior: Posterior
    width_ratios: dict[str, float]
    forecasts: list[Forecast]
    observed: dict[str, np.ndarray]
    observed_war: bool
    rows: list[scoring.ScoreRow]
    war: list[scoring.WarRow]
    n_cuts: int


@dataclass
class Pooled:
    """One forecaster's quantity over all origins: mean CRPS and coverage, bootstrap over origins."""

    forecaster: str
    quantity: str
    crps: float  # mean over origins of the mean weekly CRPS
    crps_lo: float
    crps_hi: float
    total_crps: float  # mean CRPS of the horizon totals
    coverage50: float  # share of weeks (all origins) inside the central 50% interval
    coverage90: float
    total_coverage50: float  # share of origins whose horizon total lies inside the 50% interval
    total_coverage90: float


@dataclass
class RollingValidation:
    """A finished rolling validation."""

    settings: ValidationSettings
    timeline: Timeline
    bank: Bank
    results: list[OriginResult]
    pooled: list[Pooled]
    comparisons: list[scoring.Comparison]  # over origins: mean CRPS of the model minus a reference
    brier: dict[str, float]  # forecaster -> mean Brier score of war scale over origins

    @property
    def forecasters(self) -> list[str]:
        """The forecasters' names, in the report's order."""
        return [f.name for f in self.results[0].forecasts]


def load_timeline(s: ValidationSettings) -> tuple[Timeline, datetime]:
    """The three records on one clock and the calibration record's end, the last origin (one-line
    :class:`RecordError` on a bad file)."""
    until = s.validate()
    record = load_record(s.record_dir or None)
    history = load_history(s.rolling.history or None)
    events = load_events_file(Path(s.record) if s.record else DEFAULT_VALIDATION_RECORD, record)
    return build_timeline(history, record, events, until), calibration_end(record)


def rolling_origins(s: ValidationSettings, timeline: Timeline, last: datetime) -> list[datetime]:
    """The origins; one-line :class:`ParameterError` when none fits or a forecast runs past the records."""
    r = s.rolling
    out = [t for t in origins(last, r.step_days, r.validate()) if t > timeline.spells[0].start]
    if not out:
        raise ParameterError(
            f"validation.rolling.first={r.first} leaves no origin; allowed: a day before {last.date()}"
        )
    if last + timedelta(days=r.horizon_days) > timeline.end:
        raise ParameterError(
            f"validation.rolling.horizon_days={r.horizon_days} runs past validation.until={s.until}; allowed: "
            f"at most {(timeline.end - last).days}"
        )
    return out


def total_runs(s: ValidationSettings, n_origins: int) -> int:
    """Bank draws plus the model's forecast runs (for a progress bar)."""
    return s.rolling.bank + n_origins * 2 * s.rolling.paths


def run_rolling(s: ValidationSettings, progress: Callable[[int], None] | None = None) -> RollingValidation:
    """Forecast from every rolling origin with the model and the references; score and pool."""
    timeline, last = load_timeline(s)
    times = rolling_origins(s, timeline, last)
    base = ModelParams()
    cuts = cuts_for(timeline, times)
    bank = simulate_bank(timeline, cuts, s.rolling.bank, s.seed, base, progress)
    results = [forecast_origin(s, timeline, bank, t, k, base, progress) for k, t in enumerate(times)]
    names = [f.name for f in results[0].forecasts]
    pooled = [pool(results, name, q, s) for name in names for q in QUANTITIES]
    comparisons = [
        compare_over_origins(results, model, ref, q, s) for model in names[:2] for ref in names[2:] for q in QUANTITIES
    ]
    brier = {
        name: float(np.mean([next(w.brier for w in r.war if w.forecaster == name) for r in results])) for name in names
    }
    return RollingValidation(s, timeline, bank, results, pooled, comparisons, brier)


def forecast_origin(
    s: ValidationSettings,
    timeline: Timeline,
    bank: Bank,
    origin: datetime,
    k: int,
    base: ModelParams,
    progress: Callable[[int], None] | None,
) -> OriginResult:
    """Every forecast from ``origin`` (the ``k``-th), scored against the records' weeks after it."""
    r = s.rolling
    seed = int(np.random.SeedSequence([s.seed, ORIGIN_STREAM, k]).generate_state(1)[0])
    start = timeline.start_at(origin)
    at = timeline.hours(origin)
    horizon = r.horizon_days * 24.0
    window = Window(timeline.zero, at, at + horizon)
    model_window = Window(start.spell.start, start.origin_hours, start.origin_hours + horizon)
    used = known_cuts(timeline, bank, origin)
    post = bank.posterior(used, r.accept)
    forecasts = []
    for name, p in ((MODEL, post), (PRIOR, bank.prior())):
        f = model_forecast(
            name, base, start.border, model_window, start.fire, r.paths, seed, posterior=p, progress=progress
        )
        forecasts.append(Forecast(name, f.weekly, f.war))
    forecasts += reference_forecasts(list(timeline.episodes), window, r.paths, seed, at)
    obs = window.weekly(timeline.episodes)
    obs_war = window.returned_to_war_scale(timeline.episodes, base)
    rows = [row for f in forecasts for row in scoring.score_rows(f, obs, s.seed, s.bootstrap)]
    war = [scoring.war_row(f, obs_war) for f in forecasts]
    return OriginResult(
        origin, start, window, post, bank.width_ratios(post), forecasts, obs, obs_war, rows, war, len(used)
    )


def known_cuts(timeline: Timeline, bank: Bank, origin: datetime) -> list[Cut]:
    """What ``origin`` knows: each spell started before it, read to its end or to the origin."""
    latest: dict[int, Cut] = {}
    for c in bank.cuts:
        if timeline.spells[c.spell].start + timedelta(hours=c.hours) <= origin:
            latest[c.spell] = max(latest.get(c.spell, c), c)
    return [latest[i] for i in sorted(latest)]


def _weekly_crps(result: OriginResult, name: str, q: str) -> np.ndarray:
    f = next(f for f in result.forecasts if f.name == name)
    return scores.crps(scoring.series(f.weekly, q), scoring.series(result.observed, q))


def pool(results: list[OriginResult], name: str, q: str, s: ValidationSettings) -> Pooled:
    """``name``'s scores of ``q`` over all origins; the interval resamples origins (weeks within an
    origin are not independent)."""
    per_origin = np.array([_weekly_crps(r, name, q).mean() for r in results])
    rng = np.random.default_rng(np.random.SeedSequence([s.seed, ORIGIN_STREAM, 1, QUANTITIES.index(q)]))
    mean, lo, hi = scores.bootstrap_mean(per_origin, rng, n=s.bootstrap, level=0.9)
    weekly50, weekly90, total50, total90, total_crps = [], [], [], [], []
    for r in results:
        f = next(f for f in r.forecasts if f.name == name)
        sample, obs = scoring.series(f.weekly, q), scoring.series(r.observed, q)
        weekly50.append(_inside(sample, obs, 0.5))
        weekly90.append(_inside(sample, obs, 0.9))
        totals, total = sample.sum(axis=1)[:, None], obs.sum(keepdims=True)
        total50.append(_inside(totals, total, 0.5))
        total90.append(_inside(totals, total, 0.9))
        total_crps.append(float(scores.crps(totals, total)[0]))
    return Pooled(
        name,
        q,
        mean,
        lo,
        hi,
        float(np.mean(total_crps)),
        float(np.concatenate(weekly50).mean()),
        float(np.concatenate(weekly90).mean()),
        float(np.concatenate(total50).mean()),
        float(np.concatenate(total90).mean()),
    )


def _inside(sample: np.ndarray, obs: np.ndarray, level: float) -> np.ndarray:
    lo, hi = scores.interval(sample, level)
    return (obs >= lo) & (obs <= hi)


def compare_over_origins(
    results: list[OriginResult], model: str, reference: str, q: str, s: ValidationSettings
) -> scoring.Comparison:
    """Mean weekly CRPS of ``model`` minus ``reference`` on ``q``, paired bootstrap over origins."""
    a = np.array([_weekly_crps(r, model, q).mean() for r in results])
    b = np.array([_weekly_crps(r, reference, q).mean() for r in results])
    rng = np.random.default_rng(np.random.SeedSequence([s.seed, ORIGIN_STREAM, 2, QUANTITIES.index(q)]))
    diff, lo, hi, share = scores.bootstrap_difference(a, b, rng, n=s.bootstrap, level=0.9)
    return scoring.Comparison(model, reference, q, diff, lo, hi, share)


def pit_values(result: OriginResult, name: str, q: str, seed: int) -> tuple[np.ndarray, float]:
    """Randomised PIT of ``name``'s forecast of ``q`` at ``result``: its weeks, and its horizon total."""
    f = next(f for f in result.forecasts if f.name == name)
    sample, obs = scoring.series(f.weekly, q), scoring.series(result.observed, q)
    rng = np.random.default_rng(np.random.SeedSequence([seed, ORIGIN_STREAM, 3]))
    weekly = scores.pit(sample, obs, rng)
    total = scores.pit(sample.sum(axis=1)[:, None], obs.sum(keepdims=True), rng)[0]
    return weekly, float(total)
