"""The seed record: loading, validation messages, derived targets and the ``sim.record.targets`` CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml

from sim.record.loader import DEFAULT_SEEDS, LOCAL_TZ, PUBLIC, RecordError, load_record
from sim.record.patterns import WINDOW_HOURS
from sim.record.targets import derive_targets, record_window_hours

REPO = Path(__file__).resolve().parents[2]
A000 = "000_f6d714250b8b91e2.txt"
A003 = "003_2a932858fe7ccec7.txt"


@pytest.fixture(scope="module")
def record():
    return load_record()


def _event(data: dict, eid: str) -> dict:
    return next(e for e in data["events"] if e["id"] == eid)


def _sector(data: dict, sid: str) -> dict:
    return next(s for s in data["sectors"] if s["id"] == sid)


def bad_seeds(tmp_path: Path, file: str, mutate) -> Path:
    """A copy of the good seeds with one change applied to ``file``'s parsed YAML."""
    d = tmp_path / "seeds"
    shutil.copytree(DEFAULT_SEEDS, d)
    data = yaml.safe_load((d / file).read_text(encoding="utf-8"))
    mutate(data)
    (d / file).write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return d


def rejected(seeds: Path) -> str:
    with pytest.raises(RecordError) as ei:
        load_record(seeds)
    msg = str(ei.value)
    assert "\n" not in msg
    return msg


# --- the good record ----------------------------------------------------------------------------


def test_default_dir_is_repo_seeds():
    assert DEFAULT_SEEDS == REPO / "seeds"


def test_violations_have_both_sides_claims_with_sources(record):
    vs = record.violations()
    assert [v.date.isoformat() for v in vs] == ["2022-09-23", "2022-09-28"]
    for v in vs:
        assert sorted(c.side for c in v.claims) == ["ARM", "AZE"]
        for c in v.claims:
            assert c.source in (A000, A003) and c.source in v.sources
            assert c.claimant and c.location
            assert c.fired_first == ("AZE" if c.side == "ARM" else "ARM")


def test_claim_facts(record):
    v23, v28 = record.violations()
    arm23, aze23 = sorted(v23.claims, key=lambda c: c.side)
    assert arm23.time == datetime(2022, 9, 23, 7, 40, tzinfo=LOCAL_TZ) and not arm23.time_approx
    assert (arm23.own_killed, arm23.own_wounded, arm23.retaliated) == (None, 1, True)
    assert arm23.weapons == ("unspecified",) and arm23.tier == 1
    assert aze23.time == datetime(2022, 9, 23, 0, 0, tzinfo=LOCAL_TZ) and aze23.time_approx
    assert aze23.duration_hours == 9.0 and aze23.weapons == ("small_arms",)
    assert (aze23.own_killed, aze23.own_wounded, aze23.retaliated) == (None, None, True)
    assert aze23.sectors == () and aze23.note
    arm28, aze28 = sorted(v28.claims, key=lambda c: c.side)
    assert arm28.time is None and arm28.own_killed == 3 and arm28.tier == 3
    assert set(arm28.weapons) == {"mortar", "large_calibre"}
    assert aze28.time == datetime(2022, 9, 28, 18, 0, tzinfo=LOCAL_TZ) and aze28.time_approx
    assert (aze28.own_killed, aze28.own_wounded, aze28.retaliated) == (None, 1, None)
    assert aze28.sectors == ("sotk", "jermuk")


def test_sectors_and_adjacency(record):
    assert record.sector_ids() == ("vardenis", "sotk", "jermuk", "goris", "kapan")
    adj = record.adjacency()
    assert adj["vardenis"] == ("sotk",) and adj["kapan"] == ("goris",)
    assert set(adj["jermuk"]) == {"sotk", "goris"}
    for a, ns in adj.items():
        assert all(a in adj[b] for b in ns)
    assert all(s.source for s in record.sectors)


def test_ladder(record):
    assert record.ladder == {"unspecified": 1, "small_arms": 1, "large_calibre": 2, "mortar": 3, "artillery_drones": 4}


def test_ceasefire_claims_kept_separate(record):
    claims = {c.source: c for c in record.ceasefire_claims()}
    assert set(claims) == {PUBLIC, A000}
    assert claims[PUBLIC].time == datetime(2022, 9, 14, 20, 0, tzinfo=LOCAL_TZ)
    assert claims[PUBLIC].time.utcoffset().total_seconds() == 4 * 3600
    assert claims[A000].date.isoformat() == "2022-09-23" and claims[A000].time is None
    assert record.ceasefire_time() == datetime(2022, 9, 14, 16, 0, tzinfo=timezone.utc)
    assert record.ceasefire_time(A000) == datetime(2022, 9, 23, 0, 0, tzinfo=LOCAL_TZ)
    with pytest.raises(RecordError, match="time_claims: no claim from source"):
        record.ceasefire_time(A003)


