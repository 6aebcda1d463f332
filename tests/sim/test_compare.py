"""``ceasefire-compare``: statistics, matching, outputs and one-line errors."""

from __future__ import annotations

import csv
import math
import subprocess
import sys

import numpy as np
import pytest
from lifelines import KaplanMeierFitter

from sim.sweep.compare import (
    bootstrap_medians,
    compare,
    km_median,
    main,
    medians_data,
    medians_png,
    newcombe_diff,
    percentile_ci,
)

from .sweep.helpers import env, exponential_data, make_sweep

PARAMS = {"observer.strength": [0, 20], "mediation.intensity": [0, 1]}


def _rate_a(v):
    return 0.006 / (1 + v.get("observer.strength", 0) / 20)


def _rate_b(v):
    return 2 * _rate_a(v)  # B collapses twice as fast: shorter medians, more collapses


@pytest.fixture
def sweeps(tmp_path):
    # the same seed in both: replication i shares its random stream (as common random numbers do)
    a = make_sweep(tmp_path / "a", params=PARAMS, data=exponential_data(_rate_a, n=150, seed=3))
    b = make_sweep(
        tmp_path / "b",
        params=PARAMS,
        data=exponential_data(_rate_b, n=150, seed=3),
        fixed=("retaliation.propensity=0.7",),
    )
    return a, b


# --- statistics ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
def test_km_median_matches_lifelines(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 80))
    d = np.round(rng.exponential(100, n), 0)  # rounded: many ties
    d = np.minimum(d, 150.0)
    e = (d < 150) & (rng.random(n) < 0.8)
    kmf = KaplanMeierFitter().fit(d, e)
    assert km_median(d, e) == float(kmf.median_survival_time_)


def test_km_median_not_reached_is_inf():
    assert km_median([10, 365, 365, 365], [True, False, False, False]) == math.inf
    assert km_median([10, 20], [True, True]) == 10.0  # S falls to exactly 0.5 at 10


def test_bootstrap_medians_equal_direct_medians():
    rng = np.random.default_rng(0)
    d = np.minimum(np.round(rng.exponential(50, 40), 1), 100.0)
    e = d < 100
    resample = rng.integers(0, 40, size=(25, 40))
    expected = [km_median(d[r], e[r]) for r in resample]
    assert bootstrap_medians(d, e, resample).tolist() == expected


def test_percentile_ci_opens_on_infinite_resamples():
    x = np.arange(1000, dtype=float)
    assert percentile_ci(x) == (25.0, 974.0)
    x[-30:] = np.inf
    lo, hi = percentile_ci(x)
    assert lo == 25.0 and hi == math.inf
    x[:30] = np.nan  # inf - inf: both ends open
    assert percentile_ci(x) == (-math.inf, math.inf)


def test_newcombe_matches_the_published_example():
    # Newcombe (1998), Stat Med 17:873, example (a): 56/70 vs 48/80 -> 0.2000 (0.0524, 0.3339)
    d, lo, hi = newcombe_diff(48, 80, 56, 70)
    assert (round(d, 4), round(lo, 4), round(hi, 4)) == (0.2, 0.0524, 0.3339)


# --- comparing sweeps ---------------------------------------------------------------------------------


def test_compare_pairs_and_detects_the_difference(sweeps):
    a, b = sweeps
    sa, sb, pairs = compare(str(a), str(b), seed=0, resamples=500)
    assert len(pairs) == 4
    for p in pairs:
        r = p.row
        assert r["bootstrap"] == "paired"  # same seed and replications
        assert r["n_a"] == r["n_b"] == 150
        if r["median_diff"] is not None:
            assert r["median_diff_ci_low"] <= r["median_diff"] <= r["median_diff_ci_high"]
        assert r["share_diff_ci_low"] < r["share_diff"] < r["share_diff_ci_high"]
        assert r["share_diff"] > 0  # B collapses more
    first = pairs[0].row  # strength 0: both medians reached, B's clearly shorter
    assert first["median_diff"] < 0 and first["median_diff_ci_high"] < 0


