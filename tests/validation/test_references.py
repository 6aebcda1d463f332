"""Reference forecasters: the Hawkes likelihood, its MLE and simulation, the negative-binomial rate, the marks."""

import dataclasses
import math

import numpy as np
import pytest
from scipy import integrate

from sim.record.patterns import Episode
from validation import references as ref
from validation.scores import QUANTITIES

EDGES = np.array([340.0, 508.0, 676.0, 760.0])  # two full weeks and a partial one


def episode(t: float, killed=(0, 0), wounded=(0, 0)) -> Episode:
    return Episode(
        start_hours=t,
        killed=dict(zip(("ARM", "AZE"), killed)),
        wounded=dict(zip(("ARM", "AZE"), wounded)),
        max_tier=1,
        blamed={"ARM": None, "AZE": None},
        retaliated={"ARM": False, "AZE": False},
    )


CALIBRATION = [episode(t) for t in (10, 40, 45, 120, 200, 260, 300, 330)] + [
    episode(50, killed=(1, 0)),
    episode(250, killed=(1, 0), wounded=(2, 1)),
]  # 10 episodes, 2 with casualties


def test_hawkes_loglik_matches_numerical_integral_of_the_intensity():
    mu, alpha, beta, end = 0.3, 0.4, 0.7, 6.0
    history, times = [-5.0, -1.0], [1.0, 2.5, 4.0]
    src = history + times

    def intensity(t: float) -> float:
        return mu + sum(alpha * beta * math.exp(-beta * (t - s)) for s in src if s < t)

    integral = sum(integrate.quad(intensity, a, b)[0] for a, b in zip([0.0] + times, times + [end]))
    expected = sum(math.log(intensity(t)) for t in times) - integral
    assert ref.hawkes_loglik(times, end, mu, alpha, beta, history) == pytest.approx(expected, rel=1e-9)


def test_hawkes_mle_recovers_known_parameters():
    times = ref.simulate_hawkes(np.random.default_rng(3), 0.05, 0.5, 0.1, 0.0, 6000.0)
    assert 400 < times.size < 900
    fit = ref.fit_hawkes(times, 6000.0)
    assert fit.mu == pytest.approx(0.05, rel=0.25)
    assert fit.alpha == pytest.approx(0.5, abs=0.12)
    assert 0.05 < fit.beta < 0.2
    assert fit.at_bounds == ()
    assert fit.loglik == pytest.approx(ref.hawkes_loglik(times, 6000.0, fit.mu, fit.alpha, fit.beta))
    assert fit.loglik >= ref.hawkes_loglik(times, 6000.0, 0.05, 0.5, 0.1)


def test_hawkes_with_no_excitation_simulates_poisson_counts():
    model = ref.HawkesProcess(
        mu=0.02,
        alpha=0.0,
        beta=0.1,
        loglik=0.0,
        at_bounds=(),
        past=np.array([300.0]),
        n_events=1,
        fit_hours=340.0,
        marks=ref.Marks(0.5, 0.5, np.zeros((0, 2), int)),
    )
    counts = model.sample(np.random.default_rng(4), 4000, 340.0, EDGES)["violations"]
    expected = 0.02 * np.diff(EDGES)
    se = np.sqrt(expected / 4000)
    np.testing.assert_array_less(np.abs(counts.mean(axis=0) - expected), 4 * se)
    np.testing.assert_allclose(counts.var(axis=0) / counts.mean(axis=0), 1.0, atol=0.1)


def test_hawkes_past_events_excite_the_forecast():
    common = dict(
        mu=0.01,
        beta=0.05,
        loglik=0.0,
        at_bounds=(),
        n_events=5,
        fit_hours=340.0,
        marks=ref.Marks(0.5, 0.5, np.zeros((0, 2), int)),
    )
    recent = np.array([335.0, 336.0, 337.0, 338.0, 339.0])
    calm = ref.HawkesProcess(alpha=0.0, past=recent, **common).sample(np.random.default_rng(5), 2000, 340.0, EDGES)
    excited = ref.HawkesProcess(alpha=0.8, past=recent, **common).sample(np.random.default_rng(5), 2000, 340.0, EDGES)
    assert excited["violations"][:, 0].mean() > calm["violations"][:, 0].mean() + 2


