"""The page steps the ceasefire model itself, an hour per Mesa step: its run is the command line's
replication 0, incident for incident. No outcome is written down here: every expected value comes from
sim.api or ceasefire-sim."""

from __future__ import annotations

import math
import shlex

import pytest

from sim import api
from sim.dashboard.page import HOURS_PER_STEP
from sim.dashboard.playback import PageModel
from sim.model.model import CeasefireModel
from sim.model.rules import HOURS_PER_DAY
from sim.model.run import incidents_csv

from .helpers import ceasefire_sim

CASES = [
    ("sept2022", {}),
    ("observer_mission", {"mediation_intensity": 0.5, "observer_sectors": "goris, kapan"}),
    ("peacekeeper_withdrawal", {"seed": "7", "observer_withdraw_day": 30, "offensive_rate_per_year": 1.0}),
    ("no_mediation", {"seed": 3, "observer_strength": 40, "observer_deploy_day": 10}),
]


@pytest.mark.parametrize("scenario,settings", CASES, ids=[c[0] for c in CASES])
def test_day_by_day_gives_the_incidents_of_the_command_lines_run(scenario, settings):
    model = PageModel(scenario_name=scenario, **settings)
    model.run_model()  # Mesa's: step while running
    page = model.playback
    same = api.run_model(scenario, seed=page.seed, **page.prepared.overrides)
    assert incidents_csv(page.result(model)) == incidents_csv(same.result)
    assert page.result(model).actions == same.result.actions
    assert page.result(model).summary == same.result.summary


def test_the_levers_moved_are_the_overrides_and_the_printed_command():
    model = PageModel(scenario_name="observer_mission", seed="5", mediation_intensity=0.5, observer_strength=100)
    page = model.playback
    assert page.prepared.overrides == {"mediation.intensity": 0.5}  # 100 observers is the scenario's own value
    assert page.command == "ceasefire-sim scenario=observer_mission seed=5 mediation.intensity=0.5"
    assert page.prepared.exp.mediation.intensity == 0.5 and page.prepared.exp.observer.strength == 100.0


def test_a_calibrated_run_is_replication_zero_of_the_printed_command(tmp_path):
    settings = {"params": "calibrated", "seed": "11", "mediation_intensity": 0.6, "horizon_days": 120}
    model = PageModel(scenario_name="sept2022", **settings)
    page = model.playback
    assert page.prepared.drawn  # parameters drawn from the posterior, the lever held fixed
    model.run_model()
    words = shlex.split(page.command)
    assert words[0] == "ceasefire-sim" and "params=calibrated" in words and "mediation.intensity=0.6" in words
    proc = ceasefire_sim([*words[1:], f"hydra.run.dir={tmp_path}", "plots=false"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "incidents.csv").read_bytes() == incidents_csv(page.result(model))


def test_the_page_steps_the_ceasefire_model_itself_an_hour_per_mesa_step():
    model = PageModel(seed=2)
    assert isinstance(model, CeasefireModel)  # no second model: Mesa's controls step this one
    whole = api.run_model("sept2022", seed=2).incidents
    for day in range(1, 41):
        for _ in range(HOURS_PER_STEP):  # a Step click of the page
            model.step()
        if model.running:
            assert model.now == model.time == day * HOURS_PER_DAY  # Mesa's clock is the model's: hours
        frame = model.playback.frame(model)
        assert len(frame.incidents) == int((whole["time_hours"] <= model.now).sum())
        assert frame.now_days == model.now / HOURS_PER_DAY


def _seed_that(condition, tries: int = 200, **settings) -> int:
    for seed in range(tries):
        if condition(api.run_model("sept2022", seed=seed, **settings)):
            return seed
    pytest.fail("no seed found")


def test_playback_stops_on_the_day_of_the_collapse():
    seed = _seed_that(lambda r: r.summary["collapsed"])
    same = api.run_model("sept2022", seed=seed)
    model = PageModel(seed=seed)
    model.run_model()
    frame = model.playback.frame(model)
    assert not model.running and frame.collapse is not None
    assert model.now == math.ceil(model.collapse_hours)  # the end of the step (hour) it collapsed in
    assert frame.collapse["day"] == pytest.approx(same.summary["durability_days"], abs=1e-6)
    model.step()  # Mesa's Step would not be offered; if called, the clock moves and nothing more happens
    assert len(model.playback.frame(model).incidents) == same.summary["n_exchanges"]


def test_playback_stops_at_a_horizon_that_is_not_a_whole_day():
    seed = _seed_that(lambda r: not r.summary["collapsed"], horizon_days=20.5)
    model = PageModel(seed=seed, horizon_days=20.5)
    model.run_model()
    assert model.now == 20.5 * HOURS_PER_DAY and model.playback.frame(model).collapse is None
    model.step()  # the horizon is the model's end: time never passes it
    assert model.now == 20.5 * HOURS_PER_DAY and not model.running
    want = api.run_model("sept2022", seed=seed, horizon_days=20.5).result.summary
    assert model.playback.result(model).summary == want


@pytest.mark.parametrize(
    "settings,argv",
    [
        ({"seed": "-1"}, ["seed=-1"]),
        ({"seed": "abc"}, ["seed=abc"]),
        ({"observer_sectors": "goris, nowhere"}, ["observer.sectors=[goris,nowhere]"]),
        (
            {"observer_deploy_day": 20, "observer_withdraw_day": 10},
            ["observer.deploy_day=20", "observer.withdraw_day=10"],
        ),
    ],
    ids=["negative seed", "seed not a number", "unknown sector", "withdrawn before deployed"],
)
def test_bad_input_is_the_command_lines_one_line_and_nothing_runs(settings, argv, tmp_path):
    model = PageModel(**settings)
    page = model.playback
    proc = ceasefire_sim([*argv, f"hydra.run.dir={tmp_path / 'out'}"], tmp_path)
    assert proc.returncode == 2
    assert page.error == proc.stderr.strip() and "\n" not in page.error and page.error.startswith("error: ")
    assert not model.running and page.prepared is None and page.frame(model) is None
    model.step()  # Mesa's Play would call it: nothing happens, nothing raises
    assert not model.running and model.now == 0.0 and not model.agents
