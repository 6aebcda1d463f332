"""The design: which points of the input space run, drawn by EMA Workbench's samplers (SALib underneath).

- ``sobol``: Saltelli's scheme for Sobol indices without second-order terms, N x (D + 2) points (N base
  samples, a power of two, D inputs): the rows of SALib's layout, which :mod:`explore.indices` reads back;
- ``morris``: Morris's elementary-effects screening, N trajectories of D + 1 points on a grid of
  ``levels`` levels: a cheap first look (tens of times fewer points).

The samplers draw on the unit cube (a generator seeded from the exploration's seed; scrambled Sobol
sequences) and :func:`rescale` maps each column to its input's range: uniform, log-uniform for a
log-scale input, and whole numbers for an integer input (sampled over [lo, hi + 1) and rounded down). The
same seed gives the same design, byte for byte on any CPU (``design.csv``, values written in full
precision).
"""

from __future__ import annotations

import csv
import io
import math
import warnings
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from explore.inputs import Input
from sim.common import portable

METHODS = ("sobol", "morris")
DESIGN_STREAM = 0x44455349  # tags the design's seed stream apart from the runs' (which use spawn keys)
MAX_POINTS = 10_000_000


@dataclass(frozen=True)
class Design:
    """The design points: one row per point, one column per input, in natural units."""

    method: str
    n: int  # Sobol base samples, or Morris trajectories
    inputs: tuple[Input, ...]
    values: np.ndarray  # (points, inputs)
    seed: int
    levels: int = 4  # Morris grid levels

    @property
    def points(self) -> int:
        """How many design points."""
        return int(self.values.shape[0])

    @property
    def names(self) -> list[str]:
        """The inputs' names, in column order."""
        return [i.name for i in self.inputs]

    def unit(self) -> np.ndarray:
        """The design on the unit cube, as the sampler drew it (Morris's analysis reads it)."""
        return _draw(self.method, self.inputs, self.n, self.seed, self.levels, unit=True)


def points_for(method: str, n: int, n_inputs: int) -> int:
    """How many design points a method gives: N (D + 2) for Sobol, N (D + 1) for Morris."""
    return n * (n_inputs + 2) if method == "sobol" else n * (n_inputs + 1)


def sample(inputs: Sequence[Input], method: str, n: int, seed: int, levels: int = 4) -> Design:
    """Draw the design (see the module's docstring)."""
    return Design(method, n, tuple(inputs), _draw(method, inputs, n, seed, levels, unit=False), seed, levels)


def _draw(method: str, inputs: Sequence[Input], n: int, seed: int, levels: int, unit: bool) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ema_workbench warns that ipyparallel is not installed
        from ema_workbench.em_framework.salib_samplers import get_SALib_problem

    sampler, kwargs = _sampler(method, levels)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(DESIGN_STREAM,)))
    cube = np.asarray(sampler.sample(get_SALib_problem(ema_parameters(inputs)), n, rng, **kwargs), dtype=float)
    return cube if unit else rescale(cube, inputs)


def rescale(cube: np.ndarray, inputs: Sequence[Input]) -> np.ndarray:
    """The unit-cube design in natural units, column by column: ``u (hi - lo) + lo`` (scipy's uniform
    quantile, as EMA rescales); ``exp(log lo + u (log hi - log lo))`` for a log-scale input (scipy's
    log-uniform quantile, with the C library's exp and log: numpy's vectorised ones differ between CPUs);
    whole numbers for an integer input, sampled over [lo, hi + 1) and rounded down."""
    values = np.empty_like(cube)
    for j, inp in enumerate(inputs):
        u = cube[:, j]
        if inp.scale == "log":
            lo, hi = math.log(inp.lo), math.log(inp.hi)
            values[:, j] = portable.exp(lo + u * (hi - lo))
        elif inp.scale == "integer":
            values[:, j] = np.minimum(np.floor(u * float(inp.hi + 1 - inp.lo) + inp.lo), inp.hi)
        else:
            values[:, j] = u * float(inp.hi - inp.lo) + inp.lo
    return values


def _sampler(method: str, levels: int):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.em_framework.salib_samplers import MorrisSampler, SobolSampler
    if method == "sobol":
        return SobolSampler(), {"calc_second_order": False}
    return MorrisSampler(), {"num_levels": levels}


def ema_parameters(inputs: Sequence[Input]) -> list:
    """The inputs as EMA Workbench parameters (named by :attr:`Input.key`) over their ranges: [lo, hi], or
    [lo, hi + 1) for an integer input. They name and bound the inputs; :func:`rescale` applies the scales."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench import RealParameter

    return [RealParameter(inp.key, inp.lo, inp.hi + 1 if inp.scale == "integer" else inp.hi) for inp in inputs]


def is_power_of_two(n: int) -> bool:
    """True for 1, 2, 4, 8, ..."""
    return n >= 1 and n & (n - 1) == 0


# --- design.csv -------------------------------------------------------------------------------------------


def design_csv(design: Design) -> bytes:
    """``design.csv``: ``point`` then one column per input, every value in full precision (``repr``)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["point", *design.names])
    for i, row in enumerate(design.values):
        w.writerow([i, *(repr(float(v)) for v in row)])
    return buf.getvalue().encode()


def design_npy(design: Design) -> bytes:
    """``design.npy``: the same values as a float64 array (NumPy's format), which a job slices without
    parsing the whole design."""
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(design.values, dtype=np.float64), allow_pickle=False)
    return buf.getvalue()


def read_design_array(data: bytes, n_inputs: int) -> np.ndarray:
    """The array of a ``design.npy``; raise ValueError unless it is a finite (points, ``n_inputs``) array."""
    values = np.load(io.BytesIO(data), allow_pickle=False)
    if values.ndim != 2 or values.shape[1] != n_inputs or not np.isfinite(values).all():
        raise ValueError(f"design.npy: an array of shape {values.shape}, not (points, {n_inputs}) of finite values")
    return values


def read_design_rows(data: bytes, names: Sequence[str], start: int, stop: int) -> np.ndarray:
    """Rows ``start`` to ``stop - 1`` of a ``design.csv`` whose columns are ``names``; raise ValueError if
    the file is not that design (header, point numbers, finite values)."""
    reader = csv.reader(io.StringIO(data.decode("utf-8")))
    header = next(reader, None)
    if header != ["point", *names]:
        raise ValueError(f"design.csv: header {header} is not point, {', '.join(names)}")
    rows = []
    for i, row in enumerate(reader):
        if i < start:
            continue
        if i >= stop:
            break
        values = [float(x) for x in row[1:]]
        if int(row[0]) != i or len(values) != len(names) or not all(math.isfinite(v) for v in values):
            raise ValueError(f"design.csv: line {i + 2} is not design point {i}")
        rows.append(values)
    if len(rows) != stop - start:
        raise ValueError(f"design.csv: has fewer than {stop} points")
    return np.array(rows, dtype=float).reshape(stop - start, len(names))
