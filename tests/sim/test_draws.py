import math

import numpy as np
import pytest
from scipy import stats

from sim.model import draws as draws_module
from sim.model.draws import LARGE_MEAN, Draws, PoissonTable, _count_beyond, poisson_table


@pytest.mark.parametrize("mean", [0.0, 0.0096, 0.24, 1.2, 2.4, 10.0, 80.0, 400.0])
def test_poisson_table_inverts_the_distribution(mean):
    table = PoissonTable(mean)
    # the inversion at the quantiles of each count gives that count: compare with scipy's ppf
    for q in (1e-9, 0.01, 0.2, 0.5, 0.8, 0.99, 0.999999):
        want = int(stats.poisson.ppf(q, mean)) if mean > 0 else 0
        assert table.count(q) == want
    assert 1.0 - table._cdf[-1] < 1e-12


def test_poisson_counts_match_the_pmf():
    table, d = PoissonTable(2.4), Draws(np.random.default_rng(7))
    counts = np.bincount([d.poisson(table) for _ in range(40_000)], minlength=12)[:12]
    expected = stats.poisson.pmf(np.arange(12), 2.4) * 40_000
    keep = expected > 5
    chi2 = (((counts[keep] - expected[keep]) ** 2) / expected[keep]).sum()
    assert chi2 < stats.chi2.ppf(0.999, keep.sum() - 1)


def test_past_the_table_the_inversion_goes_on_term_by_term():
    mean = 3.0
    for k, q in ((8, 0.9999), (12, 0.99999999)):
        start = k - 1
        cumulative = stats.poisson.cdf(start, mean)
        assert _count_beyond(mean, start, cumulative, q) == int(stats.poisson.ppf(q, mean))


def test_large_means_are_drawn_by_numpy():
    table = PoissonTable(LARGE_MEAN * 2)
    assert table.large
    d = Draws(np.random.default_rng(1))
    x = [d.poisson(table) for _ in range(2_000)]
    assert abs(np.mean(x) - LARGE_MEAN * 2) < 5 * math.sqrt(LARGE_MEAN * 2 / 2_000)


@pytest.mark.parametrize("mean", [-1.0, float("nan"), float("inf")])
def test_a_bad_mean_is_refused(mean):
    with pytest.raises(ValueError, match="Poisson mean"):
        PoissonTable(mean)


def test_exponential_draws_have_the_mean_and_shape():
    d = Draws(np.random.default_rng(3))
    x = np.array([d.exponential(2.5) for _ in range(20_000)])
    assert stats.kstest(x, stats.expon(scale=2.5).cdf).pvalue > 0.001
    assert (x >= 0.0).all()


def test_uniforms_are_the_generators_own_in_order_across_blocks():
    d = Draws(np.random.default_rng(11))
    got = [d.uniform() for _ in range(3 * draws_module.BLOCK + 5)]
    reference = np.random.default_rng(11)
    want = np.concatenate([reference.random(draws_module.BLOCK) for _ in range(4)])[: len(got)]
    assert got == want.tolist()


def test_tables_are_shared_between_runs():
    assert poisson_table(1.2) is poisson_table(1.2)
