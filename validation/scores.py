"""Scores of ensemble forecasts of weekly counts against what happened, and their uncertainty.

A forecast of the validation window maps each of :data:`QUANTITIES` to an integer array of shape
``(M, W)``: M sample paths (the ensemble), W weeks. Every score here is negatively oriented (lower is
better) and is computed the same way for every forecaster, so differences between forecasters are
differences in their forecasts. CRPS, Brier, binary log and interval scores come from ``scoringrules``
(numpy backend); the log score of counts and the PIT are computed here because the counts are discrete.
"""

from __future__ import annotations

import math

import numpy as np
import scoringrules as sr

QUANTITIES = ("violations", "with_casualties", "killed_ARM", "killed_AZE")
"""Weekly counts forecast: violation episodes starting that week; those with any killed or wounded on
either side; each side's own soldiers killed."""

CRPS_ESTIMATOR = "pwm"
"""The ``scoringrules`` CRPS estimator. We score with the *fair* (unbiased) CRPS, E|X−y| − E|X−X'| / 2
with the spread term averaged over the M(M−1) distinct pairs: it estimates the CRPS of the distribution
the ensemble was drawn from, not of its M-member empirical distribution, so forecasters with different
ensemble sizes (the model's costly runs vs. cheap reference paths) are scored on an equal footing.
``"pwm"`` (probability weighted moments, on the sorted ensemble) is algebraically the same number as
``"fair"`` but needs O(M) memory instead of the (M, M) matrix of pairwise differences."""

_BACKEND = "numpy"


