"""The ``ceasefire-sim`` command, run as a user would (subprocess)."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SCRIPT = Path(sys.executable).parent / "ceasefire-sim"


def command() -> list[str]:
    """The installed console script if there is one, else the module."""
    if SCRIPT.exists():
        return [str(SCRIPT)]
    return [sys.executable, "-m", "sim.cli"]


def run(args: list[str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env.pop("HYDRA_FULL_ERROR", None)
    return subprocess.run([*command(), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def listing(path: Path) -> set[str]:
    return {str(p.relative_to(path)) for p in path.rglob("*")}


def assert_ok(proc: subprocess.CompletedProcess) -> None:
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr


# --- runs -----------------------------------------------------------------------------------------


def test_default_run(tmp_path):
    out = tmp_path / "run"
    proc = run(["horizon_days=60", f"hydra.run.dir={out}"], cwd=tmp_path)
    assert_ok(proc)
    names = {p.name for p in out.iterdir()}
    assert {"summary.json", "replications.csv", "incidents.csv", "timeline.png", ".hydra"} <= names
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["scenario"], summary["replications"], summary["horizon_days"]) == ("sept2022", 1, 60.0)
    for key in ("collapsed", "durability_days", "share_collapsed", "median_durability_days", "per_replication"):
        assert key in summary
    lines = proc.stdout.strip().splitlines()
    assert lines[0].split()[:3] == ["scenario", "N", "collapsed"]
    assert lines[1].startswith("sept2022")
    assert lines[-1] == "outputs: run"  # relative to the working directory
    assert proc.stderr == ""  # no progress bar off a terminal


def test_replicated_run(tmp_path):
    out = tmp_path / "run"
    proc = run(
        ["scenario=observer_mission", "replications=20", "horizon_days=90", "seed=3", f"hydra.run.dir={out}"],
        cwd=tmp_path,
    )
    assert_ok(proc)
    assert proc.stderr == ""
    names = {p.name for p in out.iterdir()}
    assert {"summary.json", "replications.csv", "survival.png", "incidents.csv", "timeline.png"} <= names
    assert not [n for n in names if n.endswith(".tmp")]
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["scenario"], summary["seed"], summary["replications"]) == ("observer_mission", 3, 20)
    rows = list(csv.DictReader(io.StringIO((out / "replications.csv").read_text())))
    assert len(rows) == 20
    assert summary["share_collapsed"]["n_collapsed"] == sum(int(r["collapsed"]) for r in rows)
    lo, hi = summary["share_collapsed"]["ci95"]
    assert 0.0 <= lo <= summary["share_collapsed"]["estimate"] <= hi <= 1.0
    assert "observer_mission  20" in proc.stdout


def test_same_command_same_bytes(tmp_path):
    outs = [tmp_path / "a", tmp_path / "b"]
    for out in outs:
        assert_ok(run(["replications=5", "horizon_days=90", "seed=11", f"hydra.run.dir={out}"], cwd=tmp_path))
    for name in ("summary.json", "incidents.csv", "replications.csv"):
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name


def test_experiment_from_the_repository_root(tmp_path):
    out = tmp_path / "smoke"
    proc = run(["+experiment=smoke", "replications=3", f"hydra.run.dir={out}"], cwd=REPO)
    assert_ok(proc)
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["scenario"], summary["replications"], summary["horizon_days"]) == ("sept2022", 3, 60.0)


def test_multirun(tmp_path):
    sweep = tmp_path / "sweep"
    proc = run(
        ["-m", "scenario=sept2022,no_mediation", "replications=3", "horizon_days=30", f"hydra.sweep.dir={sweep}"],
        cwd=tmp_path,
    )
    assert_ok(proc)
    jobs = sorted(p.name for p in sweep.iterdir() if p.is_dir())
    assert jobs == ["0_sept2022", "1_no_mediation"]
    for job in jobs:
        names = {p.name for p in (sweep / job).iterdir()}
        assert {"summary.json", "replications.csv", "incidents.csv"} <= names
        assert not names & {"timeline.png", "survival.png"}  # plots=auto: none in a sweep's job
    lines = proc.stdout.strip().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("job overrides"))
    tail = lines[start : start + 4]
    assert tail[0].startswith("job overrides")
    assert tail[1].startswith("scenario=sept2022") and tail[2].startswith("scenario=no_mediation")
    assert tail[3] == "outputs: sweep"


def test_plots_setting(tmp_path):
    """plots=true draws a sweep job's plots; plots=false leaves them out of a single run; the other
    files, and the results, do not depend on it."""
    sweep, single = tmp_path / "sweep", tmp_path / "single"
    args = ["replications=3", "horizon_days=30"]
    assert_ok(run(["-m", "scenario=sept2022", *args, "plots=true", f"hydra.sweep.dir={sweep}"], cwd=tmp_path))
    assert_ok(run([*args, "plots=false", f"hydra.run.dir={single}"], cwd=tmp_path))
    job = sweep / "0_sept2022"
    assert {"timeline.png", "survival.png"} <= {p.name for p in job.iterdir()}
    assert not {"timeline.png", "survival.png"} & {p.name for p in single.iterdir()}
    for name in ("replications.csv", "summary.json", "incidents.csv"):
        assert (job / name).read_bytes() == (single / name).read_bytes(), name


def test_every_job_of_a_large_sweep_is_checked():
    """A value that is wrong only in combination with another, in a sweep of 120 jobs."""
    from sim.cli import UsageError, preflight

    argv = [
        "-m",
        "collapse.rule=killed_window,killed_and_sectors",
        "collapse.top_tier_sectors=1,50",
        "seed=range(0,30)",
    ]
    with pytest.raises(UsageError, match="collapse.top_tier_sectors=50 can never be reached"):
        preflight(argv)
    assert len(preflight([*argv[:2], "collapse.top_tier_sectors=1,2", argv[3]])) == 120


SWEEPS = [
    ["observer.strength=0,20,40,100", "mediation.intensity=0,0.5,1", "replications=200"],
    ["+experiment=sweep_withdrawal", "replications=3"],
    ["scenario=sept2022,observer_mission,no_mediation", "observer.strength=0,40", "observer.sectors=[goris,kapan]"],
    ["+experiment=year", "scenario=peacekeeper_withdrawal,sept2022", "mediation.mediators.0.leverage=0.1,0.9"],
    ["++seed=3,4", "retaliation.propensity=0.1,0.2", "params=calibrated", "hydra.sweep.dir=x", "hydra.job.chdir=false"],
    ["+experiment=sweep_retaliation_grievance", "collapse.rule=killed_and_sectors,killed_window"],
]


@pytest.mark.parametrize("sweep", SWEEPS, ids=[" ".join(s) for s in SWEEPS])
def test_each_job_is_composed_as_hydra_composes_it(sweep):
    """The pre-run check composes a sweep once per choice of config groups and applies each job's
    values to a copy (JobComposer): every job's config is that of its own full composition."""
    from sim.cli import JobComposer, composer, job_overrides
    from sim.experiment.config import composed_job, register_configs

    register_configs()

    def experiment(cfg, choices, job):
        return composed_job(cfg, job, choices)

    with composer() as compose:
        jobs = job_overrides(sweep, multirun=True)
        params = compose(jobs[0]).hydra.sweeper.params
        if params:
            jobs = job_overrides(sweep, multirun=True, sweeper_params=[f"{k}={v}" for k, v in params.items()])
        fast = JobComposer(compose)
        for job in jobs:
            full = compose(job)
            want = experiment(full, dict(full.hydra.runtime.choices), job)
            got = experiment(*fast(job), job)
            assert got == want, job  # the config and the keys set (Job.explicit)
            assert got.explicit, job
        assert len(fast._bases) <= 3  # once per choice of scenario (and Hydra's settings)


