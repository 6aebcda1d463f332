"""A posterior on disk (``posterior.csv``): reading it, its intervals, and drawing calibrated parameter sets."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from calibration.priors import FREE_PARAMETERS, apply
from sim.common import resources
from sim.common.files import kind
from sim.common.messages import shown
from sim.model.params import ModelParams, ParameterError, validate

RESULTS = resources.CALIBRATION_RESULTS
"""The committed calibrated set, ``posterior.csv``, ``run.json``, ``report.md``: calibration/results/ of
the checkout or of the installed copy (sim/common/resources.py)."""


class PosteriorError(ValueError):
    """A missing or malformed posterior file (one-line message naming it)."""


@dataclass(frozen=True)
class Posterior:
    """Weighted posterior samples of the free parameters, natural scale (what ``posterior.csv`` holds)."""

    names: tuple[str, ...]
    values: np.ndarray  # (n_samples, n_parameters), natural scale
    weights: np.ndarray  # (n_samples,), sums to 1
    sha256: str = ""  # of the file it was read from ("" when built in memory)

    @classmethod
    def load(cls, path: str | Path = RESULTS / "posterior.csv") -> Posterior:
        """Read weighted samples; a bad file raises a one-line error naming it.

        Checked: a text (UTF-8) CSV file; a header of distinct free parameters (calibration/priors.py)
        and ``weight`` last; every row as long as the header; every value a finite number inside both
        the model's allowed range (sim/model/params.py) and the parameter's prior (a posterior sample
        cannot lie outside its prior); weights >= 0 with a positive sum.
        """
        path = Path(path)
        if kind(path) != "file":
            what = "is a folder, not" if kind(path) == "folder" else "no such"
            raise PosteriorError(f"{path}: {what} posterior file; run ceasefire-calibrate first")
        try:
            raw = path.read_bytes()
        except OSError as e:
            raise PosteriorError(f"{path}: cannot be read ({e.strerror or e})") from None
        if b"\x00" in raw:
            raise PosteriorError(
                f"{path}: binary content; expected a posterior.csv (text) written by ceasefire-calibrate"
            )
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise PosteriorError(
                f"{path}: not UTF-8 text (byte 0x{raw[e.start]:02x} at offset {e.start}); "
                "expected a posterior.csv written by ceasefire-calibrate"
            ) from None
        text = text.removeprefix("\ufeff")  # the byte-order mark a spreadsheet writes first
        try:
            reader = csv.reader(io.StringIO(text, newline=""))
            numbered = [(reader.line_num, r) for r in reader if r]
        except csv.Error as e:
            raise PosteriorError(f"{path}: not a CSV file ({e})") from None
        rows = [r for _, r in numbered]
        by_name = {p.name: p for p in FREE_PARAMETERS}
        header = [h.strip() for h in rows[0]] if rows else []
        expected = "expected a header of free parameters and 'weight', then samples; free parameters: " + ", ".join(
            by_name
        )
        if not header or header[-1] != "weight":
            other = next((d for d in ";\t|" if len(header) == 1 and d in header[0]), None)
            hint = f"its columns are separated by {other!r}, not commas; " if other else ""
            raise PosteriorError(f"{path}: not a posterior ({hint}{expected})")
        names = header[:-1]
        unknown = [n for n in names if n not in by_name]
        if unknown or not names:
            what = f"unknown column {shown(unknown[0])!r}" if unknown else "no parameter column"
            raise PosteriorError(f"{path}: not a posterior: {what}; {expected}")
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise PosteriorError(
                f"{path}: column {shown(repeated[0])!r} appears more than once; each parameter may have one column"
            )
        if len(rows) < 2:
            raise PosteriorError(f"{path}: no samples; {expected}")
        data = np.empty((len(rows) - 1, len(header)))
        for i, (line, r) in enumerate(numbered[1:]):
            if len(r) != len(header):
                raise PosteriorError(
                    f"{path}: line {line} has {len(r)} values; expected {len(header)} (one per column of the header)"
                )
            for j, x in enumerate(r):
                try:
                    v = float(x)
                except ValueError:
                    raise PosteriorError(
                        f"{path}: line {line}, {header[j]}: {shown(x.strip())!r} is not a number"
                    ) from None
                if not math.isfinite(v):
                    raise PosteriorError(
                        f"{path}: line {line}, {header[j]}: {shown(x.strip())} is not a finite "
                        "number; allowed: finite numbers"
                    )
                data[i, j] = v
        lines = [line for line, _ in numbered[1:]]
        for j, name in enumerate(names):
            _check_column(path, name, data[:, j], lines)
        w = data[:, -1]
        if (w < 0).any():
            k = int(np.argmax(w < 0))
            raise PosteriorError(
                f"{path}: line {lines[k]}, weight: {w[k]:g} is negative; weights must be "
                "finite and non-negative, with a positive sum"
            )
        with np.errstate(over="ignore"):  # weights summing past the largest float: refused below
            total = w.sum()
        if not total > 0 or not np.isfinite(total):
            raise PosteriorError(f"{path}: weights must be finite and non-negative, with a positive sum")
        return cls(tuple(names), data[:, :-1], w / total, hashlib.sha256(raw).hexdigest())

    def column(self, name: str) -> np.ndarray:
        """The samples of the parameter ``name`` (dotted), natural scale."""
        return self.values[:, self.names.index(name)]

    def quantile(self, name: str, q: float) -> float:
        """The weighted ``q``-quantile of the parameter ``name``, natural scale."""
        return weighted_quantile(self.column(name), self.weights, q)

    def values_of(self, params: ModelParams) -> dict[str, float]:
        """The free parameters' values in ``params`` (dotted names)."""
        out = {}
        for name in self.names:
            group, field = name.split(".")
            out[name] = getattr(getattr(params, group), field)
        return out

    def draw(
        self, rng: np.random.Generator, base: ModelParams | None = None, fixed: tuple[str, ...] | frozenset[str] = ()
    ) -> ModelParams:
        """One parameter set drawn from the posterior (by weight) with ``rng``, on top of ``base``.

        Parameters in ``fixed`` keep their value in ``base``; the others take the drawn sample's
        values (which ignores their posterior correlation with the fixed ones). The same sample is
        drawn whatever ``fixed`` is, so runs with and without fixed parameters share their draws.
        """
        i = int(rng.choice(len(self.weights), p=self.weights))
        return apply({n: v for n, v in zip(self.names, self.values[i]) if n not in fixed}, base)


