"""The free parameters of the calibration: prior ranges, scales and the reasoning for each.

A parameter on a ``log`` scale has a prior uniform in log10 (pyabc samples ``log10_<name>``);
``linear`` means uniform between ``lo`` and ``hi``. All other model parameters stay at their defaults
(``sim/model/params.py``), which the record cannot inform (see docs/calibration.md).
"""

from __future__ import annotations

import copy
import dataclasses
import math
from dataclasses import dataclass

from sim.model.params import ModelParams


@dataclass(frozen=True)
class FreeParameter:
    """One calibrated parameter: its uniform prior's range and scale, unit and reasoning."""

    name: str  # dotted path in ModelParams, e.g. "retaliation.propensity"
    lo: float
    hi: float
    scale: str  # "linear" or "log"
    unit: str
    reasoning: str

    @property
    def key(self) -> str:
        """The name pyabc samples (dots are not allowed there)."""
        base = self.name.replace(".", "__")
        return f"log10_{base}" if self.scale == "log" else base

    def to_natural(self, value: float) -> float:
        """A value on the sampled scale (log10 for ``log``) on the natural scale."""
        return 10.0**value if self.scale == "log" else value

    def prior_bounds(self) -> tuple[float, float]:
        """Bounds on the sampled scale."""
        return (math.log10(self.lo), math.log10(self.hi)) if self.scale == "log" else (self.lo, self.hi)

    def prior_quantile(self, q: float) -> float:
        """Quantile of the prior on the natural scale."""
        a, b = self.prior_bounds()
        return self.to_natural(a + q * (b - a))


FREE_PARAMETERS: tuple[FreeParameter, ...] = (
    FreeParameter(
        "violations.base_rate_per_day",
        0.001,
        0.1,
        "log",
        "1/day per position",
        "record: 2 violations in 14 days over 10 positions (~0.014/day); two orders of magnitude around it",
    ),
    FreeParameter(
        "violations.grievance_gain",
        0.0,
        1.0,
        "linear",
        "per killed-equivalent",
        "Haushofer et al. 2010: violence rises after the other side's; from none to doubling per killed-equivalent",
    ),
    FreeParameter(
        "violations.opening_escalation",
        0.0,
        0.6,
        "linear",
        "probability",
        "record: openings from small arms (23 Sept) to mortars (28 Sept); above 0.6 most openings "
        "would be mortar or artillery",
    ),
    FreeParameter(
        "retaliation.propensity",
        0.05,
        0.95,
        "linear",
        "probability",
        "record: each ministry says it retaliated; anything but certain either way",
    ),
    FreeParameter(
        "retaliation.episode_fatigue",
        0.0,
        0.6,
        "linear",
        "fraction per exchange",
        "record: the 23 and 28 Sept exchanges stopped within hours; from no fatigue to an answer "
        "half as likely after two exchanges and a fifth as likely after four",
    ),
    FreeParameter(
        "retaliation.delay_mean_hours",
        0.1,
        12.0,
        "log",
        "hours",
        "record: fire 'silenced by retaliation' (ARM) to nine hours of intermittent fire (AZE)",
    ),
    FreeParameter(
        "escalation.p_up",
        0.0,
        0.4,
        "linear",
        "probability",
        "record and public reporting: episodes reach mortars, the flare-up artillery and drones",
    ),
    FreeParameter(
        "casualties.killed_top_tier",
        0.3,
        10.0,
        "log",
        "killed per exchange",
        "public reporting: ~287 killed in ~48 h of artillery and drone fire",
    ),
    FreeParameter(
        "casualties.tier_ratio",
        0.05,
        0.6,
        "linear",
        "ratio per tier step",
        "record: 3 killed by mortar/large calibre, 1 wounded by small arms",
    ),
    FreeParameter(
        "reporting.deny_prob",
        0.3,
        1.0,
        "linear",
        "probability",
        "record: both ministries blamed the other in 2 of 2 incidents",
    ),
    FreeParameter(
        "offensive.rate_per_year",
        0.02,
        2.0,
        "log",
        "offensives per year per side",
        "public reporting: three war-scale offensives in 6.5 years (0.23 per side); the history adds limited "
        "ones (Nov 2021); from one in fifty years to two a year per side",
    ),
    FreeParameter(
        "offensive.scale",
        0.0,
        1.0,
        "linear",
        "probability that each further sector joins an offensive",
        "history: Nov 2021 hit two directions, Sept 2022 four per side; from one sector to all of them",
    ),
    FreeParameter(
        "offensive.max_days",
        1.0,
        10.0,
        "log",
        "days",
        "public reporting and history: the Sept 2022 flare-up 48 h, the Jul 2021 fighting 114 h on and off, the "
        "Apr 2016 war four days; from a day to ten",
    ),
    FreeParameter(
        "offensive.reengage_hours",
        2.0,
        96.0,
        "log",
        "hours",
        "history: fire came back about once a day in Jul 2021; from every couple of hours to every four days",
    ),
    FreeParameter(
        "spillover.prob_top_tier",
        0.0,
        0.6,
        "linear",
        "probability per adjacent sector per exchange at the top tier",
        "history: flare-ups stayed in one or two sectors; Sept 2022 spread over four directions per side",
    ),
    FreeParameter(
        "mediation.truce_lead_delay_hours",
        2.0,
        72.0,
        "log",
        "hours",
        "history: Russia brokered a truce ~8 h into the Nov 2021 fighting; the Sept 2022 ceasefire took ~40 h",
    ),
    FreeParameter(
        "mediation.weakened_standing",
        0.0,
        1.0,
        "linear",
        "fraction of its leverage a weakened mediator keeps",
        "history record: Russia at war in Ukraine from 24 Feb 2022; from no leverage left to none lost",
    ),
    FreeParameter(
        "grievance.half_life_days",
        1.0,
        30.0,
        "log",
        "days",
        "Haushofer et al. 2010, Jaeger & Paserman 2008: effects over days to weeks",
    ),
)

BY_KEY = {p.key: p for p in FREE_PARAMETERS}


def apply(theta: dict[str, float], base: ModelParams | None = None) -> ModelParams:
    """A copy of ``base`` with the free parameters set from ``theta`` (natural-scale dotted names)."""
    params = copy.copy(base or ModelParams())  # groups are replaced, never mutated
    groups: dict[str, dict[str, float]] = {}
    for name, value in theta.items():
        group, field = name.split(".")
        groups.setdefault(group, {})[field] = float(value)
    for group, values in groups.items():
        setattr(params, group, dataclasses.replace(getattr(params, group), **values))
    return params


def natural(sampled: dict[str, float]) -> dict[str, float]:
    """pyabc's sampled values (keys of :attr:`FreeParameter.key`) on the natural scale, by dotted name."""
    return {BY_KEY[k].name: BY_KEY[k].to_natural(float(v)) for k, v in sampled.items()}


def prior_text(p: FreeParameter) -> str:
    """The prior in words, for the ODD table: ``uniform 0.001-0.1 (log)``."""
    return f"uniform {p.lo:g}–{p.hi:g}" + (" on a log scale" if p.scale == "log" else "")


def odd_table() -> str:
    """docs/ODD.md's parameter table, the free parameters of the calibration marked with their priors."""
    from sim.model.params import rows
    from sim.model.schema import markdown_table

    return markdown_table(rows(), {p.name: prior_text(p) for p in FREE_PARAMETERS})


if __name__ == "__main__":  # python -m calibration.priors > the table in docs/ODD.md
    import sys

    from sim.common.process import command

    command(lambda: sys.stdout.write(odd_table() + "\n"))()
