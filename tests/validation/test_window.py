"""The validation window: weeks, the record's weekly series, and the window's events as a scenario."""

from datetime import date

import numpy as np
import pytest

from sim.model.params import ModelParams
from sim.record.loader import load_events_file, load_record
from sim.record.patterns import WINDOW_HOURS, Episode
from validation.run import DEFAULT_VALIDATION_RECORD
from validation.window import observed, window_for, with_window_events


def episode(hours, killed_arm=0, wounded_aze=0):
    return Episode(
        hours,
        {"ARM": killed_arm, "AZE": 0},
        {"ARM": 0, "AZE": wounded_aze},
        1,
        {"ARM": None, "AZE": None},
        {"ARM": False, "AZE": False},
    )


@pytest.fixture(scope="module")
def window(border):
    return window_for(border, WINDOW_HOURS, date(2022, 12, 31))


def test_weeks_run_from_the_end_of_28_sept_to_the_end_of_31_dec(window):
    assert window.week_starts()[0] == date(2022, 9, 29)
    assert window.days == 94 and window.n_weeks == 14
    assert window.edges[-1] - window.edges[-2] == pytest.approx(3 * 24)


def test_weekly_counts_of_hand_made_episodes(window):
    o = window.origin_hours
    eps = [
        episode(o - 1),
        episode(o + 1, killed_arm=2),
        episode(o + 5, wounded_aze=1),
        episode(o + 170),
        episode(window.end_hours + 1),
    ]
    w = window.weekly(eps)
    assert w["violations"][:2].tolist() == [2, 1] and w["violations"].sum() == 3
    assert w["with_casualties"][0] == 2 and w["killed_ARM"][0] == 2 and w["killed_AZE"].sum() == 0


def test_the_records_series(border, window):
    events = load_events_file(DEFAULT_VALIDATION_RECORD, load_record())
    obs = observed(events, window)
    assert obs["with_casualties"].sum() == 2 and obs["killed_ARM"].sum() == 0
    assert not window.returned_to_war_scale([episode(window.origin_hours + 1, killed_arm=3)], ModelParams())
    assert window.returned_to_war_scale(
        [episode(window.origin_hours + 1, killed_arm=60), episode(window.origin_hours + 30, killed_arm=45)],
        ModelParams(),
    )


def test_window_events_enter_as_talks_and_monitors(border, window):
    events = load_events_file(DEFAULT_VALIDATION_RECORD, load_record())
    params, changed, entered = with_window_events(ModelParams(), border, events, window)
    added = [t for t in changed.talks if t not in border.talks]
    assert {t.mediator for t in added} == {"EU", "Russia", "US"}
    assert all(window.origin_hours <= t.hours < window.end_hours for t in added)
    o = params.observer
    assert o.strength == 40 and o.sectors == [] and 35 < o.deploy_day < 37 and 95 < o.withdraw_day < 97
    assert len(entered) == len(added) + 1
    assert ModelParams().observer.strength == 0  # the defaults are untouched


def test_plain_and_event_forecasts_share_their_random_numbers(border, window):
    """Common random numbers: before the first event of the window the two forecasts are identical."""
    from sim.model.border import fire_received
    from validation.forecast import model_forecast

    events = load_events_file(DEFAULT_VALIDATION_RECORD, load_record())
    history = fire_received(load_record().events, border.ceasefire, border.sector_ids, window.origin_hours)
    params, changed, _ = with_window_events(ModelParams(), border, events, window)
    a = model_forecast("a", ModelParams(), border, window, history, 200, 5)
    b = model_forecast("b", params, changed, window, history, 200, 5)
    assert np.array_equal(a.weekly["violations"][:, 0], b.weekly["violations"][:, 0])
    assert not np.array_equal(a.weekly["violations"], b.weekly["violations"])
