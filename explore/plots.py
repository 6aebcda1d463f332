"""The exploration's figures, as PNG bytes (matplotlib ``Figure`` objects: no pyplot, no global state).

- :func:`indices_png` -- Sobol: per outcome, each input's total index (light bar) and first-order index
  (dark bar) with their intervals, largest first, and the outcome's noise share (dashed line); Morris:
  mu* against sigma per outcome;
- :func:`tradeoff_png` -- PRIM's peeling trajectory, coverage against density, coloured by the number of
  restricted inputs, the chosen box ringed;
- :func:`box_png` -- the chosen box's limits, each on its input's explored range, with quasi-p values;
- :func:`pairs_png` -- the design points over each pair of the box's inputs, points of interest apart,
  the box drawn.

Every title ends with what produced the figure (:func:`context`): the exploration's id, method and size,
replications, where the ranges came from, and the code version.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from matplotlib.figure import Figure

from explore.discovery import Box
from explore.indices import Sensitivity
from explore.inputs import LEVER, Input
from explore.outcomes import BY_NAME
from sim.common.figures import png_bytes

INTEREST, OTHER = "#1b7837", "#bdbdbd"  # points of interest / the rest
LEVER_COLOR, UNCERTAINTY_COLOR = "#2166ac", "#4d4d4d"
MAX_SCATTER = 6000  # points drawn in a pairs panel (every k-th design point beyond that)


def context(manifest: dict) -> str:
    """What produced a figure, in one line."""
    m = manifest
    size = (
        f"Sobol N={m['n']}" if m["method"] == "sobol" else f"Morris {m['n']} trajectories ({m['morris_levels']} levels)"
    )
    return (
        f"ceasefire-explore {m['id']}: {size}, {m['points']:,} points x {m['replications']} runs of "
        f"{m['horizon_days']:g} days, seed {m['seed']}; ranges: {m['range_source']}; {m.get('code_version', '')}"
    )


def _label(inp: Input) -> str:
    return f"{inp.name}{' (lever)' if inp.role == LEVER else ''}"


def indices_png(sens: Sensitivity, inputs: Sequence[Input], outcomes: Sequence[str], manifest: dict) -> bytes:
    """The indices of every outcome that has them (see the module's docstring)."""
    shown = [o for o in outcomes if o not in sens.constant]
    by_name = {i.name: i for i in inputs}
    cols = min(len(shown), 3) or 1
    rows = max(1, math.ceil(len(shown) / cols))
    height = 0.28 * len(inputs) + 1.4
    fig = Figure(figsize=(5.6 * cols, height * rows + 0.9), dpi=100)
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax in list(axes.flat)[len(shown) :]:
        ax.axis("off")
    for ax, outcome in zip(axes.flat, shown):
        noise = sens.noise_of(outcome).share
        if sens.method == "sobol":
            _sobol_panel(ax, sens.ranked(outcome), by_name, noise)
        else:
            _morris_panel(ax, sens.screened(outcome), by_name)
        o = BY_NAME[outcome]
        ax.set_title(f"{o.label}\nnoise share {noise:.0%}" if math.isfinite(noise) else o.label, fontsize=9)
    what = (
        "Sobol indices: total (light bar; black: 95% bootstrap interval over the base samples, grey: counting the "
        "replications' streams too) and first-order (dark bar, blue interval); dashed: noise share"
        if sens.method == "sobol"
        else "Morris screening: mu* (mean absolute effect over a step of the range) against sigma"
    )
    fig.suptitle(f"{what}\n{context(manifest)}", fontsize=9)
    fig.tight_layout()
    return png_bytes(fig)


def _sobol_panel(ax, ranked, by_name, noise: float) -> None:
    y = np.arange(len(ranked))[::-1]
    st = [i.st for i in ranked]
    s1 = [i.s1 for i in ranked]
    ax.barh(y, st, color="#9ecae1", height=0.8, label="ST")
    ax.errorbar(st, y + 0.18, xerr=[i.st_all_conf for i in ranked], fmt="none", ecolor="#969696", lw=0.8)  # and streams
    ax.errorbar(st, y, xerr=[i.st_conf for i in ranked], fmt="none", ecolor="black", lw=0.8)
    ax.barh(y, s1, color="#08519c", height=0.4, label="S1")
    ax.errorbar(s1, y - 0.18, xerr=[i.s1_conf for i in ranked], fmt="none", ecolor="#08519c", lw=0.8)
    if math.isfinite(noise):
        ax.axvline(noise, color="#d62728", ls="--", lw=0.9)
    ax.set_yticks(y)
    labels = ax.set_yticklabels([_label(by_name[i.input]) for i in ranked], fontsize=7)
    for label, i in zip(labels, ranked):
        label.set_color(LEVER_COLOR if i.role == LEVER else UNCERTAINTY_COLOR)
    ax.axvline(0, color="black", lw=0.6)
    ax.set_xlabel("share of the outcome's variance", fontsize=8)
    ax.tick_params(axis="x", labelsize=7)


def _morris_panel(ax, screened, by_name) -> None:
    for i in screened:
        color = LEVER_COLOR if i.role == LEVER else UNCERTAINTY_COLOR
        ax.errorbar(i.mu_star, i.sigma, xerr=i.mu_star_conf, fmt="o", ms=4, color=color, lw=0.8)
    for i in screened[:6]:
        ax.annotate(i.input, (i.mu_star, i.sigma), fontsize=6, xytext=(3, 3), textcoords="offset points")
    ax.set_xlabel("mu*", fontsize=8)
    ax.set_ylabel("sigma", fontsize=8)
    ax.tick_params(labelsize=7)


def tradeoff_png(box: Box, manifest: dict) -> bytes:
    """PRIM's coverage-density trade-off for one target."""
    fig = Figure(figsize=(8.0, 5.6), dpi=100)
    ax = fig.subplots()
    steps = box.trajectory
    dims = np.array([s.res_dim for s in steps])
    sc = ax.scatter([s.coverage for s in steps], [s.density for s in steps], c=dims, cmap="viridis", s=18, zorder=3)
    bar = fig.colorbar(sc, ax=ax, label="inputs restricted (res_dim)")
    bar.set_ticks(sorted(set(int(d) for d in dims)))
    if box.step is not None:
        s = box.step
        ax.scatter(
            [s.coverage],
            [s.density],
            s=140,
            facecolors="none",
            edgecolors="#d62728",
            lw=1.5,
            zorder=4,
            label=f"chosen: coverage {s.coverage:.0%}, density {s.density:.0%}, {s.res_dim} limits",
        )
    ax.axhline(box.min_density, color="#d62728", ls=":", lw=0.9, label=f"density to reach {box.min_density:.0%}")
    ax.set_xlabel("coverage: share of the points of interest inside the box")
    ax.set_ylabel("density: share of the box's points of interest")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=7, loc="lower left")
    fig.suptitle(f"PRIM trade-off\n{box.question}\n{context(manifest)}", fontsize=8)
    fig.tight_layout()
    return png_bytes(fig)


