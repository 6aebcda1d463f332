"""``ceasefire-compare SWEEP_A SWEEP_B [--out DIR]``: two sweeps over the same parameters, side by side.

Jobs are matched by their swept values (e.g. ``observer.strength=20 mediation.intensity=0.5`` in
both); for each pair the table gives B - A:

- **median durability** (Kaplan-Meier, censored at the horizon): 95% percentile bootstrap over
  replications (``--resamples``, default 2000), seeded from ``numpy.random.SeedSequence(--seed)``
  (one spawned stream per pair). When the two jobs ran with the same seed and number of
  replications (common random numbers: replication i of both used the same random stream) the
  resampling is PAIRED -- the same replication indices for A and B -- which keeps that correlation;
  otherwise A and B are resampled independently. A median beyond the horizon is +inf in a
  resample: a CI limit that falls on such resamples is open (``inf``).
- **share collapsed** within the horizon: Newcombe's hybrid score interval for a difference of
  two proportions (from the two Wilson intervals; independent samples, so conservative under
  common random numbers).

Writes ``compare.csv``, ``compare_survival.png`` (survival curves of A and B per job, shared axes)
and ``compare_medians.png`` (median and share collapsed against the first swept parameter, A and B
on shared axes) to ``--out`` (default ``compare/<A>_vs_<B>``), and prints the table. Folders that
cannot be compared -- missing, not a sweep, different swept parameters or horizons, no job in
common -- end with one line on stderr and exit code 2; never a traceback.
"""

from __future__ import annotations

import argparse
import itertools
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np
from sim.common.files import display_path

EXIT_USAGE = 2
EXIT_ERROR = 1
DEFAULT_RESAMPLES = 2000
ALPHA = 0.05
CSV_FILE = "compare.csv"
SURVIVAL_FILE = "compare_survival.png"
MEDIANS_FILE = "compare_medians.png"
MAX_PANELS = 16


class CompareError(Exception):
    """Two folders that cannot be compared; ``str()`` is the one line shown after ``error:``."""


# --- fast Kaplan-Meier medians for the bootstrap ---------------------------------------------------

def _sort_order(durations: np.ndarray, events: np.ndarray) -> np.ndarray:
    """Order by time, collapses before censorings at the same time (Kaplan-Meier's convention)."""
    return np.lexsort((~events.astype(bool), durations))


def km_median(durations: Sequence[float], events: Sequence[bool]) -> float:
    """The first time the Kaplan-Meier curve falls to 0.5 or below; ``inf`` if it never does."""
    d = np.asarray(durations, dtype=float)
    e = np.asarray(events, dtype=bool)
    order = _sort_order(d, e)
    return float(_medians(d[order][None, :], e[order][None, :])[0])


def _medians(d_sorted: np.ndarray, e_sorted: np.ndarray) -> np.ndarray:
    """Row-wise KM median of samples already sorted as by :func:`_sort_order` (shape B x n).

    Within tied times the product of (1 - 1/at_risk) over single collapses equals the grouped
    factor (1 - d/n), so the per-observation cumulative product is the Kaplan-Meier curve.
    """
    b, n = d_sorted.shape
    at_risk = n - np.arange(n, dtype=float)
    factor = np.where(e_sorted, 1.0 - 1.0 / at_risk, 1.0)
    surv = np.cumprod(factor, axis=1)
    hit = surv <= 0.5 + 1e-12
    reached = hit.any(axis=1)
    first = hit.argmax(axis=1)
    return np.where(reached, d_sorted[np.arange(b), first], np.inf)


def bootstrap_medians(durations: np.ndarray, events: np.ndarray, resample: np.ndarray) -> np.ndarray:
    """KM median of each bootstrap sample; ``resample`` holds replication indices (B x n)."""
    d = np.asarray(durations, dtype=float)
    e = np.asarray(events, dtype=bool)
    order = _sort_order(d, e)
    rank = np.empty(d.size, dtype=np.int64)
    rank[order] = np.arange(d.size)
    pos = np.sort(rank[resample], axis=1)   # the resample in sorted order, without re-sorting values
    return _medians(d[order][pos], e[order][pos])


