"""Every model parameter in one typed place: name, unit, default, allowed range and source.

The dataclasses here are the model's parameters *and* Hydra's structured configs
(registered in :mod:`sim.experiment.config`). Each field carries metadata:

- ``unit``: the unit (``1/day``, ``hours``, ``killed-equivalents`` ...);
- ``source``: where the default comes from (an article in ``seeds/``, public reporting,
  the literature in REFERENCES, or a stated reasoning);
- ``lo`` / ``hi``: the allowed range, checked by :func:`validate`.

``docs/ODD.md`` carries the table printed by ``python -m calibration.priors`` (this table, with the
calibration's free parameters marked); a test keeps them in step.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import sys
import typing
from dataclasses import dataclass, field
from typing import Any

SIDES = ("ARM", "AZE")
TIERS = (1, 2, 3, 4)
TIER_NAMES = {0: "quiet", 1: "small arms", 2: "large-calibre", 3: "mortar", 4: "artillery/drones"}
TOP_TIER = TIERS[-1]
COLLAPSE_RULES = ("killed_window", "killed_and_sectors")
RETIRED_COLLAPSE_RULES = {
    "either": "it fired on three sectors at the top tier, far below war scale; use killed_window",
    "top_tier_sectors": "artillery in three sectors without war-scale losses is not war; use killed_and_sectors",
}

A_ART = "seeds: 000_f6d714250b8b91e2.txt, 003_2a932858fe7ccec7.txt"


class ParameterError(ValueError):
    """A parameter value outside its allowed range or of the wrong kind (one-line message)."""


def param(
    default: Any,
    unit: str,
    source: str,
    lo: float | None = None,
    hi: float | None = None,
    lo_open: bool = False,
    choices: tuple | None = None,
):
    """A dataclass field with its unit, source and allowed range as metadata."""
    meta = {"unit": unit, "source": source, "lo": lo, "hi": hi, "lo_open": lo_open, "choices": choices}
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda d=default: type(d)(d), metadata=meta)
    return field(default=default, metadata=meta)


def param_list(factory: Any, unit: str, source: str, sources: dict[str, str] | None = None):
    """A field holding a list of parameter dataclasses (``list[SomeParams]``): validated item by item,
    built from a list of dicts, and one table row per item field, named by the item's ``name``
    (``mediation.mediators.Russia.leverage``). ``sources``: the source column per item name (other
    names: "scenario choice"); without it each row shows its field's own source."""
    meta = {
        "unit": unit,
        "source": source,
        "lo": None,
        "hi": None,
        "lo_open": False,
        "choices": None,
        "sources": sources,
    }
    return field(default_factory=factory, metadata=meta)


@dataclass
class ViolationParams:
    """Unprovoked fire: a Poisson process per border position, thinned by state."""

    base_rate_per_day: float = param(
        0.012,
        "1/day per position",
        "record: 2 violations in the 14 days after the ceasefire over "
        "10 positions (~0.014/day), less the share explained by grievance",
        lo=0.0,
        lo_open=True,
    )
    grievance_gain: float = param(
        0.3,
        "per killed-equivalent",
        "Haushofer et al. 2010 (violence rises after the other side's); "
        "stated reasoning: rate multiplier 1 + gain x grievance",
        lo=0.0,
    )
    opening_escalation: float = param(
        0.2,
        "probability",
        "record: 23 Sept opened with small arms, 28 Sept with mortars and large calibre; "
        "opening tier = 1 + Binomial(2, p), small arms to mortar: artillery and drones open fire only by "
        "escalation or a deliberate offensive (OffensiveParams)",
        lo=0.0,
        hi=1.0,
    )


@dataclass
class GrievanceParams:
    """Memory of fire and casualties received, decaying exponentially."""

    half_life_days: float = param(
        5.0,
        "days",
        "Haushofer et al. 2010, Jaeger & Paserman 2008: retaliation effects fade over days to weeks",
        lo=0.0,
        lo_open=True,
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
        lo=0.0,
        hi=1.0,
    )


@dataclass
class RetaliationParams:
    """The decision to answer fire, its delay and its tier."""

    propensity: float = param(
        0.5,
        "probability",
        "record: each ministry says it retaliated (ARM 23 and 28 Sept, AZE 23 Sept); "
        "probability at zero grievance, tier 1, no pressure",
        lo=0.0,
        hi=1.0,
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
        "record: ARM says enemy fire was silenced by retaliation (same episode); "
        "AZE reports nine hours of intermittent fire on 23 Sept",
        lo=0.0,
        lo_open=True,
    )
    episode_fatigue: float = param(
        0.2,
        "fraction per exchange",
        "Berman et al. 2024: episodes de-escalate; record: the 23 and 28 Sept "
        "exchanges stopped within hours with at most 3 killed. An answer's probability is multiplied by "
        "(1 - fatigue)^(exchanges already in the episode); not in offensives",
        lo=0.0,
        hi=1.0,
    )


