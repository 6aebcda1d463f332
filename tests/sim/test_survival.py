"""Kaplan-Meier estimate of durability, the median and its CI, the survival plot."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.experiment.survival import kaplan_meier, median_summary, survival_png

PNG = b"\x89PNG\r\n\x1a\n"


def test_no_censoring_is_the_empirical_survival():
    km = kaplan_meier([1, 2, 3, 4, 5], [True] * 5)
    assert list(km.times) == [0, 1, 2, 3, 4, 5]
    assert np.allclose(km.survival, [1, 0.8, 0.6, 0.4, 0.2, 0.0])
    assert km.median == 3.0
    assert km.n == 5 and km.n_events == 5


def test_censoring_follows_the_product_limit():
    # 4 at risk: event at 1 (3/4), censored at 2, event at 3 with 2 at risk (3/4 * 1/2)
    km = kaplan_meier([1, 2, 3, 10], [True, False, True, False])
    s = dict(zip(km.times, km.survival))
    assert s[1] == pytest.approx(0.75)
    assert s[3] == pytest.approx(0.375)
    assert km.median == 3.0


def test_all_censored_median_not_reached():
    km = kaplan_meier([365.0] * 10, [False] * 10)
    assert km.median is None
    assert km.median_ci == (None, None)
    summary = median_summary(km, 365.0)
    assert summary["estimate"] is None and summary["reached"] is False and summary["ci95"] == [None, None]


def test_median_ci_brackets_the_median_and_shrinks_with_n():
    rng = np.random.default_rng(7)
    widths = []
    for n in (50, 800):
        d = rng.exponential(100.0, n)
        km = kaplan_meier(np.minimum(d, 365.0), d < 365.0)
        lo, hi = km.median_ci
        assert lo <= km.median <= hi
        widths.append(hi - lo)
    assert widths[1] < widths[0]
    assert km.median == pytest.approx(100.0 * math.log(2), rel=0.15)


def test_open_upper_limit_when_the_band_stays_above_half():
    # 11 of 20 collapse early, 9 hold to the horizon: the median is reached, its upper limit is not
    durations = [10.0 * (i + 1) for i in range(11)] + [365.0] * 9
    events = [True] * 11 + [False] * 9
    km = kaplan_meier(durations, events)
    assert km.median == 110.0
    assert km.median_ci[0] is not None and km.median_ci[1] is None
    assert median_summary(km, 365.0)["ci95"][1] is None


def test_one_run():
    km = kaplan_meier([42.0], [True])
    assert km.median == 42.0 and km.median_ci == (None, None)
    km = kaplan_meier([365.0], [False])
    assert km.median is None


def test_band_is_defined_everywhere():
    km = kaplan_meier([5, 5, 5], [True, True, True])
    assert not np.isnan(km.ci_lower).any() and not np.isnan(km.ci_upper).any()
    assert (km.ci_lower <= km.survival + 1e-12).all() and (km.survival <= km.ci_upper + 1e-12).all()


def test_empty_sample_is_an_error():
    with pytest.raises(ValueError):
        kaplan_meier([], [])


@pytest.mark.parametrize(
    "durations, events",
    [
        ([30.0, 80.0, 365.0, 365.0, 200.0], [True, True, False, False, True]),
        ([365.0] * 4, [False] * 4),
        ([12.0], [True]),
    ],
)
def test_survival_png(durations, events):
    png = survival_png(kaplan_meier(durations, events), 365.0, "sept2022")
    assert png.startswith(PNG) and len(png) > 5000


def _lifelines_km(d, e):
    import warnings

    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times

    kmf = KaplanMeierFitter(alpha=0.05)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kmf.fit(d, event_observed=e)
        ci = kmf.confidence_interval_
        bounds = median_survival_times(ci)

    def finite(x):
        return float(x) if math.isfinite(float(x)) else None

    s = kmf.survival_function_.iloc[:, 0].to_numpy(float)
    lo, hi = ci.iloc[:, 0].to_numpy(float), ci.iloc[:, 1].to_numpy(float)
    return (
        kmf.survival_function_.index.to_numpy(float),
        s,
        np.where(np.isnan(lo), s, lo),
        np.where(np.isnan(hi), s, hi),
        finite(kmf.median_survival_time_),
        (finite(bounds.iloc[0, 0]), finite(bounds.iloc[0, 1])),
    )


def test_the_estimate_is_lifelines_own():
    """The numpy estimator reproduces lifelines' KaplanMeierFitter: ties, time-0 durations, all censored, all
    collapsed, rounded and continuous times. Equal to a few units in the last place, not to the bit:
    lifelines' numpy exp/log take CPU-specific SIMD paths, the estimator here the C library's
    (sim/common/portable.py). The medians agree unless a curve passes within 1e-12 of 0.5, where one ulp
    decides the crossing."""
    rng = np.random.default_rng(0)
    for trial in range(300):
        n = int(rng.integers(2, 300))
        horizon = float(rng.choice([30.0, 91.25, 365.0]))
        d = np.round(rng.exponential(rng.uniform(5, 800), n), int(rng.integers(0, 4)))
        e = d < horizon
        d = np.minimum(d, horizon)
        if trial % 7 == 0:
            e[:] = False
        if trial % 11 == 0:
            e[:] = True
        if trial % 13 == 0:
            d[: n // 3] = 0.0
        km = kaplan_meier(d, e)
        times, surv, lo, hi, median, median_ci = _lifelines_km(d, e)
        assert np.array_equal(km.times, times)
        for mine, theirs in ((km.survival, surv), (km.ci_lower, lo), (km.ci_upper, hi)):
            np.testing.assert_allclose(mine, theirs, rtol=1e-13, atol=1e-15)
        near_half = any(np.any(np.abs(c - 0.5) < 1e-12) for c in (surv, lo, hi))
        if not near_half:
            assert km.median == median and km.median_ci == median_ci


def test_the_estimate_is_the_same_bytes_whatever_numpy_computes_exp_and_log_with(monkeypatch):
    """The curve goes through sim.common.portable, not numpy's SIMD exp/log: with those broken, nothing changes."""
    rng = np.random.default_rng(1)
    d = np.round(rng.exponential(200, 150), 1)
    e = d < 365
    before = kaplan_meier(np.minimum(d, 365), e)

    def broken(*a, **k):
        raise AssertionError("numpy's exp/log used")

    monkeypatch.setattr(np, "exp", broken)
    monkeypatch.setattr(np, "log", broken)
    after = kaplan_meier(np.minimum(d, 365), e)
    assert after.survival.tobytes() == before.survival.tobytes() and after.median == before.median