def percentile_ci(values: np.ndarray, alpha: float = ALPHA) -> tuple[float, float]:
    """Percentile interval by order statistics; NaN (inf - inf) widens both ends to infinity."""
    b = values.size
    k = int(math.floor(alpha / 2 * b))
    lo = np.sort(np.where(np.isnan(values), -np.inf, values))[k]
    hi = np.sort(np.where(np.isnan(values), np.inf, values))[b - 1 - k]
    return float(lo), float(hi)


def newcombe_diff(k_a: int, n_a: int, k_b: int, n_b: int) -> tuple[float, float, float]:
    """p_B - p_A and its 95% hybrid score interval (Newcombe 1998, method 10)."""
    from sim.experiment.replicate import wilson_interval

    pa, pb = k_a / n_a, k_b / n_b
    la, ua = wilson_interval(k_a, n_a)
    lb, ub = wilson_interval(k_b, n_b)
    d = pb - pa
    lo = d - math.sqrt((pb - lb) ** 2 + (ua - pa) ** 2)
    hi = d + math.sqrt((ub - pb) ** 2 + (pa - la) ** 2)
    return d, max(-1.0, lo), min(1.0, hi)


# --- matching ---------------------------------------------------------------------------------------

@dataclass
class Pair:
    values: dict[str, Any]
    a: Any            # sim.sweep.aggregate.Job or None
    b: Any
    row: dict[str, Any] | None = None


def _key(values: dict[str, Any], keys: Sequence[str]) -> tuple:
    from sim.sweep.aggregate import format_value

    out = []
    for k in keys:
        v = values.get(k)
        out.append(float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else format_value(v))
    return tuple(out)


def load_pair(path_a: str, path_b: str) -> tuple[Any, Any, list[Pair]]:
    """Read both sweeps and match their jobs; raise :class:`CompareError` when they cannot be compared."""
    from sim.sweep.aggregate import SweepError, read_sweep

    sweeps = []
    for name, p in (("SWEEP_A", path_a), ("SWEEP_B", path_b)):
        try:
            sweeps.append(read_sweep(p))
        except SweepError as e:
            raise CompareError(f"{name}: {e}") from None
    a, b = sweeps
    if set(a.params) != set(b.params):
        fa = ", ".join(a.params) or "nothing"
        fb = ", ".join(b.params) or "nothing"
        raise CompareError(f"cannot compare: {path_a} sweeps {fa} but {path_b} sweeps {fb}; "
                           f"compare sweeps over the same parameters")
    if not a.params:
        raise CompareError(f"cannot compare: {path_a} and {path_b} sweep no parameter")
    for name, s in (("SWEEP_A", a), ("SWEEP_B", b)):
        if not s.finished:
            raise CompareError(f"{name}: {s.path} has no finished job")
    ha = sorted({j.horizon_days for j in a.finished})
    hb = sorted({j.horizon_days for j in b.finished})
    if ha != hb or len(ha) != 1:
        raise CompareError(f"cannot compare: horizons differ ({path_a}: {_days(ha)}; {path_b}: {_days(hb)}); "
                           f"collapse shares and censored medians are only comparable at one horizon")
    keys = list(a.params)
    b_jobs = {_key(j.values, keys): j for j in b.jobs}
    pairs = []
    for j in a.jobs:
        other = b_jobs.pop(_key(j.values, keys), None)
        if other is not None:
            pairs.append(Pair(dict(j.values), j, other))
    if not pairs:
        raise CompareError(f"cannot compare: no job of {path_a} has the same swept values as one of {path_b}")
    return a, b, pairs


def _days(hs: Sequence[float]) -> str:
    return ", ".join(f"{h:g}" for h in hs) + " days"


# --- statistics ---------------------------------------------------------------------------------------