def _check_column(path: Path, name: str, values: np.ndarray, lines: list[int]) -> None:
    """Every value of a parameter column inside the model's range and the parameter's prior."""
    p = next(fp for fp in FREE_PARAMETERS if fp.name == name)
    group, field = name.split(".")
    base = ModelParams()
    tol = 1e-9 * max(abs(p.lo), abs(p.hi), 1.0)  # the log-scale bounds round-trip through 10**x
    for line, v in zip(lines, values):
        try:
            validate(dataclasses.replace(getattr(base, group), **{field: float(v)}), prefix=f"{group}.")
        except ParameterError as e:
            raise PosteriorError(f"{path}: line {line}, {e}") from None
        if not p.lo - tol <= v <= p.hi + tol:
            raise PosteriorError(
                f"{path}: line {line}, {name}={v:g} is outside the prior of the calibration "
                f"[{p.lo:g}, {p.hi:g}] (calibration/priors.py); a posterior sample cannot lie "
                "outside its prior"
            )


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The q-quantile of a weighted sample (inverse of the weighted empirical CDF)."""
    order = np.argsort(values, kind="stable")
    v, w = np.asarray(values)[order], np.asarray(weights)[order]
    cdf = np.cumsum(w) / np.sum(w)
    return float(v[min(int(np.searchsorted(cdf, q, side="left")), len(v) - 1)])
