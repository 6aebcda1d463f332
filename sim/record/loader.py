"""The historical record of September 2022: a typed, validating loader for ``seeds/*.yaml``.

Four files make the record (default directory: ``<repo>/seeds``):

- ``events.yaml``  — dated events; incidents carry each side's own claim (:class:`Claim`),
  the ceasefire carries every source's claim of its time (:class:`TimeClaim`);
- ``sectors.yaml`` — border sectors north to south, with symmetric adjacency;
- ``ladder.yaml``  — weapon id -> escalation tier (1 small arms ... 4 artillery/drones);
- ``context.yaml`` — background facts with sources.

Their schema (the entries' types, what each field allows, the checks across fields and files) is
:mod:`sim.record.schema`; this module reads the files and checks what one file cannot: the sectors
and weapons an events file names, the events a context fact cites.

Conventions:

- Times are timezone-aware (local time is UTC+04:00 on both sides, :data:`LOCAL_TZ`).
- ``null`` in a claim means "the claim does not say"; it is kept as ``None`` here. Claim keys are
  all required so that "not stated" is always a deliberate ``null``, never a forgotten field.
- A weapon the claim does not name is the ladder id ``unspecified`` (tier 1).

Every problem raises :class:`RecordError` with one line:
``<file>: <entry id>: <field>: <what is wrong; what is allowed>`` (a part that is not known is left out).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sim.common import resources
from sim.record.schema import (
    KINDS,
    LOCAL_TZ,
    MEDIATORS,
    PUBLIC,
    SIDES,
    Claim,
    ContextFact,
    ContextFile,
    Event,
    EventsFile,
    LadderFile,
    RecordError,
    Regime,
    Sector,
    SectorsFile,
    TimeClaim,
    validate,
)

__all__ = [
    "DEFAULT_SEEDS",
    "FILES",
    "KINDS",
    "LOCAL_TZ",
    "MEDIATORS",
    "PUBLIC",
    "SIDES",
    "Claim",
    "ContextFact",
    "Event",
    "Record",
    "RecordError",
    "Regime",
    "Sector",
    "TimeClaim",
    "load_events_file",
    "load_record",
]

FILES = ("events.yaml", "sectors.yaml", "ladder.yaml", "context.yaml")
DEFAULT_SEEDS = resources.SEEDS_DIR  # <repo>/seeds, or the installed copy (sim/common/resources.py)
_UNDATED = datetime.min.replace(tzinfo=timezone.utc)  # undated events sort first


# --- the record ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Record:
    """The whole record. Events are in time order (undated events first)."""

    events: tuple[Event, ...]
    sectors: tuple[Sector, ...]
    ladder: dict[str, int]
    context: tuple[ContextFact, ...]
    files: tuple[Path, ...] = field(default=())
    regimes: tuple[Regime, ...] = ()  # the mediation settings in force, in time order (the history has them)

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
    missing = [name for name in FILES if not (root / name).is_file()]
    if missing:
        raise RecordError(
            _label(root / missing[0]), "", "", f"file not found; a record folder holds {', '.join(FILES)}"
        )
    ladder = load_ladder(root / "ladder.yaml")
    sectors = load_sectors(root / "sectors.yaml")
    events = read_events(root / "events.yaml", sectors, ladder, ceasefires=(1,))
    facts = validate(ContextFile, _read(root / "context.yaml"), _label(root / "context.yaml"), {"events": events.ids})
    return Record(
        events.events,
        sectors,
        ladder,
        facts.context,
        tuple(root / n for n in FILES),
        events.regimes,
    )


def _label(path: Path) -> str:
    from sim.common.yamlfile import label

    return label(path)


def _read(path: Path) -> Any:
    """A seeds file's parsed YAML, read strictly (:mod:`sim.common.yamlfile`): a missing file, a
    repeated key, binary or non-UTF-8 content, nesting deeper than
    :data:`sim.common.yamlfile.MAX_DEPTH` or a number no float can hold is a one-line
    :class:`RecordError` naming the file."""
    from sim.common.yamlfile import YamlFileError, load

    label = _label(path)
    try:
        return load(path, "safe", name=label)
    except YamlFileError as exc:
        field_ = exc.key or ""
        problem = exc.problem.removeprefix(f"{exc.key}: ") if exc.key else exc.problem
        if problem == "file not found":
            problem += "; expected a YAML file"
        raise RecordError(label, "", field_, problem) from None


def load_ladder(path: Path) -> dict[str, int]:
    """A ladder file (weapon id -> tier); :class:`RecordError` on any problem."""
    return {w.id: w.tier for w in validate(LadderFile, _read(path), _label(path)).ladder}


def load_sectors(path: Path) -> tuple[Sector, ...]:
    """A sectors file, north to south; :class:`RecordError` on any problem."""
    return validate(SectorsFile, _read(path), _label(path)).sectors


@dataclass(frozen=True)
class EventsRead:
    """An events file as read: its events in time order (undated first), its regimes, its ids."""

    events: tuple[Event, ...]
    regimes: tuple[Regime, ...]
    ids: tuple[str, ...]


def read_events(
    path: Path, sectors: tuple[Sector, ...], ladder: dict[str, int], ceasefires: tuple[int, ...] | None = None
) -> EventsRead:
    """An events file checked against ``sectors`` and ``ladder``; ``ceasefires``: how many ceasefire
    events it may hold (None: any number). :class:`RecordError` on any problem."""
    context = {"sectors": tuple(s.id for s in sectors), "ladder": ladder, "ceasefires": ceasefires}
    data = validate(EventsFile, _read(path), _label(path), context)
    events = tuple(sorted(data.events, key=lambda e: e.start or _UNDATED))
    return EventsRead(events, data.regimes, tuple(e.id for e in data.events))


def load_events_file(path: str | Path, record: Record) -> tuple[Event, ...]:
    """Load a further events file (e.g. the validation record) with the same schema and checks as
    ``events.yaml``, against ``record``'s sectors and weapon ladder; it holds no ceasefire or one.
    Events come in time order. Raises :class:`RecordError` (one line naming the file) on any problem."""
    return read_events(Path(path), record.sectors, record.ladder, ceasefires=(0, 1)).events
