"""Scores of ensemble forecasts: hand-made cases with known answers."""

import math

import numpy as np
import pytest
import scoringrules as sr
from scipy import stats

from validation import scores


def test_quantities_are_the_four_weekly_counts():
    assert scores.QUANTITIES == ("violations", "with_casualties", "killed_ARM", "killed_AZE")


def test_crps_of_large_normal_ensemble_matches_closed_form():
    rng = np.random.default_rng(0)
    y = np.array([-1.5, 0.0, 0.7, 2.0])
    samples = rng.standard_normal((20000, y.size))
    got = scores.crps(samples, y)
    closed = y * (2 * stats.norm.cdf(y) - 1) + 2 * stats.norm.pdf(y) - 1 / math.sqrt(math.pi)
    assert got.shape == (4,)
    np.testing.assert_allclose(got, closed, atol=0.02)
    np.testing.assert_allclose(closed, sr.crps_normal(y, 0.0, 1.0, backend="numpy"), atol=1e-12)


def test_crps_of_tiny_ensemble_is_the_fair_estimator_by_definition():
    ens, y = [0, 1, 3], 2
    m = len(ens)
    spread = sum(abs(a - b) for a in ens for b in ens) / (m * (m - 1))  # distinct pairs only (fair)
    by_definition = sum(abs(x - y) for x in ens) / m - spread / 2  # 4/3 - 1 = 1/3
    got = scores.crps(np.array(ens)[:, None], np.array([y]))
    assert by_definition == pytest.approx(1 / 3)
    assert got[0] == pytest.approx(by_definition)


def test_crps_equals_the_libraries_fair_estimator():
    rng = np.random.default_rng(7)
    samples, y = rng.poisson(2.0, size=(60, 5)), rng.poisson(2.0, size=5)
    fair = sr.crps_ensemble(y.astype(float), samples.astype(float), m_axis=0, estimator="fair", backend="numpy")
    nrg = sr.crps_ensemble(y.astype(float), samples.astype(float), m_axis=0, estimator="nrg", backend="numpy")
    np.testing.assert_allclose(scores.crps(samples, y), fair, atol=1e-12)
    assert np.all(scores.crps(samples, y) < nrg)  # fair subtracts the larger spread term


def test_log_score_counts_uses_the_smoothed_pmf_written_by_hand():
    ens = np.array([0, 0, 1, 2])  # M = 4, mean 0.75: g geometric with q = 1.75/2.75 = 7/11
    q = 7 / 11
    g = lambda k: (1 - q) * q**k  # noqa: E731
    by_hand = {0: (2 + g(0)) / 5, 1: (1 + g(1)) / 5, 2: (1 + g(2)) / 5, 3: g(3) / 5}
    samples = np.column_stack([ens] * 4)
    got = scores.log_score_counts(samples, np.array([0, 1, 2, 3]))
    np.testing.assert_allclose(got, [-math.log(by_hand[k]) for k in range(4)])
    assert scores.log_score_total(ens, 3) == pytest.approx(-math.log(by_hand[3]))


def test_smoothed_pmf_is_a_distribution_and_penalises_unseen_counts():
    ens = np.array([0, 0, 1, 2])
    assert sum(scores.smoothed_pmf(ens, k) for k in range(400)) == pytest.approx(1.0)
    unseen = scores.log_score_total(ens, 5)
    assert math.isfinite(unseen)
    assert unseen > scores.log_score_total(ens, 2) + 2  # much worse than a seen count
    assert scores.log_score_total(ens, 9) > unseen  # and worse the further out
    zeros = np.zeros(10, dtype=int)  # all-zero ensemble still finite
    assert math.isfinite(scores.log_score_total(zeros, 3))


def test_brier_and_binary_log_score():
    assert scores.brier(1.0, 0) == pytest.approx(1.0)
    assert scores.brier(0.5, 0) == pytest.approx(0.25)
    assert scores.brier(0.5, 1) == pytest.approx(0.25)
    floor = scores.probability_floor(100)
    assert floor == pytest.approx(0.005)
    assert scores.log_score_binary(1.0, 0, floor) == pytest.approx(math.log(200))
    assert scores.log_score_binary(1.0, 1, floor) == pytest.approx(-math.log(0.995))
    assert scores.log_score_binary(0.5, 0, floor) == pytest.approx(math.log(2))
    np.testing.assert_allclose(scores.brier(np.array([0.2, 0.9]), np.array([1, 1])), [0.64, 0.01])


def test_interval_and_coverage_on_a_constructed_case():
    samples = np.tile(np.arange(10)[:, None], (1, 4))  # each week: 0..9 once each
    lo, hi = scores.interval(samples, 0.8)  # F(0) = 0.1 >= 0.1, F(8) = 0.9 >= 0.9
    np.testing.assert_array_equal(lo, [0, 0, 0, 0])
    np.testing.assert_array_equal(hi, [8, 8, 8, 8])
    assert scores.coverage(samples, np.array([0, 8, 9, 4]), 0.8) == pytest.approx(0.75)  # bounds inclusive
    np.testing.assert_allclose(scores.interval_score(samples, np.array([0, 8, 9, 4]), 0.8), [8, 8, 8 + 2 / 0.2 * 1, 8])


def test_pit_uniform_when_calibrated_and_not_otherwise():
    rng = np.random.default_rng(1)
    samples = rng.poisson(3.0, size=(1000, 500))
    same = scores.pit(samples, rng.poisson(3.0, size=500), rng)
    assert same.shape == (500,)
    assert stats.kstest(same, "uniform").pvalue > 0.01
    other = scores.pit(samples, rng.poisson(6.0, size=500), rng)
    assert stats.kstest(other, "uniform").pvalue < 1e-6
    assert other.mean() > 0.7


def test_pit_is_within_the_cdf_step():
    samples = np.array([[0], [1], [1], [2]])
    u = scores.pit(np.repeat(samples, 1000, axis=1), np.ones(1000, dtype=int), np.random.default_rng(2))
    assert u.min() >= 0.25 and u.max() <= 0.75


def test_bootstrap_mean_interval_contains_the_mean():
    rng = np.random.default_rng(3)
    s = rng.gamma(2.0, size=14)
    mean, lo, hi = scores.bootstrap_mean(s, rng, n=2000, level=0.9)
    assert mean == pytest.approx(s.mean())
    assert lo < mean < hi


def test_bootstrap_difference_of_identical_scores_is_zero():
    s = np.random.default_rng(4).gamma(2.0, size=14)
    assert scores.bootstrap_difference(s, s.copy(), np.random.default_rng(5), n=500) == (0.0, 0.0, 0.0, 0.5)


def test_bootstrap_difference_when_a_is_always_better():
    rng = np.random.default_rng(6)
    b = rng.gamma(2.0, size=14)
    diff, lo, hi, share = scores.bootstrap_difference(b - 0.3, b, rng, n=500, level=0.9)
    assert diff == pytest.approx(-0.3)
    assert lo <= diff <= hi < 0
    assert share == 1.0