@pytest.mark.parametrize(
    "job",
    [
        ["observer.strength=abc"],
        ["observer.strenght=1"],
        ["+observer.strength=3"],
        ["mediation.mediators.7.leverage=1"],
        ["observer.sectors=5"],
        ["observer={a:1}"],
        ["~observer.strength"],
        ["scenario=observer_mission", "observer=5"],
        ["scenario=nowhere", "seed=1"],
    ],
)
def test_a_job_that_does_not_compose_fails_as_its_full_composition_does(job):
    from sim.cli import JobComposer, UsageError, composer
    from sim.experiment.config import register_configs

    register_configs()
    with composer() as compose:
        with pytest.raises(UsageError) as full:
            compose(job)
        with pytest.raises(UsageError) as fast:
            JobComposer(compose)(job)
    assert str(fast.value) == str(full.value)


def test_hydra_does_not_compose_the_checked_jobs_again():
    """Hydra's basic sweeper composes every job again before launching (validate_batch_is_legal); while
    the command launches, the jobs preflight checked are not, others are, and afterwards Hydra's own
    check is back. The jobs are those Hydra's sweeper builds."""
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.override_parser.overrides_parser import OverridesParser

    from sim.cli import checked_jobs_only, read_command_line

    original = BasicSweeper.validate_batch_is_legal
    args = ["+experiment=sweep_withdrawal", "observer.strength=50,100", "replications=3"]
    command = read_command_line(["-m", *args, "hydra.launcher.n_jobs=2"])
    params = ["observer.withdraw_day=-1,30,90,180", "observer.strength=50,100,200"]  # the experiment's
    hydra_jobs = BasicSweeper.split_arguments(OverridesParser.create().parse_overrides([*params, *args]), None)[0]
    assert [tuple(j) for j in hydra_jobs] == [tuple(j[:-1]) for j in command.job_overrides]  # less hydra.*
    with checked_jobs_only(command):
        BasicSweeper.validate_batch_is_legal(object(), hydra_jobs)  # not composed: nothing to compose with
        with pytest.raises(Exception):  # noqa: B017 -- Hydra's own check, which needs a real sweeper
            BasicSweeper.validate_batch_is_legal(object(), [*hydra_jobs, ["observer.strength=7"]])
    assert BasicSweeper.validate_batch_is_legal is original


