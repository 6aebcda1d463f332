"""What the record can identify at all, whatever the ABC run: a regression check of its statistics.

The ABC-SMC run (:mod:`calibration.abc`) leaves most free parameters at their priors. That may be the
record's fault (its statistics say little about them) or the run's (too few simulations, a tolerance too
loose, a distance that dilutes the informative statistics among the others). This check tells the two
apart, after Fearnhead & Prangle (2012)'s semi-automatic ABC:

1. draw ``simulations`` parameter sets from the prior (seeded), and simulate the whole record once for each
   (:meth:`calibration.history.WholeRecord.simulate`: the articles' window and every period of the history);
2. on the first half, fit for each parameter (on its prior's unit scale) a least-squares regression on the
   statistics (``log(1 + x)``, standardised) and their squares: its fitted value ŝ_j is that parameter's
   summary of all the statistics;
3. on the second half, for each parameter on its own, accept the share ``accept`` of simulations whose ŝ_j
   lies nearest the record's: an ABC sample of p(θ_j | ŝ_j). Report its 90% width over the prior's (the
   calibration report's "width ratio"), with its bootstrap standard deviation, and the regression's R^2 on those
   held-out simulations. A posterior given one summary is at least as wide as the posterior given all the
   data, so a width here is an upper bound of what the record allows, within the regression's reach.

Three sets of statistics (:func:`statistic_sets`): the calibration's own, per period; those and the
record's wounded, which the calibration leaves out; and those and what only a complete record of every
exchange of fire would give, checked on record-like simulations only.

Arithmetic: sums with ``math.fsum``, logarithms through ``math`` (glibc, whose FMA variants every x86-64-v3
CPU takes: docs/reproducibility.md), a Gaussian elimination in Python, and elementwise ``+ - * /``: no
BLAS, no numpy SIMD ``log``, so the report has the same bytes on every CPU.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass

import numpy as np

from calibration.history import CHECKED_PERIOD, USED, WholeRecord, period_key
from calibration.priors import FREE_PARAMETERS, apply
from sim.common.commands import OneLineParser, run_reported
from sim.common.messages import error_line, shown
from sim.common.process import command
from sim.common.values import MAX_SEED
from sim.record.loader import SIDES

EXTRA_PERIOD = ("wounded_ARM", "wounded_AZE")
"""Each period's counts the record holds but the calibration leaves out (seeds/history/COVERAGE.md: deaths
are well covered; wounded figures less surely, and one side's more than the other's). The record's captures
(20 Armenian) are not here: the model does not simulate captures."""

COMPLETE_PERIOD = ("episodes", "exchanges", "retaliated", "both_blame")
"""Each period's counts that only a complete record of every exchange of fire would give (violations,
exchanges, those answered, those each side blamed on the other): the record holds them in part only
(COVERAGE.md), so they are checked on record-like simulations alone, as the value of such a record."""

LIKE = 20
"""Record-like simulations: each is taken in turn as the record, to ask what a record like ours, with a
set's statistics, would identify (and to check a set the record itself lacks)."""

BOOTSTRAP = 200
"""Resamples of the accepted draws for the standard deviation of a width ratio at the record: how much of a
parameter's verdict is the luck of which simulations came nearest."""

RIDGE = 1.0
"""Added to the normal equations' diagonal (standardised statistics, thousands of rows: a negligible
shrinkage) so that they stay solvable where statistics coincide (a 0/1 statistic equals its square)."""


MIN_ACCEPTED = 100
"""Accepted draws below which a check's widths are not judged (a 90% width of a few draws is noise)."""


@dataclass(frozen=True)
class Settings:
    """Size and seed of one check."""

    simulations: int = 20_000  # prior draws, half to fit the regressions and half to accept from
    seed: int = 2022
    accept: float = 0.02  # share of the held-out simulations accepted
    n_procs: int = 2


def statistic_sets(n_periods: int) -> dict[str, tuple[str, ...]]:
    """The statistics each check uses: ``calibration`` (the articles' and every period's, as the
    calibration's distance and predictive check compute them), ``record`` (those and
    :data:`EXTRA_PERIOD`) and ``complete`` (those and :data:`COMPLETE_PERIOD`)."""
    own = tuple(k for k in USED if not k.startswith("history_"))
    own += tuple(period_key(i, k) for i in range(n_periods) for k in CHECKED_PERIOD)
    extra = tuple(period_key(i, k) for i in range(n_periods) for k in EXTRA_PERIOD)
    complete = tuple(period_key(i, k) for i in range(n_periods) for k in COMPLETE_PERIOD)
    return {"calibration": own, "record": own + extra, "complete": own + extra + complete}


