"""The page: Mesa's visualization controls in the sidebar, three views in the main area -- Run (one
ceasefire, day by day), Replications (N runs against the baseline) and Sweeps.

The sidebar is SolaraViz's, made of the same Mesa parts (:mod:`mesa.visualization.solara_viz`):
``ModelController`` (Reset, Play, Step, the play and render intervals), ``ModelCreator`` (an input per
entry of Mesa's ``model_params``, which Reset applies) and ``ShowSteps`` (the model's time: hours). Reset
builds the ceasefire model (:class:`~sim.dashboard.playback.PageModel`) again from the inputs; Step and Play
call its ``step()``, an hour each, :data:`HOURS_PER_STEP` of them per click or frame of play (Mesa's render
interval: a day). Choosing a scenario builds the model at once and gives Mesa's inputs that scenario's
values. Two things keep the ``SolaraViz`` component itself off this page: it hands its sidebar
to the page layout, where the inputs' state outlives it, so a new scenario could not set them (here the
sidebar's Mesa part is keyed by the scenario: a new scenario mounts it anew); and its component grid
loads a layout library from a CDN, which the page's machines cannot reach.
"""

from __future__ import annotations

import html
from typing import Any

import solara
from mesa.visualization.solara_viz import ModelController, ModelCreator, ShowSteps
from mesa.visualization.utils import update_counter

from sim.dashboard.border import BorderSchematic
from sim.dashboard.claims import Claims
from sim.dashboard.frame import Frame
from sim.dashboard.levers import (
    DEFAULT_SCENARIO,
    LEVERS,
    PARAMS_SOURCES,
    scenario_names,
    scenario_values,
    settings_text,
)
from sim.dashboard.playback import PageModel
from sim.dashboard.replications import ReplicationsView
from sim.dashboard.sweeps import SweepsView
from sim.dashboard.timeline import Timeline

TITLE = "Ceasefire durability, Sept 2022"
PLAY_INTERVAL_MS = 100
HOURS_PER_STEP = 24  # Mesa's render interval: the model's steps (hours) per Step click and per frame of play
VIEWS = ("Run", "Replications", "Sweeps")
# the main area takes the width the sidebar leaves (solara's layout lets it grow to its longest line), and
# wide figures and tables shrink to it
LAYOUT_CSS = """
.v-application__wrap > * { min-width: 0; }
.v-application .v-layout { max-width: 100vw; }
.ceasefire-main { min-width: 0; max-width: 100%; }
.ceasefire-main .v-row > div, .ceasefire-main .col { min-width: 0; }
.ceasefire-main img { max-width: 100%; height: auto; }
.ceasefire-main pre { overflow-x: auto; max-width: 100%; }
"""


def model_params(scenario: str, params: str = "default", seed: Any = 0) -> dict[str, Any]:
    """Mesa's ``model_params`` for :class:`PageModel`: the scenario (fixed: chosen above Mesa's inputs), the
    parameter source, the seed, and a slider (or text field) per lever starting at the scenario's value."""
    values = scenario_values(scenario)
    out: dict[str, Any] = {
        "scenario_name": scenario,
        "params": {
            "type": "Select",
            "value": params,
            "values": list(PARAMS_SOURCES),
            "label": "parameters: default or calibrated",
        },
        "seed": {"type": "InputText", "value": str(seed), "label": "seed (an integer >= 0)"},
    }
    for lever in LEVERS:
        if lever.listed:
            out[lever.arg] = {"type": "InputText", "value": values[lever.arg], "label": lever.label}
            continue
        out[lever.arg] = {
            "type": "SliderInt" if lever.integer else "SliderFloat",
            "value": values[lever.arg],
            "min": lever.lo,
            "max": lever.hi,
            "step": lever.step,
            "label": lever.label,
        }
    return out


def scenario_note(scenario: str) -> str:
    """What a scenario is: the leading comment of its file in conf/scenario/."""
    from sim.experiment.config import group_file

    path = group_file("scenario", scenario)
    if path is None:
        return ""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        if "@package" not in line:
            lines.append(line.lstrip("# ").strip())
    return " ".join(lines)


def status_text(frame: Frame) -> str:
    """``Day 30 (14 Oct 2022) of 365: 5 exchanges of fire in 3 episodes; killed ARM 2, AZE 0; holding``."""
    killed = ", ".join(f"{side} {frame.killed(side)}" for side in ("ARM", "AZE"))
    if frame.collapse is not None:
        state = frame.collapse["short"]
    elif frame.now_days >= frame.horizon_days:
        state = f"held to the horizon, day {frame.horizon_days:g}"
    else:
        state = "the ceasefire holds"
    return (
        f"Day {frame.now_days:g} ({frame.date:%d %b %Y}) of {frame.horizon_days:g}: {len(frame.incidents)} exchanges "
        f"of fire in {len(frame.claims)} episodes; killed {killed}; {state}"
    )


