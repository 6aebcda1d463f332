"""Replications, their aggregate and the files they leave (in-process, on the real model)."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
from scipy import stats

from sim.common.files import write_atomic
from sim.experiment.config import ExperimentConfig, model_params
from sim.experiment.outputs import REPLICATIONS_FILE, SUMMARY_FILE, SURVIVAL_FILE, replications_csv, summary_json
from sim.experiment.progress import Progress
from sim.experiment.replications import run_experiment, run_replications, seed_sequences
from sim.experiment.statistics import aggregate, mean_ci, wilson_interval
from sim.experiment.table import format_table
from sim.model.params import ParameterError
from sim.model.run import RunSummary

HORIZON = 60.0


def experiment(**kw) -> ExperimentConfig:
    exp = ExperimentConfig(scenario="sept2022", horizon_days=HORIZON, progress=False)
    for k, v in kw.items():
        setattr(exp, k, v)
    return exp


def fake_summary(i: int, collapsed: bool, days: float) -> RunSummary:
    return RunSummary(
        seed=0,
        spawn_key=[i],
        scenario="x",
        horizon_days=365.0,
        collapsed=collapsed,
        collapse_cause="spiral" if collapsed else "",
        durability_days=days,
        n_violations=i,
        n_exchanges=2 * i,
        killed={"ARM": i, "AZE": 1},
        wounded={"ARM": 0, "AZE": 2 * i},
        max_tier=i % 3,
    )


# --- seeds ----------------------------------------------------------------------------------------


def test_replication_seeds_are_spawned_children():
    seqs = seed_sequences(3, 4)
    assert [s.spawn_key for s in seqs] == [(0,), (1,), (2,), (3,)]
    for i, s in enumerate(seqs):
        alone = np.random.SeedSequence(3, spawn_key=(i,))
        assert (s.generate_state(4) == alone.generate_state(4)).all()
    # replication 0 does not depend on how many replications there are
    assert (seed_sequences(3, 1)[0].generate_state(4) == seqs[0].generate_state(4)).all()


def test_replications_ignore_the_global_generator(border):
    params = model_params(experiment())
    np.random.seed(1)
    a, _ = run_replications(params, 5, 3, HORIZON, border, "sept2022")
    np.random.seed(2)
    np.random.random(10)
    b, _ = run_replications(params, 5, 3, HORIZON, border, "sept2022")
    assert a == b
    assert [s.spawn_key for s in a] == [[0], [1], [2]]


# --- statistics -----------------------------------------------------------------------------------


@pytest.mark.parametrize("k, n", [(0, 10), (5, 10), (10, 10), (37, 200), (1, 1)])
def test_wilson_matches_scipy(k, n):
    ci = stats.binomtest(k, n).proportion_ci(0.95, method="wilson")
    lo, hi = wilson_interval(k, n)
    assert lo == pytest.approx(ci.low, abs=1e-9) and hi == pytest.approx(ci.high, abs=1e-9)


def test_mean_ci_is_the_t_interval():
    x = [3.0, 5.0, 4.0, 10.0, 0.0]
    lo, hi = stats.t.interval(0.95, len(x) - 1, loc=np.mean(x), scale=stats.sem(x))
    out = mean_ci(x)
    assert out["mean"] == pytest.approx(4.4)
    assert out["ci95"] == [pytest.approx(lo, abs=1e-4), pytest.approx(hi, abs=1e-4)]
    assert mean_ci([7.0]) == {"mean": 7.0, "ci95": [None, None]}
    assert mean_ci([2.0, 2.0])["ci95"] == [2.0, 2.0]


def test_the_t_quantile_is_scipy_stats_own():
    from scipy.special import stdtrit

    assert all(stdtrit(df, 0.975) == stats.t.ppf(0.975, df) for df in range(1, 3000))


def test_aggregate_fields():
    summaries = [fake_summary(i, i < 3, 50.0 * (i + 1) if i < 3 else 365.0) for i in range(8)]
    agg, km = aggregate(summaries, "observer_mission", 4, 365.0)
    assert (agg["scenario"], agg["seed"], agg["replications"], agg["horizon_days"]) == ("observer_mission", 4, 8, 365.0)
    sc = agg["share_collapsed"]
    assert sc["n_collapsed"] == 3 and sc["estimate"] == 0.375
    assert 0 <= sc["ci95"][0] < 0.375 < sc["ci95"][1] <= 1
    md = agg["median_durability_days"]
    assert md["estimate"] is None and md["reached"] is False  # 5 of 8 hold to the horizon
    per = agg["per_replication"]
    assert per["n_violations"]["mean"] == 3.5
    assert per["killed"]["ARM"]["mean"] == 3.5 and per["killed"]["AZE"]["ci95"] == [1.0, 1.0]
    assert per["wounded"]["AZE"]["mean"] == 7.0
    assert per["max_tier_counts"] == {"0": 3, "1": 3, "2": 2}
    assert km.n == 8
    json.loads(summary_json(agg))  # JSON without NaN


def test_replications_csv_is_one_row_per_replication():
    text = replications_csv([fake_summary(i, False, 365.0) for i in range(3)])
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["replication"] for r in rows] == ["0", "1", "2"]
    assert {"collapsed", "durability_days", "killed_ARM", "killed_AZE", "wounded_ARM", "max_tier"} <= set(rows[0])
    assert "seed" not in rows[0] and "scenario" not in rows[0]
    assert rows[2]["killed_ARM"] == "2" and rows[0]["collapsed"] == "0"


def test_format_table():
    agg, _ = aggregate([fake_summary(i, i == 0, 20.0 if i == 0 else 365.0) for i in range(4)], "sept2022", 0, 365.0)
    table = format_table([agg])
    header, row = table.splitlines()
    for col in (
        "scenario",
        "N",
        "collapsed [95% CI]",
        "median days [95% CI]",
        "violations",
        "killed ARM",
        "killed AZE",
    ):
        assert col in header
    assert row.startswith("sept2022") and "25% [" in row and ">365 (not reached)" in row


# --- files ----------------------------------------------------------------------------------------


def test_write_atomic_leaves_no_temporary_files(tmp_path):
    write_atomic(tmp_path / "a.json", "{}\n")
    write_atomic(tmp_path / "a.json", b"[]\n")
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]
    assert (tmp_path / "a.json").read_text() == "[]\n"


def test_replicated_experiment_outputs(tmp_path, border):
    summary = run_experiment(experiment(replications=6, seed=2), tmp_path, border=border)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted([SUMMARY_FILE, REPLICATIONS_FILE, SURVIVAL_FILE, "incidents.csv", "timeline.png"])
    on_disk = json.loads((tmp_path / SUMMARY_FILE).read_text())
    assert on_disk == json.loads(summary_json(summary))
    assert (on_disk["scenario"], on_disk["seed"], on_disk["replications"], on_disk["horizon_days"]) == (
        "sept2022",
        2,
        6,
        HORIZON,
    )
    for key in ("share_collapsed", "median_durability_days", "per_replication"):
        assert key in on_disk
    for side in ("ARM", "AZE"):
        assert set(on_disk["per_replication"]["killed"][side]) == {"mean", "ci95"}
        assert set(on_disk["per_replication"]["wounded"][side]) == {"mean", "ci95"}
    rows = list(csv.DictReader(io.StringIO((tmp_path / REPLICATIONS_FILE).read_text())))
    assert len(rows) == 6
    assert on_disk["share_collapsed"]["n_collapsed"] == sum(int(r["collapsed"]) for r in rows)


def test_single_run_outputs_and_first_replication(tmp_path, border):
    one, six = tmp_path / "one", tmp_path / "six"
    single = run_experiment(experiment(replications=1, seed=2), one, border=border)
    run_experiment(experiment(replications=6, seed=2), six, border=border)
    assert sorted(p.name for p in one.iterdir()) == sorted(
        [SUMMARY_FILE, REPLICATIONS_FILE, "incidents.csv", "timeline.png"]
    )
    # the run's own summary fields and the aggregate, together
    for key in (
        "collapsed",
        "durability_days",
        "n_violations",
        "killed",
        "wounded",
        "max_tier",
        "share_collapsed",
        "median_durability_days",
        "per_replication",
        "replications",
    ):
        assert key in single
    # replication 0 of six is the single run
    assert (one / "incidents.csv").read_bytes() == (six / "incidents.csv").read_bytes()
    row_one = (one / REPLICATIONS_FILE).read_text().splitlines()[1]
    row_six = (six / REPLICATIONS_FILE).read_text().splitlines()[1]
    assert row_one == row_six


def test_bad_config_raises_before_writing(tmp_path, border):
    exp = experiment(replications=3)
    exp.mediation.intensity = 5.0
    with pytest.raises(ParameterError, match="mediation.intensity=5.0 is out of range"):
        run_experiment(exp, tmp_path / "out", border=border)
    assert not (tmp_path / "out").exists()


# --- progress -------------------------------------------------------------------------------------


class FakeTTY(io.StringIO):
    def __init__(self, tty: bool):
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_progress_only_on_a_terminal():
    for tty, enabled, shown in [(True, True, True), (False, True, False), (True, False, False)]:
        stream = FakeTTY(tty)
        p = Progress(10, "sept2022", enabled=enabled, stream=stream, min_interval=0.0)
        for i in range(1, 11):
            p.update(i)
        p.close()
        out = stream.getvalue()
        assert bool(out) == shown
        if shown:
            assert "sept2022" in out and "10/10" in out and out.endswith("\n") and out.count("\n") == 1


def test_progress_is_throttled():
    stream = FakeTTY(True)
    p = Progress(1000, "x", stream=stream, min_interval=60.0)
    p.restart()
    for i in range(1, 1001):
        p.update(i)
    p.close()
    assert stream.getvalue().count("\r") <= 3  # the start, at most one refresh, and the end
    assert "1000/1000" in stream.getvalue()


def test_calibrated_parameters_are_drawn_per_replication_reproducibly(border):
    from calibration.posterior import Posterior

    post = Posterior.load()
    a, _ = run_replications(
        model_params(ExperimentConfig(scenario="sept2022")), 4, 6, 120.0, border, "sept2022", posterior=post
    )
    b, _ = run_replications(
        model_params(ExperimentConfig(scenario="sept2022")), 4, 6, 120.0, border, "sept2022", posterior=post
    )
    assert a == b
    drawn = [tuple(s.drawn.values()) for s in a]
    assert len(set(drawn)) > 1, "each replication draws its own parameters"
    assert set(a[0].drawn) == set(post.names)
    for s in a:  # every drawn set is one of the posterior's samples
        assert any(np.allclose(row, list(s.drawn.values())) for row in post.values)


def test_params_must_name_a_posterior():
    from sim.experiment.config import load_posterior

    assert load_posterior("default") is None
    assert load_posterior("calibrated") is not None
    with pytest.raises(ParameterError, match="params=nope.csv: no such posterior file; .*allowed: default, calibrated"):
        load_posterior("nope.csv")
    with pytest.raises(  # a setting of another command: its own key and names
        ParameterError, match="^validation.posterior=default is not allowed; allowed: calibrated or the path"
    ):
        load_posterior("default", "validation.posterior", ("calibrated",))


# --- worker processes (issue 13) --------------------------------------------------------------------


@pytest.fixture
def pooled(monkeypatch):
    """Start the worker pool for any number of replications; count the pools started."""
    import sim.experiment.replications as replications

    pools = []
    real = replications.run_in_pool

    def run_in_pool(batch, ranges, workers, progress):
        pools.append((workers, len(ranges), replications.pool_context().get_start_method()))
        return real(batch, ranges, workers, progress)

    monkeypatch.setattr(replications, "MIN_POOL_DAYS", 0.0)
    monkeypatch.setattr(replications, "run_in_pool", run_in_pool)
    return pools


def output_bytes(folder) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("params", ["default", "calibrated"])
def test_same_bytes_whatever_the_number_of_workers(tmp_path, border, pooled, params):
    from sim.experiment.config import experiment_config

    out = {}
    for workers in (1, 2, 3):
        exp = experiment_config(replications=40, horizon_days=120, progress=False, params=params, workers=workers)
        run_experiment(exp, tmp_path / str(workers), border=border)
        out[workers] = output_bytes(tmp_path / str(workers))
    assert [w for w, _, _ in pooled] == [2, 3]  # the pool ran (1 worker: in this process)
    assert set(out[1]) == {"replications.csv", "summary.json", "incidents.csv", "survival.png", "timeline.png"}
    assert out[1] == out[2] == out[3]


def test_workers_fork_from_a_single_thread_else_from_a_fork_server(monkeypatch):
    import sim.experiment.replications as replications

    monkeypatch.setattr(replications.threading, "active_count", lambda: 1)
    assert replications.pool_context().get_start_method() == "fork"
    monkeypatch.setattr(replications.threading, "active_count", lambda: 2)  # a notebook's kernel runs threads
    assert replications.pool_context().get_start_method() == "forkserver"


def test_same_bytes_from_a_fork_server(tmp_path, border, pooled):
    """With another thread running (as in a notebook's kernel), the workers start from a fork server."""
    import threading

    from sim.experiment.config import experiment_config

    job = experiment_config(replications=30, horizon_days=120, progress=False, params="calibrated", workers=1)
    run_experiment(job, tmp_path / "here", border=border)
    job.config.workers = 2
    release = threading.Event()
    thread = threading.Thread(target=release.wait, daemon=True)
    thread.start()
    try:
        run_experiment(job, tmp_path / "server", border=border)
    finally:
        release.set()
        thread.join()
    assert [method for _, _, method in pooled] == ["forkserver"]
    assert output_bytes(tmp_path / "here") == output_bytes(tmp_path / "server")


def _pooled_in_a_thread(params, border, n: int) -> tuple[list, str]:
    """Run n replications in a pool of 2 while another thread runs (as in a job of the joblib launcher)."""
    import threading

    import sim.experiment.replications as replications

    release = threading.Event()
    threading.Thread(target=release.wait, daemon=True).start()
    saved, replications.MIN_POOL_DAYS = replications.MIN_POOL_DAYS, 0.0
    try:
        method = replications.pool_context().get_start_method()
        return run_replications(params, 3, n, HORIZON, border, "sept2022", workers=2)[0], method
    finally:
        replications.MIN_POOL_DAYS = saved
        release.set()


def test_workers_inside_a_joblib_worker(border):
    """A job of the joblib launcher runs in a loky worker, whose default start method is loky's own."""
    from joblib import Parallel, delayed
    from joblib.externals.loky import get_reusable_executor

    params = model_params(experiment())
    here, _ = run_replications(params, 3, 20, HORIZON, border, "sept2022")
    try:
        [(there, method)] = Parallel(n_jobs=2, backend="loky")([delayed(_pooled_in_a_thread)(params, border, 20)])
    finally:
        get_reusable_executor().shutdown(wait=True)  # and its threads, which would stay in this process
    assert method == "forkserver" and there == here


def test_chunks_cover_every_replication_once_in_order():
    from sim.experiment.replications import MAX_CHUNK, chunks

    for n, workers in [(1, 2), (7, 2), (2000, 2), (2001, 3), (10**6, 2)]:
        ranges = chunks(n, workers)
        assert ranges[0][0] == 0 and ranges[-1][1] == n
        assert all(a < b and b == c for (a, b), (c, _) in zip(ranges, ranges[1:]))
        assert max(b - a for a, b in ranges) <= MAX_CHUNK
    assert len(chunks(2000, 2)) >= 16  # enough chunks for two workers to finish together


def test_progress_advances_with_the_chunks(border, pooled):
    params = model_params(experiment())
    stream = FakeTTY(True)
    run_replications(
        params, 1, 24, HORIZON, border, "sept2022", Progress(24, "x", stream=stream, min_interval=0.0), workers=2
    )
    assert pooled and "24/24" in stream.getvalue()


def test_worker_count():
    import sim.experiment.replications as replications
    from sim.experiment.config import explicit_keys, is_explicit

    cores = replications.available_cores()
    assert cores >= 1
    assert [replications.worker_count(w) for w in ("auto", 0, 1, 3)] == [cores, cores, 1, 3]
    assert [replications.worker_count(w, sweep_job=True) for w in ("auto", 0, 3)] == [1, 1, 3]  # 1 unless set
    assert replications.worker_count("auto", explicit=True, sweep_job=True) == cores
    assert is_explicit("workers", explicit_keys(["workers=auto"]))


def test_a_sweep_job_runs_on_one_worker_unless_set(monkeypatch, border):
    import dataclasses

    import sim.experiment.replications as replications
    from sim.experiment.config import experiment_config

    used = []
    monkeypatch.setattr(replications, "run_replications", lambda *a, workers, **k: used.append(workers) or ([], None))
    for settings, sweep_job in [({}, False), ({}, True), ({"workers": "auto"}, True), ({"workers": 2}, True)]:
        job = experiment_config(replications=2, progress=False, **settings)
        replications.replicate(dataclasses.replace(job, sweep_job=sweep_job), border)
    cores = replications.available_cores()
    assert used == [cores, 1, cores, 2]


@pytest.mark.parametrize("value", ["-1", "2.5", "two", "[2]", "true", "257", "null"])
def test_bad_workers_is_one_line(value):
    from sim.cli import UsageError, check_overrides

    with pytest.raises(UsageError) as err:
        check_overrides([f"workers={value}"])
    message = str(err.value)
    assert message.startswith("workers=") and "allowed: auto or 0 (every core) or an integer from 1 to 256" in message
    assert "\n" not in message


def test_bad_workers_on_the_command_line(tmp_path):
    from .test_cli import run

    proc = run(["workers=-2", f"hydra.run.dir={tmp_path / 'run'}"], cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == [
        "error: workers=-2 is not allowed; allowed: auto or 0 (every core) or an integer from 1 to 256"
    ]
    assert not (tmp_path / "run").exists()


def _descendants(pid: int) -> list[int]:
    from pathlib import Path

    try:
        children = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []
    return children + [d for c in children for d in _descendants(c)]


def _alive(pid: int) -> bool:
    from pathlib import Path

    try:
        return "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()
    except OSError:
        return False


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm", "sigkill"])
def test_stopping_a_run_stops_its_workers(tmp_path, how):
    """Ctrl-C (SIGINT to the whole process group, as a terminal sends it) and SIGTERM give the one line
    and exit code 130 of a run without workers; after SIGKILL the workers end on their own."""
    import os
    import signal
    import subprocess
    import time

    from .test_cli import REPO, command

    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("HYDRA_FULL_ERROR", None)
    proc = subprocess.Popen(
        [*command(), "replications=1000000", "workers=2", "progress=false", f"hydra.run.dir={tmp_path / 'run'}"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.time() + 60
        while len(workers := _descendants(proc.pid)) < 2 and time.time() < deadline:
            time.sleep(0.1)
        assert len(workers) == 2, "the workers did not start"
        time.sleep(0.5)
        if how == "ctrl-c":
            os.killpg(proc.pid, signal.SIGINT)
        else:
            proc.send_signal(signal.SIGTERM if how == "sigterm" else signal.SIGKILL)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    if how == "sigkill":
        assert proc.returncode == -signal.SIGKILL
    else:
        assert proc.returncode == 130 and "Traceback" not in err
        assert [line for line in err.splitlines() if line.strip()] == ["interrupted; no results written"]
    deadline = time.time() + 10
    while any(_alive(w) for w in workers) and time.time() < deadline:
        time.sleep(0.1)
    assert not any(_alive(w) for w in workers)
    assert not (tmp_path / "run" / "summary.json").exists()