def compare_pair(pair: Pair, horizon: float, rng: np.random.Generator, resamples: int) -> dict[str, Any]:
    """One row of the table: both jobs' median and share collapsed, and their differences B - A."""
    from sim.experiment.replicate import wilson_interval
    from sim.experiment.survival import kaplan_meier

    a, b = pair.a, pair.b
    row: dict[str, Any] = dict(pair.values)
    fields = ("n_a", "n_b", "median_a", "median_a_ci_low", "median_a_ci_high", "median_b", "median_b_ci_low",
              "median_b_ci_high", "median_diff", "median_diff_ci_low", "median_diff_ci_high", "median_diff_text",
              "share_a", "share_a_ci_low", "share_a_ci_high", "share_b", "share_b_ci_low", "share_b_ci_high",
              "share_diff", "share_diff_ci_low", "share_diff_ci_high", "bootstrap", "note")
    row.update({f: None for f in fields})
    if not (a.finished and b.finished):
        row["note"] = "; ".join(f"{w} {j.status}: {j.error}" for w, j in (("A", a), ("B", b)) if not j.finished)
        return row
    na, nb = int(a.durations.size), int(b.durations.size)
    ka, kb = int(a.collapsed.sum()), int(b.collapsed.sum())
    km_a, km_b = kaplan_meier(a.durations, a.collapsed), kaplan_meier(b.durations, b.collapsed)
    row.update({"n_a": na, "n_b": nb,
                "median_a": km_a.median, "median_a_ci_low": km_a.median_ci[0], "median_a_ci_high": km_a.median_ci[1],
                "median_b": km_b.median, "median_b_ci_low": km_b.median_ci[0], "median_b_ci_high": km_b.median_ci[1]})
    paired = na == nb and a.seed is not None and a.seed == b.seed
    ra = rng.integers(0, na, size=(resamples, na))
    rb = ra if paired else rng.integers(0, nb, size=(resamples, nb))
    ma = bootstrap_medians(a.durations, a.collapsed, ra)
    mb = bootstrap_medians(b.durations, b.collapsed, rb)
    with np.errstate(invalid="ignore"):
        diffs = mb - ma
    lo, hi = percentile_ci(diffs)
    pa_hat = km_median(a.durations, a.collapsed)
    pb_hat = km_median(b.durations, b.collapsed)
    if math.isfinite(pa_hat) and math.isfinite(pb_hat):
        est = pb_hat - pa_hat
        text = f"{est:+.0f}"
    elif math.isfinite(pa_hat):
        est, text = None, f">{horizon - pa_hat:+.0f}"      # B's median is beyond the horizon
    elif math.isfinite(pb_hat):
        est, text = None, f"<{pb_hat - horizon:+.0f}"      # A's median is beyond the horizon
    else:
        est, text = None, f"both >{horizon:g}"
    ci = "" if text.startswith("both") else f" [{_open(lo)}, {_open(hi)}]"
    row.update({"median_diff": est, "median_diff_ci_low": lo if math.isfinite(lo) else None,
                "median_diff_ci_high": hi if math.isfinite(hi) else None, "median_diff_text": text + ci})
    d, dlo, dhi = newcombe_diff(ka, na, kb, nb)
    wa, wb = wilson_interval(ka, na), wilson_interval(kb, nb)
    row.update({"share_a": ka / na, "share_a_ci_low": wa[0], "share_a_ci_high": wa[1],
                "share_b": kb / nb, "share_b_ci_low": wb[0], "share_b_ci_high": wb[1],
                "share_diff": d, "share_diff_ci_low": dlo, "share_diff_ci_high": dhi,
                "bootstrap": "paired" if paired else "independent"})
    row["note"] = ""
    return row


def _open(x: float) -> str:
    if x == math.inf:
        return "inf"
    if x == -math.inf:
        return "-inf"
    return f"{x:+.0f}"


def compare(path_a: str, path_b: str, seed: int = 0, resamples: int = DEFAULT_RESAMPLES):
    """Match and compare two sweeps; return (sweep A, sweep B, pairs with their rows filled in)."""
    a, b, pairs = load_pair(path_a, path_b)
    horizon = a.horizon_days
    streams = np.random.SeedSequence(seed).spawn(len(pairs))
    for pair, ss in zip(pairs, streams):
        pair.row = compare_pair(pair, horizon, np.random.default_rng(ss), resamples)
    return a, b, pairs


# --- output -----------------------------------------------------------------------------------------

def _median_text(m: float | None, lo: float | None, hi: float | None, horizon: float) -> str:
    from sim.sweep.aggregate import median_text

    return median_text(m, (lo, hi), horizon)


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.0f}%"


