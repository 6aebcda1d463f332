"""The frame a day is drawn from: pressure and coverage rebuilt from the action log equal the model's own
state at the same hour; positions and losses are the model's."""

from __future__ import annotations

import numpy as np
import pytest

from sim.dashboard.frame import Series, pressure_series
from sim.dashboard.playback import PageModel
from sim.model.model import CeasefireModel
from sim.model.rules import HOURS_PER_DAY


def fresh(page: PageModel) -> CeasefireModel:
    """The same model as the page's, not yet run."""
    r = page.playback.prepared
    return CeasefireModel(r.params, r.border, r.exp.horizon_days, rng=np.random.default_rng(r.seed))


def played(days: int, **settings) -> tuple[PageModel, object]:
    """The page's model after ``days`` Step clicks (a day each), and its frame."""
    page = PageModel(**settings)
    page.run_for(days * HOURS_PER_DAY)
    return page, page.playback.frame(page)


def sample_hours(series: Series, until_hours: float) -> list[float]:
    """Hours just before and after every step of the series, and a few in between."""
    cuts = [d * HOURS_PER_DAY for d in series.days]
    hours = {h + e for h in cuts for e in (-0.01, 0.01)} | set(np.linspace(0.5, until_hours - 0.5, 15))
    return sorted(h for h in hours if 0 < h < until_hours)


@pytest.mark.parametrize("scenario,seed", [("sept2022", 0), ("sept2022", 5), ("peacekeeper_withdrawal", 1)])
def test_pressure_over_time_is_the_models_pressure_at_each_hour(scenario, seed):
    page, frame = played(60, scenario_name=scenario, seed=seed)
    series, until = frame.pressure, page.now
    assert len(series.days) > 3  # the broker's pressure at the start, and reactions to casualties
    for hours in sample_hours(series, until):
        model = fresh(page)
        model.run_until(hours)
        assert series.at(hours / HOURS_PER_DAY) == pytest.approx(model.pressure(), abs=1e-12), hours


@pytest.mark.parametrize(
    "settings",
    [
        {"scenario_name": "peacekeeper_withdrawal"},
        {"scenario_name": "observer_mission", "observer_sectors": "sotk, goris", "observer_deploy_day": 12},
        {"scenario_name": "sept2022"},
    ],
    ids=["withdrawn on day 90", "two sectors from day 12", "no observers"],
)
def test_coverage_over_time_is_the_share_of_sectors_the_model_covers(settings):
    page, frame = played(120, seed=3, **settings)
    series, until = frame.coverage, page.now
    n = len(frame.sectors)
    for hours in sample_hours(series, until):
        model = fresh(page)
        model.run_until(hours)
        covered = sum(1 for s in model.border.sector_ids if model.sector_deterrence[s] > 0)
        assert series.at(hours / HOURS_PER_DAY) == pytest.approx(covered / n), hours


def test_pressure_series_combines_levers_and_lapses():
    actions = [(0.0, "Russia", "ceasefire"), (10.0, "EU", "pressure"), (30.0, "Russia", "talks")]
    s = pressure_series(actions, {"Russia": 0.5, "EU": 0.2}, duration_hours=24.0, until_hours=100.0)
    at = {h: s.at(h / HOURS_PER_DAY) for h in (5, 20, 25, 33, 40, 60)}
    assert at[5] == pytest.approx(0.5) and at[20] == pytest.approx(1 - 0.5 * 0.8)
    assert at[25] == pytest.approx(0.2) and at[33] == pytest.approx(1 - 0.5 * 0.8)
    assert at[40] == pytest.approx(0.5) and at[60] == 0.0


def test_positions_and_losses_are_the_models():
    m, f = played(45, seed=0)
    assert [(p.sector, p.side, p.tier, p.killed) for p in f.positions] == [
        (p.sector, p.side, p.tier, p.killed) for p in m.positions
    ]
    assert [p.grievance for p in f.positions] == [p.grievance() for p in m.positions]
    summary = m.playback.result(m).summary
    assert {s: f.killed(s) for s in ("ARM", "AZE")} == summary.killed
    assert len(f.claims) == summary.n_violations and f.date.date().isoformat() == "2022-10-29"
