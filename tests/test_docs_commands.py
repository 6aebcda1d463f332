"""Every shell command in the documentation runs.

The ```bash blocks of README.md and docs/*.md are read line by line (a trailing backslash continues
a line; ``#`` starts a comment). Each command of this project -- ``ceasefire-sim``,
``ceasefire-calibrate``, ``ceasefire-compare``, ``ceasefire-validate``, ``python -m ...`` -- runs in a
subprocess from one temporary folder, where every output lands, and must exit 0 without a traceback.

To keep the whole file to a few minutes on two cores, the commands are made cheap by appending
overrides (a later value wins over the documented one): :data:`CHEAP` per program, and
:data:`ADJUST`, a short table of per-command changes, each with its reason. Inputs a command needs
(two sweeps to compare, a record of one's own) are made once by the ``workdir`` fixture, and the
documented sweeps whose jobs are the same as that fixture's run into its folder, where they find the
jobs finished and only summarise (docs/sweeps.md: a re-run runs only what is missing). Lines that
are not this project's commands are skipped for the reason in :data:`SKIP`; any other line fails
:func:`test_every_documented_line_is_run_or_skipped`, so a new kind of command must be placed in
one of the tables.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BIN = Path(sys.executable).parent
# The project's commands, and the module each runs (used when the console script is not installed).
PROGRAMS = {
    "ceasefire-sim": "sim.cli",
    "ceasefire-calibrate": "calibration.cli",
    "ceasefire-compare": "sim.sweep.compare",
    "ceasefire-validate": "validation.cli",
    "ceasefire-explore": "explore.cli",
}
TIMEOUT = 300

SKIP = {
    "make": "sets up .venv, then runs the baseline, the benchmarks or the whole suite: these tests run "
    "inside that set-up, and the suite cannot run itself",
    "source": "activates the virtual environment these tests already run in",
    "pip": "installs packages; the cluster extra (hydra-submitit-launcher) is installed with the test environment",
}

# Appended to every command of a program (later values win): small, fast, and nothing published.
CHEAP = {
    "ceasefire-sim": ["replications=2", "horizon_days=30"],
    "ceasefire-calibrate": [
        "calibration=smoke",
        "calibration.population_size=20",
        "calibration.max_generations=1",
        "calibration.predictive_draws=10",
        "plots=false",
    ],
    "ceasefire-validate": ["validation.paths=20", "validation.bootstrap=100"],
    "ceasefire-explore": [
        "exploration.n=8",
        "exploration.replications=2",
        "exploration.chunk_size=64",
        "sensitivity.resamples=50",
        "plots=false",
    ],
}

# The folders docs/sweeps.md names: the workdir fixture runs a sweep into each (A: 4 x 3 jobs;
# B: four of them again with another retaliation.propensity), and links multirun/A and multirun/B
# (README.md) to them.
SWEEP_A = "multirun/2026-11-21/23-04-14"
SWEEP_B = "multirun/2026-11-22/09-12-01"
SWEEP_A_ARGS = ["-m", "observer.strength=0,20,40,100", "mediation.intensity=0,0.5,1", *CHEAP["ceasefire-sim"]]
SWEEP_B_ARGS = [
    "-m",
    "observer.strength=0,20",
    "mediation.intensity=0,1",
    "retaliation.propensity=0.6",
    *CHEAP["ceasefire-sim"],
]
ROLLING_CHEAP = ["validation.rolling.first=2022-06-01", "validation.rolling.bank=20", "validation.rolling.paths=10"]
OWN_RECORD = "path/to/events.yaml"  # docs/validation.md: a copy of the validation record

# Per-command changes, keyed by the documented command (its words joined by one space):
# (words replaced, words appended, why).
ADJUST: dict[str, tuple[dict[str, str], list[str], str]] = {
    "ceasefire-sim -m observer.strength=0,20,40,100 mediation.intensity=0,0.5,1 replications=200": (
        {},
        [f"hydra.sweep.dir={SWEEP_A}"],
        "the fixture's sweep A: its jobs are found finished",
    ),
    "ceasefire-sim -m +experiment=sweep_observer_mediation": (
        {},
        [f"hydra.sweep.dir={SWEEP_A}"],
        "the same 4 x 3 jobs as sweep A (hydra.sweeper.params)",
    ),
    "ceasefire-sim -m +experiment=sweep_withdrawal": (
        {},
        ["hydra.sweep.dir=results/withdrawal"],
        "made the same as the quick look below it: one folder",
    ),
    "ceasefire-sim -m +experiment=sweep_observer_mediation hydra/launcher=submitit_slurm "
    "hydra.launcher.partition=YOUR_PARTITION hydra.launcher.timeout_min=60 hydra.launcher.cpus_per_task=1 "
    "hydra.launcher.mem_gb=2 hydra.sweep.dir=/shared/results/observer_mediation": (
        {},
        ["--cfg", "hydra"],
        "no SLURM here: the sweep's config is composed with every launcher "
        "setting checked, and printed, instead of submitted",
    ),
    "ceasefire-explore hydra/launcher=submitit_slurm "
    "hydra.launcher.partition=YOUR_PARTITION hydra.launcher.timeout_min=30 "
    "hydra.launcher.cpus_per_task=1 hydra.launcher.mem_gb=2 hydra.launcher.array_parallelism=64 "
    "exploration.chunk_size=256 hydra.sweep.dir=/shared/results/explore": (
        {},
        ["--cfg", "hydra"],
        "no SLURM here: the exploration's config is composed with every launcher setting checked, and printed",
    ),
    "ceasefire-explore publish=true": (
        {"publish=true": "publish=false"},
        [],
        "would overwrite the published explore/results/",
    ),
    "ceasefire-calibrate calibration=committed publish=true": (
        {"publish=true": "publish=false"},
        [],
        "would overwrite the committed calibration/results/",
    ),
    "ceasefire-validate publish=true": (
        {"publish=true": "publish=false"},
        [],
        "would overwrite the committed validation/results/",
    ),
    "ceasefire-validate validation.mode=rolling": (
        {},
        ROLLING_CHEAP,
        "the committed rolling settings take minutes: two origins, a small bank",
    ),
    "ceasefire-validate validation.mode=rolling publish=true": (
        {"publish=true": "publish=false"},
        ROLLING_CHEAP,
        "would overwrite the committed validation/results/rolling/; two origins, a small bank",
    ),
}


def logical_lines(path: Path) -> list[tuple[int, str]]:
    """(line number, text) of each line of the file's ```bash blocks, continuations joined."""
    out: list[tuple[int, str]] = []
    fence: str | None = None
    pending, start = "", 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("```"):
            fence = (stripped[3:].strip() or "text") if fence is None else None
            continue
        if fence != "bash":
            continue
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        text, pending = pending + stripped, ""
        if text:
            out.append((start, text))
    return out