def format_table(a: Any, b: Any, pairs: Sequence[Pair], seed: int, resamples: int) -> str:
    from sim.sweep.aggregate import format_value

    horizon = a.horizon_days
    keys = list(a.params)
    head = [*keys, "N A/B", "median A [95% CI]", "median B [95% CI]", "B - A days [95% CI]",
            "collapsed A", "collapsed B", "B - A points [95% CI]", "note"]
    body = [head]
    for p in pairs:
        r = p.row
        if r["n_a"] is None:
            body.append([*(format_value(p.values[k]) for k in keys), "-", "-", "-", "-", "-", "-", "-", r["note"]])
            continue
        sd = (f"{100 * r['share_diff']:+.0f} [{100 * r['share_diff_ci_low']:+.0f}, "
              f"{100 * r['share_diff_ci_high']:+.0f}]")
        body.append([*(format_value(p.values[k]) for k in keys), f"{r['n_a']}/{r['n_b']}",
                     _median_text(r["median_a"], r["median_a_ci_low"], r["median_a_ci_high"], horizon),
                     _median_text(r["median_b"], r["median_b_ci_low"], r["median_b_ci_high"], horizon),
                     r["median_diff_text"], _pct(r["share_a"]), _pct(r["share_b"]), sd, r["note"] or ""])
    widths = [max(len(str(row[i])) for row in body) for i in range(len(head))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip() for row in body]
    kinds = sorted({p.row["bootstrap"] for p in pairs if p.row.get("bootstrap")})
    paired = ("paired by replication (same seed and replications in A and B: common random numbers)"
              if kinds == ["paired"] else "independent resamples of A and B" if kinds == ["independent"]
              else "paired where A and B share seed and replications, else independent")
    notes = [
        f"A: {display_path(a.path)}" + _fixed(a),
        f"B: {display_path(b.path)}" + _fixed(b),
        f"B - A over {len(pairs)} jobs with the same swept values; horizon {horizon:g} days "
        f"(a median '>{horizon:g}' is beyond it).",
        f"95% CI of the median difference: percentile bootstrap over replications, {resamples} resamples, "
        f"{paired}, numpy SeedSequence({seed}); 'inf' = open limit (medians beyond the horizon).",
        "95% CI of the difference in share collapsed (percentage points): Newcombe's hybrid score interval.",
    ]
    unmatched = _unmatched(a, b, pairs)
    if unmatched:
        notes.append(unmatched)
    return "\n".join(notes + [""] + lines)


def _fixed(sweep: Any) -> str:
    """The sweep's other overrides (what else it set), without those that do not change results."""
    from sim.sweep.jobs import NON_RESULT_KEYS

    kept = [o for o in sweep.fixed if o.lstrip("+~").split("=", 1)[0] not in NON_RESULT_KEYS]
    return f"  (also set: {' '.join(kept)})" if kept else ""


def _unmatched(a: Any, b: Any, pairs: Sequence[Pair]) -> str:
    keys = list(a.params)
    matched = {_key(p.values, keys) for p in pairs}
    only_a = [j.label(keys) for j in a.jobs if _key(j.values, keys) not in matched]
    only_b = [j.label(b.params) for j in b.jobs if _key(j.values, keys) not in matched]
    parts = []
    if only_a:
        parts.append(f"only in A (not compared): {'; '.join(only_a)}")
    if only_b:
        parts.append(f"only in B (not compared): {'; '.join(only_b)}")
    return "\n".join(parts)