# --- Hydra's own flags still work -----------------------------------------------------------------


def test_help(tmp_path):
    proc = run(["--help"], cwd=tmp_path)
    assert_ok(proc)
    out = proc.stdout
    assert "== Scenarios (scenario=NAME" in out
    assert "no_mediation, observer_mission, peacekeeper_withdrawal, sept2022" in out
    assert "== Experiments (+experiment=NAME" in out and "baseline, " in out
    assert "mediation:\n  intensity: 1.0" in out  # the config with its defaults
    assert listing(tmp_path) == set()


def test_cfg_job(tmp_path):
    proc = run(
        ["--cfg", "all", "+experiment=year", "scenario=observer_mission", "seed=3", "observer.strength=40"],
        cwd=tmp_path,
    )
    assert_ok(proc)
    cfg = yaml.safe_load(proc.stdout)
    # the scenario's label is the chosen file's name (filled in when the run starts), not a value
    assert cfg["scenario"] == "???"
    assert cfg["hydra"]["runtime"]["choices"]["scenario"] == "observer_mission"
    assert (cfg["seed"], cfg["replications"], cfg["observer"]["strength"]) == (3, 200, 40.0)
    assert listing(tmp_path) == set()


def test_cfg_hydra_override(tmp_path):
    proc = run(["--cfg", "hydra", "hydra.run.dir=elsewhere/x"], cwd=tmp_path)
    assert_ok(proc)
    assert yaml.safe_load(proc.stdout)["hydra"]["run"]["dir"] == "elsewhere/x"
    proc = run(["--cfg", "hydra", "--resolve"], cwd=tmp_path)
    assert_ok(proc)
    assert yaml.safe_load(proc.stdout)["hydra"]["run"]["dir"].startswith("outputs/")
    assert listing(tmp_path) == set()


def test_cfg_with_multirun_prints_the_sweep_config(tmp_path):
    """-m ... --cfg (docs/sweeps.md: the launcher's settings) prints what multirun.yaml would hold;
    Hydra itself refuses the pair."""
    proc = run(["-m", "observer.strength=0,20", "--cfg", "hydra"], cwd=tmp_path)
    assert_ok(proc)
    hydra_cfg = yaml.safe_load(proc.stdout)["hydra"]
    assert "observer.strength=0,20" in hydra_cfg["overrides"]["task"]
    assert hydra_cfg["sweep"]["dir"].startswith("multirun/")
    proc = run(["-m", "hydra/launcher=submitit_slurm", "--cfg", "hydra"], cwd=tmp_path)
    assert_ok(proc)
    launcher = yaml.safe_load(proc.stdout)["hydra"]["launcher"]
    assert {"partition", "timeout_min", "array_parallelism", "account"} <= set(launcher)
    proc = run(
        [
            "-m",
            "+experiment=year",
            "scenario=sept2022,observer_mission",
            "seed=3",
            "--cfg",
            "job",
            "--package",
            "observer",
        ],
        cwd=tmp_path,
    )
    assert_ok(proc)
    assert proc.stdout.startswith("# @package observer\n") and yaml.safe_load(proc.stdout)["strength"] == 0.0
    assert listing(tmp_path) == set()


