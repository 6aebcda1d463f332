"""Calibration plots: natural-scale tick labels (log axes for log priors), histograms over the prior,
titles that say what produced them, deterministic bytes."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

from calibration import plots
from calibration.posterior import Posterior
from calibration.priors import FREE_PARAMETERS
from calibration.report import PredictiveCheck, summarize_parameters

PNG = b"\x89PNG\r\n\x1a\n"
LOG = [p for p in FREE_PARAMETERS if p.scale == "log"]
LINEAR = [p for p in FREE_PARAMETERS if p.scale != "log"]


@pytest.fixture(scope="module")
def post():
    rng = np.random.default_rng(0)
    n = 200
    cols = [p.to_natural(rng.uniform(*p.prior_bounds(), size=n)) for p in FREE_PARAMETERS]
    w = rng.random(n)
    return Posterior(tuple(p.name for p in FREE_PARAMETERS), np.column_stack(cols), w / w.sum())


@pytest.mark.parametrize(
    "lo,hi,expected",
    [
        (0.001, 0.1, [0.001, 0.01, 0.1]),
        (0.3, 10.0, [0.3, 1, 3, 10]),
        (1.0, 30.0, [1, 3, 10, 30]),
        (0.1, 12.0, [0.1, 1, 10]),
    ],
)
def test_log_ticks_are_round_natural_values(lo, hi, expected):
    assert plots.log_ticks(lo, hi) == expected


@pytest.mark.parametrize("p", [LOG[0], LINEAR[0]], ids=lambda p: p.scale)
def test_parameter_axis_has_natural_tick_labels_and_log_scale_for_log_priors(p):
    ax = Figure().add_subplot()
    plots.set_parameter_axis(ax, p, "x", max_ticks=3)
    plots.set_parameter_axis(ax, p, "y", max_ticks=3)
    assert ax.get_xscale() == ax.get_yscale() == ("log" if p.scale == "log" else "linear")
    assert ax.get_xlim() == pytest.approx((p.lo, p.hi))
    ax.figure.canvas.draw()
    labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert len(labels) >= 2
    values = [float(t.replace("\u2212", "-")) for t in labels]
    assert all(p.lo * 0.999 <= v <= p.hi * 1.001 for v in values)  # natural units, not log10


def test_weighted_histogram_spans_the_prior_on_the_sampling_scale(post):
    for p in (LOG[0], LINEAR[0]):
        heights, edges = plots.weighted_histogram(p, post.column(p.name), post.weights, 20)
        assert edges[0] == pytest.approx(p.lo) and edges[-1] == pytest.approx(p.hi)
        widths = np.diff(np.log10(edges) if p.scale == "log" else edges)
        assert np.allclose(widths, widths[0])  # equal bins on the sampling scale
        assert float((heights * widths).sum()) == pytest.approx(1.0)  # a density there: the prior is 1/(b-a)


def test_context_names_particles_ess_and_run(post):
    text = plots.calibration_context(
        post, {"generations": [{"epsilon": 3.0}, {"epsilon": 1.25}], "simulations": 500, "settings": {"seed": 4}}
    )
    assert text.startswith("200 particles (effective sample size ")
    assert "2 generations, final epsilon 1.25" in text and "500 simulations" in text and "seed 4" in text
    assert plots.effective_sample_size(np.full(10, 0.1)) == pytest.approx(10)


def test_plots_render_deterministically(post):
    summaries = summarize_parameters(post)
    for make in (lambda: plots.marginals_png(post, summaries), lambda: plots.pairs_png(post, summaries)):
        png = make()
        assert png.startswith(PNG) and png == make()
    checks = [
        PredictiveCheck("n_violations", 2.0, 0.0, 3.0, 6.0),
        PredictiveCheck("returned_to_war_scale", 0.0, 0.0, 0.0, 0.0),
    ]
    table = {"n_violations": np.arange(30) % 7, "returned_to_war_scale": np.zeros(30)}
    assert plots.predictive_png(checks, table).startswith(PNG)
    assert plots.predictive_png(checks, table, post=post).startswith(PNG)


def test_whole_number_statistics_get_one_bin_per_value():
    bins, whole = plots._bins(np.zeros(30), 0.0)
    assert whole and list(bins) == [-0.5, 0.5, 1.5]
    assert plots._bins(np.linspace(0, 1, 30), 0.3) == (30, False)