@dataclass
class EscalationParams:
    """Moves up and down the weapon ladder small arms -> large calibre -> mortar -> artillery/drones."""

    p_up: float = param(
        0.1,
        "probability per retaliation",
        "record: 28 Sept reached mortars; the flare-up reached artillery and drones (public reporting)",
        lo=0.0,
        hi=1.0,
    )
    p_down: float = param(
        0.3, "probability per retaliation", "Berman et al. 2024: episodes de-escalate", lo=0.0, hi=1.0
    )
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
        lo=0.0,
        hi=1.0,
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
        lo=0.0,
        hi=1.0,
    )
    delay_mean_hours: float = param(
        3.0, "hours", "stated reasoning: neighbouring units join within hours", lo=0.0, lo_open=True
    )


@dataclass
class MediatorParams:
    """One mediator: leverage (share of escalation it can suppress), reaction delay and name."""

    name: str = param("Russia", "-", A_ART)
    leverage: float = param(0.5, "probability scale", "stated reasoning from the record", lo=0.0, hi=1.0)
    delay_hours: float = param(12.0, "hours", "stated reasoning from the record", lo=0.0, lo_open=True)


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
        5.0, "days", "stated reasoning: a round of calls and visits lasts about a working week", lo=0.0, lo_open=True
    )
    truce_lead_delay_hours: float = param(
        24.0,
        "hours",
        "public reporting: the 14 Sept ceasefire took about 40 h after the flare-up began; "
        "a first truce on 13 Sept failed within minutes",
        lo=0.0,
        lo_open=True,
    )
    mediators: list[MediatorParams] = param_list(
        _default_mediators, "-", "; ".join(f"{k}: {v}" for k, v in MEDIATOR_SOURCES.items()), sources=MEDIATOR_SOURCES
    )


@dataclass
class ObserverParams:
    """A peacekeeping or observer contingent on the border (none in the Sept 2022 baseline).

    ``observer`` is the first contingent; ``missions`` (a list of these) adds more, each with its own
    strength, sectors, dates and effects (:class:`sim.model.agents.ObserverMission`)."""

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
        lo=0.0,
        lo_open=True,
    )
    max_deterrence: float = param(
        0.5,
        "fraction of unprovoked fire prevented",
        "Fortna 2003/2004: peacekeeping and monitoring lower the hazard of renewed war",
        lo=0.0,
        hi=1.0,
    )
    max_interposition: float = param(
        0.4, "fraction of retaliation prevented", "Fortna 2004: third parties interpose", lo=0.0, hi=1.0
    )
    max_verification: float = param(
        0.9,
        "probability a covered exchange is attributed",
        "stated reasoning: observers see most exchanges in their sectors",
        lo=0.0,
        hi=1.0,
    )
    sectors: list[str] = param([], "sector ids ([] = every sector)", "scenario choice")
    deploy_day: float = param(0.0, "days after the ceasefire", "scenario choice", lo=0.0)
    withdraw_day: float = param(-1.0, "days after the ceasefire (-1 = never)", "scenario choice", lo=-1.0)
    name: str = param("peacekeepers", "-", "its row in the action log and the timeline (unique among contingents)")


@dataclass
class ReportingParams:
    """Who each side says fired first."""

    deny_prob: float = param(
        0.95, "probability", "record: both ministries blamed the other in both incidents (2 of 2)", lo=0.0, hi=1.0
    )


@dataclass
class OffensiveParams:
    """A side's deliberate decision to resume war (Fortna 2004), apart from spirals out of incidents."""

    rate_per_year: float = param(
        0.23,
        "offensives per year per side",
        "public reporting: three war-scale offensives on this line in "
        "6.5 years (April 2016, Sept 2020, Sept 2022), ~0.46/year for the pair, split equally because each "
        "side blames the other; lowered by mediation pressure and by observers' deterrence; not identified "
        "by the 14-day record, so not calibrated",
        lo=0.0,
    )
    barrage_interval_hours: float = param(
        3.0,
        "hours",
        "public reporting: the flare-up's shelling went on through two nights and the day "
        "between; stated reasoning: each attacking position renews its barrage every few hours",
        lo=0.0,
        lo_open=True,
    )
    max_days: float = param(
        2.0,
        "days",
        "public reporting: the flare-up lasted about 48 h before a ceasefire held; an offensive "
        "ends then unless a brokered truce stops it sooner",
        lo=0.0,
        lo_open=True,
    )


