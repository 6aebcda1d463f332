"""Plots of a calibration: marginals against priors, pairs, and the posterior predictive check.

Axes carry natural-scale values (the model's units); a parameter whose prior is uniform in log10
gets a log axis, so its prior is flat on the plot as it is in the sampler. Titles say what produced
the plot: particles and their effective sample size, and, when the run's record (``run.json``'s
content) is given, generations, simulations, final epsilon and seed.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
from matplotlib.figure import Figure

from calibration.posterior import Posterior
from calibration.priors import FREE_PARAMETERS, FreeParameter
from sim.common.figures import png_bytes

STAT_UNITS = {
    "n_violations": "violation episodes",
    "n_with_casualties": "episodes with casualties",
    "killed_ARM": "ARM soldiers killed",
    "killed_AZE": "AZE soldiers killed",
    "wounded_ARM": "ARM soldiers wounded",
    "wounded_AZE": "AZE soldiers wounded",
    "max_tier": "heaviest weapon tier (1-4)",
    "first_violation_hours": "hours after the ceasefire",
    "mean_gap_hours": "hours between episodes",
    "both_blame_share": "share of episodes",
    "retaliation_share": "share of episodes",
    "returned_to_war_scale": "0 = no, 1 = yes",
    "flareup_log_killed": "log(1 + killed in 48 h)",
}
"""The x-axis label of each statistic of the predictive check (see calibration/statistics.py)."""


def _axis_values(p, x):
    return np.log10(x) if p.scale == "log" else x


def log_ticks(lo: float, hi: float, max_ticks: int = 4) -> list[float]:
    """Round natural values (1, 2, 5 or 1, 3 or 1 times a power of ten) between ``lo`` and ``hi``:
    the densest set with at most ``max_ticks`` values (at least two where the range allows)."""
    ticks: list[float] = []
    for subs in ((1, 2, 5), (1, 3), (1,)):
        ticks = [
            m * 10.0**e
            for e in range(math.floor(math.log10(lo)) - 1, math.ceil(math.log10(hi)) + 1)
            for m in subs
            if lo * (1 - 1e-9) <= m * 10.0**e <= hi * (1 + 1e-9)
        ]
        if len(ticks) <= max_ticks:
            break
    return [float(f"{t:.6g}") for t in ticks]


def set_parameter_axis(ax, p: FreeParameter, axis: str = "x", max_ticks: int = 4) -> None:
    """The ``axis`` of ``ax`` spans ``p``'s prior in natural units, log-scaled for a log prior, with
    readable tick labels."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullFormatter, NullLocator

    a = ax.xaxis if axis == "x" else ax.yaxis
    if p.scale == "log":
        (ax.set_xscale if axis == "x" else ax.set_yscale)("log")
        a.set_major_locator(FixedLocator(log_ticks(p.lo, p.hi, max_ticks)))
        a.set_minor_locator(NullLocator())
        a.set_minor_formatter(NullFormatter())
    else:
        a.set_major_locator(MaxNLocator(nbins=max_ticks - 1, steps=[1, 2, 2.5, 5, 10]))
    a.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    (ax.set_xlim if axis == "x" else ax.set_ylim)(p.lo, p.hi)