def test_retired_experiments_still_run_with_a_note(tmp_path):
    """+experiment=observer_mission only wrapped its scenario: it is +experiment=year scenario=observer_mission."""
    proc = run(["--cfg", "all", "+experiment=observer_mission"], cwd=tmp_path)
    assert_ok(proc)
    assert "note: +experiment=observer_mission is now +experiment=year scenario=observer_mission" in proc.stderr
    cfg = yaml.safe_load(proc.stdout)
    assert cfg["hydra"]["runtime"]["choices"]["scenario"] == "observer_mission" and cfg["replications"] == 200


def test_old_key_spelling_still_works_with_a_note(tmp_path):
    proc = run(["--cfg", "job", "seeds_dir="], cwd=tmp_path)
    assert_ok(proc)
    assert "note: seeds_dir= is now record_dir=" in proc.stderr
    assert yaml.safe_load(proc.stdout)["record_dir"] == ""


# --- mediators by name (docs/ODD.md) or by index ------------------------------------------------------


def test_mediators_by_name_or_index_give_the_same_run(tmp_path):
    forms = {
        "name": [
            "mediation.mediators.Russia.leverage=0.9",
            "mediation.mediators.EU.delay_hours=6",
            "mediation.mediators.US.name=USA",
        ],
        "index": [
            "mediation.mediators.0.leverage=0.9",
            "mediation.mediators.2.delay_hours=6",
            "mediation.mediators.3.name=USA",
        ],
    }
    summaries, rows = {}, {}
    for form, overrides in forms.items():
        out = tmp_path / form
        assert_ok(run([*overrides, "replications=3", "horizon_days=60", f"hydra.run.dir={out}"], cwd=tmp_path))
        summary = json.loads((out / "summary.json").read_text())
        config = summary["provenance"]["config"]["mediation"]["mediators"]
        assert [(m["name"], m["leverage"], m["delay_hours"]) for m in config] == [
            ("Russia", 0.9, 12.0),
            ("CSTO", 0.15, 24.0),
            ("EU", 0.3, 6.0),
            ("USA", 0.3, 48.0),
        ]
        summaries[form] = {k: v for k, v in summary.items() if k != "provenance"}
        rows[form] = (out / "replications.csv").read_bytes()
    assert summaries["name"] == summaries["index"]
    assert rows["name"] == rows["index"]


def test_mediators_by_name_in_a_sweep(tmp_path):
    sweep = tmp_path / "sweep"
    proc = run(
        [
            "-m",
            "mediation.mediators.CSTO.leverage=0,0.5",
            "replications=2",
            "horizon_days=30",
            f"hydra.sweep.dir={sweep}",
        ],
        cwd=tmp_path,
    )
    assert_ok(proc)
    for job, value in (("0_sept2022", 0.0), ("1_sept2022", 0.5)):
        summary = json.loads((sweep / job / "summary.json").read_text())
        assert summary["provenance"]["config"]["mediation"]["mediators"][1] == {
            "name": "CSTO",
            "leverage": value,
            "delay_hours": 24.0,
        }


# --- bad input: one line, exit 2, nothing left behind ---------------------------------------------

