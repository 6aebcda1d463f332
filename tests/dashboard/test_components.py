"""The page without a browser (solara.render, as Mesa's own visualisation tests render its components):
Mesa's controls step the model a day at a time, the inputs reach the model as the command line's
overrides, bad input is the command line's one line, and the replications and sweep views show what the
command line computes. Expected numbers come from sim.api and the commands, never from this file."""

from __future__ import annotations

import ipyvuetify as v
import ipywidgets
import pytest
import solara

from sim import api
from sim.dashboard.page import Page
from sim.dashboard.playback import PageModel
from sim.dashboard.replications import ReplicationsView
from sim.dashboard.sweeps import SweepsView
from sim.sweep.aggregate import read_sweep
from sim.sweep.compare import compare, medians_png
from sim.sweep.compare import survival_png as compare_survival
from sim.sweep.hazards import cox_table
from sim.sweep.plots import cox_png, heatmap_png, survival_png

from .helpers import ceasefire_compare, run, text_with, texts, wait_for_text, wait_for_values, widgets


def sweep_pictures(folder) -> list[bytes]:
    """The plots ``python -m sim.sweep`` draws of a sweep (those it has)."""
    sweep = read_sweep(folder)
    drawn = [survival_png(sweep), heatmap_png(sweep), cox_png(cox_table(sweep), sweep=sweep)]
    return [png for png in drawn if png is not None]


def render_page():
    box, rc = solara.render(solara.AppLayout(children=[Page()]), handle_error=False)
    return rc


def button(rc, label: str):
    return rc.find(v.Btn, children=[label]).widget


def status(rc) -> str:
    return text_with(rc, " exchanges of fire in ")


def exchanges_by(day: float, scenario: str = "sept2022", **settings) -> int:
    incidents = api.run_model(scenario, **settings).incidents
    return int((incidents["time_hours"] <= day * 24).sum())


def enter(rc, label: str, text: str) -> None:
    field = rc.find(v.TextField, label=label).widget
    field.v_model = text
    field.fire_event("keyup.enter", None)


def test_the_page_opens_on_day_zero_with_mesas_controls_and_every_lever():
    rc = render_page()
    for label in ("Reset", "▶", "Step"):
        button(rc, label)
    assert status(rc).startswith("Day 0 (14 Sep 2022) of 365: 0 exchanges of fire")
    assert len(widgets(rc, ipywidgets.Image)) == 2  # the border and the timeline
    labels = {w.label for w in widgets(rc, v.Slider) + widgets(rc, v.TextField) + widgets(rc, v.Select)}
    assert {"observers (personnel)", "mediation (x leverage)", "seed (an integer >= 0)"} <= labels
    assert {
        "offensives (/side/year)",
        "observers leave (day; -1 never)",
        "scenario (conf/scenario/)",
    } <= labels
    assert [t.children for t in widgets(rc, v.Tab)] == [["Run"], ["Replications"], ["Sweeps"]]


def test_step_runs_one_day_and_redraws():
    rc = render_page()
    before = [w.value for w in widgets(rc, ipywidgets.Image)]
    for _ in range(20):
        button(rc, "Step").click()
    assert status(rc).startswith("Day 20 (04 Oct 2022) of 365: ")
    assert f": {exchanges_by(20, seed=0)} exchanges of fire" in status(rc)
    after = [w.value for w in widgets(rc, ipywidgets.Image)]
    assert all(a != b for a, b in zip(after, before))
    assert text_with(rc, "Time: ") == "Time: 480.0"  # Mesa's ShowSteps: the model's clock, in hours


def test_a_moved_slider_and_seed_apply_on_reset_as_the_command_lines_overrides():
    rc = render_page()
    rc.find(v.Slider, label="mediation (x leverage)").widget.v_model = 0.4
    enter(rc, "seed (an integer >= 0)", "9")
    pending = text_with(rc, "Reset runs: ")  # what Mesa's inputs hold, before Reset applies it
    assert "mediation intensity 0.4;" in pending and pending.endswith("seed 9")
    button(rc, "Reset").click()
    assert text_with(rc, "from the command line").endswith(
        "ceasefire-sim scenario=sept2022 seed=9 mediation.intensity=0.4"
    )
    for _ in range(30):
        button(rc, "Step").click()
    expected = exchanges_by(30, seed=9, **{"mediation.intensity": 0.4})
    assert f": {expected} exchanges of fire" in status(rc)


def test_choosing_a_scenario_rebuilds_the_model_and_sets_the_inputs_to_its_values():
    rc = render_page()
    rc.find(v.Slider, label="mediation (x leverage)").widget.v_model = 0.4
    rc.find(v.Select, label="scenario (conf/scenario/)").widget.v_model = "peacekeeper_withdrawal"
    assert text_with(rc, "from the command line").endswith("ceasefire-sim scenario=peacekeeper_withdrawal seed=0")
    composed = api.configure("peacekeeper_withdrawal")
    slider = {w.label: w.v_model for w in widgets(rc, v.Slider)}
    assert slider["observers (personnel)"] == composed.observer.strength
    assert slider["observers leave (day; -1 never)"] == composed.observer.withdraw_day
    assert slider["mediation (x leverage)"] == composed.mediation.intensity
    button(rc, "Reset").click()  # Reset applies the new scenario's inputs, not the old ones
    assert text_with(rc, "from the command line").endswith("ceasefire-sim scenario=peacekeeper_withdrawal seed=0")


