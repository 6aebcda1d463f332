"""Summary statistics: the same code on the record and on simulated runs of the same window.

The window runs from the ceasefire (14 Sept 2022, 20:00 local) to the end of 28 September
(:data:`sim.record.patterns.WINDOW_HOURS`); the war regime's pattern is the flare-up's scale, killed by both
sides in its ~48 h (:func:`sim.model.run.war_scale_killed` against the record's 207 + 80).
"""

from __future__ import annotations

import math

import numpy as np

from sim.model.border import Border
from sim.model.params import ModelParams
from sim.model.rules import HOURS_PER_DAY
from sim.model.run import simulate, war_scale_killed
from sim.record.loader import Record
from sim.record.patterns import STATISTICS, WINDOW_HOURS, record_episodes, summary_statistics

FLAREUP = "flareup_log_killed"
"""log(1 + killed in the flare-up's 48 h): its scale, on a log axis so it does not swamp the rest."""

USED = tuple(s for s in STATISTICS if s != "returned_to_war_scale") + (FLAREUP,)
"""Statistics compared. ``returned_to_war_scale`` is 0 in the record and almost always 0 in 14 days of
simulation, so it carries no information in the distance (it stays in the predictive check)."""


def observed_statistics(record: Record) -> dict[str, float]:
    """The record's statistics (each side's own claims; see :func:`sim.record.patterns.record_episodes`)."""
    stats = summary_statistics(record_episodes(record))
    killed = sum(k for k, _ in record.flareup_losses().values())
    stats[FLAREUP] = math.log1p(killed)
    return stats


def simulated_statistics(params: ModelParams, seed: np.random.SeedSequence, border: Border) -> dict[str, float]:
    """Statistics of one simulated window after the ceasefire plus one simulated flare-up."""
    window_seed, war_seed = seed.spawn(2)
    run = simulate(
        params, window_seed, WINDOW_HOURS / HOURS_PER_DAY, border, scenario="calibration", check=False
    )  # the priors lie inside every parameter's range
    stats = summary_statistics(run.episodes)
    stats[FLAREUP] = math.log1p(war_scale_killed(params, war_seed, border))
    return stats
