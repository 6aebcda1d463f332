"""The model's random draws: uniforms taken from its generator in blocks, and what the event loop derives
from them (exponential delays, Poisson casualties by inversion).

Uniforms are drawn ``BLOCK`` at a time because a scalar draw from a numpy ``Generator`` is mostly the
call into numpy (docs/performance.md). Every value still comes from the model's ``rng`` (seeded by the
run's ``SeedSequence``), in an order fixed by the events, so the same seed gives the same run. Anything a
user adds may keep drawing from ``model.rng``: that interleaves with the blocks
deterministically too.
"""

from __future__ import annotations

import bisect
import functools
import math

import numpy as np

BLOCK = 64  # uniforms drawn at a time
POISSON_TAIL = 1e-17  # a table stops once the probability left beyond it is smaller than this
LARGE_MEAN = 500.0  # above this (~3000 killed per exchange: far outside any prior) numpy draws the count


class Draws:
    """Uniform draws in [0, 1) from ``rng``, ``BLOCK`` at a time, and distributions built on them by inversion."""

    __slots__ = ("_rng", "_block")

    def __init__(self, rng: np.random.Generator):
        self._rng = rng
        self._block = iter(())

    def uniform(self) -> float:
        """The next uniform draw in [0, 1)."""
        u = next(self._block, None)
        if u is None:
            self._block = iter(self._rng.random(BLOCK).tolist())
            u = next(self._block)
        return u

    def exponential(self, mean: float) -> float:
        """An exponential draw of the given mean (inversion: -mean log(1 - u))."""
        return -mean * math.log1p(-self.uniform())

    def poisson(self, table: PoissonTable) -> int:
        """A Poisson draw with the table's mean (inversion; numpy's own above ``LARGE_MEAN``)."""
        if table.large:
            return int(self._rng.poisson(table.mean))
        return table.count(self.uniform())


@functools.lru_cache(maxsize=256)
def poisson_table(mean: float) -> PoissonTable:
    """The table for ``mean``, built once per mean (a run needs ten; a sweep's runs share them). A pure
    function's cache: it holds no state that could carry from one job to the next."""
    return PoissonTable(mean)


class PoissonTable:
    """The cumulative distribution of a Poisson count, for drawing it by inversion of one uniform draw."""

    __slots__ = ("mean", "large", "_cdf")

    def __init__(self, mean: float):
        if not (mean >= 0.0) or math.isinf(mean):
            raise ValueError(f"a Poisson mean must be finite and >= 0, not {mean}")
        self.mean = mean
        self.large = mean > LARGE_MEAN
        self._cdf = [] if self.large else _cumulative(mean)

    def count(self, u: float) -> int:
        """The smallest k with P(X <= k) > u, for u uniform in [0, 1): a Poisson draw."""
        cdf = self._cdf
        if u < cdf[0]:  # the usual case at low tiers: nobody hit
            return 0
        k = bisect.bisect_right(cdf, u)
        if k < len(cdf):
            return k
        return _count_beyond(self.mean, len(cdf) - 1, cdf[-1], u)  # past the table: P < POISSON_TAIL


def _cumulative(mean: float) -> list[float]:
    """P(X <= k) for k = 0, 1, ... until what is left beyond is below ``POISSON_TAIL``. Past the mean the
    terms fall at least geometrically, by r = mean / (k + 1), so the tail is at most p r / (1 - r)."""
    p = math.exp(-mean)
    cdf = [p]
    k = 0
    while True:
        r = mean / (k + 1)
        if r < 1.0 and p * r / (1.0 - r) < POISSON_TAIL:
            return cdf
        k += 1
        p *= r
        cdf.append(cdf[-1] + p)


def _count_beyond(mean: float, k: int, cumulative: float, u: float) -> int:
    """Continue the inversion past the table's last entry (k, P(X <= k)), term by term."""
    p = math.exp(-mean + k * math.log(mean) - math.lgamma(k + 1)) if mean > 0.0 else 0.0
    while u >= cumulative and p > 0.0:
        k += 1
        p *= mean / k
        cumulative += p
    return k