def documented() -> list[tuple[str, list[str]]]:
    """(where, words) of every line of the documentation's bash blocks that is not only a comment."""
    found = []
    for path in DOCS:
        for number, text in logical_lines(path):
            words = shlex.split(text, comments=True)
            if words:
                found.append((f"{path.relative_to(ROOT)}:{number}", words))
    return found


def is_command(words: list[str]) -> bool:
    return words[0] in PROGRAMS or words[:2] == ["python", "-m"]


def commands() -> list[tuple[str, list[str]]]:
    """The documented commands to run, each once (at its first place), in the order of the docs."""
    seen, out = set(), []
    for where, words in documented():
        key = " ".join(words)
        if is_command(words) and key not in seen:
            seen.add(key)
            out.append((where, words))
    return out


def program(name: str) -> list[str]:
    script = BIN / name
    return [str(script)] if script.exists() else [sys.executable, "-m", PROGRAMS[name]]


def adjusted(words: list[str]) -> list[str]:
    """The argv to run for a documented command: CHEAP and ADJUST applied."""
    replace, append, _why = ADJUST.get(" ".join(words), ({}, [], ""))
    args = [replace.get(w, w) for w in words[1:]]
    if words[0] in PROGRAMS:
        cheap = [] if "--help" in args else CHEAP.get(words[0], [])
        return [*program(words[0]), *args, *cheap, *append]
    return [sys.executable, *args, *append]  # python -m ...


def env() -> dict[str, str]:
    e = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    e.pop("HYDRA_FULL_ERROR", None)
    return e


def run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(argv, cwd=cwd, env=env(), capture_output=True, text=True, timeout=TIMEOUT)


def assert_ran(proc: subprocess.CompletedProcess, argv: list[str]) -> None:
    shown = shlex.join([Path(argv[0]).name, *argv[1:]])
    assert proc.returncode == 0, f"{shown}\nexit {proc.returncode}\n{proc.stderr[-3000:]}"
    assert "Traceback" not in proc.stderr + proc.stdout, f"{shown}\n{proc.stderr[-3000:]}"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """The folder every command runs in, with the inputs the docs assume: the sweeps A and B
    (under docs/sweeps.md's folder names and README.md's multirun/A, multirun/B) and a record of
    one's own for ceasefire-validate."""
    work = tmp_path_factory.mktemp("docs")
    for args, folder in ((SWEEP_A_ARGS, SWEEP_A), (SWEEP_B_ARGS, SWEEP_B)):
        argv = [*program("ceasefire-sim"), *args, f"hydra.sweep.dir={folder}"]
        assert_ran(run(argv, work), argv)
    (work / "multirun" / "A").symlink_to(work / SWEEP_A, target_is_directory=True)
    (work / "multirun" / "B").symlink_to(work / SWEEP_B, target_is_directory=True)
    record = work / OWN_RECORD
    record.parent.mkdir(parents=True)
    shutil.copyfile(ROOT / "seeds" / "validation" / "events.yaml", record)
    return work


def test_every_documented_line_is_run_or_skipped():
    lines = documented()
    unknown = [
        f"{where}: {shlex.join(words)}" for where, words in lines if not is_command(words) and words[0] not in SKIP
    ]
    assert not unknown, "add these to SKIP or to the commands run:\n" + "\n".join(unknown)
    programs = {words[0] for _, words in commands()}
    assert {*PROGRAMS, "python"} <= programs, programs  # the extraction still finds them all


def test_every_adjustment_is_for_a_documented_command():
    documented_commands = {" ".join(words) for _, words in commands()}
    stale = [key for key in ADJUST if key not in documented_commands]
    assert not stale, f"ADJUST names commands the docs no longer have: {stale}"


@pytest.mark.parametrize(
    "words", [pytest.param(words, id=f"{where} {shlex.join(words)}"[:120]) for where, words in commands()]
)
def test_documented_command_runs(words, workdir):
    argv = adjusted(words)
    assert_ran(run(argv, workdir), argv)
