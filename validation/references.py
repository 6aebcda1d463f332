"""Statistical reference forecasters of the validation window, fitted only on the calibration window.

Both fit on the episodes starting in ``[0, fit_hours)`` (default: the ceasefire to the end of 28 Sept,
:data:`sim.record.patterns.WINDOW_HOURS`) and forecast weekly counts of :data:`validation.scores.QUANTITIES`
as integer arrays of shape ``(M, W)``. They share the marks model (:class:`Marks`: which violations
have casualties and how many each side loses) and differ only in when violations happen: a constant
but uncertain rate (:class:`NegativeBinomialRate`) or a self-exciting process (:class:`HawkesProcess`).
Times are hours since the ceasefire; ``week_edges_hours`` (W + 1 increasing values) bound the weeks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar, Sequence

import numpy as np
from scipy.optimize import minimize
from scipy.stats import gamma

from sim.common import portable
from sim.model.params import SIDES
from sim.record.patterns import WINDOW_HOURS, Episode
from validation.scores import QUANTITIES

HOURS_PER_WEEK = 168.0
BETA_BOUNDS = (1.0 / (30 * 24.0), 1.0)  # Hawkes decay rate per hour: 30 days to 1 hour
ALPHA_BOUNDS = (0.0, 0.95)  # Hawkes branching ratio
MU_BOUNDS = (1e-8, 10.0)  # Hawkes baseline rate per hour


def calibration_episodes(episodes: Sequence[Episode], fit_hours: float) -> list[Episode]:
    """The episodes starting in ``[0, fit_hours)``, in time order — the only data a reference sees."""
    return sorted((e for e in episodes if 0.0 <= e.start_hours < fit_hours), key=lambda e: e.start_hours)


def _has_casualties(e: Episode) -> bool:
    return any(e.killed.get(s, 0) + e.wounded.get(s, 0) > 0 for s in SIDES)


def _week_edges(start_hours: float, fit_hours: float, week_edges_hours: Sequence[float]) -> np.ndarray:
    """``week_edges_hours`` as an array, checked: increasing, after ``start_hours`` >= ``fit_hours``."""
    edges = np.asarray(week_edges_hours, dtype=float)
    if edges.ndim != 1 or edges.size < 2 or np.any(np.diff(edges) <= 0):
        raise ValueError("week_edges_hours must be at least two increasing values")
    if start_hours < fit_hours or edges[0] < start_hours:
        raise ValueError("forecasts start at or after the fitted window, and weeks at or after the start")
    return edges


@dataclass(frozen=True)
class Marks:
    """What a violation brings: casualties or not, then each side's killed.

    Casualties (any killed or wounded on either side): probability p ~ Beta(0.5 + c, 0.5 + n − c), the
    Jeffreys prior updated with c of the n calibration episodes having casualties; p is drawn once per
    path (so casualty counts are beta-binomial over the window). The killed (ARM, AZE) of a violation
    with casualties are a bootstrap draw from the calibration episodes with casualties (none if there
    were none).
    """

    beta_a: float
    beta_b: float
    killed_pairs: np.ndarray  # (K, 2): killed ARM, AZE of each calibration casualty episode

    @classmethod
    def fit(cls, episodes: Sequence[Episode]) -> Marks:
        """Marks fitted on the calibration ``episodes``: the Beta posterior and the casualty episodes' killed."""
        cas = [e for e in episodes if _has_casualties(e)]
        pairs = np.array([[e.killed.get(s, 0) for s in SIDES] for e in cas], dtype=np.int64).reshape(-1, 2)
        return cls(0.5 + len(cas), 0.5 + len(episodes) - len(cas), pairs)

    def sample(self, rng: np.random.Generator, violations: np.ndarray) -> dict[str, np.ndarray]:
        """Casualty episodes and killed per side for each cell of ``violations`` (M, W)."""
        m, w = violations.shape
        p = rng.beta(self.beta_a, self.beta_b, size=m)
        cas = rng.binomial(violations, p[:, None]).astype(np.int64)
        killed = np.zeros((2, m * w), dtype=np.int64)
        if len(self.killed_pairs) and cas.sum():
            cell = np.repeat(np.arange(m * w), cas.ravel())
            drawn = self.killed_pairs[rng.integers(0, len(self.killed_pairs), size=cell.size)]
            for i in range(2):
                killed[i] = np.bincount(cell, weights=drawn[:, i], minlength=m * w).round().astype(np.int64)
        out = {"violations": violations.astype(np.int64), "with_casualties": cas}
        out.update({f"killed_{s}": killed[i].reshape(m, w) for i, s in enumerate(SIDES)})
        return {q: out[q] for q in QUANTITIES}

    def describe(self) -> str:
        """One paragraph for the report: the casualty probability and the killed drawn."""
        pairs = ", ".join(f"({a}, {b})" for a, b in self.killed_pairs) or "none"
        p = self.beta_a / (self.beta_a + self.beta_b)
        return (
            f"A violation has casualties with probability Beta({self.beta_a:g}, {self.beta_b:g}), mean {p:.2f} "
            f"(Jeffreys prior plus the calibration share); the killed (ARM, AZE) of each such violation are "
            f"drawn from the calibration window's casualty episodes: {pairs}."
        )


