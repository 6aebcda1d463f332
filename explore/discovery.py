"""Scenario discovery: the regions of the input space where the ceasefire holds, or fails (PRIM, EMA Workbench).

A design point is *of interest* when, for the target ``holds``, the ceasefire held through the horizon in at
least ``discovery.hold_share`` of its replications; for ``fails``, when it collapsed in at least
``discovery.fail_share`` of them. EMA Workbench's PRIM (Friedman and Fisher 1999, with its lenient
objective) peels the input space down to a box rich in points of interest, then pastes back what it can;
each step of that *peeling trajectory* trades:

- **coverage**: the share of all points of interest that lie in the box;
- **density**: the share of the box's points that are of interest;
- **mass**: the share of all design points in the box; **res_dim**: how many inputs it restricts.

The box reported is the step with the largest coverage among those with a density of at least
``discovery.min_density`` -- and at least halfway from the whole space's density to 1, so that a space already
mostly of interest does not yield a box barely different from it -- that restrict one to ``discovery.max_dims``
inputs (few limits read easily; the whole space, which restricts none, says nothing); if no step reaches that
density, the densest such step, said so. Each limit has a quasi-p value (Bryant and
Lempert 2010: a one-sided binomial test of the box without that limit; above 0.05 the limit may be chance).

Every row of the design counts as a point (Sobol's or Morris's): each is a uniform draw of the input space,
though not independent of the others, so coverage and density are estimates over the design.
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from explore.inputs import LEVER, Input

TARGETS = ("holds", "holds_by_policy", "fails")
"""``holds``: where the ceasefire holds, over every input; ``holds_by_policy``: the same over the levers alone (the
policy region that keeps it alive whatever the uncertainties); ``fails``: where it collapses."""


@dataclass(frozen=True)
class Limit:
    """One input the chosen box restricts: its limits and their quasi-p values (None: not restricted)."""

    input: Input
    lo: float
    hi: float
    lo_restricted: bool
    hi_restricted: bool
    qp_lo: float | None
    qp_hi: float | None

    def text(self) -> str:
        """The limit in words: ``mediation intensity >= 0.8``, ``0.2 <= x <= 0.6``."""
        inp = self.input
        if inp.scale == "integer":  # whole values inside the box
            lo, hi = int(np.ceil(self.lo - 1e-9)), int(np.floor(self.hi + 1e-9))
            a, b = str(lo), str(hi)
        else:
            a, b = inp.value_text(self.lo), inp.value_text(self.hi)
        if self.lo_restricted and self.hi_restricted:
            return f"{a} ≤ {inp.label} ≤ {b}"
        return f"{inp.label} ≥ {a}" if self.lo_restricted else f"{inp.label} ≤ {b}"

    @property
    def significant(self) -> bool:
        """Every restricted side has a quasi-p value below 0.05."""
        return all(q is None or q < 0.05 for q in (self.qp_lo, self.qp_hi))


@dataclass(frozen=True)
class Step:
    """One step of the peeling trajectory."""

    index: int
    coverage: float
    density: float
    mass: float
    res_dim: int
    n: int  # points in the box
    k: int  # points of interest in the box


@dataclass(frozen=True)
class Box:
    """What PRIM found for one target."""

    target: str  # one of TARGETS
    question: str  # the target in words
    points: int  # design points
    cases: int  # points of interest
    trajectory: tuple[Step, ...]
    chosen: int | None  # index into trajectory (None: nothing to find)
    limits: tuple[Limit, ...]
    met_density: bool  # the chosen step reaches min_density
    share_of_runs: float  # over the runs in the box: the share that held (holds) or collapsed (fails)
    min_density: float  # the density the box had to reach (target_density)
    threshold: float  # the share of runs that makes a point of interest (hold_share or fail_share)
    note: str = ""

    @property
    def step(self) -> Step | None:
        """The chosen step of the trajectory."""
        return None if self.chosen is None else self.trajectory[self.chosen]

    def words(self) -> str:
        """The box in plain words, with its coverage, density and mass."""
        if self.step is None:
            return self.note
        s = self.step
        outcome = "hold" if self.holds else "collapse"
        where = " and ".join(limit.text() for limit in self.limits)
        opening = f"With {where}" if where else "Anywhere in the explored space"
        horizon = " to the horizon" if outcome == "hold" else ""
        text = (
            f"{opening}, {s.density:.0%} of the design points {self.question_short} (density; "
            f"{self.cases / self.points:.0%} in the whole explored space), and "
            f"{self.share_of_runs:.0%} of all runs in the box {outcome}{horizon}. "
            f"The box holds {s.coverage:.0%} of all such points (coverage) and {s.mass:.0%} of the explored space "
            f"(mass: {s.n:,} of {self.points:,} points)."
        )
        if not self.met_density:
            text += f" No box with at most the allowed limits reaches a density of {self.min_density:.0%}."
        return text

    @property
    def question_short(self) -> str:
        """The target for one point: ``hold in at least 80% of their runs``."""
        return self.question.split(": ", 1)[-1]

    @property
    def holds(self) -> bool:
        """Whether the points of interest are those where the ceasefire holds."""
        return self.target.startswith("holds")

    def split(self) -> tuple[list[Limit], list[Limit]]:
        """The limits on levers (what policy controls) and on uncertainties (what it does not)."""
        return [x for x in self.limits if x.input.role == LEVER], [x for x in self.limits if x.input.role != LEVER]


def interest(target: str, collapsed: np.ndarray, hold_share: float, fail_share: float) -> tuple[np.ndarray, str]:
    """Which design points are of interest for ``target``, from each point's share collapsed; and the target
    in words."""
    collapsed = np.asarray(collapsed, dtype=float)
    eps = 1e-12  # shares are k / R: compare without rounding surprises
    if target.startswith("holds"):
        by = " (a box on the levers alone)" if target == "holds_by_policy" else ""
        return (1.0 - collapsed >= hold_share - eps), (
            f"{target}{by}: hold through the horizon in at least {hold_share:.0%} of their runs"
        )
    return (
        collapsed >= fail_share - eps
    ), f"fails: collapse within the horizon in at least {fail_share:.0%} of their runs"


def find_box(
    target: str,
    inputs: Sequence[Input],
    values: np.ndarray,
    collapsed: np.ndarray,
    hold_share: float,
    fail_share: float,
    min_density: float,
    max_dims: int,
    peel_alpha: float = 0.05,
    mass_min: float = 0.05,
) -> Box:
    """Run PRIM for ``target`` over the design ``values`` (rows = points, columns = ``inputs``) and choose a
    box (see the module's docstring)."""
    y, question = interest(target, collapsed, hold_share, fail_share)
    n, cases = int(len(y)), int(y.sum())
    threshold = hold_share if target.startswith("holds") else fail_share
    empty = dict(
        target=target,
        question=question,
        points=n,
        cases=cases,
        min_density=target_density(min_density, cases / n),
        threshold=threshold,
    )

    def no_box(note: str, whole_space: bool = False) -> Box:
        """No peeling to do: ``note`` says why (``whole_space``: every point is of interest)."""
        return Box(
            **empty,
            trajectory=(),
            chosen=None,
            limits=(),
            met_density=whole_space,
            share_of_runs=float("nan"),
            note=note,
        )

    if target == "holds_by_policy":
        levers = [j for j, inp in enumerate(inputs) if inp.role == LEVER]
        if not levers:
            return no_box("No lever is explored: there is no policy region to find.")
        inputs, values = [inputs[j] for j in levers], np.asarray(values)[:, levers]
    if cases == 0:
        return no_box(f"No design point {question.split(': ', 1)[-1]}: there is no region to find.")
    if cases == n:
        return no_box(f"Every design point {_verb(question)}: the whole explored space does.", whole_space=True)
    prim_box = _prim(inputs, values, y, peel_alpha, mass_min)
    steps = tuple(
        Step(
            int(i),
            float(r["coverage"]),
            float(r["density"]),
            float(r["mass"]),
            int(r["res_dim"]),
            int(r["n"]),
            int(r["k"]),
        )
        for i, r in enumerate(prim_box.peeling_trajectory.to_dict("records"))
    )
    chosen, met = choose(steps, target_density(min_density, cases / n), max_dims)
    limits = _limits(prim_box, chosen, inputs)
    inside = _inside(values, limits, [i.name for i in inputs])
    share = collapsed[inside]
    share_of_runs = float(np.mean(1.0 - share if target.startswith("holds") else share)) if inside.any() else math.nan
    return Box(**empty, trajectory=steps, chosen=chosen, limits=limits, met_density=met, share_of_runs=share_of_runs)


def _verb(question: str) -> str:
    return question.split(": ", 1)[-1].replace("hold ", "holds ", 1).replace("collapse ", "collapses ", 1)


def target_density(min_density: float, base: float) -> float:
    """The density a reported box must reach: ``min_density``, and at least halfway from the whole space's
    density ``base`` to 1 (the box leaves out at least half of the points not of interest), so that a space
    already mostly of interest does not yield a box that barely differs from it."""
    return max(min_density, 1 - (1 - base) / 2)


def choose(steps: Sequence[Step], min_density: float, max_dims: int) -> tuple[int, bool]:
    """The step reported: among the steps restricting 1 to ``max_dims`` inputs, the largest coverage with
    density >= ``min_density``; else the densest (ties: the larger coverage, then the earlier step). The
    unrestricted first step (the whole space) only when no other step is allowed. Returns its index and
    whether it reaches ``min_density``."""
    allowed = [s for s in steps if 1 <= s.res_dim <= max_dims] or list(steps[:1])
    dense = [s for s in allowed if s.density >= min_density - 1e-12]
    if dense:
        best = max(dense, key=lambda s: (s.coverage, s.density, -s.index))
        return best.index, True
    best = max(allowed, key=lambda s: (s.density, s.coverage, -s.index))
    return best.index, False


def _prim(inputs: Sequence[Input], values: np.ndarray, y: np.ndarray, peel_alpha: float, mass_min: float):
    import pandas as pd

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ema_workbench: ipyparallel and altair are not installed
        from ema_workbench.analysis.prim import Prim

    x = pd.DataFrame(np.asarray(values, dtype=float), columns=[i.name for i in inputs])
    quiet = logging.getLogger("EMA")
    level = quiet.level
    quiet.setLevel(logging.WARNING)
    try:
        prim = Prim(x, np.asarray(y, dtype=int), peel_alpha=peel_alpha, paste_alpha=peel_alpha, mass_min=mass_min)
        return prim.find_box()
    finally:
        quiet.setLevel(level)


def _limits(prim_box, i: int, inputs: Sequence[Input]) -> tuple[Limit, ...]:
    lims = prim_box.box_lims[i]
    initial = prim_box.box_lims[0]
    qps = prim_box.p_values[i] if i < len(prim_box.p_values) else {}
    out = []
    for inp in inputs:
        lo, hi = float(lims.at[0, inp.name]), float(lims.at[1, inp.name])
        lo_r = lo > float(initial.at[0, inp.name])
        hi_r = hi < float(initial.at[1, inp.name])
        if not (lo_r or hi_r):
            continue
        qp = qps.get(inp.name, [-1, -1])
        out.append(
            Limit(
                inp,
                lo,
                hi,
                lo_r,
                hi_r,
                float(qp[0]) if lo_r and qp[0] >= 0 else None,
                float(qp[1]) if hi_r and qp[1] >= 0 else None,
            )
        )
    return tuple(out)


def _inside(values: np.ndarray, limits: Sequence[Limit], names: Sequence[str]) -> np.ndarray:
    """Which design points lie in the box."""
    mask = np.ones(len(values), dtype=bool)
    for limit in limits:
        col = values[:, names.index(limit.input.name)]
        mask &= (col >= limit.lo) & (col <= limit.hi)
    return mask


def inside(values: np.ndarray, box: Box, names: Sequence[str]) -> np.ndarray:
    """Which design points lie in the chosen box (all when it restricts nothing)."""
    return _inside(values, box.limits, names)
