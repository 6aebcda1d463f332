"""The regression check of what the record can identify (calibration/identifiability.py): its arithmetic,
that it finds information where a statistic carries some and none where none does, its bytes for any
number of workers, the published report, and the command line."""

import json
import os
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest

from calibration import identifiability as ident
from calibration.history import whole_record
from calibration.posterior import RESULTS
from calibration.priors import FREE_PARAMETERS
from sim.record.history import load_history
from sim.record.loader import load_record

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def inputs():
    history = load_history()
    return whole_record(load_record(), history), history


def test_fit_is_ridge_least_squares():
    rng = np.random.default_rng(3)
    x = np.column_stack([np.ones(300), rng.normal(size=(300, 6))])
    y = x @ rng.normal(size=(7, 3)) + 0.1 * rng.normal(size=(300, 3))
    penalty = np.diag([0.0] + [ident.RIDGE] * 6)
    expected = np.linalg.solve(x.T @ x + penalty, x.T @ y)
    assert np.allclose(ident.fit(x, y), expected, rtol=1e-9, atol=1e-12)
    assert np.allclose(ident.predict(x, expected), x @ expected, rtol=1e-12, atol=1e-12)


def test_check_finds_what_a_statistic_measures_and_nothing_else():
    """Statistic ``a`` measures the first parameter (noise sd 0.02 on its unit scale); ``b`` the second,
    more loosely (sd 0.1); ``c`` is noise.

    The first parameter's width ratio is about 0.1, the second's about 0.4; every other's, from 200 draws
    selected independently of it, is 0.99 +- 0.025, so the bounds [0.8, 1.15] fail with probability below
    1e-8 per parameter. Accepting each parameter on its own summary keeps the first one's width small however
    many uninformed parameters there are (on all summaries at once they would dilute it)."""
    rng = np.random.default_rng(11)
    draws = rng.uniform(size=(4000, len(FREE_PARAMETERS)))
    rows = [
        {"a": 1.0 + u[0] + 0.02 * rng.normal(), "b": 1.0 + u[1] + 0.1 * rng.normal(), "c": 1.0 + rng.uniform()}
        for u in draws
    ]
    obs = {"a": 1.3, "b": 1.5, "c": 1.5}
    keys = ("a", "b", "c")
    held, at, _, used = ident.project(keys, rows, obs, draws)
    assert used == 3
    like = ident.nearest(held, at, 20)
    result = ident.check("toy", keys, rows, obs, draws, ident.Settings(4000, 5, 0.1, 1), like, at_record=True)
    first, second, *others = [p.name for p in FREE_PARAMETERS]
    assert result.accepted == 200
    assert result.ratio[first] < 0.2 and result.like_ratio[first] < 0.2 and result.r2[first] > 0.9
    assert 0.2 < result.ratio[second] < 0.6 and 0.2 < result.like_ratio[second] < 0.6
    assert all(0.8 <= result.ratio[k] <= 1.15 for k in others), result.ratio
    assert all(0.8 <= result.like_ratio[k] <= 1.15 for k in others), result.like_ratio
    assert all(0.0 < result.spread[k] < 0.1 for k in result.spread), result.spread
    assert result.like_informed == pytest.approx(2.0, abs=0.2)


def test_every_statistic_of_every_set_is_simulated_and_observed(inputs):
    record, history = inputs
    draws = ident.prior_draws(1, 5)
    row = ident.Simulation(record, draws, 5)(0)
    obs = ident.observed(record, history)
    sets = ident.statistic_sets(len(record.periods))
    assert set(sets) == {"calibration", "record", "complete"}
    assert not any("captured" in k for keys in sets.values() for k in keys)  # the model has no captures
    for keys in sets.values():
        assert set(keys) <= set(row) and set(keys) <= set(obs)
    assert obs["p2_wounded_AZE"] == 10.0  # COVERAGE.md: period C's own wounded per Azerbaijan's claims


def test_same_bytes_for_any_number_of_workers(inputs):
    record, history = inputs
    one = ident.run(ident.Settings(240, 9, 0.1, 1), record, history)
    two = ident.run(ident.Settings(240, 9, 0.1, 2), record, history)
    other = ident.run(ident.Settings(240, 10, 0.1, 2), record, history)
    text = ident.to_json(ident.Settings(240, 9, 0.1, 1), one)
    assert text == ident.to_json(ident.Settings(240, 9, 0.1, 2), two)  # the workers are not published
    assert text != ident.to_json(ident.Settings(240, 9, 0.1, 1), other)


