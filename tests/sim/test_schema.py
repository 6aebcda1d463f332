"""The record's schema: its JSON Schema files stay in step with the models, every seeds file names its
schema for an editor and passes it, and pydantic's errors become the project's one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from sim.record.loader import DEFAULT_SEEDS, RecordError
from sim.record.schema import FILE_MODELS, EventsFile, SectorsFile, json_schema, validate
from sim.record.schemafiles import SCHEMA_DIR, main, schema_path

FILES = {
    "events.yaml": "events",
    "sectors.yaml": "sectors",
    "ladder.yaml": "ladder",
    "context.yaml": "context",
    "validation/events.yaml": "events",
    "history/events.yaml": "events",
    "history/sectors.yaml": "sectors",
}


@pytest.mark.parametrize("kind", list(FILE_MODELS))
def test_the_committed_json_schema_is_the_models(kind):
    """Regenerated from the models, byte for byte (else: python -m sim.record.schemafiles)."""
    assert schema_path(kind).read_text(encoding="utf-8") == json_schema(kind)


def test_the_check_command_finds_a_stale_file(tmp_path, monkeypatch, capsys):
    import sim.record.schemafiles as schemafiles

    for kind in FILE_MODELS:
        (tmp_path / f"{kind}.schema.json").write_text(json_schema(kind), encoding="utf-8")
    monkeypatch.setattr(schemafiles, "SCHEMA_DIR", tmp_path)
    monkeypatch.setattr(schemafiles, "schema_path", lambda kind: tmp_path / f"{kind}.schema.json")
    assert main(["--check"]) == 0
    (tmp_path / "ladder.schema.json").write_text("{}\n", encoding="utf-8")
    assert main(["--check"]) == 1
    assert "ladder.schema.json: differs from the models" in capsys.readouterr().err
    assert main([]) == 0 and main(["--check"]) == 0
    assert SCHEMA_DIR == DEFAULT_SEEDS / "schema"


@pytest.mark.parametrize("name, kind", FILES.items())
def test_each_file_names_its_schema_and_passes_it(name, kind):
    """The editor's view: the first line points to the schema, and the file is valid under it."""
    jsonschema = pytest.importorskip("jsonschema")
    path = DEFAULT_SEEDS / name
    first = path.read_text(encoding="utf-8").splitlines()[0]
    prefix = "# yaml-language-server: $schema="
    assert first.startswith(prefix), first
    target = (path.parent / first.removeprefix(prefix)).resolve()
    assert target == schema_path(kind).resolve()
    schema = json.loads(target.read_text(encoding="utf-8"))
    data = json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str))
    checker = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    assert [e.message for e in checker.iter_errors(data)] == []
    bad = {**data, "events" if kind == "events" else kind: [{"id": "x y"}]}
    assert list(checker.iter_errors(bad)), "the schema refuses what the loader refuses"


def entry(**changes):
    base = {
        "id": "s1",
        "name": "S",
        "arm_direction": "a",
        "aze_direction": "b",
        "adjacent": [],
        "source": "public reporting",
    }
    return {**base, **changes}


@pytest.mark.parametrize(
    "data, message",
    [
        ({"sectors": [entry(name=3)]}, "f.yaml: s1: name: 3 is not allowed; expected non-empty text"),
        ({"sectors": [entry(name="  ")]}, "f.yaml: s1: name: ' ' is not allowed; expected non-empty text"),
        ({"sectors": [entry(colour="red")]}, "f.yaml: s1: colour: unknown field; allowed: id, name,"),
        ({"sectors": [entry(id=7)]}, "f.yaml: sectors[0]: id: 7 is not allowed; expected an id"),
        ({"sectors": ["s1"]}, "f.yaml: sectors[0]: expected a mapping of fields, got str"),
        ({"sectors": []}, "f.yaml: sectors: () is not allowed; expected a non-empty list of sectors"),
        ({"sectors": [entry(adjacent="s2")]}, "f.yaml: s1: adjacent: 's2' is not allowed; expected a list of sector"),
        ({"sectors": [entry(adjacent=[1])]}, "f.yaml: s1: adjacent[0]: 1 is not allowed; expected an id"),
        ({"sectors": [entry()], "other": 1}, "f.yaml: other: unknown field; allowed: sectors"),
        ({"sectors": [entry(**{" x": 1})]}, "f.yaml: s1: ' x': unknown field"),
        ({"sectors": [{**entry(), 1: 1}]}, "f.yaml: s1: key 1 is not a field name; allowed: id, name,"),
        ({"sectors": [entry()], None: 1}, "f.yaml: key None is not a field name; allowed: sectors"),
        ([1, 2], "f.yaml: sectors: missing top-level list; expected a mapping with a list under 'sectors'"),
        (None, "f.yaml: sectors: missing top-level list"),
    ],
)
def test_pydantic_errors_become_one_line(data, message):
    """File, entry id (else its place), field path, and what is allowed; no placeholder for what is
    not known."""
    with pytest.raises(RecordError) as err:
        validate(SectorsFile, data, "f.yaml")
    text = str(err.value)
    assert text.startswith(message), text
    assert "\n" not in text and " -:" not in text


def test_history_extensions_are_checked():
    truce = {"id": "t", "kind": "truce", "date": "2021-07-28", "sources": ["public reporting"], "summary": "x"}
    flare = {**truce, "id": "f", "kind": "flare_up", "ended_by": "t"}
    assert validate(EventsFile, {"events": [truce, flare]}, "e.yaml").events[1].ended_by == "t"
    with pytest.raises(RecordError, match="e.yaml: t: ended_by: not allowed on a truce event"):
        validate(EventsFile, {"events": [{**truce, "ended_by": "t"}]}, "e.yaml")
    regime = {"id": "r", "start": "2021-01-02", "end": "2021-01-01", "mediators": ["EU"], "summary": "x"}
    with pytest.raises(RecordError, match="e.yaml: r: end: 2021-01-01 is before start 2021-01-02"):
        validate(EventsFile, {"events": [], "regimes": [regime]}, "e.yaml")
    with pytest.raises(RecordError, match=r"e.yaml: r: mediators\[0\]: 'UN' is not allowed; allowed: Russia, CSTO, EU"):
        validate(
            EventsFile, {"events": [], "regimes": [{**regime, "end": "2021-02-01", "mediators": ["UN"]}]}, "e.yaml"
        )


def test_the_schema_dir_is_installed_data():
    text = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text(encoding="utf-8")
    assert '"ceasefire_data.seeds.schema" = ["*.json"]' in text
