"""The validation record: it loads with the calibration record's loader, and bad files get one line."""

from pathlib import Path

import pytest
import yaml

from sim.record.loader import RecordError, load_events_file, load_record
from sim.record.patterns import episodes_from_events
from validation.run import DEFAULT_VALIDATION_RECORD


@pytest.fixture(scope="module")
def record():
    return load_record()


def test_the_committed_validation_record_loads(record):
    events = load_events_file(DEFAULT_VALIDATION_RECORD, record)
    kinds = {e.kind for e in events}
    assert {"violation", "mediation", "monitoring"} <= kinds
    assert all(e.references for e in events), "every validation event names where its facts come from"
    violations = [e for e in events if e.kind == "violation"]
    assert all(str(e.date) >= "2022-09-29" and str(e.date) <= "2022-12-31" for e in violations)
    mission = next(e for e in events if e.kind == "monitoring")
    assert mission.mediator == "EU" and mission.personnel == 40 and mission.end is not None
    # each side's claims stay apart: never two claims of one side from one source in one event
    for e in violations:
        keys = [(c.side, c.source) for c in e.claims]
        assert len(keys) == len(set(keys))


def test_nothing_of_it_feeds_the_calibration(record):
    ids = {e.id for e in load_events_file(DEFAULT_VALIDATION_RECORD, record)}
    assert not ids & {e.id for e in record.events}


VIOLATION = {
    "id": "v1",
    "kind": "violation",
    "date": "2022-10-10",
    "sources": ["public reporting"],
    "references": ["Outlet, 2022-10-10, a title"],
    "summary": "An exchange of fire.",
    "claims": [
        {
            "side": "ARM",
            "source": "public reporting",
            "claimant": "Armenian Defence Ministry",
            "fired_first": "AZE",
            "location": "near Sotk",
            "sectors": ["sotk"],
            "time": None,
            "weapons": ["small_arms"],
            "weapons_as_named": "small arms",
            "own_killed": 1,
            "own_wounded": None,
            "retaliated": True,
        }
    ],
}
MISSION = {
    "id": "m1",
    "kind": "monitoring",
    "mediator": "EU",
    "date": "2022-10-20",
    "personnel": 40,
    "sources": ["public reporting"],
    "summary": "Monitors deploy.",
}


def write(tmp_path: Path, events) -> Path:
    path = tmp_path / "my_validation.yaml"
    path.write_text(yaml.safe_dump({"events": events}))
    return path


def test_a_researchers_own_file_in_the_same_schema(tmp_path, record):
    events = load_events_file(write(tmp_path, [VIOLATION, MISSION]), record)
    [ep] = episodes_from_events(events, record.ceasefire_time())
    assert ep.killed == {"ARM": 1, "AZE": 0}


def with_(base: dict, **changes) -> dict:
    return {**base, **changes}


@pytest.mark.parametrize(
    "events,field,problem",
    [
        ([with_(MISSION, personnel=None)], "personnel", "number of monitors"),
        ([with_(MISSION, personnel=-3)], "personnel", "whole number"),
        ([with_(MISSION, mediator=None)], "mediator", "missing for a monitoring event"),
        ([with_(VIOLATION, kind="skirmish")], "kind", "allowed: flare_up"),
        ([with_(VIOLATION, references="a string")], "references", "list of non-empty strings"),
        ([with_(VIOLATION, outside_sectors="yes")], "outside_sectors", "true or false"),
        ([VIOLATION, VIOLATION], "id", "duplicate id"),
        (
            [with_(VIOLATION, claims=[with_(VIOLATION["claims"][0], sectors=["atlantis"])])],
            "claims[0].sectors",
            "unknown sector 'atlantis'",
        ),
        (
            [with_(VIOLATION, claims=[with_(VIOLATION["claims"][0], own_killed=-1)])],
            "claims[0].own_killed",
            "whole number >= 0",
        ),
        ([with_(VIOLATION, claims=[])], "claims", "a violation needs at least one side's claim"),
    ],
)
def test_bad_validation_files_get_one_line_naming_the_file(tmp_path, record, events, field, problem):
    path = write(tmp_path, events)
    with pytest.raises(RecordError) as e:
        load_events_file(path, record)
    message = str(e.value)
    assert "my_validation.yaml" in message and field in message and problem in message, message
    assert "\n" not in message


def test_missing_or_malformed_files(tmp_path, record):
    with pytest.raises(RecordError, match="file not found"):
        load_events_file(tmp_path / "none.yaml", record)
    bad = tmp_path / "bad.yaml"
    bad.write_text("events: [unclosed\n")
    with pytest.raises(RecordError, match="bad.yaml"):
        load_events_file(bad, record)
    bad.write_text("violations: []\n")
    with pytest.raises(RecordError, match="missing top-level list"):
        load_events_file(bad, record)