@dataclass(frozen=True)
class NegativeBinomialRate:
    """Violations as a Poisson process with an uncertain constant rate; weekly counts negative binomial.

    Rate prior Gamma(shape 0.5, rate 0.5 per week), i.e. half an event in half a week of pseudo-exposure
    (Jeffreys-like, prior mean 1 a week); the posterior after n events in ``fit_hours`` is
    Gamma(0.5 + n, 84 h + fit_hours). Each path draws its rate once and then Poisson counts per week,
    so weeks of a path share the rate and window totals are negative binomial. Marks: :class:`Marks`.
    """

    name: ClassVar[str] = "negative-binomial rate"
    shape: float  # posterior Gamma shape
    rate_hours: float  # posterior Gamma rate: hours of exposure, prior included
    n_events: int
    fit_hours: float
    marks: Marks

    @classmethod
    def fit(
        cls,
        episodes: Sequence[Episode],
        fit_hours: float = WINDOW_HOURS,
        prior_shape: float = 0.5,
        prior_weeks: float = 0.5,
    ) -> NegativeBinomialRate:
        """The rate's Gamma posterior from the violations in ``[0, fit_hours)`` of ``episodes``."""
        eps = calibration_episodes(episodes, fit_hours)
        return cls(
            prior_shape + len(eps), prior_weeks * HOURS_PER_WEEK + fit_hours, len(eps), fit_hours, Marks.fit(eps)
        )

    def sample(
        self, rng: np.random.Generator, n_paths: int, start_hours: float, week_edges_hours: Sequence[float]
    ) -> dict[str, np.ndarray]:
        """Forecast weekly counts, ``(n_paths, W)`` per quantity: a rate per path, Poisson weeks, marks."""
        widths = np.diff(_week_edges(start_hours, self.fit_hours, week_edges_hours))
        rate = rng.gamma(self.shape, 1.0 / self.rate_hours, size=n_paths)
        return self.marks.sample(rng, rng.poisson(rate[:, None] * widths[None, :]))

    def describe(self) -> str:
        """One paragraph for the report: the fitted rate a week with its 90% interval, and the marks."""
        per_week = HOURS_PER_WEEK / self.rate_hours
        lo, hi = gamma.ppf([0.05, 0.95], self.shape) * per_week
        return (
            f"{self.name}: {self.n_events} violations in the {self.fit_hours:g} h calibration window; with a "
            f"Gamma(0.5, 0.5 week) prior the rate is Gamma({self.shape:g}, {self.rate_hours / HOURS_PER_WEEK:.2f} "
            f"weeks), mean {self.shape * per_week:.2f} a week (90% {lo:.2f}-{hi:.2f}), constant through the "
            f"forecast. " + self.marks.describe()
        )


def hawkes_loglik(
    times: Sequence[float], end_hours: float, mu: float, alpha: float, beta: float, history: Sequence[float] = ()
) -> float:
    """Log-likelihood of the event ``times`` in ``[0, end_hours)`` under λ(t) = μ + Σ αβ exp(−β(t − t_i)).

    The sum runs over earlier events, ``history`` (times < 0) included: they excite but are not modelled.
    """
    t = np.sort(np.asarray(times, dtype=float))
    src = np.concatenate([np.asarray(history, dtype=float), t])
    lag = t[:, None] - src[None, :]
    excite = np.where(lag > 0, portable.exp(-beta * np.maximum(lag, 0.0)), 0.0).sum(axis=1)
    compensator = mu * end_hours + alpha * np.sum(
        portable.exp(-beta * np.maximum(-src, 0.0)) - portable.exp(-beta * (end_hours - src))
    )
    return float(np.sum(portable.log(mu + alpha * beta * excite)) - compensator)


@dataclass(frozen=True)
class HawkesFit:
    """Maximum-likelihood Hawkes parameters (per hour), the log-likelihood and the bounds hit."""

    mu: float
    alpha: float
    beta: float
    loglik: float
    at_bounds: tuple[str, ...]


def fit_hawkes(times: Sequence[float], end_hours: float, history: Sequence[float] = ()) -> HawkesFit:
    """MLE of (μ, α, β) on ``times`` in ``[0, end_hours)``: L-BFGS-B on (log μ, α, log β) within the
    bounds (:data:`MU_BOUNDS`, :data:`ALPHA_BOUNDS`, :data:`BETA_BOUNDS`), best of six starts."""
    if np.any(np.asarray(history, dtype=float) >= 0):
        raise ValueError("history events must be before the ceasefire (negative hours)")
    bounds = [tuple(map(math.log, MU_BOUNDS)), ALPHA_BOUNDS, tuple(map(math.log, BETA_BOUNDS))]
    rate = max(len(times), 0.5) / end_hours

    def nll(x: np.ndarray) -> float:
        return -hawkes_loglik(times, end_hours, math.exp(x[0]), float(x[1]), math.exp(x[2]), history)

    starts = [(math.log(rate * (1 - a)), a, math.log(b)) for a in (0.1, 0.5) for b in (1 / 6, 1 / 48, 1 / 240)]
    best = min((minimize(nll, np.array(s), method="L-BFGS-B", bounds=bounds) for s in starts), key=lambda r: r.fun)
    hit = tuple(
        name
        for name, v, (lo, hi) in zip(("mu", "alpha", "beta"), best.x, bounds)
        if min(abs(v - lo), abs(v - hi)) < 1e-4
    )
    return HawkesFit(math.exp(best.x[0]), float(best.x[1]), math.exp(best.x[2]), -float(best.fun), hit)