def extra_counts(episodes, span_hours: float) -> dict[str, float]:
    """:data:`EXTRA_PERIOD` and :data:`COMPLETE_PERIOD` of the episodes starting in ``[0, span_hours]``."""
    eps = [e for e in episodes if 0.0 <= e.start_hours <= span_hours]
    out = {f"wounded_{s}": float(sum(e.wounded.get(s, 0) for e in eps)) for s in SIDES}
    out["episodes"] = float(len(eps))
    out["exchanges"] = float(sum(e.exchanges for e in eps))
    out["retaliated"] = float(sum(1 for e in eps if any(e.retaliated.values())))
    out["both_blame"] = float(sum(1 for e in eps if e.blamed.get("ARM") == "AZE" and e.blamed.get("AZE") == "ARM"))
    return out


def observed(record: WholeRecord, history) -> dict[str, float]:
    """The record's statistics, with each period's :data:`EXTRA_PERIOD` (and :data:`COMPLETE_PERIOD`, as far
    as the record has them: never used to accept at the record)."""
    out = record.observed()
    for i, period in enumerate(history.periods):
        out |= {period_key(i, k): v for k, v in extra_counts(period.episodes, period.span_hours).items()}
    return out


def prior_draws(n: int, seed: int) -> np.ndarray:
    """``n`` draws of the free parameters, each uniform on its prior's unit scale (rows in
    :data:`FREE_PARAMETERS` order)."""
    return np.random.default_rng(np.random.SeedSequence([seed, 1])).uniform(size=(n, len(FREE_PARAMETERS)))


def natural_theta(unit: np.ndarray) -> dict[str, float]:
    """One draw on the unit scale as natural-scale values by dotted name."""
    out = {}
    for p, u in zip(FREE_PARAMETERS, unit.tolist()):
        lo, hi = p.prior_bounds()
        out[p.name] = p.to_natural(lo + u * (hi - lo))
    return out


class Simulation:
    """A worker's function: draw ``k`` -> every statistic of one simulation of the whole record."""

    def __init__(self, record: WholeRecord, draws: np.ndarray, seed: int):
        self.record, self.draws, self.seed = record, draws, seed

    def __call__(self, k: int) -> dict[str, float]:
        """The statistics of draw ``k``, on its own seed ``[seed, 2, k]``."""
        params = apply(natural_theta(self.draws[k]))
        return self.record.simulate(params, np.random.SeedSequence([self.seed, 2, k]), extra=extra_counts)


def features(rows: list[dict[str, float]], obs: dict[str, float], keys) -> tuple[np.ndarray, np.ndarray]:
    """The regressors: each statistic as ``log(1 + max(x, 0))``, standardised over ``rows``, and its
    square; a constant first. Statistics constant over ``rows`` are left out. Returns (rows', record's)."""
    cols, obs_cols = [], []
    for key in keys:
        x = np.array([math.log1p(max(r[key], 0.0)) for r in rows])
        x0 = math.log1p(max(obs[key], 0.0))
        mean = math.fsum(x.tolist()) / len(x)
        sd = math.sqrt(math.fsum(((x - mean) ** 2).tolist()) / len(x))
        if sd == 0.0:
            continue
        z, z0 = (x - mean) / sd, (x0 - mean) / sd
        cols += [z, z * z]
        obs_cols += [z0, z0 * z0]
    return np.column_stack([np.ones(len(rows)), *cols]), np.array([1.0, *obs_cols])


