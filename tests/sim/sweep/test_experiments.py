"""The named sweep experiments in experiments/sweep_*.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sim.cli import check_overrides

EXPERIMENTS = Path(__file__).resolve().parents[3] / "experiments"
EXPECTED = {
    "sweep_observer_mediation": {"observer.strength", "mediation.intensity"},
    "sweep_retaliation_grievance": {"retaliation.propensity", "grievance.half_life_days"},
    "sweep_withdrawal": {"observer.withdraw_day", "observer.strength"},
}


def _params(name: str) -> dict[str, str]:
    return yaml.safe_load((EXPERIMENTS / f"{name}.yaml").read_text())["hydra"]["sweeper"]["params"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_experiment_sweeps_explicit_values(name):
    params = _params(name)
    assert set(params) == EXPECTED[name]
    for key, spec in params.items():
        assert "range(" not in str(spec), f"{name}: {key} uses range(); list the values"
        values = [v.strip() for v in str(spec).split(",")]
        assert len(values) >= 3, (name, key)
        for v in values:  # exact decimals, e.g. 0.3 and not 0.30000000000000004
            assert repr(float(v)) in (v, v + ".0"), (name, key, v)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_experiment_passes_preflight(name):
    jobs = check_overrides([f"+experiment={name}"], multirun=True)
    n = 1
    for spec in _params(name).values():
        n *= len(str(spec).split(","))
    assert len(jobs) == n
    assert all(j.replications == 200 and j.horizon_days == 365.0 and j.seed == 0 for j in jobs)


def test_withdrawal_sweep_deploys_a_contingent():
    jobs = check_overrides(["+experiment=sweep_withdrawal"], multirun=True)
    assert {j.observer.withdraw_day for j in jobs} == {-1.0, 30.0, 90.0, 180.0}
    assert all(j.observer.strength > 0 and j.observer.deploy_day == 0.0 for j in jobs)


def test_summary_reads_the_experiments_sweep(tmp_path):
    """multirun.yaml as Hydra composes it for the experiment gives the swept keys and every job."""
    from omegaconf import OmegaConf

    from sim.experiment.config import compose_config
    from sim.sweep.aggregate import sweep_definition

    cfg = compose_config(["+experiment=sweep_withdrawal"], return_hydra_config=True)
    OmegaConf.set_struct(cfg, False)
    cfg.hydra.overrides.task = ["+experiment=sweep_withdrawal"]
    OmegaConf.save(cfg, tmp_path / "multirun.yaml")
    keys, expected, fixed = sweep_definition(tmp_path)
    assert keys == ["observer.withdraw_day", "observer.strength"]
    assert fixed == ["+experiment=sweep_withdrawal"]
    assert len(expected) == 12
    assert expected[0] == ["observer.withdraw_day=-1", "observer.strength=50", "+experiment=sweep_withdrawal"]