def weighted_histogram(
    p: FreeParameter, values: np.ndarray, weights: np.ndarray, bins: int, density: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Bin heights and natural-scale bin edges of ``values`` over ``p``'s prior, bins equal on the
    sampled scale (log10 for a log prior); ``density``: per unit of the sampled scale (so a uniform
    prior is the flat line ``1 / (b - a)``)."""
    lo, hi = p.prior_bounds()
    edges = np.linspace(lo, hi, bins + 1)
    counts, _ = np.histogram(_axis_values(p, np.asarray(values, dtype=float)), bins=edges, weights=weights)
    if density:
        counts = counts / (counts.sum() * np.diff(edges)) if counts.sum() > 0 else counts
    natural = 10.0**edges if p.scale == "log" else edges
    return counts, natural


def effective_sample_size(weights: np.ndarray) -> float:
    """Kish effective sample size (Σ w)² / Σ w² of ``weights``."""
    w = np.asarray(weights, dtype=float)
    return float(w.sum() ** 2 / (w**2).sum())


def calibration_context(post: Posterior, run: dict | None = None) -> str:
    """What produced the posterior, for titles: particles, effective sample size, posterior digest,
    and with ``run`` (``run.json``) the ABC-SMC generations, simulations, final epsilon and seed."""
    parts = [f"{len(post.weights)} particles (effective sample size {effective_sample_size(post.weights):.0f})"]
    if run:
        gens = run.get("generations") or []
        if gens:
            parts.append(f"ABC-SMC, {len(gens)} generations, final epsilon {gens[-1]['epsilon']:.3g}")
        if run.get("simulations"):
            parts.append(f"{run['simulations']} simulations")
        seed = (run.get("settings") or {}).get("seed")
        if seed is not None:
            parts.append(f"seed {seed}")
    if post.sha256:
        parts.append(f"posterior sha256 {post.sha256[:12]}")
    return "; ".join(parts)


def _panels(n: int, panel_height: float, cols: int = 5):
    """A figure with ``n`` panels in rows of ``cols``; the unused cells of the last row are hidden."""
    rows = math.ceil(n / cols)
    fig = Figure(figsize=(3.4 * cols, panel_height * rows + 0.6), dpi=110)
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    return fig, axes


def _finish(fig, axes, title: str) -> bytes:
    """The legend once, in the first unused cell (else on the first panel), then the title."""
    handles, labels = axes.flat[0].get_legend_handles_labels()
    spare = [ax for ax in axes.flat if not ax.axison]
    if spare:
        spare[0].legend(handles, labels, loc="center", fontsize=9, frameon=False)
    else:
        axes.flat[0].legend(fontsize=7)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return png_bytes(fig)


def marginals_png(post: Posterior, summaries, run: dict | None = None) -> bytes:
    """PNG of each free parameter's weighted posterior histogram against its prior, with 90% intervals."""
    fig, axes = _panels(len(FREE_PARAMETERS), 2.8)
    for k, (ax, p, s) in enumerate(zip(axes.flat, FREE_PARAMETERS, summaries)):
        heights, edges = weighted_histogram(p, post.column(p.name), post.weights, 25)
        ax.stairs(heights, edges, fill=True, color="#4292c6", alpha=0.8, label="posterior")
        lo, hi = p.prior_bounds()
        ax.axhline(1.0 / (hi - lo), color="k", ls="--", lw=1, label="prior (uniform on this axis)")
        for i, q in enumerate((s.q05, s.q95)):
            ax.axvline(q, color="#cb181d", lw=1, label="90% credible interval" if i == 0 else None)
        set_parameter_axis(ax, p, "x", max_ticks=5)
        ax.set_title(f"{p.name}\n{'informed' if s.informed else 'not identified'}", fontsize=8)
        ax.set_xlabel(p.unit + (" (log scale)" if p.scale == "log" else ""), fontsize=8)
        if k % axes.shape[1] == 0:
            ax.set_ylabel("density", fontsize=8)
        ax.tick_params(labelsize=7)
    return _finish(
        fig,
        axes,
        "Posterior marginals (bars) against the uniform priors (dashed); red: 90% credible "
        "interval\ndensity per unit of the x axis (per log10 unit on log axes); " + calibration_context(post, run),
    )


def pairs_data(post: Posterior, max_points: int = 1500) -> dict[str, Any]:
    """The pairs plot's content: for each parameter its natural-scale values (the ``max_points``
    heaviest particles, heaviest drawn last) and the marker sizes (by weight)."""
    order = np.argsort(post.weights, kind="stable")[-max_points:]
    size = 3 + 22 * post.weights / post.weights.max()
    return {
        "values": {p.name: np.asarray(post.column(p.name))[order] for p in FREE_PARAMETERS},
        "size": size[order],
        "shown": int(order.size),
        "total": int(post.weights.size),
    }


def pairs_png(post: Posterior, summaries, max_points: int = 1500, run: dict | None = None) -> bytes:
    """PNG of the posterior pairs plot: each pair of free parameters, weighted histograms on the diagonal."""
    ps = FREE_PARAMETERS
    n = len(ps)
    d = pairs_data(post, max_points)
    fig = Figure(figsize=(1.4 * n + 0.9, 1.4 * n + 0.9), dpi=130)
    axes = fig.subplots(n, n)
    for i, pi in enumerate(ps):
        for j, pj in enumerate(ps):
            ax = axes[i, j]
            if i < j:
                ax.axis("off")
                continue
            if i == j:
                heights, edges = weighted_histogram(pi, post.column(pi.name), post.weights, 20, density=False)
                ax.stairs(heights, edges, fill=True, color="#4292c6")
                set_parameter_axis(ax, pi, "x", max_ticks=3)
                ax.set_yticks([])
            else:
                ax.scatter(
                    d["values"][pj.name], d["values"][pi.name], s=d["size"], alpha=0.5, color="#08519c", linewidths=0
                )
                set_parameter_axis(ax, pj, "x", max_ticks=3)
                set_parameter_axis(ax, pi, "y", max_ticks=3)
            ax.tick_params(labelsize=6.5, length=2, pad=1)
            if i < n - 1:
                ax.tick_params(labelbottom=False)
            else:
                ax.set_xlabel(f"{pj.name.split('.')[1]}\n({pj.unit})", fontsize=7.5)
                for t in ax.get_xticklabels():
                    t.set_rotation(45)
                    t.set_horizontalalignment("right")
            if j > 0 or i == 0:
                ax.tick_params(labelleft=False)
            else:
                ax.set_ylabel(f"{pi.name.split('.')[1]}\n({pi.unit})", fontsize=7.5)
    shown = "" if d["shown"] == d["total"] else f"; the {d['shown']} heaviest of {d['total']} particles shown"
    fig.tight_layout(h_pad=0.3, w_pad=0.3)
    # the title and how to read it, in the empty upper triangle
    fig.text(0.42, 0.97, "Posterior pairs", fontsize=16, va="top", ha="left")
    notes = [
        "each dot: a particle (size = its weight)",
        "diagonal: weighted histogram of each parameter",
        "axes span the prior, in natural units;",
        "log axes for parameters with a log-uniform prior",
        *calibration_context(post, run).split("; "),
    ]
    if shown:
        notes.append(shown.lstrip("; "))
    fig.text(0.42, 0.935, "\n".join(notes), fontsize=10, va="top", ha="left", linespacing=1.5)
    return png_bytes(fig)


def _bins(values: np.ndarray, observed: float) -> tuple[Any, bool]:
    """Whole-number statistics get one bin per value (at least 0 and 1, and the observed value);
    others 30 bins. Returns (bins, whole numbers)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size and np.all(v == np.round(v)) and float(observed) == round(observed) and v.max() - v.min() <= 60:
        lo = min(v.min(), observed)
        hi = max(v.max(), observed, lo + 1)
        return np.arange(lo - 0.5, hi + 1.5), True
    return 30, False


def predictive_png(checks: Sequence[Any], table, post: Posterior | None = None, run: dict | None = None) -> bytes:
    """PNG of the posterior predictive check: each statistic's simulated histogram against the record."""
    fig, axes = _panels(len(checks), 2.6)
    draws = 0
    for k, (ax, c) in enumerate(zip(axes.flat, checks)):
        values = np.asarray(table[c.statistic], dtype=float)
        draws = max(draws, int(values.size))
        bins, whole = _bins(values, c.observed)
        ax.hist(values, bins=bins, color="#6baed6", rwidth=0.8 if whole else None, label="simulated (posterior draws)")
        if whole:
            from matplotlib.ticker import MaxNLocator

            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.axvspan(c.q05, c.q95, color="#4292c6", alpha=0.15, label="90% predictive interval")
        ax.axvline(c.observed, color="#cb181d" if not c.inside else "k", lw=2, label="observed (the record)")
        ax.set_title(
            f"{c.statistic}{'' if c.inside else '  (OUTSIDE)'}", fontsize=8, color="black" if c.inside else "#cb181d"
        )
        ax.set_xlabel(STAT_UNITS.get(c.statistic, ""), fontsize=7)
        if k % axes.shape[1] == 0:
            ax.set_ylabel("simulated windows", fontsize=8)
        ax.tick_params(labelsize=7)
    context = f"{draws} simulated windows, parameters drawn from the posterior"
    if post is not None:
        context += f" ({calibration_context(post, run)})"
    return _finish(
        fig,
        axes,
        "Posterior predictive check: the statistics of simulated windows (histogram) and of "
        f"the record (line; red when outside the 90% interval)\n{context}",
    )
