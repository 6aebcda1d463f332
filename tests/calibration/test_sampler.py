"""The parallel sampler gives SingleCoreSampler's samples, bit for bit, for any number of workers.

A toy ``simulate_one`` built like pyabc's (a variable number of draws from numpy's global generator to
propose θ, then one model call, then acceptance) checks the sampler's contract directly; the smoke
calibration checks it through pyabc. The committed set, regenerated with this sampler, is checked in
test_abc.py; the process handling (Ctrl-C, a main process that dies) here.
"""

import math
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import pyabc
import pytest
from pyabc.population import Particle

from calibration.abc import CalibrationSettings, posterior_csv, run_abc
from calibration.sampler import DivergedError, OrderedParallelSampler

ROOT = Path(__file__).resolve().parents[2]


def toy_model(theta):
    """A pure function of θ, a little slow, so that the workers run ahead of the replay."""
    time.sleep(0.0005)
    return {"x": math.sin(1e3 * theta["a"])}


def failing_above(limit):
    def model(theta):
        if theta["a"] > limit:
            raise ValueError(f"no simulation above {limit}")
        return toy_model(theta)

    return model


def toy_simulate_one(model, draw_after=False):
    """Like pyabc's: propose (redrawing while 'outside the prior'), call the model once, accept or not."""

    def simulate_one():
        a = np.random.uniform()
        while np.random.uniform() < 0.4:
            a = np.random.uniform()
        stats = model(pyabc.Parameter(a=a))
        if draw_after:
            np.random.uniform()
        accepted = stats["x"] > 0.5
        return Particle(0, pyabc.Parameter(a=a), float(accepted), stats, -stats["x"], accepted, 0, False)

    return simulate_one


def sample(sampler, model, n=25, seed=3, **kwargs):
    """(parameters and acceptance in order, evaluations, ok, the generator's state afterwards)."""
    np.random.seed(seed)
    call = sampler.model.sample if isinstance(sampler, OrderedParallelSampler) else model
    s = sampler.sample_until_n_accepted(n, toy_simulate_one(call), 0, **kwargs)
    particles = [(p.parameter["a"], p.accepted, p.sum_stat["x"]) for p in s.all_particles]
    state = np.random.get_state()
    return particles, sampler.nr_evaluations_, s.ok, (state[1].tobytes(), state[2:])


def parallel(model, n_procs, **kwargs):
    sampler = OrderedParallelSampler(model, n_procs=n_procs, **kwargs)
    sampler.sample_factory.record_rejected()  # as the adaptive distance asks: every particle is compared
    return sampler


def single(**kwargs):
    sampler = pyabc.sampler.SingleCoreSampler(**kwargs)
    sampler.sample_factory.record_rejected()
    return sampler


@pytest.mark.parametrize("n_procs", [1, 2, 3])
@pytest.mark.parametrize("all_accepted", [False, True])
def test_same_particles_evaluations_and_generator_state_as_single_core(n_procs, all_accepted):
    expected = sample(single(), toy_model, all_accepted=all_accepted)
    sampler = parallel(toy_model, n_procs)
    assert sampler.start() is None and sampler._pool.method == "fork"
    try:
        for seed in (3, 4):  # two generations on the same workers
            assert sample(sampler, toy_model, seed=seed, all_accepted=all_accepted) == sample(
                single(), toy_model, seed=seed, all_accepted=all_accepted
            )
    finally:
        sampler.stop()
    assert expected[1] > 25  # some rejected: the order of acceptance matters


@pytest.mark.parametrize("max_eval", [10, 200])
def test_max_eval_as_single_core(max_eval):
    expected = sample(single(check_max_eval=True), toy_model, max_eval=max_eval)
    sampler = parallel(toy_model, 2, check_max_eval=True)
    try:
        assert sample(sampler, toy_model, max_eval=max_eval) == expected
    finally:
        sampler.stop()
    assert expected[2] is (max_eval == 200)  # 10 evaluations cannot accept 25: the sample is not ok


def test_unchecked_max_eval_is_ignored_as_by_single_core():
    sampler = parallel(toy_model, 2)
    try:
        assert sample(sampler, toy_model, max_eval=10) == sample(single(), toy_model, max_eval=10)
    finally:
        sampler.stop()


def test_a_failing_simulation_raises_where_single_core_raises():
    with pytest.raises(ValueError, match="no simulation above 0.9"):
        sample(single(), failing_above(0.9))
    sampler = parallel(failing_above(0.9), 2)
    try:
        with pytest.raises(ValueError, match="no simulation above 0.9"):
            sample(sampler, failing_above(0.9))
    finally:
        sampler.stop()


