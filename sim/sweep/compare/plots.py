"""The two figures of ``ceasefire-compare``: survival curves of A and B per job, and medians and shares
collapsed against the first swept parameter (:func:`medians_data` computes, :func:`medians_png` draws)."""

from __future__ import annotations

import itertools
import math
from typing import Any, Sequence

from sim.common.files import display_path
from sim.sweep.compare.matching import Pair
from sim.sweep.compare.table import CSV_FILE

SURVIVAL_FILE = "compare_survival.png"
MEDIANS_FILE = "compare_medians.png"
MAX_PANELS = 16


def _compare_context(a: Any, b: Any, pairs: Sequence[Pair]) -> str:
    """N per job, horizon and each sweep's parameter source, for the compare plots' titles."""
    from sim.sweep.plots import sweep_context

    rows = [p.row for p in pairs if p.row and p.row.get("n_a") is not None]
    na = sorted({r["n_a"] for r in rows})
    nb = sorted({r["n_b"] for r in rows})
    n = (
        f"N = {na[0]}/{nb[0]} runs per job (A/B)"
        if len(na) == 1 and len(nb) == 1
        else "N differs between jobs (compare.csv)"
    )
    parts = [n, f"horizon {a.horizon_days:g} days"]
    ctx_a, ctx_b = (sweep_context(s) for s in (a, b))
    pa = next((c for c in ctx_a.split("; ") if c.startswith("parameters")), "")
    pb = next((c for c in ctx_b.split("; ") if c.startswith("parameters")), "")
    if pa and pa == pb:
        parts.append(pa)
    elif pa or pb:
        parts.append(f"A {pa or 'parameters: unknown'}; B {pb or 'parameters: unknown'}")
    return "; ".join(parts)


def survival_png(a: Any, b: Any, pairs: Sequence[Pair]) -> bytes:
    """One panel per matched job: A's and B's Kaplan-Meier curves on shared axes."""
    from matplotlib.figure import Figure

    from sim.common.figures import png_bytes
    from sim.sweep.aggregate import format_value
    from sim.sweep.plots import _curve, label_survival_grid

    horizon = a.horizon_days
    keys = list(a.params)
    shown = list(pairs)
    note = ""
    if len(shown) > MAX_PANELS:
        note = f"first {MAX_PANELS} of {len(shown)} jobs shown; every job is in {CSV_FILE}"
        shown = shown[:MAX_PANELS]
    cols = min(len(shown), 4)
    rows = math.ceil(len(shown) / cols)
    fig = Figure(figsize=(4.2 * cols, 3.3 * rows + 1.5), dpi=100)
    axes = fig.subplots(rows, cols, sharex=True, sharey=True, squeeze=False)
    styles = (("A", "tab:blue", "-"), ("B", "tab:orange", "--"))
    for ax, p in zip(axes.flat, shown):
        for (name, color, ls), job in zip(styles, (p.a, p.b)):
            if not job.finished:
                ax.text(
                    0.5,
                    0.1 if name == "A" else 0.2,
                    f"{name}: job {job.status}",
                    transform=ax.transAxes,
                    ha="center",
                    color="tab:red",
                    fontsize=8,
                )
                continue
            km, t, s, lo, hi = _curve(job.durations, job.collapsed, horizon)
            ax.fill_between(t, lo, hi, step="post", color=color, alpha=0.12, linewidth=0)
            ax.step(t, s, where="post", color=color, linestyle=ls, linewidth=1.6)
        ax.axhline(0.5, color="grey", linestyle=":", linewidth=1)
        ax.set_title(", ".join(f"{k}={format_value(p.values[k])}" for k in keys), fontsize=9)
        ax.set_xlim(0, horizon)
        ax.set_ylim(0, 1.02)
        ax.grid(True, alpha=0.3)
    for ax in list(axes.flat)[len(shown) :]:
        ax.set_visible(False)
    label_survival_grid(axes, len(shown))
    from matplotlib.lines import Line2D

    handles = [
        Line2D([], [], color=c, linestyle=ls, linewidth=1.6, label=f"{n}: {display_path(s.path)}")
        for (n, c, ls), s in zip(styles, (a, b))
    ]
    fig.legend(handles=handles, loc="lower center", ncol=2, fontsize=9, frameon=False)
    fig.suptitle(
        "Ceasefire survival (Kaplan-Meier, 95% band): sweep A vs sweep B, job by job\n" + _compare_context(a, b, pairs),
        fontsize=11,
    )
    if note:
        fig.text(0.99, 0.005, note, ha="right", fontsize=8, color="dimgrey")
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return png_bytes(fig)


