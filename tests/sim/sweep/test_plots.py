"""The sweep plots render, and the heatmap marks censored and failed cells."""

from __future__ import annotations

import json


from sim.sweep import FAILED_FILE
from sim.sweep.aggregate import read_sweep
from sim.sweep.hazards import cox_table
from sim.sweep.plots import cox_png, heatmap_cells, heatmap_png, param_label, survival_png

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
    low = cells[(0, 0)]    # strength 0: median reached
    assert low["status"] == "ok" and not low["censored"] and low["text"].split("\n")[0].isdigit()
    high = cells[(2, 1)]   # strength 200: most hold to the horizon
    assert high["censored"] and high["text"].startswith(">365") and high["value"] == 365.0
    assert cells[(0, 1)]["status"] == "failed" and cells[(0, 1)]["text"] == "failed"


def test_plots_render(tmp_path):
    s = read_sweep(_sweep(tmp_path))
    for png in (survival_png(s), heatmap_png(s), cox_png(cox_table(s))):
        assert png.startswith(PNG) and len(png) > 10_000
    # the same input gives the same bytes
    assert survival_png(s) == survival_png(s)


def test_one_parameter_has_no_heatmap(tmp_path):
    s = read_sweep(_sweep(tmp_path, {"observer.strength": [0, 20]}))
    assert heatmap_png(s) is None
    assert survival_png(s).startswith(PNG)


def test_three_parameters_and_no_finished_job(tmp_path):
    d = make_sweep(tmp_path / "s3", params={"observer.strength": [0, 20], "mediation.intensity": [0, 1],
                                            "seed": [0, 1]}, data=exponential_data(_rate, n=30))
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
