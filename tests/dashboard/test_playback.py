"""A day per step, hours underneath: the page's run is the command line's replication 0, incident for
incident. No outcome is written down here: every expected value comes from sim.api or ceasefire-sim."""

from __future__ import annotations

import math
import shlex

import numpy as np
import pytest

from sim import api
from sim.dashboard.playback import Playback
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
    page = Playback(scenario_name=scenario, **settings)
    page.play_to_end()
    same = api.run_model(scenario, seed=page.seed, **page.prepared.overrides)
    assert incidents_csv(page.result()) == incidents_csv(same.result)
    assert page.result().actions == same.result.actions
    assert page.result().summary == same.result.summary


def test_the_levers_moved_are_the_overrides_and_the_printed_command():
    page = Playback(scenario_name="observer_mission", seed="5", mediation_intensity=0.5, observer_strength=100)
    assert page.prepared.overrides == {"mediation.intensity": 0.5}  # 100 observers is the scenario's own value
    assert page.command == "ceasefire-sim scenario=observer_mission seed=5 mediation.intensity=0.5"
    assert page.prepared.exp.mediation.intensity == 0.5 and page.prepared.exp.observer.strength == 100.0


def test_a_calibrated_run_is_replication_zero_of_the_printed_command(tmp_path):
    page = Playback(scenario_name="sept2022", params="calibrated", seed="11", mediation_intensity=0.6, horizon_days=120)
    assert page.prepared.drawn  # parameters drawn from the posterior, the lever held fixed
    page.play_to_end()
    words = shlex.split(page.command)
    assert words[0] == "ceasefire-sim" and "params=calibrated" in words and "mediation.intensity=0.6" in words
    proc = ceasefire_sim([*words[1:], f"hydra.run.dir={tmp_path}", "plots=false"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "incidents.csv").read_bytes() == incidents_csv(page.result())


def test_a_step_is_a_day_of_mesa_time_and_24_hours_of_the_model():
    page = Playback(seed=2)
    whole = api.run_model("sept2022", seed=2).incidents
    for day in range(1, 41):
        page.step()
        assert page.day == day and page.time == float(day) and page.steps == day  # Mesa's clock: days
        if page.running:
            assert page.ceasefire.now == day * HOURS_PER_DAY  # the model's clock: hours
        until = page.ceasefire.now
        assert len(page.frame.incidents) == int((whole["time_hours"] <= until).sum())
        assert page.frame.now_days == until / HOURS_PER_DAY


def _seed_that(condition, tries: int = 200, **settings) -> int:
    for seed in range(tries):
        if condition(api.run_model("sept2022", seed=seed, **settings)):
            return seed
    pytest.fail("no seed found")


def test_playback_stops_on_the_day_of_the_collapse():
    seed = _seed_that(lambda r: r.summary["collapsed"])
    same = api.run_model("sept2022", seed=seed)
    page = Playback(seed=seed)
    page.play_to_end()
    assert not page.running and page.frame.collapse is not None
    assert page.day == math.ceil(same.summary["durability_days"])
    assert page.frame.collapse["day"] == pytest.approx(same.summary["durability_days"], abs=1e-6)
    before = page.day
    page.step()  # nothing more happens
    assert page.day == before and len(page.frame.incidents) == same.summary["n_exchanges"]


def test_playback_stops_at_a_horizon_that_is_not_a_whole_day():
    seed = _seed_that(lambda r: not r.summary["collapsed"], horizon_days=20.5)
    page = Playback(seed=seed, horizon_days=20.5)
    page.play_to_end()
    assert page.day == 21 and page.ceasefire.now == 20.5 * HOURS_PER_DAY and page.frame.collapse is None
    assert page.result().summary == api.run_model("sept2022", seed=seed, horizon_days=20.5).result.summary


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
    page = Playback(**settings)
    proc = ceasefire_sim([*argv, f"hydra.run.dir={tmp_path / 'out'}"], tmp_path)
    assert proc.returncode == 2
    assert page.error == proc.stderr.strip() and "\n" not in page.error and page.error.startswith("error: ")
    assert not page.running and page.ceasefire is None and page.frame is None
    page.step()  # Mesa's Play would call it: nothing happens, nothing raises
    assert not page.running and page.day == 0


def test_the_playback_model_draws_nothing_itself():
    page = Playback(seed=4)
    state = page.rng.bit_generator.state
    for _ in range(30):
        page.step()
    assert page.rng.bit_generator.state == state  # Mesa's own generator of the wrapper is never used
    assert isinstance(page.ceasefire.rng, np.random.Generator) and page.ceasefire.rng is not page.rng