def test_flareup_losses(record):
    assert record.flareup_losses() == {"ARM": (207, 293), "AZE": (80, 281)}


def test_mediation_events(record):
    meds = record.mediation_events()
    assert [m.start for m in meds if m.start] == sorted(m.start for m in meds if m.start)
    by_id = {m.id: m for m in meds}
    assert by_id["csto_decision_2022_09_13"].mediator == "CSTO"
    assert by_id["csto_advance_team_2022_09_15"].date.isoformat() == "2022-09-15"
    ny = by_id["new_york_talks_2022_09"]
    assert (ny.mediator, ny.date.isoformat(), ny.date_approx, ny.sources) == ("US", "2022-09-19", True, (A000,))
    assert by_id["csto_zas_visit_2022_09_22"].sources == (A003,)
    assert by_id["brussels_2022_08_31"].mediator == "EU"
    assert by_id["brussels_2022_earlier"].date is None and by_id["brussels_2022_earlier"].when_as_stated
    assert {m.mediator for m in meds} == {"Russia", "CSTO", "EU", "US"}


def test_every_fact_has_a_source(record):
    for e in record.events:
        assert e.sources and e.summary
    assert {f.id for f in record.context} >= {
        "war_1990s",
        "war_2020",
        "peacekeepers_articles",
        "peacekeepers_public",
        "land_link",
    }
    assert all(f.sources for f in record.context)
    kinds = {e.kind for e in record.events}
    assert kinds == {"flare_up", "truce", "ceasefire", "violation", "mediation", "statement"}


# --- derived targets ----------------------------------------------------------------------------


def test_targets_equal_what_a_reader_finds(record):
    t = derive_targets(record)
    s = t.statistics
    assert s["killed_ARM"] == 3 and s["wounded_ARM"] == 1
    assert s["killed_AZE"] == 0 and s["wounded_AZE"] == 1
    assert s["n_violations"] == 2 and s["n_with_casualties"] == 2
    assert s["both_blame_share"] == 1.0 and s["retaliation_share"] == 1.0
    assert s["max_tier"] == 3 and s["returned_to_war_scale"] == 0
    assert s["first_violation_hours"] == 196 and s["mean_gap_hours"] == 138
    assert t.gaps_hours == (138.0,) and t.violation_hours == (196.0, 334.0)
    assert t.flareup_killed == {"ARM": 207, "AZE": 80} and t.flareup_killed_total == 287
    assert t.flareup_wounded_total == 574
    assert t.window_hours == WINDOW_HOURS == record_window_hours(record, record.ceasefire_time())
    assert {c.source for c in t.ceasefire_claims} == {PUBLIC, A000}


# --- rejections: one line naming file, entry and field --------------------------------------------

V23 = "violation_2022_09_23"


def _claim(i=0, eid=V23):
    return lambda data: _event(data, eid)["claims"][i]


