"""The page's settings, as the command line's: a scenario, the parameter source, a seed, and the levers.

Each lever is one config key of :mod:`sim.model.params` moved by a slider (or a text field, for a list
of sectors). A lever set to its scenario's value is left out of the overrides, so a run the page starts
is exactly ``ceasefire-sim scenario=NAME seed=S params=P`` plus the levers moved
(:func:`command_line` prints it; ``tests/dashboard`` runs it and compares the incidents).

The levers (issue 15): the observer contingent's strength, sectors and days of deployment and
withdrawal, mediation intensity, and, of what issue 7 added, ``offensive.rate_per_year``: how often a
side's command decides to resume war, the other way a ceasefire breaks (Fortna's deliberate
breakdown), not identified by the record and so a scenario question. Issue 7's other settings are not
levers: ``offensive.barrage_interval_hours`` and ``offensive.max_days`` shape an offensive once
launched (mechanism, not policy), and ``missions`` is a list of whole contingents, which a scenario
file or the command line sets (``missions=[{name: EU, strength: 100, sectors: [jermuk]}]``); the page
draws every contingent a scenario has, in its coverage.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass
from typing import Any

from sim.model.params import ModelParams

DEFAULT_SCENARIO = "sept2022"
PARAMS_SOURCES = ("default", "calibrated")
PROGRAM = "ceasefire-sim"


@dataclass(frozen=True)
class Lever:
    """A model parameter the page moves: its config key, its keyword in
    :class:`sim.dashboard.playback.PageModel`, its label (with unit) and its slider's range."""

    key: str  # the config key, as on the command line
    arg: str  # the keyword of PageModel (and of Mesa's model_params)
    label: str
    lo: float = 0.0
    hi: float = 0.0
    step: float = 1.0
    integer: bool = False  # a whole number (personnel, days)
    listed: bool = False  # a list of names in a text field (observer.sectors), not a slider


LEVERS: tuple[Lever, ...] = (
    Lever("observer.strength", "observer_strength", "observers (personnel)", 0, 500, 10, integer=True),
    Lever("observer.sectors", "observer_sectors", "observer sectors (empty = all)", listed=True),
    Lever("observer.deploy_day", "observer_deploy_day", "observers deploy (day)", 0, 365, 1, integer=True),
    Lever("observer.withdraw_day", "observer_withdraw_day", "observers leave (day; -1 never)", -1, 365, 1, True),
    Lever("mediation.intensity", "mediation_intensity", "mediation (x leverage)", 0.0, 3.0, 0.05),
    Lever("offensive.rate_per_year", "offensive_rate_per_year", "offensives (/side/year)", 0.0, 2.0, 0.01),
)
BY_ARG = {lever.arg: lever for lever in LEVERS}


def allowed_range(key: str) -> tuple[float | None, float | None]:
    """The model's allowed range of a parameter (``lo``, ``hi`` of its metadata; None = unbounded)."""
    cls: Any = ModelParams
    meta: dict = {}
    for part in key.split("."):
        meta = dict({f.name: f for f in dataclasses.fields(cls)}[part].metadata)
        cls = typing.get_type_hints(cls).get(part)
    return meta.get("lo"), meta.get("hi")


def scenario_names() -> list[str]:
    """The scenarios of ``conf/scenario/`` (sorted), as ``scenario=NAME`` accepts them."""
    from sim.experiment.config import group_options

    return group_options("scenario")


def scenario_values(scenario: str) -> dict[str, Any]:
    """Each lever's value in ``scenario``, by PageModel keyword: where the sliders start. It is what the
    scenario file sets, else the schema's default (as Hydra composes them; a test compares the two), read
    without composing. Raises :class:`sim.model.params.ParameterError` for an unknown scenario."""
    from sim.experiment.config import scenario_values as written_in
    from sim.experiment.config import select

    written = written_in(scenario)
    defaults = ModelParams()
    return {
        lever.arg: shown(lever, written[lever.key] if lever.key in written else select(defaults, lever.key))
        for lever in LEVERS
    }


def shown(lever: Lever, value: Any) -> Any:
    """A config value as its widget holds it: sectors as ``"goris, kapan"``, whole numbers as int."""
    if lever.listed:
        return ", ".join(value)
    if lever.integer and float(value).is_integer():
        return int(value)
    return round(float(value), 6)


def config_value(lever: Lever, value: Any) -> Any:
    """A widget's value as the config takes it: a text of sectors as a list of names; a slider's float
    rounded to its step's precision (a float slider gives 1.1500000000000001 for 1.15)."""
    if lever.listed:
        return [name.strip() for name in str(value or "").split(",") if name.strip()]
    if isinstance(value, float):
        return round(value, 6)
    return value


def moved(scenario_value: dict[str, Any], chosen: dict[str, Any]) -> dict[str, Any]:
    """The overrides ``{config key: value}`` of the levers whose chosen value is not the scenario's
    (None = the scenario's)."""
    out = {}
    for arg, value in chosen.items():
        lever = BY_ARG[arg]
        if value is None:
            continue
        want = config_value(lever, value)
        have = config_value(lever, scenario_value[arg])
        if not _same(want, have):
            out[lever.key] = want
    return out


def _same(a: Any, b: Any) -> bool:
    from sim.common.values import same_value

    return same_value(a, b)


def settings_text(values: dict[str, Any]) -> str:
    """What Mesa's inputs hold now (its ``model_parameters``), in words: ``observers 100 personnel on every
    sector from day 0, never withdrawn; mediation intensity 1; 0.23 offensives per side per year; seed 0``."""
    if not values:
        return ""
    sectors = ", ".join(config_value(BY_ARG["observer_sectors"], values.get("observer_sectors"))) or "every sector"
    leave = values.get("observer_withdraw_day")
    withdrawn = "never withdrawn" if leave is None or leave < 0 else f"withdrawn on day {leave:g}"
    return (
        f"observers: {values.get('observer_strength', 0):g} personnel on {sectors} from day "
        f"{values.get('observer_deploy_day', 0):g}, {withdrawn}; mediation intensity "
        f"{values.get('mediation_intensity', 0):g}; {values.get('offensive_rate_per_year', 0):g} offensives per "
        f"side per year; parameters {values.get('params')}; seed {values.get('seed')}"
    )


def format_value(value: Any) -> str:
    """A value as the command line writes it: ``[goris,kapan]``, ``40``, ``1.15``, ``true``."""
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(format_value(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        short = f"{value:g}"
        return short if float(short) == value else repr(value)
    return str(value)


def command_line(scenario: str, params: str, seed: int, overrides: dict[str, Any], horizon_days: float | None) -> str:
    """The ``ceasefire-sim`` command whose replication 0 is this run (its incidents.csv the same rows)."""
    words = [PROGRAM, f"scenario={scenario}", f"seed={seed}"]
    if params != "default":
        words.append(f"params={params}")
    if horizon_days is not None:
        words.append(f"horizon_days={format_value(float(horizon_days))}")
    words += [f"{key}={format_value(value)}" for key, value in overrides.items()]
    return " ".join(words)
