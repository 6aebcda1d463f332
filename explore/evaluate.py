"""Running design points: EMA Workbench's ``ReplicatorModel`` around the model, one chunk at a time.

The model is an EMA ``ReplicatorModel``: its uncertainties and levers are the exploration's inputs, its
outcomes the per-run values of :mod:`explore.outcomes` (one value per replication), its replications
``[{"replication": 0}, ..., {"replication": R - 1}]``. Replication ``r`` of every design point runs on
``numpy.random.SeedSequence(seed, spawn_key=(r,))`` -- the stream of replication ``r`` of
``ceasefire-sim seed=S`` -- so every point sees the same random streams (common random numbers):
differences between points come from the inputs, not from the luck of the draw.

A chunk (a range of design points: one job of the command) runs in one process with EMA's
``SequentialEvaluator``; the command's launcher runs the chunks in parallel (:mod:`explore.cli`). A chunk's
result is a function of its design rows, the seed and the base parameters alone, so the results are the
same bytes whatever the launcher, the number of workers, or the order in which chunks run.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import logging
import warnings
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from explore import store
from explore.inputs import LEVER, Input, apply
from explore.outcomes import NAMES, run_values
from sim.model.params import ModelParams, validate


class Replication:
    """EMA's model function: one replication of one design point, its outcomes by name.

    The parameters of a point are built once and reused for its replications (EMA calls the function
    once per replication, with the same values)."""

    def __init__(
        self,
        base: ModelParams,
        inputs: Sequence[Input],
        sectors: Sequence[str],
        border: Any,
        horizon_days: float,
        seed: int,
    ):
        self.base, self.inputs, self.sectors = base, tuple(inputs), tuple(sectors)
        self.keys = tuple(i.key for i in self.inputs)
        self.border, self.horizon_days, self.seed = border, float(horizon_days), int(seed)
        self._key: tuple | None = None
        self._params: ModelParams | None = None

    def params(self, values: Sequence[float]) -> ModelParams:
        """The parameters of the design point with these input values (checked once per point)."""
        key = tuple(values)
        if key != self._key:
            params = apply(self.base, self.inputs, values, self.sectors)
            validate(params, sectors=self.border.sector_ids)
            self._key, self._params = key, params
        return self._params  # type: ignore[return-value]

    def __call__(self, replication: int = 0, **values: float) -> dict[str, float]:
        """Run replication ``replication`` of the point whose input values are ``values`` (by key)."""
        from sim.model.run import simulate

        params = self.params([values[k] for k in self.keys])
        ss = np.random.SeedSequence(self.seed, spawn_key=(int(replication),))
        return run_values(simulate(params, ss, self.horizon_days, self.border, "explore", check=False))


@contextlib.contextmanager
def heap_frozen():
    """Leave what this process holds now (modules, configs, EMA Workbench, pandas) out of the garbage
    collections that the runs trigger, then put it back.

    A run creates cyclic garbage (the model and its agents) that the collector frees after it; every so often
    a full collection also walks every object the process holds, which in a job's process (Hydra, EMA
    Workbench, pandas, scipy) cost 10-30% of the runs' time. ``gc.freeze`` moves the objects alive now out
    of the collector's reach until ``gc.unfreeze``; garbage collected first, so nothing is kept alive."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def as_lever(inputs: Sequence[Input]) -> list[bool]:
    """Which inputs EMA is given as levers: the levers, unless every input is one -- EMA then needs them
    as uncertainties (it fills an empty set of scenarios from the policies' own parameters and refuses the
    overlap). The role only tells EMA how to pair the values; each design point runs the same either way."""
    levers = [i.role == LEVER for i in inputs]
    return [False] * len(levers) if all(levers) else levers


def ema_model(
    function: Callable[..., dict], inputs: Sequence[Input], replications: int, outcomes: Sequence[str] = NAMES
) -> Any:
    """The EMA Workbench ``ReplicatorModel`` of the exploration: inputs as uncertainties and levers, one
    array outcome per name of ``outcomes`` (a value per replication), ``replications`` runs."""
    from explore.design import ema_parameters

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ipyparallel is not installed: EMA warns about its evaluator
        from ema_workbench import ArrayOutcome, ReplicatorModel

    model = ReplicatorModel("ceasefire", function=function)
    parameters = dict(zip((i.name for i in inputs), ema_parameters(inputs)))  # named by key
    lever = as_lever(inputs)
    model.uncertainties = [parameters[i.name] for i, is_lever in zip(inputs, lever) if not is_lever]
    model.levers = [parameters[i.name] for i, is_lever in zip(inputs, lever) if is_lever]
    model.outcomes = [ArrayOutcome(name) for name in outcomes]
    model.replications = [{"replication": r} for r in range(replications)]
    return model


