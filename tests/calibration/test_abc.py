"""Reproducible calibration: determinism, parameter recovery, posterior predictive, the committed set.

Run at reduced size so the suite stays practical; the full-size run is `make calibrate`
(docs/calibration.md).
"""

import json

import numpy as np
import pytest

from calibration.abc import CalibrationSettings, posterior_csv, run_abc
from calibration.posterior import RESULTS, Posterior
from calibration.priors import apply
from calibration.report import posterior_predictive, summarize_parameters
from calibration.statistics import observed_statistics, simulated_statistics
from sim.model.params import ModelParams, ParameterError
from sim.record.loader import load_record


def quiet(*_):
    pass


SMALL = dict(population_size=60, max_generations=2)


@pytest.fixture(scope="module")
def observed():
    return observed_statistics(load_record())


def test_same_seed_same_posterior(tmp_path, observed, border):
    runs = [
        run_abc(CalibrationSettings(seed=7, n_procs=n, **SMALL), observed, border, tmp_path / f"{n}.db", log=quiet)
        for n in (2, 1)
    ]
    assert posterior_csv(runs[0]) == posterior_csv(runs[1])
    other = run_abc(CalibrationSettings(seed=8, **SMALL), observed, border, tmp_path / "x.db", log=quiet)
    assert posterior_csv(other) != posterior_csv(runs[0])


def test_parameter_recovery_on_synthetic_data(tmp_path, border):
    """Data simulated from known parameters: the identifiable ones fall inside their 90% intervals."""
    truth = {
        "violations.base_rate_per_day": 0.02,
        "retaliation.propensity": 0.6,
        "casualties.killed_top_tier": 2.0,
        "casualties.tier_ratio": 0.3,
        "escalation.p_up": 0.1,
    }
    synthetic = simulated_statistics(apply(truth), np.random.SeedSequence(4242), border)
    cal = run_abc(
        CalibrationSettings(seed=11, population_size=150, max_generations=4),
        synthetic,
        border,
        tmp_path / "rec.db",
        log=quiet,
    )
    summaries = {s.name: s for s in summarize_parameters(cal.posterior())}
    informed = [n for n, s in summaries.items() if s.informed]
    assert informed, "the synthetic data should inform at least one parameter"
    defaults = ModelParams()
    for name in informed:
        group, field = name.split(".")
        true = truth.get(name, getattr(getattr(defaults, group), field))
        s = summaries[name]
        assert s.q05 <= true <= s.q95, f"{name}: true {true} outside [{s.q05}, {s.q95}]"


def test_observed_statistics_inside_posterior_predictive_intervals(observed, border):
    # 1000 draws: the observed 3 Armenian soldiers killed lies near the upper edge (P(>= 3) is about 7%), where
    # 200 draws' 95% quantile is too noisy to tell inside from outside
    post = Posterior.load()
    checks, _ = posterior_predictive(post, observed, border, seed=3, draws=1000)
    outside = [(c.statistic, c.observed, c.q05, c.q95) for c in checks if not c.inside]
    assert not outside


@pytest.mark.parametrize("sampler", ["parallel", "single"])
def test_committed_set_is_what_the_code_produces(tmp_path, observed, border, sampler):
    """The committed settings (run.json) give the committed posterior.csv byte for byte, with the parallel
    sampler on two workers and with pyabc's single-core sampler alike (calibration/sampler.py)."""
    run = json.loads((RESULTS / "run.json").read_text())
    settings = CalibrationSettings(**{**run["settings"], "sampler": sampler, "n_procs": 2})
    cal = run_abc(settings, observed, border, tmp_path / "committed.db", log=quiet)
    assert posterior_csv(cal) == (RESULTS / "posterior.csv").read_bytes()
    assert [g.simulations for g in cal.generations] == [g["simulations"] for g in run["generations"]]


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("sampler", "gpu", "calibration.sampler='gpu' is not allowed"),
        ("population_size", 0, "calibration.population_size=0 is out of range"),
        ("min_acceptance_rate", 1.5, "calibration.min_acceptance_rate=1.5 is out of range"),
    ],
)
def test_bad_settings_are_named(field, value, message):
    with pytest.raises(ParameterError, match=message):
        CalibrationSettings(**{field: value}).validate()


def test_effective_sample_size_and_the_degeneracy_warning():
    from calibration.abc import effective_sample_size
    from calibration.report import degenerate_warning

    assert effective_sample_size([1, 1, 1, 1]) == pytest.approx(4.0)
    assert effective_sample_size([1e-9, 1e-9, 1.0]) == pytest.approx(1.0, rel=1e-6)
    run = {"settings": {"population_size": 1000}, "generations": [{"ess": 2.0}]}
    assert "effective sample size is 2 of 1000" in degenerate_warning(run)
    assert degenerate_warning({"settings": {"population_size": 1000}, "generations": [{"ess": 240.0}]}) == ""
