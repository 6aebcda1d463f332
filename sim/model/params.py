"""Every model parameter in one typed place: name, unit, default, allowed range and source.

The dataclasses are the model's parameters and Hydra's structured configs (:mod:`sim.experiment.config`), each field
declared with :func:`sim.model.schema.param`: unit, source (``seeds/``, public reporting, REFERENCES' literature or a
stated reasoning) and allowed range, checked by :func:`validate`; ``docs/ODD.md`` carries the table (a test checks it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sim.model import schema
from sim.model.schema import FRACTION, POSITIVE, ParameterError, param, param_list
from sim.model.schema import from_dict as from_dict  # re-exported: parameters are read and checked from here
from sim.model.schema import validate as validate

SIDES = ("ARM", "AZE")
TIERS = (1, 2, 3, 4)
TIER_NAMES = {0: "quiet", 1: "small arms", 2: "large-calibre", 3: "mortar", 4: "artillery/drones"}
TOP_TIER = TIERS[-1]
COLLAPSE_RULES = ("killed_window", "killed_and_sectors")
RETIRED_COLLAPSE_RULES = {
    "either": "it fired on three sectors at the top tier, far below war scale; use killed_window",
    "top_tier_sectors": "artillery in three sectors without war-scale losses is not war; use killed_and_sectors",
}


@dataclass
class ViolationParams:
    """Unprovoked fire: a Poisson process per border position, thinned by state."""

    base_rate_per_day: float = param(
        0.012,
        "1/day per position",
        "record: 2 violations in the 14 days after the ceasefire over "
        "10 positions (~0.014/day), less the share explained by grievance",
        **POSITIVE,
    )
    grievance_gain: float = param(
        0.3,
        "per killed-equivalent",
        "Haushofer et al. 2010: violence rises after the other side's; rate multiplier 1 + gain x grievance",
        lo=0.0,
    )
    opening_escalation: float = param(
        0.2,
        "probability",
        "record: 23 Sept opened with small arms, 28 Sept with mortars and large calibre; "
        "opening tier = 1 + Binomial(2, p), small arms to mortar: artillery and drones open fire only by "
        "escalation or a deliberate offensive (OffensiveParams)",
        **FRACTION,
    )


@dataclass
class GrievanceParams:
    """Memory of fire and casualties received, decaying exponentially."""

    half_life_days: float = param(
        5.0,
        "days",
        "Haushofer et al. 2010, Jaeger & Paserman 2008: retaliation effects fade over days to weeks",
        **POSITIVE,
    )
    per_killed: float = param(1.0, "killed-equivalents per soldier killed", "unit of grievance (definition)", lo=0.0)
    per_wounded: float = param(
        0.3,
        "killed-equivalents per soldier wounded",
        "stated reasoning: a wound weighs about a third of a "
        "death (wounded-to-killed ratio ~2 in the flare-up, public reporting)",
        lo=0.0,
    )
    per_exchange: float = param(
        0.2,
        "killed-equivalents per exchange received",
        "stated reasoning: fire without casualties still provokes (both ministries reported retaliating)",
        lo=0.0,
    )
    flareup_weight: float = param(
        0.03,
        "fraction of flare-up losses",
        "public reporting: 13-14 Sept losses (ARM 207 dead or missing, "
        "293 wounded; AZE 80 killed, 281 wounded) spread over each side's positions",
        **FRACTION,
    )


@dataclass
class RetaliationParams:
    """The decision to answer fire, its delay and its tier."""

    propensity: float = param(
        0.5,
        "probability",
        "record: each ministry says it retaliated (ARM 23 and 28 Sept, AZE 23 Sept); "
        "probability at zero grievance, tier 1, no pressure",
        **FRACTION,
    )
    grievance_slope: float = param(
        0.5,
        "logit per log(1 + killed-equivalents)",
        "Haushofer et al. 2010: killings raise the probability of retaliation more than its size",
        lo=0.0,
    )
    tier_slope: float = param(
        0.4,
        "logit per tier received",
        "stated reasoning: heavier fire is likelier to be answered (Berman et al. 2024 response curves)",
        lo=0.0,
    )
    delay_mean_hours: float = param(
        1.0,
        "hours",
        "record: ARM says fire was silenced by retaliation; AZE reports nine hours of intermittent fire on 23 Sept",
        **POSITIVE,
    )
    episode_fatigue: float = param(
        0.2,
        "fraction per exchange",
        "Berman et al. 2024: episodes de-escalate; record: the 23 and 28 Sept "
        "exchanges stopped within hours with at most 3 killed. An answer's probability is multiplied by "
        "(1 - fatigue)^(exchanges already in the episode); not in offensives",
        **FRACTION,
    )


@dataclass
class EscalationParams:
    """Moves up and down the weapon ladder small arms -> large calibre -> mortar -> artillery/drones."""

    p_up: float = param(
        0.1,
        "probability per retaliation",
        "record: 28 Sept reached mortars; the flare-up reached artillery and drones (public reporting)",
        **FRACTION,
    )
    p_down: float = param(0.3, "probability per retaliation", "Berman et al. 2024: episodes de-escalate", **FRACTION)
    grievance_gain: float = param(
        0.05,
        "per killed-equivalent",
        "stated reasoning: grievance raises the odds of escalating (Richardson's reaction term)",
        lo=0.0,
    )


@dataclass
class CasualtyParams:
    """Casualties inflicted on the side fired upon, Poisson per exchange and tier."""

    killed_top_tier: float = param(
        1.2,
        "killed per exchange",
        "public reporting: ~287 killed in 48 h of artillery and drone fire "
        "(both sides' own counts); the flare-up scale informs it",
        lo=0.0,
    )
    tier_ratio: float = param(
        0.2,
        "ratio per tier step",
        "record: 3 killed by mortar and large-calibre fire on 28 Sept, 1 wounded "
        "by small arms on 23 Sept; mean killed at tier t = killed_top_tier * ratio^(4 - t)",
        **FRACTION,
    )
    wounded_per_killed: float = param(
        2.0, "wounded per killed", "public reporting: 574 wounded to 287 killed in the flare-up", lo=0.0
    )


@dataclass
class SpilloverParams:
    """Tension spreading to adjacent sectors."""

    prob_top_tier: float = param(
        0.35,
        "probability per adjacent sector per exchange at the top tier",
        "public reporting: the flare-up "
        "spread over four Armenian and four Azerbaijani directions at once; scales as (tier/4)^2",
        **FRACTION,
    )
    delay_mean_hours: float = param(3.0, "hours", "stated reasoning: neighbouring units join within hours", **POSITIVE)


@dataclass
class MediatorParams:
    """One mediator: leverage (share of escalation it can suppress), reaction delay and name."""

    name: str = param("Russia", "-", "seeds: 000_f6d714250b8b91e2.txt, 003_2a932858fe7ccec7.txt")
    leverage: float = param(0.5, "probability scale", "stated reasoning from the record", **FRACTION)
    delay_hours: float = param(12.0, "hours", "stated reasoning from the record", **POSITIVE)


def _default_mediators() -> list[MediatorParams]:
    return [
        MediatorParams("Russia", 0.45, 12.0),
        MediatorParams("CSTO", 0.15, 24.0),
        MediatorParams("EU", 0.3, 48.0),
        MediatorParams("US", 0.3, 48.0),
    ]


MEDIATOR_SOURCES = {
    "Russia": "record: brokered the ceasefire and moved quickly (003); isolated after Ukraine (000)",
    "CSTO": "record: SG border visit 22 Sept (003); public reporting: mission decided 13 Sept, no military help",
    "EU": "record: led the Brussels talks, last on 31 Aug (000)",
    "US": "record: Blinken arranged the foreign ministers' New York talks (000)",
}


@dataclass
class MediationParams:
    """Mediators react to violations with casualties by applying pressure for a time."""

    intensity: float = param(
        1.0,
        "multiplier of every mediator's leverage",
        "scenario knob: 1 = as in Sept 2022, 0 = no mediation",
        lo=0.0,
        hi=3.0,
    )
    pressure_duration_days: float = param(
        5.0, "days", "stated reasoning: a round of calls and visits lasts about a working week", **POSITIVE
    )
    truce_lead_delay_hours: float = param(
        24.0,
        "hours (mean of an exponential delay, drawn per attempt)",
        "public reporting: the 14 Sept ceasefire took about 40 h after the flare-up began; "
        "a first truce on 13 Sept failed within minutes",
        **POSITIVE,
    )
    weakened_standing: float = param(
        1.0,
        "fraction of its leverage a mediator keeps where the record's regime marks it weakened",
        "history record: Russia at war in Ukraine from 24 Feb 2022; 1 = no effect (default)",
        **FRACTION,
    )
    mediators: list[MediatorParams] = param_list(
        _default_mediators, "-", "; ".join(f"{k}: {v}" for k, v in MEDIATOR_SOURCES.items()), sources=MEDIATOR_SOURCES
    )


@dataclass
class ObserverParams:
    """A peacekeeping or observer contingent on the border (none in the Sept 2022 baseline).

    ``observer`` is the first contingent; ``missions`` (a list of these) adds more, each with its own
    strength, sectors, dates and effects (:class:`sim.model.third_parties.ObserverMission`)."""

    strength: float = param(
        0.0,
        "personnel",
        "public reporting: Russia's ~1,960 peacekeepers are in Nagorno-Karabakh, not on "
        "this border; ARM called for an international observer mission (000)",
        lo=0.0,
    )
    strength_scale: float = param(
        50.0,
        "personnel",
        "stated reasoning: effect = 1 - exp(-strength/scale), ~63% of full effect at 50 personnel on the border",
        **POSITIVE,
    )
    max_deterrence: float = param(
        0.5,
        "fraction of unprovoked fire prevented",
        "Fortna 2003/2004: peacekeeping and monitoring lower the hazard of renewed war",
        **FRACTION,
    )
    max_interposition: float = param(
        0.4, "fraction of retaliation prevented", "Fortna 2004: third parties interpose", **FRACTION
    )
    max_verification: float = param(
        0.9,
        "probability a covered exchange is attributed",
        "stated reasoning: observers see most exchanges in their sectors",
        **FRACTION,
    )
    sectors: list[str] = param([], "sector ids ([] = every sector)", "scenario choice")
    deploy_day: float = param(0.0, "days after the ceasefire", "scenario choice", lo=0.0)
    withdraw_day: float = param(-1.0, "days after the ceasefire (-1 = never)", "scenario choice", lo=-1.0)
    name: str = param("peacekeepers", "-", "its row in the action log and the timeline (unique among contingents)")

    def check(self, prefix: str, sectors: tuple[str, ...] | None) -> None:
        """Its sectors are the border's (when ``sectors`` are known), and it withdraws after it deploys."""
        unknown = [s for s in self.sectors if s not in sectors] if sectors is not None else []
        if unknown:
            raise ParameterError(f"{prefix}sectors: unknown sector {unknown[0]!r}; allowed: {', '.join(sectors)}")
        if self.withdraw_day >= 0 and self.withdraw_day < self.deploy_day:
            raise ParameterError(f"{prefix}withdraw_day={self.withdraw_day} is before deploy_day={self.deploy_day}")


