"""The validation's report: ``report.md``, ``scores.csv``, ``fan_charts.png``, ``scores.png`` and ``pit.png``.

Nothing in them depends on the machine or the clock: the same settings give the same bytes.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from sim.common.figures import png_bytes
from sim.common.files import write_atomic
from validation import scores
from validation.run import CALIBRATED, CALIBRATED_EVENTS, Validation
from validation.scoring import HEADLINE, SCORED, series

LABELS = {
    "violations": "violations",
    "with_casualties": "violations with casualties",
    "killed_ARM": "ARM killed",
    "killed_AZE": "AZE killed",
    "killed": "killed (both sides)",
}
FILES = ("report.md", "scores.csv", "fan_charts.png", "scores.png", "pit.png")


def write_report(v: Validation, out_dir: Path, provenance: str) -> None:
    """Every file of the report into ``out_dir`` (each written to a temporary name, then renamed)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(out_dir / "scores.csv", scores_csv(v))
    write_atomic(out_dir / "fan_charts.png", fan_charts_png(v))
    write_atomic(out_dir / "scores.png", scores_png(v))
    write_atomic(out_dir / "pit.png", pit_png(v))
    write_atomic(out_dir / "report.md", markdown(v, provenance))


def scores_csv(v: Validation) -> bytes:
    """``scores.csv``: one row per forecaster and quantity, the fields of :class:`ScoreRow`."""
    buf = io.StringIO()
    fields = [f.name for f in dataclasses.fields(v.rows[0])]
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(fields)
    for r in v.rows:
        w.writerow([_cell(getattr(r, f)) for f in fields])
    return buf.getvalue().encode()


def _cell(x) -> str:
    return f"{x:.6g}" if isinstance(x, float) else str(x)


# -- plots ------------------------------------------------------------------------------------------


def fan_charts_png(v: Validation) -> bytes:
    """Weekly forecasts (median, 50% and 90% bands) against the record, one row per forecaster shown."""
    shown = [v.forecast(CALIBRATED), v.forecast(CALIBRATED_EVENTS), *v.forecasts[4:]]
    quantities = ("violations", "with_casualties", "killed")
    fig = Figure(figsize=(13, 2.4 * len(shown) + 0.6), dpi=100)
    axes = fig.subplots(len(shown), len(quantities), squeeze=False, sharex=True)
    x = np.arange(v.window.n_weeks)
    labels = [d.strftime("%d %b") for d in v.window.week_starts()]
    for row, f in zip(axes, shown):
        for ax, q in zip(row, quantities):
            sample, obs = series(f.weekly, q), series(v.observed, q)
            for level, alpha in ((0.9, 0.25), (0.5, 0.45)):
                lo, hi = scores.interval(sample, level)
                ax.fill_between(
                    x, lo, hi, step="mid", color="tab:blue", alpha=alpha, lw=0, label=f"{int(level * 100)}% interval"
                )
            ax.step(x, np.median(sample, axis=0), where="mid", color="tab:blue", lw=1.2, label="median")
            ax.plot(x, obs, "o", color="black", ms=4, label="record")
            ax.set_ylim(bottom=0)
            ax.set_title(f"{f.name}: {LABELS[q]}", fontsize=9)
            ax.set_ylabel("per week", fontsize=8)
            ax.tick_params(labelsize=7)
    for ax in axes[-1]:
        ax.set_xticks(x[::2], labels[::2], rotation=45, ha="right")
        ax.set_xlabel("week starting (2022)", fontsize=8)
    axes[0][0].legend(fontsize=7, loc="upper left")
    fig.suptitle(
        f"Forecasts of {v.window.week_starts()[0]} to the end of {v.settings.until} against the "
        "validation record (black)",
        fontsize=11,
    )
    fig.tight_layout()
    return png_bytes(fig)


def scores_png(v: Validation) -> bytes:
    """Mean weekly CRPS with its 90% bootstrap interval, per forecaster, for each quantity."""
    fig = Figure(figsize=(13, 3.6), dpi=100)
    axes = fig.subplots(1, len(SCORED))
    names = [f.name for f in v.forecasts]
    colours = ["tab:blue", "tab:cyan", "tab:gray", "silver", "tab:orange", "tab:red"]
    for ax, q in zip(axes, SCORED):
        rows = [next(r for r in v.rows if r.forecaster == n and r.quantity == q) for n in names]
        y = np.arange(len(rows))[::-1]
        err = [[r.crps - r.crps_lo for r in rows], [r.crps_hi - r.crps for r in rows]]
        ax.barh(y, [r.crps for r in rows], xerr=err, color=colours[: len(rows)], capsize=2)
        ax.set_yticks(y, names if ax is axes[0] else [""] * len(rows), fontsize=8)
        ax.set_title(LABELS[q], fontsize=9)
        ax.set_xlabel("mean weekly CRPS (lower is better)", fontsize=7)
        ax.tick_params(labelsize=7)
    fig.suptitle("Scores on the validation window (bars: 90% bootstrap interval over weeks)", fontsize=11)
    fig.tight_layout()
    return png_bytes(fig)