def test_compare_is_reproducible_and_seeded(sweeps):
    a, b = sweeps
    rows = lambda seed: [p.row for p in compare(str(a), str(b), seed=seed, resamples=300)[2]]  # noqa: E731
    assert rows(1) == rows(1)
    assert rows(1) != rows(2)


def test_unpaired_when_seeds_differ(tmp_path):
    a = make_sweep(tmp_path / "a", params=PARAMS, data=exponential_data(_rate_a, n=60), seed=0)
    b = make_sweep(tmp_path / "b", params=PARAMS, data=exponential_data(_rate_a, n=60, seed=9), seed=1)
    _, _, pairs = compare(str(a), str(b), resamples=200)
    assert {p.row["bootstrap"] for p in pairs} == {"independent"}


def test_partial_overlap_and_failed_jobs(tmp_path):
    a = make_sweep(tmp_path / "a", params={"observer.strength": [0, 20, 40]}, data=exponential_data(_rate_a, n=50))
    b = make_sweep(tmp_path / "b", params={"observer.strength": [20, 40, 100]}, data=exponential_data(_rate_a, n=50))
    (b / "1_sept2022" / "summary.json").unlink()  # B's strength=40 job did not finish
    sa, sb, pairs = compare(str(a), str(b), resamples=200)
    assert [p.values["observer.strength"] for p in pairs] == [20, 40]
    assert pairs[1].row["n_a"] is None and "B incomplete" in pairs[1].row["note"]


# --- the medians plot ---------------------------------------------------------------------------------


def _rate_steep(v):
    return 0.02 / (1 + v.get("observer.strength", 0) / 4) ** 2  # strength 0: short; 20, 40: mostly hold


@pytest.fixture
def censored_sweeps(tmp_path):
    params = {"observer.strength": [0, 10, 20, 40], "mediation.intensity": [0, 1]}
    a = make_sweep(tmp_path / "a", params=params, data=exponential_data(_rate_steep, n=80, seed=3))
    b = make_sweep(tmp_path / "b", params=params, data=exponential_data(lambda v: 1.3 * _rate_steep(v), n=80, seed=4))
    return compare(str(a), str(b), resamples=200)


def test_medians_plot_draws_no_line_through_censored_medians(censored_sweeps):
    a, b, pairs = censored_sweeps
    d = medians_data(a, b, pairs)
    points = [p for g in d["groups"] for s in g["series"].values() for p in s["points"]]
    censored = [p for p in points if p["censored"]]
    reached = [p for p in points if not p["censored"]]
    assert censored and reached, "the fixture should have both reached and censored medians"
    for p in censored:  # drawn at the horizon as an open, labelled marker
        assert p["y"] == d["horizon"] and p["median"] is None and p["open_upper"] and p["label"] == ">365"
    for g in d["groups"]:
        for s in g["series"].values():
            at = {(p["x"], p["y"]): p for p in s["points"]}
            for end in (e for seg in s["segments"] for e in seg):
                assert not at[end]["censored"]
            # every pair of neighbouring reached medians is joined; nothing else is
            expected = sum(
                1
                for p0, p1 in zip(s["points"], s["points"][1:])
                if p1["index"] == p0["index"] + 1 and not p0["censored"] and not p1["censored"]
            )
            assert len(s["segments"]) == expected
            # shares are values: always joined
            assert len(s["share_segments"]) == len(s["points"]) - 1
    assert medians_png(a, b, pairs).startswith(b"\x89PNG")


def test_medians_data_names_jobs_that_are_not_shown(tmp_path):
    a = make_sweep(tmp_path / "a", params={"observer.strength": [0, 20, 40]}, data=exponential_data(_rate_a, n=50))
    b = make_sweep(tmp_path / "b", params={"observer.strength": [0, 20, 40]}, data=exponential_data(_rate_a, n=50))
    (b / "1_sept2022" / "summary.json").unlink()
    sa, sb, pairs = compare(str(a), str(b), resamples=200)
    d = medians_data(sa, sb, pairs)
    assert d["not_shown"] == ["observer.strength=20"]
    assert [p["index"] for p in d["groups"][0]["series"]["a"]["points"]] == [0, 2]
    assert d["groups"][0]["series"]["a"]["segments"] == []  # 0 and 40 are not neighbours: no line across the gap