def medians_data(a: Any, b: Any, pairs: Sequence[Pair]) -> dict[str, Any]:
    """What :func:`medians_png` draws, as data.

    Per group (a combination of the swept values after the first) and sweep (``a``, ``b``): one
    point per value of the first swept parameter with ``x`` (index, nudged apart), ``y`` (the median,
    or the horizon when the median lies beyond it), its CI, ``censored`` (median beyond the
    horizon), ``open_upper`` (the upper limit beyond it) and the share collapsed with its CI; and
    ``segments``, the lines drawn: only between neighbouring points whose medians are both reached,
    never through a censored one (a censored median is a lower bound, not a value).
    """
    from sim.common.values import same_value
    from sim.sweep.aggregate import format_value
    from sim.sweep.plots import _colors

    horizon = a.horizon_days
    keys = list(a.params)
    xk, rest = keys[0], keys[1:]
    xs = [v for v in a.levels[xk] if any(same_value(p.values[xk], v) for p in pairs)]
    groups = [dict(zip(rest, vals)) for vals in itertools.product(*(a.levels[k] for k in rest))] or [{}]
    groups = [g for g in groups if any(all(same_value(p.values[k], v) for k, v in g.items()) for p in pairs)]
    colors = _colors(groups) if rest and len(rest) == 1 else _colors(list(range(len(groups))))
    width = 0.6 / max(len(groups), 1)
    out_groups = []
    for gi, (g, color) in enumerate(zip(groups, colors)):
        series = {}
        for which, dx in (("a", -0.1), ("b", 0.1)):
            points = []
            for i, xv in enumerate(xs):
                p = next(
                    (
                        p
                        for p in pairs
                        if same_value(p.values[xk], xv) and all(same_value(p.values[k], v) for k, v in g.items())
                    ),
                    None,
                )
                if p is None or p.row["n_a"] is None:
                    continue
                r = p.row
                m, lo, hi = r[f"median_{which}"], r[f"median_{which}_ci_low"], r[f"median_{which}_ci_high"]
                points.append(
                    {
                        "index": i,
                        "x": i + dx + (gi - (len(groups) - 1) / 2) * width * 0.5,
                        "median": m,
                        "y": horizon if m is None else m,
                        "ci_low": lo,
                        "ci_high": hi,
                        "censored": m is None,
                        "open_upper": m is None or hi is None,
                        "label": f">{horizon:g}" if m is None else f"{m:.0f}",
                        "share": r[f"share_{which}"],
                        "share_ci": (r[f"share_{which}_ci_low"], r[f"share_{which}_ci_high"]),
                    }
                )
            segments = [
                ((p0["x"], p0["y"]), (p1["x"], p1["y"]))
                for p0, p1 in zip(points, points[1:])
                if p1["index"] == p0["index"] + 1 and not p0["censored"] and not p1["censored"]
            ]
            share_segments = [
                ((p0["x"], p0["share"]), (p1["x"], p1["share"]))
                for p0, p1 in zip(points, points[1:])
                if p1["index"] == p0["index"] + 1
            ]
            series[which] = {"points": points, "segments": segments, "share_segments": share_segments}
        out_groups.append(
            {
                "values": g,
                "color": color,
                "series": series,
                "label": ", ".join(f"{k}={format_value(v)}" for k, v in g.items()),
            }
        )
    not_shown = [", ".join(f"{k}={format_value(p.values[k])}" for k in keys) for p in pairs if p.row["n_a"] is None]
    return {"x_key": xk, "xs": xs, "horizon": horizon, "groups": out_groups, "not_shown": not_shown}


SWEEP_STYLE = {"a": ("A", "o", "-"), "b": ("B", "s", "--")}


