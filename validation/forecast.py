"""Forecasts of the validation window as sample paths: the agent model's, and the reference forecasters'.

A :class:`Forecast` holds, for each quantity, an ``(M, W)`` array of weekly counts over ``M`` sample
paths, and whether each path returned to war scale within the window. Every draw comes from a
generator seeded from ``(seed, forecaster stream)``; the model's forecasts with and without the
window's events share their streams (common random numbers), so their difference is the events'.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from sim.model.border import Border, FireReceived
from sim.model.params import ModelParams
from sim.model.run import Origin, simulate
from sim.record.patterns import Episode
from validation.references import HawkesProcess, NegativeBinomialRate
from validation.scores import QUANTITIES
from validation.window import Window

MODEL_STREAM, DRAW_STREAM, REFERENCE_STREAM = 1, 2, 3


@dataclass
class Forecast:
    """Sample paths of one forecaster over the window."""

    name: str
    weekly: dict[str, np.ndarray]  # quantity -> (M, W) counts
    war: np.ndarray  # (M,) returned to war scale within the window
    description: str = ""
    events_entered: list[str] = field(default_factory=list)

    @property
    def n_paths(self) -> int:
        """Number of sample paths (M)."""
        return len(self.war)

    def totals(self, quantity: str) -> np.ndarray:
        """(M,) window totals of ``quantity``."""
        return self.weekly[quantity].sum(axis=1)


def model_forecast(
    name: str,
    params: ModelParams,
    border: Border,
    window: Window,
    history: tuple[FireReceived, ...],
    n_paths: int,
    seed: int,
    posterior=None,
    start: str = "record",
    progress: Callable[[int], None] | None = None,
    description: str = "",
) -> Forecast:
    """The agent model's forecast: ``n_paths`` runs, each on parameters drawn from ``posterior`` (if
    given) on top of ``params``.

    ``start="record"``: each run starts at the window's origin in the state the record implies
    (``history``: the record's fire received so far). ``start="ceasefire"``: each run starts at the
    ceasefire and the window's weeks are read off it (a run that broke down before the origin counts
    as war in the window).
    """
    runs = np.random.SeedSequence([seed, MODEL_STREAM]).spawn(n_paths)
    draws = np.random.SeedSequence([seed, DRAW_STREAM]).spawn(n_paths)
    origin = Origin(window.origin_hours, history) if start == "record" else Origin()
    horizon_days = (window.end_hours - origin.hours) / 24.0
    weekly = {q: np.zeros((n_paths, window.n_weeks), dtype=np.int64) for q in QUANTITIES}
    war = np.zeros(n_paths, dtype=bool)
    for i in range(n_paths):
        run_params = params if posterior is None else posterior.draw(np.random.default_rng(draws[i]), params)
        result = simulate(run_params, runs[i], horizon_days, border, origin=origin)
        for q, counts in window.weekly(result.episodes).items():
            weekly[q][i] = counts
        war[i] = result.collapsed
        if progress is not None:
            progress(1)
    return Forecast(name, weekly, war, description)


def reference_forecasts(
    calibration: Sequence[Episode], window: Window, n_paths: int, seed: int, fit_hours: float
) -> list[Forecast]:
    """The negative-binomial rate model and the Hawkes process, fitted on the calibration window only.

    Neither knows war: a path 'returns to war scale' only if one of its weeks counts as many killed as
    the collapse rule's threshold, which their marks (the record's losses) never reach."""
    out = []
    for k, model in enumerate(
        (
            NegativeBinomialRate.fit(calibration, fit_hours=fit_hours),
            HawkesProcess.fit(calibration, fit_hours=fit_hours),
        )
    ):
        rng = np.random.default_rng(np.random.SeedSequence([seed, REFERENCE_STREAM, k]))
        weekly = model.sample(rng, n_paths, window.origin_hours, window.edges)
        killed = weekly["killed_ARM"] + weekly["killed_AZE"]
        out.append(
            Forecast(
                model.name, weekly, (killed >= ModelParams().collapse.killed_threshold).any(axis=1), model.describe()
            )
        )
    return out
