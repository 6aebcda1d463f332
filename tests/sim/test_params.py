"""Parameter validation: every range check names the key, the value and what is allowed."""

import dataclasses

import pytest

from sim.model.params import MEDIATOR_SOURCES, ModelParams, ObserverParams, ParameterError, from_dict, rows, validate


def test_defaults_are_valid():
    validate(ModelParams(), sectors=("vardenis", "sotk"))


@pytest.mark.parametrize(
    "path,value,message",
    [
        ("retaliation.propensity", 1.5, "retaliation.propensity=1.5 is out of range; allowed [0.0, 1.0]"),
        ("grievance.half_life_days", 0.0, "grievance.half_life_days=0.0 is out of range; allowed (0.0, inf]"),
        ("violations.base_rate_per_day", -1.0, "violations.base_rate_per_day=-1.0 is out of range"),
        ("collapse.rule", "never", "collapse.rule='never' is not allowed; allowed: killed_window, killed_and_sectors"),
        ("collapse.rule", "either", "collapse.rule='either' is not allowed ('either' was retired: it fired on three"),
        ("collapse.rule", "top_tier_sectors", "'top_tier_sectors' was retired"),
        ("offensive.rate_per_year", -0.1, "offensive.rate_per_year=-0.1 is out of range"),
        ("retaliation.episode_fatigue", 1.5, "retaliation.episode_fatigue=1.5 is out of range; allowed [0.0, 1.0]"),
        ("mediation.intensity", float("nan"), "mediation.intensity=nan must be a finite number"),
        ("observer.sectors", ["atlantis"], "observer.sectors: unknown sector 'atlantis'; allowed: vardenis, sotk"),
    ],
)
def test_out_of_range_values_are_named(path, value, message):
    p = ModelParams()
    group, key = path.split(".")
    setattr(getattr(p, group), key, value)
    with pytest.raises(ParameterError) as e:
        validate(p, sectors=("vardenis", "sotk"))
    assert message in str(e.value) and "\n" not in str(e.value)


def test_mediator_leverage_checked():
    p = ModelParams()
    p.mediation.mediators[1].leverage = 2.0
    with pytest.raises(ParameterError, match=r"mediation.mediators\[1\].leverage=2.0"):
        validate(p)


def test_withdrawal_before_deployment_rejected():
    p = ModelParams()
    p.observer = dataclasses.replace(p.observer, deploy_day=10.0, withdraw_day=5.0)
    with pytest.raises(ParameterError, match="withdraw_day"):
        validate(p)


def test_from_dict_round_trip_and_unknown_key():
    p = from_dict(
        ModelParams,
        {
            "retaliation": {"propensity": 0.7},
            "mediation": {"mediators": [{"name": "EU", "leverage": 0.2, "delay_hours": 5.0}]},
        },
    )
    assert p.retaliation.propensity == 0.7 and p.mediation.mediators[0].name == "EU"
    assert p.grievance == ModelParams().grievance
    with pytest.raises(ParameterError, match="unknown parameter RetaliationParams.typo"):
        from_dict(ModelParams, {"retaliation": {"typo": 1}})


def test_lists_of_parameter_dataclasses_are_handled_generically():
    """mediation.mediators and missions: built from dicts, checked item by item, one table row per item
    field named by the item's name (an empty list: one row for the list itself)."""
    p = from_dict(ModelParams, {"missions": [{"name": "EU", "strength": 100.0, "sectors": ["jermuk"]}]})
    assert isinstance(p.missions[0], ObserverParams) and p.missions[0].sectors == ["jermuk"]
    names = [r[0] for r in rows(p)]
    assert {"missions.EU.strength", "missions.EU.sectors"} <= set(names)
    assert "missions.EU.name" not in names and "missions" not in names
    assert "missions" in [r[0] for r in rows()]
    assert [r for r in rows() if r[0].startswith("mediation.mediators.Russia.")] == [
        ("mediation.mediators.Russia.leverage", "0.45", "probability scale", MEDIATOR_SOURCES["Russia"]),
        ("mediation.mediators.Russia.delay_hours", "12.0", "hours", MEDIATOR_SOURCES["Russia"]),
    ]
    with pytest.raises(ParameterError, match="unknown sector 'nowhere'"):
        validate(from_dict(ModelParams, {"missions": [{"name": "EU", "sectors": ["nowhere"]}]}), sectors=("jermuk",))
    p.missions[0].max_deterrence = 2.0
    with pytest.raises(ParameterError, match=r"missions\[0\].max_deterrence=2.0"):
        validate(p)
    with pytest.raises(ParameterError, match="names must be unique"):
        validate(from_dict(ModelParams, {"mediation": {"mediators": [{"name": "EU"}, {"name": "EU"}]}}))