def _compare_context(a: Any, b: Any, pairs: Sequence[Pair]) -> str:
    """N per job, horizon and each sweep's parameter source, for the compare plots' titles."""
    from sim.sweep.plots import sweep_context

    rows = [p.row for p in pairs if p.row and p.row.get("n_a") is not None]
    na = sorted({r["n_a"] for r in rows})
    nb = sorted({r["n_b"] for r in rows})
    n = (f"N = {na[0]}/{nb[0]} runs per job (A/B)" if len(na) == 1 and len(nb) == 1
         else "N differs between jobs (compare.csv)")
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

    from sim.sweep.aggregate import format_value
    from sim.common.figures import png_bytes
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
                ax.text(0.5, 0.1 if name == "A" else 0.2, f"{name}: job {job.status}", transform=ax.transAxes,
                        ha="center", color="tab:red", fontsize=8)
                continue
            km, t, s, lo, hi = _curve(job.durations, job.collapsed, horizon)
            ax.fill_between(t, lo, hi, step="post", color=color, alpha=0.12, linewidth=0)
            ax.step(t, s, where="post", color=color, linestyle=ls, linewidth=1.6)
        ax.axhline(0.5, color="grey", linestyle=":", linewidth=1)
        ax.set_title(", ".join(f"{k}={format_value(p.values[k])}" for k in keys), fontsize=9)
        ax.set_xlim(0, horizon)
        ax.set_ylim(0, 1.02)
        ax.grid(True, alpha=0.3)
    for ax in list(axes.flat)[len(shown):]:
        ax.set_visible(False)
    label_survival_grid(axes, len(shown))
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color=c, linestyle=ls, linewidth=1.6, label=f"{n}: {display_path(s.path)}")
               for (n, c, ls), s in zip(styles, (a, b))]
    fig.legend(handles=handles, loc="lower center", ncol=2, fontsize=9, frameon=False)
    fig.suptitle("Ceasefire survival (Kaplan-Meier, 95% band): sweep A vs sweep B, job by job\n"
                 + _compare_context(a, b, pairs), fontsize=11)
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
    from sim.sweep.aggregate import format_value, same_value
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
                p = next((p for p in pairs if same_value(p.values[xk], xv)
                          and all(same_value(p.values[k], v) for k, v in g.items())), None)
                if p is None or p.row["n_a"] is None:
                    continue
                r = p.row
                m, lo, hi = r[f"median_{which}"], r[f"median_{which}_ci_low"], r[f"median_{which}_ci_high"]
                points.append({"index": i, "x": i + dx + (gi - (len(groups) - 1) / 2) * width * 0.5,
                               "median": m, "y": horizon if m is None else m, "ci_low": lo, "ci_high": hi,
                               "censored": m is None, "open_upper": m is None or hi is None,
                               "label": f">{horizon:g}" if m is None else f"{m:.0f}",
                               "share": r[f"share_{which}"], "share_ci": (r[f"share_{which}_ci_low"],
                                                                         r[f"share_{which}_ci_high"])})
            segments = [((p0["x"], p0["y"]), (p1["x"], p1["y"])) for p0, p1 in zip(points, points[1:])
                        if p1["index"] == p0["index"] + 1 and not p0["censored"] and not p1["censored"]]
            share_segments = [((p0["x"], p0["share"]), (p1["x"], p1["share"])) for p0, p1 in zip(points, points[1:])
                              if p1["index"] == p0["index"] + 1]
            series[which] = {"points": points, "segments": segments, "share_segments": share_segments}
        out_groups.append({"values": g, "color": color, "series": series,
                           "label": ", ".join(f"{k}={format_value(v)}" for k, v in g.items())})
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

    from sim.sweep.aggregate import format_value
    from sim.common.figures import png_bytes
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
                if lo is not None:   # the lower limit, also under a censored median
                    ax_m.plot([p["x"], p["x"]], [lo, p["y"]], color=color, linewidth=1.1)
                    ax_m.plot([p["x"] - 0.025, p["x"] + 0.025], [lo, lo], color=color, linewidth=1.1)
                if not p["censored"] and p["ci_high"] is not None:
                    ax_m.plot([p["x"], p["x"]], [p["y"], p["ci_high"]], color=color, linewidth=1.1)
                    ax_m.plot([p["x"] - 0.025, p["x"] + 0.025], [p["ci_high"]] * 2, color=color, linewidth=1.1)
                if p["open_upper"]:  # the median or its upper limit lies beyond the horizon
                    ax_m.annotate("", xy=(p["x"], horizon + arrow), xytext=(p["x"], p["y"]),
                                  arrowprops=dict(arrowstyle="->", color=color, linewidth=1.1))
                ax_m.plot([p["x"]], [p["y"]], marker=marker, color=color, markersize=7, linestyle="",
                          markerfacecolor="white" if p["censored"] else color, markeredgewidth=1.5, zorder=4)
                if p["censored"]:
                    any_censored = True
                    ax_m.text(p["x"], horizon + arrow * 1.15, p["label"], rotation=90, ha="center", va="bottom",
                              fontsize=7, color=color)
            if s["share_segments"]:
                ax_s.add_collection(LineCollection(s["share_segments"], colors=[color], linestyles=ls,
                                                   linewidths=1.5))
            for p in s["points"]:
                lo, hi = p["share_ci"]
                yerr = [[max(p["share"] - lo, 0.0)], [max(hi - p["share"], 0.0)]]
                ax_s.errorbar([p["x"]], [p["share"]], yerr=yerr, color=color, marker=marker, markersize=7,
                              linestyle="", capsize=3)
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
    handles = [Line2D([], [], color="black", marker=SWEEP_STYLE[w][1], linestyle=SWEEP_STYLE[w][2],
                      label=f"{SWEEP_STYLE[w][0]}: {display_path(s.path)}") for w, s in (("a", a), ("b", b))]
    if any_censored:
        handles.append(Line2D([], [], color="black", marker="o", markerfacecolor="white", linestyle="",
                              label=f"median >{horizon:g} d (censored: not joined)"))
    handles.append(Line2D([], [], color="grey", linestyle=":", label=f"horizon ({horizon:g} d)"))
    if len(d["groups"]) > 1 or d["groups"][0]["label"]:
        handles += [Line2D([], [], color=g["color"], linewidth=3, label=g["label"]) for g in d["groups"]]
    ncol = len(handles) if len(handles) <= 5 else math.ceil(len(handles) / 2)
    fig.legend(handles=handles, loc="lower center", ncol=ncol, fontsize=8, frameon=False)
    if d["not_shown"]:
        fig.text(0.99, 0.005, "not shown (a job did not finish): " + "; ".join(d["not_shown"]), ha="right",
                 va="bottom", fontsize=8, color="tab:red")
    fig.suptitle(f"Sweep A vs sweep B by {d['x_key']}\n{_compare_context(a, b, pairs)}", fontsize=11)
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    return png_bytes(fig)


