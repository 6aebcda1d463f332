"""The Python API gives the command line's numbers, validates like it, and its worked example runs."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim import api
from sim.experiment.outputs import summary_json
from sim.model.params import ModelParams, ParameterError
from sim.model.run import simulate

ROOT = Path(__file__).resolve().parents[2]


def cli(*args, cwd):
    cmd = [sys.executable, "-c", "from sim.cli import main; main()", *args]
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return r


@pytest.mark.parametrize(
    "args,kwargs",
    [
        (
            ["scenario=observer_mission", "replications=12", "seed=3", "horizon_days=120"],
            dict(scenario="observer_mission", replications=12, seed=3, horizon_days=120),
        ),
        (
            ["params=calibrated", "replications=8", "seed=5", "mediation.intensity=0.5", "retaliation.propensity=0.3"],
            dict(
                replications=8,
                seed=5,
                params="calibrated",
                **{"mediation.intensity": 0.5, "retaliation.propensity": 0.3},
            ),
        ),
        (["+experiment=smoke"], dict(experiment="smoke")),
    ],
)
def test_the_same_numbers_as_the_command_line(tmp_path, args, kwargs):
    out = tmp_path / "run"
    cli(*args, f"hydra.run.dir={out}", "progress=false", cwd=tmp_path)
    res = api.run(**kwargs)
    on_disk = pd.read_csv(out / "replications.csv", keep_default_na=False)
    ours = pd.read_csv(io.StringIO(res.replications.to_csv(index=False)), keep_default_na=False)
    ours["collapsed"] = ours["collapsed"].astype(int)
    assert list(ours.columns) == list(on_disk.columns)
    pd.testing.assert_frame_equal(ours, on_disk, check_dtype=False)
    cli_summary = json.loads((out / "summary.json").read_text())
    assert json.loads(summary_json(res.summary)) == cli_summary


def test_one_model_run_as_a_table(tmp_path):
    out = tmp_path / "one"
    cli("seed=4", f"hydra.run.dir={out}", cwd=tmp_path)
    one = api.run_model("sept2022", seed=4)
    on_disk = pd.read_csv(out / "incidents.csv")
    assert list(one.incidents.columns) == list(on_disk.columns)
    assert len(one.incidents) == len(on_disk)
    assert (one.incidents["killed_ARM"].to_numpy() == on_disk["killed_ARM"].to_numpy()).all()
    assert one.incidents["time_hours"].round(4).tolist() == on_disk["time_hours"].tolist()
    assert set(one.actions.columns) == {"time_hours", "who", "what"}


def test_save_writes_the_command_lines_files(tmp_path):
    res = api.run(replications=3, horizon_days=30)
    res.save(tmp_path / "saved")
    for name in ("summary.json", "replications.csv", "survival.png", "incidents.csv", "timeline.png"):
        assert (tmp_path / "saved" / name).is_file()


@pytest.mark.parametrize(
    "call,message",
    [
        (lambda: api.run(**{"observer.strength": -5}), "observer.strength=-5"),
        (lambda: api.run("atlantis"), "scenario=atlantis is not a scenario"),
        (lambda: api.run(replications=0), "replications=0 is out of range"),
        (lambda: api.run(**{"observer.strenght": 5}), "unknown key 'observer.strenght'"),
        (lambda: api.run_model(**{"retaliation.propensity": 2.0}), "retaliation.propensity=2.0 is out of range"),
    ],
)
def test_bad_settings_get_one_line(call, message):
    with pytest.raises(ParameterError) as e:
        call()
    assert message in str(e.value) and "\n" not in str(e.value)


def test_simulate_validates_its_parameters(border):
    params = ModelParams()
    params.observer.strength = -1.0
    with pytest.raises(ParameterError, match=r"observer.strength=-1.0 is out of range"):
        simulate(params, 0, 30, border)
    with pytest.raises(ParameterError, match="horizon_days"):
        simulate(ModelParams(), 0, float("nan"), border)


def test_the_worked_example_runs():
    r = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "examples" / "observer_mission.py")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "EXAMPLE_REPLICATIONS": "10"},
    )
    assert r.returncode == 0, r.stderr
    assert "observer_mission" in r.stdout and "fixed: ['retaliation.propensity']" in r.stdout
