"""The historical record of September 2022: a typed, validating loader for ``seeds/*.yaml``.

Four files make the record (default directory: ``<repo>/seeds``):

- ``events.yaml``  — dated events; violations carry each side's own claim (:class:`Claim`),
  the ceasefire carries every source's claim of its time (:class:`TimeClaim`);
- ``sectors.yaml`` — border sectors north to south, with symmetric adjacency;
- ``ladder.yaml``  — weapon id -> escalation tier (1 small arms ... 4 artillery/drones);
- ``context.yaml`` — background facts with sources.

Conventions:

- Times are timezone-aware (local time is UTC+04:00 on both sides, :data:`LOCAL_TZ`).
- ``null`` in a claim means "the claim does not say"; it is kept as ``None`` here. Claim keys are
  all required so that "not stated" is always a deliberate ``null``, never a forgotten field.
- A weapon the claim does not name is the ladder id ``unspecified`` (tier 1).

Every problem raises :class:`RecordError` with one line:
``<file>: <entry id>: <field>: <what is wrong; what is allowed>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

from sim.common import resources

SIDES = ("ARM", "AZE")
KINDS = ("flare_up", "truce", "ceasefire", "violation", "mediation", "monitoring", "statement")
MEDIATORS = ("Russia", "CSTO", "EU", "US")
PUBLIC = "public reporting"
LOCAL_TZ = timezone(timedelta(hours=4))  # Armenia and Azerbaijan, UTC+4 (003: 07:40 local = 03:40 GMT)
FILES = ("events.yaml", "sectors.yaml", "ladder.yaml", "context.yaml")
DEFAULT_SEEDS = resources.SEEDS_DIR  # <repo>/seeds, or the installed copy (sim/common/resources.py)
_ARTICLE = re.compile(r"^\d{3}_[0-9a-f]{16}\.txt$")


class RecordError(Exception):
    """A bad record. ``str(err)`` is one line: ``<file>: <entry id>: <field>: <problem; allowed>``; an
    empty entry or field is left out (a file read on its own names no place in a record folder)."""

    def __init__(self, file: str, entry: str, field_: str, problem: str):
        self.file, self.entry, self.field = file, entry, field_
        where = ": ".join(part for part in (file, entry, field_) if part)
        super().__init__(" ".join(f"{where}: {problem}".split()))


# --- the record ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sector:
    """A stretch of the state border, named from both sides."""

    id: str
    name: str
    arm_direction: str
    aze_direction: str
    adjacent: tuple[str, ...]
    source: str
    note: str | None = None


@dataclass(frozen=True)
class Claim:
    """One side's own account of an incident, from one source. ``None`` = the claim does not say."""

    side: str  # ARM or AZE: whose account this is
    source: str  # article file name or "public reporting"
    claimant: str  # e.g. "Armenian Defence Ministry"
    fired_first: str | None  # whom the claim blames for opening fire
    location: str  # as named
    sectors: tuple[str, ...]  # sector ids the location maps to (empty = not identifiable)
    time: datetime | None  # timezone-aware start of the incident per this claim
    time_approx: bool  # "around midnight", "around 6 p.m."
    weapons: tuple[str, ...]  # ladder ids
    weapons_as_named: str
    duration_hours: float | None  # hours
    own_killed: int | None  # the claiming side's own soldiers killed
    own_wounded: int | None  # the claiming side's own soldiers wounded
    retaliated: bool | None  # does the claim say this side fired back
    weapon_tiers: tuple[int, ...] = ()  # ladder tier of each weapon, filled by the loader
    enemy_killed: int | None = None  # a claim about the other side's losses, not a count
    note: str | None = None

    def __post_init__(self):
        if len(self.weapon_tiers) != len(self.weapons):
            raise ValueError("Claim.weapon_tiers must give one tier per weapon")

    @property
    def tier(self) -> int:
        """Highest ladder tier among the weapons named (0 if none named)."""
        return max(self.weapon_tiers, default=0)


@dataclass(frozen=True)
class TimeClaim:
    """One source's statement of when something (the ceasefire) happened."""

    source: str
    date: date
    time: datetime | None  # None: the source gives the date only
    time_approx: bool
    as_stated: str  # the source's wording, short
    note: str | None = None

    @property
    def start(self) -> datetime:
        """``time``, or local midnight of ``date`` when the source gives no time of day."""
        return self.time or datetime.combine(self.date, time(0), LOCAL_TZ)


