"""The rolling validation's report: ``report.md``, ``scores.csv``, ``origins.png`` and ``pit.png``.

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
from validation.report import LABELS, pit_histograms_png
from validation.rolling.bank import STATISTICS
from validation.rolling.run import HEADLINE, MODEL, PRIOR, QUANTITIES, RollingValidation, pit_values
from validation.scoring import series

FILES = ("report.md", "scores.csv", "origins.png", "pit.png")
COVERAGE_TARGET = (0.80, 0.95)


def write_report(v: RollingValidation, out_dir: Path, provenance: str) -> None:
    """Every file of the report into ``out_dir`` (each written to a temporary name, then renamed)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(out_dir / "scores.csv", scores_csv(v))
    write_atomic(out_dir / "origins.png", origins_png(v))
    write_atomic(out_dir / "pit.png", pit_png(v))
    write_atomic(out_dir / "report.md", markdown(v, provenance).encode())


def scores_csv(v: RollingValidation) -> bytes:
    """``scores.csv``: one row per origin, forecaster and quantity (the fields of ScoreRow)."""
    buf = io.StringIO()
    fields = [f.name for f in dataclasses.fields(v.results[0].rows[0])]
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["origin", *fields])
    for r in v.results:
        for row in (row for row in r.rows if row.quantity in QUANTITIES):
            w.writerow([r.origin.date(), *(_cell(getattr(row, f)) for f in fields)])
    return buf.getvalue().encode()


def _cell(x) -> str:
    return f"{x:.6g}" if isinstance(x, float) else str(x)


# -- plots ------------------------------------------------------------------------------------------


def origins_png(v: RollingValidation) -> bytes:
    """Each origin's forecast of the horizon total (median, 50% and 90% intervals) against the record."""
    fig = Figure(figsize=(13, 4.2), dpi=100)
    axes = fig.subplots(1, len(HEADLINE))
    x = np.arange(len(v.results))
    names = v.forecasters
    width = 0.8 / len(names)
    colours = ["tab:blue", "tab:cyan", "tab:orange", "tab:red"]
    for ax, q in zip(axes, HEADLINE):
        for j, name in enumerate(names):
            xs = x - 0.4 + width * (j + 0.5)
            for r, xi in zip(v.results, xs):
                f = next(f for f in r.forecasts if f.name == name)
                totals = series(f.weekly, q).sum(axis=1)[:, None]
                for level, lw in ((0.9, 1.0), (0.5, 4.0)):
                    lo, hi = scores.interval(totals, level)
                    ax.plot([xi, xi], [lo[0] + 0.5, hi[0] + 0.5], color=colours[j], lw=lw, solid_capstyle="butt")
            ax.plot([], [], color=colours[j], lw=4, label=name)
        obs = [int(series(r.observed, q).sum()) for r in v.results]
        ax.plot(x, np.array(obs) + 0.5, "k_", ms=14, mew=2, label="record")
        ax.set_yscale("log")
        ax.set_xticks(x, [str(r.origin.date()) for r in v.results], rotation=45, ha="right", fontsize=7)
        ax.set_title(f"{LABELS[q]} in the {v.settings.rolling.horizon_days} days after each origin", fontsize=9)
        ax.set_ylabel("total + 0.5 (log axis)", fontsize=8)
        ax.tick_params(labelsize=7)
    axes[0].legend(fontsize=7, loc="upper left")
    fig.suptitle("Rolling origins: forecast totals (thin: 90%, thick: 50% interval) against the record", fontsize=10)
    fig.tight_layout()
    return png_bytes(fig)


def pit_png(v: RollingValidation) -> bytes:
    """Randomised PIT histograms of the weekly headline values over every origin, per forecaster."""
    return pit_histograms_png(
        [(name, all_pit(v, name)[0]) for name in v.forecasters],
        "weeks (all origins)",
        "PIT of weekly killed and violations with casualties over every origin (flat = calibrated)",
    )


def all_pit(v: RollingValidation, name: str) -> tuple[np.ndarray, np.ndarray]:
    """``name``'s randomised PIT values of the headline quantities: every week, and every horizon total."""
    weekly, totals = [], []
    for r in v.results:
        for q in HEADLINE:
            w, t = pit_values(r, name, q, v.settings.seed)
            weekly.append(w)
            totals.append(t)
    return np.concatenate(weekly), np.array(totals)


# -- the markdown -----------------------------------------------------------------------------------