def test_a_failing_simulation_beyond_the_last_acceptance_is_not_seen():
    """The workers run ahead of the n-th acceptance; what they simulate there does not count."""
    particles = sample(single(), toy_model)[0]
    used = {a for a, _, _ in particles}
    np.random.seed(3)  # the proposals that follow the sample's
    s = pyabc.sampler.SingleCoreSampler()
    s.sample_until_n_accepted(25, toy_simulate_one(toy_model), 0)
    after = [toy_simulate_one(lambda th: {"x": th["a"]})().parameter["a"] for _ in range(3)]
    assert not used & set(after)

    def model(theta):
        if theta["a"] in after:
            raise ValueError("beyond the sample")
        return toy_model(theta)

    sampler = parallel(model, 2)
    try:
        assert sample(sampler, model) == sample(single(), toy_model)
    finally:
        sampler.stop()


def test_draws_after_the_model_call_are_detected():
    sampler = parallel(toy_model, 2)
    try:
        np.random.seed(1)
        with pytest.raises(DivergedError):
            sampler.sample_until_n_accepted(5, toy_simulate_one(sampler.model.sample, draw_after=True), 0)
    finally:
        sampler.stop()


def test_the_model_outside_the_sampler_simulates():
    sampler = OrderedParallelSampler(toy_model, n_procs=1)
    assert sampler.model.sample(pyabc.Parameter(a=0.25)) == toy_model({"a": 0.25})
    assert sampler.model.name == "toy_model"


SMOKE = dict(seed=1, population_size=40, max_generations=2, min_acceptance_rate=0.0, max_simulations=10000)


def test_smoke_calibration_same_bytes_with_single_core_and_one_or_two_workers(tmp_path, whole):
    observed = whole.observed()
    runs = {}
    for sampler, n_procs in (("single", 1), ("parallel", 1), ("parallel", 2)):
        settings = CalibrationSettings(sampler=sampler, n_procs=n_procs, **SMOKE)
        cal = run_abc(settings, observed, whole, tmp_path / f"{sampler}{n_procs}.db", log=lambda *_: None)
        runs[sampler, n_procs] = (posterior_csv(cal), [g.simulations for g in cal.generations])
    assert len(set(map(repr, runs.values()))) == 1, runs


def processes_in_session(sid: int) -> list[int]:
    """Live (not zombie) processes of session ``sid``."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":
            out.append(int(stat.parent.name))
    return out


def wait_until_gone(sid: int, seconds: float = 10.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while (left := processes_in_session(sid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


linux = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")


@linux
def test_workers_exit_when_the_main_process_is_killed():
    script = textwrap.dedent(
        """
        import os, signal, sys, time
        from calibration.sampler import OrderedParallelSampler
        sampler = OrderedParallelSampler(time.sleep, n_procs=2)
        sampler.start()
        print(*[p.pid for p in sampler._pool.procs], flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    workers = [int(p) for p in proc.stdout.readline().split()]
    proc.wait(30)
    assert len(workers) == 2 and proc.returncode == -signal.SIGKILL
    assert wait_until_gone(proc.pid) == []


@linux
@pytest.mark.parametrize("delay", [0.0, 0.3])
def test_ctrl_c_is_one_line_and_stops_the_workers(delay):
    """Ctrl-C in a terminal reaches every process of the foreground group: the workers ignore it, the
    command says one line and stops them, also when pyabc is writing its database (at a generation's
    start: no delay)."""
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.Popen(
            [sys.executable, "-c", "from calibration.cli import main; main()", f"hydra.run.dir={tmp}/run"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
            env={**os.environ, "HYDRA_FULL_ERROR": "0"},
        )
        seen = []
        for line in proc.stderr:  # pyabc's progress: the workers are simulating
            seen.append(line)
            if "t: 0" in line:
                break
        assert len(processes_in_session(proc.pid)) == 3, seen
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 130, err
        assert err.strip().splitlines()[-1] == "interrupted; no calibration written"
        assert "Traceback" not in err and "KeyboardInterrupt" not in err
        assert wait_until_gone(proc.pid) == []
        assert not list(Path(tmp, "run").glob("*.db*"))


def test_spawned_workers_when_other_threads_run():
    """With another thread running, forking could copy a lock it holds: the workers are spawned instead."""
    import threading

    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        sampler = parallel(toy_model, 2)
        try:
            assert sample(sampler, toy_model) == sample(single(), toy_model)
            assert sampler._pool.method == "spawn"
        finally:
            sampler.stop()
    finally:
        stop.set()
        thread.join()


def test_ctrl_c_is_deferred_to_the_next_check_and_a_second_one_is_not():
    from calibration.sampler import DeferredInterrupt

    deferred = DeferredInterrupt()
    deferred.install()
    try:
        signal.raise_signal(signal.SIGINT)  # not raised here: pyabc may be writing its database
        with pytest.raises(KeyboardInterrupt):
            deferred.check()
        deferred.check()  # once only
        signal.raise_signal(signal.SIGINT)
        with pytest.raises(KeyboardInterrupt):
            signal.raise_signal(signal.SIGINT)  # pressed twice: at once
    finally:
        with pytest.raises(KeyboardInterrupt):
            deferred.uninstall()  # the first of the two was still pending
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