@dataclass(frozen=True)
class Event:
    """A dated event. Violations carry claims; the ceasefire carries time claims."""

    id: str
    kind: str  # one of KINDS
    date: date | None  # None only with when_as_stated (e.g. "earlier in 2022")
    date_approx: bool
    time: datetime | None  # timezone-aware start, if the event itself has one
    time_approx: bool
    end: datetime | None
    when_as_stated: str | None
    sources: tuple[str, ...]
    summary: str  # our own words
    claims: tuple[Claim, ...] = ()
    time_claims: tuple[TimeClaim, ...] = ()
    mediator: str | None = None  # Russia | CSTO | EU | US: who mediated, brokered or sent monitors
    side: str | None = None  # for statements: whose
    place: str | None = None
    note: str | None = None
    references: tuple[str, ...] = ()  # where the facts come from (outlet, date, title), in detail
    personnel: int | None = None  # monitoring missions: monitors deployed
    outside_sectors: bool = False  # on the state border, but outside the modelled sectors

    @property
    def start(self) -> datetime | None:
        """Earliest known time: the event's own, its claims', its time claims', else local midnight of
        ``date``; None when undated."""
        times = [t for t in [self.time, *(c.time for c in self.claims), *(c.start for c in self.time_claims)] if t]
        if times:
            return min(times)
        return datetime.combine(self.date, time(0), LOCAL_TZ) if self.date else None


@dataclass(frozen=True)
class ContextFact:
    """A background fact with its sources; ``value`` in ``unit`` when the fact has a figure."""

    id: str
    topic: str
    text: str
    sources: tuple[str, ...]
    about: str | None = None
    value: float | None = None
    unit: str | None = None
    approx: bool = False
    event: str | None = None


@dataclass(frozen=True)
class Record:
    """The whole record. Events are in time order (undated events first)."""

    events: tuple[Event, ...]
    sectors: tuple[Sector, ...]
    ladder: dict[str, int]
    context: tuple[ContextFact, ...]
    files: tuple[Path, ...] = field(default=())

    def sector_ids(self) -> tuple[str, ...]:
        """Sector ids, north to south."""
        return tuple(s.id for s in self.sectors)

    def adjacency(self) -> dict[str, tuple[str, ...]]:
        """Sector id -> adjacent sector ids."""
        return {s.id: s.adjacent for s in self.sectors}

    def violations(self) -> tuple[Event, ...]:
        """Violation events in time order (by earliest claimed time)."""
        return tuple(e for e in self.events if e.kind == "violation")

    def mediation_events(self) -> tuple[Event, ...]:
        """Events with a mediator (talks, visits, and truces/ceasefires it brokered), in time order."""
        return tuple(e for e in self.events if e.mediator)

    def ceasefire(self) -> Event:
        """The ceasefire event (the loader guarantees exactly one)."""
        return next(e for e in self.events if e.kind == "ceasefire")

    def ceasefire_claims(self) -> tuple[TimeClaim, ...]:
        """Every source's claim of the ceasefire's time, as recorded (never merged)."""
        return self.ceasefire().time_claims

    def ceasefire_time(self, source: str = PUBLIC) -> datetime:
        """The ceasefire's time per ``source`` (local midnight if that source gives a date only)."""
        for c in self.ceasefire_claims():
            if c.source == source:
                return c.start
        known = ", ".join(c.source for c in self.ceasefire_claims())
        raise RecordError(
            "events.yaml", self.ceasefire().id, "time_claims", f"no claim from source {source!r}; sources: {known}"
        )

    def flareup_losses(self) -> dict[str, tuple[int, int]]:
        """Side -> (own killed, own wounded) per that side's own claim about the flare-up.
        ``None`` (not stated) counts as 0."""
        out: dict[str, tuple[int, int]] = {}
        for e in self.events:
            if e.kind == "flare_up":
                for c in e.claims:
                    out[c.side] = (c.own_killed or 0, c.own_wounded or 0)
        return out


# --- loading ------------------------------------------------------------------------------------


