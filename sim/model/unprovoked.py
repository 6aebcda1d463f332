"""Unprovoked fire: one Poisson process over all positions, sampled by thinning (Lewis-Shedler).

Each position's *bound* (its rate with its grievance now and no pressure) sits in a
:class:`sim.model.rates.RateTree`. Candidates come at the rate sum of bounds x (1 - floor), where the
floor is the pressure the third parties guarantee until some hour (``model.pressure_floor()``); a
candidate picks a position in proportion to its bound and is accepted with probability
rate / (bound x (1 - floor)). A rejected candidate tightens that position's bound to its grievance now.
Candidates are timed by the modified next-reaction method (Anderson 2007): an Exp(1) amount of integrated
rate is left before the next one, and a change of rate uses up what has passed and re-times the rest
without a new draw. Past the hour the floor is guaranteed the candidate waits there and is re-timed.

**The contract.** Thinning is exact only while every position's rate stays at or below its bound x
(1 - floor). Grievance only decays between exchanges and pressure only lowers a rate, so the bounds hold
by themselves; anything else that may *raise* a rate between exchanges (a grievance that grows, a
mediator whose leverage falls on a date, a contingent that leaves) must call
:meth:`sim.model.model.CeasefireModel.rate_rose`, which re-sets the bounds and re-times the candidate.
With ``CEASEFIRE_CHECK_RATES=1`` in the environment (the tests set it; a debug mode otherwise) every
candidate first checks every position and raises :class:`RateAboveBound` on a rate above its bound;
without it the check costs nothing.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from sim.model import rules
from sim.model.events import NEVER
from sim.model.rates import RateTree

if TYPE_CHECKING:
    from sim.model.agents import BorderPosition
    from sim.model.model import CeasefireModel

CHECK_ENV = "CEASEFIRE_CHECK_RATES"
TOLERANCE = 1e-9  # relative: the rate and its bound are the same product, rounded in another order


class RateAboveBound(AssertionError):
    """A position's rate of unprovoked fire rose above its bound without ``model.rate_rose``."""


def checking_from_env() -> bool:
    """Whether the environment asks for the bound check (``CEASEFIRE_CHECK_RATES`` set, not "0")."""
    return os.environ.get(CHECK_ENV, "") not in ("", "0")


class UnprovokedFire:
    """The next candidate of unprovoked fire: the model's retimed event (``at``, ``run``)."""

    def __init__(self, model: CeasefireModel, positions: list[BorderPosition], checking: bool | None = None):
        self.model = model
        self.positions = positions
        self.bounds = RateTree(len(positions))  # each position's bound (1/hour, before pressure)
        self.at = NEVER  # hours: the next candidate
        self._hazard = model.draws.exponential(1.0)  # integrated rate left before the next candidate
        self._rate, self._since = 0.0, 0.0  # the candidates' rate since that hour
        self._floor = 0.0  # the pressure floor that rate assumed
        self._lapse_only = False  # the next candidate is only the floor's lapse: re-time there
        if checking_from_env() if checking is None else checking:
            self.run = self._run_checked

    def rebound(self, position: BorderPosition | None = None) -> None:
        """Set ``position``'s bound (every bound with None) to its rate with no pressure now; re-time."""
        if position is None:
            self.bounds.fill(p.opening_rate_bound() for p in self.positions)
        else:
            self.bounds.set(position.index, position.opening_rate_bound())
        self.retime()

    def retime(self) -> None:
        """Time the next candidate from the rate now: the integrated rate already used up is kept."""
        model = self.model
        now = model.now
        self._hazard -= self._rate * (now - self._since)
        self.at = NEVER
        if model.collapsed or now < model.origin_hours:  # no fire of the model's own before the origin
            self._rate = 0.0
            return
        floor, until = model.pressure_floor()
        rate = self.bounds.total * (1.0 - floor)
        self._rate, self._since, self._floor = rate, now, floor
        at = now + self._hazard / rate if rate > 0.0 else NEVER
        self._lapse_only = at >= until
        if self._lapse_only:
            at = until
        if at < model.horizon_hours:
            self.at = at

    def stop(self) -> None:
        """No more candidates (the ceasefire collapsed)."""
        self.at = NEVER

    def run(self) -> None:
        """A candidate: pick a position by its bound, accept it with probability rate / (bound x (1 - floor))."""
        self.at = NEVER
        if self._lapse_only:
            self.retime()
            return
        draws, bounds = self.model.draws, self.bounds
        self._hazard, self._since = draws.exponential(1.0), self.model.now  # the next one's, from now
        i, offset = bounds.find(draws.uniform() * bounds.total)
        bound = bounds.rate(i) if i < bounds.n else 0.0  # n: past the last position (rounding)
        if bound <= 0.0:
            self.retime()
            return
        # offset / bound is uniform given the position; given acceptance, what is left of it is uniform again
        position = self.positions[i]
        rate, scaled = position.opening_rate(), offset * (1.0 - self._floor)
        if scaled < rate:
            position.open_fire(draw=scaled / rate)  # the exchange re-times the next candidate
        else:
            self.rebound(position)

    def _run_checked(self) -> None:
        """:meth:`run` after :meth:`check` (a real candidate only: at the floor's lapse the rate may rise)."""
        if not self._lapse_only:
            self.check()
        UnprovokedFire.run(self)

    def check(self) -> None:
        """Raise :class:`RateAboveBound` if a position's rate now, with the third parties' effects read
        afresh (not from the caches the model keeps), is above its bound x (1 - floor)."""
        v = self.model.violation_params
        pressure, deterrence = self.model.parties.read_afresh()
        scale = 1.0 - self._floor
        for p in self.positions:
            d = deterrence[p.sector]
            rate = rules.unprovoked_rate_per_hour(v.base_rate_per_day, p.grievance(), v.grievance_gain, pressure, d)
            bound = self.bounds.rate(p.index) * scale
            if rate > bound * (1.0 + TOLERANCE):
                raise RateAboveBound(
                    f"at hour {self.model.now:.6g} the rate of unprovoked fire of {p.side} in {p.sector} is "
                    f"{rate:.6g}/h, above its bound {bound:.6g}/h: a change that raises a rate between exchanges "
                    "must call model.rate_rose() (docs/extending.md)"
                )
