"""The table ``ceasefire-compare`` prints (its rows are also ``compare.csv``)."""

from __future__ import annotations

from typing import Any, Sequence

from sim.common.files import display_path
from sim.sweep.compare.matching import Pair, unmatched

CSV_FILE = "compare.csv"


def _median_text(m: float | None, lo: float | None, hi: float | None, horizon: float) -> str:
    from sim.sweep.aggregate import median_text

    return median_text(m, (lo, hi), horizon)


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.0f}%"


def format_table(a: Any, b: Any, pairs: Sequence[Pair], seed: int, resamples: int) -> str:
    """The comparison table: each pair's medians, shares and their differences with CIs."""
    from sim.sweep.aggregate import format_value

    horizon = a.horizon_days
    keys = list(a.params)
    head = [
        *keys,
        "N A/B",
        "median A [95% CI]",
        "median B [95% CI]",
        "B - A days [95% CI]",
        "collapsed A",
        "collapsed B",
        "B - A points [95% CI]",
        "note",
    ]
    body = [head]
    for p in pairs:
        r = p.row
        if r["n_a"] is None:
            body.append([*(format_value(p.values[k]) for k in keys), "-", "-", "-", "-", "-", "-", "-", r["note"]])
            continue
        sd = f"{100 * r['share_diff']:+.0f} [{100 * r['share_diff_ci_low']:+.0f}, {100 * r['share_diff_ci_high']:+.0f}]"
        body.append(
            [
                *(format_value(p.values[k]) for k in keys),
                f"{r['n_a']}/{r['n_b']}",
                _median_text(r["median_a"], r["median_a_ci_low"], r["median_a_ci_high"], horizon),
                _median_text(r["median_b"], r["median_b_ci_low"], r["median_b_ci_high"], horizon),
                r["median_diff_text"],
                _pct(r["share_a"]),
                _pct(r["share_b"]),
                sd,
                r["note"] or "",
            ]
        )
    widths = [max(len(str(row[i])) for row in body) for i in range(len(head))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip() for row in body]
    kinds = sorted({p.row["bootstrap"] for p in pairs if p.row.get("bootstrap")})
    paired = (
        "paired by replication (same seed and replications in A and B: common random numbers)"
        if kinds == ["paired"]
        else "independent resamples of A and B"
        if kinds == ["independent"]
        else "paired where A and B share seed and replications, else independent"
    )
    notes = [
        f"A: {display_path(a.path)}" + _fixed(a),
        f"B: {display_path(b.path)}" + _fixed(b),
        f"B - A over {len(pairs)} jobs with the same swept values; horizon {horizon:g} days "
        f"(a median '>{horizon:g}' is beyond it).",
        f"95% CI of the median difference: percentile bootstrap over replications, {resamples} resamples, "
        f"{paired}, numpy SeedSequence({seed}); 'inf' = open limit (medians beyond the horizon).",
        "95% CI of the difference in share collapsed (percentage points): Newcombe's hybrid score interval.",
    ]
    only = unmatched(a, b, pairs)
    if only:
        notes.append(only)
    return "\n".join(notes + [""] + lines)


def _fixed(sweep: Any) -> str:
    """The sweep's other overrides (what else it set), without those that do not change results."""
    from sim.sweep.jobs import NON_RESULT_KEYS

    kept = [o for o in sweep.fixed if o.lstrip("+~").split("=", 1)[0] not in NON_RESULT_KEYS]
    return f"  (also set: {' '.join(kept)})" if kept else ""
