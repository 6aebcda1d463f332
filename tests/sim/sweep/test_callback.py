"""End to end: ``ceasefire-sim -m ...`` with the sweep callback, under every launcher.

These run the installed command as a user would (a subprocess per sweep), on small sweeps.
The callback is added with ``++hydra.callbacks.sweep_summary...`` (add or override), so the tests
hold whether or not conf/config.yaml registers it; the launcher is always named explicitly.
"""

from __future__ import annotations

import csv
import importlib.util
import shutil
from pathlib import Path

import pytest

from sim.sweep import COX_FILE, COX_PLOT, HEATMAP_PLOT, SURVIVAL_PLOT, SWEEP_SUMMARY_FILE
from sim.sweep.aggregate import format_value, override_values, read_sweep
from sim.sweep.callback import summarize_sweep

from .helpers import CALLBACK, run_sim

SWEEP = [
    "-m",
    "observer.strength=0,100",
    "mediation.intensity=0,1",
    "replications=8",
    "horizon_days=90",
    "progress=false",
    CALLBACK,
]
JOBLIB = ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"]
BASIC = ["hydra/launcher=basic"]
RESULT_FILES = ("replications.csv", "summary.json", "incidents.csv")


def _ok(proc):
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr + proc.stdout


def _results(sweep_dir: Path) -> dict:
    """{(strength, intensity): {file: bytes}} of every job, keyed by its values (not its folder)."""
    sweep = read_sweep(sweep_dir)
    out = {}
    for job in sweep.jobs:
        assert job.finished, (job.name, job.status, job.error)
        values = override_values(job.overrides)
        key = tuple(format_value(values[k]) for k in ("observer.strength", "mediation.intensity"))
        out[key] = {name: (job.path / name).read_bytes() for name in RESULT_FILES}
    return out


@pytest.fixture(scope="module")
def joblib_sweep(tmp_path_factory):
    root = tmp_path_factory.mktemp("joblib")
    proc = run_sim([*SWEEP, *JOBLIB, f"hydra.sweep.dir={root / 'sweep'}"], cwd=root)
    return root / "sweep", proc


def test_sweep_summary_files(joblib_sweep):
    sweep_dir, proc = joblib_sweep
    _ok(proc)
    for name in (SWEEP_SUMMARY_FILE, COX_FILE, SURVIVAL_PLOT, HEATMAP_PLOT):
        assert (sweep_dir / name).is_file(), name
    assert not list(sweep_dir.rglob("*.tmp"))
    rows = list(csv.DictReader((sweep_dir / SWEEP_SUMMARY_FILE).open()))
    assert [(r["observer.strength"], r["mediation.intensity"]) for r in rows] == [
        ("0", "0"),
        ("0", "1"),
        ("100", "0"),
        ("100", "1"),
    ]
    assert all(r["status"] == "finished" and r["replications"] == "8" for r in rows)
    assert "Cox proportional hazards" in proc.stdout
    assert "sweep: 4 jobs over observer.strength (2) x mediation.intensity (2); 4 finished" in proc.stdout


def test_same_results_under_the_basic_launcher(joblib_sweep, tmp_path):
    sweep_dir, proc = joblib_sweep
    _ok(proc)
    basic = run_sim([*SWEEP, *BASIC, f"hydra.sweep.dir={tmp_path / 'sweep'}"], cwd=tmp_path)
    _ok(basic)
    a, b = _results(sweep_dir), _results(tmp_path / "sweep")
    assert len(a) == 4 and a == b
    assert (sweep_dir / SWEEP_SUMMARY_FILE).read_bytes() == (tmp_path / "sweep" / SWEEP_SUMMARY_FILE).read_bytes()