# --- the command ------------------------------------------------------------------------------------


def _cli(args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "sim.sweep.compare", *args],
        cwd=cwd,
        env=env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_command_writes_table_and_plots(sweeps, tmp_path):
    a, b = sweeps
    proc = _cli([str(a), str(b), "--out", "cmp", "--resamples", "300"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    out = tmp_path / "cmp"
    assert {p.name for p in out.iterdir()} == {"compare.csv", "compare_survival.png", "compare_medians.png"}
    rows = list(csv.DictReader((out / "compare.csv").open()))
    assert len(rows) == 4 and "median_diff" in rows[0] and "share_diff_ci_high" in rows[0]
    assert "B - A days [95% CI]" in proc.stdout and "Newcombe" in proc.stdout and "paired" in proc.stdout
    assert "also set: retaliation.propensity=0.7" in proc.stdout
    assert proc.stdout.strip().endswith("compare_medians.png)")


def test_main_returns_zero(sweeps, tmp_path, capsys):
    a, b = sweeps
    assert main([str(a), str(b), "--out", str(tmp_path / "o"), "--resamples", "200"]) == 0


def _bad_cases(tmp_path):
    a = make_sweep(tmp_path / "a", params=PARAMS, data=exponential_data(_rate_a, n=20))
    other = make_sweep(
        tmp_path / "other", params={"retaliation.propensity": [0.3, 0.7]}, data=exponential_data(_rate_a, n=20)
    )
    short = make_sweep(
        tmp_path / "short", params=PARAMS, data=exponential_data(_rate_a, n=20, horizon=100), horizon=100
    )
    disjoint = make_sweep(
        tmp_path / "disjoint",
        params={"observer.strength": [5, 6], "mediation.intensity": [2, 3]},
        data=exponential_data(_rate_a, n=20),
    )
    plain = tmp_path / "plain"
    plain.mkdir()
    (tmp_path / "file").write_text("x")
    return {
        "missing": ([str(a), str(tmp_path / "nope")], "SWEEP_B: " + str(tmp_path / "nope") + ": no such folder"),
        "not a sweep": ([str(plain), str(a)], "is not a sweep folder"),
        "other params": (
            [str(a), str(other)],
            "cannot compare: " + str(a) + " sweeps observer.strength, "
            "mediation.intensity but " + str(other) + " sweeps retaliation.propensity",
        ),
        "horizons": ([str(a), str(short)], "horizons differ"),
        "nothing in common": ([str(a), str(disjoint)], "no job of"),
        "out is a file": ([str(a), str(a), "--out", str(tmp_path / "file")], "is not a folder"),
        "resamples": ([str(a), str(a), "--resamples", "5"], "--resamples 5"),
        "bad option": ([str(a), str(a), "--bogus"], "unrecognized arguments: --bogus"),
        "one folder": ([str(a)], "the following arguments are required: SWEEP_B"),
    }


CASES = [
    "missing",
    "not a sweep",
    "other params",
    "horizons",
    "nothing in common",
    "out is a file",
    "resamples",
    "bad option",
    "one folder",
]


@pytest.mark.parametrize("case", CASES)
def test_cannot_compare_is_one_line_and_exit_2(tmp_path, case, capsys):
    args, message = _bad_cases(tmp_path)[case]
    before = sorted(p.name for p in tmp_path.iterdir())
    try:
        code = main(args)
    except SystemExit as e:  # argparse's own errors
        code = e.code
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert message in err
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written


def test_command_error_has_no_traceback(tmp_path):
    proc = _cli([str(tmp_path / "nope"), str(tmp_path)], cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr == f"error: SWEEP_A: {tmp_path / 'nope'}: no such folder\n"
    assert not list(tmp_path.iterdir())