def load_record(record_dir: str | Path | None = None) -> Record:
    """Load and validate the record in ``record_dir`` (default ``<repo>/seeds``).

    Raises :class:`RecordError` (one line) on any problem: a missing file, malformed YAML, a missing
    or ill-typed field, an unknown side, sector or weapon, asymmetric adjacency, duplicate ids.
    """
    root = Path(record_dir) if record_dir is not None else DEFAULT_SEEDS
    if not root.is_dir():
        found = "is a file, not a folder" if root.exists() else "no such folder"
        raise RecordError(_label(root), "", "", f"{found}; expected a record folder holding {', '.join(FILES)}")
    docs = {name: _read(root / name) for name in FILES}
    ladder = _load_ladder(docs["ladder.yaml"])
    sectors = _load_sectors(docs["sectors.yaml"])
    events = _load_events(docs["events.yaml"], {s.id for s in sectors}, ladder)
    context = _load_context(docs["context.yaml"], {e.id for e in events})
    undated = datetime.min.replace(tzinfo=timezone.utc)
    events = sorted(events, key=lambda e: e.start or undated)
    return Record(tuple(events), tuple(sectors), ladder, tuple(context), tuple(root / n for n in FILES))


def _label(path: Path) -> str:
    try:
        return str(path.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


@dataclass
class _Doc:
    label: str  # file name as shown in errors
    items: list


_TOP = {"events.yaml": "events", "sectors.yaml": "sectors", "ladder.yaml": "ladder", "context.yaml": "context"}


def _read(path: Path, key: str | None = None, alone: bool = False) -> _Doc:
    """Read one seeds file strictly (:mod:`sim.common.yamlfile`): a repeated key, binary or non-UTF-8
    content, nesting deeper than :data:`sim.common.yamlfile.MAX_DEPTH` or a number no float can hold is a
    one-line :class:`RecordError` naming the file. ``alone``: a file given on its own, not one of a
    record folder."""
    from sim.common.yamlfile import YamlFileError, load

    label, key = _label(path), key or _TOP[path.name]
    none = "" if alone else "-"  # a file of a record folder names its place in it
    if not path.is_file():
        if alone:
            found = "is a folder" if path.is_dir() else "file not found"
            raise RecordError(label, "", "", f"{found}; expected a YAML file with a list under {key!r}, as events.yaml")
        raise RecordError(label, "-", "-", f"file not found; the seeds directory must hold {', '.join(FILES)}")
    try:
        data = load(path, "safe", name=label)
    except YamlFileError as exc:
        raise RecordError(
            label, none, exc.key or none, exc.problem.removeprefix(f"{exc.key}: ") if exc.key else exc.problem
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        raise RecordError(label, none, key, f"missing top-level list; expected a mapping with a list under {key!r}")
    return _Doc(label, data[key])


class _Entry:
    """Typed access to one mapping of the YAML, raising one-line RecordErrors."""

    def __init__(
        self, file: str, entry: str, data: Any, required: tuple[str, ...], optional: dict[str, Any], prefix: str = ""
    ):
        self.file, self.entry, self.prefix = file, entry, prefix
        if not isinstance(data, dict):
            raise RecordError(
                file, entry, prefix.rstrip(".") or "-", f"expected a mapping of fields, got {type(data).__name__}"
            )
        for key in required:
            if key not in data:
                raise self.error(key, f"missing required field; required: {', '.join(required)}")
        allowed = (*required, *optional)
        for key in data:
            if key not in allowed:
                raise self.error(str(key), f"unknown field; allowed: {', '.join(allowed)}")
        self.data = {**optional, **data}

    def error(self, key: str, problem: str) -> RecordError:
        return RecordError(self.file, self.entry, self.prefix + key, problem)

    def text(self, key: str, nullable: bool = False) -> str | None:
        v = self.data[key]
        if v is None and nullable:
            return None
        if not isinstance(v, str) or (not v.strip() and not nullable and key != "weapons_as_named"):
            raise self.error(key, f"{v!r} is not a non-empty string; expected text")
        return v.strip()

    def choice(self, key: str, allowed: tuple[str, ...], nullable: bool = False) -> str | None:
        v = self.data[key]
        if v is None and nullable:
            return None
        if v not in allowed:
            raise self.error(
                key, f"{v!r} is not allowed; allowed: {', '.join(allowed)}" + (", null" if nullable else "")
            )
        return v

    def flag(self, key: str, nullable: bool = False) -> bool | None:
        v = self.data[key]
        if v is None and nullable:
            return None
        if not isinstance(v, bool):
            raise self.error(key, f"{v!r} is not a boolean; expected true or false" + (" or null" if nullable else ""))
        return v

    def count(self, key: str, nullable: bool = True) -> int | None:
        v = self.data[key]
        if v is None and nullable:
            return None
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise self.error(
                key,
                f"{v!r} is not allowed; expected a whole number >= 0" + (" or null (not stated)" if nullable else ""),
            )
        return v

    def number(self, key: str) -> float | None:
        v = self.data[key]
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
            raise self.error(key, f"{v!r} is not allowed; expected a number >= 0 or null")
        return float(v)

    def source(self, key: str = "source") -> str:
        v = self.data[key]
        if not isinstance(v, str) or not (v == PUBLIC or _ARTICLE.match(v)):
            raise self.error(
                key,
                f"{v!r} is not a source; expected an article file name (e.g. 000_f6d714250b8b91e2.txt) or {PUBLIC!r}",
            )
        return v

    def sources(self, key: str = "sources") -> tuple[str, ...]:
        v = self.data[key]
        if not isinstance(v, list) or not v:
            raise self.error(key, f"{v!r} is not allowed; expected a non-empty list of sources")
        out = []
        for i, s in enumerate(v):
            if not isinstance(s, str) or not (s == PUBLIC or _ARTICLE.match(s)):
                raise self.error(
                    f"{key}[{i}]",
                    f"{s!r} is not a source; expected an article file name "
                    f"(e.g. 000_f6d714250b8b91e2.txt) or {PUBLIC!r}",
                )
            out.append(s)
        return tuple(out)

    def ids(self, key: str, known: set[str] | dict, what: str) -> tuple[str, ...]:
        v = self.data[key]
        if not isinstance(v, list):
            raise self.error(key, f"{v!r} is not a list; expected a list of {what} ids")
        for x in v:
            if not isinstance(x, str) or x not in known:
                raise self.error(key, f"unknown {what} {x!r}; allowed: {', '.join(known)}")
        return tuple(v)

    def when(self, key: str) -> datetime | None:
        """A timezone-aware datetime (YAML timestamp or ISO 8601 string) or None."""
        v = self.data[key]
        if v is None:
            return None
        if isinstance(v, str):
            try:
                v = datetime.fromisoformat(v)
            except ValueError:
                v = None
        if not isinstance(v, datetime):
            raise self.error(
                key,
                f"{self.data[key]!r} is not a date-time; expected ISO 8601 with offset, "
                "e.g. 2022-09-23T07:40:00+04:00, or null",
            )
        if v.tzinfo is None:
            raise self.error(key, f"{self.data[key]!r} has no UTC offset; expected e.g. 2022-09-23T07:40:00+04:00")
        return v

    def day(self, key: str) -> date | None:
        v = self.data[key]
        if v is None:
            return None
        if isinstance(v, str):
            try:
                v = date.fromisoformat(v)
            except ValueError:
                v = None
        if not isinstance(v, date) or isinstance(v, datetime):
            raise self.error(key, f"{self.data[key]!r} is not a date; expected YYYY-MM-DD or null")
        return v


def _entries(doc: _Doc, top: str):
    """Yield (id, mapping) for each entry, checking that ids are present, well formed and unique."""
    seen: set[str] = set()
    for i, item in enumerate(doc.items):
        where = f"{top}[{i}]"
        if not isinstance(item, dict):
            raise RecordError(doc.label, where, "-", f"expected a mapping of fields, got {type(item).__name__}")
        v = item.get("id")
        if not isinstance(v, str) or not re.fullmatch(r"[A-Za-z0-9_]+", v):
            raise RecordError(doc.label, where, "id", f"{v!r} is missing or not an id; expected letters, digits, _")
        if v in seen:
            raise RecordError(doc.label, v, "id", "duplicate id; ids must be unique within the file")
        seen.add(v)
        yield v, item


def _load_ladder(doc: _Doc) -> dict[str, int]:
    ladder = {}
    for eid, item in _entries(doc, "ladder"):
        e = _Entry(doc.label, eid, item, ("id", "tier", "source"), {"note": None})
        tier = e.count("tier", nullable=False)
        if tier < 1:
            raise e.error("tier", f"{tier!r} is not allowed; expected a whole number >= 1")
        e.source()
        ladder[eid] = tier
    if not ladder:
        raise RecordError(doc.label, "-", "ladder", "empty; expected at least one weapon")
    return ladder


def _load_sectors(doc: _Doc) -> list[Sector]:
    sectors = []
    for eid, item in _entries(doc, "sectors"):
        e = _Entry(
            doc.label, eid, item, ("id", "name", "arm_direction", "aze_direction", "adjacent", "source"), {"note": None}
        )
        adjacent = e.data["adjacent"]
        if not isinstance(adjacent, list) or not all(isinstance(a, str) for a in adjacent):
            raise e.error("adjacent", f"{adjacent!r} is not a list of sector ids")
        sectors.append(
            Sector(
                eid,
                e.text("name"),
                e.text("arm_direction"),
                e.text("aze_direction"),
                tuple(adjacent),
                e.source(),
                e.text("note", nullable=True),
            )
        )
    ids = [s.id for s in sectors]
    if not ids:
        raise RecordError(doc.label, "-", "sectors", "empty; expected at least one sector")
    adj = {s.id: s.adjacent for s in sectors}
    for s in sectors:
        for a in s.adjacent:
            if a not in adj:
                raise RecordError(doc.label, s.id, "adjacent", f"unknown sector {a!r}; allowed: {', '.join(ids)}")
            if a == s.id:
                raise RecordError(doc.label, s.id, "adjacent", "a sector cannot be adjacent to itself")
            if s.id not in adj[a]:
                raise RecordError(
                    doc.label,
                    s.id,
                    "adjacent",
                    f"not symmetric: {s.id} lists {a} but {a} does not list {s.id}; adjacency must be symmetric",
                )
    return sectors


_CLAIM_REQUIRED = (
    "side",
    "source",
    "claimant",
    "fired_first",
    "location",
    "sectors",
    "time",
    "weapons",
    "weapons_as_named",
    "own_killed",
    "own_wounded",
    "retaliated",
)
_CLAIM_OPTIONAL = {"time_approx": False, "duration_hours": None, "enemy_killed": None, "note": None}
_EVENT_OPTIONAL = {
    "date_approx": False,
    "time": None,
    "time_approx": False,
    "end": None,
    "when_as_stated": None,
    "claims": [],
    "time_claims": [],
    "mediator": None,
    "side": None,
    "place": None,
    "note": None,
    "references": [],
    "personnel": None,
    "outside_sectors": False,
}


def _load_events(
    doc: _Doc, sector_ids: set[str], ladder: dict[str, int], ceasefires: tuple[int, ...] = (1,)
) -> list[Event]:
    """The events of one file; ``ceasefires``: how many ceasefire events it may hold."""
    events = []
    for eid, item in _entries(doc, "events"):
        e = _Entry(doc.label, eid, item, ("id", "kind", "date", "sources", "summary"), _EVENT_OPTIONAL)
        kind = e.choice("kind", KINDS)
        sources = e.sources()
        day, when_as_stated = e.day("date"), e.text("when_as_stated", nullable=True)
        if day is None and not when_as_stated:
            raise e.error("date", "null without when_as_stated; give a date or the source's wording")
        start, end = e.when("time"), e.when("end")
        if start and day and start.astimezone(LOCAL_TZ).date() != day:
            raise e.error("time", f"{start.isoformat()} falls on another local day than date {day}")
        if start and end and end < start:
            raise e.error("end", f"{end.isoformat()} is before time {start.isoformat()}")
        mediator = e.choice("mediator", MEDIATORS, nullable=True)
        if kind in ("mediation", "monitoring") and mediator is None:
            raise e.error("mediator", f"missing for a {kind} event; allowed: {', '.join(MEDIATORS)}")
        personnel = e.count("personnel")
        if kind == "monitoring" and not personnel:
            raise e.error(
                "personnel",
                f"{personnel!r} is not allowed for a monitoring event; expected the "
                "number of monitors, a whole number >= 1",
            )
        claims = tuple(
            _claim(doc.label, eid, i, c, sources, sector_ids, ladder) for i, c in enumerate(_list(e, "claims"))
        )
        time_claims = tuple(_time_claim(doc.label, eid, i, c, sources) for i, c in enumerate(_list(e, "time_claims")))
        if kind == "violation" and not claims:
            raise e.error("claims", "empty; a violation needs at least one side's claim")
        if kind == "violation" and day is None and not any(c.time for c in claims):
            raise e.error("date", "null and no claim gives a time; a violation needs a date")
        if kind == "ceasefire" and not time_claims:
            raise e.error("time_claims", "empty; the ceasefire needs at least one source's claim of its time")
        events.append(
            Event(
                eid,
                kind,
                day,
                e.flag("date_approx"),
                start,
                e.flag("time_approx"),
                end,
                when_as_stated,
                sources,
                e.text("summary"),
                claims,
                time_claims,
                mediator,
                e.choice("side", SIDES, nullable=True),
                e.text("place", nullable=True),
                e.text("note", nullable=True),
                _references(e),
                personnel,
                e.flag("outside_sectors"),
            )
        )
    n = sum(ev.kind == "ceasefire" for ev in events)
    if n not in ceasefires:
        expected = "exactly one" if ceasefires == (1,) else "at most one"
        raise RecordError(doc.label, "-", "kind", f"{n} ceasefire events; expected {expected}")
    return events


def _references(e: _Entry) -> tuple[str, ...]:
    v = e.data["references"]
    if not isinstance(v, list) or not all(isinstance(x, str) and x.strip() for x in v):
        raise e.error("references", f"{v!r} is not allowed; expected a list of non-empty strings (outlet, date, title)")
    return tuple(x.strip() for x in v)


def load_events_file(path: str | Path, record: Record) -> tuple[Event, ...]:
    """Load a further events file (e.g. the validation record) with the same schema and checks as
    ``events.yaml``, against ``record``'s sectors and weapon ladder; it holds no ceasefire or one.
    Events come in time order. Raises :class:`RecordError` (one line naming the file) on any problem."""
    path = Path(path)
    doc = _read(path, "events", alone=True)
    events = _load_events(doc, set(record.sector_ids()), record.ladder, ceasefires=(0, 1))
    undated = datetime.min.replace(tzinfo=timezone.utc)
    return tuple(sorted(events, key=lambda ev: ev.start or undated))


def _list(e: _Entry, key: str) -> list:
    v = e.data[key]
    if not isinstance(v, list):
        raise e.error(key, f"{v!r} is not a list; expected a list of mappings")
    return v


def _claim(
    file: str, eid: str, i: int, item: Any, event_sources: tuple[str, ...], sector_ids: set[str], ladder: dict[str, int]
) -> Claim:
    c = _Entry(file, eid, item, _CLAIM_REQUIRED, _CLAIM_OPTIONAL, prefix=f"claims[{i}].")
    source = c.source()
    if source not in event_sources:
        raise c.error("source", f"{source!r} is not among the event's sources; allowed: {', '.join(event_sources)}")
    weapons = c.ids("weapons", ladder, "weapon")
    return Claim(
        side=c.choice("side", SIDES),
        source=source,
        claimant=c.text("claimant"),
        fired_first=c.choice("fired_first", SIDES, nullable=True),
        location=c.text("location"),
        sectors=c.ids("sectors", sector_ids, "sector"),
        time=c.when("time"),
        time_approx=c.flag("time_approx"),
        weapons=weapons,
        weapons_as_named=c.text("weapons_as_named"),
        duration_hours=c.number("duration_hours"),
        own_killed=c.count("own_killed"),
        own_wounded=c.count("own_wounded"),
        retaliated=c.flag("retaliated", nullable=True),
        weapon_tiers=tuple(ladder[w] for w in weapons),
        enemy_killed=c.count("enemy_killed"),
        note=c.text("note", nullable=True),
    )


def _time_claim(file: str, eid: str, i: int, item: Any, event_sources: tuple[str, ...]) -> TimeClaim:
    c = _Entry(
        file,
        eid,
        item,
        ("source", "date", "as_stated"),
        {"time": None, "time_approx": False, "note": None},
        prefix=f"time_claims[{i}].",
    )
    source = c.source()
    if source not in event_sources:
        raise c.error("source", f"{source!r} is not among the event's sources; allowed: {', '.join(event_sources)}")
    day, when = c.day("date"), c.when("time")
    if day is None:
        raise c.error("date", "null; expected YYYY-MM-DD")
    if when and when.astimezone(LOCAL_TZ).date() != day:
        raise c.error("time", f"{when.isoformat()} falls on another local day than date {day}")
    return TimeClaim(source, day, when, c.flag("time_approx"), c.text("as_stated"), c.text("note", nullable=True))


def _load_context(doc: _Doc, event_ids: set[str]) -> list[ContextFact]:
    facts = []
    for eid, item in _entries(doc, "context"):
        e = _Entry(
            doc.label,
            eid,
            item,
            ("id", "topic", "text", "sources"),
            {"about": None, "value": None, "unit": None, "approx": False, "event": None},
        )
        about = e.text("about", nullable=True)
        if e.data["topic"] == "mediator" and about is not None:
            e.choice("about", MEDIATORS)
        event = e.text("event", nullable=True)
        if event is not None and event not in event_ids:
            raise e.error("event", f"unknown event {event!r}; expected an id from events.yaml")
        facts.append(
            ContextFact(
                eid,
                e.text("topic"),
                e.text("text"),
                e.sources(),
                about,
                e.number("value"),
                e.text("unit", nullable=True),
                e.flag("approx"),
                event,
            )
        )
    return facts
