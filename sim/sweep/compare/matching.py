"""Matching the jobs of two sweeps by their swept values; what cannot be compared (:class:`CompareError`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence


class CompareError(Exception):
    """Two folders that cannot be compared; ``str()`` is the one line shown after ``error:``."""


@dataclass
class Pair:
    """A job of sweep A and the job of sweep B with the same swept values (either may be None)."""

    values: dict[str, Any]
    a: Any  # sim.sweep.aggregate.Job or None
    b: Any
    row: dict[str, Any] | None = None


def match_key(values: dict[str, Any], keys: Sequence[str]) -> tuple:
    """A job's swept values as a key that matches across sweeps (numbers as floats)."""
    from sim.sweep.aggregate import format_value

    out = []
    for k in keys:
        v = values.get(k)
        out.append(float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else format_value(v))
    return tuple(out)


def load_pair(path_a: str, path_b: str) -> tuple[Any, Any, list[Pair]]:
    """Read both sweeps and match their jobs; raise :class:`CompareError` when they cannot be compared."""
    from sim.sweep.aggregate import SweepError, read_sweep

    sweeps = []
    for name, p in (("SWEEP_A", path_a), ("SWEEP_B", path_b)):
        try:
            sweeps.append(read_sweep(p))
        except SweepError as e:
            raise CompareError(f"{name}: {e}") from None
    a, b = sweeps
    if set(a.params) != set(b.params):
        fa = ", ".join(a.params) or "nothing"
        fb = ", ".join(b.params) or "nothing"
        raise CompareError(
            f"cannot compare: {path_a} sweeps {fa} but {path_b} sweeps {fb}; compare sweeps over the same parameters"
        )
    if not a.params:
        raise CompareError(f"cannot compare: {path_a} and {path_b} sweep no parameter")
    for name, s in (("SWEEP_A", a), ("SWEEP_B", b)):
        if not s.finished:
            raise CompareError(f"{name}: {s.path} has no finished job")
    ha = sorted({j.horizon_days for j in a.finished})
    hb = sorted({j.horizon_days for j in b.finished})
    if ha != hb or len(ha) != 1:
        raise CompareError(
            f"cannot compare: horizons differ ({path_a}: {_days(ha)}; {path_b}: {_days(hb)}); "
            f"collapse shares and censored medians are only comparable at one horizon"
        )
    keys = list(a.params)
    b_jobs = {match_key(j.values, keys): j for j in b.jobs}
    pairs = []
    for j in a.jobs:
        other = b_jobs.pop(match_key(j.values, keys), None)
        if other is not None:
            pairs.append(Pair(dict(j.values), j, other))
    if not pairs:
        raise CompareError(f"cannot compare: no job of {path_a} has the same swept values as one of {path_b}")
    return a, b, pairs


def _days(hs: Sequence[float]) -> str:
    return ", ".join(f"{h:g}" for h in hs) + " days"


def unmatched(a: Any, b: Any, pairs: Sequence[Pair]) -> str:
    """Lines naming the jobs found in only one of the two sweeps (empty if none)."""
    keys = list(a.params)
    matched = {match_key(p.values, keys) for p in pairs}
    only_a = [j.label(keys) for j in a.jobs if match_key(j.values, keys) not in matched]
    only_b = [j.label(b.params) for j in b.jobs if match_key(j.values, keys) not in matched]
    parts = []
    if only_a:
        parts.append(f"only in A (not compared): {'; '.join(only_a)}")
    if only_b:
        parts.append(f"only in B (not compared): {'; '.join(only_b)}")
    return "\n".join(parts)