def simulate_hawkes(
    rng: np.random.Generator,
    mu: float,
    alpha: float,
    beta: float,
    start_hours: float,
    end_hours: float,
    past: Sequence[float] = (),
) -> np.ndarray:
    """Event times in ``[start_hours, end_hours)`` by Ogata's thinning, excited by the ``past`` events.

    Between events the intensity only decays, so its value just after the current time bounds it until
    the next candidate; a candidate is kept with probability λ(candidate) / bound.
    """
    past = np.asarray(past, dtype=float)
    excite = alpha * beta * np.sum(portable.exp(-beta * (start_hours - past[past < start_hours])))
    t, out = start_hours, []
    while mu + excite > 0:
        bound = mu + excite
        wait = rng.exponential(1.0 / bound)
        t += wait
        if t >= end_hours:
            break
        excite *= math.exp(-beta * wait)
        if rng.random() * bound <= mu + excite:
            out.append(t)
            excite += alpha * beta
    return np.array(out)


@dataclass(frozen=True)
class HawkesProcess:
    """Violations as a self-exciting process λ(t) = μ + Σ αβ exp(−β(t − t_i)), fitted by maximum likelihood.

    α is the branching ratio (violations each violation triggers on average), 1/β the excitation's
    time scale. Forecast paths are simulated by Ogata's thinning from ``fit_hours`` on, carrying the
    excitation of every past event (optional pre-ceasefire ``history`` and the calibration events);
    events before the first week edge excite but are not counted. Marks: :class:`Marks`.
    """

    name: ClassVar[str] = "Hawkes process"
    mu: float
    alpha: float
    beta: float
    loglik: float
    at_bounds: tuple[str, ...]
    past: np.ndarray  # history and calibration event times, hours
    n_events: int
    fit_hours: float
    marks: Marks

    @classmethod
    def fit(
        cls, episodes: Sequence[Episode], fit_hours: float = WINDOW_HOURS, history: Sequence[float] = ()
    ) -> HawkesProcess:
        """The maximum-likelihood Hawkes process of the violations in ``[0, fit_hours)`` of ``episodes``."""
        eps = calibration_episodes(episodes, fit_hours)
        times = np.array([e.start_hours for e in eps])
        f = fit_hawkes(times, fit_hours, history)
        past = np.sort(np.concatenate([np.asarray(history, dtype=float), times]))
        return cls(f.mu, f.alpha, f.beta, f.loglik, f.at_bounds, past, len(eps), fit_hours, Marks.fit(eps))

    def sample(
        self, rng: np.random.Generator, n_paths: int, start_hours: float, week_edges_hours: Sequence[float]
    ) -> dict[str, np.ndarray]:
        """Forecast weekly counts, ``(n_paths, W)`` per quantity: paths by thinning from ``fit_hours``, marks."""
        edges = _week_edges(start_hours, self.fit_hours, week_edges_hours)
        counts = np.array(
            [
                np.histogram(
                    simulate_hawkes(rng, self.mu, self.alpha, self.beta, self.fit_hours, edges[-1], self.past), edges
                )[0]
                for _ in range(n_paths)
            ],
            dtype=np.int64,
        ).reshape(n_paths, edges.size - 1)
        return self.marks.sample(rng, counts)

    def describe(self) -> str:
        """One paragraph for the report: baseline rate a week, branching ratio, half-life (h), bounds hit."""
        n_hist = self.past.size - self.n_events
        text = (
            f"{self.name}: fitted by maximum likelihood on {self.n_events} violations in the {self.fit_hours:g} h "
            f"calibration window"
            + (f" (plus {n_hist} earlier events that excite but are not modelled)" if n_hist else "")
            + f": baseline {self.mu * HOURS_PER_WEEK:.2f} violations a week, branching ratio {self.alpha:.2f} "
            f"(further violations each one triggers on average), excitation half-life "
            f"{math.log(2) / self.beta:.0f} h; log-likelihood {self.loglik:.2f}."
        )
        if self.at_bounds:
            text += (
                f" The optimiser stopped at the bound of {', '.join(self.at_bounds)}: with so few events "
                f"these parameters are weakly identified"
                + (" (with no self-excitation the half-life means nothing)." if self.alpha < 1e-4 else ".")
            )
        return text + " " + self.marks.describe()
