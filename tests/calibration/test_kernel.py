"""calibration/kernel.py: pyabc's multivariate normal perturbation kernel, computed without BLAS, LAPACK or
numpy's SIMD transcendental functions (docs/reproducibility.md)."""

import math

import numpy as np
import pandas as pd
import pyabc
import pytest

from calibration.kernel import PerturbationKernel, cholesky, weighted_covariance


def particles(seed: int, n: int = 300, d: int = 11) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    mix = rng.normal(size=(d, d)) * rng.uniform(0.01, 3.0, size=d)
    X = pd.DataFrame(rng.normal(size=(n, d)) @ mix + rng.normal(size=d) * 5, columns=[f"p{i}" for i in range(d)])
    w = rng.uniform(0.1, 1.0, size=n)
    return X, w / w.sum()


def fitted(X, w, scaling=2.0):
    ours, pyabcs = PerturbationKernel(scaling=scaling), pyabc.MultivariateNormalTransition(scaling=scaling)
    ours.fit(X, w)
    pyabcs.fit(X, w)
    return ours, pyabcs


@pytest.mark.parametrize("seed", range(5))
def test_covariance_factor_and_density_are_pyabcs_to_rounding(seed):
    X, w = particles(seed)
    ours, theirs = fitted(X, w)
    cov = np.array(ours.cov)
    np.testing.assert_allclose(cov, theirs.cov, rtol=1e-12, atol=1e-13 * np.abs(theirs.cov).max())
    low = np.array(ours._low)
    np.testing.assert_allclose(low @ low.T, theirs.cov, rtol=1e-11, atol=1e-12 * np.abs(theirs.cov).max())
    rng = np.random.default_rng(100 + seed)
    for k in rng.integers(0, len(X), size=10):
        x = pyabc.Parameter(dict(zip(X.columns, X.iloc[k].to_numpy() + rng.normal(size=X.shape[1]) * 0.2)))
        assert ours.pdf(x) == pytest.approx(theirs.pdf(x), rel=1e-10)
    frame = X.iloc[:4] + 0.1
    np.testing.assert_allclose(ours.pdf(frame), theirs.pdf(frame), rtol=1e-10)


def test_a_proposal_draws_what_pyabcs_draws_from_the_global_generator():
    """One uniform to pick the particle, then one normal per parameter: the generator is left where pyabc's
    kernel leaves it, so the parallel sampler's replay and pyabc's bookkeeping see the same stream."""
    X, w = particles(1)
    ours, theirs = fitted(X, w)
    states = []
    for kernel in (ours, theirs):
        np.random.seed(3)
        for _ in range(50):
            kernel.rvs()
        states.append(np.random.get_state()[1].tobytes() + bytes([np.random.get_state()[2] % 256]))
    assert states[0] == states[1]


def test_proposals_have_the_mixtures_mean_and_covariance():
    """20,000 proposals from 300 particles: each coordinate's mean within 4.5 standard errors of the mixture's
    (11 coordinates: a false failure has probability about 11 * 6.8e-6 < 1e-4), and each covariance within
    6% of sqrt(var_i var_j) (its standard error is about 1% of it, so 6% is 6 standard errors)."""
    X, w = particles(2)
    ours, _ = fitted(X, w)
    np.random.seed(11)
    draws = np.array([list(ours.rvs().values()) for _ in range(20_000)])
    mean = w @ X.to_numpy()
    total = np.cov(X.to_numpy(), rowvar=False, aweights=w, bias=True) + np.array(ours.cov)
    se = np.sqrt(np.diag(total) / len(draws))
    assert np.all(np.abs(draws.mean(axis=0) - mean) < 4.5 * se)
    scale = np.sqrt(np.outer(np.diag(total), np.diag(total)))
    assert np.all(np.abs(np.cov(draws, rowvar=False) - total) <= 0.06 * scale)


def test_a_degenerate_direction_stays_fixed():
    """A parameter every particle shares: its proposals keep it, and the density is positive on that value
    and zero off it (scipy's allow_singular, which pyabc uses)."""
    X, w = particles(4, d=4)
    X["p2"] = 0.7
    ours, theirs = fitted(X, w)
    assert ours._low[2][2] == 0.0
    np.random.seed(5)
    assert {ours.rvs()["p2"] for _ in range(200)} == {0.7}
    on = pyabc.Parameter({**X.iloc[0].to_dict(), "p0": X.iloc[0]["p0"] + 0.1})
    off = pyabc.Parameter({**on, "p2": 0.71})
    assert ours.pdf(on) > 0 and ours.pdf(off) == 0.0
    assert ours.pdf(on) == pytest.approx(theirs.pdf(on), rel=1e-6)


def test_one_particle_is_pyabcs_diagonal():
    X, w = particles(6, n=1, d=3)
    assert weighted_covariance([X[c].tolist() for c in X.columns], [1.0]) == [
        [abs(X.iloc[0, i]) if i == j else 0.0 for j in range(3)] for i in range(3)
    ]


def test_cholesky_of_a_known_matrix():
    assert cholesky([[4.0, 2.0], [2.0, 5.0]]) == [[2.0, 0.0], [1.0, 2.0]]
    assert cholesky([[1.0, 1.0], [1.0, 1.0]]) == [[1.0, 0.0], [1.0, 0.0]]  # rank 1: the second pivot is 0


def test_nothing_goes_through_blas_lapack_or_numpys_transcendental_functions(monkeypatch):
    """With numpy's and scipy's CPU-dependent functions broken, the kernel fits, proposes and weighs the same."""
    X, w = particles(7)
    before = PerturbationKernel(scaling=2.0)
    before.fit(X, w)
    np.random.seed(1)
    expected = [before.rvs() for _ in range(5)]
    densities = [before.pdf(x) for x in expected]

    def broken(*a, **k):
        raise AssertionError("a CPU-dependent numpy function was called")

    for name in ("dot", "cov", "exp", "log", "matmul", "einsum", "inner", "outer"):
        monkeypatch.setattr(np, name, broken)
    for name in ("svd", "cholesky", "eigh", "inv", "solve"):
        monkeypatch.setattr(np.linalg, name, broken)
    after = PerturbationKernel(scaling=2.0)
    after.fit(X, w)
    np.random.seed(1)
    got = [after.rvs() for _ in range(5)]
    assert got == expected and [after.pdf(x) for x in got] == densities
    assert math.isfinite(sum(densities)) and all(d > 0 for d in densities)
