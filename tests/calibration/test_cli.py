"""The ceasefire-calibrate command, in a subprocess."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def calibrate(*args, cwd=ROOT):
    cmd = [sys.executable, "-c", "from calibration.cli import main; main()", *args]
    return subprocess.run(
        cmd, cwd=cwd, capture_output=True, text=True, timeout=600, env={**os.environ, "HYDRA_FULL_ERROR": "0"}
    )


def test_smoke_calibration_writes_every_output(tmp_path):
    out = tmp_path / "run"
    r = calibrate("calibration=smoke", f"hydra.run.dir={out}")
    assert r.returncode == 0, r.stderr
    for name in (
        "history.db",
        "posterior.csv",
        "generation0.csv",
        "run.json",
        "report.md",
        "report.json",
        "marginals.png",
        "pairs.png",
        "predictive.png",
    ):
        assert (out / name).is_file(), name
    assert not list(out.glob(".*.tmp"))
    run = json.loads((out / "run.json").read_text())
    assert run["settings"]["population_size"] == 40 and len(run["generations"]) == 2
    assert "informed" in r.stdout + r.stderr and "simulations in" in r.stdout + r.stderr


@pytest.mark.parametrize(
    "override,message",
    [
        ("calibration.sampler=gpu", "calibration.sampler='gpu' is not allowed; allowed: parallel, single, multicore"),
        ("calibration.population_size=0", "calibration.population_size=0 is out of range"),
        ("calibration=huge", "calibration: no such option; allowed: committed, full, smoke"),
        ("foo=1", "unknown key 'foo'"),
        ("calibration.seed=abc", "calibration.seed has the wrong type"),
        ("record_dir=/nonexistent", "/nonexistent"),
        ("history_dir=/nonexistent", "/nonexistent"),
    ],
)
def test_bad_input_one_line_no_outputs(tmp_path, override, message):
    out = tmp_path / "run"
    r = calibrate(override, f"hydra.run.dir={out}")
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], r.stderr
    assert "Traceback" not in r.stderr
    assert not out.exists()


def test_help_lists_only_its_own_group_and_settings(tmp_path):
    """--help names the calibration group's options and this command's settings, not ceasefire-sim's
    groups (scenario, experiment), which it would refuse."""
    import dataclasses

    from calibration.abc import CalibrationSettings

    r = calibrate("--help", cwd=tmp_path)
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    out = r.stdout
    assert "== Calibration settings (calibration=NAME, conf/calibration/) ==\ncommitted, full, smoke\n" in out
    for word in ("scenario", "experiment", "Configuration groups"):
        assert word not in out, word
    for name in [f.name for f in dataclasses.fields(CalibrationSettings)] + ["record_dir", "publish", "plots"]:
        assert f"\n  {name}: " in out or f"\n{name}: " in out, name
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "override,message",
    [
        ("calibration.foo=1", "unknown key 'calibration.foo'; allowed keys under 'calibration': seed, population_size"),
        ("hydra/launcher=nope", "hydra/launcher: no such option; allowed: basic, joblib"),
        ("calibration.seed=abc", "calibration.seed has the wrong type: abc; allowed: an integer"),
        ("+calibration.foo=1", "unknown key 'calibration.foo'; allowed keys under 'calibration': seed,"),
    ],
)
def test_its_own_keys_and_groups_in_its_messages(override, message):
    from calibration.cli import preflight
    from sim.model.params import ParameterError

    with pytest.raises(ParameterError) as err:
        preflight([override])
    assert str(err.value).startswith(message), str(err.value)
