"""Every forecaster scored on the same window, the same way: per-quantity score rows and head-to-head
comparisons with bootstrap intervals over weeks.

Scored quantities are :data:`validation.scores.QUANTITIES` plus ``killed`` (both sides' own killed),
the headline quantity together with ``with_casualties``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from validation import scores
from validation.forecast import Forecast
from validation.scores import QUANTITIES

SCORED = (*QUANTITIES, "killed")
HEADLINE = ("killed", "with_casualties")
LEVELS = (0.5, 0.9)


def series(weekly: dict[str, np.ndarray], quantity: str) -> np.ndarray:
    """A quantity's weekly array (forecast (M, W) or observed (W,)), ``killed`` = both sides'."""
    if quantity == "killed":
        return weekly["killed_ARM"] + weekly["killed_AZE"]
    return weekly[quantity]


@dataclass(frozen=True)
class ScoreRow:
    """One forecaster's scores of one quantity (lower is better, but for coverage)."""

    forecaster: str
    quantity: str
    crps: float  # mean weekly CRPS
    crps_lo: float  # 90% bootstrap interval over weeks
    crps_hi: float
    log_score: float  # mean weekly log score (smoothed ensemble pmf)
    total_crps: float  # CRPS of the window total
    total_log_score: float
    coverage50: float  # share of weeks inside the central 50% interval
    coverage90: float
    observed_total: int
    forecast_total_median: float
    forecast_total_lo: float  # 5% and 95% of the forecast window total
    forecast_total_hi: float


def score_rows(f: Forecast, observed: dict[str, np.ndarray], seed: int, n_boot: int) -> list[ScoreRow]:
    """``f``'s scores of every scored quantity against ``observed``, bootstrap intervals over weeks."""
    out = []
    for k, q in enumerate(SCORED):
        sample, obs = series(f.weekly, q), series(observed, q)
        weekly_crps = scores.crps(sample, obs)
        rng = np.random.default_rng(np.random.SeedSequence([seed, 11, k]))
        mean, lo, hi = scores.bootstrap_mean(weekly_crps, rng, n=n_boot, level=0.9)
        totals, obs_total = sample.sum(axis=1), int(obs.sum())
        out.append(
            ScoreRow(
                f.name,
                q,
                float(mean),
                float(lo),
                float(hi),
                float(np.mean(scores.log_score_counts(sample, obs))),
                float(scores.crps(totals[:, None], np.array([obs_total]))[0]),
                float(scores.log_score_total(totals, obs_total)),
                float(scores.coverage(sample, obs, 0.5)),
                float(scores.coverage(sample, obs, 0.9)),
                obs_total,
                float(np.median(totals)),
                float(np.quantile(totals, 0.05)),
                float(np.quantile(totals, 0.95)),
            )
        )
    return out


@dataclass(frozen=True)
class WarRow:
    """One forecaster's probability of a return to war scale in the window, its Brier and log scores."""

    forecaster: str
    probability: float  # share of paths that returned to war scale within the window
    brier: float
    log_score: float


def war_row(f: Forecast, observed_war: bool) -> WarRow:
    """``f``'s probability of a return to war scale and its scores against ``observed_war``."""
    p = float(f.war.mean())
    floor = scores.probability_floor(f.n_paths)
    return WarRow(
        f.name,
        p,
        float(scores.brier(p, int(observed_war))),
        float(scores.log_score_binary(p, int(observed_war), floor)),
    )


@dataclass(frozen=True)
class Comparison:
    """Mean weekly CRPS of ``model`` minus ``reference`` (negative: the model is better)."""

    model: str
    reference: str
    quantity: str
    difference: float
    lo: float  # 90% paired bootstrap interval over weeks
    hi: float
    share_model_better: float  # share of bootstrap resamples in which the model's mean is lower

    @property
    def verdict(self) -> str:
        """Which forecaster is better, ``(not resolved)`` when the 90% interval includes 0."""
        if self.hi < 0:
            return "model better"
        if self.lo > 0:
            return "reference better"
        return (
            "model better (not resolved)"
            if self.difference < 0
            else ("reference better (not resolved)" if self.difference > 0 else "tie")
        )


def compare(
    model: Forecast, reference: Forecast, observed: dict[str, np.ndarray], seed: int, n_boot: int
) -> list[Comparison]:
    """``model`` against ``reference`` on each scored quantity: mean weekly CRPS difference, paired bootstrap."""
    out = []
    for k, q in enumerate(SCORED):
        obs = series(observed, q)
        a, b = scores.crps(series(model.weekly, q), obs), scores.crps(series(reference.weekly, q), obs)
        rng = np.random.default_rng(np.random.SeedSequence([seed, 12, k]))
        diff, lo, hi, share = scores.bootstrap_difference(a, b, rng, n=n_boot, level=0.9)
        out.append(Comparison(model.name, reference.name, q, float(diff), float(lo), float(hi), float(share)))
    return out


def pit_values(f: Forecast, observed: dict[str, np.ndarray], seed: int) -> np.ndarray:
    """Randomised PIT of every weekly headline observation."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 13]))
    return np.concatenate([scores.pit(series(f.weekly, q), series(observed, q), rng) for q in HEADLINE])