def box_png(box: Box, manifest: dict) -> bytes:
    """The chosen box's limits, each on its input's explored range (0 = low end, 1 = high end)."""
    limits = box.limits
    fig = Figure(figsize=(9.5, 1.6 + 0.55 * max(len(limits), 1)), dpi=100)
    ax = fig.subplots()
    for k, limit in enumerate(limits):
        inp = limit.input
        lo, hi = _fraction(inp, limit.lo), _fraction(inp, limit.hi)
        y = len(limits) - 1 - k
        ax.plot([0, 1], [y, y], color="#d9d9d9", lw=6, solid_capstyle="butt")
        color = LEVER_COLOR if inp.role == LEVER else UNCERTAINTY_COLOR
        ax.plot([lo, hi], [y, y], color=color, lw=6, solid_capstyle="butt")
        qps = ", ".join(f"qp {q:.2g}" for q in (limit.qp_lo, limit.qp_hi) if q is not None)
        explored = f"explored {inp.value_text(inp.lo)} to {inp.value_text(inp.hi)}"
        ax.text(1.03, y, f"{limit.text()}  ({qps}; {explored})", va="center", fontsize=7)
    ax.set_yticks(range(len(limits)))
    ax.set_yticklabels([_label(x.input) for x in reversed(limits)], fontsize=7)
    ax.set_xlim(-0.02, 2.0)
    ax.set_ylim(-0.8, max(len(limits), 1) - 0.2)
    ax.set_xticks([0, 0.5, 1])
    ax.set_xticklabels(["low end", "middle", "high end"], fontsize=7)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    s = box.step
    stats = f"coverage {s.coverage:.0%}, density {s.density:.0%}, mass {s.mass:.0%}" if s else ""
    fig.suptitle(f"PRIM box: {stats}\n{box.question}\n{context(manifest)}", fontsize=8)
    fig.tight_layout()
    return png_bytes(fig)


