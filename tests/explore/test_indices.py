"""Sobol indices recovered on a function with known indices (Ishigami), through the exploration's own pipeline:
EMA Workbench's Sobol sampler (explore.design), EMA's ReplicatorModel with common random numbers
(explore.evaluate), the chunk files (explore.store) and SALib (explore.indices). Morris screening too."""

import math

import numpy as np
import pytest

from explore import store
from explore.design import sample
from explore.evaluate import run_points
from explore.indices import analyse, noise, sobol_estimates
from explore.inputs import Input

A, B = 7.0, 0.1
NOISE_SD = 0.5
# Ishigami & Homma (1990): f = sin x1 + a sin^2 x2 + b x3^4 sin x1, x_i uniform on [-pi, pi]
V1 = 0.5 * (1 + B * math.pi**4 / 5) ** 2
V2 = A**2 / 8
V13 = B**2 * math.pi**8 * (1 / 18 - 1 / 50)
V = V1 + V2 + V13
S1 = (V1 / V, V2 / V, 0.0, 0.0)
ST = ((V1 + V13) / V, V2 / V, V13 / V, 0.0)
OUT = ("y",)


def ishigami(replication=0, **x):
    """The function, plus noise drawn from the replication's own stream: the same at every point (common
    random numbers), as the model's runs are."""
    rng = np.random.default_rng(np.random.SeedSequence(11, spawn_key=(int(replication),)))
    x1, x2, x3 = x["x1"], x["x2"], x["x3"]
    y = math.sin(x1) + A * math.sin(x2) ** 2 + B * x3**4 * math.sin(x1)
    return {"y": y + NOISE_SD * rng.standard_normal()}


def ishigami_own_noise(replication=0, **x):
    """The function plus noise drawn apart at every point (a stream keyed by the point's values): noise that
    common random numbers do not cancel."""
    key = np.array([x["x1"], x["x2"], x["x3"], x["x4"]]).view(np.uint32).tolist()
    rng = np.random.default_rng(np.random.SeedSequence([11, int(replication), *key]))
    y = ishigami(replication, **x)["y"]  # its common noise shifts every point alike
    return {"y": y + 2.0 * rng.standard_normal()}


def inputs():
    box = (-math.pi, math.pi)
    return (
        *(Input(f"x{i}", "uncertainty", *box, "linear", "-", "", "test") for i in (1, 2, 3)),
        Input("x4", "lever", *box, "linear", "-", "a dummy: no effect", "test"),
    )


def pipeline(method: str, n: int, replications: int, tmp_path, chunk: int = 500, function=ishigami):
    """Design, runs through EMA in chunks written to and read back from chunk files: every run's value."""
    ins = inputs()
    design = sample(ins, method, n, seed=3)
    parts = []
    for a, b in store.chunk_ranges(design.points, chunk):
        runs = run_points(function, ins, design.values[a:b], a, replications, OUT)
        path = tmp_path / f"{a}.npy"
        path.write_bytes(store.chunk_npy(runs))
        parts.append(store.read_chunk(path, a, b, replications, len(OUT)))
    return design, {"y": np.concatenate(parts)[:, :, 0]}


@pytest.fixture(scope="module")
def sobol(tmp_path_factory):
    design, per_run = pipeline("sobol", 2048, 2, tmp_path_factory.mktemp("ishigami"))
    return analyse("sobol", design.inputs, per_run, 200, 0.95, seed=1, stream_resamples=20), per_run


def test_ishigami_indices_are_recovered(sobol):
    sens, _ = sobol
    got = {i.input: i for i in sens.sobol}
    for k, name in enumerate(("x1", "x2", "x3")):
        i = got[name]
        # within the estimate's own interval, widened by the known noise's share of the variance
        assert abs(i.s1 - S1[k]) < max(2 * i.s1_conf, 0.03), (name, i.s1, S1[k], i.s1_conf)
        assert abs(i.st - ST[k]) < max(2 * i.st_conf, 0.03) + 0.02, (name, i.st, ST[k], i.st_conf)
    assert got["x3"].s1 < 0.05 < got["x3"].st  # x3 acts only together with x1
    dummy = got["x4"]  # an input the function ignores: common random numbers make it exactly 0
    assert dummy.s1 == 0.0 and dummy.st == 0.0
    ranked = [i.input for i in sens.ranked("y")]
    assert ranked[-1] == "x4"


