"""N replications of one experiment: their seed streams, running them (on every core), and running an
experiment end to end.

Replication ``i`` of an experiment with seed ``s`` and ``N`` replications runs on
``numpy.random.SeedSequence(s).spawn(N)[i]`` -- the same stream as ``SeedSequence(s, spawn_key=(i,))``,
so replication 0 of a 200-run experiment is the single run with the same seed, and any row of
``replications.csv`` can be re-run alone. Nothing is kept between calls: no global generator,
no module state.

Because each replication is a pure function of its index, a large experiment is cut into ranges of
indices (chunks) that worker processes run (``workers``, :func:`worker_count`); the results are put
back in index order, so the outputs are the same bytes whatever the number of workers. Small
experiments run in this process: starting workers would cost more than it saves.

What the replications add up to is :mod:`sim.experiment.statistics`; the files they leave,
:mod:`sim.experiment.outputs`.
"""

from __future__ import annotations

import gc
import importlib
import math
import multiprocessing
import os
import signal
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence, TextIO

import numpy as np

from sim.experiment.config import (
    ExperimentConfig,
    Job,
    check_scenario,
    checked,
    fixed_parameters,
    is_explicit,
    load_border,
)
from sim.experiment.outputs import (
    constant_columns,
    experiment_summary,
    replication_rows,
    write_outputs,
)
from sim.experiment.progress import Progress
from sim.model.params import ModelParams

if TYPE_CHECKING:
    from sim.model.run import RunResult, RunSummary

PARAMS_STREAM = 0x5041524D  # tags the seed stream that draws parameters from a posterior
# Worker processes start only for at least this many replication-days (replications x horizon_days),
# about twice the break-even measured on two free cores (~13,000: starting and ending two forked
# workers costs ~20 ms, a 365-day run ~1.2 ms); below it they would cost more than they save.
MIN_POOL_DAYS = 30_000.0
CHUNKS_PER_WORKER = 32  # enough for the workers to finish together; few enough that messages stay rare
MAX_CHUNK = 250  # replications per chunk at most: the progress bar moves, memory per message stays small


def seed_sequences(seed: int, replications: int) -> list[np.random.SeedSequence]:
    """The generator seed of each replication."""
    return np.random.SeedSequence(seed).spawn(replications)


@dataclass(frozen=True)
class Batch:
    """What every replication of an experiment runs on; a worker process gets it with each chunk."""

    params: ModelParams
    seed: int
    horizon_days: float
    border: Any
    scenario: str
    posterior: Any = None  # calibration.posterior.Posterior to draw each replication's parameters from
    fixed: tuple[str, ...] = ()  # parameters kept at their value in ``params`` (not drawn)


def replication_params(
    params: ModelParams, posterior: Any, fixed: tuple[str, ...] | Any, seed: int, i: int
) -> tuple[ModelParams, dict[str, float] | None]:
    """Replication ``i``'s parameters, and the values drawn for it (None without a posterior): with a
    posterior, drawn on ``SeedSequence([seed, PARAMS_STREAM], spawn_key=(i,))``, ``fixed`` kept at their
    value in ``params``. Every caller that shows replication i (the dashboard too) draws them here."""
    if posterior is None:
        return params, None
    rng = np.random.default_rng(np.random.SeedSequence([seed, PARAMS_STREAM], spawn_key=(i,)))
    drawn_params = posterior.draw(rng, params, fixed)
    drawn = {n: float(v) for n, v in posterior.values_of(drawn_params).items() if n not in fixed}
    return drawn_params, drawn


def run_range(
    batch: Batch, start: int, stop: int, on_run: Callable[[int], None] | None = None
) -> tuple[list[RunSummary], RunResult | None]:
    """Run replications ``start`` to ``stop - 1``; return their summaries and, if ``start`` is 0,
    replication 0's full result (else None). ``on_run(i)`` is called after replication ``i``.

    Replication i runs on ``SeedSequence(seed, spawn_key=(i,))`` and, with a posterior, draws its
    parameters with ``SeedSequence([seed, PARAMS_STREAM], spawn_key=(i,))``: the streams
    ``spawn(N)[i]`` gives, without building the N - 1 others."""
    from sim.model.run import simulate

    summaries, first = [], None
    for i in range(start, stop):
        params, drawn = replication_params(batch.params, batch.posterior, batch.fixed, batch.seed, i)
        ss = np.random.SeedSequence(batch.seed, spawn_key=(i,))
        result = simulate(params, ss, batch.horizon_days, batch.border, batch.scenario, check=False, drawn=drawn)
        summaries.append(result.summary)
        if i == 0:
            first = result
        if on_run is not None:
            on_run(i)
    return summaries, first


