"""The inputs of an exploration: what varies, over which range, and what a value does to the model.

Two roles, in EMA Workbench's words:

- **uncertainties**, what nobody controls: the calibration's free parameters (calibration/priors.py),
  over their priors or over the 90% credible intervals of a posterior (calibration/posterior.py), and the
  rate of deliberate offensives, which the record cannot identify (docs/calibration.md);
- **levers**, the policy knobs: an observer mission's strength, the sectors it covers, its deployment and
  withdrawal days, and the intensity of mediation.

Any other numeric model parameter (``python -m calibration.priors`` lists them) can be added with a range;
keys under ``observer``, ``missions`` and ``mediation`` are levers, the rest uncertainties.

``observer.sectors`` is explored as a *number* of sectors covered, 1 to all: a mission covers the most
contested sectors first, in the order of how often the record's claims name them (:func:`coverage_order`).
A log-scale input is sampled uniformly in log10, as its prior is; an integer input takes whole values.
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from calibration.priors import FREE_PARAMETERS
from sim.common.files import kind
from sim.common.messages import shown
from sim.model.params import ModelParams, ParameterError, validate

UNCERTAINTY = "uncertainty"
LEVER = "lever"
SCALES = ("linear", "log", "integer")
SECTORS_COVERED = "observer.sectors"
LEVER_GROUPS = ("observer", "missions", "mediation")
RANGE_SOURCES = ("priors", "posterior")
"""``priors``: the free parameters over their priors; ``posterior``: over the committed posterior's 90%
credible intervals (calibration/results/posterior.csv); or the path of any ``posterior.csv``."""


@dataclass(frozen=True)
class Input:
    """One input of the design: a model parameter, its role, its range and where the range comes from."""

    name: str  # dotted model key, e.g. "retaliation.propensity" ("observer.sectors": sectors covered)
    role: str  # UNCERTAINTY or LEVER
    lo: float
    hi: float
    scale: str  # "linear", "log" (uniform in log10) or "integer"
    unit: str
    reasoning: str  # why this range
    range_from: str  # "prior", "posterior 90% interval", "catalogue" or "exploration.ranges"

    @property
    def key(self) -> str:
        """The name as EMA Workbench takes it (a Python identifier): dots as double underscores."""
        return self.name.replace(".", "__")

    @property
    def label(self) -> str:
        """The name in words: ``retaliation.propensity`` -> ``retaliation propensity``."""
        return self.name.replace(".", " ").replace("_", " ")

    def value_text(self, value: float) -> str:
        """A value as the report writes it: whole numbers for integer inputs, else 3 significant digits."""
        if self.scale == "integer":
            return str(int(round(value)))
        return f"{value:.3g}"


LEVERS = (
    Input(
        "observer.strength",
        LEVER,
        0.0,
        200.0,
        "linear",
        "personnel",
        "from no mission to five times the EU monitoring capacity of Oct-Dec 2022 (40 monitors, "
        "seeds/validation/events.yaml); at 200 a contingent has 98% of its full effect (strength_scale 50)",
        "catalogue",
    ),
    Input(
        SECTORS_COVERED,
        LEVER,
        1,
        5,  # replaced by the record's number of sectors (inputs_catalogue)
        "integer",
        "sectors covered",
        "from one sector to the whole border, the most contested first (the order of coverage_order: "
        "how often the record's claims name each sector)",
        "catalogue",
    ),
    Input(
        "observer.deploy_day",
        LEVER,
        0.0,
        90.0,
        "linear",
        "days after the ceasefire",
        "from the ceasefire to three months later; the EU capacity deployed five weeks after it (20 Oct 2022)",
        "catalogue",
    ),
    Input(
        "observer.withdraw_day",
        LEVER,
        90.0,
        540.0,
        "linear",
        "days after the ceasefire",
        "from three months (as in scenario peacekeeper_withdrawal) to beyond the horizon: a day past the "
        "horizon means the mission stays to the end. It starts where deploy_day's range ends, so no "
        "mission is withdrawn before it deploys",
        "catalogue",
    ),
    Input(
        "mediation.intensity",
        LEVER,
        0.0,
        2.0,
        "linear",
        "multiplier of every mediator's leverage",
        "from no mediation (scenario no_mediation) to twice the pressure of Sept 2022 (1 = as it happened)",
        "catalogue",
    ),
)

DEFAULT_INPUTS = (*(p.name for p in FREE_PARAMETERS), *(p.name for p in LEVERS))
"""The inputs of the default exploration: the free parameters (the rate of offensives among them) and 5 levers."""


# --- ranges -------------------------------------------------------------------------------------------


def free_parameter_inputs(source: str) -> tuple[dict[str, Input], Any]:
    """The calibration's free parameters as inputs over their priors (``source`` ``priors``) or over the
    90% credible intervals of a posterior (``posterior``: the committed one; or a path); return them by
    name and the posterior read (None for priors). A parameter the posterior file lacks keeps its prior.

    Raises :class:`ParameterError` (one line) for a source that is none of these or a bad posterior file."""
    out = {
        p.name: Input(p.name, UNCERTAINTY, p.lo, p.hi, p.scale, p.unit, p.reasoning, "prior") for p in FREE_PARAMETERS
    }
    if source == "priors":
        return out, None
    from pathlib import Path

    from calibration.posterior import RESULTS, Posterior, PosteriorError

    if not isinstance(source, str) or not source:
        raise ParameterError(f"exploration.range_source={shown(source)!r} is not allowed; {_SOURCES_ALLOWED}")
    path = RESULTS / "posterior.csv" if source == "posterior" else Path(source)
    if source != "posterior" and not (path.suffix == ".csv" or kind(path) != "none"):
        raise ParameterError(f"exploration.range_source={source} is not allowed; {_SOURCES_ALLOWED}")
    try:
        posterior = Posterior.load(path)
    except PosteriorError as e:
        raise ParameterError(f"exploration.range_source={source}: {e}; {_SOURCES_ALLOWED}") from None
    for name in posterior.names:
        lo, hi = posterior.quantile(name, 0.05), posterior.quantile(name, 0.95)
        if not lo < hi:
            raise ParameterError(
                f"exploration.range_source={source}: the 90% interval of {name} is empty ({lo:g} to {hi:g}); "
                "explore it over its prior (exploration.range_source=priors) or give a range in exploration.ranges"
            )
        p = out[name]
        out[name] = dataclasses.replace(p, lo=lo, hi=hi, range_from="posterior 90% interval")
    return out, posterior


_SOURCES_ALLOWED = "allowed: priors, posterior (calibration/results/posterior.csv) or the path of a posterior.csv"


def coverage_order(record: Any) -> tuple[str, ...]:
    """The record's sectors, most contested first: by how many claims of its events name each (the
    flare-up and the violations), ties in the record's order (north to south)."""
    counts: Counter[str] = Counter()
    for event in record.events:
        for claim in event.claims:
            counts.update(claim.sectors)
    ids = list(record.sector_ids())
    return tuple(sorted(ids, key=lambda s: (-counts[s], ids.index(s))))


