"""The sweep plots render, and the heatmap marks censored and failed cells."""

from __future__ import annotations

import json

import pytest

from sim.sweep import FAILED_FILE
from sim.sweep.aggregate import read_sweep
from sim.sweep.hazards import cox_table
from sim.sweep.plots import (
    cox_png,
    heatmap_cells,
    heatmap_legend,
    heatmap_png,
    param_label,
    survival_panels,
    survival_png,
    sweep_context,
)

from .helpers import exponential_data, make_sweep

PNG = b"\x89PNG\r\n\x1a\n"


def _rate(v):
    return 0.01 / (1 + v["observer.strength"] / 10)


def _sweep(tmp_path, params=None):
    params = params or {"observer.strength": [0, 20, 200], "mediation.intensity": [0, 1]}
    return make_sweep(tmp_path / "s", params=params, data=exponential_data(_rate, n=60))


def test_heatmap_cells_mark_censored_and_failed(tmp_path):
    d = _sweep(tmp_path)
    (d / "1_sept2022" / "summary.json").unlink()
    (d / "1_sept2022" / FAILED_FILE).write_text(json.dumps({"error": "boom"}))
    cells = {(c["x"], c["y"]): c for c in heatmap_cells(read_sweep(d))}
    assert len(cells) == 6
    low = cells[(0, 0)]  # strength 0: median reached
    assert low["status"] == "ok" and not low["censored"] and low["median"] is not None
    assert f"median {low['median']:.0f} d" in low["text"]
    high = cells[(2, 1)]  # strength 200: most hold to the horizon
    assert high["censored"] and high["median"] is None and "median >365 d" in high["text"]
    assert cells[(0, 1)]["status"] == "failed" and cells[(0, 1)]["text"] == "failed"


def test_heatmap_colours_and_reads_share_collapsed_even_when_median_censored(tmp_path):
    s = read_sweep(_sweep(tmp_path))
    cells = heatmap_cells(s)
    censored = [c for c in cells if c["censored"]]
    assert censored, "the fixture should have cells whose median is beyond the horizon"
    for c in cells:
        job = s.job_at(**{"observer.strength": c["observer.strength"], "mediation.intensity": c["mediation.intensity"]})
        share = float(job.collapsed.mean())
        lo, hi = c["share_ci"]
        assert c["value"] == c["share"] == pytest.approx(share)  # the colour is the share, not the median
        assert lo - 1e-9 <= share <= hi + 1e-9
        assert c["text"].split("\n")[0] == f"{100 * share:.0f}% [{100 * lo:.0f}, {100 * hi:.0f}]"
    # a censored median means more than half held: its colour says how many collapsed (< 50%), not "the horizon"
    assert all(c["value"] < 0.5 for c in censored)


def test_heatmap_failed_legend_only_when_a_job_failed(tmp_path):
    d = _sweep(tmp_path)
    kinds = [k for k, _ in heatmap_legend(heatmap_cells(read_sweep(d)), 365.0)]
    assert "failed" not in kinds and "censored" in kinds
    (d / "1_sept2022" / "summary.json").unlink()
    (d / "1_sept2022" / FAILED_FILE).write_text(json.dumps({"error": "boom"}))
    kinds = [k for k, _ in heatmap_legend(heatmap_cells(read_sweep(d)), 365.0)]
    assert "failed" in kinds


def test_no_censored_legend_when_every_median_is_reached(tmp_path):
    s = read_sweep(
        make_sweep(
            tmp_path / "fast",
            params={"observer.strength": [0, 20], "mediation.intensity": [0, 1]},
            data=exponential_data(lambda v: 0.05, n=40),
        )
    )
    assert heatmap_legend(heatmap_cells(s), 365.0) == []


def test_survival_panels_label_share_and_median_and_name_failed_jobs(tmp_path):
    d = _sweep(tmp_path)
    (d / "0_sept2022" / "summary.json").unlink()
    panels, note = survival_panels(read_sweep(d))
    assert note == "" and [p["title"] for p in panels] == ["mediation.intensity = 0", "mediation.intensity = 1"]
    assert panels[0]["missing"] == ["0"] and len(panels[0]["curves"]) == 2
    labels = [c["label"] for c in panels[1]["curves"]]
    assert labels[0].startswith("0: ") and "% collapsed, median " in labels[0]
    assert labels[-1].endswith("median >365 d")


def test_sweep_context_names_scenario_n_and_parameter_source(tmp_path):
    d = _sweep(tmp_path)
    ctx = sweep_context(read_sweep(d))
    assert "scenario sept2022" in ctx and "N = 60 runs per job" in ctx and "horizon 365 days" in ctx
    assert "parameters" not in ctx  # the summaries carry no params entry: nothing is claimed
    for job in d.glob("*_sept2022"):
        summary = json.loads((job / "summary.json").read_text())
        summary["params"] = {"source": "default", "description": "hand-set defaults"}
        (job / "summary.json").write_text(json.dumps(summary))
    assert "parameters: defaults" in sweep_context(read_sweep(d))


def test_plots_render(tmp_path):
    s = read_sweep(_sweep(tmp_path))
    for png in (survival_png(s), heatmap_png(s), cox_png(cox_table(s)), cox_png(cox_table(s), sweep=s)):
        assert png.startswith(PNG) and len(png) > 10_000
    # the same input gives the same bytes
    assert survival_png(s) == survival_png(s) and heatmap_png(s) == heatmap_png(s)


def test_one_parameter_has_no_heatmap(tmp_path):
    s = read_sweep(_sweep(tmp_path, {"observer.strength": [0, 20]}))
    assert heatmap_png(s) is None
    assert survival_png(s).startswith(PNG)


def test_three_parameters_and_no_finished_job(tmp_path):
    d = make_sweep(
        tmp_path / "s3",
        params={"observer.strength": [0, 20], "mediation.intensity": [0, 1], "seed": [0, 1]},
        data=exponential_data(_rate, n=30),
    )
    s = read_sweep(d)
    assert heatmap_png(s).startswith(PNG) and survival_png(s).startswith(PNG)
    for job in d.glob("*_sept2022"):
        (job / "summary.json").unlink()
    s = read_sweep(d)
    assert survival_png(s) is None and heatmap_png(s) is None and cox_png(cox_table(s)) is None


def test_axis_labels_carry_units():
    assert param_label("observer.strength") == "observer.strength (personnel)"
    assert param_label("grievance.half_life_days") == "grievance.half_life_days (days)"
    assert param_label("scenario") == "scenario"
    assert "\n" in param_label("mediation.intensity", wrap=30)
