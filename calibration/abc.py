"""The ABC-SMC run (pyabc): settings, stopping rule, and its outputs on disk.

Reproducibility. pyabc draws particles from numpy's *global* generator; the run seeds it once from
``SeedSequence(seed)`` before it starts (pyabc's requirement, not ours). Every simulation draws from its
own generator, seeded by ``SeedSequence([seed, *bits of θ])``, so a simulation's result is a function of
(seed, θ) alone. With pyabc's single-core sampler the whole run, hence the posterior, is identical for the
same seed; the ``parallel`` sampler (:mod:`calibration.sampler`, the default) gives the very same bytes with
its simulations on several cores, for any number of workers. pyabc's multicore samplers reseed their
workers from OS entropy: faster, not bit-reproducible. The prior and perturbation kernel
(:mod:`calibration.proposals`) are pyabc's and scipy's arithmetic without their per-call overhead.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from calibration.history import USED, WholeRecord
from calibration.priors import BY_KEY, FREE_PARAMETERS, apply, natural
from sim.common.files import write_atomic
from sim.common.messages import shown
from sim.common.values import MAX_SEED
from sim.common.versions import package_versions

SAMPLERS = ("parallel", "single", "multicore")
"""``parallel``: simulations on ``n_procs`` cores, the same posterior as ``single`` bit for bit
(:mod:`calibration.sampler`); ``single``: pyabc's single-core sampler, the reference; ``multicore``: pyabc's
multicore sampler, not bit-reproducible."""


@dataclass
class CalibrationSettings:
    """Size, seed and stopping rule of one calibration (Hydra group ``conf/calibration/``)."""

    seed: int = 2022
    population_size: int = 400  # particles per generation
    max_generations: int = 6  # stop after this many generations ...
    min_acceptance_rate: float = 0.05  # ... or when a generation accepts fewer than this share ...
    min_epsilon: float = 0.0  # ... or when the tolerance falls below this ...
    max_simulations: int = 500_000  # ... or after this many simulations in all
    sampler: str = "parallel"  # parallel | single (both deterministic, the same posterior) | multicore (not)
    n_procs: int = 2  # worker processes of the parallel and multicore samplers
    predictive_draws: int = 300  # posterior draws for the predictive check
    kernel_scaling: float = 2.0  # perturbation kernel covariance x this: wider than pyabc's 1 (robust weights)

    # the largest value each count may take: beyond these a run would not end in any useful time
    LIMITS = {
        "population_size": 1_000_000,
        "max_generations": 1_000,
        "max_simulations": 1_000_000_000,
        "n_procs": 256,
        "predictive_draws": 1_000_000,
    }

    def validate(self) -> None:
        """Raise :class:`sim.model.params.ParameterError` (one line) on the first border out of range:
        every count an integer within :attr:`LIMITS`, every rate and tolerance a finite number."""
        import math

        from sim.model.params import ParameterError

        if self.sampler not in SAMPLERS:
            raise ParameterError(
                f"calibration.sampler={shown(self.sampler)!r} is not allowed; allowed: {', '.join(SAMPLERS)}"
            )
        for key, hi in self.LIMITS.items():
            v = getattr(self, key)
            if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= hi:
                raise ParameterError(
                    f"calibration.{key}={shown(v)} is out of range; allowed: an integer from 1 to {hi}"
                )
        for key in ("kernel_scaling", "min_acceptance_rate", "min_epsilon"):
            v = getattr(self, key)
            try:
                finite = not isinstance(v, bool) and math.isfinite(v)
            except (TypeError, OverflowError):
                finite = False
            if not finite:
                raise ParameterError(
                    f"calibration.{key}={shown(v)} is not a finite number; allowed: "
                    + {"kernel_scaling": "(0, 100]", "min_acceptance_rate": "[0, 1)", "min_epsilon": "[0, 1e300]"}[key]
                )
        if not 0.0 < self.kernel_scaling <= 100.0:
            raise ParameterError(f"calibration.kernel_scaling={self.kernel_scaling} is out of range; allowed (0, 100]")
        if not 0.0 <= self.min_acceptance_rate < 1.0:
            raise ParameterError(
                f"calibration.min_acceptance_rate={self.min_acceptance_rate} is out of range; allowed [0, 1)"
            )
        if not 0.0 <= self.min_epsilon <= 1e300:
            raise ParameterError(f"calibration.min_epsilon={self.min_epsilon} is out of range; allowed [0, 1e300]")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or not 0 <= self.seed <= MAX_SEED:
            raise ParameterError(
                f"calibration.seed={shown(self.seed)} is out of range; allowed: an integer from 0 to {MAX_SEED}"
            )


class Simulator:
    """pyabc's model: sampled θ -> the used summary statistics of one simulation of the whole record
    (the articles' window and flare-up, and the history's periods)."""

    def __init__(self, record: WholeRecord, seed: int):
        self.record = record
        self.seed = seed

    def __call__(self, sampled) -> dict[str, float]:
        """The used summary statistics of one run on ``sampled`` (pyabc keys), seeded by seed and sample."""
        keys = sorted(sampled)
        bits = np.array([float(sampled[k]) for k in keys], dtype=np.float64).view(np.uint32).tolist()
        stats = self.record.simulate(apply(natural(dict(sampled))), np.random.SeedSequence([self.seed, *bits]))
        return {k: stats[k] for k in USED}


@dataclass
class Generation:
    """One ABC-SMC generation: tolerance, simulations, accepted particles, effective sample size."""

    t: int
    epsilon: float
    simulations: int
    accepted: int
    ess: float  # effective sample size of the generation's importance weights

    @property
    def acceptance_rate(self) -> float:
        """Accepted particles per simulation (0 when there were none)."""
        return self.accepted / self.simulations if self.simulations else 0.0


@dataclass
class Calibration:
    """A finished run: weighted posterior samples on the natural scale, and how the run went."""

    samples: list[dict[str, float]]  # dotted name -> value
    weights: list[float]
    generations: list[Generation]
    observed: dict[str, float]
    settings: CalibrationSettings
    wall_seconds: float
    first: tuple[list[dict[str, float]], list[float]] = ((), ())  # generation 0's samples and weights

    @property
    def simulations(self) -> int:
        """Simulations over all generations."""
        return sum(g.simulations for g in self.generations)

    def posterior(self):
        """The weighted samples as a :class:`calibration.posterior.Posterior` (what posterior.csv holds)."""
        from calibration.posterior import Posterior

        values = np.array([[s[n] for n in NAMES] for s in self.samples])
        w = np.array(self.weights)
        return Posterior(tuple(NAMES), values, w / w.sum())


def show_progress(enabled: bool) -> None:
    """pyabc's own per-generation lines (tolerance, acceptance, effective sample size) on stderr."""
    logger = logging.getLogger("ABC")  # pyabc attaches its own handler to it
    logger.setLevel(logging.INFO if enabled else logging.WARNING)
    logger.propagate = False  # not twice through the root logger (Hydra's console)