def _fraction(inp: Input, value: float) -> float:
    """Where ``value`` lies on the input's explored range, 0 to 1 (log10 for a log-scale input)."""
    if inp.scale == "log":
        return (math.log10(value) - math.log10(inp.lo)) / (math.log10(inp.hi) - math.log10(inp.lo))
    hi = inp.hi + 1 if inp.scale == "integer" else inp.hi
    return (value - inp.lo) / (hi - inp.lo)


def pairs_png(box: Box, inputs: Sequence[Input], values: np.ndarray, of_interest: np.ndarray, manifest: dict) -> bytes:
    """The design points over each pair of the box's inputs (one input: its histogram), the box drawn."""
    names = [i.name for i in inputs]
    dims = [x.input for x in box.limits]
    k = len(dims)
    step = max(1, math.ceil(len(values) / MAX_SCATTER))
    idx = np.arange(0, len(values), step)
    side = max(2.6 * k + 1.0, 6.5)
    fig = Figure(figsize=(side, side if k > 1 else 4.8), dpi=100)
    axes = fig.subplots(k, k, squeeze=False)
    for r, a in enumerate(dims):
        for c, b in enumerate(dims):
            ax = axes[r][c]
            xa, xb = values[idx, names.index(b.name)], values[idx, names.index(a.name)]
            if r == c:
                col = values[:, names.index(a.name)]
                space = np.geomspace if a.scale == "log" else np.linspace
                bins = space(col.min(), col.max(), 21)
                ax.hist(
                    [col[of_interest], col[~of_interest]],
                    bins=bins,
                    stacked=True,
                    color=[INTEREST, OTHER],
                    label=["points of interest", "other points"],
                )
                lim = box.limits[r]
                for v, on in ((lim.lo, lim.lo_restricted), (lim.hi, lim.hi_restricted)):
                    if on:
                        ax.axvline(v, color="#d62728", lw=1)
            elif r > c:
                mask = of_interest[idx]
                ax.scatter(xa[~mask], xb[~mask], s=2, color=OTHER, rasterized=True)
                ax.scatter(xa[mask], xb[mask], s=2, color=INTEREST, rasterized=True)
                la, lb = box.limits[c], box.limits[r]
                ax.add_patch(_rect(la.lo, la.hi, lb.lo, lb.hi))
                if a.scale == "log":
                    _log_axis(ax.yaxis, ax.set_yscale, a)
            else:
                ax.axis("off")
                continue
            if b.scale == "log":
                _log_axis(ax.xaxis, ax.set_xscale, b)
            ax.tick_params(labelsize=6)
            if r == k - 1:
                ax.set_xlabel(b.name, fontsize=7)
            if c == 0 and r != c:
                ax.set_ylabel(a.name, fontsize=7)
    if k:
        axes[0][0].legend(fontsize=6, loc="upper right")
    shown = "every design point" if step == 1 else f"every {step}th design point in the scatter panels"
    fig.suptitle(
        f"Points of interest and the PRIM box; {shown}\n{box.question}\n{context(manifest)}", fontsize=8, wrap=True
    )
    fig.tight_layout()
    return png_bytes(fig)


def _log_axis(axis, set_scale, inp: Input) -> None:
    """A log axis with a few round ticks in natural units (as the calibration's plots draw them)."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter, NullLocator

    from calibration.plots import log_ticks

    set_scale("log")
    axis.set_major_locator(FixedLocator(log_ticks(inp.lo, inp.hi)))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_locator(NullLocator())
    axis.set_minor_formatter(NullFormatter())


def _rect(x0: float, x1: float, y0: float, y1: float):
    from matplotlib.patches import Rectangle

    return Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, edgecolor="#d62728", lw=1.2, zorder=4)
