"""The settings of ``ceasefire-explore`` (``conf/explore.yaml``, ``conf/exploration/``) and their checks.

Each check raises :class:`sim.model.params.ParameterError` with one line naming the key, the value and what
is allowed; the command turns it into ``error: ...`` and exit code 2 before anything is written.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from explore.design import MAX_POINTS, METHODS, is_power_of_two, points_for
from explore.inputs import DEFAULT_INPUTS
from sim.common.messages import shown
from sim.common.values import MAX_SEED
from sim.model.params import ParameterError

MAX_REPLICATIONS = 100_000
MAX_N = 1 << 20
MAX_HORIZON_DAYS = 36_500.0


@dataclass
class ExplorationSettings:
    """What is explored and how (the config group ``exploration``: ``conf/exploration/NAME.yaml``)."""

    method: str = "sobol"  # sobol (indices and PRIM) | morris (screening: a quick look)
    n: int = 2048  # Sobol base samples (a power of two), or Morris trajectories
    replications: int = 12  # runs per design point, on the same random streams at every point
    horizon_days: float = 365.0
    seed: int = 2022
    range_source: str = "posterior"  # posterior (its 90% intervals) | priors | the path of a posterior.csv
    inputs: list[str] = field(default_factory=lambda: list(DEFAULT_INPUTS))
    add: list[str] = field(default_factory=list)  # inputs added to ``inputs``
    ranges: dict[str, Any] = field(default_factory=dict)  # name -> [lo, hi] or [lo, hi, scale]
    morris_levels: int = 4
    chunk_size: int = 256  # design points per job

    def check(self, n_inputs: int) -> None:
        """Raise :class:`ParameterError` (one line) on the first setting out of range; ``n_inputs``: the
        design's inputs (for its size)."""
        if self.method not in METHODS:
            raise ParameterError(
                f"exploration.method={shown(self.method)!r} is not allowed; allowed: {', '.join(METHODS)}"
            )
        _integer("exploration.n", self.n, 1, MAX_N)
        if self.method == "sobol" and not is_power_of_two(self.n):
            lower = 1 << (self.n.bit_length() - 1)
            raise ParameterError(
                f"exploration.n={self.n} is not a power of two; Sobol sequences need one: allowed 2, 4, ..., "
                f"e.g. {lower} or {lower * 2}"
            )
        if self.method == "sobol" and self.n < 2:
            raise ParameterError("exploration.n=1 is too small for Sobol indices; allowed: a power of two from 2")
        if self.method == "morris" and self.n < 2:
            raise ParameterError("exploration.n=1: Morris screening needs at least 2 trajectories")
        _integer("exploration.replications", self.replications, 1, MAX_REPLICATIONS)
        _integer("exploration.seed", self.seed, 0, MAX_SEED)
        _integer("exploration.chunk_size", self.chunk_size, 1, 1_000_000)
        _integer("exploration.morris_levels", self.morris_levels, 2, 100)
        if self.method == "morris" and self.morris_levels % 2:
            raise ParameterError(
                f"exploration.morris_levels={self.morris_levels} is odd; allowed: an even number (4 is usual)"
            )
        h = self.horizon_days
        if isinstance(h, bool) or not isinstance(h, (int, float)) or not _finite(h) or not 0 < h <= MAX_HORIZON_DAYS:
            raise ParameterError(
                f"exploration.horizon_days={h} is out of range; allowed (0, {MAX_HORIZON_DAYS:g}] days"
            )
        points = points_for(self.method, self.n, n_inputs)
        if points > MAX_POINTS:
            raise ParameterError(
                f"exploration.n={self.n}: {points:,} design points over {n_inputs} inputs; allowed at most "
                f"{MAX_POINTS:,}"
            )


@dataclass
class DiscoverySettings:
    """Scenario discovery (PRIM): what counts as holding or failing, and which box is chosen."""

    hold_share: float = 0.8  # a point "holds" when at least this share of its replications hold to the horizon
    fail_share: float = 0.5  # a point "fails" when at least this share of its replications collapse
    min_density: float = 0.8  # the chosen box: the largest coverage with at least this density ...
    max_dims: int = 4  # ... restricting at most this many inputs
    peel_alpha: float = 0.05  # PRIM's peeling step (share of points removed per step)
    mass_min: float = 0.05  # PRIM stops peeling below this share of the points

    def check(self) -> None:
        """Raise :class:`ParameterError` (one line) on the first setting out of range."""
        for key, lo, hi, lo_open in (
            ("hold_share", 0.0, 1.0, True),
            ("fail_share", 0.0, 1.0, True),
            ("min_density", 0.0, 1.0, True),
            ("peel_alpha", 0.0, 0.5, True),
            ("mass_min", 0.0, 0.5, True),
        ):
            v = getattr(self, key)
            ok = not isinstance(v, bool) and isinstance(v, (int, float)) and _finite(v)
            if not ok or not (lo < v <= hi if lo_open else lo <= v <= hi):
                raise ParameterError(f"discovery.{key}={v} is out of range; allowed ({lo:g}, {hi:g}]")
        _integer("discovery.max_dims", self.max_dims, 1, 1000)


@dataclass
class SensitivitySettings:
    """The indices' intervals: SALib's bootstrap over the base samples, and resamples of the replications."""

    resamples: int = 500  # bootstrap over the base samples (SALib)
    conf_level: float = 0.95
    stream_resamples: int = 100  # random halvings of the replications: the indices' spread over streams

    def check(self) -> None:
        """Raise :class:`ParameterError` (one line) on the first setting out of range."""
        _integer("sensitivity.resamples", self.resamples, 10, 100_000)
        _integer("sensitivity.stream_resamples", self.stream_resamples, 2, 100_000)
        v = self.conf_level
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not _finite(v) or not 0 < v < 1:
            raise ParameterError(f"sensitivity.conf_level={v} is out of range; allowed (0, 1)")


@dataclass
class ExploreConfig:
    """The ``ceasefire-explore`` config (``conf/explore.yaml``)."""

    exploration: ExplorationSettings = field(default_factory=ExplorationSettings)
    discovery: DiscoverySettings = field(default_factory=DiscoverySettings)
    sensitivity: SensitivitySettings = field(default_factory=SensitivitySettings)
    # The model for what is not explored: a scenario (conf/scenario/) and any values on top of it
    # (+base.offensive.max_days=3); the inputs' values replace these at every design point.
    base: dict[str, Any] = field(default_factory=lambda: {"scenario": "sept2022"})
    record_dir: str = ""
    publish: bool = False  # also write the report and results into explore/results/
    plots: bool = True
    progress: bool = True
    chunk: int = -1  # set by the command for each of its jobs: the chunk of design points it runs


def _integer(key: str, v: Any, lo: int, hi: int) -> None:
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        raise ParameterError(f"{key}={shown(v)} is out of range; allowed: an integer from {lo} to {hi:,}")


def _finite(v: float) -> bool:
    try:
        return math.isfinite(v)
    except OverflowError:
        return False