def test_published_report_is_its_json_and_the_default_settings():
    data = json.loads((RESULTS / "identifiability.json").read_text())
    assert data["settings"] == {k: v for k, v in asdict(ident.Settings()).items() if k != "n_procs"}
    assert (RESULTS / "identifiability.md").read_text() == ident.to_markdown(data)
    assert [c["statistics"] for c in data["checks"]] == ["calibration", "record", "complete"]


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "calibration.identifiability", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "args, names",
    [
        (["--simulations", "99"], "--simulations: 99"),
        (["--simulations", "1e3"], "--simulations: 1e3 is not an integer"),
        (["--simulations", "9" * 400], "--simulations: 999999...(400 digits)"),
        (["--seed", "-1"], "--seed: -1"),
        (["--accept", "0"], "--accept: 0"),
        (["--accept", "nan"], "--accept: nan"),
        (["--accept", "x\u2028y"], "--accept: x\\u2028y is not a number"),
        (["--workers", "0"], "--workers: 0"),
        (["--publish", "--workers", "300"], "--workers: 300"),
        (["--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_bad_arguments_get_one_line_and_exit_2(args, names):
    before = {p.name: p.stat().st_mtime_ns for p in RESULTS.iterdir()}
    p = _cli(*args)
    assert p.returncode == 2, p.stderr
    lines = p.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: argument " if "bogus" not in names else "error: ")
    assert names in lines[0] and "Traceback" not in p.stderr and p.stdout == ""
    assert {p.name: p.stat().st_mtime_ns for p in RESULTS.iterdir()} == before


def test_prints_the_report_with_progress():
    p = _cli("--simulations", "200", "--workers", "1")
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("# What the record can identify")
    assert "too few accepted to judge" in p.stdout  # 2% of 100 held-out simulations
    assert p.stderr.splitlines()[-1] == "identifiability: 200/200 simulations"


@pytest.mark.slow
def test_committed_check_is_what_the_code_produces(inputs):
    """The published check, rerun at its settings (4.5 minutes on two cores; make verify-calibration)."""
    record, history = inputs
    data = json.loads((RESULTS / "identifiability.json").read_text())
    settings = ident.Settings(**data["settings"])
    assert (
        ident.to_json(settings, ident.run(settings, record, history)) == (RESULTS / "identifiability.json").read_text()
    )


def test_a_failed_publish_leaves_the_published_pair_as_it_was(tmp_path, monkeypatch):
    """The second file cannot be written: the first, already renamed into place, is put back."""
    import sim.common.files as files

    first, second, new = tmp_path / "a.json", tmp_path / "b.md", tmp_path / "c.md"
    first.write_text("old json")
    second.write_text("old md")
    real = files.write_atomic

    def failing(path, data):
        if path in (second, new):
            raise OSError(28, "No space left on device", str(path))
        real(path, data)

    monkeypatch.setattr(files, "write_atomic", failing)
    with pytest.raises(OSError):
        ident.publish({first: "new json", second: "new md"})
    assert first.read_text() == "old json" and second.read_text() == "old md"
    fresh = tmp_path / "d.json"
    with pytest.raises(OSError):
        ident.publish({fresh: "new json", new: "new md"})
    assert not fresh.exists() and not new.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "b.md"]


def test_ctrl_c_is_one_line_exit_130_and_publishes_nothing():
    import signal
    import time

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    before = {p.name: p.stat().st_mtime_ns for p in RESULTS.iterdir()}
    proc = subprocess.Popen(
        [sys.executable, "-m", "calibration.identifiability", "--simulations", "2000", "--publish"],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    first = proc.stderr.readline()  # the first tenth done: the workers are running
    assert first.startswith("identifiability: 200/2000"), first
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and err.strip().splitlines()[-1] == "interrupted; nothing was published"
    assert {p.name: p.stat().st_mtime_ns for p in RESULTS.iterdir()} == before
    deadline = time.monotonic() + 10
    while (
        time.monotonic() < deadline
        and subprocess.run(
            ["pgrep", "-f", "calibration.identifiability --simulations 2000 "], capture_output=True
        ).returncode
        == 0
    ):
        time.sleep(0.1)
    assert (
        subprocess.run(
            ["pgrep", "-f", "calibration.identifiability --simulations 2000 "], capture_output=True
        ).returncode
        == 1
    )