def pit_png(v: Validation) -> bytes:
    """Randomised PIT histograms of the weekly headline observations, per forecaster."""
    from validation.scoring import pit_values

    return pit_histograms_png(
        [(f.name, pit_values(f, v.observed, v.settings.seed)) for f in v.forecasts],
        "weeks",
        "PIT of weekly killed and violations with casualties (flat = calibrated)",
    )


def pit_histograms_png(named: list[tuple[str, np.ndarray]], ylabel: str, title: str) -> bytes:
    """One PIT histogram (five bins, the uniform count dashed) per ``(forecaster, values)``, side by side."""
    fig = Figure(figsize=(13, 2.6), dpi=100)
    axes = fig.subplots(1, len(named), sharey=True)
    for ax, (name, values) in zip(axes, named):
        ax.hist(values, bins=5, range=(0, 1), color="tab:blue", edgecolor="white")
        ax.axhline(len(values) / 5, color="black", lw=0.8, ls="--", label="uniform")
        ax.set_title(name, fontsize=8)
        ax.set_xlabel("PIT", fontsize=8)
        ax.tick_params(labelsize=7)
    axes[0].set_ylabel(ylabel, fontsize=8)
    axes[0].legend(fontsize=7)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return png_bytes(fig)


# -- the markdown -----------------------------------------------------------------------------------