@dataclass
class CollapseParams:
    """When violence returns to war scale, the ceasefire has collapsed."""

    rule: str = param(
        "killed_window",
        "one of killed_window, killed_and_sectors",
        "stated reasoning: war scale is measured by losses; killed_and_sectors also asks for breadth",
        choices=COLLAPSE_RULES,
    )
    window_hours: float = param(48.0, "hours", "public reporting: the flare-up lasted about 48 h", lo=0.0, lo_open=True)
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


# --- validation and conversion ------------------------------------------------------------------


def _check(prefix: str, name: str, value: Any, meta: dict) -> None:
    choices = meta.get("choices")
    if choices is not None:
        if value not in choices:
            key = prefix + name
            why = RETIRED_COLLAPSE_RULES.get(value) if key.endswith("collapse.rule") else None
            retired = f" ({value!r} was retired: {why})" if why else ""
            raise ParameterError(f"{key}={value!r} is not allowed{retired}; allowed: {', '.join(map(str, choices))}")
        return
    lo, hi = meta.get("lo"), meta.get("hi")
    if lo is None and hi is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ParameterError(f"{prefix}{name}={value!r} must be a finite number")
    too_low = lo is not None and (value <= lo if meta.get("lo_open") else value < lo)
    too_high = hi is not None and value > hi
    if too_low or too_high:
        left = "(" if meta.get("lo_open") else "["
        raise ParameterError(
            f"{prefix}{name}={value!r} is out of range; allowed {left}{lo}, {hi if hi is not None else 'inf'}]"
        )


_LARGEST = sys.float_info.max  # a bound "none": every finite number is within it, inf and nan are not


@functools.cache
def _layout(cls: type) -> tuple[tuple, tuple]:
    """The fields of ``cls``, once per class: (plain values, lists and nested groups), each in declaration
    order. A plain value is (name, choices, lo, hi, lo_open, metadata), its range ready for a quick check
    (no bound = the largest float); a list or group is (name, item class of a list, nested class)."""
    items = _item_classes(cls)
    leaves, groups = [], []
    for f in dataclasses.fields(cls):
        item, group = items.get(f.name), _field_class(cls, f.name)
        if item is not None or group is not None:
            groups.append((f.name, item, group))
        elif f.metadata:
            m = f.metadata
            lo, hi = m.get("lo"), m.get("hi")
            bounds = (-_LARGEST if lo is None else lo, _LARGEST if hi is None else hi)
            leaves.append((f.name, m.get("choices"), *bounds, bool(m.get("lo_open")), m))
    return tuple(leaves), tuple(groups)


def validate(params: Any, prefix: str = "", sectors: tuple[str, ...] | None = None) -> None:
    """Raise :class:`ParameterError` naming the first parameter outside its allowed range.

    ``sectors``, if given, are the known sector ids for ``observer.sectors``. A value within its range
    passes a quick check; anything else goes to the full check, which says what is wrong.
    """
    leaves, groups = _layout(type(params))
    for name, choices, lo, hi, lo_open, meta in leaves:
        value = getattr(params, name)
        if choices is not None:
            if value in choices:
                continue
        elif (type(value) is float or type(value) is int) and (lo < value if lo_open else lo <= value) and value <= hi:
            continue
        _check(prefix, name, value, meta)
    for name, item, group in groups:
        value = getattr(params, name)
        if item is not None:
            key = prefix + name
            if not isinstance(value, list) or not all(dataclasses.is_dataclass(v) for v in value):
                raise ParameterError(f"{key} must be a list of {item.__name__}")
            names = [v.name for v in value if hasattr(v, "name")]
            if len(set(names)) != len(names):
                raise ParameterError(f"{key}: names must be unique, got {names}")
            for i, element in enumerate(value):
                validate(element, f"{key}[{i}].", sectors)
        elif dataclasses.is_dataclass(value):
            validate(value, f"{prefix}{name}.", sectors)
    if isinstance(params, ObserverParams) and sectors is not None:
        unknown = [s for s in params.sectors if s not in sectors]
        if unknown:
            raise ParameterError(f"{prefix}sectors: unknown sector {unknown[0]!r}; allowed: {', '.join(sectors)}")
    if isinstance(params, ObserverParams) and params.withdraw_day >= 0 and params.withdraw_day < params.deploy_day:
        raise ParameterError(f"{prefix}withdraw_day={params.withdraw_day} is before deploy_day={params.deploy_day}")
    if isinstance(params, ModelParams):
        names = [o.name for o in (params.observer, *params.missions)]
        if len(set(names)) != len(names):
            raise ParameterError(
                f"{prefix}observer.name and {prefix}missions: contingent names must be unique, got {names}"
            )


