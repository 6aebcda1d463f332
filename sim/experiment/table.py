"""The closing table ``ceasefire-sim`` prints: one row per experiment summary (summary.json's content)."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from sim.experiment.survival import days_text
from sim.model.params import SIDES


def table_row(summary: dict) -> dict[str, str]:
    """One row of the closing table (column -> text) from a summary.json's content."""
    sc = summary["share_collapsed"]
    md = summary["median_durability_days"]
    lo, hi = sc["ci95"]
    collapsed = f"{100 * sc['estimate']:.0f}% [{100 * lo:.0f}, {100 * hi:.0f}]"
    if md["estimate"] is None:
        median = f">{summary['horizon_days']:g} (not reached)"
    else:
        h = summary["horizon_days"]
        median = f"{md['estimate']:.0f}"
        mlo, mhi = md["ci95"]
        if mlo is not None or mhi is not None:
            median += f" [{days_text(mlo, h)}, {days_text(mhi, h)}]"
    per = summary["per_replication"]
    info = summary.get("params")
    return {
        "scenario": summary["scenario"],
        "N": str(summary["replications"]),
        "collapsed [95% CI]": collapsed,
        "median days [95% CI]": median,
        "violations": f"{per['n_violations']['mean']:.1f}",
        **{f"killed {side}": f"{per['killed'][side]['mean']:.1f}" for side in SIDES},
        "params": _params_cell(info),
    }


def _params_cell(info: dict | None) -> str:
    """The closing table's ``params`` column: default, calibrated or a posterior file, its digest, fixed."""
    if not info:
        return "?"
    source = info.get("source", "?")
    text = {"default": "default", "calibrated": "calibrated"}.get(
        source, f"file:{Path(str(info.get('posterior'))).name}"
    )
    if source != "default" and info.get("posterior_sha256"):
        text += f"@{info['posterior_sha256'][:8]}"
    if info.get("fixed"):
        text += f" fixed:{','.join(info['fixed'])}"
    return text


def format_table(summaries: Sequence[dict], labels: Sequence[str] | None = None, label_header: str = "job") -> str:
    """A short fixed-width table, one row per experiment summary (optionally labelled)."""
    rows = [table_row(s) for s in summaries]
    if labels is not None:
        rows = [{label_header: label, **row} for label, row in zip(labels, rows)]
    cols = list(rows[0])
    widths = {c: max(len(c), *(len(r[c]) for r in rows)) for c in cols}
    lines = ["  ".join(c.ljust(widths[c]) for c in cols)]
    lines += ["  ".join(r[c].ljust(widths[c]) for c in cols) for r in rows]
    return "\n".join(line.rstrip() for line in lines)
