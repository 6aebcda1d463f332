"""Cox proportional-hazards table of a sweep: hazard ratio of collapse per swept value, 95% CI.

One model over every replication of every finished job (lifelines ``CoxPHFitter``, Efron ties):
duration ``durability_days``, event ``collapsed`` (runs still holding are censored at the horizon),
and each swept parameter as a FACTOR -- one indicator per value against a reference value -- so no
shape (linear, log) is imposed on its effect. Hazard ratio < 1: the ceasefire collapses more slowly
than at the reference value (it lasts longer); > 1: faster.

- The reference of a factor is its first swept value (in the order of the sweep) at which at least
  one replication collapsed.
- A value at which no replication collapsed has a hazard ratio of 0 with an infinite interval
  (the maximum-likelihood estimate does not exist): it is reported as not estimable, and its
  replications are left out of the fit -- which is exactly the limit of the fit as that hazard
  ratio goes to 0, so the other hazard ratios are unaffected by leaving them out.
- Replications of jobs run with the same seed share random streams (common random numbers); the
  model treats them as independent, which makes intervals for differences between values
  conservative rather than too narrow.
- Proportional hazards is an assumption: an effect that changes over time (an observer withdrawn
  on day 90) gives an average hazard ratio; read it together with the survival curves.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.common.values import same_value
from sim.sweep.aggregate import Sweep, format_value, rows_csv

METHOD = (
    "Cox proportional hazards over all replications (lifelines CoxPHFitter, Efron ties); "
    "swept parameters as factors against a reference value; runs holding at the horizon censored"
)


@dataclass
class CoxRow:
    """One value of a swept factor: its hazard ratio against the reference, 95% CI and p, or why none."""

    factor: str
    level: Any
    reference: Any
    replications: int
    collapses: int
    hazard_ratio: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p: float | None = None
    note: str = ""


@dataclass
class CoxTable:
    """The Cox fit of a sweep: one row per swept value, the replications and collapses fitted."""

    rows: list[CoxRow]
    replications: int  # replications in the fit
    collapses: int
    note: str = ""  # why there is no fit, if there is none
    method: str = METHOD
    left_out: int = 0  # replications left out (values without any collapse)
    factors: list[str] = field(default_factory=list)


def _factor_data(sweep: Sweep) -> tuple[dict[str, list], np.ndarray, np.ndarray]:
    """Per swept key the value of each replication, and all durations and collapse flags."""
    values: dict[str, list] = {k: [] for k in sweep.params}
    durations, events = [], []
    for job in sweep.finished:
        n = job.durations.size
        for k in sweep.params:
            values[k].extend([job.values.get(k)] * n)
        durations.append(job.durations)
        events.append(job.collapsed)
    if not durations:
        return values, np.zeros(0), np.zeros(0, dtype=bool)
    return values, np.concatenate(durations), np.concatenate(events)


def cox_table(sweep: Sweep) -> CoxTable:
    """Fit the model; return one row per swept value (reference rows included)."""
    values, durations, events = _factor_data(sweep)
    n_all = int(durations.size)
    rows: list[CoxRow] = []
    keep = np.ones(n_all, dtype=bool)
    columns: list[tuple[str, Any, np.ndarray]] = []  # (factor, level, indicator)
    for k in sweep.params:
        v = values[k]
        levels = [lv for lv in sweep.levels[k] if any(same_value(x, lv) for x in v)]
        masks = {i: np.array([same_value(x, lv) for x in v], dtype=bool) for i, lv in enumerate(levels)}
        counts = {i: (int(m.sum()), int(events[m].sum())) for i, m in masks.items()}
        ref_i = next((i for i in masks if counts[i][1] > 0), None)
        ref = levels[ref_i] if ref_i is not None else None
        for i, lv in enumerate(levels):
            n, e = counts[i]
            row = CoxRow(k, lv, ref, n, e)
            if i == ref_i:
                row.hazard_ratio, row.note = 1.0, "reference"
            elif e == 0:
                row.note = f"no collapse in {n} runs: hazard ratio not estimable (-> 0); left out of the fit"
                keep &= ~masks[i]
            else:
                columns.append((k, lv, masks[i]))
            rows.append(row)
    table = CoxTable(
        rows, int(keep.sum()), int(events[keep].sum()), left_out=int((~keep).sum()), factors=list(sweep.params)
    )
    if n_all == 0:
        table.note = "no finished job: nothing to fit"
        return table
    if events.sum() == 0:
        for row in rows:
            row.note = ""
        return CoxTable(
            rows,
            n_all,
            0,
            note="no replication collapsed: hazard ratios cannot be estimated",
            factors=list(sweep.params),
        )
    cols = [(k, lv, m[keep]) for k, lv, m in columns]
    cols = [c for c in cols if 0 < c[2].sum() < c[2].size]
    if not cols:
        table.note = "nothing varies with an estimable effect: no model to fit"
        return table
    import pandas as pd
    from lifelines import CoxPHFitter

    df = pd.DataFrame({f"x{i}": c[2].astype(float) for i, c in enumerate(cols)})
    df["duration"] = durations[keep]
    df["event"] = events[keep].astype(int)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cph = CoxPHFitter(alpha=0.05)
            cph.fit(df, duration_col="duration", event_col="event")
        s = cph.summary
    except Exception as e:  # noqa: BLE001 -- lifelines' convergence errors and the like
        first = next((line for line in str(e).splitlines() if line.strip()), type(e).__name__)
        table.note = f"the Cox model could not be fitted: {first.strip()}"
        return table
    by_level = {(k, format_value(lv)): f"x{i}" for i, (k, lv, _) in enumerate(cols)}
    for row in rows:
        name = by_level.get((row.factor, format_value(row.level)))
        if name is None:
            if row.note == "" and row.hazard_ratio is None:
                row.note = "no runs left in the fit"
            continue
        r = s.loc[name]
        row.hazard_ratio = float(r["exp(coef)"])
        row.ci_low = float(r["exp(coef) lower 95%"])
        row.ci_high = float(r["exp(coef) upper 95%"])
        row.p = float(r["p"])
    return table


def cox_rows(table: CoxTable) -> list[dict[str, Any]]:
    """The table's rows as dicts, the columns of ``cox.csv``."""
    return [
        {
            "factor": r.factor,
            "level": r.level,
            "reference": r.reference,
            "replications": r.replications,
            "collapses": r.collapses,
            "hazard_ratio": r.hazard_ratio,
            "ci_low": r.ci_low,
            "ci_high": r.ci_high,
            "p": r.p,
            "note": r.note or (table.note if r.hazard_ratio is None else ""),
        }
        for r in table.rows
    ]


