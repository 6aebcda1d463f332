"""Episodes and summary statistics, on hand-made episodes and on the record."""

from __future__ import annotations

import pytest

from sim.record.loader import load_record
from sim.record.patterns import STATISTICS, WINDOW_HOURS, Episode, record_episodes, summary_statistics


def ep(start, killed=(0, 0), wounded=(0, 0), tier=1, blamed=("AZE", "ARM"), retaliated=(False, False)):
    """An episode from (ARM, AZE) pairs."""
    return Episode(
        start,
        dict(zip(("ARM", "AZE"), killed)),
        dict(zip(("ARM", "AZE"), wounded)),
        tier,
        dict(zip(("ARM", "AZE"), blamed)),
        dict(zip(("ARM", "AZE"), retaliated)),
    )


def test_empty_input():
    s = summary_statistics([])
    assert list(s) == list(STATISTICS)
    assert all(isinstance(v, float) for v in s.values())
    assert s["n_violations"] == 0 and s["max_tier"] == 0
    assert s["first_violation_hours"] == WINDOW_HOURS and s["mean_gap_hours"] == WINDOW_HOURS
    assert s["both_blame_share"] == 0 and s["retaliation_share"] == 0 and s["returned_to_war_scale"] == 0


def test_window_filtering():
    eps = [ep(-5, killed=(50, 50)), ep(10, wounded=(1, 0), tier=2), ep(30, tier=3), ep(100, killed=(9, 9), tier=4)]
    s = summary_statistics(eps, window_hours=100)
    assert s["n_violations"] == 2 and s["n_with_casualties"] == 1
    assert s["killed_ARM"] == 0 and s["wounded_ARM"] == 1 and s["max_tier"] == 3
    assert s["first_violation_hours"] == 10 and s["mean_gap_hours"] == 20


def test_unsorted_input_and_gaps():
    s = summary_statistics([ep(50), ep(10), ep(30)], window_hours=100)
    assert s["first_violation_hours"] == 10 and s["mean_gap_hours"] == 20


def test_blame_and_retaliation_shares():
    eps = [
        ep(1, blamed=("AZE", "ARM"), retaliated=(True, False)),
        ep(2, blamed=("AZE", None)),
        ep(3, blamed=(None, None), retaliated=(False, True)),
        ep(4, blamed=("ARM", "ARM")),
    ]
    s = summary_statistics(eps)
    assert s["both_blame_share"] == 0.25 and s["retaliation_share"] == 0.5


def test_war_scale_rolling_window():
    # 60 + 50 killed 47 h apart: one 48 h window holds 110 >= 100
    assert summary_statistics([ep(0, killed=(30, 30)), ep(47, killed=(25, 25))])["returned_to_war_scale"] == 1.0
    # the same 49 h apart: no 48 h window reaches 100
    assert summary_statistics([ep(0, killed=(30, 30)), ep(49, killed=(25, 25))])["returned_to_war_scale"] == 0.0
    # a later cluster after a quiet spell still counts; the first episode drops out of the window
    eps = [ep(0, killed=(60, 0)), ep(100, killed=(0, 40)), ep(120, killed=(30, 30))]
    assert summary_statistics(eps)["returned_to_war_scale"] == 1.0
    assert summary_statistics(eps, war_scale_killed=200)["returned_to_war_scale"] == 0.0
    # a single episode at scale, and the threshold is inclusive
    assert summary_statistics([ep(5, killed=(100, 0))])["returned_to_war_scale"] == 1.0
    # episodes outside the window do not count
    assert summary_statistics([ep(-1, killed=(100, 0))])["returned_to_war_scale"] == 0.0


def test_record_episodes():
    rec = load_record()
    e23, e28 = record_episodes(rec)
    assert e23.start_hours == 196.0 and e28.start_hours == 334.0
    assert e23.killed == {"ARM": 0, "AZE": 0} and e23.wounded == {"ARM": 1, "AZE": 0}
    assert e28.killed == {"ARM": 3, "AZE": 0} and e28.wounded == {"ARM": 0, "AZE": 1}
    assert (e23.max_tier, e28.max_tier) == (1, 3)
    assert e23.blamed == e28.blamed == {"ARM": "AZE", "AZE": "ARM"}
    assert e23.retaliated == {"ARM": True, "AZE": True}
    assert e28.retaliated == {"ARM": True, "AZE": False}  # Baku did not say (null -> False)


def test_record_episodes_other_ceasefire_reading():
    rec = load_record()
    starts = [e.start_hours for e in record_episodes(rec, rec.ceasefire_time("000_f6d714250b8b91e2.txt"))]
    assert starts == pytest.approx([0.0, 138.0])