def catalogue(free: Mapping[str, Input], n_sectors: int) -> dict[str, Input]:
    """Every input with a range of its own, by name: the free parameters (``free``, the rate of
    offensives among them) and the levers (``observer.sectors`` up to ``n_sectors``)."""
    levers = [dataclasses.replace(p, hi=n_sectors) if p.name == SECTORS_COVERED else p for p in LEVERS]
    return {**free, **{p.name: p for p in levers}}


def role_of(name: str) -> str:
    """A parameter's role when it is not in the catalogue: a lever under observer, missions, mediation."""
    return LEVER if name.split(".", 1)[0] in LEVER_GROUPS else UNCERTAINTY


def resolve(
    names: Sequence[str],
    ranges: Mapping[str, Any],
    known: Mapping[str, Input],
    base: ModelParams,
    sectors: Sequence[str],
) -> tuple[Input, ...]:
    """The inputs named, in order: each catalogued one with its range (``known``) unless ``ranges`` gives
    another, any other numeric model parameter with the range ``ranges`` must give ([lo, hi] or
    [lo, hi, scale]). Checked against ``base`` (the parameters of what is not explored).

    Raises :class:`ParameterError` with one line: an unknown or repeated name, a range for a name that is
    not an input, a range that is empty, not finite, outside the model's allowed values or on a log scale
    through zero, and an observer withdrawn before it deploys."""
    seen: set[str] = set()
    out = []
    for name in names:
        if not isinstance(name, str) or not name:
            raise ParameterError(
                f"exploration.inputs: {shown(name)!r} is not a parameter name; {_names_allowed(known)}"
            )
        if name in seen:
            raise ParameterError(f"exploration.inputs: {name} is listed twice")
        seen.add(name)
        out.append(_input(name, ranges.get(name), known, base, sectors))
    stray = [k for k in ranges if k not in seen]
    if stray:
        raise ParameterError(
            f"exploration.ranges.{stray[0]}: {stray[0]} is not an input of this exploration; add it with "
            f"exploration.add=[{stray[0]}]"
        )
    if not out:
        raise ParameterError("exploration.inputs is empty; allowed: at least one input, e.g. " + DEFAULT_INPUTS[0])
    check_observer_days(out, base)
    return tuple(out)


