"""N replications of the page's settings against the ``sept2022`` baseline, with the command line's code.

Both are :func:`sim.api.run` -- what ``ceasefire-sim ... replications=N`` runs -- with the same seed,
number of replications, horizon and parameter source, so replication i of both shares its random
stream (common random numbers) and the difference between the curves comes from the settings. The
curves are :func:`sim.experiment.survival.kaplan_meier` (runs still holding at the horizon censored),
with the exponential Greenwood 95% band, as ``survival.png``; the summary lines are ``summary.json``'s
share collapsed (Wilson interval) and median durability."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import solara

from sim.dashboard import colours as c
from sim.dashboard.levers import DEFAULT_SCENARIO, PROGRAM, format_value
from sim.dashboard.messages import error_line
from sim.dashboard.pictures import png

BASELINE = DEFAULT_SCENARIO
DEFAULT_N, MIN_N, MAX_N, STEP_N = 200, 20, 1000, 20


@dataclass(frozen=True)
class Curve:
    """One experiment's survival: its Kaplan-Meier curve and summary."""

    name: str  # "sept2022 (baseline)" or "your settings"
    command: str  # the ceasefire-sim command that gives the same replications
    km: Any  # sim.experiment.survival.KMResult
    share: float
    share_ci: tuple[float, float]
    n_collapsed: int
    median: str  # as sweep_summary.csv's median_text: "255 [213, 302]", ">365 (not reached)"


@dataclass(frozen=True)
class Replicated:
    """The page's settings and the baseline, replicated."""

    current: Curve
    baseline: Curve
    n: int
    seed: int
    horizon_days: float
    params: str  # "parameters: defaults" or the posterior's label
    picture: bytes


def command(scenario: str, seed: int, n: int, params: str, overrides: dict[str, Any]) -> str:
    """The ``ceasefire-sim`` command of an experiment of ``n`` replications."""
    words = [PROGRAM, f"scenario={scenario}", f"seed={seed}", f"replications={n}"]
    if params != "default":
        words.append(f"params={params}")
    return " ".join(words + [f"{k}={format_value(v)}" for k, v in overrides.items()])


def curve(name: str, cmd: str, result: Any) -> Curve:
    """A :class:`Curve` from :func:`sim.api.run`'s result."""
    from sim.experiment.survival import kaplan_meier
    from sim.sweep.aggregate import median_text

    rows = result.replications
    km = kaplan_meier(rows["durability_days"].to_numpy(float), rows["collapsed"].to_numpy(int) == 1)
    share = result.summary["share_collapsed"]
    horizon = float(result.summary["horizon_days"])
    return Curve(
        name,
        cmd,
        km,
        float(share["estimate"]),
        tuple(share["ci95"]),
        int(share["n_collapsed"]),
        median_text(km.median, km.median_ci, horizon),
    )


def replicate(prepared: Any, n: int) -> Replicated:
    """``n`` replications of ``prepared`` (a :class:`sim.dashboard.playback.Prepared`) and of the baseline."""
    from sim import api
    from sim.common.figures import params_label

    exp = prepared.exp
    same = {"seed": exp.seed, "replications": n, "horizon_days": exp.horizon_days, "params": exp.params}
    mine = api.run(exp.scenario, workers=1, **same, **prepared.overrides)
    base = api.run(BASELINE, workers=1, **same)
    current = curve("your settings", command(exp.scenario, exp.seed, n, exp.params, prepared.overrides), mine)
    baseline = curve(f"{BASELINE} (baseline)", command(BASELINE, exp.seed, n, exp.params, {}), base)
    params = params_label(mine.summary.get("params"))
    picture = survival_png(baseline, current, exp.horizon_days, n, exp.seed, params)
    return Replicated(current, baseline, n, exp.seed, exp.horizon_days, params, picture)


def _steps(km: Any, horizon: float) -> tuple[np.ndarray, ...]:
    t, s, lo, hi = km.times, km.survival, km.ci_lower, km.ci_upper
    if t[-1] < horizon:
        t, s, lo, hi = (np.append(t, horizon), np.append(s, s[-1]), np.append(lo, lo[-1]), np.append(hi, hi[-1]))
    return t, s, lo, hi


def legend_text(curve: Curve) -> str:
    """``sept2022 (baseline): 32% collapsed [26, 39]; median >365 (not reached)``."""
    lo, hi = curve.share_ci
    return f"{curve.name}: {100 * curve.share:.0f}% collapsed [{100 * lo:.0f}, {100 * hi:.0f}]; median {curve.median}"


def survival_png(baseline: Curve, current: Curve, horizon: float, n: int, seed: int, params: str) -> bytes:
    """Both Kaplan-Meier curves with their 95% bands on shared axes."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.4, 4.4), dpi=90)
    ax = fig.add_subplot()
    styles = ((baseline, c.REFERENCE_COLOUR, c.REFERENCE_STYLE), (current, c.ALTERNATIVE_COLOUR, c.ALTERNATIVE_STYLE))
    for cv, colour, style in styles:
        t, s, lo, hi = _steps(cv.km, horizon)
        ax.fill_between(t, lo, hi, step="post", color=colour, alpha=0.15, linewidth=0)
        ax.step(t, s, where="post", color=colour, linestyle=style, linewidth=2, label=legend_text(cv))
    ax.axhline(0.5, color="grey", linestyle=":", linewidth=1)
    ax.set_xlim(0, horizon)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("days since the ceasefire", fontsize=9)
    ax.set_ylabel("share of runs with the ceasefire holding", fontsize=9)
    ax.tick_params(labelsize=8)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower left", fontsize=8, framealpha=0.9)
    ax.set_title(
        f"Ceasefire survival (Kaplan-Meier, 95% band): N = {n} runs each, seed {seed}, horizon {horizon:g} days\n"
        f"{params}; same seed, so replication i of both shares its random stream",
        fontsize=9,
    )
    fig.tight_layout()
    return png(fig)


def run_safely(prepared: Any, n: int) -> Replicated | str:
    """:func:`replicate`, or the one-line error the command line would print; never raises."""
    try:
        return replicate(prepared, n)
    except Exception as e:  # noqa: BLE001 -- the page shows one line, never a traceback
        return error_line(e, "the replications")


@solara.component
def ReplicationsView(model: Any):
    """N replications of the settings of ``model`` (a :class:`sim.dashboard.playback.PageModel`) against the
    baseline."""
    n = solara.use_reactive(DEFAULT_N)
    playback = model.playback
    prepared = playback.prepared
    task = solara.lab.use_task(lambda: run_safely(prepared, n.value), dependencies=None)
    with solara.Column(style="max-width: 900px"):
        solara.Text(
            f"N replications of the run's settings (as Reset or the scenario last applied them), with the "
            f"command line's code, against the {BASELINE} baseline: the same seed, N, horizon and parameter source."
        )
        if playback.error:
            solara.Error(playback.error)
            return
        solara.SliderInt("replications (N)", value=n, min=MIN_N, max=MAX_N, step=STEP_N)
        solara.Button(f"Run {n.value} replications", color="primary", on_click=task, disabled=task.pending)
        solara.ProgressLinear(task.pending)
        if task.finished and isinstance(task.value, str):
            solara.Error(task.value)
        elif task.finished and task.value is not None:
            r = task.value
            solara.Image(r.picture, width="100%")
            for cv in (r.baseline, r.current):
                solara.Text(f"{legend_text(cv)}  |  {cv.command}", style="font-size: 13px")