@pytest.mark.parametrize(
    "name, file, mutate, entry, field, words",
    [
        (
            "missing field",
            "events.yaml",
            lambda d: _claim()(d).pop("own_killed"),
            V23,
            "claims[0].own_killed",
            "missing required field",
        ),
        (
            "unknown side",
            "events.yaml",
            lambda d: _claim(1)(d).update(side="RUS"),
            V23,
            "claims[1].side",
            "allowed: ARM, AZE",
        ),
        (
            "unknown fired_first",
            "events.yaml",
            lambda d: _claim(1)(d).update(fired_first="both"),
            V23,
            "claims[1].fired_first",
            "allowed: ARM, AZE, null",
        ),
        (
            "bad time",
            "events.yaml",
            lambda d: _claim()(d).update(time="2022-09-23T25:61:00+04:00"),
            V23,
            "claims[0].time",
            "not a date-time",
        ),
        (
            "naive time",
            "events.yaml",
            lambda d: _claim()(d).update(time="2022-09-23T07:40:00"),
            V23,
            "claims[0].time",
            "no UTC offset",
        ),
        ("bad date", "events.yaml", lambda d: _event(d, V23).update(date="23 Sept"), V23, "date", "not a date"),
        (
            "negative casualties",
            "events.yaml",
            lambda d: _claim()(d).update(own_wounded=-1),
            V23,
            "claims[0].own_wounded",
            "whole number >= 0",
        ),
        (
            "claim without source",
            "events.yaml",
            lambda d: _claim()(d).pop("source"),
            V23,
            "claims[0].source",
            "missing required field",
        ),
        (
            "claim with empty source",
            "events.yaml",
            lambda d: _claim()(d).update(source=None),
            V23,
            "claims[0].source",
            "not a source",
        ),
        (
            "claim source not the event's",
            "events.yaml",
            lambda d: _claim()(d).update(source=A000),
            V23,
            "claims[0].source",
            "not among the event's sources",
        ),
        (
            "unknown sector in claim",
            "events.yaml",
            lambda d: _claim()(d).update(sectors=["yerevan"]),
            V23,
            "claims[0].sectors",
            "unknown sector 'yerevan'",
        ),
        (
            "unknown weapon",
            "events.yaml",
            lambda d: _claim()(d).update(weapons=["railgun"]),
            V23,
            "claims[0].weapons",
            "unknown weapon 'railgun'",
        ),
        (
            "unknown field",
            "events.yaml",
            lambda d: _claim()(d).update(own_kiled=0),
            V23,
            "claims[0].own_kiled",
            "unknown field",
        ),
        (
            "unknown kind",
            "events.yaml",
            lambda d: _event(d, V23).update(kind="skirmish"),
            V23,
            "kind",
            "allowed: flare_up",
        ),
        (
            "duplicate event id",
            "events.yaml",
            lambda d: d["events"].append(dict(_event(d, V23))),
            V23,
            "id",
            "duplicate id",
        ),
        (
            "unknown sector in adjacency",
            "sectors.yaml",
            lambda d: _sector(d, "kapan")["adjacent"].append("nowhere"),
            "kapan",
            "adjacent",
            "unknown sector 'nowhere'",
        ),
        (
            "asymmetric adjacency",
            "sectors.yaml",
            lambda d: _sector(d, "kapan").update(adjacent=[]),
            "goris",
            "adjacent",
            "not symmetric",
        ),
        (
            "duplicate sector id",
            "sectors.yaml",
            lambda d: d["sectors"].append(dict(_sector(d, "sotk"))),
            "sotk",
            "id",
            "duplicate id",
        ),
        (
            "ladder tier",
            "ladder.yaml",
            lambda d: d["ladder"][0].update(tier="one"),
            "unspecified",
            "tier",
            "whole number",
        ),
        (
            "context source",
            "context.yaml",
            lambda d: d["context"][0].update(sources=["a blog"]),
            "war_1990s",
            "sources[0]",
            "not a source",
        ),
    ],
)
def test_rejections(tmp_path, name, file, mutate, entry, field, words):
    msg = rejected(bad_seeds(tmp_path, file, mutate))
    assert msg.startswith(f"{tmp_path / 'seeds' / file}: {entry}: {field}: "), msg
    assert words in msg, msg


def test_rejects_malformed_yaml(tmp_path):
    d = bad_seeds(tmp_path, "events.yaml", lambda d: None)
    (d / "events.yaml").write_text("events:\n  - id: x\n   kind: [unclosed\n", encoding="utf-8")
    msg = rejected(d)
    assert msg.startswith(f"{d / 'events.yaml'}: malformed YAML at line"), msg


def test_rejects_impossible_unquoted_date(tmp_path):
    d = bad_seeds(tmp_path, "events.yaml", lambda d: None)
    text = (d / "events.yaml").read_text(encoding="utf-8").replace("date: 2022-09-15", "date: 2022-13-40", 1)
    (d / "events.yaml").write_text(text, encoding="utf-8")
    assert rejected(d).startswith(f"{d / 'events.yaml'}: unreadable value")


def test_rejects_missing_file(tmp_path):
    d = bad_seeds(tmp_path, "ladder.yaml", lambda d: None)
    (d / "ladder.yaml").unlink()
    msg = rejected(d)
    assert msg.startswith(f"{d / 'ladder.yaml'}: file not found"), msg


def test_rejects_second_ceasefire(tmp_path):
    d = bad_seeds(
        tmp_path,
        "events.yaml",
        lambda d: _event(d, V23).update(
            kind="ceasefire", time_claims=[{"source": A003, "date": "2022-09-23", "as_stated": "x"}]
        ),
    )
    assert "events.yaml: kind: 2 ceasefire events; expected exactly one" in rejected(d)


# --- the CLI ------------------------------------------------------------------------------------


def _run(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "sim.record.targets", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_cli_good_record():
    p = _run()
    assert p.returncode == 0, p.stderr
    assert "2022-09-23" in p.stdout and "flareup_killed_total" in p.stdout and "287" in p.stdout
    assert A000 in p.stdout and "public reporting" in p.stdout


@pytest.mark.parametrize("how", ["bad side", "missing dir"])
def test_cli_bad_record_exits_2_with_one_line(tmp_path, how):
    if how == "bad side":
        d = bad_seeds(tmp_path, "events.yaml", lambda d: _claim(1)(d).update(side="RUS"))
    else:
        d = tmp_path / "nowhere"
    p = _run("--seeds", str(d))
    assert p.returncode == 2
    assert "Traceback" not in p.stderr and p.stdout == ""
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), p.stderr
