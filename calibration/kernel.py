"""The perturbation kernel of the ABC-SMC run, with every float fixed by IEEE 754 arithmetic.

pyabc's :class:`pyabc.MultivariateNormalTransition` perturbs a particle of the last generation with a
multivariate normal whose covariance is the particles' weighted covariance times Silverman's factor. It
computes that covariance with ``np.cov`` (BLAS), factors it with an SVD (LAPACK) and evaluates densities
with scipy (LAPACK, and numpy's SIMD ``exp``/``log``). Those libraries pick their code by CPU, and their
last bits differ from one CPU to the next; ABC accepts or rejects particles on those bits, so one changed
bit changes the whole posterior.

This kernel is the same model -- a weighted mixture of normals with that covariance -- computed with
operations whose results IEEE 754 fixes: products, quotients and ``sqrt`` in a fixed order, sums as
``math.fsum`` (correctly rounded), and elementwise numpy arithmetic (one rounding per element, whatever
the SIMD width). The only functions beyond IEEE 754 are the C library's scalar ``exp`` and ``pow`` (for
the density and Silverman's factor) and numpy's legacy normal draws (which call the C library's ``log``);
the C library is the same on every machine of this project's image. Two deliberate differences from
pyabc's kernel: the covariance is factored by Cholesky instead of SVD (the same distribution, another
map from the normal draws to the perturbation), and a singular covariance keeps its rank-deficient
directions fixed (scipy's ``allow_singular`` densities on the same subspace).
"""

from __future__ import annotations

import bisect
import math

import numpy as np
import pyabc

SINGULAR = 1e-12
"""A Cholesky pivot at most this share of its diagonal element counts as zero: that direction is fixed."""


def silverman_factor(effective_n: float, dimension: int) -> float:
    """Silverman's rule of thumb, pyabc's default bandwidth: (4 / (n (d + 2))) ** (1 / (d + 4))."""
    return (4 / effective_n / (dimension + 2)) ** (1 / (dimension + 4))


def weighted_covariance(columns: list[list[float]], w: list[float]) -> list[list[float]]:
    """``np.cov(X, aweights=w, rowvar=False)`` with correctly rounded sums: Σ w (x_i - m_i)(x_j - m_j) / f
    with f = Σw - Σw² / Σw; for one particle, ``diag(|x|)`` (pyabc's ``smart_cov``)."""
    d = len(columns)
    if len(w) == 1:
        return [[abs(columns[i][0]) if i == j else 0.0 for j in range(d)] for i in range(d)]
    v1 = math.fsum(w)
    fact = v1 - math.fsum([x * x for x in w]) / v1
    centred = [np.asarray(c) - math.fsum([wk * x for wk, x in zip(w, c)]) / v1 for c in columns]
    weighted = [np.asarray(w) * c for c in centred]
    cov = [[0.0] * d for _ in range(d)]
    for i in range(d):
        for j in range(i + 1):
            cov[i][j] = cov[j][i] = math.fsum((weighted[i] * centred[j]).tolist()) / fact
    return cov


def cholesky(cov: list[list[float]]) -> list[list[float]]:
    """The lower factor L with L Lᵀ = ``cov``, by the Cholesky–Banachiewicz order; a pivot at most
    :data:`SINGULAR` of its diagonal element is a fixed direction (its column of L is zero)."""
    d = len(cov)
    low = [[0.0] * d for _ in range(d)]
    for j in range(d):
        pivot = math.fsum([cov[j][j]] + [-low[j][k] * low[j][k] for k in range(j)])
        if not pivot > SINGULAR * cov[j][j] or not pivot > 0.0:
            continue
        low[j][j] = math.sqrt(pivot)
        for i in range(j + 1, d):
            low[i][j] = math.fsum([cov[i][j]] + [-low[i][k] * low[j][k] for k in range(j)]) / low[j][j]
    return low


class PerturbationKernel(pyabc.transition.Transition):
    """A weighted mixture of normals around the last generation's particles (pyabc's multivariate normal
    kernel: weighted covariance × Silverman's factor² × ``scaling``), bit-identical on every CPU."""

    def __init__(self, scaling: float = 1.0):
        self.scaling = scaling

    def fit(self, X, w) -> None:
        """The covariance, its Cholesky factor and the cumulative weights of the particles ``X``."""
        rows = X.to_numpy(dtype=np.float64)
        weights = [float(v) for v in w]
        d = rows.shape[1]
        ess = 1.0 / math.fsum([v * v for v in weights])
        factor = silverman_factor(ess, d)
        cov = weighted_covariance([rows[:, i].tolist() for i in range(d)], weights)
        self.cov = [[c * factor**2 * self.scaling for c in row] for row in cov]
        self._low = cholesky(self.cov)
        self._rank = [i for i in range(d) if self._low[i][i] > 0.0]
        # log of the normal's normalising constant on the subspace the factor spans
        self._log_norm = 0.5 * len(self._rank) * math.log(2.0 * math.pi) + math.fsum(
            [math.log(self._low[i][i]) for i in self._rank]
        )
        self._columns = list(X.columns)
        self._rows = rows.tolist()
        self._particles = [np.ascontiguousarray(rows[:, i]) for i in range(d)]
        self._weights = weights
        acc, cdf = 0.0, []  # numpy's choice(): the running sum, divided by its last value
        for v in weights:
            acc += v
            cdf.append(acc)
        self._cdf = [c / acc for c in cdf]

    def rvs_single(self) -> pyabc.Parameter:
        """A particle drawn by weight, plus L z for z ~ N(0, I): one uniform, then d normals, from numpy's
        global generator (pyabc's order of draws)."""
        index = min(bisect.bisect_right(self._cdf, float(np.random.random_sample())), len(self._rows) - 1)
        z = np.random.standard_normal(len(self._columns)).tolist()
        base = self._rows[index]
        perturbed = [
            base[i] + math.fsum([self._low[i][k] * z[k] for k in range(i + 1)]) for i in range(len(self._columns))
        ]
        return pyabc.Parameter(dict(zip(self._columns, perturbed)))

    def pdf(self, x):
        """The mixture's density at ``x`` (a parameter, or a frame of them)."""
        if isinstance(x, dict | pyabc.Parameter) or not hasattr(x, "columns"):
            return self._density([float(x[k]) for k in self._columns])
        return np.array([self._density([float(v) for v in row]) for row in x[self._columns].to_numpy()])

    def _density(self, point: list[float]) -> float:
        """Σ_k w_k N(point; particle_k, cov), solving L y = point - particle_k for all k at once."""
        solved: dict[int, np.ndarray] = {}
        q = np.zeros(len(self._weights))
        fixed_off = np.zeros(len(self._weights), dtype=bool)
        for i in range(len(self._columns)):
            residual = point[i] - self._particles[i]
            for k in self._rank:
                if k >= i:
                    break
                residual = residual - self._low[i][k] * solved[k]
            if self._low[i][i] > 0.0:
                solved[i] = residual / self._low[i][i]
                q = q + solved[i] * solved[i]
            else:  # a fixed direction: density only where the point lies on the particle's subspace
                fixed_off |= np.abs(residual) > SINGULAR * (abs(point[i]) + 1.0)
        terms = [
            0.0 if off else wk * math.exp(-0.5 * qk - self._log_norm)
            for wk, qk, off in zip(self._weights, q.tolist(), fixed_off.tolist())
        ]
        return math.fsum(terms)
