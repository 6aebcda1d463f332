"""What a calibration tells and does not tell: intervals, identifiability, plots, predictive check."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from calibration.history import CHECKED_PERIOD, USED, WholeRecord, period_key
from calibration.posterior import Posterior
from calibration.priors import FREE_PARAMETERS, FreeParameter
from sim.common.files import write_atomic

INFORMED_RATIO = 0.75
"""A parameter counts as informed by the data when its posterior 90% interval is at most this share of
its prior 90% interval (both on the prior's sampling scale: log10 for log-scale parameters)."""

GOAL_INFORMED = 6
"""The calibration's goal: at least this many free parameters informed, besides :data:`GOAL_RATE`."""
GOAL_RATE = "offensive.rate_per_year"
"""The parameter durability hinges on most (its Sobol total index, docs/explore.md): informed, always."""


@dataclass(frozen=True)
class ParameterSummary:
    """One parameter's posterior median and 90% interval against its prior's, natural scale."""

    name: str
    unit: str
    median: float
    q05: float
    q95: float
    prior_q05: float
    prior_q95: float
    width_ratio: float  # posterior 90% width / prior 90% width, on the sampling scale

    @property
    def informed(self) -> bool:
        """True if the posterior interval is at most :data:`INFORMED_RATIO` of the prior's."""
        return self.width_ratio <= INFORMED_RATIO


def _scaled(p: FreeParameter, x: float) -> float:
    return math.log10(x) if p.scale == "log" else x


def summarize_parameters(post: Posterior) -> list[ParameterSummary]:
    """Median, 90% interval and prior-width ratio of each free parameter of ``post``."""
    out = []
    for p in FREE_PARAMETERS:
        q05, q50, q95 = (post.quantile(p.name, q) for q in (0.05, 0.5, 0.95))
        pq05, pq95 = p.prior_quantile(0.05), p.prior_quantile(0.95)
        ratio = float(_scaled(p, q95) - _scaled(p, q05)) / (_scaled(p, pq95) - _scaled(p, pq05))
        out.append(ParameterSummary(p.name, p.unit, q50, q05, q95, pq05, pq95, ratio))
    return out


@dataclass(frozen=True)
class PredictiveCheck:
    """One statistic's observed value against the posterior predictive median and 90% interval."""

    statistic: str
    observed: float
    q05: float
    q50: float
    q95: float

    @property
    def inside(self) -> bool:
        """True if the observed value lies inside the 90% predictive interval."""
        return self.q05 <= self.observed <= self.q95


def posterior_predictive(
    post: Posterior, observed: dict[str, float], record: WholeRecord, seed: int, draws: int
) -> tuple[list[PredictiveCheck], dict[str, np.ndarray]]:
    """Simulate the whole record for ``draws`` parameter sets drawn from the posterior; each observed
    statistic (the articles', the pooled history's, each period's) against its 90% interval."""
    root = np.random.SeedSequence([seed, 1])  # a stream apart from the calibration's own
    rng = np.random.default_rng(root.spawn(1)[0])
    sims = [record.simulate(post.draw(rng), child) for child in root.spawn(draws + 1)[1:]]
    table = {k: np.array([s[k] for s in sims]) for k in observed}
    checks = [
        PredictiveCheck(k, float(observed[k]), *(float(q) for q in np.quantile(table[k], [0.05, 0.5, 0.95])))
        for k in observed
    ]
    return checks, table


def is_period_check(statistic: str) -> bool:
    """True for a period's own statistic (:func:`calibration.history.period_key`)."""
    head, _, _ = statistic.partition("_")
    return head[:1] == "p" and head[1:].isdigit()


def _fmt(x: float) -> str:
    return f"{x:.3g}"


def report_markdown(
    params: list[ParameterSummary], checks: list[PredictiveCheck], run: dict, periods: list[str] = ()
) -> str:
    """``report.md``: the posterior table, the generations and the predictive check."""
    lines = [
        "# Calibration report",
        "",
        f"ABC-SMC (pyabc), seed {run['settings']['seed']}, sampler {run['settings']['sampler']}, "
        f"population {run['settings']['population_size']}, {len(run['generations'])} generations, "
        f"{run['simulations']} simulations.",
        "",
        "## Posterior (medians and 90% credible intervals) and identifiability",
        "",
        f"'informed' = posterior 90% interval at most {INFORMED_RATIO:.0%} of the prior's "
        "(log10 scale for log-scale parameters); otherwise the parameter stays near its prior and the "
        "data cannot identify it.",
        "",
        "| parameter | unit | median | 90% CI | prior 90% | width ratio | informed by the data |",
        "|---|---|---|---|---|---|---|",
    ]
    for p in params:
        lines.append(
            f"| `{p.name}` | {p.unit} | {_fmt(p.median)} | [{_fmt(p.q05)}, {_fmt(p.q95)}] | "
            f"[{_fmt(p.prior_q05)}, {_fmt(p.prior_q95)}] | {p.width_ratio:.2f} | "
            f"{'yes' if p.informed else 'no (prior)'} |"
        )
    lines += identifiability(params)
    lines += [
        "",
        "## Generations",
        "",
        "| t | epsilon | simulations | acceptance rate | effective sample size |",
        "|---|---|---|---|---|",
    ]
    for g in run["generations"]:
        lines.append(
            f"| {g['t']} | {g['epsilon']:.3g} | {g['simulations']} | {g['acceptance_rate']:.3f} | {g['ess']:.0f} |"
        )
    warning = degenerate_warning(run)
    if warning:
        lines += ["", f"**Warning:** {warning}"]
    lines += [
        "",
        "## Posterior predictive check (observed against simulated 90% intervals)",
        "",
        "| statistic | observed | median | 90% interval | inside | used in the distance |",
        "|---|---|---|---|---|---|",
    ]
    for c in checks:
        if not is_period_check(c.statistic):
            lines.append(
                f"| {c.statistic} | {_fmt(c.observed)} | {_fmt(c.q50)} | [{_fmt(c.q05)}, {_fmt(c.q95)}] | "
                f"{'yes' if c.inside else 'NO'} | {'yes' if c.statistic in USED else 'no'} |"
            )
    return "\n".join(lines + period_table(checks, periods)) + "\n"


def period_table(checks: list[PredictiveCheck], periods: list[str]) -> list[str]:
    """The predictive check of each period of the history: observed, and the simulated median and 90%
    interval (``*`` marks an observed value outside it)."""
    if not periods:
        return []
    by_name = {c.statistic: c for c in checks}
    lines = [
        "",
        "## Posterior predictive check per period of the history",
        "",
        "Each cell: observed; simulated median [90% interval]; `*` = observed outside the interval. "
        "Periods run from a ceasefire or brokered truce to the truce ending the flare-up that broke it.",
        "",
        "| statistic | " + " | ".join(f"period {i + 1}: {label}" for i, label in enumerate(periods)) + " |",
        "|---|" + "---|" * len(periods),
    ]
    for stat in CHECKED_PERIOD:
        cells = []
        for i in range(len(periods)):
            c = by_name[period_key(i, stat)]
            mark = "" if c.inside else " *"
            cells.append(f"{_fmt(c.observed)}{mark}; {_fmt(c.q50)} [{_fmt(c.q05)}, {_fmt(c.q95)}]")
        lines.append(f"| {stat} | " + " | ".join(cells) + " |")
    return lines


def identifiability(params: list[ParameterSummary]) -> list[str]:
    """What the record informs against the goal (:data:`GOAL_INFORMED` besides :data:`GOAL_RATE`), and what
    it leaves near the prior, narrowest first."""
    informed = [p for p in params if p.informed]
    others = [p for p in informed if p.name != GOAL_RATE]
    rate = next((p for p in params if p.name == GOAL_RATE), None)
    met = len(others) >= GOAL_INFORMED and rate is not None and rate.informed
    left = sorted((p for p in params if not p.informed), key=lambda p: p.width_ratio)
    names = ", ".join(f"`{p.name}`" for p in informed)
    lines = [
        "",
        f"Informed: {len(informed)} of {len(params)} free parameters"
        + (f" ({names})" if informed else "")
        + "."
        + (
            f" `{GOAL_RATE}`: width ratio {rate.width_ratio:.2f}, {'' if rate.informed else 'not '}informed."
            if rate
            else ""
        )
        + f" Goal: at least {GOAL_INFORMED} besides `{GOAL_RATE}`, and it: {'met' if met else 'NOT met'}.",
    ]
    if left:
        lines.append(
            "Not identified (near the prior; docs/calibration.md says why): "
            + ", ".join(f"`{p.name}` ({p.width_ratio:.2f})" for p in left)
            + "."
        )
    lines.append(
        "Whether the record could identify more with any run: `calibration/results/identifiability.md`"
        " (`make identifiability`)."
    )
    return lines


def degenerate_warning(run: dict) -> str:
    """A warning when the last generation's weights are degenerate (effective sample size too low)."""
    from calibration.abc import LOW_ESS

    last = run["generations"][-1]
    population = run["settings"]["population_size"]
    if last["ess"] >= LOW_ESS * population:
        return ""
    return (
        f"the last generation's effective sample size is {last['ess']:.0f} of {population} particles "
        f"(below {LOW_ESS:.0%}): a few particles carry the posterior, so its intervals and the "
        "identifiability flags are not reliable; re-run with another seed, a larger population or a wider "
        "kernel (calibration.kernel_scaling)"
    )


def write_report(
    post: Posterior, run: dict, record: WholeRecord, out_dir: Path, draws: int, plots: bool = True
) -> tuple[list[ParameterSummary], list[PredictiveCheck]]:
    """``report.md``, ``report.json`` and the plots (marginals, pairs, predictive) into ``out_dir``."""
    params = summarize_parameters(post)
    checks, table = posterior_predictive(post, run["observed"], record, run["settings"]["seed"], draws)
    write_atomic(out_dir / "report.md", report_markdown(params, checks, run, record.labels()).encode())
    data = {
        "parameters": [{**p.__dict__, "informed": bool(p.informed)} for p in params],
        "predictive": [{**c.__dict__, "inside": bool(c.inside)} for c in checks],
    }
    write_atomic(out_dir / "report.json", (json.dumps(data, indent=2) + "\n").encode())
    if plots:
        from calibration import plots as cplots

        write_atomic(out_dir / "marginals.png", cplots.marginals_png(post, params, run=run))
        write_atomic(out_dir / "pairs.png", cplots.pairs_png(post, params, run=run))
        pooled = [c for c in checks if not is_period_check(c.statistic)]
        write_atomic(out_dir / "predictive.png", cplots.predictive_png(pooled, table, post=post, run=run))
    return params, checks
