"""Configs compose and validate through Hydra's compose API (no app run, no output folder)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra

from sim.cli import UsageError, check_overrides, job_overrides
from sim.experiment.config import (
    CONF_DIR,
    REPO_ROOT,
    ExperimentConfig,
    check,
    compose_config,
    explain,
    group_options,
    model_params,
    register_configs,
    to_experiment,
    unknown_key_message,
)
from sim.model.params import ModelParams, ParameterError

SCENARIOS = group_options("scenario")
EXPERIMENTS = group_options("experiment")


def test_groups_are_the_files():
    assert set(SCENARIOS) >= {"sept2022", "observer_mission", "no_mediation", "peacekeeper_withdrawal"}
    assert {"baseline", "year"} <= set(EXPERIMENTS)
    assert SCENARIOS == sorted(p.stem for p in (CONF_DIR / "scenario").glob("*.yaml"))
    assert EXPERIMENTS == sorted(p.stem for p in (REPO_ROOT / "experiments").glob("*.yaml"))


def test_experiment_group_is_the_experiments_folder():
    link = CONF_DIR / "experiment"
    assert link.is_dir()
    assert link.resolve() == (REPO_ROOT / "experiments").resolve()


def test_hydra_lists_only_the_files_as_options():
    """The schema lives at the root of the ConfigStore, never inside a group."""
    register_configs()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        loader = GlobalHydra.instance().config_loader()
        assert sorted(loader.get_group_options("scenario")) == SCENARIOS
        assert sorted(loader.get_group_options("experiment")) == EXPERIMENTS


def test_default_config():
    cfg = compose_config([])
    exp = to_experiment(cfg)
    assert isinstance(exp, ExperimentConfig)
    assert (exp.scenario, exp.seed, exp.horizon_days, exp.replications, exp.record_dir, exp.progress) == (
        "sept2022",
        0,
        365.0,
        1,
        "",
        True,
    )
    # every model parameter keeps its default from sim.model.params unless a scenario sets it
    assert model_params(exp) == ModelParams()


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_scenario_composes_and_validates(name, border):
    exp = to_experiment(compose_config([f"scenario={name}"]))
    assert exp.scenario == name
    check(exp, border.sector_ids)
    text = (CONF_DIR / "scenario" / f"{name}.yaml").read_text()
    assert text.startswith("# @package _global_")


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_every_experiment_composes_and_validates(name, border):
    exp = to_experiment(compose_config([f"+experiment={name}"]))
    assert exp.scenario in SCENARIOS
    check(exp, border.sector_ids)
    assert (REPO_ROOT / "experiments" / f"{name}.yaml").read_text().startswith("# @package _global_")


def test_scenarios_say_what_they_are():
    def get(name):
        return to_experiment(compose_config([f"scenario={name}"]))

    base = get("sept2022")
    assert base.observer.strength == 0 and base.mediation.intensity == 1.0
    obs = get("observer_mission")
    assert obs.observer.strength == 100 and obs.observer.sectors == [] and obs.observer.deploy_day == 0
    assert obs.observer.withdraw_day == -1
    assert get("no_mediation").mediation.intensity == 0.0
    pk = get("peacekeeper_withdrawal")
    assert pk.observer.strength == 100 and pk.observer.deploy_day == 0 and pk.observer.withdraw_day == 90


def test_baseline_experiment():
    exp = to_experiment(compose_config(["+experiment=baseline"]))
    assert (exp.scenario, exp.replications, exp.horizon_days) == ("sept2022", 200, 365.0)


def test_experiments_compare_like_with_like():
    base = to_experiment(compose_config(["+experiment=baseline"]))
    for name in ("sept2022", "observer_mission", "no_mediation", "peacekeeper_withdrawal"):
        exp = to_experiment(compose_config(["+experiment=year", f"scenario={name}"]))
        assert exp.scenario == name
        assert (exp.seed, exp.replications, exp.horizon_days) == (base.seed, base.replications, base.horizon_days)


def test_command_line_beats_experiment():
    exp = to_experiment(compose_config(["+experiment=baseline", "scenario=no_mediation", "replications=7"]))
    assert (exp.scenario, exp.replications, exp.mediation.intensity) == ("no_mediation", 7, 0.0)


def test_model_parameters_are_at_the_root():
    exp = to_experiment(
        compose_config(
            [
                "observer.strength=40",
                "mediation.intensity=0.5",
                "retaliation.propensity=0.7",
                "grievance.half_life_days=3",
                "observer.sectors=[goris,kapan]",
                "mediation.mediators.0.leverage=0.1",
            ]
        )
    )
    assert exp.observer.strength == 40.0 and isinstance(exp.observer.strength, float)
    assert exp.mediation.intensity == 0.5
    assert exp.retaliation.propensity == 0.7
    assert exp.grievance.half_life_days == 3.0
    assert exp.observer.sectors == ["goris", "kapan"]
    assert exp.mediation.mediators[0].leverage == 0.1
    params = model_params(exp)
    assert isinstance(params, ModelParams) and not isinstance(params, ExperimentConfig)
    assert {f.name for f in dataclasses.fields(ModelParams)} <= {f.name for f in dataclasses.fields(ExperimentConfig)}


def test_hydra_settings():
    cfg = compose_config([], return_hydra_config=True)
    assert cfg.hydra.run.dir.startswith("outputs/")
    assert cfg.hydra.sweep.dir.startswith("multirun/")
    assert cfg.hydra.job.chdir is False
    assert cfg.hydra.job.name == "ceasefire-sim"


@pytest.mark.parametrize(
    "overrides, message",
    [
        (["horizon_days=0"], "horizon_days=0.0 is out of range"),
        (["horizon_days=-3"], "horizon_days=-3.0 is out of range"),
        (["replications=0"], "replications=0 is out of range"),
        (["seed=-1"], "seed=-1 is out of range"),
        (["mediation.intensity=5"], "mediation.intensity=5.0 is out of range; allowed [0.0, 3.0]"),
        (["retaliation.propensity=1.5"], "retaliation.propensity=1.5 is out of range; allowed [0.0, 1.0]"),
        (["grievance.half_life_days=0"], "grievance.half_life_days=0.0 is out of range; allowed (0.0, inf]"),
        (["collapse.rule=never"], "collapse.rule='never' is not allowed; allowed: killed_window"),
        (["observer.sectors=[atlantis]"], "observer.sectors: unknown sector 'atlantis'; allowed:"),
    ],
)
def test_range_checks(overrides, message, border):
    exp = to_experiment(compose_config(overrides))
    with pytest.raises(ParameterError) as err:
        check(exp, border.sector_ids)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_unknown_key_messages():
    assert unknown_key_message("seed") is None
    assert unknown_key_message("observer.strength") is None
    assert unknown_key_message("mediation.mediators.0.leverage") is None
    msg = unknown_key_message("foo")
    assert msg.startswith("unknown key 'foo'; allowed keys: ") and "horizon_days" in msg and "observer" in msg
    msg = unknown_key_message("observer.strenght")
    assert msg.startswith("unknown key 'observer.strenght'; allowed keys under 'observer': strength")


def test_explain_wrong_type():
    with pytest.raises(Exception) as err:
        compose_config(["seed=abc"])
    assert explain(err.value, ["seed=abc"]) == "seed=abc has the wrong type; allowed: an integer"
    with pytest.raises(Exception) as err:
        compose_config(["progress=maybe"])
    assert explain(err.value, ["progress=maybe"]) == "progress=maybe has the wrong type; allowed: true or false"


# --- preflight without a subprocess (the CLI tests run the same through the command) ---------------


@pytest.mark.parametrize(
    "overrides, multirun, message",
    [
        (["foo=1"], False, "unknown key 'foo'; allowed keys: "),
        (["+foo=1"], False, "unknown key 'foo'; allowed keys: "),
        (["seed=abc"], False, "seed=abc has the wrong type; allowed: an integer"),
        (["replications=2.5"], False, "replications=2.5 has the wrong type; allowed: an integer"),
        (["observer.sectors=goris"], False, "observer.sectors=goris has the wrong type; allowed: a list of strings"),
        (
            ["scenario=foo"],
            False,
            "scenario=foo is not a scenario; allowed: no_mediation, observer_mission, peacekeeper_withdrawal, sept2022",
        ),
        (["scenario=null"], False, "a scenario is required; allowed: "),
        (["+experiment=foo"], False, "+experiment=foo is not an experiment; allowed: baseline"),
        (["experiment=baseline"], False, "+experiment=baseline"),
        (["seed=1,2"], False, "seed=1,2 is a sweep; add -m"),
        (["seed=1,2", "mediation.intensity=0,5"], True, "mediation.intensity=5.0 is out of range"),
        (["seed=[1"], False, "cannot parse 'seed=[1'"),
        (["hydra/launcher=nope"], False, "hydra/launcher=nope is not an option of hydra/launcher; allowed: basic"),
        (["hydra.foo=1"], False, "unknown key 'hydra.foo'"),
        (["observer.deploy_day=10", "observer.withdraw_day=5"], False, "withdraw_day=5.0 is before deploy_day=10.0"),
    ],
)
def test_check_overrides_rejects(overrides, multirun, message):
    with pytest.raises(UsageError) as err:
        check_overrides(overrides, multirun=multirun)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_check_overrides_accepts_sweeps_and_hydra_overrides():
    exps = check_overrides(
        ["scenario=sept2022,observer_mission", "seed=1,2", "hydra.run.dir=/tmp/x", "hydra/launcher=joblib"],
        multirun=True,
    )
    assert sorted((e.scenario, e.seed) for e in exps) == [
        ("observer_mission", 1),
        ("observer_mission", 2),
        ("sept2022", 1),
        ("sept2022", 2),
    ]
    assert len(check_overrides(["+experiment=baseline"])) == 1


def test_sweeper_params_from_config_are_checked():
    jobs = job_overrides(["seed=1"], True, sweeper_params=["mediation.intensity=0,1"])
    assert sorted(jobs) == [["mediation.intensity=0", "seed=1"], ["mediation.intensity=1", "seed=1"]]


def test_large_sweeps_are_checked_job_by_job():
    """Every job of a 200-job sweep is listed for the pre-run check (it costs ~2 ms a job since issue 13)."""
    jobs = job_overrides(["seed=range(0,20)", "observer.strength=range(0,100,10)"], True)
    assert len(jobs) == 200 and ["seed=19", "observer.strength=90"] in jobs


def test_missing_seeds_dir_is_one_line(tmp_path):
    with pytest.raises(UsageError) as err:
        check_overrides([f"record_dir={tmp_path}"])
    assert "events.yaml" in str(err.value) and "\n" not in str(err.value)


def test_repo_conf_dir_is_used():
    assert Path(CONF_DIR, "config.yaml").is_file()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        register_configs()
        cfg = compose(config_name="config", return_hydra_config=True)
    # the label is the chosen scenario file's name, filled in from Hydra's choice, not a value in the files
    assert to_experiment(cfg).scenario == "sept2022"


# --- mediators by name (as docs/ODD.md names them) or by index -----------------------------------------


@pytest.mark.parametrize("field, value", [("leverage", 0.9), ("delay_hours", 6.0), ("name", "RU")])
def test_experiment_config_takes_mediators_by_name(field, value):
    from sim.experiment.config import experiment_config

    by_name = experiment_config(**{f"mediation.mediators.Russia.{field}": value})
    by_index = experiment_config(**{f"mediation.mediators.0.{field}": value})
    assert by_name.config == by_index.config
    assert getattr(by_name.config.mediation.mediators[0], field) == value
    assert by_name.explicit == by_index.explicit == {f"mediation.mediators.0.{field}"}
    nested = experiment_config(mediation={"mediators": {"EU": {"leverage": 0.1}}})
    assert nested.config.mediation.mediators[2].leverage == 0.1


def test_unknown_mediator_is_one_line_naming_the_mediators():
    from sim.experiment.config import experiment_config

    with pytest.raises(ParameterError) as err:
        experiment_config(**{"mediation.mediators.Turkey.leverage": 0.5})
    assert str(err.value) == (
        "mediation.mediators.Turkey.leverage: no mediator named 'Turkey'; mediators: "
        "Russia, CSTO, EU, US (or their index, 0 to 3)"
    )
    with pytest.raises(UsageError) as err:
        check_overrides(["mediation.mediators.Turkey.delay_hours=5"])
    assert "no mediator named 'Turkey'; mediators: Russia, CSTO, EU, US" in str(err.value)


def test_check_overrides_takes_mediators_by_name():
    from sim.cli import index_mediators

    assert index_mediators(["+mediation.mediators.US.leverage=0.2", "seed=1", "mediation.mediators.1.name=X"]) == [
        "+mediation.mediators.3.leverage=0.2",
        "seed=1",
        "mediation.mediators.1.name=X",
    ]
    [exp] = check_overrides(["mediation.mediators.EU.delay_hours=5"])
    assert exp.mediation.mediators[2].delay_hours == 5.0
    exps = check_overrides(["mediation.mediators.CSTO.leverage=0,1"], multirun=True)
    assert [e.mediation.mediators[1].leverage for e in exps] == [0.0, 1.0]
    # the names are those of the config the overrides change: here a list of one mediator
    [exp] = check_overrides(
        ["mediation.mediators=[{name:EU,leverage:0.3,delay_hours:48}]", "mediation.mediators.EU.leverage=0.5"]
    )
    assert [(m.name, m.leverage) for m in exp.mediation.mediators] == [("EU", 0.5)]


def test_a_mediator_at_different_places_in_a_sweep_is_refused():
    eu, us = "{name:EU,leverage:0.3,delay_hours:48}", "{name:US,leverage:0.3,delay_hours:48}"
    lists = f"[{eu}],[{us},{eu}]"  # EU first in one job, second in the other
    with pytest.raises(UsageError) as err:
        check_overrides([f"mediation.mediators={lists}", "mediation.mediators.EU.leverage=0.5"], multirun=True)
    assert "different orders; give the mediator's index" in str(err.value)