def markdown(v: RollingValidation, provenance: str) -> str:
    """``report.md``: origins, what each knew, scores per origin and pooled, coverage, PIT, Brier, verdict."""
    s = v.settings
    r0 = s.rolling
    lines = [
        "# Validation forecast by forecast: rolling origins",
        "",
        f"{len(v.results)} origins, {r0.step_days} days apart back from the end of the calibration record "
        f"(28 Sept 2022), the first on or after {r0.first}. From each, every forecaster forecasts the next "
        f"{r0.horizon_days} days week by week, knowing only what the records say before the origin. The "
        "record of each window is the history (`seeds/history/`) to 12 Sept 2022, the calibration record "
        "(`seeds/events.yaml`) to 28 Sept and the validation record (`seeds/validation/events.yaml`) after it.",
        "",
        f"Settings: seed {s.seed}; a bank of {r0.bank} prior draws; {r0.accept:.0%} of them kept at each origin; "
        f"{r0.paths} sample paths per forecaster and origin; {s.bootstrap} bootstrap resamples. {provenance}",
        "",
        *verdict(v),
        "",
        *forecasters_text(v),
        "",
        *origins_table(v),
        "",
        *pooled_tables(v),
        "",
        *per_origin_tables(v),
        "",
        *war_table(v),
        "",
        *pit_text(v),
        "",
        *caveats(v),
        "",
        "Plots: `origins.png` (each origin's forecast totals against the record), `pit.png` (PIT histograms "
        "over every origin). Every per-origin row is in `scores.csv`.",
        "",
    ]
    return "\n".join(lines)


def _pooled(v: RollingValidation, name: str, q: str):
    return next(p for p in v.pooled if p.forecaster == name and p.quantity == q)


def verdict(v: RollingValidation) -> list[str]:
    """Wins and losses, in plain words with the numbers."""
    out = ["## Verdict", ""]
    refs = v.forecasters[2:]
    for q in HEADLINE:
        m = _pooled(v, MODEL, q)
        parts = []
        for ref in refs:
            c = next(c for c in v.comparisons if c.model == MODEL and c.reference == ref and c.quantity == q)
            p = _pooled(v, ref, q)
            word = "wins" if c.difference < 0 else "loses"
            sure = (
                "the 90% interval of the difference excludes 0"
                if c.hi < 0 or c.lo > 0
                else "the 90% interval of the difference spans 0: not resolved"
            )
            parts.append(
                f"{word} against the {ref} ({m.crps:.3f} against {p.crps:.3f}; difference {c.difference:+.3f} "
                f"[{c.lo:+.3f}, {c.hi:+.3f}], {sure})"
            )
        out.append(f"- **Mean weekly CRPS of {LABELS[q]}**, pooled over origins: the model {'; '.join(parts)}.")
    lo, hi = COVERAGE_TARGET
    for q in HEADLINE:
        m = _pooled(v, MODEL, q)
        judged = "within" if lo <= m.total_coverage90 <= hi else "outside"
        out.append(
            f"- **Coverage of {LABELS[q]}**: the model's 90% intervals of the {v.settings.rolling.horizon_days}-day "
            f"total hold the record at {m.total_coverage90:.0%} of the origins ({judged} the target of "
            f"{lo:.0%}-{hi:.0%}), its 50% intervals at {m.total_coverage50:.0%}; weekly values: "
            f"{m.coverage90:.0%} and {m.coverage50:.0%}."
        )
    quiet = [r for r in v.results if not r.observed_war]
    if len(quiet) < len(v.results):
        crps = {
            name: float(
                np.mean(
                    [next(x.crps for x in r.rows if x.forecaster == name and x.quantity == "killed") for r in quiet]
                )
            )
            for name in v.forecasters
        }
        out.append(
            f"- **Killed without the war-scale window** (the {len(quiet)} origins whose "
            f"{v.settings.rolling.horizon_days} days held no return to war scale; mean weekly CRPS): "
            + ", ".join(f"{name} {x:.3f}" for name, x in crps.items())
            + "."
        )
    best = min(v.brier, key=v.brier.get)
    out.append(
        "- **Return to war scale** (Brier score, mean over origins; lower is better): "
        + ", ".join(f"{name} {b:.4f}" for name, b in v.brier.items())
        + f". Best: {best}."
    )
    m, p = _pooled(v, MODEL, "killed"), _pooled(v, PRIOR, "killed")
    out.append(
        f"- **What the history's reweighting adds**: mean weekly CRPS of killed {m.crps:.3f} with it, "
        f"{p.crps:.3f} on the prior alone; of violations with casualties "
        f"{_pooled(v, MODEL, 'with_casualties').crps:.3f} against {_pooled(v, PRIOR, 'with_casualties').crps:.3f}."
    )
    return out