def from_dict(cls: type, data: dict) -> Any:
    """Build a parameter dataclass from a nested dict (e.g. an OmegaConf container)."""
    kwargs = {}
    names = {f.name: f for f in dataclasses.fields(cls)}
    for key, value in data.items():
        if key not in names:
            raise ParameterError(f"unknown parameter {cls.__name__}.{key}; allowed: {', '.join(names)}")
        sub, item = _field_class(cls, key), _item_classes(cls).get(key)
        if sub is not None and isinstance(value, dict):
            kwargs[key] = from_dict(sub, value)
        elif item is not None and isinstance(value, list):
            kwargs[key] = [from_dict(item, v) if isinstance(v, dict) else v for v in value]
        else:
            kwargs[key] = value
    return cls(**kwargs)


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _field_class(cls: type, name: str) -> type | None:
    """The parameter dataclass a field of ``cls`` holds (``ObserverParams`` for ``observer``), else None."""
    t = _hints(cls).get(name)
    return t if isinstance(t, type) and dataclasses.is_dataclass(t) else None


@functools.cache
def _item_classes(cls: type) -> dict[str, type]:
    """{field: item class} of the ``list[SomeParams]`` fields of ``cls`` (``mediators``: ``MediatorParams``)."""
    out = {}
    for name, t in _hints(cls).items():
        args = typing.get_args(t) if typing.get_origin(t) is list else ()
        if len(args) == 1 and isinstance(args[0], type) and dataclasses.is_dataclass(args[0]):
            out[name] = args[0]
    return out


def rows(params: Any | None = None, prefix: str = "") -> list[tuple[str, str, str, str]]:
    """(name, default, unit, source) for every leaf parameter, in declaration order."""
    params = ModelParams() if params is None else params
    out = []
    for f in dataclasses.fields(params):
        value = getattr(params, f.name)
        key = f"{prefix}{f.name}"
        if dataclasses.is_dataclass(value):
            out.extend(rows(value, key + "."))
        elif f.name in _item_classes(type(params)) and value:
            out.extend(_item_rows(key, value, f.metadata.get("sources")))
        else:
            rng = _range_text(f.metadata)
            out.append(
                (
                    key,
                    f"{value!r}" if isinstance(value, str) else str(value),
                    f.metadata["unit"] + rng,
                    f.metadata["source"],
                )
            )
    return out


def _item_rows(key: str, items: list, sources: dict[str, str] | None) -> list[tuple[str, str, str, str]]:
    """Rows of a list of parameter dataclasses: ``KEY.NAME.FIELD`` per item (its index when it has no
    ``name``) and field, the name itself aside; unit without range (the item class checks it)."""
    out = []
    for i, item in enumerate(items):
        label = getattr(item, "name", i)
        for f in dataclasses.fields(item):
            if f.name == "name":
                continue
            value = getattr(item, f.name)
            source = f.metadata["source"] if sources is None else sources.get(label, "scenario choice")
            out.append(
                (
                    f"{key}.{label}.{f.name}",
                    f"{value!r}" if isinstance(value, str) else str(value),
                    f.metadata["unit"],
                    source,
                )
            )
    return out


def _range_text(meta: dict) -> str:
    if meta.get("choices"):
        return ""
    lo, hi = meta.get("lo"), meta.get("hi")
    if lo is None and hi is None:
        return ""
    left = "(" if meta.get("lo_open") else "["
    return f"; range {left}{lo}, {hi if hi is not None else '∞'}]"


def markdown_table(calibrated: dict[str, str] | None = None) -> str:
    """The parameter table of docs/ODD.md; ``calibrated`` maps the calibration's free parameters to
    their prior (``python -m calibration.priors`` passes them: the model layer does not know them)."""
    calibrated = calibrated or {}
    lines = [
        "| parameter | default | unit; range | calibrated (prior) | source or reasoning |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| `{n}` | {d} | {u} | {'yes, ' + calibrated[n] if n in calibrated else 'no'} | {s} |" for n, d, u, s in rows()
    ]
    return "\n".join(lines)
