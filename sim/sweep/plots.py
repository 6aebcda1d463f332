"""The sweep's plots, as PNG bytes (matplotlib ``Figure`` objects: no pyplot, no global state).

- :func:`survival_png` -- Kaplan-Meier survival curves, one per value of the first swept
  parameter, one panel per combination of the other swept values (shared axes);
- :func:`heatmap_png` -- over the first two swept parameters: each cell coloured by the share of
  runs collapsed within the horizon, and reading that share (95% CI) and the median durability, or
  ``median >365 d`` where more than half the runs held (censored); failed jobs are grey;
- :func:`cox_png` -- the Cox model's hazard ratios with their 95% CIs (log scale).

Each plot is computed first (:func:`survival_panels`, :func:`heatmap_cells`, :func:`heatmap_legend`,
:func:`sweep_context`: plain data that the tests check) and then drawn. Titles say what produced the
plot: scenario, runs per job, parameter source (the jobs' ``summary.json`` ``params`` entry, if any).
Beyond :data:`MAX_PANELS` combinations, the other swept parameters are pooled (said on the plot).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import typing
from typing import Any, Sequence

import numpy as np

from sim.common.figures import png_bytes
from sim.experiment.survival import days_text, kaplan_meier
from sim.sweep.aggregate import Job, Sweep, format_value

MAX_PANELS = 12
RUN_UNITS = {"seed": "", "horizon_days": "days", "replications": "runs", "scenario": "", "experiment": ""}


def param_unit(key: str) -> str:
    """The unit of a config key from :mod:`sim.model.params` metadata ('' when unknown)."""
    if key in RUN_UNITS:
        return RUN_UNITS[key]
    from sim.experiment.config import ExperimentConfig

    t: Any = ExperimentConfig
    meta: dict = {}
    for part in key.split("."):
        if not dataclasses.is_dataclass(t):
            return ""
        fields = {f.name: f for f in dataclasses.fields(t)}
        if part not in fields:
            return ""
        f = fields[part]
        meta = dict(f.metadata)
        t = typing.get_type_hints(t).get(part)
    return str(meta.get("unit", ""))


def param_label(key: str, wrap: int = 0) -> str:
    """``key (unit)``; on two lines when longer than ``wrap`` characters (0: never)."""
    unit = param_unit(key)
    if not unit or unit == "-":
        return key
    sep = "\n" if wrap and len(key) + len(unit) + 3 > wrap else " "
    return f"{key}{sep}({unit})"


def _is_numeric(levels: Sequence[Any]) -> bool:
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in levels)


def _colors(levels: Sequence[Any]) -> list:
    from matplotlib import colormaps

    n = len(levels)
    if _is_numeric(levels):  # ordered values: an ordered palette, low = dark
        cmap = colormaps["viridis"]
        return [cmap(0.9 * i / max(n - 1, 1)) for i in range(n)]
    cmap = colormaps["tab10"]
    return [cmap(i % 10) for i in range(n)]


def _facets(sweep: Sweep, keys: Sequence[str]) -> tuple[list[dict[str, Any]], str]:
    """Combinations of the values of ``keys`` (one panel each), or one pooled panel if too many."""
    if not keys:
        return [{}], ""
    combos = [dict(zip(keys, vals)) for vals in itertools.product(*(sweep.levels[k] for k in keys))]
    if len(combos) > MAX_PANELS:
        return [{}], f"pooled over {', '.join(keys)} ({len(combos)} combinations)"
    return combos, ""


def _facet_title(facet: dict[str, Any]) -> str:
    return ", ".join(f"{k} = {format_value(v)}" for k, v in facet.items()) or "all jobs"


def _grid(n: int) -> tuple[int, int]:
    cols = min(n, 3)
    return math.ceil(n / cols), cols


def _curve(durations: np.ndarray, collapsed: np.ndarray, horizon: float):
    km = kaplan_meier(durations, collapsed)
    t, s, lo, hi = km.times, km.survival, km.ci_lower, km.ci_upper
    if t[-1] < horizon:
        t, s, lo, hi = (np.append(t, horizon), np.append(s, s[-1]), np.append(lo, lo[-1]), np.append(hi, hi[-1]))
    return km, t, s, lo, hi


def label_survival_grid(axes: Any, n_shown: int) -> None:
    """Axis labels of a grid of survival panels; the last row may be short, so each column's lowest
    visible panel carries the x label."""
    rows, cols = axes.shape
    for r in range(rows):
        axes[r, 0].set_ylabel("share of runs still holding")
    for c in range(cols):
        visible = [r for r in range(rows) if r * cols + c < n_shown]
        if visible:
            axes[visible[-1], c].xaxis.set_tick_params(labelbottom=True)
            axes[visible[-1], c].set_xlabel("days since the ceasefire")


def _median_short(km: Any, horizon: float) -> str:
    return f"median >{horizon:g} d" if km.median is None else f"median {km.median:.0f} d"


def _jobs_for(sweep: Sweep, values: dict[str, Any]) -> list[Job]:
    from sim.common.values import same_value

    return [j for j in sweep.jobs if all(same_value(j.values.get(k), v) for k, v in values.items())]


def sweep_context(sweep: Sweep) -> str:
    """What produced the sweep, for plot titles: scenario (unless swept), runs per job, and where the
    parameters came from (the finished jobs' ``summary.json`` ``params``; left out when none has one)."""
    from sim.model.timeline import params_text

    done = sweep.finished
    parts = []
    if "scenario" not in sweep.params:
        scenarios = sorted({str((j.summary or {}).get("scenario")) for j in done if (j.summary or {}).get("scenario")})
        if scenarios:
            parts.append(("scenario " if len(scenarios) == 1 else "scenarios ") + ", ".join(scenarios))
    ns = sorted({int(j.durations.size) for j in done if j.durations is not None})
    if ns:
        parts.append(f"N = {ns[0]} runs per job" if len(ns) == 1 else f"N = {ns[0]}-{ns[-1]} runs per job")
    if sweep.horizon_days is not None:
        parts.append(f"horizon {sweep.horizon_days:g} days")
    infos = [(j.summary or {}).get("params") for j in done]
    labels = sorted({params_text(i) for i in infos if i})
    if len(labels) == 1:
        parts.append(labels[0])
    elif labels:
        parts.append("parameters: differ between jobs (see sweep_summary.csv)")
    return "; ".join(parts)


def survival_panels(sweep: Sweep) -> tuple[list[dict[str, Any]], str]:
    """The survival plot's panels as data: per panel its title, its curves (label, colour, times,
    survival, band, KM result, share collapsed) and the values that have no curve; and the pooling note."""
    from sim.experiment.statistics import wilson_interval

    horizon = sweep.horizon_days
    curve_key = sweep.params[0] if sweep.params else None
    levels = sweep.levels[curve_key] if curve_key else [None]
    facets, pooled_note = _facets(sweep, sweep.params[1:])
    colors = _colors(levels)
    panels = []
    for facet in facets:
        curves, missing = [], []
        for lv, color in zip(levels, colors):
            sel = dict(facet)
            if curve_key:
                sel[curve_key] = lv
            jobs = _jobs_for(sweep, sel)
            done = [j for j in jobs if j.finished]
            if len(done) < len(jobs) or not done:
                missing.append(format_value(lv) if curve_key else "job")
            if not done:
                continue
            d = np.concatenate([j.durations for j in done])
            e = np.concatenate([j.collapsed for j in done])
            km, t, s, lo, hi = _curve(d, e, horizon)
            k, n = int(e.sum()), int(d.size)
            name = format_value(lv) if curve_key else "all replications"
            curves.append(
                {
                    "label": f"{name}: {100 * k / n:.0f}% collapsed, {_median_short(km, horizon)}",
                    "color": color,
                    "times": t,
                    "survival": s,
                    "lo": lo,
                    "hi": hi,
                    "km": km,
                    "n": n,
                    "n_collapsed": k,
                    "share_ci": wilson_interval(k, n),
                }
            )
        panels.append({"facet": facet, "title": _facet_title(facet), "curves": curves, "missing": missing})
    return panels, pooled_note


def survival_png(sweep: Sweep, title: str | None = None) -> bytes | None:
    """Kaplan-Meier curves of the sweep (None when no job finished)."""
    from matplotlib.figure import Figure

    horizon = sweep.horizon_days
    if horizon is None:
        return None
    curve_key = sweep.params[0] if sweep.params else None
    panels, pooled_note = survival_panels(sweep)
    rows, cols = _grid(len(panels))
    fig = Figure(figsize=(max(8.0, 5.2 * cols), 3.9 * rows + 1.3), dpi=100)
    axes = fig.subplots(rows, cols, sharex=True, sharey=True, squeeze=False)
    for ax, panel in zip(axes.flat, panels):
        for c in panel["curves"]:
            ax.fill_between(c["times"], c["lo"], c["hi"], step="post", color=c["color"], alpha=0.12, linewidth=0)
            ax.step(c["times"], c["survival"], where="post", color=c["color"], linewidth=1.8, label=c["label"])
        ax.axhline(0.5, color="grey", linestyle=":", linewidth=1)
        ax.set_title(panel["title"], fontsize=10)
        ax.set_xlim(0, horizon)
        ax.set_ylim(0, 1.02)
        ax.grid(True, alpha=0.3)
        if panel["missing"]:
            what = f"{curve_key} = " if curve_key else ""
            ax.text(
                0.98,
                0.98,
                f"job failed, no curve: {what}" + ", ".join(panel["missing"]),
                transform=ax.transAxes,
                ha="right",
                va="top",
                fontsize=8,
                color="tab:red",
            )
        if panel["curves"]:
            ax.legend(
                loc="best",
                fontsize=8,
                title=param_label(curve_key) if curve_key else None,
                title_fontsize=8,
                framealpha=0.9,
            )
    for ax in list(axes.flat)[len(panels) :]:
        ax.set_visible(False)
    by = f" by {curve_key}" if curve_key else ""
    fig.suptitle(title or f"Ceasefire survival (Kaplan-Meier){by}\n{sweep_context(sweep)}", fontsize=11)
    label_survival_grid(axes, len(panels))
    note = (
        f"Shaded: 95% band. Dotted line: half the runs; a curve crosses it at its median durability "
        f"('>{horizon:g} d': it never does). Runs holding at day {horizon:g} are censored."
    )
    if pooled_note:
        note += f" Curves {pooled_note}."
    fig.text(0.5, 0.005, note, ha="center", va="bottom", fontsize=8, color="dimgrey", wrap=True)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return png_bytes(fig)


def _cell_stats(sweep: Sweep, values: dict[str, Any]) -> tuple[str, Any, int, int]:
    """("ok", km, collapsed, runs) | ("failed", None, 0, 0) for the jobs matching ``values`` (pooled)."""
    jobs = _jobs_for(sweep, values)
    done = [j for j in jobs if j.finished]
    if not jobs or len(done) < len(jobs):
        return "failed", None, 0, 0
    d = np.concatenate([j.durations for j in done])
    e = np.concatenate([j.collapsed for j in done])
    return "ok", kaplan_meier(d, e), int(e.sum()), int(d.size)


def heatmap_cells(sweep: Sweep, facet: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The heatmap's cells: position, status, colour value, text, and whether the median is censored.

    ``value`` (the colour) is the share of runs collapsed within the horizon, ``share_ci`` its 95%
    Wilson interval; ``median`` is the Kaplan-Meier median (None when beyond the horizon: then
    ``censored``). ``text`` reads ``38% [24, 53]`` over ``median 242 d [196, 296]``, or over
    ``median >365 d`` (with the lower CI limit when there is one) when censored: a censored cell
    still shows how many collapsed.
    """
    from sim.experiment.statistics import wilson_interval

    xk, yk = sweep.params[0], sweep.params[1]
    horizon = sweep.horizon_days
    cells = []
    for i, xv in enumerate(sweep.levels[xk]):
        for j, yv in enumerate(sweep.levels[yk]):
            status, km, k, n = _cell_stats(sweep, {**(facet or {}), xk: xv, yk: yv})
            cell = {
                "x": i,
                "y": j,
                xk: xv,
                yk: yv,
                "status": status,
                "value": None,
                "censored": False,
                "share": None,
                "share_ci": None,
                "median": None,
                "n": n,
                "n_collapsed": k,
            }
            if status == "failed":
                cell["text"] = "failed"
            else:
                lo_s, hi_s = wilson_interval(k, n)
                cell.update({"value": k / n, "share": k / n, "share_ci": (lo_s, hi_s), "median": km.median})
                share = f"{100 * k / n:.0f}% [{100 * lo_s:.0f}, {100 * hi_s:.0f}]"
                lo, hi = km.median_ci
                hi_t = days_text(hi, horizon)
                if km.median is not None:
                    median = f"median {km.median:.0f} d\n[{'-' if lo is None else f'{lo:.0f}'}, {hi_t}]"
                else:  # beyond the horizon; so is the upper limit, perhaps the lower one too
                    cell["censored"] = True
                    median = f"median >{horizon:g} d" + ("" if lo is None else f"\n[{lo:.0f}, {hi_t}]")
                cell["text"] = f"{share}\n{median}"
            cells.append(cell)
    return cells


def heatmap_legend(cells: Sequence[dict[str, Any]], horizon: float) -> list[tuple[str, str]]:
    """The heatmap's legend entries, (kind, label), for what the cells show: the censored-median
    reading only if a cell is censored, the failed-job patch only if a job failed."""
    out = []
    if any(c["censored"] for c in cells):
        out.append(
            (
                "censored",
                f"median >{horizon:g} d: more than half the runs still held on day {horizon:g}, "
                "so the median lies beyond the horizon (censored)",
            )
        )
    if any(c["status"] == "failed" for c in cells):
        out.append(("failed", "grey: failed job, no result"))
    return out


def heatmap_png(sweep: Sweep, title: str | None = None) -> bytes | None:
    """Share collapsed and median durability over the first two swept parameters (None with fewer than two)."""
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch, Rectangle

    horizon = sweep.horizon_days
    if len(sweep.params) < 2 or horizon is None:
        return None
    xk, yk = sweep.params[0], sweep.params[1]
    xs, ys = sweep.levels[xk], sweep.levels[yk]
    facets, pooled_note = _facets(sweep, sweep.params[2:])
    rows, cols = _grid(len(facets))
    fig = Figure(figsize=(max(7.5, 1.45 * len(xs) + 3.2) * cols, max(3.6, 1.0 * len(ys) + 2.2) * rows + 1.6), dpi=100)
    axes = fig.subplots(rows, cols, squeeze=False)
    cmap = _cmap()
    norm = Normalize(vmin=0, vmax=1)
    every: list[dict[str, Any]] = []
    for ax, facet in zip(axes.flat, facets):
        cells = heatmap_cells(sweep, facet)
        every += cells
        for c in cells:
            i, j = c["x"], c["y"]
            if c["status"] == "failed":
                ax.add_patch(Rectangle((i - 0.5, j - 0.5), 1, 1, facecolor="lightgrey", edgecolor="white"))
                ax.text(i, j, c["text"], ha="center", va="center", fontsize=9, color="black")
                continue
            color = cmap(norm(c["value"]))
            ax.add_patch(Rectangle((i - 0.5, j - 0.5), 1, 1, facecolor=color, edgecolor="white"))
            share, _, median = c["text"].partition("\n")
            ink = "white" if _dark(color) else "black"
            ax.text(i, j + 0.06, share, ha="center", va="bottom", fontsize=10, fontweight="bold", color=ink)
            ax.text(i, j + 0.02, median, ha="center", va="top", fontsize=8.5, linespacing=1.2, color=ink)
        ax.set_xlim(-0.5, len(xs) - 0.5)
        ax.set_ylim(-0.5, len(ys) - 0.5)
        ax.set_xticks(range(len(xs)), [format_value(v) for v in xs])
        ax.set_yticks(range(len(ys)), [format_value(v) for v in ys])
        ax.set_xlabel(param_label(xk, wrap=40))
        ax.set_ylabel(param_label(yk, wrap=30))
        if facet:
            ax.set_title(_facet_title(facet), fontsize=10)
        cbar = fig.colorbar(
            ScalarMappable(norm=norm, cmap=cmap), ax=ax, label=f"share of runs collapsed within {horizon:g} days"
        )
        cbar.ax.yaxis.set_major_formatter(_percent())
    for ax in list(axes.flat)[len(facets) :]:
        ax.set_visible(False)
    fig.suptitle(
        title
        or f"Share of ceasefires collapsed within {horizon:g} days [95% CI] and median "
        f"durability [95% CI]\nby {xk} and {yk}\n{sweep_context(sweep)}",
        fontsize=11,
    )
    handles = [
        Patch(facecolor="lightgrey", label=label)
        if kind == "failed"
        else Patch(facecolor="none", edgecolor="none", label=label)
        for kind, label in heatmap_legend(every, horizon)
    ]
    if handles:
        fig.legend(handles=handles, loc="lower center", ncol=1, fontsize=8, frameon=False, handlelength=1.2)
    if pooled_note:
        fig.text(0.99, 0.1, f"cells {pooled_note}", ha="right", fontsize=8, color="dimgrey")
    fig.tight_layout(rect=(0, 0.1 if handles or pooled_note else 0.0, 1, 1))
    return png_bytes(fig)


def _percent():
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _: f"{100 * v:.0f}%")


def _cmap():
    from matplotlib import colormaps

    return colormaps["Reds"]


def _dark(rgba: Sequence[float]) -> bool:
    r, g, b = rgba[:3]
    return 0.299 * r + 0.587 * g + 0.114 * b < 0.5


def cox_png(table: Any, title: str | None = None, sweep: Sweep | None = None) -> bytes | None:
    """Forest plot of the hazard ratios (None when nothing was estimated); with ``sweep``, the title
    also says what produced it (:func:`sweep_context`)."""
    from matplotlib.figure import Figure

    rows = [r for r in table.rows if r.hazard_ratio is not None or r.note]
    est = [r for r in rows if r.hazard_ratio is not None and r.hazard_ratio > 0]
    if not est:
        return None
    fig = Figure(figsize=(8.5, 0.42 * len(rows) + 1.8), dpi=100)
    ax = fig.add_subplot()
    finite = [v for r in est for v in (r.hazard_ratio, r.ci_low, r.ci_high) if v is not None and 0 < v < math.inf]
    lo_lim, hi_lim = min(finite + [0.5]) / 1.5, max(finite + [2.0]) * 3.0
    labels = []
    for y, r in enumerate(reversed(rows)):
        if r.note == "reference":
            labels.append(f"{r.factor} = {format_value(r.level)} (reference)")
            ax.plot([1.0], [y], marker="D", color="black", markersize=5)
        elif r.hazard_ratio is None:
            labels.append(f"{r.factor} = {format_value(r.level)}")
            ax.text(
                lo_lim * 1.05,
                y,
                "no collapse at this value: not estimable (HR -> 0)",
                va="center",
                fontsize=8,
                color="tab:red",
            )
        else:
            labels.append(f"{r.factor} = {format_value(r.level)}")
            ax.errorbar(
                [r.hazard_ratio],
                [y],
                xerr=[[r.hazard_ratio - r.ci_low], [r.ci_high - r.hazard_ratio]],
                fmt="o",
                color="tab:blue",
                capsize=3,
            )
            ax.text(
                r.ci_high * 1.08, y, f"{r.hazard_ratio:.2f} [{r.ci_low:.2f}, {r.ci_high:.2f}]", va="center", fontsize=8
            )
    ax.axvline(1.0, color="grey", linestyle="--", linewidth=1)
    ax.set_xscale("log")
    ax.set_xlim(lo_lim, hi_lim)
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

    ticks = [t for t in (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100) if lo_lim <= t <= hi_lim]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_yticks(range(len(rows)), labels)
    ax.set_xlabel("hazard ratio of collapse vs the reference value, 95% CI (log scale; < 1 = lasts longer)", fontsize=9)
    context = f"\n{sweep_context(sweep)}" if sweep is not None else ""
    ax.set_title(
        title
        or f"Cox proportional hazards over {table.replications} replications ({table.collapses} collapses){context}",
        fontsize=11,
    )
    ax.grid(True, axis="x", alpha=0.3)
    fig.tight_layout()
    return png_bytes(fig)