def crps(samples: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """Per-week CRPS, shape (W,), of the ensemble ``samples`` (M, W) at the ``observed`` counts (W,).

    Fair estimator (computed in its PWM form, :data:`CRPS_ESTIMATOR`); needs M >= 2.
    """
    samples = np.asarray(samples, dtype=float)
    return np.asarray(
        sr.crps_ensemble(
            np.asarray(observed, dtype=float), samples, m_axis=0, estimator=CRPS_ESTIMATOR, backend=_BACKEND
        )
    )


def smoothed_pmf(samples: np.ndarray, y: int, pseudo_members: float = 1.0) -> float:
    """Predictive probability of the count ``y`` from an ensemble of counts ``samples`` (M,).

    The rule (the same for every forecaster): the ensemble's empirical pmf plus ``a = pseudo_members``
    extra members spread over all counts 0, 1, 2, ... as a geometric pmf g with mean m̄ + 1, where m̄
    is the ensemble mean (the + 1 keeps g spread out when every member is 0):

        p(k) = (n_k + a g(k)) / (M + a),   g(k) = (1 − q) q^k,   q = (m̄ + 1) / (m̄ + 2),

    with n_k the number of members equal to k. p is fixed by the ensemble before y is seen and sums to
    1 over all counts, so the log score of p is strictly proper; a count no member reached gets a
    finite score that grows with its distance above the ensemble (about −log(a/(M+a)) − k log q).
    """
    x = np.asarray(samples).ravel()
    if x.size == 0:
        raise ValueError("empty ensemble")
    q = (float(x.mean()) + 1.0) / (float(x.mean()) + 2.0)
    g = (1.0 - q) * q ** float(y)
    return float((np.count_nonzero(x == y) + pseudo_members * g) / (x.size + pseudo_members))


def log_score_counts(samples: np.ndarray, observed: np.ndarray, pseudo_members: float = 1.0) -> np.ndarray:
    """Per-week log score, shape (W,): −log p(observed) under :func:`smoothed_pmf` of each week's ensemble.

    Integer counts need a pmf, not a kernel density, hence no ``scoringrules.logs_ensemble``.
    """
    samples = np.asarray(samples)
    observed = np.asarray(observed)
    return np.array(
        [-math.log(smoothed_pmf(samples[:, w], int(observed[w]), pseudo_members)) for w in range(samples.shape[1])]
    )


def log_score_total(samples: np.ndarray, observed: int, pseudo_members: float = 1.0) -> float:
    """Log score of a window total: ``samples`` (M,) path totals, ``observed`` the actual total (same rule)."""
    return -math.log(smoothed_pmf(samples, int(observed), pseudo_members))


def probability_floor(n_paths: int) -> float:
    """The clipping bound 1/(2M) for an event probability estimated from M paths: half a path."""
    return 1.0 / (2.0 * n_paths)


def brier(prob: float | np.ndarray, outcome: int | np.ndarray) -> float | np.ndarray:
    """Brier score (p − y)² of the probability ``prob`` of a binary event, ``outcome`` 1 if it happened."""
    return _scalar(sr.brier_score(np.asarray(outcome, dtype=float), np.asarray(prob, dtype=float), backend=_BACKEND))


def log_score_binary(prob: float | np.ndarray, outcome: int | np.ndarray, floor: float) -> float | np.ndarray:
    """Log score −log P(outcome) of a binary event, ``prob`` clipped to [floor, 1 − floor] first.

    Clipping keeps an ensemble that gave the event 0 of M paths from scoring +inf; pass the same floor
    for every forecaster, e.g. :func:`probability_floor` of the smallest ensemble.
    """
    p = np.clip(np.asarray(prob, dtype=float), floor, 1.0 - floor)
    return _scalar(sr.log_score(np.asarray(outcome, dtype=float), p, backend=_BACKEND))


def interval(samples: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Central predictive interval per week: the (1 − level)/2 and (1 + level)/2 ensemble quantiles.

    Quantiles are taken with the inverted empirical CDF, so the bounds are counts some member reached;
    for discrete counts the interval holds at least ``level`` of the ensemble (usually more).
    """
    samples = np.asarray(samples)
    tail = (1.0 - level) / 2.0
    lo = np.quantile(samples, tail, axis=0, method="inverted_cdf")
    hi = np.quantile(samples, 1.0 - tail, axis=0, method="inverted_cdf")
    return lo, hi


def coverage(samples: np.ndarray, observed: np.ndarray, level: float) -> float:
    """Share of weeks whose observed count lies in the :func:`interval` [lo, hi], bounds included.

    Counts are discrete and the interval is inclusive, so the expected coverage of a calibrated
    forecaster is at least ``level``, not exactly ``level``.
    """
    lo, hi = interval(samples, level)
    observed = np.asarray(observed)
    return float(np.mean((observed >= lo) & (observed <= hi)))


def interval_score(samples: np.ndarray, observed: np.ndarray, level: float) -> np.ndarray:
    """Per-week interval (Winkler) score of the :func:`interval` at ``level``, via ``scoringrules``."""
    lo, hi = interval(samples, level)
    return np.asarray(
        sr.interval_score(
            np.asarray(observed, dtype=float), lo.astype(float), hi.astype(float), 1.0 - level, backend=_BACKEND
        )
    )


def pit(samples: np.ndarray, observed: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Randomized PIT per week, shape (W,): U ~ Uniform(F(y − 1), F(y)), F the ensemble's empirical CDF.

    For a calibrated forecaster of discrete counts these values are Uniform(0, 1).
    """
    samples = np.asarray(samples)
    observed = np.asarray(observed)
    below = np.mean(samples < observed, axis=0)  # F(y - 1) for integer counts
    upto = np.mean(samples <= observed, axis=0)  # F(y)
    return below + rng.random(observed.shape) * (upto - below)


def bootstrap_mean(
    scores: np.ndarray, rng: np.random.Generator, n: int = 2000, level: float = 0.9
) -> tuple[float, float, float]:
    """Mean weekly score and a percentile bootstrap interval at ``level`` (weeks resampled with replacement)."""
    scores = np.asarray(scores, dtype=float)
    means = _resampled_means(scores, rng, n)
    lo, hi = np.quantile(means, [(1.0 - level) / 2.0, (1.0 + level) / 2.0])
    return float(scores.mean()), float(lo), float(hi)


def bootstrap_difference(
    scores_a: np.ndarray, scores_b: np.ndarray, rng: np.random.Generator, n: int = 2000, level: float = 0.9
) -> tuple[float, float, float, float]:
    """Paired bootstrap of the mean score difference a − b over weeks (the same weeks drawn for both).

    Returns (mean difference, lower, upper bound of its percentile interval at ``level``, share of
    resamples in which a scores lower, i.e. better, ties counting half).
    """
    diff = np.asarray(scores_a, dtype=float) - np.asarray(scores_b, dtype=float)
    means = _resampled_means(diff, rng, n)
    lo, hi = np.quantile(means, [(1.0 - level) / 2.0, (1.0 + level) / 2.0])
    better = float(np.mean(means < 0.0) + 0.5 * np.mean(means == 0.0))
    return float(diff.mean()), float(lo), float(hi), better


def _resampled_means(values: np.ndarray, rng: np.random.Generator, n: int) -> np.ndarray:
    """Means of ``n`` resamples (with replacement) of ``values``, shape (n,)."""
    idx = rng.integers(0, values.size, size=(n, values.size))
    return values[idx].mean(axis=1)


def _scalar(x) -> float | np.ndarray:
    """A 0-d result as a float; arrays unchanged."""
    x = np.asarray(x)
    return float(x) if x.ndim == 0 else x