def fit(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Least squares of each column of ``y`` on ``x`` (ridge :data:`RIDGE`, not on the constant):
    coefficients, one column per column of ``y``. Normal equations summed with ``math.fsum``."""
    m = x.shape[1]
    a = [[math.fsum((x[:, i] * x[:, j]).tolist()) for j in range(m)] for i in range(m)]
    for i in range(1, m):
        a[i][i] += RIDGE
    b = [[math.fsum((x[:, i] * y[:, j]).tolist()) for j in range(y.shape[1])] for i in range(m)]
    return np.array(solve(a, b))


def solve(a: list[list[float]], b: list[list[float]]) -> list[list[float]]:
    """``a⁻¹ b`` by Gaussian elimination with partial pivoting (``a`` square, both lists of rows)."""
    n = len(a)
    a, b = [row[:] for row in a], [row[:] for row in b]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(a[r][c]))
        a[c], a[p], b[c], b[p] = a[p], a[c], b[p], b[c]
        for r in range(c + 1, n):
            f = a[r][c] / a[c][c]
            if f:
                a[r] = [u - f * v for u, v in zip(a[r], a[c])]
                b[r] = [u - f * v for u, v in zip(b[r], b[c])]
    out = [[0.0] * len(b[0]) for _ in range(n)]
    for r in range(n - 1, -1, -1):
        for j in range(len(b[0])):
            out[r][j] = (b[r][j] - math.fsum(a[r][k] * out[k][j] for k in range(r + 1, n))) / a[r][r]
    return out


def predict(x: np.ndarray, coef: np.ndarray) -> np.ndarray:
    """``x @ coef`` as elementwise products added in column order (no BLAS)."""
    out = np.zeros((x.shape[0], coef.shape[1]))
    for i in range(x.shape[1]):
        out += x[:, i : i + 1] * coef[i]
    return out


@dataclass(frozen=True)
class Check:
    """One set's result, per parameter: the width ratio at the record (None where the record lacks the
    set's statistics) with its bootstrap standard deviation, its mean over record-like simulations, and the
    regression's held-out R^2."""

    statistics: str
    n_statistics: int  # statistics used (those constant over the simulations are left out)
    accepted: int
    ratio: dict[str, float] | None
    spread: dict[str, float] | None  # the bootstrap standard deviation of each width ratio at the record
    like_ratio: dict[str, float]
    like_informed: float  # parameters informed, on average over the record-like simulations
    r2: dict[str, float]


def project(keys, rows, obs, draws: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict[str, float], int]:
    """Fit on the first half of ``rows``: the second half's fitted values, the record's, each parameter's
    R^2 on the second half, and the number of statistics used."""
    x, x0 = features(rows, obs, keys)
    half = len(rows) // 2
    coef = fit(x[:half], draws[:half])
    held, truth = predict(x[half:], coef), draws[half:]
    r2 = {}
    for j, p in enumerate(FREE_PARAMETERS):
        y = truth[:, j]
        mean = math.fsum(y.tolist()) / len(y)
        r2[p.name] = 1.0 - math.fsum(((held[:, j] - y) ** 2).tolist()) / math.fsum(((y - mean) ** 2).tolist())
    return held, predict(x0[None, :], coef)[0], r2, (x.shape[1] - 1) // 2


def nearest(held: np.ndarray, at: np.ndarray, n: int, skip: int = -1) -> np.ndarray:
    """The ``n`` rows of ``held`` nearest ``at`` (Euclidean; ties in row order), leaving out row ``skip``."""
    distance = np.sqrt(((held - at) ** 2).sum(axis=1))
    if skip >= 0:
        distance[skip] = np.inf
    return np.argsort(distance, kind="stable")[:n]


def width_ratio(values: np.ndarray) -> float:
    """The 90% width of ``values`` (unit scale) over the prior's, 0.9."""
    q = np.quantile(values, [0.05, 0.95])
    return float((q[1] - q[0]) / 0.9)


def accepted(held: np.ndarray, at: np.ndarray, j: int, n: int, skip: int = -1) -> np.ndarray:
    """The ``n`` held-out simulations whose fitted value for parameter ``j`` is nearest ``at[j]`` (ties in
    row order), leaving out row ``skip``: an ABC sample of p(θ_j | ŝ_j), the posterior given that one
    summary. Each parameter on its own summary: on all of them at once the parameters the statistics do not
    inform would set the distance, and dilute the one they do."""
    distance = np.abs(held[:, j] - at[j])
    if skip >= 0:
        distance[skip] = np.inf
    return np.argsort(distance, kind="stable")[:n]


def check(
    name: str, keys, rows, obs, draws: np.ndarray, settings: Settings, like: np.ndarray, at_record: bool
) -> Check:
    """Accept, per parameter, the nearest ``settings.accept`` share of the held-out simulations: at the
    record (if ``at_record``, with a bootstrap standard deviation over the accepted draws) and at each record-like
    simulation ``like`` (held-out indices) in turn, itself left out."""
    held, at, r2, used = project(keys, rows, obs, draws)
    truth = draws[len(rows) // 2 :]
    n = max(2, int(settings.accept * len(held)))
    names = [p.name for p in FREE_PARAMETERS]
    ratio = spread = None
    if at_record:
        rng = np.random.default_rng(np.random.SeedSequence([settings.seed, 3]))
        ratio, spread = {}, {}
        for j, key in enumerate(names):
            values = truth[accepted(held, at, j, n), j]
            ratio[key] = width_ratio(values)
            boot = np.array([width_ratio(values[rng.integers(0, n, n)]) for _ in range(BOOTSTRAP)])
            mean = math.fsum(boot.tolist()) / BOOTSTRAP
            spread[key] = math.sqrt(math.fsum(((boot - mean) ** 2).tolist()) / (BOOTSTRAP - 1))
    each = np.array(
        [
            [width_ratio(truth[accepted(held, held[m], j, n, skip=m), j]) for j in range(len(names))]
            for m in like.tolist()
        ]
    )
    like_ratio = {k: math.fsum(each[:, j].tolist()) / len(each) for j, k in enumerate(names)}
    informed = math.fsum((each <= 0.75).sum(axis=1).astype(float).tolist()) / len(each)
    return Check(name, used, n, ratio, spread, like_ratio, informed, r2)


def run(settings: Settings, record: WholeRecord, history, on_done=None) -> list[Check]:
    """Simulate the prior draws (on ``settings.n_procs`` workers) and check each statistic set. The
    record-like simulations are the :data:`LIKE` held-out ones nearest the record by the calibration's
    own statistics (the first set)."""
    from calibration.sampler import map_ordered

    draws = prior_draws(settings.simulations, settings.seed)
    simulation = Simulation(record, draws, settings.seed)
    rows = map_ordered(simulation, list(range(len(draws))), settings.n_procs, on_done=on_done)
    obs = observed(record, history)
    sets = statistic_sets(len(record.periods))
    held, at, _, _ = project(sets["calibration"], rows, obs, draws)
    like = nearest(held, at, min(LIKE, len(held)))
    return [
        check(name, keys, rows, obs, draws, settings, like, at_record=name != "complete") for name, keys in sets.items()
    ]


def to_json(settings: Settings, checks: list[Check]) -> str:
    """The settings (but the number of workers, which changes nothing) and every check, as the published
    ``identifiability.json``."""
    published = {k: v for k, v in asdict(settings).items() if k != "n_procs"}
    return json.dumps({"settings": published, "checks": [asdict(c) for c in checks]}, indent=2) + "\n"


def to_markdown(data: dict) -> str:
    """The published ``identifiability.md`` from :func:`to_json`'s data."""
    s, checks = data["settings"], data["checks"]
    lines = [
        "# What the record can identify: a regression check (semi-automatic ABC)",
        "",
        f"{s['simulations']} prior simulations of the whole record (seed {s['seed']}). For each set of statistics,"
        " a regression of each parameter on the statistics is fitted on half of them; its fitted values are the"
        f" set's summaries, and the nearest {s['accept']:.0%} of the other half are accepted"
        " (docs/calibration.md, `calibration/identifiability.py`).",
        "",
        "- **at the record**: the accepted draws' 90% width over the prior's ± its bootstrap standard deviation"
        " (the calibration report's rule: informed at 0.75 or less; *clearly* when 1.645 standard deviations"
        " above it still are);",
        f"- **record-like**: the same, averaged over the {LIKE} simulations nearest the record, each taken in turn as"
        " the record: what a record like ours would identify with these statistics;",
        "- **R²**: how much of the parameter's prior spread the statistics predict, on held-out simulations.",
        "",
        "Each parameter is accepted on its own summary (the posterior given that summary alone, so at least as wide"
        " as the posterior given all the data): a width here bounds what the record allows, within the"
        " regression's reach.",
        "",
        "Sets: **calibration**, the statistics the calibration computes (the articles' window, and each period's"
        " deaths, killed per side and flare-ups); **record**, those and each period's wounded per side, which the"
        " record holds with less sure coverage (its captures are not used: the model does not simulate them);"
        " **complete**, those and each period's violations, exchanges of fire, answered violations and mutually"
        " blamed ones, which only a complete record of every exchange would give (so: record-like simulations"
        " only).",
        "",
        "| parameter | " + " | ".join(f"{c['statistics']}: at the record | record-like | R²" for c in checks) + " |",
        "|---|" + "---|---|---|" * len(checks),
    ]
    for p in FREE_PARAMETERS:
        cells = []
        for c in checks:
            at = "-"
            if c["ratio"] is not None:
                at = f"{c['ratio'][p.name]:.2f} ± {c['spread'][p.name]:.2f}"
            cells.append(f"{at} | {c['like_ratio'][p.name]:.2f} | {c['r2'][p.name]:.2f}")
        lines.append(f"| `{p.name}` | " + " | ".join(cells) + " |")
    lines.append("")
    for c in checks:
        like = f"record-like: {c['like_informed']:.1f} informed on average"
        if c["ratio"] is None:
            verdict = "the record lacks these statistics"
        else:
            informed = [k for k, v in c["ratio"].items() if v <= 0.75]
            clearly = [k for k in informed if c["ratio"][k] + 1.645 * c["spread"][k] <= 0.75]
            verdict = f"at the record, informed {len(informed)} of {len(FREE_PARAMETERS)}"
            verdict += f" ({', '.join(f'`{k}`' for k in informed)})" if informed else ""
            verdict += f", {len(clearly)} clearly" if informed else ""
        if c["accepted"] < MIN_ACCEPTED:
            verdict = f"too few accepted to judge (fewer than {MIN_ACCEPTED}: widths of a few draws are noise)"
            like = ""
        text = f"{verdict}; {like}" if like else verdict
        lines.append(f"- **{c['statistics']}** ({c['n_statistics']} statistics, {c['accepted']} accepted): {text}.")
    lines += [
        "",
        f"Sampling noise: {MIN_ACCEPTED} draws from the prior itself give a width ratio of 0.98 +- 0.04"
        " (200 draws: 0.99 +- 0.02); the ± figures say it of each estimate. R² below 0 means"
        " the regression predicts held-out draws worse than the"
        " prior's mean (too few simulations for its statistics).",
    ]
    return "\n".join(lines) + "\n"


def publish(files: dict) -> None:
    """Write each file (path -> text) in turn, each whole (write, then rename); if one fails, put back
    those already written as they were, so that the report and its data never disagree on disk."""
    from sim.common.files import write_atomic

    before = {path: path.read_bytes() if path.exists() else None for path in files}
    done = []
    try:
        for path, text in files.items():
            write_atomic(path, text)
            done.append(path)
    except BaseException:  # a full disk, or Ctrl-C between the two
        for path in done:
            if before[path] is None:
                path.unlink(missing_ok=True)
            else:
                write_atomic(path, before[path])
        raise


def _integer(lo: int, hi: int):
    """An argparse type: an integer from ``lo`` to ``hi``."""
    import argparse

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{shown(text)} is not an integer") from None
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"{shown(value)} is out of range; allowed: an integer from {lo} to {hi}")
        return value

    return parse


def _share(text: str) -> float:
    import argparse

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{shown(text)} is not a number") from None
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"{shown(text)} is out of range; allowed: a share in (0, 1)")
    return value