def cox_csv(table: CoxTable) -> str:
    """``cox.csv``: one row per swept value (hazard ratio, 95% CI, p, note)."""
    return rows_csv(cox_rows(table))


def _num(x: float | None, digits: int = 2) -> str:
    if x is None or not math.isfinite(x):
        return "-"
    if x != 0 and (abs(x) < 10**-digits or abs(x) >= 1e4):
        return f"{x:.1e}"
    return f"{x:.{digits}f}"


def _p(p: float | None) -> str:
    if p is None:
        return "-"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def format_cox(table: CoxTable) -> str:
    """The table as printed at the end of a sweep."""
    if not any(r.hazard_ratio is not None and r.note != "reference" for r in table.rows):
        return (
            f"Cox proportional hazards: {table.note or 'nothing estimable'} "
            f"({table.replications} replications, {table.collapses} collapses)."
        )
    head = (
        f"Cox proportional hazards: hazard ratio of collapse vs the reference value "
        f"({table.replications} replications, {table.collapses} collapses"
        + (f"; {table.left_out} left out: values without any collapse" if table.left_out else "")
        + "). HR < 1: the ceasefire lasts longer."
    )
    lines = [head]
    if table.note:
        lines.append(f"  {table.note}")
    body = [("factor", "value", "vs", "runs", "collapses", "HR", "95% CI", "p", "note")]
    for r in table.rows:
        ci = "-" if r.ci_low is None else f"[{_num(r.ci_low)}, {_num(r.ci_high)}]"
        body.append(
            (
                r.factor,
                format_value(r.level),
                "-" if r.reference is None else format_value(r.reference),
                str(r.replications),
                str(r.collapses),
                _num(r.hazard_ratio),
                ci,
                _p(r.p),
                r.note,
            )
        )
    widths = [max(len(row[i]) for row in body) for i in range(len(body[0]))]
    for row in body:
        lines.append("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
    return "\n".join(lines)