@dataclass
class ReportingParams:
    """Who each side says fired first."""

    deny_prob: float = param(
        0.95, "probability", "record: both ministries blamed the other in both incidents (2 of 2)", **FRACTION
    )


@dataclass
class OffensiveParams:
    """A side's deliberate decision to resume war (Fortna 2004), apart from spirals out of incidents."""

    rate_per_year: float = param(
        0.23,
        "offensives per year per side",
        "public reporting: three war-scale offensives in 6.5 years (Apr 2016, Sept 2020, Sept 2022), 0.46/year for the "
        "pair, split equally; with scale < 1 limited ones too (Nov 2021); lowered by mediation pressure and deterrence",
        lo=0.0,
    )
    scale: float = param(
        1.0,
        "probability that each further sector joins an offensive",
        "public reporting: two directions in Nov 2021, four per side in Sept 2022; an offensive attacks 1 + "
        "Binomial(sectors - 1, scale) adjacent sectors; 1 = all of them (war scale)",
        **FRACTION,
    )
    barrage_interval_hours: float = param(
        3.0,
        "hours",
        "public reporting: the flare-up's shelling went on through two nights and the day "
        "between; stated reasoning: each attacking position renews its barrage every few hours",
        **POSITIVE,
    )
    max_days: float = param(
        2.0,
        "days",
        "public reporting: Sept 2022 ended after ~48 h; history: Jul 2021 went on, on and off, 114 h until a truce",
        **POSITIVE,
    )
    reengage_hours: float = param(
        24.0,
        "hours",
        "history: fire came back about daily in Jul 2021 (23, 25, 26, 28 Jul); mean gap after a limited push",
        **POSITIVE,
    )


