"""Every command behaves like a Unix tool when its output goes away, run as a user runs it.

- A closed stdout, stderr or both (the reader gone, as after ``| head -1``): the command ends quietly with
  exit 141 at its first write to the closed stream -- a print, a log record, a note, an error line -- with
  nothing on the other stream; the work done before that write is whole. The cases start together (a few
  seconds each, mostly the interpreter's start).
- A full disk: in a sweep's jobs and in the main process, one line naming the file, exit 1, no partial set
  of results.
- A killed command: no worker of an exploration outlives it by more than a few seconds (the sweep's and the
  calibration's: tests/sim/test_faults.py, tests/calibration/test_sampler.py).
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
from pathlib import Path

import numpy as np
import pytest

from sim.common.process import EXIT_CLOSED_OUTPUT

from ..sim.sweep.helpers import exponential_data, make_sweep
from .helpers import NOISE, ClosedRun, command, env, mount_tmpfs, session_processes, unmount, wait_until

QUICK = ("replications=2", "horizon_days=10", "progress=false")

CLOSED = {  # case: (tool, arguments ({dir}: the case's folder, {a}, {b}: two sweeps), the closed stream)
    "sim run": ("ceasefire-sim", ("+experiment=smoke", *QUICK, "workers=1", "hydra.run.dir={dir}/run"), "stdout"),
    "sim sweep": ("ceasefire-sim", ("-m", "seed=1,2", *QUICK, "hydra.sweep.dir={dir}/sweep"), "both"),
    "sim sweep, jobs write first": (
        "ceasefire-sim",
        ("-m", "seed=1,2", *QUICK, "hydra/hydra_logging=disabled", "hydra.sweep.dir={dir}/sweep"),
        "stdout",
    ),
    "sim note": ("ceasefire-sim", ("seeds_dir=", *QUICK, "hydra.run.dir={dir}/run"), "stderr"),
    "calibrate": ("ceasefire-calibrate", ("--help",), "stdout"),
    "validate, bad input": ("ceasefire-validate", ("validation.paths=-1",), "stderr"),
    "explore": ("ceasefire-explore", ("exploration=smoke", "hydra.sweep.dir={dir}/explore"), "stdout"),
    "explore, bad input": ("ceasefire-explore", ("-m",), "both"),
    "compare": ("ceasefire-compare", ("{a}", "{b}", "--out", "{dir}/compare"), "stdout"),
    "compare, bad input": ("ceasefire-compare", ("{a}", "{b}", "--resamples", "10"), "stderr"),
    "python -m sim.sweep": ("sim.sweep", ("{a}", "--no-plots"), "both"),
    "python -m calibration.priors": ("calibration.priors", (), "stdout"),
    "python -m sim.record.targets": ("sim.record.targets", (), "stdout"),
}
"""The validation's and the calibration's runs end at their first line like the others'; the validation
runs whole in the test of a full disk below."""


@pytest.fixture(scope="module")
def closed_runs(tmp_path_factory):
    """Every case of :data:`CLOSED`, started together; ``{case: (ended, its folder)}``."""
    root = tmp_path_factory.mktemp("closed")
    params = {"observer.strength": [0, 50]}
    a = make_sweep(root / "a", params, exponential_data(lambda v: 0.002, n=40, seed=3))
    b = make_sweep(root / "b", params, exponential_data(lambda v: 0.004, n=40, seed=3))
    runs = {}
    for i, (case, (tool, args, closed)) in enumerate(CLOSED.items()):
        folder = root / f"case{i}"
        folder.mkdir()
        argv = [arg.format(dir=folder, a=a, b=b) for arg in args]
        runs[case] = (ClosedRun(command(tool, *argv), folder, closed), folder)
    return {case: (run.wait(timeout=600), folder) for case, (run, folder) in runs.items()}


@pytest.mark.parametrize("case", list(CLOSED))
def test_a_closed_output_ends_the_command_quietly(closed_runs, case):
    ended, folder = closed_runs[case]
    assert ended.returncode == EXIT_CLOSED_OUTPUT, (case, ended)
    assert not any(n in ended.output for n in NOISE), ended.output
    if CLOSED[case][2] != "stdout":
        assert ended.output == ""  # stdout kept: the command ended at its first line on stderr
    assert not list(folder.rglob("*.tmp")) and not list(folder.rglob("*.lock"))


def test_the_work_before_the_closing_write_is_whole(closed_runs):
    """A run (and a sweep's jobs, which wrote to the closed stdout first) finished and wrote their results
    before the command's own line found the reader gone; the table is what it could not write."""
    _, run = closed_runs["sim run"]
    assert json.loads((run / "run" / "summary.json").read_text())["replications"] == 2
    _, sweep = closed_runs["sim sweep, jobs write first"]
    assert len(list((sweep / "sweep").glob("*/summary.json"))) == 2
    _, compare = closed_runs["compare"]
    assert (compare / "compare" / "compare.csv").is_file()


# --- a full disk ----------------------------------------------------------------------------------------


def _one_line_per_failure(proc: subprocess.CompletedProcess, where: Path) -> list[str]:
    text = proc.stdout + proc.stderr
    assert proc.returncode == 1, text
    assert not any(n in text for n in NOISE), text
    errors = [line for line in text.splitlines() if line.startswith("error:")]
    assert errors, text
    for line in errors:
        assert "cannot write" in line and str(where) in line, line
    return errors


def test_a_full_disk_under_a_sweep_is_one_line_per_job(tmp_path):
    """The disk fills while the jobs write (a 120 KiB folder, three jobs of 20 replications): each job that
    cannot write says which file, in one line, without its log file's handler adding anything."""
    disk = tmp_path / "disk"
    if not mount_tmpfs(disk, "size=120k"):
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        args = ["-m", "seed=1,2,3", "replications=20", "progress=false", f"hydra.sweep.dir={disk / 'sweep'}"]
        proc = subprocess.run(command("ceasefire-sim", *args), cwd=tmp_path, env=env(), capture_output=True, text=True)
        errors = _one_line_per_failure(proc, Path("disk") / "sweep")
        assert all("the disk is full" in line for line in errors)
        assert not list(disk.rglob("*.tmp"))
    finally:
        unmount(disk)


def test_a_full_disk_in_the_main_process_leaves_no_report(tmp_path):
    """The validation's report is written in the main process; files of more than 8 KiB cannot be written
    (a file-size limit: EFBIG, as a full disk fails a write). One line, and none of the report's files."""

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (8192, 8192))

    out = tmp_path / "report"
    args = ["validation.paths=20", "progress=false", f"hydra.run.dir={out}"]
    proc = subprocess.run(
        command("ceasefire-validate", *args), cwd=tmp_path, env=env(), capture_output=True, text=True, preexec_fn=limit
    )
    [line] = _one_line_per_failure(proc, Path("report"))
    assert "File too large" in line
    assert {p.name for p in out.iterdir()} <= {"ceasefire-validate.log"}