def markdown(v: Validation, provenance: str) -> str:
    """``report.md``: the window, forecasters, scores, the model against each reference, verdict, coverage, caveats."""
    s, w = v.settings, v.window
    start = (
        "the state the record implies at the end of 28 September: each position's grievance from the "
        "flare-up and the violations of 23 and 28 September (each side's own claims), the mediators' "
        "pressure after them, and no fire of the model's own before the origin"
        if s.start == "record"
        else "the ceasefire of 14 September, 20:00, ignoring what the record says happened until 28 September"
    )
    obs = {q: int(series(v.observed, q).sum()) for q in SCORED}
    lines = [
        "# Out-of-sample validation: the window after the calibration record",
        "",
        f"Window: {w.week_starts()[0]} to the end of {s.until} ({w.days:g} days, {w.n_weeks} weeks, the last "
        f"{(w.edges[-1] - w.edges[-2]) / 24:g} days long). Forecasts start from {start}.",
        "",
        f"Validation record: `{_display(v.record_path)}`, {v.n_violations} violations in the window "
        f"({obs['with_casualties']} with casualties; killed ARM {obs['killed_ARM']}, AZE {obs['killed_AZE']}, each "
        f"side's own claims); returned to war scale: {'yes' if v.observed_war else 'no'}. None of it feeds the "
        "calibration.",
        "",
        f"Settings: seed {s.seed}, {s.paths} sample paths per forecaster, {s.bootstrap} bootstrap resamples over "
        f"weeks. {provenance}",
        "",
        *verdict(v),
        "",
        "## Forecasters",
        "",
        "- **model, calibrated**: the agent model, each path on parameters drawn from the posterior, knowing "
        "only what was known on 28 September.",
        "- **model, calibrated + window events**: the same paths (common random numbers), with the window's "
        "events that the model can represent entered as a scenario:",
        *[f"  - {e}" for e in v.events_entered],
        "- **model, defaults** and **+ window events**: the same on the hand-set defaults (`sim/model/params.py`).",
        *[
            f"- **{f.name}** (reference, fitted on the calibration window only): {f.description}"
            for f in v.forecasts[4:]
        ],
        "",
        "## Scores",
        "",
        "Mean weekly CRPS (90% bootstrap interval over weeks), mean weekly log score, the CRPS and log score "
        "of the window total, and the share of weeks inside the central 50% and 90% intervals. Lower is "
        "better for every score.",
        "",
    ]
    for q in SCORED:
        lines += [
            f"### {LABELS[q]} (observed total {obs[q]})",
            "",
            "| forecaster | weekly CRPS [90% CI] | weekly log | total CRPS | total log | forecast total "
            "median [5%, 95%] | cover 50% | cover 90% |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for r in (r for r in v.rows if r.quantity == q):
            lines.append(
                f"| {r.forecaster} | {r.crps:.3f} [{r.crps_lo:.3f}, {r.crps_hi:.3f}] | {r.log_score:.3f} | "
                f"{r.total_crps:.2f} | {r.total_log_score:.2f} | {r.forecast_total_median:g} "
                f"[{r.forecast_total_lo:g}, {r.forecast_total_hi:g}] | {r.coverage50:.2f} | "
                f"{r.coverage90:.2f} |"
            )
        lines.append("")
    lines += [
        "### Return to war scale within the window",
        "",
        "| forecaster | probability | Brier | log score |",
        "|---|---|---|---|",
    ]
    lines += [f"| {r.forecaster} | {r.probability:.3f} | {r.brier:.4f} | {r.log_score:.4f} |" for r in v.war]
    lines += [
        "",
        "## The model against each reference",
        "",
        "Mean weekly CRPS of the model minus the reference's (negative: the model is better), with a 90% "
        "paired bootstrap interval over weeks and the share of resamples in which the model is better.",
        "",
        "| model | reference | quantity | difference [90% CI] | model better in | verdict |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {c.model} | {c.reference} | {LABELS[c.quantity]} | {c.difference:+.3f} [{c.lo:+.3f}, {c.hi:+.3f}] | "
        f"{c.share_model_better:.0%} | {c.verdict} |"
        for c in v.comparisons
    ]
    lines += [
        "",
        *coverage_text(v),
        "",
        *caveats(v),
        "",
        "Plots: `fan_charts.png` (weekly forecasts against the record), `scores.png` (mean weekly CRPS "
        "with intervals), `pit.png` (PIT histograms). Every row of the tables is in `scores.csv`.",
        "",
    ]
    return "\n".join(lines)


def verdict(v: Validation) -> list[str]:
    """The answer to "does the calibrated model beat the simple statistical models?", in plain words."""
    out = ["## Verdict", ""]
    for name in (CALIBRATED, CALIBRATED_EVENTS):
        for q in HEADLINE:
            cs = [c for c in v.comparisons if c.model == name and c.quantity == q]
            beaten = [c.reference for c in cs if c.difference < 0]
            lost = [c.reference for c in cs if c.difference >= 0]
            text = (f"beats {' and '.join(beaten)}" if beaten else "beats no reference") + (
                f"; loses to {' and '.join(lost)}" if lost else ""
            )
            resolved = all(c.hi < 0 for c in cs)
            out.append(
                f"- **{name}**, weekly {LABELS[q]}: {text} on mean CRPS"
                + (
                    " (every 90% interval of the difference below 0)."
                    if resolved and not lost
                    else " (not every interval of the difference excludes 0)."
                    if not lost
                    else "."
                )
            )
    pooled = pooled_coverage(v, CALIBRATED_EVENTS)
    judged = (
        "within the target of 80-95%"
        if 0.8 <= pooled <= 0.95
        else "above the target of 80-95%: its intervals are too wide"
        if pooled > 0.95
        else "below the target of 80-95%: its intervals are too narrow"
    )
    out.append(
        f"- **Coverage**: the 90% intervals of {CALIBRATED_EVENTS} hold {pooled:.0%} of the weekly values, {judged}."
    )
    return out


def pooled_coverage(v: Validation, name: str) -> float:
    """Share of weekly values of every scored quantity inside ``name``'s 90% intervals."""
    return float(np.mean([r.coverage90 for r in v.rows if r.forecaster == name]))


def coverage_text(v: Validation) -> list[str]:
    """The report's interval-coverage section: the calibrated model's pooled 90% coverage and how to read it."""
    pooled = pooled_coverage(v, CALIBRATED_EVENTS)
    return [
        "## Interval coverage",
        "",
        f"The calibrated model with the window's events covers {pooled:.0%} of the weekly values with its 90% "
        "intervals, pooled over the five quantities (target 80-95%). Where the record is zero every week "
        "(killed), any forecaster that gives zero at least a 5% chance covers every week, so coverage there "
        "cannot tell forecasters apart; the CRPS and log score can. Intervals wider than the record needs come "
        "from the posterior's spread of the violation rate (its 90% interval spans a factor of 20) and from "
        "the rare deliberate offensives, which put war-scale weeks in a few paths.",
    ]


def caveats(v: Validation) -> list[str]:
    """The report's section on what the window's data cannot tell."""
    return [
        "## What these data cannot tell",
        "",
        f"- The window is short ({v.window.n_weeks} weeks) and quiet: the intervals above come from "
        "resampling those weeks and are wide.",
        "- The record of violations without casualties is incomplete: one ministry reported fire almost daily "
        "and only the reports found in stored public pages are in the file (see its coverage notes). Weekly "
        "violations are therefore a lower bound; the headline quantities are those with casualties and the "
        "killed, which reporting covers far better.",
        "- No return to war scale happened in the window, so the Brier and log scores of that event reward "
        "a low probability; one quiet quarter cannot confirm or refute a rate of deliberate offensives.",
        "- The references never forecast war: their marks are the calibration record's losses.",
    ]


def _display(path: Path) -> str:
    """The record's path as the report names it: relative to the repository when inside it (the same
    bytes from any working directory)."""
    from sim.experiment.config import REPO_ROOT

    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)
