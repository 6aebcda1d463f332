"""The page's inputs: sliders within the model's allowed ranges and starting at the scenario's values,
levers turned into the command line's overrides, and the command printed."""

from __future__ import annotations

import pytest

from sim import api
from sim.dashboard import levers
from sim.dashboard.page import model_params
from sim.experiment.config import select
from sim.model.params import ParameterError


@pytest.mark.parametrize("lever", [x for x in levers.LEVERS if not x.listed], ids=lambda x: x.key)
def test_every_slider_lies_within_the_models_allowed_range(lever):
    lo, hi = levers.allowed_range(lever.key)
    assert lo is not None and lever.lo >= lo
    assert hi is None or lever.hi <= hi
    assert lever.lo < lever.hi and lever.step > 0


@pytest.mark.parametrize("scenario", levers.scenario_names())
def test_sliders_start_at_the_value_hydra_composes_for_the_scenario(scenario):
    composed = api.configure(scenario)
    values = levers.scenario_values(scenario)
    for lever in levers.LEVERS:
        assert levers.config_value(lever, values[lever.arg]) == select(composed, lever.key), lever.key
        if not lever.listed:
            assert lever.lo <= values[lever.arg] <= lever.hi  # a slider can show it


def test_an_unknown_scenario_is_the_command_lines_message():
    with pytest.raises(ParameterError, match="scenario=nowhere is not a scenario; allowed: "):
        levers.scenario_values("nowhere")


def test_only_the_levers_moved_off_the_scenario_become_overrides():
    base = levers.scenario_values("peacekeeper_withdrawal")
    chosen = {**base, "mediation_intensity": 1.1500000000000001, "observer_sectors": " goris,kapan ,"}
    assert levers.moved(base, chosen) == {"observer.sectors": ["goris", "kapan"], "mediation.intensity": 1.15}
    assert levers.moved(base, {**base, "observer_withdraw_day": 90.0}) == {}  # 90 == 90.0: not moved
    assert levers.moved(base, dict.fromkeys(base)) == {}  # None: the scenario's value


def test_the_printed_command_is_the_command_lines():
    text = levers.command_line("observer_mission", "calibrated", 3, {"observer.sectors": ["sotk"], "x.y": 0.1}, 60.0)
    want = "ceasefire-sim scenario=observer_mission seed=3 params=calibrated horizon_days=60"
    assert text == want + " observer.sectors=[sotk] x.y=0.1"
    assert levers.format_value(1 / 3) == repr(1 / 3) and levers.format_value(100.0) == "100"


def test_mesa_model_params_name_every_keyword_of_the_model():
    import inspect

    from sim.dashboard.playback import PageModel

    params = model_params("observer_mission", "calibrated", 7)
    keywords = set(inspect.signature(PageModel.__init__).parameters) - {"self", "horizon_days"}
    assert set(params) == keywords
    assert params["scenario_name"] == "observer_mission" and params["seed"]["value"] == "7"
    assert params["observer_strength"]["value"] == 100 and params["params"]["value"] == "calibrated"