# --- a killed command -------------------------------------------------------------------------------------


SCREENING = ("exploration=screening", "exploration.chunk_size=32", "progress=false")
"""The exploration of the issue's report, in chunks of a fraction of a second."""

WHEN = {
    # the pool's workers exist but are still starting: no job of theirs watches the command yet
    "workers starting": lambda pid, folder: sum("loky" in cmd for _, cmd in session_processes(pid)) >= 2,
    # the first chunk written: the workers are in the middle of the next ones
    "mid-chunk": lambda pid, folder: list((folder / "points").glob("*.npy")),
}


@pytest.mark.parametrize("when", list(WHEN))
def test_no_worker_of_a_killed_exploration_survives(tmp_path, when):
    """SIGKILL of ``ceasefire-explore``: every process it started (the workers, and the pool's helpers) is
    gone within five seconds, and every chunk written is whole."""
    folder = tmp_path / "explore"
    proc = subprocess.Popen(
        command("ceasefire-explore", *SCREENING, f"hydra.sweep.dir={folder}"),
        cwd=tmp_path,
        env=env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        assert wait_until(lambda: WHEN[when](proc.pid, folder), timeout=180, interval=0.05), "no workers"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert wait_until(lambda: not session_processes(proc.pid), timeout=5), session_processes(proc.pid)
        # A worker renaming a finished chunk into place as the command died may still have done so (its watch
        # looks every PARENT_CHECK_SECONDS): every chunk there is whole.
        for chunk in (folder / "points").glob("*.npy"):
            np.load(chunk)
    finally:
        for pid, _ in session_processes(proc.pid):
            os.kill(pid, signal.SIGKILL)