def _progress(total: int):
    """Progress on stderr: a line at each tenth of the simulations."""
    import sys

    step = max(1, total // 10)

    def on_done(done: int) -> None:
        if done % step == 0 or done == total:
            print(f"identifiability: {done}/{total} simulations", file=sys.stderr, flush=True)

    return on_done


@command
def main(argv: list[str] | None = None) -> int:
    """CLI entry: run the check; print the report, or publish it under calibration/results/."""
    import sys

    from calibration.history import whole_record
    from calibration.posterior import RESULTS
    from sim.record.history import load_history
    from sim.record.loader import RecordError, load_record

    ap = OneLineParser(prog="python -m calibration.identifiability", description=__doc__.splitlines()[0])
    ap.add_argument(
        "--simulations",
        type=_integer(100, 10_000_000),
        default=Settings.simulations,
        help="prior draws (default %(default)s)",
    )
    ap.add_argument("--seed", type=_integer(0, MAX_SEED), default=Settings.seed, help="seed (default %(default)s)")
    ap.add_argument("--accept", type=_share, default=Settings.accept, help="share accepted (default %(default)s)")
    ap.add_argument(
        "--workers", type=_integer(1, 256), default=Settings.n_procs, help="processes (default %(default)s)"
    )
    ap.add_argument("--publish", action="store_true", help=f"write identifiability.md and .json to {RESULTS}")
    args = ap.parse_args(argv)
    settings = Settings(args.simulations, args.seed, args.accept, args.workers)
    try:
        history = load_history()
        record = whole_record(load_record(), history)
    except RecordError as exc:
        print(f"error: {error_line(exc)}", file=sys.stderr)
        return 2

    def work() -> int:
        checks = run(settings, record, history, on_done=_progress(settings.simulations))
        data = to_json(settings, checks)
        text = to_markdown(json.loads(data))
        if not args.publish:
            sys.stdout.write(text)
            return 0
        publish({RESULTS / "identifiability.json": data, RESULTS / "identifiability.md": text})
        print(f"wrote {RESULTS / 'identifiability.md'} and identifiability.json")
        return 0

    # Ctrl-C: exit 130, nothing published; a failure (a worker's, a full disk): one line, exit 1
    return run_reported(work, "nothing was published")


if __name__ == "__main__":
    raise SystemExit(main())
