"""Reading a sweep folder into rows, from the files only."""

from __future__ import annotations

import csv
import io
import json
import shutil

import numpy as np
import pytest
import yaml
from lifelines import KaplanMeierFitter
from omegaconf import OmegaConf

from sim.experiment.survival import kaplan_meier
from sim.sweep import CONFIG_HASH_FILE, FAILED_FILE
from sim.sweep.aggregate import SweepError, read_sweep, summary_rows, survival_at, sweep_summary_csv

from .helpers import exponential_data, make_sweep, write_job

PARAMS = {"observer.strength": [0, 20, 100], "mediation.intensity": [0, 0.5]}


def _rate(values):
    return 0.01 / (1 + values["observer.strength"] / 20) / (1 + values["mediation.intensity"])


@pytest.fixture
def sweep_dir(tmp_path):
    return make_sweep(tmp_path / "s", params=PARAMS, data=exponential_data(_rate), fixed=("replications=200",))


def test_jobs_values_and_levels(sweep_dir):
    s = read_sweep(sweep_dir)
    assert s.params == ["observer.strength", "mediation.intensity"]
    assert s.levels == {"observer.strength": [0, 20, 100], "mediation.intensity": [0, 0.5]}
    assert [j.index for j in s.jobs] == list(range(6))
    assert [j.values for j in s.jobs][:2] == [
        {"observer.strength": 0, "mediation.intensity": 0},
        {"observer.strength": 0, "mediation.intensity": 0.5},
    ]
    assert isinstance(s.jobs[1].values["mediation.intensity"], float)
    assert all(j.status == "finished" for j in s.jobs)
    assert s.fixed == ["replications=200"]
    assert s.horizon_days == 365.0


def test_row_statistics_match_kaplan_meier(sweep_dir):
    s = read_sweep(sweep_dir)
    rows = summary_rows(s)
    for job, row in zip(s.jobs, rows):
        kmf = KaplanMeierFitter().fit(job.durations, job.collapsed)
        assert row["replications"] == 200
        assert row["n_collapsed"] == int(job.collapsed.sum())
        assert row["share_collapsed"] == pytest.approx(job.collapsed.mean())
        lo, hi = row["share_collapsed_ci_low"], row["share_collapsed_ci_high"]
        assert lo < row["share_collapsed"] < hi or row["share_collapsed"] in (0.0, 1.0)
        for day in (30, 90, 180):
            assert row[f"survival_{day}d"] == pytest.approx(float(kmf.predict(day)))
            assert row[f"survival_{day}d_ci_low"] <= row[f"survival_{day}d"] <= row[f"survival_{day}d_ci_high"]
        km = kaplan_meier(job.durations, job.collapsed)
        assert row["median_days"] == km.median
        assert (row["median_ci_low"], row["median_ci_high"]) == km.median_ci
        if km.median is not None:
            assert row["median_days"] == pytest.approx(float(kmf.median_survival_time_))
    # the least protected job collapses most; the best protected holds beyond the horizon
    assert rows[0]["share_collapsed"] > rows[-1]["share_collapsed"]
    assert rows[0]["median_reached"] is True and rows[-1]["median_reached"] is False
    assert rows[-1]["median_text"].startswith(">365")


def test_summary_csv(sweep_dir):
    text = sweep_summary_csv(read_sweep(sweep_dir))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 6
    assert list(rows[0])[:4] == ["job", "observer.strength", "mediation.intensity", "status"]
    for col in (
        "share_collapsed",
        "median_days",
        "median_ci_low",
        "median_ci_high",
        "survival_30d",
        "survival_90d",
        "survival_180d",
        "error",
    ):
        assert col in rows[0]
    last = rows[-1]
    assert last["median_days"] == "" and last["median_reached"] == "0"  # censored: empty, flagged


def test_survival_beyond_horizon_is_blank(tmp_path):
    d = make_sweep(
        tmp_path / "s", params={"seed": [0, 1]}, data=exponential_data(lambda v: 0.02, horizon=120), horizon=120
    )
    row = summary_rows(read_sweep(d))[0]
    assert row["survival_90d"] is not None and row["survival_180d"] is None


def test_survival_at_is_the_step_holding_that_day():
    km = kaplan_meier([10.0, 20.0, 30.0, 40.0], [True, True, False, True])
    assert survival_at(km, 9.99)[0] == 1.0
    assert survival_at(km, 10.0)[0] == pytest.approx(0.75)
    assert survival_at(km, 25.0)[0] == pytest.approx(0.5)


