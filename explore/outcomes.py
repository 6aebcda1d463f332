"""What a run is reduced to, and what a design point's replications add up to.

Per run: whether the ceasefire collapsed within the horizon, its durability (days to collapse, or the
horizon when it held), killed per side, and violation episodes with casualties (any killed or wounded,
as the calibration counts them: sim/record/patterns.py).

Per design point, over its replications: the mean of each and its standard deviation across replications
(the spread :mod:`explore.indices` turns into the share of variance that is noise); every run's values are
kept too (:mod:`explore.store`). Two of the means have
names of their own:

- ``collapsed``: the share of runs collapsed within the horizon;
- ``rmst_days``: the restricted mean survival time, the area under the Kaplan-Meier curve up to the
  horizon. Every run that does not collapse is censored at the horizon itself, so the curve is the
  empirical survival function and its area is the mean of min(durability, horizon): the mean durability.

Sums are exact (``math.fsum``), so a point's figures do not depend on the machine's summation order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

import numpy as np

if TYPE_CHECKING:
    from sim.model.run import RunResult


@dataclass(frozen=True)
class Outcome:
    """One outcome of a design point: its column in the results, its name in words, its unit."""

    name: str
    label: str
    unit: str
    description: str


OUTCOMES = (
    Outcome(
        "collapsed",
        "share collapsed",
        "share of runs",
        "share of replications in which the ceasefire returned to war scale within the horizon",
    ),
    Outcome(
        "rmst_days",
        "restricted mean survival time",
        "days",
        "mean days the ceasefire held, up to the horizon (the area under the survival curve)",
    ),
    Outcome("killed_ARM", "killed ARM", "soldiers per run", "Armenian soldiers killed, mean per replication"),
    Outcome("killed_AZE", "killed AZE", "soldiers per run", "Azerbaijani soldiers killed, mean per replication"),
    Outcome(
        "violations_with_casualties",
        "violations with casualties",
        "episodes per run",
        "violation episodes with anyone killed or wounded, mean per replication",
    ),
)
NAMES = tuple(o.name for o in OUTCOMES)
BY_NAME = {o.name: o for o in OUTCOMES}


def run_values(result: RunResult) -> dict[str, float]:
    """One run's values of every outcome, by name."""
    s = result.summary
    with_casualties = sum(1 for e in result.episodes if any(e.killed.values()) or any(e.wounded.values()))
    return {
        "collapsed": 1.0 if s.collapsed else 0.0,
        "rmst_days": float(s.durability_days),
        "killed_ARM": float(s.killed["ARM"]),
        "killed_AZE": float(s.killed["AZE"]),
        "violations_with_casualties": float(with_casualties),
    }


def summarize(per_run: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each design point's mean and replication sd of each outcome, from every run's values (points,
    replications, outcomes): two (points, outcomes) arrays, summed exactly."""
    points, _, n = per_run.shape
    means, sds = np.empty((points, n)), np.empty((points, n))
    for k in range(points):
        for j in range(n):
            means[k, j], sds[k, j] = mean_and_sd(per_run[k, :, j].tolist())
    return means, sds


def mean_and_sd(values: Sequence[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (0 for a single value), summed exactly."""
    n = len(values)
    mean = math.fsum(values) / n
    if n < 2:
        return mean, 0.0
    return mean, math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1))
