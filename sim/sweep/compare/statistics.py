"""The statistics of ``ceasefire-compare``: Kaplan-Meier medians fast enough for the bootstrap, percentile
intervals, Newcombe's interval for a difference of shares, and one compared pair of jobs (a row of the table)."""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from sim.sweep.compare.matching import Pair, load_pair

DEFAULT_RESAMPLES = 2000
ALPHA = 0.05


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
    pos = np.sort(rank[resample], axis=1)  # the resample in sorted order, without re-sorting values
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
    from sim.experiment.statistics import wilson_interval

    pa, pb = k_a / n_a, k_b / n_b
    la, ua = wilson_interval(k_a, n_a)
    lb, ub = wilson_interval(k_b, n_b)
    d = pb - pa
    lo = d - math.sqrt((pb - lb) ** 2 + (ua - pa) ** 2)
    hi = d + math.sqrt((ub - pb) ** 2 + (pa - la) ** 2)
    return d, max(-1.0, lo), min(1.0, hi)


# --- one pair, all pairs ------------------------------------------------------------------------------


def compare_pair(pair: Pair, horizon: float, rng: np.random.Generator, resamples: int) -> dict[str, Any]:
    """One row of the table: both jobs' median and share collapsed, and their differences B - A."""
    from sim.experiment.statistics import wilson_interval
    from sim.experiment.survival import kaplan_meier

    a, b = pair.a, pair.b
    row: dict[str, Any] = dict(pair.values)
    fields = (
        "n_a",
        "n_b",
        "median_a",
        "median_a_ci_low",
        "median_a_ci_high",
        "median_b",
        "median_b_ci_low",
        "median_b_ci_high",
        "median_diff",
        "median_diff_ci_low",
        "median_diff_ci_high",
        "median_diff_text",
        "share_a",
        "share_a_ci_low",
        "share_a_ci_high",
        "share_b",
        "share_b_ci_low",
        "share_b_ci_high",
        "share_diff",
        "share_diff_ci_low",
        "share_diff_ci_high",
        "bootstrap",
        "note",
    )
    row.update({f: None for f in fields})
    if not (a.finished and b.finished):
        row["note"] = "; ".join(f"{w} {j.status}: {j.error}" for w, j in (("A", a), ("B", b)) if not j.finished)
        return row
    na, nb = int(a.durations.size), int(b.durations.size)
    ka, kb = int(a.collapsed.sum()), int(b.collapsed.sum())
    km_a, km_b = kaplan_meier(a.durations, a.collapsed), kaplan_meier(b.durations, b.collapsed)
    row.update(
        {
            "n_a": na,
            "n_b": nb,
            "median_a": km_a.median,
            "median_a_ci_low": km_a.median_ci[0],
            "median_a_ci_high": km_a.median_ci[1],
            "median_b": km_b.median,
            "median_b_ci_low": km_b.median_ci[0],
            "median_b_ci_high": km_b.median_ci[1],
        }
    )
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
        est, text = None, f">{horizon - pa_hat:+.0f}"  # B's median is beyond the horizon
    elif math.isfinite(pb_hat):
        est, text = None, f"<{pb_hat - horizon:+.0f}"  # A's median is beyond the horizon
    else:
        est, text = None, f"both >{horizon:g}"
    ci = "" if text.startswith("both") else f" [{_open(lo)}, {_open(hi)}]"
    row.update(
        {
            "median_diff": est,
            "median_diff_ci_low": lo if math.isfinite(lo) else None,
            "median_diff_ci_high": hi if math.isfinite(hi) else None,
            "median_diff_text": text + ci,
        }
    )
    d, dlo, dhi = newcombe_diff(ka, na, kb, nb)
    wa, wb = wilson_interval(ka, na), wilson_interval(kb, nb)
    row.update(
        {
            "share_a": ka / na,
            "share_a_ci_low": wa[0],
            "share_a_ci_high": wa[1],
            "share_b": kb / nb,
            "share_b_ci_low": wb[0],
            "share_b_ci_high": wb[1],
            "share_diff": d,
            "share_diff_ci_low": dlo,
            "share_diff_ci_high": dhi,
            "bootstrap": "paired" if paired else "independent",
        }
    )
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