def run_abc(
    settings: CalibrationSettings,
    observed: dict[str, float],
    record: WholeRecord,
    db_path: Path,
    log=print,
    progress: bool = False,
) -> Calibration:
    """Run ABC-SMC against ``observed`` and return the last generation's weighted posterior."""
    import pyabc
    from pyabc.distance.scale import root_mean_square_deviation

    settings.validate()
    show_progress(progress)
    np.random.seed(np.random.SeedSequence(settings.seed).generate_state(1)[0])  # pyabc's global draws
    # adaptive: each statistic is scaled by its root-mean-square deviation from the observed value,
    # refitted every generation (robust where a statistic's spread is zero)
    distance = pyabc.AdaptivePNormDistance(p=2, scale_function=root_mean_square_deviation)
    simulator = Simulator(record, settings.seed)
    sampler = make_sampler(settings, simulator)
    try:
        return _run(settings, observed, db_path, log, sampler, getattr(sampler, "model", simulator), distance)
    finally:
        sampler.stop()  # pyabc stops it when a run ends; this when it fails before


def make_sampler(settings: CalibrationSettings, simulator: Simulator):
    """The pyabc sampler ``settings.sampler`` names; the parallel one has started its workers."""
    import pyabc

    from calibration.sampler import OrderedParallelSampler

    if settings.sampler == "single":
        return pyabc.sampler.SingleCoreSampler()
    if settings.sampler == "multicore":
        return pyabc.sampler.MulticoreEvalParallelSampler(n_procs=settings.n_procs)
    sampler = OrderedParallelSampler(simulator, n_procs=settings.n_procs)
    sampler.start()  # fork now, while this process holds no database
    return sampler