@dataclass
class CollapseParams:
    """When violence returns to war scale, the ceasefire has collapsed."""

    rule: str = param(
        "killed_window",
        "one of killed_window, killed_and_sectors",
        "stated reasoning: war scale is measured by losses; killed_and_sectors also asks for breadth",
        choices=COLLAPSE_RULES,
        retired=RETIRED_COLLAPSE_RULES,
    )
    window_hours: float = param(48.0, "hours", "public reporting: the flare-up lasted about 48 h", **POSITIVE)
    killed_threshold: float = param(
        100.0,
        "killed (both sides) within the window",
        "public reporting: ~287 killed in 48 h of the "
        "flare-up; a third of that is war scale, some 30 times the deadliest incident after the "
        "ceasefire (3 killed on 28 Sept)",
        lo=1.0,
    )
    top_tier_sectors: int = param(
        3,
        "sectors at the top tier within the window (killed_and_sectors only)",
        "public reporting: the flare-up hit four directions per side",
        lo=1,
    )


@dataclass
class ModelParams:
    """All parameters of :class:`sim.model.model.CeasefireModel`."""

    violations: ViolationParams = field(default_factory=ViolationParams)
    grievance: GrievanceParams = field(default_factory=GrievanceParams)
    retaliation: RetaliationParams = field(default_factory=RetaliationParams)
    escalation: EscalationParams = field(default_factory=EscalationParams)
    casualties: CasualtyParams = field(default_factory=CasualtyParams)
    spillover: SpilloverParams = field(default_factory=SpilloverParams)
    mediation: MediationParams = field(default_factory=MediationParams)
    observer: ObserverParams = field(default_factory=ObserverParams)
    missions: list[ObserverParams] = param_list(
        list,
        "contingents besides observer ([] = none)",
        "scenario choice: each item has observer's "
        "fields, e.g. missions=[{name: EU, strength: 100, sectors: [jermuk]}]",
    )
    reporting: ReportingParams = field(default_factory=ReportingParams)
    offensive: OffensiveParams = field(default_factory=OffensiveParams)
    collapse: CollapseParams = field(default_factory=CollapseParams)

    def check(self, prefix: str, sectors: tuple[str, ...] | None) -> None:
        """Contingents' names are unique (each has its own row in the timeline)."""
        names = [o.name for o in (self.observer, *self.missions)]
        if len(set(names)) != len(names):
            raise ParameterError(
                f"{prefix}observer.name and {prefix}missions: contingent names must be unique, got {names}"
            )


def rows(params: Any | None = None) -> list[tuple[str, str, str, str]]:
    """(name, default, unit, source) for every leaf parameter of ``params`` (default: the defaults)."""
    return schema.rows(ModelParams() if params is None else params)
