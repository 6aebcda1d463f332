"""Which inputs drive each outcome: Sobol and Morris indices (SALib), and how much of the variance is noise.

- **Sobol** (Saltelli 2010 for the first-order index S1, Jansen for the total index ST, as SALib computes
  them): S1 is the share of the outcome's variance over the design that an input explains alone, ST the
  share it has a hand in, interactions included. Intervals: SALib's bootstrap over the N base samples,
  estimate +- z x the bootstrap standard deviation (``sensitivity.resamples``, ``sensitivity.conf_level``).
- **Morris** (screening): mu* is the mean absolute elementary effect of an input (the outcome's change over
  a step of its range, on the unit cube), sigma their spread (non-linearity and interactions); mu* has a
  bootstrap interval.

**Noise.** Each design point's outcome is a mean over R replications; its replication variance over R is
the noise left in that mean. The *noise share* is the mean of that over the design, divided by the variance
of the outcome over the design: the part of the variance that the inputs do not explain and more
replications would shrink. Common random numbers keep noise from cancelling out less than it could (an input
that leaves the runs unchanged gets an index of exactly 0), but an index at or below the noise share cannot
be told from noise.

**The replications' streams.** Every design point runs the same R random streams, so the whole response
surface is conditioned on those R streams: another seed would move every point's outcome, and the indices
with it, in a way the bootstrap over design points cannot see. Each index therefore also gets its spread over
the streams, by split halves: the R replications are split at random into two halves (without replacement:
resampling with replacement repeats streams, which inflates the noise and with it the spread), the index is
estimated on each half's means (SALib's estimators), and over ``sensitivity.stream_resamples`` splits the
standard deviation of an index from all R streams is estimated as sqrt(mean(d^2)) / 2, d the difference between
the halves (a half has R/2 streams: twice the variance of R, four times for a difference). The design points
are the same in both halves, so d carries the streams, not the design. The interval that counts both is
estimate +- z x sqrt(bootstrap sd^2 + stream sd^2) (``ST_all_low``, ``ST_all_high``). Checked against two
seeds: at N = 256 and 8 replications the total indices of the share collapsed moved by 0.03 (rms over the
17 inputs) from one seed to the other.

Bootstrap resamples are drawn from generators seeded from the exploration's seed: the same seed, the same
intervals.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Sequence

import numpy as np

INDEX_STREAM = 0x494E4458  # tags the bootstrap's seed stream
STREAMS_STREAM = 0x5354524D  # tags the seed stream that splits the replications in halves


@dataclass(frozen=True)
class SobolIndex:
    """One input's Sobol indices for one outcome, with their intervals' half-widths."""

    outcome: str
    input: str
    role: str
    s1: float
    s1_conf: float  # half-width of SALib's bootstrap interval over the design's base samples
    st: float
    st_conf: float
    s1_stream_sd: float = math.nan  # spread over the replications' streams (split halves)
    st_stream_sd: float = math.nan
    z: float = 1.959963984540054  # of the confidence level

    @property
    def st_width(self) -> float:
        """Width of the total index's interval (SALib's bootstrap over the base samples)."""
        return 2 * self.st_conf

    @property
    def st_all_conf(self) -> float:
        """Half-width of the total index's interval over both the base samples and the replications' streams."""
        stream = 0.0 if math.isnan(self.st_stream_sd) else self.st_stream_sd
        return math.hypot(self.st_conf, self.z * stream)


@dataclass(frozen=True)
class MorrisIndex:
    """One input's Morris measures for one outcome."""

    outcome: str
    input: str
    role: str
    mu_star: float
    mu_star_conf: float
    mu: float
    sigma: float
    mu_star_stream_sd: float = math.nan  # spread over the replications' streams (split halves)


@dataclass(frozen=True)
class Noise:
    """How much of an outcome's variance over the design is replication noise."""

    outcome: str
    variance: float  # of the design points' means
    noise_variance: float  # mean over points of (replication variance / replications)

    @property
    def share(self) -> float:
        """noise_variance / variance (nan for an outcome that is constant over the design)."""
        return self.noise_variance / self.variance if self.variance > 0 else math.nan