def _run(settings, observed, db_path, log, sampler, model, distance) -> Calibration:
    """pyabc's run into a fresh database at ``db_path``, read back as a :class:`Calibration`."""
    import pyabc

    from calibration import proposals
    from calibration.kernel import PerturbationKernel

    abc = pyabc.ABCSMC(
        model,
        proposals.prior(),
        distance,
        population_size=settings.population_size,
        sampler=sampler,
        transitions=PerturbationKernel(scaling=settings.kernel_scaling),
        model_prior=proposals.SingleModelPrior(),
    )
    db_path.parent.mkdir(parents=True, exist_ok=True)
    if db_path.exists():
        db_path.unlink()
    abc.new(f"sqlite:///{db_path.resolve()}", {k: observed[k] for k in USED})
    start = time.perf_counter()
    history = abc.run(
        minimum_epsilon=settings.min_epsilon,
        max_nr_populations=settings.max_generations,
        min_acceptance_rate=settings.min_acceptance_rate,
        max_total_nr_simulations=settings.max_simulations,
    )
    wall = time.perf_counter() - start
    generations = _generations(history, settings.population_size)
    for g in generations:
        log(
            f"generation {g.t}: epsilon {g.epsilon:.3g}, {g.simulations} simulations, "
            f"acceptance {g.acceptance_rate:.3f}, effective sample size {g.ess:.0f}"
        )
    samples, weights = _distribution(history)
    first = _distribution(history, t=0)
    return Calibration(samples, weights, generations, observed, settings, wall, first)


def _distribution(history, t: int | None = None) -> tuple[list[dict[str, float]], list[float]]:
    """Generation ``t``'s particles (the last by default) on the natural scale, and their weights."""
    df, w = history.get_distribution(t=t)
    return [natural({k: row[k] for k in BY_KEY}) for _, row in df.iterrows()], [float(x) for x in w]


def _generations(history, population_size: int) -> list[Generation]:
    return [
        Generation(
            int(r.t),
            float(r.epsilon),
            int(r.samples),
            int(population_size),
            effective_sample_size(history.get_distribution(t=int(r.t))[1]),
        )
        for r in history.get_all_populations().itertuples()
        if r.t >= 0
    ]


LOW_ESS = 0.1
"""A final effective sample size below this share of the population means degenerate weights: a few
particles carry the posterior, and its intervals and identifiability flags cannot be trusted."""


def effective_sample_size(weights) -> float:
    """Kish effective sample size 1 / Σ w² of the normalised ``weights``."""
    w = np.asarray(weights, dtype=float)
    w = w / w.sum()
    return float(1.0 / np.sum(w * w))


# -- files ----------------------------------------------------------------------------------------

NAMES = [p.name for p in FREE_PARAMETERS]


def posterior_csv(cal: Calibration) -> bytes:
    """``posterior.csv``: a header of the free parameters and ``weight``, then one sample a row."""
    return samples_csv(cal.samples, cal.weights)


def first_generation_csv(cal: Calibration) -> bytes:
    """``generation0.csv``: generation 0's particles as :func:`posterior_csv` writes the last's. A run with
    the same settings stopped after one generation gives the same bytes: the reduced check of a run."""
    return samples_csv(*cal.first)


def samples_csv(samples, weights) -> bytes:
    """Weighted samples as csv: a header of the free parameters and ``weight``, then one sample a row."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([*NAMES, "weight"])
    for sample, weight in zip(samples, weights):
        w.writerow([repr(float(sample[n])) for n in NAMES] + [repr(weight)])
    return buf.getvalue().encode()


def run_json(cal: Calibration) -> dict:
    """``run.json`` as a dict: settings, the numeric packages' versions, observed statistics, generations,
    simulations, wall seconds."""
    return {
        "settings": asdict(cal.settings),
        "packages": package_versions(),
        "observed": cal.observed,
        "generations": [{**asdict(g), "acceptance_rate": g.acceptance_rate} for g in cal.generations],
        "simulations": cal.simulations,
        "wall_seconds": round(cal.wall_seconds, 1),
    }


def write_posterior(cal: Calibration, out_dir: Path) -> None:
    """``posterior.csv`` (weighted samples, natural scale), ``generation0.csv`` (the first generation's) and
    ``run.json`` (settings, generations)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(out_dir / "posterior.csv", posterior_csv(cal))
    write_atomic(out_dir / "generation0.csv", first_generation_csv(cal))
    meta = run_json(cal)
    meta.pop("wall_seconds")  # machine-dependent: printed and in the report, not in the set
    write_atomic(out_dir / "run.json", (json.dumps(meta, indent=2) + "\n").encode())
