"""Issue 10: no silent wrong answers, nothing lost -- overrides vs posterior, scenario labels, unique
folders, bad input files (one line naming the file), faults (full disk, read-only folder, Ctrl-C,
killed sweeps), damaged sweep results, provenance."""

from __future__ import annotations

import csv
import errno
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from calibration.posterior import RESULTS, Posterior, PosteriorError
from calibration.priors import FREE_PARAMETERS
from sim.experiment.config import ExperimentConfig, experiment_config, load_posterior
from sim.experiment.outputs import FolderInUse, claim_folder
from sim.experiment.replications import run_experiment
from sim.model.params import ParameterError
from sim.sweep.jobs import check_results, config_hash, run_sweep_job

from ..unix.helpers import mount_tmpfs, unmount
from .test_cli import REPO, listing, run

QUICK = ["replications=4", "horizon_days=30", "progress=false"]


def rows(path: Path) -> list[dict]:
    return list(csv.DictReader(path.open()))


def one_line_error(proc: subprocess.CompletedProcess, code: int = 2) -> str:
    assert proc.returncode == code, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


# --- an explicit value wins over the posterior ----------------------------------------------------


def test_explicit_parameter_is_fixed_python(tmp_path, border):
    out = {}
    for value in (0.1, 0.9):
        exp = experiment_config(
            params="calibrated", replications=30, horizon_days=120, progress=False, **{"retaliation.propensity": value}
        )
        summary = run_experiment(exp, tmp_path / str(value), border=border, timeline=False)
        assert summary["params"]["fixed"] == ["retaliation.propensity"]
        assert "retaliation.propensity" not in summary["params"]["drawn"]
        assert "correlation" in summary["params"]["fixed_note"]
        table = rows(tmp_path / str(value) / "replications.csv")
        assert "drawn_retaliation.propensity" not in table[0]
        out[value] = table
    # same draws of the other parameters, different propensity: different results
    assert [r["drawn_escalation.p_up"] for r in out[0.1]] == [r["drawn_escalation.p_up"] for r in out[0.9]]
    assert [r["n_exchanges"] for r in out[0.1]] != [r["n_exchanges"] for r in out[0.9]]


def test_explicit_default_value_is_fixed_too(tmp_path, border):
    """0.5 is the default: set explicitly, it is still fixed (not drawn)."""
    exp = experiment_config(
        params="calibrated", replications=3, horizon_days=30, progress=False, retaliation={"propensity": 0.5}
    )
    summary = run_experiment(exp, tmp_path / "a", border=border, timeline=False)
    assert summary["params"]["fixed"] == ["retaliation.propensity"]


def test_without_override_the_posterior_draws_it(tmp_path, border):
    exp = experiment_config(params="calibrated", replications=20, horizon_days=30, progress=False)
    summary = run_experiment(exp, tmp_path / "a", border=border, timeline=False)
    assert summary["params"]["fixed"] == [] and summary["params"]["source"] == "calibrated"
    drawn = {float(r["drawn_retaliation.propensity"]) for r in rows(tmp_path / "a" / "replications.csv")}
    assert len(drawn) > 5


