"""The record's schema: pydantic models of every ``seeds/`` file, and their JSON Schema.

One model per kind of entry (:class:`Sector`, :class:`Weapon`, :class:`Claim`, :class:`TimeClaim`,
:class:`Event`, :class:`Regime`, :class:`ContextFact`) and one per kind of file (:data:`FILE_MODELS`:
``events``, ``sectors``, ``ladder``, ``context``). The same models read the record of the articles
(``seeds/*.yaml``), the validation record (``seeds/validation/events.yaml``), the history
(``seeds/history/*.yaml``) and a researcher's own files. Values are checked as written: no text is
turned into a number or a flag, and ``null`` is "the source does not say", never a default.

What one file cannot know (the sectors and weapons an events file may name, the event ids a context
file may cite, how many ceasefires a file may hold) comes in pydantic's validation context
(:func:`validate`); without it, those references are not checked (as in an editor, through the JSON
Schema).

:func:`validate` turns pydantic's ``ValidationError`` into the project's one-line
:class:`RecordError`: ``<file>: <entry id>: <field>: <what is wrong; what is allowed>``.

:func:`json_schema` gives each kind of file's JSON Schema; ``python -m sim.record.schemafiles`` writes
them to ``seeds/schema/``, and the YAML files name theirs in a first-line
``# yaml-language-server: $schema=...`` comment, so an editor checks a record as it is written.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time, timedelta, timezone
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

SIDES = ("ARM", "AZE")
KINDS = (
    *("flare_up", "truce", "ceasefire", "violation", "mediation", "monitoring", "statement"),
    *("advance", "capture", "talks"),
)
"""Event kinds. ``advance`` (positions moved across the line, no fire), ``capture`` (personnel taken,
no fire) and ``talks`` (direct talks, no mediator) came with the history record."""
INCIDENT_KINDS = ("violation", "advance", "capture", "flare_up")
"""Kinds that are incidents between the two armies (each side's claims of its own losses)."""
MEDIATORS = ("Russia", "CSTO", "EU", "US")
PUBLIC = "public reporting"
LOCAL_TZ = timezone(timedelta(hours=4))  # Armenia and Azerbaijan, UTC+4 (003: 07:40 local = 03:40 GMT)
_ARTICLE = re.compile(r"^\d{3}_[0-9a-f]{16}\.txt$")
_ID = r"^[A-Za-z0-9_]+$"
_SHOWN = 60  # characters of a bad value shown in a message


class RecordError(Exception):
    """A bad record. ``str(err)`` is one line: ``<file>: <entry id>: <field>: <problem; allowed>``; an
    entry or field that is not known is left out (a whole file has no entry, an entry may have no field)."""

    def __init__(self, file: str, entry: str, field_: str, problem: str):
        self.file, self.entry, self.field = file, entry, field_
        where = ": ".join(part for part in (file, entry, field_) if part)
        super().__init__(" ".join(f"{where}: {problem}".split()))


def shown(value: Any) -> str:
    """``repr(value)`` cut to a readable length (a bad value may be a whole file's worth)."""
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def fail(problem: str, field: str = "", entry: str = "") -> PydanticCustomError:
    """An error for a validator to raise; ``field`` (and ``entry``) say where below the validated value."""
    return PydanticCustomError("record", problem, {"field": field, "entry": entry})


# --- values ---------------------------------------------------------------------------------------


def _tuple(v: Any) -> Any:
    """YAML lists are read as tuples (the record is immutable)."""
    return tuple(v) if isinstance(v, list) else v


def _aware(v: Any) -> Any:
    """A timezone-aware datetime from a YAML timestamp or an ISO 8601 string."""
    if v is None:
        return None
    parsed = v
    if isinstance(v, str):
        try:
            parsed = datetime.fromisoformat(v)
        except ValueError:
            parsed = None
    if not isinstance(parsed, datetime):
        raise fail(f"{shown(v)} is not a date-time; expected ISO 8601 with offset, e.g. 2022-09-23T07:40:00+04:00")
    if parsed.tzinfo is None:
        raise fail(f"{shown(v)} has no UTC offset; expected e.g. 2022-09-23T07:40:00+04:00")
    return parsed


def _day(v: Any) -> Any:
    """A calendar date from a YAML date or a YYYY-MM-DD string."""
    if v is None:
        raise fail("null; expected YYYY-MM-DD")
    parsed = v
    if isinstance(v, str):
        try:
            parsed = date.fromisoformat(v)
        except ValueError:
            parsed = None
    if not isinstance(parsed, date) or isinstance(parsed, datetime):
        raise fail(f"{shown(v)} is not a date; expected YYYY-MM-DD")
    return parsed


_SOURCE = f"an article file name (e.g. 000_f6d714250b8b91e2.txt) or {PUBLIC!r}"


def _source(v: Any) -> Any:
    if not isinstance(v, str) or not (v == PUBLIC or _ARTICLE.match(v)):
        raise fail(
            f"{shown(v)} is not a source; expected an article file name (e.g. 000_f6d714250b8b91e2.txt) or {PUBLIC!r}"
        )
    return v


def _number(v: Any) -> Any:
    if isinstance(v, bool):  # YAML's true is not 1
        raise fail(f"{shown(v)} is not allowed; expected a number >= 0")
    return v


_Date = date  # a field named ``date`` hides the type inside a model's body

Id = Annotated[str, Field(pattern=_ID, description="an id: letters, digits, _")]
Text = Annotated[str, Field(min_length=1, description="non-empty text")]
Count = Annotated[int, Field(ge=0, description="a whole number >= 0")]
Number = Annotated[float, Field(ge=0, allow_inf_nan=False, description="a number >= 0"), BeforeValidator(_number)]
Side = Literal["ARM", "AZE"]
Mediator = Literal["Russia", "CSTO", "EU", "US"]
Source = Annotated[
    str,
    Field(pattern=r"^(public reporting|\d{3}_[0-9a-f]{16}\.txt)$", description=_SOURCE),
    BeforeValidator(_source),
]
When = Annotated[
    datetime, Field(description="ISO 8601 with offset, e.g. 2022-09-23T07:40:00+04:00"), BeforeValidator(_aware)
]
Day = Annotated[date, Field(description="YYYY-MM-DD"), BeforeValidator(_day)]
Strings = Annotated[
    tuple[Text, ...],
    Field(description="a list of non-empty strings (outlet, date, title)"),
    BeforeValidator(_tuple),
]


class _Entry(BaseModel):
    """Strict (YAML's text is never turned into a number or a flag), closed (an unknown field is an
    error), frozen. A field's ``description`` says what is allowed; it is in the messages and the
    JSON Schema."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, str_strip_whitespace=True)


def _known(info: ValidationInfo, key: str) -> Any:
    return (info.context or {}).get(key)


def _check_ids(values: tuple[str, ...], known: Any, what: str, field: str) -> None:
    """Each of ``values`` must be among ``known`` (skipped without a validation context)."""
    if known is None:
        return
    for v in values:
        if v not in known:
            raise fail(f"unknown {what} {shown(v)}; allowed: {', '.join(known)}", field)


# --- entries --------------------------------------------------------------------------------------


class Sector(_Entry):
    """A stretch of the state border, named from both sides."""

    id: Id
    name: Text
    arm_direction: Text
    aze_direction: Text
    adjacent: Annotated[tuple[Id, ...], Field(description="a list of sector ids"), BeforeValidator(_tuple)]
    source: Source
    note: Text | None = None


class Weapon(_Entry):
    """A weapon of the escalation ladder and its tier (1 small arms ... 4 artillery/drones)."""

    id: Id
    tier: Annotated[int, Field(ge=1, description="a whole number >= 1")]
    source: Source
    note: Text | None = None


class Claim(_Entry):
    """One side's own account of an incident, from one source. ``None`` = the claim does not say.
    Claim keys without a default are required so that "not stated" is always a deliberate ``null``."""

    side: Side  # whose account this is
    source: Source  # article file name or "public reporting"
    claimant: Text  # e.g. "Armenian Defence Ministry"
    fired_first: Side | None  # whom the claim blames for opening fire
    location: Text  # as named
    sectors: Annotated[tuple[Id, ...], Field(description="a list of sector ids"), BeforeValidator(_tuple)]
    time: When | None  # start of the incident per this claim
    time_approx: bool = Field(False, description="true or false")  # "around midnight"
    weapons: Annotated[tuple[Id, ...], Field(description="a list of weapon ids"), BeforeValidator(_tuple)]
    weapons_as_named: str = Field(description="text (may be empty)")
    duration_hours: Number | None = None
    own_killed: Count | None = Field(description="a whole number >= 0 or null (not stated)")
    own_wounded: Count | None = Field(description="a whole number >= 0 or null (not stated)")
    retaliated: bool | None = Field(description="true or false or null")  # does it say this side fired back
    enemy_killed: Count | None = None  # a claim about the other side's losses, not a count
    captured: Count | None = None  # own personnel it says the other side took
    missing: Count | None = None  # own personnel it says are missing
    enemy_captured: Count | None = None  # the other side's personnel it says it detained
    references: Strings = ()  # the pages that carry this side's account
    note: Text | None = None
    _tiers: tuple[int, ...] = PrivateAttr(default=())

    @model_validator(mode="after")
    def _known_ids(self, info: ValidationInfo) -> Claim:
        _check_ids(self.sectors, _known(info, "sectors"), "sector", "sectors")
        ladder = _known(info, "ladder")
        _check_ids(self.weapons, ladder, "weapon", "weapons")
        self._tiers = tuple(ladder[w] for w in self.weapons) if ladder is not None else ()
        return self

    @property
    def weapon_tiers(self) -> tuple[int, ...]:
        """The ladder tier of each weapon (known when read with the ladder, as the loader does)."""
        return self._tiers

    @property
    def tier(self) -> int:
        """Highest ladder tier among the weapons named (0 if none named)."""
        return max(self._tiers, default=0)


class TimeClaim(_Entry):
    """One source's statement of when something (the ceasefire) happened."""

    source: Source
    date: Day
    time: When | None = None  # None: the source gives the date only
    time_approx: bool = Field(False, description="true or false")
    as_stated: Text  # the source's wording, short
    note: Text | None = None

    @model_validator(mode="after")
    def _same_day(self) -> TimeClaim:
        if self.time and self.time.astimezone(LOCAL_TZ).date() != self.date:
            raise fail(f"{self.time.isoformat()} falls on another local day than date {self.date}", "time")
        return self

    @property
    def start(self) -> datetime:
        """``time``, or local midnight of ``date`` when the source gives no time of day."""
        return self.time or datetime.combine(self.date, time(0), LOCAL_TZ)


class Event(_Entry):
    """A dated event. Incidents carry claims; the ceasefire carries time claims."""

    id: Id
    kind: Literal[KINDS]  # type: ignore[valid-type]
    date: Annotated[_Date | None, BeforeValidator(lambda v: v if v is None else _day(v))] = Field(
        description="YYYY-MM-DD, or null with when_as_stated"
    )
    date_approx: bool = Field(False, description="true or false")
    time: When | None = None  # the event's own start, if it has one
    time_approx: bool = Field(False, description="true or false")
    end: When | None = None
    when_as_stated: Text | None = None  # e.g. "earlier in 2022" when there is no date
    sources: Annotated[
        tuple[Source, ...], Field(min_length=1, description="a non-empty list of sources"), BeforeValidator(_tuple)
    ]
    summary: Text  # our own words
    claims: Annotated[tuple[Claim, ...], Field(description="a list of claims"), BeforeValidator(_tuple)] = ()
    time_claims: Annotated[
        tuple[TimeClaim, ...], Field(description="a list of time claims"), BeforeValidator(_tuple)
    ] = ()
    mediator: Mediator | None = None  # who mediated, brokered or sent monitors
    brokered_by: Text | None = None  # who brokered it, in words (person or body)
    ended_by: Id | None = None  # a flare-up: the id of the truce that ended it (null: none found)
    side: Side | None = None  # for statements: whose
    place: Text | None = None
    note: Text | None = None
    references: Strings = ()  # where the facts come from (outlet, date, title), in detail
    personnel: Count | None = None  # monitoring missions: monitors deployed
    outside_sectors: bool = Field(False, description="true or false")  # on the border, outside the sectors

    @model_validator(mode="after")
    def _consistent(self) -> Event:
        self._check_when()
        self._check_kind()
        for i, c in enumerate(self.claims):
            if c.source not in self.sources:
                raise fail(
                    f"{shown(c.source)} is not among the event's sources; allowed: {', '.join(self.sources)}",
                    f"claims[{i}].source",
                )
        for i, c in enumerate(self.time_claims):
            if c.source not in self.sources:
                raise fail(
                    f"{shown(c.source)} is not among the event's sources; allowed: {', '.join(self.sources)}",
                    f"time_claims[{i}].source",
                )
        return self

    def _check_when(self) -> None:
        if self.date is None and not self.when_as_stated:
            raise fail("null without when_as_stated; give a date or the source's wording", "date")
        if self.time and self.date and self.time.astimezone(LOCAL_TZ).date() != self.date:
            raise fail(f"{self.time.isoformat()} falls on another local day than date {self.date}", "time")
        if self.time and self.end and self.end < self.time:
            raise fail(f"{self.end.isoformat()} is before time {self.time.isoformat()}", "end")

    def _check_kind(self) -> None:
        kind = self.kind
        if kind in ("mediation", "monitoring") and self.mediator is None:
            raise fail(f"missing for a {kind} event; allowed: {', '.join(MEDIATORS)}", "mediator")
        if kind == "monitoring" and not self.personnel:
            raise fail(
                f"{shown(self.personnel)} is not allowed for a monitoring event; expected the number of "
                "monitors, a whole number >= 1",
                "personnel",
            )
        if kind == "violation" and not self.claims:
            raise fail("empty; a violation needs at least one side's claim", "claims")
        if kind == "violation" and self.date is None and not any(c.time for c in self.claims):
            raise fail("null and no claim gives a time; a violation needs a date", "date")
        if kind == "ceasefire" and not self.time_claims:
            raise fail("empty; the ceasefire needs at least one source's claim of its time", "time_claims")
        if self.ended_by is not None and kind != "flare_up":
            raise fail(f"not allowed on a {kind} event; only a flare_up is ended by a truce", "ended_by")

    @property
    def start(self) -> datetime | None:
        """Earliest known time: the event's own, its claims', its time claims', else local midnight of
        ``date``; None when undated."""
        times = [t for t in [self.time, *(c.time for c in self.claims), *(c.start for c in self.time_claims)] if t]
        if times:
            return min(times)
        return datetime.combine(self.date, time(0), LOCAL_TZ) if self.date else None


class Regime(_Entry):
    """A stretch of time with the same mediation and security setting (who mediates, Russia's standing)."""

    id: Id
    start: Day
    end: Day
    mediators: Annotated[
        tuple[Mediator, ...], Field(min_length=1, description="a non-empty list of mediators"), BeforeValidator(_tuple)
    ]
    weakened: Annotated[
        tuple[Mediator, ...],
        Field(description="mediators whose standing fell in this regime (a list; may be empty)"),
        BeforeValidator(_tuple),
    ] = ()
    summary: Text
    note: Text | None = None
    references: Strings = ()

    @model_validator(mode="after")
    def _ordered(self) -> Regime:
        if self.end < self.start:
            raise fail(f"{self.end} is before start {self.start}", "end")
        return self


class ContextFact(_Entry):
    """A background fact with its sources; ``value`` in ``unit`` when the fact has a figure."""

    id: Id
    topic: Text
    text: Text
    sources: Annotated[
        tuple[Source, ...], Field(min_length=1, description="a non-empty list of sources"), BeforeValidator(_tuple)
    ]
    about: Text | None = None
    value: Number | None = None
    unit: Text | None = None
    approx: bool = Field(False, description="true or false")
    event: Id | None = None  # the id of the event in events.yaml it is about

    @model_validator(mode="after")
    def _about(self, info: ValidationInfo) -> ContextFact:
        if self.topic == "mediator" and self.about is not None and self.about not in MEDIATORS:
            raise fail(f"{shown(self.about)} is not allowed; allowed: {', '.join(MEDIATORS)}", "about")
        events = _known(info, "events")
        if self.event is not None and events is not None and self.event not in events:
            raise fail(f"unknown event {shown(self.event)}; expected an id from events.yaml", "event")
        return self


# --- files ----------------------------------------------------------------------------------------


def _unique(entries: tuple[Any, ...]) -> None:
    seen: set[str] = set()
    for e in entries:
        if e.id in seen:
            raise fail("duplicate id; ids must be unique within the file", "id", e.id)
        seen.add(e.id)


class _File(_Entry):
    """A whole file: its top-level list (and, for events, the regimes)."""


class EventsFile(_File):
    """An events file: ``seeds/events.yaml``, ``seeds/validation/events.yaml``, ``seeds/history/events.yaml``.
    Context ``ceasefires``: how many ceasefire events it may hold (default: any number)."""

    model_config = ConfigDict(title="events file")
    regimes: Annotated[tuple[Regime, ...], Field(description="a list of regimes"), BeforeValidator(_tuple)] = ()
    events: Annotated[tuple[Event, ...], Field(description="a list of events"), BeforeValidator(_tuple)]

    @model_validator(mode="after")
    def _whole(self, info: ValidationInfo) -> EventsFile:
        _unique(self.events)
        _unique(self.regimes)
        n = sum(e.kind == "ceasefire" for e in self.events)
        allowed = _known(info, "ceasefires")
        if allowed is not None and n not in allowed:
            raise fail(f"{n} ceasefire events; expected {'exactly one' if allowed == (1,) else 'at most one'}", "kind")
        truces = {e.id for e in self.events if e.kind in ("truce", "ceasefire")}
        for e in self.events:
            if e.ended_by is not None and e.ended_by not in truces:
                raise fail(
                    f"unknown truce {shown(e.ended_by)}; expected the id of a truce or ceasefire event in this file",
                    "ended_by",
                    e.id,
                )
        for a, b in zip(self.regimes, self.regimes[1:]):
            if b.start <= a.end:
                raise fail(
                    f"{b.start} is not after the end of {a.id} ({a.end}); regimes follow each other", "start", b.id
                )
        return self


class SectorsFile(_File):
    """``sectors.yaml``: the border's sectors north to south, with symmetric adjacency."""

    model_config = ConfigDict(title="sectors file")
    sectors: Annotated[
        tuple[Sector, ...], Field(min_length=1, description="a non-empty list of sectors"), BeforeValidator(_tuple)
    ]

    @model_validator(mode="after")
    def _adjacency(self) -> SectorsFile:
        _unique(self.sectors)
        adj = {s.id: s.adjacent for s in self.sectors}
        for s in self.sectors:
            for a in s.adjacent:
                if a not in adj:
                    raise fail(f"unknown sector {shown(a)}; allowed: {', '.join(adj)}", "adjacent", s.id)
                if a == s.id:
                    raise fail("a sector cannot be adjacent to itself", "adjacent", s.id)
                if s.id not in adj[a]:
                    raise fail(
                        f"not symmetric: {s.id} lists {a} but {a} does not list {s.id}; adjacency must be symmetric",
                        "adjacent",
                        s.id,
                    )
        return self


class LadderFile(_File):
    """``ladder.yaml``: weapon id -> escalation tier."""

    model_config = ConfigDict(title="ladder file")
    ladder: Annotated[
        tuple[Weapon, ...], Field(min_length=1, description="a non-empty list of weapons"), BeforeValidator(_tuple)
    ]

    @model_validator(mode="after")
    def _ids(self) -> LadderFile:
        _unique(self.ladder)
        return self


class ContextFile(_File):
    """``context.yaml``: background facts with sources."""

    model_config = ConfigDict(title="context file")
    context: Annotated[tuple[ContextFact, ...], Field(description="a list of facts"), BeforeValidator(_tuple)]

    @model_validator(mode="after")
    def _ids(self) -> ContextFile:
        _unique(self.context)
        return self


FILE_MODELS: dict[str, type[_File]] = {
    "events": EventsFile,
    "sectors": SectorsFile,
    "ladder": LadderFile,
    "context": ContextFile,
}
"""Kind of file (its top-level list) -> its model."""


# --- errors ---------------------------------------------------------------------------------------


def validate(model: type[_File], data: Any, label: str, context: dict | None = None) -> Any:
    """``model`` validated from ``data`` (a file's parsed YAML, shown in messages as ``label``), with
    ``context`` for the references one file cannot check; raises :class:`RecordError` (one line)."""
    key = next(iter(model.model_fields.keys() - {"regimes"}))
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        raise RecordError(label, "", key, f"missing top-level list; expected a mapping with a list under {key!r}")
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        raise _one_line(exc, model, data, label) from None


def _one_line(exc: ValidationError, model: type[BaseModel], data: dict, label: str) -> RecordError:
    """The first of pydantic's errors as a :class:`RecordError`: the entry by its id (else its place in
    the list), the field as a path (``claims[0].own_killed``), and what is allowed."""
    err = exc.errors(include_url=False)[0]
    loc, ctx = list(err["loc"]), err.get("ctx") or {}
    entry = ctx.get("entry", "")
    if err["type"] == "invalid_key":  # a key that is not text: the mapping holding it is the place
        loc = loc[:-1]
    if len(loc) >= 2 and isinstance(loc[1], int):
        item = data[loc[0]][loc[1]]
        ident = item.get("id") if isinstance(item, dict) else None
        entry = ident if isinstance(ident, str) and re.fullmatch(_ID, ident) else f"{loc[0]}[{loc[1]}]"
        loc = loc[2:]
    field = ".".join(filter(None, [_path(loc), ctx.get("field")]))  # a validator's field: a path already
    return RecordError(label, entry, field, _problem(err, model, err["loc"]))


def _path(loc: list) -> str:
    """``claims[0].own_killed``; a name that is not a plain word is quoted (``'own killed'``)."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            name = part if re.fullmatch(_ID, part) else shown(part)
            out += f".{name}" if out else name
    return out


def _problem(err: dict, model: type[BaseModel], loc: tuple) -> str:
    kind, value = err["type"], err.get("input")
    if kind == "record":
        return err["msg"]
    parent, info = _field_at(model, loc)
    if kind == "missing":
        required = [n for n, f in parent.model_fields.items() if f.is_required()]
        return f"missing required field; required: {', '.join(required)}"
    if kind == "invalid_key":
        names = _field_at(model, loc[:-1])[0].model_fields
        return f"key {shown(value)} is not a field name; allowed: {', '.join(names)}"
    if kind == "extra_forbidden":
        return f"unknown field; allowed: {', '.join(parent.model_fields)}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"expected a mapping of fields, got {type(value).__name__}"
    if info is None:
        return f"{shown(value)} is not allowed; {err['msg']}"
    allowed, nullable, what = _allowed(info, bool(loc) and isinstance(loc[-1], int))
    if allowed:
        return f"{shown(value)} is not allowed; allowed: {', '.join(allowed)}" + (", null" if nullable else "")
    return f"{shown(value)} is not allowed; expected {what}" + (" or null" if nullable and "null" not in what else "")


def _allowed(info: FieldInfo, item: bool) -> tuple[list[str], bool, str]:
    """What a field (``item``: an item of a list field) allows: its literal values (if it has a fixed
    set), whether it may be null, and its description."""
    tp, metadata = info.annotation, [info]
    if item:  # tuple[X, ...] (or X | None of it): X
        tp = _unwrap(tp, [])[0]
        tp = next((a for a in get_args(tp) if get_origin(a) is tuple), tp)
        tp, metadata = get_args(tp)[0], []
    tp, metadata = _unwrap(tp, metadata)
    nullable = type(None) in get_args(tp)
    if nullable:
        tp, metadata = _unwrap(next(a for a in get_args(tp) if a is not type(None)), metadata)
    literal = [str(a) for a in get_args(tp)] if get_origin(tp) is Literal else []
    described = [m.description for m in metadata if isinstance(m, FieldInfo) and m.description]
    return literal, nullable, described[-1] if described else "a value of the field's type"


def _unwrap(tp: Any, metadata: list) -> tuple[Any, list]:
    """``Annotated[X, ...]`` -> X, with its metadata added to ``metadata``."""
    while get_origin(tp) is Annotated:
        metadata = [*metadata, *tp.__metadata__]
        tp = get_args(tp)[0]
    return tp, metadata


def _field_at(model: type[BaseModel], loc: tuple) -> tuple[type[BaseModel], FieldInfo | None]:
    """The model holding the last named field of ``loc``, and that field (None if ``loc`` ends on a
    model: the error is the whole entry's)."""
    parent, info, tp = model, None, model
    for part in loc:
        if isinstance(part, int):
            tp = _inner(tp)
        elif isinstance(tp, type) and issubclass(tp, BaseModel):
            parent, info = tp, tp.model_fields.get(part)
            if info is None:
                break
            tp = _inner(info.annotation)
        else:
            break
    if isinstance(tp, type) and issubclass(tp, BaseModel) and loc and isinstance(loc[-1], int):
        return tp, None
    return parent, info


def _inner(tp: Any) -> Any:
    """The model or item type inside ``X | None``, ``tuple[X, ...]`` and ``Annotated[X, ...]``."""
    while True:
        if get_origin(tp) is Annotated:
            tp = get_args(tp)[0]
            continue
        args = [a for a in get_args(tp) if a is not type(None) and a is not Ellipsis]
        if get_origin(tp) in (tuple, list) or (args and len(args) < len(get_args(tp))):
            tp = args[0]
            continue
        return tp


# --- JSON Schema ----------------------------------------------------------------------------------


def json_schema(kind: str) -> str:
    """The JSON Schema (draft 2020-12) of a file of ``kind`` (:data:`FILE_MODELS`), as committed."""
    schema = FILE_MODELS[kind].model_json_schema(mode="validation")
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
