"""The ceasefire-explore command, in a subprocess: a small exploration end to end, the same bytes whatever runs
the jobs (one worker, two, submitit's local executor), a killed run that resumes without redoing finished design
points, and bad input (one line, exit 2, nothing written)."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SMALL = ["exploration=smoke", "exploration.replications=4", "progress=false", "sensitivity.resamples=100"]
SAME = ("design.csv", "design.npy", "results.csv", "indices.csv", "boxes.csv", "box_limits.csv")


def explore_cmd(*args):
    return [sys.executable, "-c", "from explore.cli import main; main()", *args]


def env():
    e = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    e.pop("HYDRA_FULL_ERROR", None)
    return e


def explore(*args, cwd=ROOT, timeout=300):
    return subprocess.run(explore_cmd(*args), cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env())


def files(folder: Path, names=SAME) -> dict:
    return {n: (folder / n).read_bytes() for n in names}


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """The small exploration, jobs on joblib's two workers (the default launcher), without plots."""
    out = tmp_path_factory.mktemp("explore") / "reference"
    r = explore(*SMALL, "plots=false", f"hydra.sweep.dir={out}")
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr + r.stdout
    return out


def test_small_exploration_end_to_end(reference):
    out = reference
    manifest = json.loads((out / "explore.json").read_text())
    assert manifest["points"] == 8 * (23 + 2) and manifest["replications"] == 4
    lines = (out / "results.csv").read_text().splitlines()
    assert len(lines) == 1 + manifest["points"]
    header = lines[0].split(",")
    for column in ("collapsed", "rmst_days", "killed_ARM", "killed_AZE", "violations_with_casualties", "explore_id"):
        assert column in header and f"{column}_sd" in header or column == "explore_id"
    assert all(line.endswith(manifest["id"]) for line in lines[1:])
    indices = (out / "indices.csv").read_text()
    assert indices.startswith(
        "outcome,input,role,S1,S1_low,S1_high,ST,ST_low,ST_high,S1_stream_sd,ST_stream_sd,ST_all_low,ST_all_high,"
        "noise_share,explore_id,code_version,record_sha256\n"
    )
    report = (out / "report.md").read_text()
    for heading in ("## The design", "## How much is noise", "## What drives each outcome", "## Where the ceasefire"):
        assert heading in report
    assert manifest["id"] in report and manifest["code_version"] in report
    run = json.loads((out / "run.json").read_text())
    assert (
        run[-1]["chunks_run"] == -(-manifest["points"] // 16)
        and run[-1]["runs"] == manifest["points"] * 4
        and run[-1]["runs_per_second"] > 0
    )
    assert not list(out.rglob("*.tmp")) and not (out / ".ceasefire-explore.lock").exists()


def test_same_bytes_with_one_worker_and_other_chunks(reference, tmp_path):
    out = tmp_path / "one"
    r = explore(*SMALL, "plots=false", "hydra.launcher.n_jobs=1", "exploration.chunk_size=40", f"hydra.sweep.dir={out}")
    assert r.returncode == 0, r.stderr
    assert files(out, (*SAME, "report.md")) == files(reference, (*SAME, "report.md"))


def test_submitit_local_launcher_gives_the_same_results_and_draws_the_plots(reference, tmp_path):
    out = tmp_path / "submitit"
    r = explore(*SMALL, "hydra/launcher=submitit_local", "exploration.chunk_size=100", f"hydra.sweep.dir={out}")
    assert r.returncode == 0, r.stderr
    assert files(out) == files(reference)
    run = json.loads((out / "run.json").read_text())
    assert run[-1]["launcher"] == "LocalLauncher" and run[-1]["chunks_run"] == 2
    report = (out / "report.md").read_text()
    assert "![Sobol indices](indices.png)" in report
    for name in ("indices.png", "prim_holds_tradeoff.png", "prim_fails_tradeoff.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
        assert f"]({name})" in report


def test_killed_run_resumes_without_redoing_finished_points(reference, tmp_path):
    out = tmp_path / "killed"
    args = [*SMALL, "plots=false", "exploration.chunk_size=8", f"hydra.sweep.dir={out}"]
    proc = subprocess.Popen(explore_cmd(*args), cwd=ROOT, env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if list((out / "points").glob("*.npy")):
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)  # no chance to clean up: the jobs' workers notice and end
    proc.communicate(timeout=60)
    time.sleep(0.5)  # the workers check for their parent every 0.2 s
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in (out / "points").glob("*.npy")}
    chunks = -(-json.loads((reference / "explore.json").read_text())["points"] // 8)
    assert 0 < len(before) < chunks, len(before)
    time.sleep(0.3)
    assert {p.name for p in (out / "points").glob("*.npy")} == set(before)  # nothing still writing
    r = explore(*args)
    assert r.returncode == 0, r.stderr
    assert f"{len(before)} finished earlier" in r.stdout
    for p in (out / "points").glob("*.npy"):
        if p.name in before:
            assert (p.read_bytes(), p.stat().st_mtime_ns) == before[p.name], p.name
    assert files(out) == files(reference)
    run = json.loads((out / "run.json").read_text())
    assert run[-1]["chunks_run"] == chunks - len(before)


@pytest.mark.parametrize(
    "args,message",
    [
        (["exploration.inputs=[foo.bar]"], "exploration.inputs: unknown input 'foo.bar'"),
        (["+exploration.ranges.retaliation.propensity=[0.5,0.5]"], "is empty; allowed: [lo,hi] with lo < hi"),
        (["exploration.n=1000"], "exploration.n=1000 is not a power of two"),
        (["exploration.replications=0"], "exploration.replications=0 is out of range"),
        (["exploration.replications=abc"], "exploration.replications has the wrong type"),
        (["discovery.hold_share=1.5"], "discovery.hold_share=1.5 is out of range"),
        (["exploration.range_source=nonsense"], "exploration.range_source=nonsense is not allowed"),
        (["exploration.method=lhs"], "exploration.method='lhs' is not allowed"),
        (["exploration=nope"], "exploration=nope: no such option; allowed: default, screening, smoke"),
        (["foo=1"], "unknown key 'foo'"),
        (["base.offensive.max_days=3"], "new keys under base are added with a plus"),
        (["+base.seed=3"], "base.seed is not a model parameter"),
        (["base.scenario=nowhere"], "scenario=nowhere is not a scenario"),
        (["chunk=3"], "chunk is set by ceasefire-explore"),
        (["-m"], "-m: ceasefire-explore runs its design points as jobs itself"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(tmp_path, args, message):
    out = tmp_path / "run"
    r = explore(*args, f"hydra.sweep.dir={out}", cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], r.stderr
    assert "Traceback" not in r.stderr and not out.exists()


def test_output_folder_that_cannot_be_made_is_one_line(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    r = explore(f"hydra.sweep.dir={blocker}/run", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr.strip().startswith("error: hydra.sweep.dir=") and "is a file, not a folder" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_help_lists_the_explorations(tmp_path):
    r = explore("--help", cwd=tmp_path)
    assert r.returncode == 0 and "Traceback" not in r.stderr
    assert "== Explorations (exploration=NAME, conf/exploration/) ==\ndefault, screening, smoke\n" in r.stdout
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("override", ["exploration.add.extra=0", "exploration.inputs.foo=1", "+exploration.add.x=1"])
def test_a_list_item_named_by_a_word_is_one_line_naming_it(override):
    """OmegaConf's own words ("invalid literal for int() with base 10: 'extra'") named no key (found by
    make fuzz)."""
    from explore.cli import preflight

    with pytest.raises(Exception) as err:  # noqa: B017 -- the command's one-line error
        preflight(["exploration=smoke", override])
    key = override.lstrip("+").split("=")[0]
    where = key.rsplit(".", 1)[0]
    assert str(err.value) == (
        f"{key}: {where} is a list; an item is named by its index ({where}.0), or the list is given whole: "
        f"{where}=[...]"
    ), str(err.value)