def test_failed_incomplete_missing_and_foreign_folders(tmp_path):
    d = make_sweep(tmp_path / "s", params=PARAMS, data=exponential_data(_rate, n=20), skip=(5,))
    # job 1 failed with a marker, job 2 never finished (no summary, no marker)
    (d / "1_sept2022" / "summary.json").unlink()
    (d / "1_sept2022" / FAILED_FILE).write_text(json.dumps({"error": "OSError: disk full"}))
    (d / "2_sept2022" / "summary.json").unlink()
    # a folder left by an earlier sweep with other values
    write_job(d / "9_sept2022", ["observer.strength=7", "mediation.intensity=0"], [1.0], [True])
    s = read_sweep(d)
    status = {j.index: (j.status, j.error) for j in s.jobs}
    assert status[0] == ("finished", None)
    assert status[1] == ("failed", "OSError: disk full")
    assert status[2][0] == "incomplete"
    assert status[5] == ("missing", "did not run (no job folder)")
    assert [j.index for j in s.failed] == [1, 2, 5]
    assert [p.name for p in s.ignored] == ["9_sept2022"]
    rows = summary_rows(s)
    assert rows[1]["status"] == "failed" and rows[1]["replications"] is None
    assert rows[5]["observer.strength"] == 100 and rows[5]["mediation.intensity"] == 0.5


def test_stale_summary_from_an_earlier_config(tmp_path):
    from sim.experiment.config import compose_config
    from sim.sweep.jobs import config_hash

    d = make_sweep(tmp_path / "s", params={"observer.strength": [0, 20]}, data=exponential_data(lambda v: 0.01, n=10))
    for i, strength in enumerate((0, 20)):
        cfg = compose_config([f"observer.strength={strength}"])
        OmegaConf.save(cfg, d / f"{i}_sept2022" / ".hydra" / "config.yaml")
        (d / f"{i}_sept2022" / CONFIG_HASH_FILE).write_text(config_hash(cfg) + "\n")
    (d / "1_sept2022" / CONFIG_HASH_FILE).write_text("0" * 64 + "\n")  # hash of some other config
    s = read_sweep(d)
    assert [j.status for j in s.jobs] == ["finished", "stale"]


def test_sweep_defined_by_an_experiment(tmp_path):
    d = make_sweep(
        tmp_path / "s",
        params={"retaliation.propensity": [0.3, 0.7], "grievance.half_life_days": [2, 5]},
        data=exponential_data(lambda v: 0.01, n=10),
        fixed=("+experiment=sweep_x",),
        sweeper_params=True,
    )
    s = read_sweep(d)
    assert s.params == ["retaliation.propensity", "grievance.half_life_days"]
    assert s.fixed == ["+experiment=sweep_x"]
    assert all(j.finished for j in s.jobs)


@pytest.mark.parametrize("case", ["missing", "file", "no_multirun", "bad_multirun"])
def test_not_a_sweep(tmp_path, case):
    p = tmp_path / "x"
    if case == "file":
        p.write_text("x")
    elif case == "no_multirun":
        p.mkdir()
    elif case == "bad_multirun":
        p.mkdir()
        (p / "multirun.yaml").write_text(yaml.safe_dump({"hydra": {"overrides": {"task": ["a=("]}}}))
    with pytest.raises(SweepError) as e:
        read_sweep(p)
    assert "\n" not in str(e.value) and str(p) in str(e.value)


def test_durations_are_read_from_the_csv(tmp_path):
    d = make_sweep(
        tmp_path / "s",
        params={"seed": [0, 1]},
        data=lambda v: (np.array([5.0, 365.0, 100.5]), np.array([True, False, True])),
    )
    job = read_sweep(d).jobs[0]
    assert job.durations.tolist() == [5.0, 365.0, 100.5] and job.collapsed.tolist() == [True, False, True]


def test_command_line_value_replaces_an_experiments_sweep(tmp_path):
    d = make_sweep(
        tmp_path / "s",
        params={"observer.strength": [0, 20], "mediation.intensity": [0, 1]},
        data=exponential_data(lambda v: 0.01, n=5),
        sweeper_params=True,
    )
    # as `-m +experiment=x mediation.intensity=1`: the task overrides hold a plain value for a swept key
    multirun = yaml.safe_load((d / "multirun.yaml").read_text())
    multirun["hydra"]["overrides"]["task"] = ["mediation.intensity=1"]
    (d / "multirun.yaml").write_text(yaml.safe_dump(multirun, sort_keys=False))
    for p in d.glob("*_sept2022"):
        shutil.rmtree(p)
    for i, s in enumerate([0, 20]):
        write_job(d / f"{i}_sept2022", [f"observer.strength={s}", "mediation.intensity=1"], [1.0], [True])
    sweep = read_sweep(d)
    assert sweep.params == ["observer.strength"]
    assert sweep.fixed == ["mediation.intensity=1"]
    assert [j.status for j in sweep.jobs] == ["finished", "finished"] and not sweep.ignored
    assert sweep.levels == {"observer.strength": [0, 20]}