def medians_png(a: Any, b: Any, pairs: Sequence[Pair]) -> bytes:
    """Median durability and share collapsed against the first swept parameter; A and B, shared axes.

    A and B differ by marker shape and line style, groups (the other swept values) by colour;
    filled markers are medians reached within the horizon, joined by lines; open markers at the
    horizon with an arrow are medians beyond it (censored), never joined."""
    from matplotlib.collections import LineCollection
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    from sim.common.figures import png_bytes
    from sim.sweep.aggregate import format_value
    from sim.sweep.plots import _percent, param_label

    d = medians_data(a, b, pairs)
    horizon, xs = d["horizon"], d["xs"]
    fig = Figure(figsize=(13, 5.8), dpi=100)
    ax_m, ax_s = fig.subplots(1, 2, sharex=True)
    arrow = horizon * 0.07
    any_censored = False
    for g in d["groups"]:
        color = g["color"]
        for which, s in g["series"].items():
            _, marker, ls = SWEEP_STYLE[which]
            if s["segments"]:
                ax_m.add_collection(LineCollection(s["segments"], colors=[color], linestyles=ls, linewidths=1.5))
            for p in s["points"]:
                lo = p["ci_low"]
                if lo is not None:  # the lower limit, also under a censored median
                    ax_m.plot([p["x"], p["x"]], [lo, p["y"]], color=color, linewidth=1.1)
                    ax_m.plot([p["x"] - 0.025, p["x"] + 0.025], [lo, lo], color=color, linewidth=1.1)
                if not p["censored"] and p["ci_high"] is not None:
                    ax_m.plot([p["x"], p["x"]], [p["y"], p["ci_high"]], color=color, linewidth=1.1)
                    ax_m.plot([p["x"] - 0.025, p["x"] + 0.025], [p["ci_high"]] * 2, color=color, linewidth=1.1)
                if p["open_upper"]:  # the median or its upper limit lies beyond the horizon
                    ax_m.annotate(
                        "",
                        xy=(p["x"], horizon + arrow),
                        xytext=(p["x"], p["y"]),
                        arrowprops=dict(arrowstyle="->", color=color, linewidth=1.1),
                    )
                ax_m.plot(
                    [p["x"]],
                    [p["y"]],
                    marker=marker,
                    color=color,
                    markersize=7,
                    linestyle="",
                    markerfacecolor="white" if p["censored"] else color,
                    markeredgewidth=1.5,
                    zorder=4,
                )
                if p["censored"]:
                    any_censored = True
                    ax_m.text(
                        p["x"],
                        horizon + arrow * 1.15,
                        p["label"],
                        rotation=90,
                        ha="center",
                        va="bottom",
                        fontsize=7,
                        color=color,
                    )
            if s["share_segments"]:
                ax_s.add_collection(LineCollection(s["share_segments"], colors=[color], linestyles=ls, linewidths=1.5))
            for p in s["points"]:
                lo, hi = p["share_ci"]
                yerr = [[max(p["share"] - lo, 0.0)], [max(hi - p["share"], 0.0)]]
                ax_s.errorbar(
                    [p["x"]], [p["share"]], yerr=yerr, color=color, marker=marker, markersize=7, linestyle="", capsize=3
                )
    ax_m.axhline(horizon, color="grey", linestyle=":", linewidth=1)
    ax_m.set_ylim(0, horizon * 1.3)
    ax_m.set_ylabel("median durability (days, 95% CI)")
    ax_m.set_title("Median durability: filled = reached; open, arrow = beyond the horizon", fontsize=10)
    ax_s.set_ylim(0, 1.04)
    ax_s.yaxis.set_major_formatter(_percent())
    ax_s.set_ylabel(f"share of runs collapsed within {horizon:g} days (95% CI)")
    ax_s.set_title("Share collapsed", fontsize=10)
    for ax in (ax_m, ax_s):
        ax.set_xticks(range(len(xs)), [format_value(v) for v in xs])
        ax.set_xlim(-0.5, len(xs) - 0.5)
        ax.set_xlabel(param_label(d["x_key"], wrap=45))
        ax.grid(True, alpha=0.3)
    handles = [
        Line2D(
            [],
            [],
            color="black",
            marker=SWEEP_STYLE[w][1],
            linestyle=SWEEP_STYLE[w][2],
            label=f"{SWEEP_STYLE[w][0]}: {display_path(s.path)}",
        )
        for w, s in (("a", a), ("b", b))
    ]
    if any_censored:
        handles.append(
            Line2D(
                [],
                [],
                color="black",
                marker="o",
                markerfacecolor="white",
                linestyle="",
                label=f"median >{horizon:g} d (censored: not joined)",
            )
        )
    handles.append(Line2D([], [], color="grey", linestyle=":", label=f"horizon ({horizon:g} d)"))
    if len(d["groups"]) > 1 or d["groups"][0]["label"]:
        handles += [Line2D([], [], color=g["color"], linewidth=3, label=g["label"]) for g in d["groups"]]
    ncol = len(handles) if len(handles) <= 5 else math.ceil(len(handles) / 2)
    fig.legend(handles=handles, loc="lower center", ncol=ncol, fontsize=8, frameon=False)
    if d["not_shown"]:
        fig.text(
            0.99,
            0.005,
            "not shown (a job did not finish): " + "; ".join(d["not_shown"]),
            ha="right",
            va="bottom",
            fontsize=8,
            color="tab:red",
        )
    fig.suptitle(f"Sweep A vs sweep B by {d['x_key']}\n{_compare_context(a, b, pairs)}", fontsize=11)
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    return png_bytes(fig)
