"""A posterior on disk (``posterior.csv``): reading it, its intervals, and drawing calibrated parameter sets."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from calibration.priors import FREE_PARAMETERS, apply
from sim.params import ModelParams

RESULTS = Path(__file__).resolve().parent / "results"
"""The committed calibrated set: ``posterior.csv``, ``run.json``, ``report.md``."""


class PosteriorError(ValueError):
    """A missing or malformed posterior file (one-line message naming it)."""


@dataclass(frozen=True)
class Posterior:
    names: tuple[str, ...]
    values: np.ndarray        # (n_samples, n_parameters), natural scale
    weights: np.ndarray       # (n_samples,), sums to 1

    @classmethod
    def load(cls, path: str | Path = RESULTS / "posterior.csv") -> Posterior:
        """Read weighted samples; a bad file raises a one-line error naming it."""
        path = Path(path)
        if not path.is_file():
            raise PosteriorError(f"{path}: no such posterior file; run ceasefire-calibrate first")
        with path.open() as f:
            rows = list(csv.reader(f))
        known = {p.name for p in FREE_PARAMETERS}
        header = rows[0] if rows else []
        if not header or header[-1] != "weight" or not set(header[:-1]) <= known or len(rows) < 2:
            raise PosteriorError(f"{path}: not a posterior (expected a header of free parameters and 'weight', "
                              "then samples)")
        try:
            data = np.array([[float(x) for x in r] for r in rows[1:]])
        except ValueError as e:
            raise PosteriorError(f"{path}: a value is not a number ({e})") from None
        w = data[:, -1]
        if (w < 0).any() or not np.isfinite(data).all() or w.sum() <= 0:
            raise PosteriorError(f"{path}: weights must be finite and non-negative, with a positive sum")
        return cls(tuple(header[:-1]), data[:, :-1], w / w.sum())

    def column(self, name: str) -> np.ndarray:
        return self.values[:, self.names.index(name)]

    def quantile(self, name: str, q: float) -> float:
        return weighted_quantile(self.column(name), self.weights, q)

    def values_of(self, params: ModelParams) -> dict[str, float]:
        """The free parameters' values in ``params`` (dotted names)."""
        out = {}
        for name in self.names:
            group, field = name.split(".")
            out[name] = getattr(getattr(params, group), field)
        return out

    def draw(self, rng: np.random.Generator, base: ModelParams | None = None) -> ModelParams:
        """One parameter set drawn from the posterior (by weight) with ``rng``, on top of ``base``."""
        i = int(rng.choice(len(self.weights), p=self.weights))
        return apply(dict(zip(self.names, self.values[i])), base)


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The q-quantile of a weighted sample (inverse of the weighted empirical CDF)."""
    order = np.argsort(values, kind="stable")
    v, w = np.asarray(values)[order], np.asarray(weights)[order]
    cdf = np.cumsum(w) / np.sum(w)
    return float(v[min(int(np.searchsorted(cdf, q, side="left")), len(v) - 1)])