def test_hawkes_fit_reports_bounds_and_takes_history():
    evenly = [episode(t) for t in np.linspace(20, 320, 6)]  # more regular than Poisson: alpha -> 0
    model = ref.HawkesProcess.fit(evenly)
    assert "alpha" in model.at_bounds and model.alpha == pytest.approx(0.0, abs=1e-4)
    assert "bound" in model.describe()
    with_history = ref.HawkesProcess.fit(evenly, history=[-30.0, -10.0])
    assert with_history.past.tolist() == [-30.0, -10.0] + [e.start_hours for e in evenly]
    assert "2 earlier events" in with_history.describe()
    with pytest.raises(ValueError):
        ref.HawkesProcess.fit(evenly, history=[5.0])


def test_negative_binomial_fit_and_weekly_mean():
    model = ref.NegativeBinomialRate.fit(CALIBRATION)
    assert (model.shape, model.rate_hours, model.n_events) == (10.5, 84.0 + 340.0, 10)
    draws = model.sample(np.random.default_rng(6), 20000, 340.0, EDGES)["violations"]
    expected = 10.5 / 424.0 * np.diff(EDGES)  # posterior mean rate x week length
    per_path_sd = np.sqrt(expected + expected**2 / 10.5)
    np.testing.assert_array_less(np.abs(draws.mean(axis=0) - expected), 4 * per_path_sd / np.sqrt(20000))
    totals = draws.sum(axis=1)
    assert totals.var() / totals.mean() > 1.5  # Poisson would give 1
    assert "10 violations" in model.describe()


def test_marks_bootstrap_the_observed_killed_pairs():
    for cls in (ref.NegativeBinomialRate, ref.HawkesProcess):
        out = cls.fit(CALIBRATION).sample(np.random.default_rng(7), 500, 340.0, EDGES)
        assert np.all(out["with_casualties"] <= out["violations"])
        np.testing.assert_array_equal(out["killed_ARM"], out["with_casualties"])  # both pairs are (1, 0)
        assert not out["killed_AZE"].any()
    marks = ref.NegativeBinomialRate.fit(CALIBRATION).marks
    assert (marks.beta_a, marks.beta_b) == (2.5, 8.5)


@pytest.mark.parametrize("cls", [ref.NegativeBinomialRate, ref.HawkesProcess])
def test_shapes_dtypes_and_reproducibility(cls):
    model = cls.fit(CALIBRATION)
    a = model.sample(np.random.default_rng(8), 300, 340.0, EDGES)
    b = model.sample(np.random.default_rng(8), 300, 340.0, EDGES)
    assert tuple(a) == QUANTITIES
    for q in QUANTITIES:
        assert a[q].shape == (300, 3) and a[q].dtype == np.int64
        np.testing.assert_array_equal(a[q], b[q])
    assert isinstance(model.name, str) and model.describe()


@pytest.mark.parametrize("cls", [ref.NegativeBinomialRate, ref.HawkesProcess])
def test_fit_uses_only_the_calibration_window(cls):
    before = cls.fit(CALIBRATION)
    after = cls.fit(CALIBRATION + [episode(340.0, killed=(50, 50)), episode(500.0), episode(-3.0)])
    for field in dataclasses.fields(before):
        if field.name != "marks":
            np.testing.assert_array_equal(getattr(before, field.name), getattr(after, field.name))
    assert (before.marks.beta_a, before.marks.beta_b) == (after.marks.beta_a, after.marks.beta_b)
    np.testing.assert_array_equal(before.marks.killed_pairs, after.marks.killed_pairs)
    assert before.describe() == after.describe()


@pytest.mark.parametrize("start, edges", [(300.0, EDGES), (340.0, [400.0, 380.0]), (400.0, EDGES), (340.0, [400.0])])
def test_bad_forecast_windows_are_refused(start, edges):
    with pytest.raises(ValueError):
        ref.NegativeBinomialRate.fit(CALIBRATION).sample(np.random.default_rng(0), 10, start, edges)