def test_noise_share_is_the_known_noise(tmp_path):
    design, per_run = pipeline("sobol", 128, 4, tmp_path, function=ishigami_own_noise)
    y = per_run["y"]
    n = noise("y", y.mean(axis=1), y.std(axis=1, ddof=1), 4)
    expected = 4.0 / 4 / (V + 4.0 / 4)  # noise variance 2^2 left in a mean of 4 runs, over the total
    assert abs(n.share - expected) < 0.2 * expected, (n.share, expected)
    sens = analyse("sobol", design.inputs, per_run, 50, 0.95, seed=1, stream_resamples=10)
    assert sens.noise_of("y") == n


def test_common_noise_cancels(sobol):
    """With common random numbers, noise that does not depend on the inputs shifts every point alike: the
    points' means vary only with the inputs (the dummy's index is exactly 0 above), and resampling the streams
    moves no index."""
    sens, per_run = sobol
    assert np.ptp(per_run["y"].std(axis=1)) < 1e-12  # the same replication spread at every point
    assert all(i.st_stream_sd < 1e-9 and i.s1_stream_sd < 1e-9 for i in sens.sobol)


def test_streams_that_interact_with_the_inputs_widen_the_intervals(tmp_path):
    design, per_run = pipeline("sobol", 128, 4, tmp_path, function=ishigami_own_noise)
    sens = analyse("sobol", design.inputs, per_run, 50, 0.95, seed=1, stream_resamples=20)
    for i in sens.sobol:
        if i.input != "x4":
            assert i.st_stream_sd > 0 and i.st_all_conf > i.st_conf


def test_morris_screens_out_the_dummy_and_ranks_the_others(tmp_path):
    design, per_run = pipeline("morris", 64, 1, tmp_path, chunk=64)
    sens = analyse("morris", design.inputs, per_run, 100, 0.95, seed=1, unit=design.unit(), levels=4)
    got = {i.input: i for i in sens.morris}
    assert got["x4"].mu_star == 0.0 and got["x4"].sigma == 0.0
    assert min(got[x].mu_star for x in ("x1", "x2", "x3")) > 0.5
    assert got["x3"].sigma > 0  # its effect depends on x1: interactions


def test_a_constant_outcome_gets_no_index(tmp_path):
    design = sample(inputs(), "sobol", 8, seed=1)
    y = np.full((design.points, 2), 2.0)
    sens = analyse("sobol", design.inputs, {"y": y}, 50, 0.95, seed=1)
    assert sens.constant == ("y",) and not sens.sobol and math.isnan(sens.noise_of("y").share)


def test_bootstrap_intervals_are_reproducible(sobol):
    sens, per_run = sobol
    design = sample(inputs(), "sobol", 2048, seed=3)
    again = analyse("sobol", design.inputs, per_run, 200, 0.95, seed=1, stream_resamples=20)
    assert again.sobol == sens.sobol
    other = analyse("sobol", design.inputs, per_run, 200, 0.95, seed=2, stream_resamples=20)
    assert [i.st_conf for i in other.sobol] != [i.st_conf for i in sens.sobol]


def test_the_stream_resampling_uses_salibs_estimators(sobol):
    sens, per_run = sobol
    y = per_run["y"].mean(axis=1)
    s1, st = sobol_estimates(4, y)
    got = {i.input: i for i in sens.sobol}
    for j, name in enumerate(("x1", "x2", "x3", "x4")):
        assert s1[j] == pytest.approx(got[name].s1, abs=1e-12) and st[j] == pytest.approx(got[name].st, abs=1e-12)
