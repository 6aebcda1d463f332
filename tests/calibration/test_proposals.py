"""calibration/proposals.py computes scipy's floats, and draws numpy's global numbers, exactly."""

import math

import numpy as np
import pyabc
import pytest

from calibration import proposals
from calibration.priors import FREE_PARAMETERS


def scipy_prior():
    return pyabc.Distribution(
        **{
            p.key: pyabc.RV("uniform", p.prior_bounds()[0], p.prior_bounds()[1] - p.prior_bounds()[0])
            for p in FREE_PARAMETERS
        }
    )


def same(a, b) -> bool:
    """The same float, bit for bit (nan included)."""
    return np.float64(a).tobytes() == np.float64(b).tobytes()


def same_state(a, b) -> bool:
    return a[0] == b[0] and np.array_equal(a[1], b[1]) and a[2:] == b[2:]


@pytest.mark.parametrize("seed", range(20))
def test_prior_draws_and_densities_are_scipys(seed):
    """Points inside and outside the prior box: the same densities, draws and generator state as scipy's."""
    runs = []
    for prior in (scipy_prior(), proposals.prior()):
        np.random.seed(seed)
        # every other point stretched by 1.25: with many parameters, some coordinate then leaves the box
        points = [{k: v * (1.25 if i % 2 else 1.0) for k, v in prior.rvs().items()} for i in range(200)]
        densities = [prior.pdf(pyabc.Parameter(x)) for x in points]
        runs.append((points, densities, np.random.get_state()))
    (a, pa, sa), (b, pb, sb) = runs
    assert same_state(sa, sb)
    for x, y in zip(a, b):
        assert list(x) == list(y) and all(same(x[k], y[k]) for k in x)
    assert all(same(x, y) for x, y in zip(pa, pb))
    assert any(d > 0 for d in pa) and any(d == 0 for d in pa)  # inside and outside the prior box


@pytest.mark.parametrize("offset", [0.0, 1.0, -1e-12, 1.0 + 1e-12, 0.5, -math.inf, math.inf, math.nan, 1e300])
def test_uniform_density_at_the_edges_is_scipys(offset):
    for p in FREE_PARAMETERS:
        lo, hi = p.prior_bounds()
        old, new = pyabc.RV("uniform", lo, hi - lo), proposals.UniformPrior(lo, hi - lo)
        for x in (lo + offset * (hi - lo), np.float64(lo + offset * (hi - lo)), lo, hi):
            assert same(old.pdf(x), new.pdf(x)), (p.name, x)


def test_model_prior_is_scipys():
    old, new = pyabc.RV("randint", 0, 1), proposals.SingleModelPrior()
    for m in (0, 1, -1, np.int64(0), np.int64(2)):
        assert old.pmf(m) == new.pmf(m)
    np.random.seed(3)
    a = [old.rvs() for _ in range(5)], np.random.get_state()
    np.random.seed(3)
    b = [new.rvs() for _ in range(5)], np.random.get_state()
    assert a[0] == b[0] and same_state(a[1], b[1])


def test_copies_and_pickles_keep_the_fast_paths():
    import pickle

    prior = proposals.prior()
    for rv in (prior.copy(), pickle.loads(pickle.dumps(prior))):
        for key, p in zip(rv, FREE_PARAMETERS):
            assert isinstance(rv[key], proposals.UniformPrior)
            lo, hi = p.prior_bounds()
            assert same(rv[key].pdf((lo + hi) / 2), 1.0 / (hi - lo))
    assert isinstance(proposals.SingleModelPrior().copy(), proposals.SingleModelPrior)
