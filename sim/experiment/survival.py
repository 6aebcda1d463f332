"""Durability of the ceasefire across replications: Kaplan-Meier estimate, median and its CI, plot.

A replication ends either with a collapse (an event at ``durability_days``) or still holding at
the horizon (censored at ``horizon_days``). The median durability is the first time the
Kaplan-Meier survival curve falls to 0.5 or below; its 95% CI comes from the pointwise
exponential-Greenwood ("log-log") band: the first time each band limit falls to 0.5 or below. When the
curve (or a band limit) never falls to 0.5 within the horizon, the median (or that limit) is not
reached: ``None`` here, ``null`` in JSON.

Computed here with numpy, in the same order of operations as lifelines' ``KaplanMeierFitter`` (a test
compares the two on random samples), without importing lifelines in every sweep job. ``exp`` and ``log``
come from :mod:`sim.common.portable`, so the curve, and which time it first falls to 0.5, are the same
bytes on every CPU (lifelines' numpy calls may differ from them in the last bit).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy.special import ndtri

from sim.common import portable

ALPHA = 0.05


@dataclass(frozen=True)
class KMResult:
    """The Kaplan-Meier curve as plain arrays (time 0 first) and the median with its CI."""

    times: np.ndarray
    survival: np.ndarray
    ci_lower: np.ndarray
    ci_upper: np.ndarray
    median: float | None
    median_ci: tuple[float | None, float | None]
    n: int
    n_events: int


def kaplan_meier(durations: Sequence[float], events: Sequence[bool], alpha: float = ALPHA) -> KMResult:
    """Fit the Kaplan-Meier estimator; ``events[i]`` is True when replication i collapsed."""
    d = np.asarray(durations, dtype=float)
    e = np.asarray(events, dtype=bool)
    if d.size == 0:
        raise ValueError("no replications to estimate survival from")
    if d.size == 1:  # one run: the curve is a single step, there is no interval
        t = float(d[0])
        times = np.array([0.0, t]) if t > 0 else np.array([0.0])
        surv = np.array([1.0, 0.0 if e[0] else 1.0])[: times.size]
        return KMResult(times, surv, surv.copy(), surv.copy(), t if e[0] else None, (None, None), 1, int(e[0]))
    times, at_risk, deaths = _event_table(d, e)
    # the product-limit estimate and Greenwood's variance, summed on the log scale in lifelines' order
    # (its KaplanMeierFitter gave these bytes before; tests/sim/test_survival.py compares the two)
    with np.errstate(divide="ignore", invalid="ignore"):
        surv = portable.exp(np.cumsum(portable.log(at_risk - deaths) - portable.log(at_risk)))
        terms = deaths / (at_risk * (at_risk - deaths))
        variance = np.cumsum(np.where(np.isinf(terms), 0.0, terms))
        ci_lo, ci_hi = _exponential_greenwood_band(surv, variance, alpha)
    median = _first_at_or_below(times, surv, 0.5)
    # lower limit of the median from the lower band, upper limit from the upper band
    lo, hi = _first_at_or_below(times, ci_lo, 0.5), _first_at_or_below(times, ci_hi, 0.5)
    return KMResult(times, surv, ci_lo, ci_hi, median, (lo, hi), int(d.size), int(e.sum()))


def _event_table(durations: np.ndarray, events: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(times, at risk, deaths): time 0 first, then each distinct duration, as floats. At risk at a time
    is everyone whose duration is not earlier."""
    times, index = np.unique(durations, return_inverse=True)
    removed = np.bincount(index, minlength=times.size)
    deaths = np.bincount(index, weights=events.astype(float), minlength=times.size)
    if times[0] != 0.0:  # the start: everyone at risk, nobody removed
        times = np.concatenate(([0.0], times))
        removed, deaths = np.concatenate(([0], removed)), np.concatenate(([0.0], deaths))
    at_risk = durations.size - np.concatenate(([0], np.cumsum(removed)[:-1]))
    return times, at_risk.astype(float), deaths


