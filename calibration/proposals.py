"""The prior pyabc draws and weighs proposals with, without scipy's per-call overhead.

pyabc redraws a perturbed particle until the prior's density is positive, so the prior's ``pdf`` is called
for every proposal (about eight per simulation with the calibration's wide kernel), and scipy's frozen
distributions cost more per call than the arithmetic. The classes here compute *the same floats and draw
the same numbers from numpy's global generator, in the same order*, as the scipy code they replace (each
method names the code it follows); ``tests/calibration/test_proposals.py`` checks values and generator
states against the originals. The perturbation kernel is :mod:`calibration.kernel`.
"""

from __future__ import annotations

import math

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