def forecasters_text(v: RollingValidation) -> list[str]:
    """How each forecaster is built at an origin."""
    stats = ", ".join(f"`{k}`" for k in STATISTICS)
    return [
        "## Forecasters",
        "",
        f"- **{MODEL}**: the agent model. A bank of {v.settings.rolling.bank} draws from the calibration's "
        "priors (`calibration/priors.py`) is simulated once over every spell of the record (from the 2020 "
        "ceasefire, each brokered truce and the ceasefire of 14 Sept 2022, with the flare-up losses each "
        "ended and the record's talks). At an origin, the draws nearest the record are kept (ABC rejection: "
        f"the sum over statistics of absolute differences scaled by the bank's spread) on the statistics {stats} "
        "of every spell that ended before the origin and of the spell in force, cut at the origin. Each path "
        "draws its parameters from the kept draws and starts at the origin in the state the record implies: "
        "the spell's ceasefire or truce and its broker, the losses of the flare-up it ended as grievance, "
        "the fire each side says it took in the spell before the origin, and the talks held before it. "
        "Nothing after the origin enters.",
        f"- **{PRIOR}**: the same, on every draw of the bank (no reweighting): what the history adds.",
        "- **negative-binomial rate** and **Hawkes process** (`validation/references.py`), refitted at each "
        "origin on every incident of the records before it (violations, advances, captures and flare-ups), "
        "their marks drawn from those incidents' losses. They forecast war scale only when a week of theirs "
        "reaches the collapse rule's killed, i.e. when a resampled incident was itself war scale (the "
        "13-14 Sept 2022 flare-up, from the last origin on).",
        "",
        "Scored quantities: weekly incidents with casualties (anyone killed or wounded, each side's own "
        "claims), killed per side and both sides' killed. All shootings are not scored: the record is not "
        "complete for them (`seeds/history/COVERAGE.md`).",
    ]


def origins_table(v: RollingValidation) -> list[str]:
    """Per origin: its spell, what the ABC used and kept, and what happened next."""
    out = [
        "## Origins: what each knew and what followed",
        "",
        "Width: the kept draws' central 90% interval over the prior's, per free parameter (1 = the history "
        "tells nothing). Informed: parameters with a width ratio of 0.75 or less.",
        "",
        "| origin | spell (from) | spells used | kept | informed (width ratio) | record: with casualties, killed "
        "ARM/AZE, war |",
        "|---|---|---|---|---|---|",
    ]
    for r in v.results:
        informed = ", ".join(f"`{k.split('.')[-1]}` {x:.2f}" for k, x in r.width_ratios.items() if x <= 0.75)
        obs = {q: int(series(r.observed, q).sum()) for q in QUANTITIES}
        out.append(
            f"| {r.origin.date()} | {r.start.spell.start.date()} | {r.n_cuts} | {r.posterior.accepted.size} | "
            f"{informed or 'none'} | {obs['with_casualties']}, {obs['killed_ARM']}/{obs['killed_AZE']}, "
            f"{'yes' if r.observed_war else 'no'} |"
        )
    return out


def pooled_tables(v: RollingValidation) -> list[str]:
    """Pooled scores per quantity: mean weekly CRPS with its interval over origins, coverage."""
    out = [
        "## Pooled over origins",
        "",
        "Mean weekly CRPS (mean over origins of each origin's mean; 90% bootstrap interval resampling origins), "
        "the mean CRPS of the horizon totals, and coverage of the central 50% and 90% intervals: of the weekly "
        "values (all origins) and of the horizon totals (share of origins).",
        "",
    ]
    for q in QUANTITIES:
        out += [
            f"### {LABELS[q]}",
            "",
            "| forecaster | weekly CRPS [90% CI] | total CRPS | weekly cover 50% / 90% | total cover 50% / 90% |",
            "|---|---|---|---|---|",
        ]
        for name in v.forecasters:
            p = _pooled(v, name, q)
            out.append(
                f"| {name} | {p.crps:.3f} [{p.crps_lo:.3f}, {p.crps_hi:.3f}] | {p.total_crps:.2f} | "
                f"{p.coverage50:.2f} / {p.coverage90:.2f} | {p.total_coverage50:.2f} / {p.total_coverage90:.2f} |"
            )
        out.append("")
    out += [
        "### The models against each reference",
        "",
        "Mean weekly CRPS of the model minus the reference's (negative: the model is better), paired bootstrap "
        "over origins.",
        "",
        "| model | reference | quantity | difference [90% CI] | model better in | verdict |",
        "|---|---|---|---|---|---|",
    ]
    out += [
        f"| {c.model} | {c.reference} | {LABELS[c.quantity]} | {c.difference:+.3f} [{c.lo:+.3f}, {c.hi:+.3f}] | "
        f"{c.share_model_better:.0%} | {c.verdict} |"
        for c in v.comparisons
    ]
    return out