def test_sweep_over_an_explicit_parameter_with_posterior_differs(tmp_path):
    sweep = tmp_path / "sweep"
    proc = run(
        [
            "-m",
            "retaliation.propensity=0.1,0.9",
            "params=calibrated",
            "replications=40",
            "horizon_days=200",
            "progress=false",
            "hydra/launcher=basic",
            f"hydra.sweep.dir={sweep}",
        ],
        cwd=tmp_path,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    a, b = (rows(sweep / f"{i}_sept2022" / "replications.csv") for i in (0, 1))
    assert [r["n_exchanges"] for r in a] != [r["n_exchanges"] for r in b]
    for i in (0, 1):
        s = json.loads((sweep / f"{i}_sept2022" / "summary.json").read_text())
        assert s["params"]["fixed"] == ["retaliation.propensity"]
        assert s["provenance"]["config"]["retaliation"]["propensity"] in (0.1, 0.9)
    summary = rows(sweep / "sweep_summary.csv")
    assert {r["params_source"] for r in summary} == {"calibrated"}


# --- the scenario label cannot disagree with its values -------------------------------------------


def test_dataclass_with_scenario_name_but_not_its_values_is_refused(tmp_path, border):
    with pytest.raises(ParameterError, match=r"scenario=observer_mission sets observer.strength=100.0") as e:
        run_experiment(ExperimentConfig(scenario="observer_mission"), tmp_path / "x", border=border)
    assert "\n" not in str(e.value)
    assert not (tmp_path / "x").exists()


def test_experiment_config_applies_the_scenario(tmp_path, border):
    job = experiment_config(scenario="observer_mission", replications=2, horizon_days=20, progress=False)
    assert (job.config.scenario, job.config.observer.strength) == ("observer_mission", 100.0)
    summary = run_experiment(job, tmp_path / "x", border=border, timeline=False)
    assert summary["scenario"] == "observer_mission"
    assert summary["provenance"]["config"]["observer"]["strength"] == 100.0
    # an explicit value on top of the scenario is allowed: the Job carries the keys set
    job = experiment_config(scenario="observer_mission", **{"observer.strength": 0})
    assert job.explicit == {"observer.strength"}
    run_experiment(job, tmp_path / "y", border=border, timeline=False)
    # its config alone has no keys set: the value is not the scenario's, and nobody set it
    with pytest.raises(ParameterError, match=r"sets observer.strength=100.0 but this config has observer.strength=0"):
        run_experiment(job.config, tmp_path / "z", border=border, timeline=False)
    with pytest.raises(ParameterError, match="not a scenario"):
        experiment_config(scenario="nope")
    with pytest.raises(ParameterError, match="unknown key"):
        experiment_config(**{"observer.strenght": 3})


def test_copied_scenario_file_takes_its_own_name(tmp_path):
    extra = tmp_path / "extra" / "scenario"
    extra.mkdir(parents=True)
    shutil.copy(REPO / "conf" / "scenario" / "observer_mission.yaml", extra / "my_mission.yaml")
    out = tmp_path / "run"
    proc = run(
        ["--config-dir", str(tmp_path / "extra"), "scenario=my_mission", *QUICK, f"hydra.run.dir={out}"], cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    s = json.loads((out / "summary.json").read_text())
    assert s["scenario"] == "my_mission" and s["provenance"]["config"]["observer"]["strength"] == 100.0


# --- run folders: unique, never mixed --------------------------------------------------------------


def test_two_runs_started_together_get_two_folders(tmp_path):
    from .test_cli import command

    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("HYDRA_FULL_ERROR", None)
    procs = [
        subprocess.Popen(
            [*command(), *QUICK], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    for p in procs:
        p.wait(timeout=120)
        assert p.returncode == 0, p.stderr.read()
    summaries = list(tmp_path.glob("outputs/*/*/summary.json"))
    assert len(summaries) == 2


def test_reused_folder_keeps_no_file_of_the_previous_run(tmp_path):
    out = tmp_path / "run"
    assert (
        run(["replications=5", "horizon_days=30", "progress=false", f"hydra.run.dir={out}"], cwd=tmp_path).returncode
        == 0
    )
    assert (out / "survival.png").is_file()
    (out / "notes.txt").write_text("mine")
    assert (
        run(["replications=1", "horizon_days=30", "progress=false", f"hydra.run.dir={out}"], cwd=tmp_path).returncode
        == 0
    )
    assert not (out / "survival.png").exists()  # the old plot is gone with the old run
    assert (out / "notes.txt").read_text() == "mine"  # nothing else is touched
    assert json.loads((out / "summary.json").read_text())["replications"] == 1


def test_a_folder_in_use_is_refused(tmp_path):
    child = subprocess.Popen(["sleep", "30"])
    try:
        (tmp_path / ".ceasefire-sim.lock").write_text(f"{child.pid}\n")
        with pytest.raises(FolderInUse, match="another run"):
            claim_folder(tmp_path)
    finally:
        child.kill()
        child.wait()
    claim_folder(tmp_path)  # a lock of a dead process is taken over


# --- posterior files ------------------------------------------------------------------------------

NAMES = [p.name for p in FREE_PARAMETERS]
MID = [(p.lo + p.hi) / 2 for p in FREE_PARAMETERS]


def _posterior(tmp_path, header, rows_, raw=None):
    path = tmp_path / "posterior.csv"
    if raw is not None:
        path.write_bytes(raw)
    else:
        path.write_text(",".join(header) + "\n" + "".join(",".join(map(str, r)) + "\n" for r in rows_))
    return path


@pytest.mark.parametrize(
    "header, rows_, raw, message",
    [
        (["retaliation.propensity", "weight"], [[1.5, 1.0]], None, "retaliation.propensity=1.5 is out of range"),
        (["violations.base_rate_per_day", "weight"], [[-0.01, 1.0]], None, "base_rate_per_day=-0.01"),
        (["retaliation.propensity", "weight"], [[0.99, 1.0]], None, "outside the prior"),
        (["retaliation.propensity", "weight"], [["nan", 1.0]], None, "not a finite number"),
        (["retaliation.propensity", "weight"], [["1e400", 1.0]], None, "not a finite number"),
        (["retaliation.propensity", "weight"], [["inf", 1.0]], None, "not a finite number"),
        (["retaliation.propensity", "retaliation.propensity", "weight"], [[0.5, 0.5, 1.0]], None, "more than once"),
        (["retaliation.propensty", "weight"], [[0.5, 1.0]], None, "unknown column 'retaliation.propensty'"),
        (["weight"], [[1.0]], None, "no parameter column"),
        (["retaliation.propensity", "weight"], [], None, "no samples"),
        (None, None, b"", "not a posterior"),
        (None, None, b"\x89PNG\r\n\x1a\n\x00\x00binary", "binary content"),
        (None, None, b"retaliation.propensity,weight\n0.5,\xff\n", "not UTF-8"),
        (["retaliation.propensity", "weight"], [[0.5, 1.0, 3]], None, "line 2 has 3 values"),
        (["retaliation.propensity", "weight"], [[0.5, -1.0]], None, "negative"),
        (["retaliation.propensity", "weight"], [[0.5, 0.0]], None, "positive sum"),
    ],
)
def test_bad_posterior_files(tmp_path, header, rows_, raw, message):
    path = _posterior(tmp_path, header, rows_, raw)
    with pytest.raises(PosteriorError, match=message) as e:
        Posterior.load(path)
    assert str(path) in str(e.value) and "\n" not in str(e.value)
    with pytest.raises(ParameterError, match=message):
        load_posterior(str(path))


def test_bad_posterior_on_the_command_line(tmp_path):
    path = _posterior(tmp_path, ["retaliation.propensity", "weight"], [[-0.5, 1.0]])
    proc = run([f"params={path}", *QUICK, f"hydra.run.dir={tmp_path / 'run'}"], cwd=tmp_path)
    assert "retaliation.propensity=-0.5 is out of range" in one_line_error(proc)
    assert not (tmp_path / "run").exists()


def test_committed_posterior_reads():
    post = Posterior.load(RESULTS / "posterior.csv")
    assert len(post.sha256) == 64 and np.isclose(post.weights.sum(), 1.0)


# --- YAML files: one line naming the file ---------------------------------------------------------

BIG = "9" * 400
EXPERIMENT_FILES = {
    "repeated": "# @package _global_\nreplications: 3\nreplications: 4\n",
    "repeated_nested": "# @package _global_\nobserver:\n  strength: 1\n  strength: 2\n",
    "float_overflow": "# @package _global_\nhorizon_days: 1.0e400\n",
    "big_int": f"# @package _global_\nseed: {BIG}\n",
    "deep": "# @package _global_\nx: " + "[" * 3000 + "]" * 3000 + "\n",
}


@pytest.mark.parametrize("name", [*EXPERIMENT_FILES, "binary", "latin1"])
def test_bad_experiment_files_are_named(tmp_path, name):
    folder = tmp_path / "extra" / "experiment"
    folder.mkdir(parents=True)
    path = folder / f"{name}.yaml"
    if name == "binary":
        path.write_bytes(b"# @package _global_\n\x00\x01\x02\xff" * 10)
    elif name == "latin1":
        path.write_bytes("# @package _global_\nnote: caf\xe9\n".encode("latin-1"))
    else:
        path.write_text(EXPERIMENT_FILES[name])
    proc = run(
        ["--config-dir", str(tmp_path / "extra"), f"+experiment={name}", *QUICK, f"hydra.run.dir={tmp_path / 'run'}"],
        cwd=tmp_path,
    )
    line = one_line_error(proc)
    assert f"{name}.yaml" in line, line
    assert not (tmp_path / "run").exists()


def test_repeated_key_in_a_scenario_file(tmp_path):
    folder = tmp_path / "extra" / "scenario"
    folder.mkdir(parents=True)
    (folder / "twice.yaml").write_text("# @package _global_\nmediation:\n  intensity: 1.0\n  intensity: 0.0\n")
    proc = run(["--config-dir", str(tmp_path / "extra"), "scenario=twice", *QUICK], cwd=tmp_path)
    line = one_line_error(proc)
    assert "twice.yaml" in line and "repeated key 'intensity'" in line
    assert listing(tmp_path) == {"extra", "extra/scenario", "extra/scenario/twice.yaml"}


@pytest.mark.parametrize(
    "file, edit, message",
    [
        (
            "sectors.yaml",
            lambda t: t.replace("    name: Vardenis\n", "    name: Vardenis\n    name: Again\n", 1),
            "repeated key 'name'",
        ),
        ("context.yaml", lambda t: t.replace("value: 30000", "value: 1.0e+400", 1), "not a finite number"),
        ("context.yaml", lambda t: t.replace("value: 30000", f"value: {BIG}", 1), "400-digit integer is too large"),
        ("events.yaml", lambda t: "events: " + "[" * 5000 + "]" * 5000 + "\n", "nested more than"),
        ("ladder.yaml", lambda t: t + "\x00", "binary content"),
    ],
)
def test_bad_seeds_files_are_named(tmp_path, file, edit, message):
    seeds = tmp_path / "seeds"
    shutil.copytree(REPO / "seeds", seeds)
    text = (seeds / file).read_text()
    new = edit(text)
    assert new != text
    (seeds / file).write_text(new)
    proc = run([f"record_dir={seeds}", *QUICK, f"hydra.run.dir={tmp_path / 'run'}"], cwd=tmp_path)
    line = one_line_error(proc)
    assert file in line and message in line, line
    assert not (tmp_path / "run").exists()


def test_non_utf8_seeds_file(tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(REPO / "seeds", seeds)
    (seeds / "ladder.yaml").write_bytes((seeds / "ladder.yaml").read_bytes() + b"# caf\xe9\n")
    line = one_line_error(run([f"record_dir={seeds}", *QUICK], cwd=tmp_path))
    assert "ladder.yaml" in line and "not UTF-8" in line


# --- faults: full disk, read-only folder, Ctrl-C, killed sweeps -------------------------------------


def test_full_disk_leaves_no_half_written_results(tmp_path, border, monkeypatch):
    import sim.common.files

    real = sim.common.files.os.replace
    calls = {"n": 0}

    def replace(src, dst):
        calls["n"] += 1
        if calls["n"] == 2:  # the second file of the run
            raise OSError(errno.ENOSPC, "No space left on device", str(dst))
        return real(src, dst)

    monkeypatch.setattr(sim.common.files.os, "replace", replace)
    exp = experiment_config(replications=3, horizon_days=20, progress=False)
    with pytest.raises(OSError):
        run_experiment(exp, tmp_path / "run", border=border)
    left = {p.name for p in (tmp_path / "run").iterdir()}
    assert left == set(), left  # no summary.json, no replications.csv alone, no .tmp


@pytest.fixture
def tiny_disk(tmp_path):
    path = tmp_path / "full"
    if not mount_tmpfs(path, "size=64k"):
        pytest.skip("cannot mount a tmpfs here (needs root)")
    yield path
    unmount(path)


def test_full_disk_on_the_command_line(tmp_path, tiny_disk):
    proc = run(
        ["replications=200", "horizon_days=365", "progress=false", f"hydra.run.dir={tiny_disk / 'run'}"],
        cwd=tmp_path,
        timeout=300,
    )
    line = one_line_error(proc, code=1)
    assert "disk is full" in line or "No space" in line
    assert not (tiny_disk / "run" / "summary.json").exists()
    assert not [p for p in tiny_disk.rglob("*.tmp")]


def test_read_only_output_folder(tmp_path):
    ro = tmp_path / "ro"
    if not mount_tmpfs(ro, "ro,size=64k"):
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        for args in ([f"hydra.run.dir={ro / 'run'}"], ["-m", "seed=1,2", f"hydra.sweep.dir={ro / 'sweep'}"]):
            line = one_line_error(run([*args[:-1], *QUICK, args[-1]], cwd=tmp_path))
            assert "read-only file system" in line and "give a writable folder" in line
    finally:
        unmount(ro)


def _sweep_cmd(sweep: Path, n: int = 2000) -> list[str]:
    from .test_cli import command

    return [
        *command(),
        "-m",
        "observer.strength=0,10,20,30",
        f"replications={n}",
        "horizon_days=365",
        "progress=false",
        f"hydra.sweep.dir={sweep}",
        "hydra.launcher.n_jobs=2",
    ]


def _popen(cmd, cwd):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("HYDRA_FULL_ERROR", None)
    return subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def _wait_for_workers(proc, sweep: Path, timeout: float = 60) -> None:
    end = time.time() + timeout
    while time.time() < end:
        if len(list(sweep.glob("*/config.sha256"))) >= 2:
            return
        time.sleep(0.2)
    pytest.fail("the sweep's jobs did not start")


def test_ctrl_c_during_a_sweep(tmp_path):
    sweep = tmp_path / "sweep"
    proc = _popen(_sweep_cmd(sweep), tmp_path)
    _wait_for_workers(proc, sweep)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert [line for line in err.splitlines() if line.startswith("interrupted")] == [
        "interrupted; finished jobs are kept: the same command (with the same hydra.sweep.dir) runs only the others"
    ]


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_killed_sweep_leaves_no_worker_writing(tmp_path, sig):
    sweep = tmp_path / "sweep"
    proc = _popen(_sweep_cmd(sweep), tmp_path)
    _wait_for_workers(proc, sweep)
    workers = [p for p in _children(proc.pid)]
    assert workers
    proc.send_signal(sig)
    proc.communicate(timeout=60)
    time.sleep(3)
    alive = [
        p
        for p in workers
        if Path(f"/proc/{p}").exists() and "zombie" not in Path(f"/proc/{p}/status").read_text().lower()
    ]
    assert alive == [], alive
    assert list(sweep.glob("*/summary.json")) == []  # no orphan finished a job after the kill


# --- damaged sweep results are run again ------------------------------------------------------------


@pytest.mark.parametrize(
    "damage",
    [
        "summary_truncated",
        "summary_not_object",
        "replications_truncated",
        "replications_missing",
        "replications_binary",
    ],
)
def test_damaged_job_results_run_again(tmp_path, damage):
    from sim.experiment.config import compose_config

    cfg = compose_config(["replications=3", "horizon_days=30"])
    calls = []

    def job():
        calls.append(1)
        (tmp_path / "replications.csv").write_text(
            "replication,collapsed,durability_days\n0,0,30.0\n1,1,3.5\n2,0,30.0\n"
        )
        (tmp_path / "summary.json").write_text(json.dumps({"replications": 3, "horizon_days": 30.0}))
        return {"replications": 3}

    run_sweep_job(cfg, tmp_path, job)
    assert check_results(tmp_path) is None
    summary, reps = tmp_path / "summary.json", tmp_path / "replications.csv"
    if damage == "summary_truncated":
        summary.write_text(summary.read_text()[:10])
    elif damage == "summary_not_object":
        summary.write_text("[1, 2]")
    elif damage == "replications_truncated":
        reps.write_text(reps.read_text().splitlines()[0] + "\n0,0,30.0\n")
    elif damage == "replications_missing":
        reps.unlink()
    else:
        reps.write_bytes(b"\x00\xff" * 20)
    assert check_results(tmp_path) is not None
    run_sweep_job(cfg, tmp_path, job)
    assert len(calls) == 2 and check_results(tmp_path) is None
    run_sweep_job(cfg, tmp_path, job)
    assert len(calls) == 2  # whole again: skipped


def test_posterior_overrides_change_the_job_hash():
    from sim.experiment.config import compose_config

    cfg = compose_config(["params=calibrated"])
    assert config_hash(cfg, {"retaliation.propensity"}) != config_hash(cfg, set())
    plain = compose_config([])
    assert config_hash(plain, {"retaliation.propensity"}) == config_hash(plain, set())


# --- calibration settings ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "arg, message",
    [
        ("calibration.min_epsilon=inf", "calibration.min_epsilon=inf is not a finite number"),
        ("calibration.kernel_scaling=inf", "calibration.kernel_scaling=inf is not a finite number"),
        ("calibration.min_acceptance_rate=nan", "calibration.min_acceptance_rate=nan is not a finite number"),
        ("calibration.population_size=10000000", "calibration.population_size=10000000 is out of range"),
        (f"calibration.max_simulations={BIG}", "calibration.max_simulations=999999...(400 digits) is out of range"),
    ],
)
def test_bad_calibration_settings(tmp_path, arg, message):
    from .test_cli import SCRIPT

    script = SCRIPT.parent / "ceasefire-calibrate"
    cmd = [str(script)] if script.exists() else [str(Path(os.sys.executable)), "-m", "calibration.cli"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("HYDRA_FULL_ERROR", None)
    proc = subprocess.run(
        [*cmd, arg, f"hydra.run.dir={tmp_path / 'cal'}"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert message in one_line_error(proc)
    assert not (tmp_path / "cal").exists()


# --- provenance ---------------------------------------------------------------------------------------


def test_every_output_says_what_produced_it(tmp_path):
    out = tmp_path / "run"
    proc = run(["replications=3", "horizon_days=30", "progress=false", f"hydra.run.dir={out}"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    s = json.loads((out / "summary.json").read_text())
    assert s["params"]["source"] == "default"
    prov = s["provenance"]
    assert prov["code_version"] and len(prov["record_sha256"]) == 64
    assert prov["config"]["horizon_days"] == 30.0 and prov["config"]["scenario"] == "sept2022"
    row = rows(out / "replications.csv")[0]
    assert row["params_source"] == "default" and row["record_sha256"] == prov["record_sha256"]
    assert "default" in proc.stdout.splitlines()[1]  # the closing table's params column
