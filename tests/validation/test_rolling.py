"""Validation forecast by forecast (``ceasefire-validate validation.mode=rolling``): the origins, what each
knows, the ABC rejection, a reduced run's report and reproducibility, and the committed report."""

from datetime import timedelta

import numpy as np
import pytest

from sim.model.params import ModelParams
from tests.validation.test_cli import ROOT, same_to_the_printed_digit, validate
from validation.rolling.bank import Bank, Cut, cuts_for, simulate_bank
from validation.rolling.run import load_timeline, rolling_origins
from validation.run import RollingSettings, ValidationSettings

ROLLING_RESULTS = ROOT / "validation" / "results" / "rolling"
REDUCED = ("validation.rolling.bank=30", "validation.rolling.paths=12", "validation.bootstrap=100")


@pytest.fixture(scope="module")
def timeline():
    return load_timeline(ValidationSettings())


def test_origins_every_90_days_back_from_the_end_of_the_calibration_record(timeline):
    tl, last = timeline
    times = rolling_origins(ValidationSettings(), tl, last)
    assert len(times) >= 6 and times[-1] == last and str(last.date()) == "2022-09-29"
    assert all(b - a == timedelta(days=90) for a, b in zip(times, times[1:]))
    assert str(times[0].date()) >= "2021-01-01"


def test_each_origin_knows_nothing_after_it(timeline):
    """The fire received and the talks a forecast starts from are all before its origin, in its spell."""
    tl, last = timeline
    for t in rolling_origins(ValidationSettings(), tl, last):
        start = tl.start_at(t)
        assert start.spell.start < t and start.origin_hours == (t - start.spell.start).total_seconds() / 3600
        assert all(0 <= f.hours < start.origin_hours for f in start.fire)
        assert all(0 <= talk.hours < start.origin_hours for talk in start.border.talks)
    # the spell from the truce of 16 Nov 2021 has the fire of the January 2022 flare-up by April 2022
    april = next(t for t in rolling_origins(ValidationSettings(), tl, last) if str(t.date()) == "2022-04-02")
    assert sum(f.killed for f in tl.start_at(april).fire) >= 4


def test_the_bank_reads_each_cut_as_the_same_runs_cut_later(timeline):
    """Simulating a spell further does not change its statistics at an earlier cut: a run is causal, so
    the bank's statistics at an origin use nothing after it."""
    tl, last = timeline
    times = rolling_origins(ValidationSettings(), tl, last)[:2]
    short = simulate_bank(tl, cuts_for(tl, times[:1]), 3, 5, ModelParams())
    long = simulate_bank(tl, cuts_for(tl, times), 3, 5, ModelParams())
    assert short.cuts[0] in long.cuts
    np.testing.assert_array_equal(short.simulated[:, 0], long.simulated[:, long.cuts.index(short.cuts[0])])


def test_abc_rejection_keeps_the_draws_nearest_the_record():
    sim = np.array([[[0.0, 5.0]], [[3.0, 5.0]], [[1.0, 9.0]], [[10.0, 5.0]]])
    bank = Bank(np.zeros((4, 1)), tuple({"x": float(i)} for i in range(4)), (Cut(0, 1.0),), sim, np.array([[1.0, 5.0]]))
    # scales: statistic 0 has MAD 1.5 about its median 2.0, statistic 1 has MAD 0 -> its mean deviation 1.0
    np.testing.assert_allclose(bank.distances([Cut(0, 1.0)]), [1 / 1.5, 2 / 1.5, 4.0, 9 / 1.5])
    post = bank.posterior([Cut(0, 1.0)], accept=0.5)
    assert post.accepted.tolist() == [0, 1] and post.distance == pytest.approx(2 / 1.5)
    rng = np.random.default_rng(0)
    assert {post.thetas[int(post.accepted[rng.integers(0, 2)])]["x"] for _ in range(50)} == {0.0, 1.0}


def test_reduced_rolling_run_writes_its_report_and_same_seed_same_bytes(tmp_path):
    """Two origins, a small bank: the report's sections, and the same bytes from the same seed."""
    outs = [tmp_path / "a", tmp_path / "b"]
    for out in outs:
        r = validate("validation.mode=rolling", "validation.rolling.first=2022-06-01", *REDUCED, f"hydra.run.dir={out}")
        assert r.returncode == 0, r.stderr
    for name in ("report.md", "scores.csv", "origins.png", "pit.png"):
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name
    report = (outs[0] / "report.md").read_text()
    for text in ("## Verdict", "| 2022-07-01 |", "| 2022-09-29 |", "Brier", "## PIT", "total cover 50% / 90%"):
        assert text in report
    assert "| 2022-04-02 |" not in report and not list(outs[0].glob(".*.tmp"))


@pytest.mark.parametrize(
    "override,message",
    [
        ("validation.mode=sometimes", "validation.mode='sometimes' is not allowed; allowed: window, rolling"),
        ("validation.rolling.accept=2", "validation.rolling.accept=2.0 is out of range"),
        ("validation.rolling.first=2023-01-01", "validation.rolling.first=2023-01-01 leaves no origin"),
        ("validation.rolling.horizon_days=200", "validation.rolling.horizon_days=200 runs past"),
        ("validation.rolling.history=/nonexistent", "/nonexistent"),
    ],
)
def test_bad_rolling_input_one_line_exit_2(tmp_path, override, message):
    out = tmp_path / "out"
    r = validate("validation.mode=rolling", override, f"hydra.run.dir={out}", cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0], r.stderr
    assert not out.exists()


@pytest.mark.slow
def test_the_committed_rolling_report_regenerates_from_its_settings(tmp_path):
    """validation/results/rolling/ is what `ceasefire-validate validation.mode=rolling publish=true` writes
    (byte for byte but the Hawkes reference's lines, to the printed digit: see test_cli)."""
    out = tmp_path / "run"
    r = validate("validation.mode=rolling", f"hydra.run.dir={out}", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    for name in ("report.md", "scores.csv"):
        got, committed = (out / name).read_text().splitlines(), (ROLLING_RESULTS / name).read_text().splitlines()
        assert len(got) == len(committed), f"{name}: re-publish the rolling report"
        for line, expected in zip(got, committed):
            assert line == expected or same_to_the_printed_digit(line, expected), f"{name}: {line!r}"


def test_rolling_settings_defaults_match_the_config():
    from validation.cli import compose

    assert compose(["validation.mode=rolling"]).validation.rolling == RollingSettings()