def per_origin_tables(v: RollingValidation) -> list[str]:
    """Per origin, for each headline quantity: every forecaster's mean weekly CRPS and total interval."""
    out = ["## Per origin", ""]
    for q in HEADLINE:
        out += [
            f"### {LABELS[q]}: mean weekly CRPS (forecast total median [5%, 95%])",
            "",
            "| origin | record total | " + " | ".join(v.forecasters) + " |",
            "|---|---|" + "---|" * len(v.forecasters),
        ]
        for r in v.results:
            cells = []
            for name in v.forecasters:
                row = next(x for x in r.rows if x.forecaster == name and x.quantity == q)
                cells.append(
                    f"{row.crps:.3f} ({row.forecast_total_median:g} [{row.forecast_total_lo:g}, "
                    f"{row.forecast_total_hi:g}])"
                )
            out.append(f"| {r.origin.date()} | {int(series(r.observed, q).sum())} | " + " | ".join(cells) + " |")
        out.append("")
    return out


def war_table(v: RollingValidation) -> list[str]:
    """Per origin, each forecaster's probability of a return to war scale; Brier scores."""
    out = [
        "## Return to war scale",
        "",
        "Probability of a return to war scale (the collapse rule: 100 killed within 48 h) in the horizon, "
        "per origin; the last row is the Brier score, mean over origins.",
        "",
        "| origin | record | " + " | ".join(v.forecasters) + " |",
        "|---|---|" + "---|" * len(v.forecasters),
    ]
    for r in v.results:
        probs = [f"{next(w.probability for w in r.war if w.forecaster == n):.3f}" for n in v.forecasters]
        out.append(f"| {r.origin.date()} | {'yes' if r.observed_war else 'no'} | " + " | ".join(probs) + " |")
    out.append("| Brier | | " + " | ".join(f"{v.brier[n]:.4f}" for n in v.forecasters) + " |")
    return out


def pit_text(v: RollingValidation) -> list[str]:
    """The PIT histogram's counts in words (weekly values) and the totals' PIT per forecaster."""
    out = [
        "## PIT",
        "",
        "Randomised PIT of the weekly headline values over every origin, counts in five bins from 0 to 1 "
        "(flat = calibrated; `pit.png`), and of the horizon totals.",
        "",
        "| forecaster | weekly PIT counts | totals' PIT counts |",
        "|---|---|---|",
    ]
    for name in v.forecasters:
        weekly, totals = all_pit(v, name)
        w = np.histogram(weekly, bins=5, range=(0, 1))[0]
        t = np.histogram(totals, bins=5, range=(0, 1))[0]
        out.append(f"| {name} | {' '.join(map(str, w))} | {' '.join(map(str, t))} |")
    return out


def caveats(v: RollingValidation) -> list[str]:
    """What the rolling origins cannot tell."""
    return [
        "## What these data cannot tell",
        "",
        f"- {len(v.results)} origins, whose windows follow each other: the intervals over origins are coarse, "
        "and one window (the one holding the 13-14 Sept 2022 flare-up) dominates every pooled score of killed.",
        "- The record is complete for deaths and for flare-ups, less so for wounded, and not for shootings "
        "without casualties (`seeds/history/COVERAGE.md`); the first spell (from the 2020 ceasefire) has almost "
        "no incidents in stored pages before May 2021, partly a gap.",
        "- The first spell starts from the 2020 ceasefire without the war's losses as grievance: they are not "
        "in the record.",
        "- One return to war scale in the whole record: the Brier score of war rests on one event.",
    ]