def _exponential_greenwood_band(surv: np.ndarray, variance: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """The pointwise (1 - alpha) band on the log(-log) scale; where it is undefined (the estimate is 1) it
    is 1, and where the estimate is 0 it is 0."""
    z = float(ndtri(1.0 - alpha / 2.0))
    v = portable.log(surv)
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = z * np.sqrt(variance) / v
    lower = portable.exp(-portable.exp(portable.log(-v) - spread))
    upper = portable.exp(-portable.exp(portable.log(-v) + spread))
    return np.nan_to_num(lower, nan=1.0), np.nan_to_num(upper, nan=1.0)


def _first_at_or_below(times: np.ndarray, curve: np.ndarray, q: float) -> float | None:
    """The first time a non-increasing curve is at or below ``q``; None if it never is."""
    below = np.flatnonzero(curve <= q)
    return float(times[below[0]]) if below.size else None


def median_summary(km: KMResult, horizon_days: float) -> dict:
    """The median durability for summary.json (``None`` where not reached within the horizon)."""
    return {
        "estimate": _round(km.median),
        "ci95": [_round(km.median_ci[0]), _round(km.median_ci[1])],
        "reached": km.median is not None,
        "method": f"Kaplan-Meier, runs still holding censored at {horizon_days:g} days; "
        "95% CI from the exponential Greenwood band; null = not reached within the horizon",
    }


def _round(x: float | None, ndigits: int = 3) -> float | None:
    return None if x is None else round(float(x), ndigits)


def days_text(x: float | None, horizon_days: float) -> str:
    """Whole days, or ``>horizon`` when the value lies beyond the horizon (censored: ``None``)."""
    return f">{horizon_days:g}" if x is None else f"{x:.0f}"


def survival_png(km: KMResult, horizon_days: float, scenario: str) -> bytes:
    """The survival curve with its 95% band, the median and a note on censoring, as PNG bytes."""
    from matplotlib.figure import Figure

    from sim.common.figures import png_bytes

    times = np.append(km.times, horizon_days) if km.times[-1] < horizon_days else km.times
    pad = len(times) - len(km.times)
    surv = np.append(km.survival, [km.survival[-1]] * pad)
    lo = np.append(km.ci_lower, [km.ci_lower[-1]] * pad)
    hi = np.append(km.ci_upper, [km.ci_upper[-1]] * pad)

    fig = Figure(figsize=(8, 5), dpi=100)
    ax = fig.add_subplot()
    ax.fill_between(times, lo, hi, step="post", color="tab:blue", alpha=0.2, linewidth=0, label="95% confidence band")
    ax.step(times, surv, where="post", color="tab:blue", linewidth=2, label="Kaplan-Meier estimate")
    ax.axhline(0.5, color="grey", linestyle=":", linewidth=1)
    if km.median is not None:
        lo, hi = km.median_ci
        ci = (
            ""
            if lo is None and hi is None
            else f" (95% CI {days_text(lo, horizon_days)} to {days_text(hi, horizon_days)})"
        )
        ax.axvline(
            km.median, color="tab:red", linestyle="--", linewidth=1, label=f"median durability {km.median:.0f} days{ci}"
        )
    else:
        ax.plot([], [], " ", label=f"median durability not reached in {horizon_days:g} days")
    n_censored = km.n - km.n_events
    ax.set_title(f"Ceasefire survival: {scenario}, N = {km.n} replications")
    ax.set_xlabel("days since the ceasefire")
    ax.set_ylabel("share of replications with the ceasefire holding")
    ax.set_xlim(0, horizon_days)
    ax.set_ylim(0, 1.02)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower left")
    fig.text(
        0.99,
        0.01,
        f"{km.n_events} of {km.n} collapsed; {n_censored} still holding at day {horizon_days:g} (censored)",
        ha="right",
        va="bottom",
        fontsize=9,
        color="dimgrey",
    )
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    return png_bytes(fig)