def _names_allowed(known: Mapping[str, Input]) -> str:
    return (
        f"allowed: {', '.join(known)}, or any numeric model parameter with a range in exploration.ranges "
        "(python -m calibration.priors lists them)"
    )


def _input(name: str, given: Any, known: Mapping[str, Input], base: ModelParams, sectors: Sequence[str]) -> Input:
    if name == SECTORS_COVERED:
        current: Any = 0
    else:
        try:
            current = value_at(base, name)
        except (AttributeError, IndexError, KeyError, ValueError):
            raise ParameterError(
                f"exploration.inputs: unknown input {shown(name)!r}; {_names_allowed(known)}"
            ) from None
        if isinstance(current, bool) or not isinstance(current, (int, float)):
            raise ParameterError(
                f"exploration.inputs: {name} is not a number (it is {current!r}); allowed: numeric parameters"
            )
    if given is None:
        if name not in known:
            raise ParameterError(
                f"exploration.inputs: {name} has no range of its own; give one: exploration.ranges.{name}=[lo,hi]"
                " (or [lo,hi,log])"
            )
        inp = known[name]
    else:
        inp = _given_range(name, given, known.get(name), current)
    _check_range(inp, base, sectors)
    return inp


def _given_range(name: str, given: Any, catalogued: Input | None, current: Any) -> Input:
    key = f"exploration.ranges.{name}"
    if not isinstance(given, (list, tuple)) or len(given) not in (2, 3):
        raise ParameterError(
            f"{key}={shown(given)!r} is not a range; allowed: [lo,hi] or [lo,hi,scale] (scale {SCALES})"
        )
    lo, hi = given[0], given[1]
    for v in (lo, hi):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not _finite(v):
            raise ParameterError(
                f"{key}={shown(list(given))}: {shown(v)!r} is not a finite number; allowed: [lo,hi] with lo < hi"
            )
    integer = name == SECTORS_COVERED or (isinstance(current, int) and not isinstance(current, bool))
    default_scale = "integer" if integer else (catalogued.scale if catalogued else "linear")
    scale = given[2] if len(given) == 3 else default_scale
    if scale not in SCALES:
        raise ParameterError(
            f"{key}={shown(list(given))}: scale {shown(scale)!r} is not allowed; allowed: {', '.join(SCALES)}"
        )
    if integer and scale != "integer":
        raise ParameterError(f"{key}={shown(list(given))}: {name} takes whole numbers; allowed scale: integer")
    if scale == "integer" and (lo != int(lo) or hi != int(hi)):
        raise ParameterError(f"{key}={list(given)}: an integer range needs whole-number limits")
    if not lo < hi:
        raise ParameterError(f"{key}={list(given)} is empty; allowed: [lo,hi] with lo < hi")
    if scale == "log" and not lo > 0:
        raise ParameterError(f"{key}={list(given)}: a log scale needs lo > 0; allowed: [lo,hi,log] with 0 < lo < hi")
    if catalogued is not None:
        return dataclasses.replace(catalogued, lo=float(lo), hi=float(hi), scale=scale, range_from="exploration.ranges")
    from sim.model.params import rows

    unit = next((u for n, _, u, _ in rows() if n == name), "").split(";")[0] or "-"
    return Input(
        name, role_of(name), float(lo), float(hi), scale, unit, "given on the command line", "exploration.ranges"
    )


def _finite(v: float) -> bool:
    try:
        return math.isfinite(v)
    except OverflowError:
        return False