def noise(outcome: str, means: np.ndarray, sds: np.ndarray, replications: int) -> Noise:
    """The noise of an outcome from its per-point means and replication standard deviations."""
    return Noise(outcome, float(np.var(means)), float(np.mean(np.square(sds)) / replications))


def _seed(seed: int, k: int) -> int:
    """A positive integer seed for SALib's bootstrap of outcome ``k`` (SALib falls back on numpy's global
    generator for a seed of 0)."""
    return int(np.random.SeedSequence(seed, spawn_key=(INDEX_STREAM, k)).generate_state(1)[0]) or 1


def sobol(
    names: Sequence[str], y: np.ndarray, resamples: int, conf_level: float, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """S1, its half-width, ST, its half-width, per input, from the outcomes ``y`` of a Sobol design (rows in
    the sampler's order); None for an outcome constant over the design (no variance to apportion)."""
    from SALib.analyze import sobol as salib_sobol

    y = np.asarray(y, dtype=float)
    if not np.ptp(y) > 0:
        return None
    problem = {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a constant bootstrap resample: SALib warns and returns 0
        s = salib_sobol.analyze(
            problem, y, calc_second_order=False, num_resamples=resamples, conf_level=conf_level, seed=seed
        )
    return (np.asarray(s["S1"]), np.asarray(s["S1_conf"]), np.asarray(s["ST"]), np.asarray(s["ST_conf"]))


def morris(
    names: Sequence[str], unit: np.ndarray, y: np.ndarray, levels: int, resamples: int, conf_level: float, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """mu*, its half-width, mu and sigma per input, from a Morris design on the unit cube; None for a
    constant outcome."""
    from SALib.analyze import morris as salib_morris

    y = np.asarray(y, dtype=float)
    if not np.ptp(y) > 0:
        return None
    problem = {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = salib_morris.analyze(
            problem, unit, y, num_resamples=resamples, conf_level=conf_level, num_levels=levels, seed=seed
        )
    return (np.asarray(s["mu_star"]), np.asarray(s["mu_star_conf"]), np.asarray(s["mu"]), np.asarray(s["sigma"]))


def stream_splits(replications: int, splits: int, seed: int, k: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """``splits`` random halvings of the replications (each half without repeats), for outcome ``k``; none with
    fewer than two replications."""
    if replications < 2:
        return []
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(STREAMS_STREAM, k)))
    out = []
    for _ in range(splits):
        order = rng.permutation(replications)
        out.append((np.sort(order[: replications // 2]), np.sort(order[replications // 2 :])))
    return out


def sobol_estimates(d: int, y: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """S1 and ST of every input from the outcomes ``y`` of a Sobol design, with SALib's estimators
    (``first_order``, ``total_order``) as its ``analyze`` applies them; None for a constant outcome."""
    from SALib.analyze.sobol import first_order, separate_output_values, total_order

    if not np.ptp(y) > 0:
        return None
    y = (y - y.mean()) / y.std()  # as SALib's analyze normalises
    a, b, ab, _ = separate_output_values(y, d, len(y) // (d + 2), False)
    a, b = np.repeat(a[:, None], d, axis=1), np.repeat(b[:, None], d, axis=1)  # every input at once
    return first_order(a, ab, b), total_order(a, ab, b)


def _split_sd(differences: list[np.ndarray], d: int) -> np.ndarray:
    """The standard deviation of an index from all streams, from the differences between halves."""
    if not differences:
        return np.full(d, math.nan)
    return np.sqrt(np.mean(np.square(differences), axis=0)) / 2


def sobol_stream_sd(
    d: int, per_run: np.ndarray, splits: list[tuple[np.ndarray, np.ndarray]]
) -> tuple[np.ndarray, np.ndarray]:
    """The spread of S1 and ST over the replications' streams (see the module's docstring); ``per_run``:
    (points, replications) of one outcome."""
    d1, dt = [], []
    for half_a, half_b in splits:
        a = sobol_estimates(d, per_run[:, half_a].mean(axis=1))
        b = sobol_estimates(d, per_run[:, half_b].mean(axis=1))
        if a is not None and b is not None:
            d1.append(a[0] - b[0])
            dt.append(a[1] - b[1])
    return _split_sd(d1, d), _split_sd(dt, d)


def morris_stream_sd(
    names: Sequence[str],
    unit: np.ndarray,
    per_run: np.ndarray,
    splits: list[tuple[np.ndarray, np.ndarray]],
    levels: int,
) -> np.ndarray:
    """The spread of mu* over the replications' streams, by split halves."""
    from SALib.analyze import morris as salib_morris

    problem = {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}
    differences = []
    for k, halves in enumerate(splits):
        mu = []
        for half in halves:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                y = per_run[:, half].mean(axis=1)
                s = salib_morris.analyze(problem, unit, y, num_resamples=2, num_levels=levels, seed=k + 1)
            mu.append(np.asarray(s["mu_star"]))
        differences.append(mu[0] - mu[1])
    return _split_sd(differences, len(names))


@dataclass(frozen=True)
class Sensitivity:
    """Every outcome's indices and noise."""

    method: str
    sobol: tuple[SobolIndex, ...]
    morris: tuple[MorrisIndex, ...]
    noise: tuple[Noise, ...]
    constant: tuple[str, ...]  # outcomes without indices: constant over the design

    def ranked(self, outcome: str) -> list[SobolIndex]:
        """The Sobol indices of an outcome, largest total index first."""
        return sorted((i for i in self.sobol if i.outcome == outcome), key=lambda i: (-i.st, i.input))

    def screened(self, outcome: str) -> list[MorrisIndex]:
        """The Morris measures of an outcome, largest mu* first."""
        return sorted((i for i in self.morris if i.outcome == outcome), key=lambda i: (-i.mu_star, i.input))

    def noise_of(self, outcome: str) -> Noise:
        """The noise of an outcome."""
        return next(n for n in self.noise if n.outcome == outcome)


def analyse(
    method: str,
    inputs: Sequence,
    per_run: dict[str, np.ndarray],
    resamples: int,
    conf_level: float,
    seed: int,
    unit: np.ndarray | None = None,
    levels: int = 4,
    stream_resamples: int = 100,
) -> Sensitivity:
    """The indices of every outcome and their noise; ``per_run``: outcome -> (points, replications), rows in
    the design's order. ``unit``: a Morris design on the unit cube. ``stream_resamples``: the random halvings of
    the replications behind each index's stream sd (none with a single replication)."""
    from scipy.stats import norm

    names = [i.name for i in inputs]
    roles = {i.name: i.role for i in inputs}
    z = float(norm.ppf(0.5 + conf_level / 2))
    sob, mor, noises, constant = [], [], [], []
    for k, (outcome, runs) in enumerate(per_run.items()):
        runs = np.asarray(runs, dtype=float)
        replications = runs.shape[1]
        means = runs.mean(axis=1)
        sds = runs.std(axis=1, ddof=1) if replications > 1 else np.zeros(len(runs))
        noises.append(noise(outcome, means, sds, replications))
        splits = stream_splits(replications, stream_resamples, seed, k)
        if method == "sobol":
            got = sobol(names, means, resamples, conf_level, _seed(seed, k))
            if got is None:
                constant.append(outcome)
                continue
            s1_sd, st_sd = sobol_stream_sd(len(names), runs, splits)
            for j, name in enumerate(names):
                s1, s1c, st, stc = (float(a[j]) for a in got)
                sob.append(
                    SobolIndex(outcome, name, roles[name], s1, s1c, st, stc, float(s1_sd[j]), float(st_sd[j]), z)
                )
        else:
            got = morris(names, unit, means, levels, resamples, conf_level, _seed(seed, k))
            if got is None:
                constant.append(outcome)
                continue
            mu_sd = morris_stream_sd(names, unit, runs, splits, levels)
            for j, name in enumerate(names):
                m, mc, mu, sg = (float(a[j]) for a in got)
                mor.append(MorrisIndex(outcome, name, roles[name], m, mc, mu, sg, float(mu_sd[j])))
    return Sensitivity(method, tuple(sob), tuple(mor), tuple(noises), tuple(constant))