def default_out(path_a: str, path_b: str) -> Path:
    def name(p: str) -> str:
        parts = Path(p).resolve().parts[-2:]
        return "_".join(parts).replace(" ", "_")

    return Path("compare") / f"{name(path_a)}_vs_{name(path_b)}"


# --- command line -----------------------------------------------------------------------------------

class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2 (argparse would print its usage too)
        print(f"error: {message}; see ceasefire-compare --help", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="ceasefire-compare",
                description="Compare two sweeps over the same parameters (folders written by "
                            "'ceasefire-sim -m ...'): side-by-side plots and a table of B - A in median "
                            "durability and share collapsed, with 95%% CIs.")
    p.add_argument("sweep_a", metavar="SWEEP_A", help="the first sweep folder (multirun/<date>/<time>)")
    p.add_argument("sweep_b", metavar="SWEEP_B", help="the second sweep folder")
    p.add_argument("--out", metavar="DIR", help="output folder (default: compare/<A>_vs_<B>)")
    p.add_argument("--seed", type=int, default=0, help="seed of the bootstrap (default 0)")
    p.add_argument("--resamples", type=int, default=DEFAULT_RESAMPLES,
                   help=f"bootstrap resamples (default {DEFAULT_RESAMPLES}, at least 200)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        return run(args)
    except CompareError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("\ninterrupted; nothing written", file=sys.stderr)
        return 130
    except Exception as e:  # noqa: BLE001 -- never a traceback
        first = next((line.strip() for line in str(e).splitlines() if line.strip()), "")
        print(f"error: ceasefire-compare failed: {type(e).__name__}" + (f": {first}" if first else ""),
              file=sys.stderr)
        return EXIT_ERROR


def run(args: argparse.Namespace) -> int:
    from sim.common.files import write_atomic
    from sim.sweep.aggregate import rows_csv

    if args.seed < 0:
        raise CompareError(f"--seed {args.seed}: allowed an integer >= 0")
    if args.resamples < 200:
        raise CompareError(f"--resamples {args.resamples}: allowed an integer >= 200")
    out = Path(args.out) if args.out else default_out(args.sweep_a, args.sweep_b)
    if out.exists() and not out.is_dir():
        raise CompareError(f"--out {out} exists and is not a folder")
    a, b, pairs = compare(args.sweep_a, args.sweep_b, seed=args.seed, resamples=args.resamples)
    table = format_table(a, b, pairs, args.seed, args.resamples)
    files = {CSV_FILE: rows_csv([p.row for p in pairs]),
             SURVIVAL_FILE: survival_png(a, b, pairs),
             MEDIANS_FILE: medians_png(a, b, pairs)}
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            write_atomic(out / name, data)
    except OSError as e:
        raise CompareError(f"cannot write to {out}: {e.strerror or e}") from None
    print(table)
    print(f"outputs: {display_path(out)} ({', '.join(files)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