def warm_up() -> None:
    """Pay once per process what the first page would: the model built as the command line builds it
    (Hydra composes for the first time), and the run view's figures drawn once (matplotlib's fonts)."""
    from sim.dashboard.border import BorderPainter
    from sim.dashboard.timeline import TimelinePainter

    model = PageModel()
    frame = model.playback.frame(model)
    BorderPainter(frame.sectors, frame.adjacency).paint(frame)
    TimelinePainter(frame.sectors).paint(frame)


@solara.component
def RunView(model: PageModel):
    """One run, redrawn after Mesa's controller has stepped it (its update counter)."""
    update_counter.get()
    playback = model.playback
    frame = solara.use_memo(lambda: playback.frame(model), [model, model.now])
    if playback.error:
        solara.Error(playback.error, classes=["ceasefire-error"])
        return
    solara.Text(status_text(frame), classes=["ceasefire-status"], style="font-weight: bold")
    solara.Text(f"the same run from the command line (replication 0): {playback.command}", style="font-size: 12px")
    with solara.Columns([1, 2]):
        BorderSchematic(frame)
        Timeline(frame)
    Claims(frame)


@solara.component
def MesaControls(model: solara.Reactive, params: dict[str, Any]):
    """SolaraViz's sidebar, made of its own parts: Mesa's play controls (``ModelController``: Reset, Play,
    Step, with the play and render intervals), its inputs for ``params`` (``ModelCreator``, Mesa's
    ``model_params``, which Reset applies) and the model's time in hours (``ShowSteps``)."""
    parameters = solara.use_reactive({})  # what Reset builds the model from (ModelCreator fills it)
    play_interval = solara.use_reactive(PLAY_INTERVAL_MS)
    render_interval = solara.use_reactive(HOURS_PER_STEP)
    use_threads = solara.use_reactive(False)  # Mesa's ModelController reads .value of it
    with solara.Card("Controls"):
        solara.SliderInt("Play Interval (ms)", value=play_interval, min=1, max=500, step=10)
        solara.SliderInt("Render Interval (hours per Step)", value=render_interval, min=1, max=168, step=1)
        ModelController(
            model,
            model_parameters=parameters,
            play_interval=play_interval,
            render_interval=render_interval,
            use_threads=use_threads,
        )
    with solara.Card("Model Parameters"):
        ModelCreator(model, params, model_parameters=parameters)
        solara.Text(f"Reset runs: {settings_text(parameters.value)}", style="font-size: 12px")
    with solara.Card("Information"):
        ShowSteps(model.value)


@solara.component
def Page():
    """The dashboard (``solara run sim/dashboard/app.py``)."""
    scenario = solara.use_reactive(DEFAULT_SCENARIO)
    view = solara.use_reactive(0)  # which of VIEWS is shown (only that one is rendered)
    first = solara.use_memo(PageModel, [])
    model = solara.use_reactive(first)
    now = model.value.playback
    params = solara.use_memo(lambda: model_params(scenario.value, now.params_source, now.seed_text), [scenario.value])
    note = solara.use_memo(lambda: scenario_note(scenario.value), [scenario.value])

    def choose(name: str) -> None:
        now = model.value.playback
        model.set(PageModel(scenario_name=name, params=now.params_source, seed=now.seed_text))
        scenario.set(name)

    with solara.AppBar():
        solara.AppBarTitle(TITLE)
        solara.lab.ThemeToggle()
    with solara.Sidebar():
        with solara.Card("Scenario"):
            solara.Select("scenario (conf/scenario/)", values=scenario_names(), value=scenario.value, on_value=choose)
            solara.HTML(tag="p", unsafe_innerHTML=html.escape(note), style="font-size: 12px; margin: 4px 0")
            solara.HTML(
                tag="p",
                unsafe_innerHTML="Below: <b>Reset</b> applies the settings, <b>Step</b> runs a day, "
                "<b>&#9654;</b> plays day after day.",
                style="font-size: 12px; margin: 4px 0",
            )
        MesaControls(model, params).key(f"mesa-{scenario.value}")  # a new scenario: Mesa's inputs anew
    solara.Style(LAYOUT_CSS)
    with solara.Column(classes=["ceasefire-main"], style="width: 100%"):
        with solara.v.Tabs(v_model=view.value, on_v_model=lambda i: view.set(i if i is not None else 0)):
            for name in VIEWS:
                solara.v.Tab(children=[name])
        if view.value == 0:
            RunView(model.value)
        elif view.value == 1:
            ReplicationsView(model.value)
        else:
            SweepsView()
