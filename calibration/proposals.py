"""The prior and the perturbation kernel pyabc draws its proposals from, without scipy's per-call overhead.

pyabc proposes a particle by perturbing one of the last generation's particles with a multivariate
normal (:class:`pyabc.MultivariateNormalTransition`) and redrawing until the prior's density is positive.
The calibration's wide kernel (``kernel_scaling``) lands outside the prior box most of the time (about
eight proposals per simulation), and each proposal cost ~400 µs, mostly in scipy's frozen distributions
(a uniform ``pdf`` ~20 µs per parameter, the model prior's ``pmf``, ``multivariate_normal``'s SVD and
pandas indexing). The classes here compute *the same floats and draw the same numbers from numpy's global
generator, in the same order*, as the pyabc/scipy/numpy code they replace (each method names the code it
follows), so a calibration's posterior is bit-for-bit unchanged; ``tests/calibration/test_proposals.py``
checks values and generator states against the originals.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pyabc

from calibration.priors import FREE_PARAMETERS


class UniformPrior(pyabc.RV):
    """``pyabc.RV("uniform", loc, scale)`` with scipy's arithmetic for ``pdf`` and ``rvs`` done in Python."""

    def __init__(self, loc: float, scale: float):
        super().__init__("uniform", loc, scale)

    def __setstate__(self, state):
        """scipy's frozen distribution (kept for everything else), and loc and scale as floats."""
        super().__setstate__(state)
        self._loc, self._scale = (float(v) for v in state[1])

    def copy(self) -> UniformPrior:
        """A copy (pyabc copies priors)."""
        return UniformPrior(*self.args)

    def pdf(self, x, *args, **kwargs):
        """scipy's ``rv_continuous.pdf`` for ``uniform``: z = (x - loc) / scale; 1.0 / scale on the support
        0 <= z <= 1, nan for nan, else 0.0."""
        if args or kwargs or not isinstance(x, float):  # numpy's float64 is a float too
            return super().pdf(x, *args, **kwargs)
        z = (x - self._loc) / self._scale
        if 0.0 <= z <= 1.0:
            return 1.0 / self._scale  # scipy: _pdf(z) / scale with _pdf(z) = 1.0 * (z == z)
        return math.nan if z != z else 0.0

    def rvs(self, *args, **kwargs):
        """scipy's ``rv_generic.rvs`` for ``uniform``: the global generator's ``uniform(0.0, 1.0)``, then
        ``* scale + loc``."""
        if args or kwargs:
            return super().rvs(*args, **kwargs)
        return np.random.uniform(0.0, 1.0, None) * self._scale + self._loc


class SingleModelPrior(pyabc.RV):
    """pyabc's default model prior for one model, ``pyabc.RV("randint", 0, 1)``, with a plain ``pmf``."""

    def __init__(self):
        super().__init__("randint", 0, 1)

    def copy(self) -> SingleModelPrior:
        """A copy (pyabc copies priors)."""
        return SingleModelPrior()

    def pmf(self, x, *args, **kwargs):
        """scipy's ``randint(0, 1).pmf``: 1 at the one model 0, else 0 (``rvs`` stays scipy's)."""
        if args or kwargs or not isinstance(x, int | np.integer):
            return super().pmf(x, *args, **kwargs)
        return 1.0 if x == 0 else 0.0


def prior() -> pyabc.Distribution:
    """The calibration's prior: each free parameter uniform on its sampling scale (calibration/priors.py)."""
    return pyabc.Distribution(
        **{p.key: UniformPrior(p.prior_bounds()[0], p.prior_bounds()[1] - p.prior_bounds()[0]) for p in FREE_PARAMETERS}
    )


class Transition(pyabc.MultivariateNormalTransition):
    """:class:`pyabc.MultivariateNormalTransition` whose ``rvs_single`` does per fit what numpy did per call.

    pyabc draws ``np.random.choice(range, p=w)`` (numpy: cdf = cumsum(p) / its last value, one
    ``random_sample``, ``searchsorted(side="right")``), then ``np.random.multivariate_normal(0, cov)``
    (numpy's legacy algorithm: ``standard_normal(d)`` as a 1 x d matrix, ``(u, s, v) = svd(cov)``,
    ``dot(x, sqrt(s)[:, None] * v) + mean``) and adds it to the chosen particle. Here the cdf and the SVD
    factor are computed once per ``fit``; the draws and the arithmetic per proposal are numpy's own.
    """

    def fit(self, X, w) -> None:
        """pyabc's fit, then the cdf of the weights and the covariance's SVD factor."""
        super().fit(X, w)
        p = np.ascontiguousarray(self.w, dtype=np.float64)
        if np.isnan(p.sum()) or np.any(p < 0) or abs(p.sum() - 1.0) > np.sqrt(np.finfo(np.float64).eps):
            raise ValueError("probabilities are not a distribution")  # numpy's choice() would refuse them
        self._cdf = p.cumsum()
        self._cdf /= self._cdf[-1]
        cov = np.array(self.cov).astype(np.double)
        _u, s, v = np.linalg.svd(cov)
        if not np.allclose(np.dot(v.T * s, v), cov, rtol=1e-8, atol=1e-8):
            warnings.warn("covariance is not symmetric positive-semidefinite.", RuntimeWarning, stacklevel=2)
        self._factor = np.sqrt(s)[:, None] * v
        self._mean = np.zeros(cov.shape[0])
        self._columns = list(X.columns)

    def rvs_single(self) -> pyabc.Parameter:
        """One perturbed particle, as pyabc's ``MultivariateNormalTransition.rvs_single`` draws it."""
        index = self._cdf.searchsorted(np.random.random_sample(()), side="right")
        d = self._mean.shape[0]
        x = np.dot(np.random.standard_normal([d]).reshape(-1, d), self._factor)
        x += self._mean
        perturbed = self._X_arr[int(index)] + x.reshape(d)
        return pyabc.Parameter(dict(zip(self._columns, perturbed)))