def _check_range(inp: Input, base: ModelParams, sectors: Sequence[str]) -> None:
    """Both ends of the range are values the model accepts (sim/model/params.py's ranges)."""
    if inp.name == SECTORS_COVERED:
        if not 1 <= inp.lo < inp.hi <= len(sectors):
            raise ParameterError(
                f"exploration.ranges.{inp.name}=[{inp.lo:g}, {inp.hi:g}] is out of range; allowed: whole numbers "
                f"from 1 to {len(sectors)} (the record's sectors)"
            )
        return
    for value in (inp.lo, inp.hi):
        try:
            validate(with_value(base, inp.name, value, sectors), sectors=tuple(sectors))
        except ParameterError as e:
            if inp.name.startswith("observer.") and "deploy_day" in str(e):
                continue  # an ordering of the days, checked by check_observer_days
            raise ParameterError(f"exploration.ranges.{inp.name}=[{inp.lo:g}, {inp.hi:g}]: {e}") from None


def check_observer_days(inputs: Iterable[Input], base: ModelParams) -> None:
    """Refuse a design in which an observer could be withdrawn before it deploys (the model refuses it):
    the lowest withdrawal day must not precede the latest deployment day."""
    by_name = {i.name: i for i in inputs}
    deploy, withdraw = by_name.get("observer.deploy_day"), by_name.get("observer.withdraw_day")
    latest_deploy = deploy.hi if deploy else base.observer.deploy_day
    if withdraw is not None and withdraw.lo < latest_deploy:
        what = "observer.deploy_day's range ends" if deploy else "base observer.deploy_day is"
        raise ParameterError(
            f"observer.withdraw_day's range starts at {withdraw.lo:g}, before {what} {latest_deploy:g}: the model "
            "refuses a withdrawal before deployment; allowed: a withdrawal range that starts at or after the "
            "latest deployment day"
        )
    if withdraw is None and deploy is not None and base.observer.withdraw_day >= 0:
        if deploy.hi > base.observer.withdraw_day:
            raise ParameterError(
                f"observer.deploy_day's range ends at {deploy.hi:g}, after base observer.withdraw_day "
                f"{base.observer.withdraw_day:g}: the model refuses a withdrawal before deployment"
            )


# --- values into parameters ------------------------------------------------------------------------------


def value_at(params: Any, key: str) -> Any:
    """The value at dotted ``key`` of the parameters; items of a list by name (``mediators.Russia``) or index."""
    obj = params
    for part in key.split("."):
        obj = _item(obj, part)[1] if isinstance(obj, list) else getattr(obj, part)
    return obj


def _item(items: list, part: str) -> tuple[int, Any]:
    if part.isdigit():
        return int(part), items[int(part)]
    for i, item in enumerate(items):
        if getattr(item, "name", None) == part:
            return i, item
    raise KeyError(part)


def with_value(params: Any, key: str, value: float, sectors: Sequence[str]) -> Any:
    """A copy of ``params`` with ``key`` set to ``value`` (groups copied along the path, nothing shared
    changed); ``observer.sectors`` set to the first ``value`` sectors of ``sectors`` (all = [])."""
    if key == SECTORS_COVERED:
        k = int(round(value))
        covered = [] if k >= len(sectors) else list(sectors[:k])
        return dataclasses.replace(params, observer=dataclasses.replace(params.observer, sectors=covered))
    return _replace(params, key.split("."), value)


def _replace(obj: Any, parts: list[str], value: float) -> Any:
    head, rest = parts[0], parts[1:]
    if isinstance(obj, list):
        i, item = _item(obj, head)
        items = list(obj)
        items[i] = _replace(item, rest, value) if rest else _cast(item, value)
        return items
    child = getattr(obj, head)
    return dataclasses.replace(obj, **{head: _replace(child, rest, value) if rest else _cast(child, value)})


def _cast(current: Any, value: float) -> Any:
    return int(round(value)) if isinstance(current, int) and not isinstance(current, bool) else float(value)


def apply(base: ModelParams, inputs: Sequence[Input], values: Sequence[float], sectors: Sequence[str]) -> ModelParams:
    """The parameters of one design point: ``base`` with each input set to its value."""
    params = base
    for inp, value in zip(inputs, values):
        params = with_value(params, inp.name, value, sectors)
    return params
