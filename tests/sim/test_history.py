"""The history record (seeds/history/): it loads with the record's schema, its periods, its statistics,
and the boundary (nothing after 12 Sep 2022 in it, nothing after 28 Sep 2022 in the calibration record)."""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import pytest
import yaml

from sim.record.history import CALIBRATION_END, HISTORY_DIR, HISTORY_END, load_history
from sim.record.loader import LOCAL_TZ, RecordError, load_record
from sim.record.patterns import HISTORY_STATISTICS, Episode, flareup_sizes, history_statistics


@pytest.fixture(scope="module")
def history():
    return load_history()


def test_the_history_loads_with_its_extensions(history):
    assert len(history.events) == 72
    assert len(history.incidents()) == 55
    assert [r.id for r in history.regimes] == [
        "regime_russia_sole_mediator",
        "regime_dual_track",
        "regime_russia_at_war",
    ]
    assert {s.id for s in history.sectors} >= {"tavush", "yeraskh", "nakhchivan_mid", "sotk"}
    capture = next(e for e in history.events if e.id == "capture_2021_05_27_gegharkunik")
    assert {c.side: (c.captured, c.enemy_captured) for c in capture.claims} == {"ARM": (6, None), "AZE": (None, 6)}
    assert history.start == datetime(2020, 11, 10, 1, 0, tzinfo=LOCAL_TZ)


def test_periods_start_at_the_ceasefire_and_at_each_truce(history):
    """Three spells: from the 2020 ceasefire, from the July 2021 truce, from the November 2021 truce;
    the January 2022 flare-up, which no truce ended, stays inside the third."""
    p1, p2, p3 = history.periods
    assert [p.opened_by.id for p in history.periods] == ["ceasefire_2020_11_10", "truce_2021_07_28", "truce_2021_11_16"]
    assert p1.end == datetime(2021, 7, 23, 16, 0, tzinfo=LOCAL_TZ) and p1.closed
    assert p2.start == datetime(2021, 7, 28, 10, 0, tzinfo=LOCAL_TZ) and p2.end.date() == date(2021, 11, 16)
    assert p3.end == history.end and not p3.closed
    assert [p.regime.id for p in history.periods] == ["regime_russia_sole_mediator"] * 3
    assert [r.id for r in p3.regimes][-1] == "regime_russia_at_war"
    assert [(f.event.id, f.size, f.brokered_by is not None) for p in history.periods for f in p.flareups] == [
        ("flareup_2021_07_23", 4, True),
        ("flareup_2021_11_16", 13, True),
        ("flareup_2022_01_11", 4, False),
    ]
    assert p1.flareups[-1].duration_hours == 114.0  # 23 Jul 16:00 to the truce of 28 Jul 10:00
    assert p1.flareups[-1].truce.mediator == "Russia"
    nov = p2.flareups[-1]
    assert nov.episode.killed == {"ARM": 6, "AZE": 7} and nov.episode.captured == {"ARM": 13, "AZE": 0}
    # every incident belongs to one period, the closing flare-ups to the period they end
    ids = [e.id for p in history.periods for e in p.incidents]
    assert len(ids) == len(set(ids)) == len(history.incidents())


def test_statistics_match_the_coverage_notes(history):
    """The counts seeds/history/COVERAGE.md gives, computed by the code the simulated runs use."""
    s = history.statistics()
    assert list(s) == list(HISTORY_STATISTICS)
    assert (s["n_with_death"], s["n_with_casualties"]) == (13, 24)
    assert (s["killed_ARM"], s["killed_AZE"]) == (21, 10)
    assert (s["n_flareups"], s["flareup_killed_max"], s["flareup_killed_mean"]) == (3, 13, 7)
    assert s["brokered_share"] == pytest.approx(2 / 3)
    gaps_days = (116, 56)  # 23 Jul -> 16 Nov 2021, 16 Nov 2021 -> 11 Jan 2022 (flare-up starts)
    assert s["flareup_gap_hours"] == pytest.approx(sum(gaps_days) * 24 / 2, abs=24)
    assert flareup_sizes(history.episodes()) == [4, 13, 4]
    per_period = [p.statistics() for p in history.periods]
    assert sum(p["killed_ARM"] for p in per_period) == s["killed_ARM"]
    assert [p["first_flareup_hours"] == p_.hours for p, p_ in zip(per_period, history.periods)] == [True, True, False]


def test_history_statistics_on_simulated_episodes():
    """The same function on episodes a run builds: a flare-up by its size or by the truce that ended it."""

    def ep(t, killed, truce="", end=None):
        return Episode(t, {"ARM": killed, "AZE": 0}, {"ARM": 0, "AZE": 0}, 1, {}, {}, end_hours=end, truce=truce)

    eps = [ep(10, 1), ep(100, 5, "Russia", 130), ep(500, 0), ep(900, 2, "EU"), ep(2000, 9)]
    s = history_statistics(eps, 1000)
    assert s["n_with_death"] == 3 and s["n_flareups"] == 2 and s["killed_ARM"] == 8
    assert s["first_flareup_hours"] == 100 and s["flareup_gap_hours"] == 800 and s["brokered_share"] == 1
    assert s["flareup_hours_mean"] == 30
    assert history_statistics([], 50)["first_flareup_hours"] == 50


def test_the_boundary():
    """Nothing after 12 Sep 2022 in the history, nothing after 28 Sep 2022 in the calibration record."""
    history = load_history()
    assert max(e.start for e in history.events).date() <= HISTORY_END
    assert all(e.end is None or e.end.date() <= HISTORY_END for e in history.events)
    record = load_record()
    assert max(e.start for e in record.events if e.start).date() <= CALIBRATION_END
    assert all(e.date is None or e.date <= CALIBRATION_END for e in record.events)


def test_an_event_after_the_end_is_refused(tmp_path):
    d = tmp_path / "history"
    shutil.copytree(HISTORY_DIR, d)
    data = yaml.safe_load((d / "events.yaml").read_text(encoding="utf-8"))
    last = next(e for e in data["events"] if e["id"] == "violation_2022_09_05_eastern_border")
    last.update(date=date(2022, 9, 13), time=None)
    for c in last["claims"]:
        c["time"] = None
    (d / "events.yaml").write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RecordError) as err:
        load_history(d)
    assert str(err.value) == (
        f"{d / 'events.yaml'}: violation_2022_09_05_eastern_border: date: 2022-09-13 is after the history's end; "
        "allowed: up to 2022-09-12"
    )


def test_a_flareup_ended_by_an_unknown_truce_is_refused(tmp_path):
    d = tmp_path / "history"
    shutil.copytree(HISTORY_DIR, d)
    text = (d / "events.yaml").read_text(encoding="utf-8").replace("ended_by: truce_2021_07_28", "ended_by: truce_x")
    (d / "events.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(RecordError, match=r"events.yaml: flareup_2021_07_23: ended_by: unknown truce 'truce_x'"):
        load_history(d)


def test_the_default_folder():
    assert HISTORY_DIR == Path(__file__).resolve().parents[2] / "seeds" / "history"