def run_replications(
    params: ModelParams,
    seed: int,
    replications: int,
    horizon_days: float,
    border: Any,
    scenario: str,
    progress: Progress | None = None,
    posterior: Any = None,
    fixed: Sequence[str] = (),
    workers: int = 1,
) -> tuple[list[RunSummary], RunResult]:
    """Run the replications; return every run's summary and the first run's full result.

    With a ``posterior`` (:class:`calibration.posterior.Posterior`), replication i runs on parameters
    drawn from it with its own generator (``SeedSequence([seed, PARAMS_STREAM]).spawn(N)[i]``), on
    top of ``params``; the drawn values go into its summary (``drawn``). Parameters named in
    ``fixed`` keep their value in ``params`` (set explicitly by the user) and are not drawn.

    With ``workers`` > 1 and at least :data:`MIN_POOL_DAYS` replication-days, chunks of replications
    run in that many worker processes (:func:`run_in_pool`); the result is the same.
    """
    batch = Batch(params, seed, horizon_days, border, scenario, posterior, tuple(fixed))
    progress = progress or Progress(replications, scenario, enabled=False)
    ranges = chunks(replications, workers)
    try:
        if workers > 1 and len(ranges) > 1 and replications * horizon_days >= MIN_POOL_DAYS:
            parts = run_in_pool(batch, ranges, workers, progress)
        else:
            progress.restart()
            parts = [run_range(batch, 0, replications, lambda i: progress.update(i + 1))]
    finally:
        progress.close()
    return [s for summaries, _ in parts for s in summaries], parts[0][1]


def chunks(replications: int, workers: int) -> list[tuple[int, int]]:
    """The ranges ``(start, stop)`` of replications that the workers take one at a time."""
    size = max(1, min(MAX_CHUNK, math.ceil(replications / (max(workers, 1) * CHUNKS_PER_WORKER))))
    return [(a, min(a + size, replications)) for a in range(0, replications, size)]


def run_in_pool(
    batch: Batch, ranges: Sequence[tuple[int, int]], workers: int, progress: Progress
) -> list[tuple[list[RunSummary], RunResult | None]]:
    """Run each range of replications (:func:`run_range`) in a pool of ``workers`` processes started
    for this call and ended before it returns; return the results in the order of ``ranges``.

    Only each chunk's summaries (and replication 0's full result) come back. On Ctrl-C, SIGTERM (as
    KeyboardInterrupt) or an error, the workers end at once and the exception propagates; a worker
    also ends at once if this process dies."""
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    context = pool_context()
    stop_reader, stop_writer = context.Pipe(duplex=False)
    freeze = gc.get_freeze_count() == 0  # forked workers' collections then leave this process's objects
    if freeze:  # alone: the pages they share with it are not copied (unfrozen once the workers are gone)
        gc.freeze()
    pool = ProcessPoolExecutor(
        min(workers, len(ranges)), mp_context=context, initializer=_start_worker, initargs=(stop_reader,)
    )
    try:
        futures = {pool.submit(run_range, batch, a, b): k for k, (a, b) in enumerate(ranges)}
        progress.restart()
        parts, done = {}, 0
        for future in as_completed(futures):
            parts[futures[future]] = part = future.result()
            done += len(part[0])
            progress.update(done)
    except BaseException as e:
        stop_writer.send_bytes(b"stop")  # every worker's watcher wakes up and ends its process
        if isinstance(e, BrokenProcessPool):
            raise RuntimeError(
                "a worker process ended abruptly (killed, out of memory, or started from a script that runs "
                'threads without `if __name__ == "__main__":`); workers=1 runs the replications in this process'
            ) from e
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        stop_reader.close()
        stop_writer.close()
        if freeze:
            gc.unfreeze()
    return [parts[k] for k in range(len(ranges))]


WORKER_MODULES = ("sim.model.run", "calibration.posterior")  # what a worker runs: imported before it starts


