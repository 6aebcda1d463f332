"""Plots of a calibration: marginals against priors, pairs, and the posterior predictive check."""

from __future__ import annotations

import math

import numpy as np

from calibration.posterior import Posterior
from calibration.priors import FREE_PARAMETERS
from matplotlib.figure import Figure

from sim.plots import png_bytes


def _axis_values(p, x):
    return np.log10(x) if p.scale == "log" else x


def _panels(n: int, panel_height: float, cols: int = 5):
    """A figure with ``n`` panels in rows of ``cols``; the unused cells of the last row are hidden."""
    rows = math.ceil(n / cols)
    fig = Figure(figsize=(3.2 * cols, panel_height * rows), dpi=110)
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    return fig, axes


def _finish(fig, axes, title: str) -> bytes:
    axes.flat[0].legend(fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    return png_bytes(fig)


def marginals_png(post: Posterior, summaries) -> bytes:
    fig, axes = _panels(len(FREE_PARAMETERS), 2.6)
    for ax, p, s in zip(axes.flat, FREE_PARAMETERS, summaries):
        lo, hi = p.prior_bounds()
        x = _axis_values(p, post.column(p.name))
        ax.hist(x, bins=25, range=(lo, hi), weights=post.weights, density=True, color="#4292c6", alpha=0.8,
                label="posterior")
        ax.axhline(1.0 / (hi - lo), color="k", ls="--", lw=1, label="prior")
        for q in (s.q05, s.q95):
            ax.axvline(_axis_values(p, q), color="#cb181d", lw=1)
        ax.set_title(f"{p.name}\n{'informed' if s.informed else 'not identified'}", fontsize=8)
        ax.set_xlabel(("log10 " if p.scale == "log" else "") + p.unit, fontsize=7)
        ax.tick_params(labelsize=7)
    return _finish(fig, axes, "Posterior marginals (bars) against uniform priors (dashed); red: 90% credible interval")


def pairs_png(post: Posterior, summaries, max_points: int = 1500) -> bytes:
    ps = FREE_PARAMETERS
    n = len(ps)
    fig = Figure(figsize=(1.6 * n, 1.6 * n), dpi=110)
    axes = fig.subplots(n, n)
    size = 4 + 40 * post.weights / post.weights.max()
    for i, pi in enumerate(ps):
        for j, pj in enumerate(ps):
            ax = axes[i, j]
            ax.set_xticks([])
            ax.set_yticks([])
            if i == j:
                ax.hist(_axis_values(pi, post.column(pi.name)), bins=20, range=pi.prior_bounds(),
                        weights=post.weights, color="#4292c6")
            elif i > j:
                ax.scatter(_axis_values(pj, post.column(pj.name))[:max_points],
                           _axis_values(pi, post.column(pi.name))[:max_points], s=size[:max_points] / 8,
                           alpha=0.4, color="#08519c")
                ax.set_xlim(pj.prior_bounds())
                ax.set_ylim(pi.prior_bounds())
            else:
                ax.axis("off")
            if j == 0:
                ax.set_ylabel(pi.name.split(".")[1], fontsize=6)
            if i == n - 1:
                ax.set_xlabel(pj.name.split(".")[1], fontsize=6)
    fig.suptitle("Posterior pairs (axes span the prior; log10 for log-scale parameters)")
    fig.tight_layout()
    return png_bytes(fig)


def predictive_png(checks, table) -> bytes:
    fig, axes = _panels(len(checks), 2.4)
    for ax, c in zip(axes.flat, checks):
        ax.hist(table[c.statistic], bins=30, color="#9ecae1")
        ax.axvspan(c.q05, c.q95, color="#4292c6", alpha=0.15, label="90% predictive")
        ax.axvline(c.observed, color="#cb181d" if not c.inside else "k", lw=2, label="observed")
        ax.set_title(f"{c.statistic}{'' if c.inside else '  (outside)'}", fontsize=8)
        ax.tick_params(labelsize=7)
    return _finish(fig, axes, "Posterior predictive check: simulated statistics (histogram) and the record's (line)")
