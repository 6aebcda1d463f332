"""The same statistics from the record and from simulation."""

import math

import numpy as np

from calibration.statistics import FLAREUP, USED, observed_statistics, simulated_statistics
from sim.model.params import ModelParams
from sim.record.loader import load_record


def test_observed_statistics_are_the_records():
    obs = observed_statistics(load_record())
    assert obs["n_violations"] == 2 and obs["killed_ARM"] == 3 and obs["wounded_AZE"] == 1
    assert obs["both_blame_share"] == 1.0 and obs["max_tier"] == 3
    assert obs[FLAREUP] == math.log1p(207 + 80)
    assert set(USED) <= set(obs)


def test_simulated_statistics_have_the_same_keys_and_repeat_for_the_same_seed(border):
    a = simulated_statistics(ModelParams(), np.random.SeedSequence(5), border)
    b = simulated_statistics(ModelParams(), np.random.SeedSequence(5), border)
    assert a == b and set(a) == set(observed_statistics(load_record()))
    assert any(simulated_statistics(ModelParams(), np.random.SeedSequence(s), border) != a for s in range(6, 12))