BAD = [
    (["foo=1"], "error: unknown key 'foo'; allowed keys: violations, "),
    (["observer.strenght=40"], "error: unknown key 'observer.strenght'; allowed keys under 'observer': strength"),
    (["seed=abc"], "error: seed=abc has the wrong type; allowed: an integer"),
    (["horizon_days=soon"], "error: horizon_days=soon has the wrong type; allowed: a number"),
    (["mediation.intensity=5"], "error: mediation.intensity=5.0 is out of range; allowed [0.0, 3.0]"),
    (["horizon_days=0"], "error: horizon_days=0.0 is out of range"),
    (["replications=0"], "error: replications=0 is out of range; allowed: an integer from 1 to 1000000"),
    (["replications=1000001"], "error: replications=1000001 is out of range; allowed: an integer from 1 to 1000000"),
    ([f"replications={'9' * 400}"], "error: replications=999999...(400 digits) is out of range"),
    (["seed=-1"], "error: seed=-1 is out of range; allowed: an integer from 0 to 9223372036854775807"),
    ([f"seed={'9' * 400}"], "error: seed=999999...(400 digits) is out of range"),
    ([f"observer.strength={'9' * 400}"], "error: observer.strength"),
    ([f"horizon_days={'9' * 400}"], "error: horizon_days"),
    (["horizon_days=1e400"], "error: horizon_days=inf is out of range"),
    (["horizon_days=nan"], "error: horizon_days=nan is out of range"),
    (["horizon_days=36501"], "error: horizon_days=36501.0 is out of range; allowed (0.0, 36500] days"),
    (
        ["collapse.rule=killed_and_sectors", "collapse.top_tier_sectors=11"],
        "error: collapse.top_tier_sectors=11 can never be reached with collapse.rule=killed_and_sectors",
    ),
    (
        ["collapse.rule=killed_and_sectors", f"collapse.top_tier_sectors={'9' * 400}"],
        "error: collapse.top_tier_sectors",
    ),
    (
        ["-m", "collapse.rule=killed_and_sectors", "collapse.top_tier_sectors=2,50"],
        "error: collapse.top_tier_sectors=50 can never be reached",
    ),
    (["params=/nonexistent/posterior.csv"], "error: params=/nonexistent/posterior.csv: "),
    (["observer.sectors=[atlantis]"], "error: observer.sectors: unknown sector 'atlantis'; allowed: "),
    (
        ["scenario=foo"],
        "error: scenario=foo is not a scenario; allowed: no_mediation, observer_mission, "
        "peacekeeper_withdrawal, sept2022",
    ),
    (["+experiment=foo"], "error: +experiment=foo is not an experiment; allowed: baseline, "),
    (["experiment=baseline"], "error: experiment=baseline: an experiment is added with a plus: +experiment=baseline"),
    (["seed=1,2"], "error: seed=1,2 is a sweep; add -m"),
    (
        ["-m", "seed=1,2", "retaliation.propensity=0.5,1.5"],
        "error: retaliation.propensity=1.5 is out of range; allowed [0.0, 1.0]",
    ),
    (["seed=[1"], "error: cannot parse 'seed=[1'"),
    (["--frobnicate"], "error: unrecognized arguments: --frobnicate"),
    (
        ["mediation.mediators.Turkey.leverage=0.9"],
        "error: mediation.mediators.Turkey.leverage: no mediator named 'Turkey'; mediators: Russia, CSTO, EU, US",
    ),
    (
        ["mediation.mediators.Russia.levrage=0.9"],
        "error: unknown key 'mediation.mediators.0.levrage'; "
        "allowed keys under 'mediation.mediators.0': name, leverage",
    ),
    (["mediation.mediators.Russia.leverage=2"], "error: mediation.mediators[0].leverage=2.0 is out of range"),
    (["-m", "--info", "all"], "error: -m (--multirun) and --info cannot be combined"),
    (["plots=yes"], "error: plots=yes is not allowed; allowed: auto, true or false"),
    (["-m", "plots=true,1"], "error: plots=1 is not allowed; allowed: auto, true or false"),
]


def assert_rejected(proc: subprocess.CompletedProcess, message: str, tmp_path: Path) -> None:
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(message), lines[0]
    assert proc.stdout == ""
    leftovers = {p for p in listing(tmp_path) if not p.startswith("seeds")}
    assert leftovers == set(), leftovers  # no outputs/, multirun/, run/ or sweep/ folder


@pytest.mark.parametrize("args, message", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_input(tmp_path, args, message):
    proc = run([*args, f"hydra.run.dir={tmp_path / 'run'}", f"hydra.sweep.dir={tmp_path / 'sweep'}"], cwd=tmp_path)
    assert_rejected(proc, message, tmp_path)


def test_bad_input_with_default_output_dirs(tmp_path):
    """Without hydra.run.dir: no outputs/ folder appears in the working directory either."""
    proc = run(["scenario=foo"], cwd=tmp_path)
    assert_rejected(proc, "error: scenario=foo is not a scenario", tmp_path)


def test_missing_seeds_file(tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(REPO / "seeds", seeds)
    (seeds / "events.yaml").unlink()
    proc = run([f"record_dir={seeds}", f"hydra.run.dir={tmp_path / 'run'}"], cwd=tmp_path)
    assert_rejected(proc, "error: ", tmp_path)
    assert "events.yaml" in proc.stderr and "file not found" in proc.stderr


def test_malformed_seeds_file(tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(REPO / "seeds", seeds)
    with open(seeds / "sectors.yaml", "a") as f:
        f.write("  - {id: [unclosed\n")
    proc = run([f"record_dir={seeds}", f"hydra.run.dir={tmp_path / 'run'}"], cwd=tmp_path)
    assert_rejected(proc, "error: ", tmp_path)
    assert "sectors.yaml" in proc.stderr
