"""The whole record for calibration: each period's border, the flare-ups of a simulated period, the statistics."""

import math
from datetime import datetime

import numpy as np
import pytest

from calibration.history import USED, flareup_episodes, period_key
from calibration.priors import apply
from sim.model.run import simulate
from sim.record.history import load_history
from sim.record.loader import LOCAL_TZ


def test_the_records_statistics_pool_the_historys_periods(whole):
    """The history as seeds/history/COVERAGE.md counts it: 13 episodes with a death (4 in a period's first
    month), 21 and 10 killed, three
    flare-ups of 4, 13 and 4 killed, two of them ended by a truce Russia brokered; no war scale."""
    obs = whole.observed()
    assert set(USED) <= set(obs)
    assert obs["history_n_with_death"] == 13 and obs["history_n_flareups"] == 3
    logs = ("history_log_killed_ARM", "history_log_killed_AZE", "history_log_flareup_killed_mean")
    assert [obs[k] for k in logs] == pytest.approx([math.log1p(21), math.log1p(10), math.log1p(7)])
    assert obs["history_log_flareup_killed_max"] == pytest.approx(math.log1p(13))
    assert obs["history_log_flareup_hours_mean"] == pytest.approx(math.log1p((114 + 7.5 + 21) / 3))
    assert obs["history_brokered_share"] == pytest.approx(2 / 3) and obs["history_war_scale_periods"] == 0
    assert [obs[period_key(i, "brokered_share")] for i in range(3)] == [1, 1, 0]
    # deaths in a period's first month: 16 Aug 2021 (two), 22 Nov and 8 Dec 2021
    assert [obs[period_key(i, "n_with_death_aftermath")] for i in range(3)] == [0, 2, 2]
    assert obs["history_n_with_death_aftermath"] == 4


def test_each_period_starts_from_its_own_truce_in_the_state_the_record_implies(whole):
    history = load_history()
    first, second, last = whole.periods
    assert first.border.sector_ids == tuple(s.id for s in history.sectors) and len(first.border.sector_ids) == 9
    assert first.border.flareup_losses == {}  # the 2020 war's losses are outside the record
    assert second.border.flareup_losses == {"ARM": (3, 7), "AZE": (1, 2)}  # the July 2021 flare-up
    assert last.border.flareup_losses == {"ARM": (6, 4), "AZE": (7, 10)}  # November 2021
    assert all(p.border.lead_mediator == "Russia" for p in whole.periods)  # Russia brokered both truces
    assert all(0 <= t.hours < p.span_hours for p in whole.periods for t in p.border.talks)
    # the last period: Russia alone, the EU's track from 19 Nov 2021, Russia weakened from 24 Feb 2022
    assert [(r.mediators, r.weakened) for r in last.border.regimes] == [
        (("Russia",), ()),
        (("Russia", "EU"), ()),
        (("EU", "Russia"), ("Russia",)),
    ]
    invasion = datetime(2022, 2, 24, tzinfo=LOCAL_TZ)  # the regime's first day, from local midnight
    assert last.border.regimes[2].hours == (invasion - last.border.ceasefire).total_seconds() / 3600 == 2381.5
    # the articles' window is in the regime in force then: Russia weakened
    assert [r.weakened for r in whole.border.regimes] == [("Russia",)]


@pytest.fixture(scope="module")
def offensive_runs(whole):
    """The last period, simulated ten times with frequent limited offensives."""
    theta = {"offensive.rate_per_year": 2.0, "offensive.scale": 0.2, "mediation.truce_lead_delay_hours": 6.0}
    period = whole.periods[2]
    return [
        simulate(apply(theta), np.random.SeedSequence([11, k]), period.span_hours / 24, period.border, check=False)
        for k in range(10)
    ]


def test_an_offensive_is_one_flare_up_and_no_loss_is_lost(offensive_runs):
    for run in offensive_runs:
        flares = flareup_episodes(run)
        launches = [t for t, _, what in run.actions if what == "offensive"]
        assert sorted(e.start_hours for e in flares if e.kind == "offensive") == sorted(launches)
        assert len(flares) == len(run.episodes) - sum(e.kind == "offensive" for e in run.episodes) + len(launches)
        for side in ("ARM", "AZE"):
            assert sum(e.killed[side] for e in flares) == sum(e.killed[side] for e in run.episodes)
        assert all(e.start_hours <= e.end_hours for e in flares)
    assert sum(len([a for a in r.actions if a[2] == "offensive"]) for r in offensive_runs) >= 10


def test_a_flare_up_is_brokered_when_a_truce_ends_it(offensive_runs):
    """A local episode: a mediator's truce fell inside it. An offensive: its command accepted a truce, and
    the flare-up lasts at least until then (the record dates such a flare-up by its truce; positions that did
    not stand down may fire on); a truce the command ignored ends nothing."""
    brokered = ignored = 0
    for run in offensive_runs:
        truces = [(t, who) for t, who, what in run.actions if what == "truce"]
        for e in flareup_episodes(run):
            if e.kind != "offensive":
                inside = [who for t, who in truces if e.start_hours <= t <= e.end_hours]
                assert e.truce == (inside[0] if inside else "")
                continue
            by = f"command {e.initiator}"
            accepted = [t for t, who, what in run.actions if who == by and what == "truce accepted"]
            accepted = [t for t in accepted if e.start_hours <= t <= e.end_hours]
            assert len(accepted) <= 1 and bool(e.truce) == bool(accepted)
            if accepted:
                assert e.end_hours >= accepted[0] and e.truce == next(w for t, w in truces if t == accepted[0])
            ignored += not accepted and any(e.start_hours <= t <= e.end_hours for t, _ in truces)
            brokered += bool(e.truce)
    assert brokered > 0 and ignored > 0  # a truce 6 h after top-tier fire falls inside most offensives


def test_a_simulation_of_the_whole_record_repeats_for_its_seed(whole):
    a = whole.simulate(apply({}), np.random.SeedSequence(3))
    assert a == whole.simulate(apply({}), np.random.SeedSequence(3)) and set(a) == set(whole.observed())
    assert any(whole.simulate(apply({}), np.random.SeedSequence(s)) != a for s in range(4, 8))