def run_points(
    function: Callable[..., dict],
    inputs: Sequence[Input],
    values: np.ndarray,
    first: int,
    replications: int,
    outcomes: Sequence[str] = NAMES,
) -> np.ndarray:
    """Run every replication of the design points ``values`` (rows; the first is point ``first``) through
    EMA's ``perform_experiments`` with ``function`` as the model (a :class:`Replication`, or any function of
    ``replication`` and the inputs by :attr:`~explore.inputs.Input.key` returning ``outcomes`` by name);
    return every run's value of every outcome, an array (points, replications, outcomes)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench import Sample, SequentialEvaluator, perform_experiments

    model = ema_model(function, inputs, replications, outcomes)
    scenarios, policies = [], []
    for k, row in enumerate(values):
        point = first + k
        by_role = {LEVER: {}, "other": {}}
        for inp, is_lever, v in zip(inputs, as_lever(inputs), row):
            by_role[LEVER if is_lever else "other"][inp.key] = float(v)
        # named by the point: EMA's own counters would name them by how many samples this process made
        scenarios.append(Sample(name=f"point {point}", unique_id=point, **by_role["other"]))
        policies.append(Sample(name=f"point {point}", unique_id=point, **by_role[LEVER]))
    quiet = logging.getLogger("EMA")
    level = quiet.level
    quiet.setLevel(logging.WARNING)  # EMA logs every batch at INFO; the command reports progress itself
    try:
        with heap_frozen():
            _, results = perform_experiments(
                model,
                scenarios=scenarios if model.uncertainties else 0,
                policies=policies if model.levers else 0,
                combine="cycle",
                evaluator=SequentialEvaluator(model),
                log_progress=True,  # through the (quiet) logger, not a progress bar of its own
            )
    finally:
        quiet.setLevel(level)
    out = np.empty((len(values), replications, len(outcomes)))
    for j, name in enumerate(outcomes):
        per_run = np.asarray(results[name], dtype=float).reshape(len(values), -1)
        if per_run.shape[1] != replications:
            raise RuntimeError(f"{per_run.shape[1]} replications of {name}, not {replications}")
        out[:, :, j] = per_run
    return out


def evaluate_chunk(folder: Path, chunk: int) -> Path:
    """Run chunk ``chunk`` of the exploration in ``folder`` (its manifest and design) and write its file;
    return the file's path. A chunk already finished is left as it is."""
    from explore.design import read_design_array
    from explore.plan import from_manifest

    folder = Path(folder)
    plan = from_manifest(store.read_manifest(folder))
    ranges = store.chunk_ranges(plan.points, plan.chunk_size)
    if not 0 <= chunk < len(ranges):
        raise ValueError(f"chunk={chunk} is not a chunk of this exploration (0 to {len(ranges) - 1})")
    start, stop = ranges[chunk]
    path = store.chunk_path(folder, start, stop)
    if store.finished(folder, [(start, stop)], plan.replications, len(NAMES))[0]:
        return path
    plan.check_record()
    data = (folder / store.DESIGN_ARRAY).read_bytes()
    if hashlib.sha256(data).hexdigest() != plan.design_array_sha256:
        raise RuntimeError(
            f"{store.DESIGN_ARRAY} is not this exploration's design (its sha256 differs from {store.MANIFEST}'s)"
        )
    values = read_design_array(data, len(plan.inputs))[start:stop]
    replication = Replication(plan.base, plan.inputs, plan.sectors, plan.border(), plan.horizon_days, plan.seed)
    per_run = run_points(replication, replication.inputs, values, start, plan.replications)
    from sim.common.files import write_atomic

    write_atomic(path, store.chunk_npy(per_run))
    store.failure_path(folder, start, stop).unlink(missing_ok=True)
    return path