def pool_context() -> Any:
    """How worker processes start: forked, when this process runs no other thread (they start at once
    and import nothing; a fork cannot copy a lock another thread holds if there is none), else from a
    fork server that imports the model once (a notebook's kernel runs threads)."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        for module in WORKER_MODULES:  # imported once here, not once in every forked worker (~1 s each)
            importlib.import_module(module)
        return multiprocessing.get_context("fork")
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    preload = list(WORKER_MODULES)
    default = multiprocessing.get_start_method(allow_none=True)
    if default is not None:  # a child sets this process's default method: loky's own in a joblib sweep job
        preload.append(type(multiprocessing.get_context(default)).__module__)
    if "forkserver" in methods:
        context.set_forkserver_preload(preload)
    return context


def _start_worker(stop: Any) -> None:
    """In a worker process: leave Ctrl-C to the main process, and end this process as soon as the
    main process dies or writes to ``stop`` (a worker holds nothing that needs saving)."""
    from sim.common.process import watch_parent

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    parent = multiprocessing.parent_process()  # a pipe from the process that started the pool: its end is its death
    watch_parent(os.getppid(), [stop] + ([parent.sentinel] if parent is not None else []))


def available_cores() -> int:
    """The cores this process may run on."""
    count = getattr(os, "process_cpu_count", None)  # Python 3.13: honours the CPU affinity
    if count is not None:
        return count() or 1
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:
        return os.cpu_count() or 1


def worker_count(workers: Any, explicit: bool = False, sweep_job: bool = False) -> int:
    """The processes that run an experiment's replications: ``workers`` (checked by
    :func:`sim.experiment.config.check_run`); ``auto`` or 0 is every core, except in a ``sweep_job`` (of
    a ``-m`` sweep, whose launcher already runs a job per core): there it is 1 unless set ``explicit``-ly."""
    if workers not in ("auto", 0):
        return int(workers)
    return 1 if sweep_job and not explicit else available_cores()


@dataclass
class Replicated:
    """An experiment whose replications have run, before anything is written."""

    exp: ExperimentConfig
    summaries: list[RunSummary]  # one run summary per replication
    first: RunResult  # replication 0's full result (incidents, episodes, actions)
    params_info: dict  # where the parameters came from (sim.experiment.provenance.params_info)
    provenance: dict  # code version, record digest, resolved config

    def summary(self) -> dict:
        """summary.json's content: the aggregate with ``params`` and ``provenance``."""
        return experiment_summary(self.exp, self.summaries, self.params_info, self.provenance)[0]

    def rows(self) -> list[dict]:
        """The rows of replications.csv, as dicts (replication index first)."""
        return replication_rows(self.summaries, constant_columns(self.summary()))

    def write(self, out_dir: Path, timeline: bool = True, sweep_job: bool = False) -> dict:
        """Write the output files into ``out_dir`` (:func:`sim.experiment.outputs.write_outputs`); return
        summary.json's content."""
        return write_outputs(
            Path(out_dir),
            self.exp,
            self.summaries,
            self.first,
            timeline=timeline,
            params_info=self.params_info,
            provenance=self.provenance,
            sweep_job=sweep_job,
        )


def replicate(job: Job | ExperimentConfig, border: Any = None, stream: TextIO | None = None) -> Replicated:
    """Check the config and run its replications (nothing written).

    ``job``: a :class:`sim.experiment.config.Job` (the config and the keys its user set), or a config
    alone, which has no explicit keys (what that means: :class:`~sim.experiment.config.Job`). A value the
    scenario file sets must be in the config unless its key is explicit (so a config labelled
    ``observer_mission`` runs the observer mission); with a posterior (``params=calibrated`` or a file)
    the explicit parameters stay fixed and the others are drawn. ``exp.workers`` processes run the
    replications (:func:`worker_count`: in the job of a ``-m`` sweep, one unless ``workers`` is explicit).

    Raises :class:`sim.model.params.ParameterError` or :class:`sim.record.loader.RecordError` (one-line
    messages) before anything is run.
    """
    from sim.experiment.provenance import params_info, provenance

    job = Job.of(job)
    exp, explicit = job.config, job.explicit
    if border is None:
        border = load_border(exp.record_dir)
    params, posterior = checked(exp, border.sector_ids)  # the posterior file is read here, once
    check_scenario(exp, explicit)
    fixed = fixed_parameters(exp, posterior.names, explicit) if posterior is not None else ()
    info = params_info(exp, posterior, fixed)
    progress = Progress(exp.replications, f"{exp.scenario}", enabled=exp.progress, stream=stream)
    summaries, first = run_replications(
        params,
        exp.seed,
        exp.replications,
        exp.horizon_days,
        border,
        exp.scenario,
        progress,
        posterior,
        fixed,
        workers=worker_count(exp.workers, is_explicit("workers", explicit), job.sweep_job),
    )
    return Replicated(exp, summaries, first, info, provenance(exp))


def run_experiment(
    job: Job | ExperimentConfig,
    out_dir: Path,
    border: Any = None,
    stream: TextIO | None = None,
    timeline: bool = True,
) -> dict:
    """:func:`replicate`, then write the outputs into ``out_dir``; return summary.json's content."""
    job = Job.of(job)
    return replicate(job, border, stream).write(out_dir, timeline, job.sweep_job)