@pytest.mark.skipif(
    importlib.util.find_spec("hydra_plugins.hydra_submitit_launcher") is None,
    reason="hydra-submitit-launcher is not installed (pip install -e '.[cluster]')",
)
def test_same_results_under_submitit(joblib_sweep, tmp_path):
    """The SLURM path, run here with submitit's local executor: same per-job bytes."""
    sweep_dir, proc = joblib_sweep
    _ok(proc)
    args = [
        "-m",
        "observer.strength=0,100",
        "mediation.intensity=1",
        *SWEEP[3:],
        "hydra/launcher=submitit_local",
        f"hydra.sweep.dir={tmp_path / 'sweep'}",
    ]
    sub = run_sim(args, cwd=tmp_path)
    _ok(sub)
    a, b = _results(sweep_dir), _results(tmp_path / "sweep")
    assert len(b) == 2
    for key, files in b.items():
        assert files == a[key], key
    assert (tmp_path / "sweep" / SWEEP_SUMMARY_FILE).is_file()


def test_failed_job_then_resume(tmp_path):
    """Needs the sweep hook in sim/cli.py (sim.sweep.jobs.run_sweep_job in the task function)."""
    sweep_dir = tmp_path / "sweep"
    args = [*SWEEP, *JOBLIB, f"hydra.sweep.dir={sweep_dir}"]
    # job 1 cannot write its results: a folder sits where replications.csv goes
    blocker = sweep_dir / "1_sept2022" / "replications.csv"
    blocker.mkdir(parents=True)
    proc = run_sim(args, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "1 of 4 jobs did not finish" in proc.stderr
    failed = "1_sept2022 (observer.strength=0 mediation.intensity=1): failed: cannot write sweep/1_sept2022/"
    assert failed + "replications.csv" in proc.stderr
    rows = list(csv.DictReader((sweep_dir / SWEEP_SUMMARY_FILE).open()))
    assert [r["status"] for r in rows] == ["finished", "failed", "finished", "finished"]
    assert rows[1]["error"].startswith("cannot write") and "Is a directory" in rows[1]["error"]
    assert (sweep_dir / "1_sept2022" / "failed.json").is_file()
    done = {j: (sweep_dir / f"{j}_sept2022" / "summary.json").stat().st_mtime_ns for j in (0, 2, 3)}
    before = {j: (sweep_dir / f"{j}_sept2022" / "replications.csv").read_bytes() for j in (0, 2, 3)}

    shutil.rmtree(blocker)
    again = run_sim(args, cwd=tmp_path)
    _ok(again)
    for j in (0, 2, 3):  # finished jobs were not run again, and nothing of theirs was lost
        assert (sweep_dir / f"{j}_sept2022" / "summary.json").stat().st_mtime_ns == done[j]
        assert (sweep_dir / f"{j}_sept2022" / "replications.csv").read_bytes() == before[j]
        assert "skipped" in (sweep_dir / f"{j}_sept2022" / "ceasefire-sim.log").read_text()
    assert not (sweep_dir / "1_sept2022" / "failed.json").exists()
    rows = list(csv.DictReader((sweep_dir / SWEEP_SUMMARY_FILE).open()))
    assert [r["status"] for r in rows] == ["finished"] * 4


def test_summary_of_a_folder_that_is_not_a_sweep(tmp_path, capsys):
    assert summarize_sweep(tmp_path) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "not a sweep folder" in err
    assert not list(tmp_path.iterdir())


def test_rerun_the_summary_by_hand(joblib_sweep, tmp_path):
    from .helpers import run_module

    sweep_dir, proc = joblib_sweep
    _ok(proc)
    copy = tmp_path / "copy"
    shutil.copytree(sweep_dir, copy)
    (copy / SWEEP_SUMMARY_FILE).unlink()
    (copy / COX_PLOT).unlink(missing_ok=True)
    again = run_module("sim.sweep", [str(copy)], cwd=tmp_path)
    _ok(again)
    assert (copy / SWEEP_SUMMARY_FILE).read_bytes() == (sweep_dir / SWEEP_SUMMARY_FILE).read_bytes()