@pytest.mark.parametrize(
    "label,text,settings",
    [
        ("seed (an integer >= 0)", "-1", {"seed": "-1"}),
        ("observer sectors (empty = all)", "goris, nowhere", {"observer_sectors": "goris, nowhere"}),
    ],
    ids=["seed out of range", "unknown sector"],
)
def test_bad_input_shows_the_command_lines_one_line_and_cannot_play(label, text, settings):
    rc = render_page()
    enter(rc, label, text)
    button(rc, "Reset").click()
    expected = PageModel(**settings).playback.error  # test_playback.py: the same as ceasefire-sim's stderr
    shown = [t for t in texts(rc) if t.startswith("error: ")]
    assert shown == [expected] and "\n" not in expected
    assert not any("Traceback" in t for t in texts(rc))
    button(rc, "Step").click()  # Mesa's controller steps it once: nothing runs, and it stops
    assert button(rc, "Step").disabled and button(rc, "▶").disabled


def test_replications_view_runs_the_command_lines_experiments():
    model = PageModel(seed=3, mediation_intensity=0.5)
    box, rc = solara.render(ReplicationsView(model), handle_error=False)
    rc.find(v.Slider, label="replications (N)").widget.v_model = 20
    button(rc, "Run 20 replications").click()
    wait_for_text(rc, "your settings: ")
    mine = api.run("sept2022", seed=3, replications=20, **{"mediation.intensity": 0.5}).summary
    base = api.run("sept2022", seed=3, replications=20).summary
    for name, summary in (("your settings", mine), ("sept2022 (baseline)", base)):
        share = summary["share_collapsed"]
        line = text_with(rc, f"{name}: ")
        lo, hi = share["ci95"]
        assert line.startswith(f"{name}: {100 * share['estimate']:.0f}% collapsed [{100 * lo:.0f}, {100 * hi:.0f}]")
    assert text_with(rc, "your settings: ").endswith(
        "ceasefire-sim scenario=sept2022 seed=3 replications=20 mediation.intensity=0.5"
    )
    assert len(wait_for_values(rc, ipywidgets.Image, 1)) == 1  # the two survival curves, in one picture


def test_replications_view_of_bad_settings_is_the_one_line():
    model = PageModel(seed="x")
    box, rc = solara.render(ReplicationsView(model), handle_error=False)
    assert [t for t in texts(rc) if t.startswith("error: ")] == [model.playback.error]
    assert not widgets(rc, v.Btn)


def test_sweep_view_opens_a_sweep_and_compares_two_as_ceasefire_compare(sweeps, monkeypatch):
    a, b = sweeps
    monkeypatch.chdir(a.parent.parent)  # the folder holding multirun/
    box, rc = solara.render(SweepsView(), handle_error=False)
    assert text_with(rc, "sweep folders found") == "2 sweep folders found:"
    enter(rc, "sweep A (folder)", "multirun/A")
    wait_for_text(rc, "sweep: 4 jobs over observer.strength (2) x mediation.intensity (2); 4 finished")
    pictures_a = sweep_pictures(a)  # python -m sim.sweep's plots
    assert wait_for_values(rc, ipywidgets.Image, len(pictures_a)) == pictures_a
    enter(rc, "sweep B (folder, to compare)", "multirun/B")
    wait_for_text(rc, "B - A over 4 jobs")
    cli = ceasefire_compare(["multirun/A", "multirun/B", "--out", "compared"], a.parent.parent)
    assert cli.returncode == 0, cli.stderr
    table = cli.stdout.rsplit("\noutputs: ", 1)[0]
    assert text_with(rc, "B - A over 4 jobs") == table  # what ceasefire-compare prints, to the character
    sa, sb, pairs = compare(str(a), str(b))
    expected = [compare_survival(sa, sb, pairs), medians_png(sa, sb, pairs), *pictures_a, *sweep_pictures(b)]
    assert wait_for_values(rc, ipywidgets.Image, len(expected)) == expected


def test_a_folder_that_is_not_a_sweep_is_the_commands_one_line(sweeps, tmp_path, monkeypatch):
    a, _ = sweeps
    monkeypatch.chdir(tmp_path)
    (tmp_path / "results").mkdir()
    box, rc = solara.render(SweepsView(), handle_error=False)
    enter(rc, "sweep A (folder)", "results")
    wait_for_text(rc, "error: ")
    summary = run([__import__("sys").executable, "-m", "sim.sweep", "results"], tmp_path)
    assert summary.returncode != 0
    assert [t for t in texts(rc) if t.startswith("error: ")] == [summary.stderr.strip()]
    enter(rc, "sweep A (folder)", str(a))
    enter(rc, "sweep B (folder, to compare)", "results")
    wait_for_text(rc, "error: SWEEP_B")
    cli = ceasefire_compare([str(a), "results"], tmp_path)
    assert cli.returncode == 2
    assert text_with(rc, "error: SWEEP_B") == cli.stderr.strip()
    assert not any("Traceback" in t for t in texts(rc))
