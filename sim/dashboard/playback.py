"""The model SolaraViz plays: one Mesa step is one day of the ceasefire, whose own clock runs in hours.

Time bridge. :class:`Playback` is a Mesa model of its own whose time unit is a day: Mesa's play and
step buttons call ``step()``, Mesa's default schedule advances its ``time`` by 1.0, and its ``step``
runs the ceasefire model underneath (:class:`sim.model.model.CeasefireModel`, time in hours) with that
model's own ``run_until(day x 24 h)`` -- every event up to the end of the day, in the model's order, as
``ceasefire-sim``'s ``run_until(horizon)`` runs them in one go. No event is added, moved or drawn by the
bridge, so the day-by-day run has the same incidents as the command line's (``tests/dashboard``
compares them with ``sim.api.run_model`` and with the ``ceasefire-sim`` command the page prints).

The ceasefire model is built as ``ceasefire-sim``'s replication 0 (:mod:`sim.experiment.replications`):
the config composed through :func:`sim.api.configure` with the same checks, the generator from
``SeedSequence(seed).spawn(1)[0]``, and with ``params=calibrated`` the parameters drawn from the
posterior on replication 0's parameter stream, the keys set on the page held fixed. Bad input leaves
the model unbuilt and :attr:`Playback.error` holding the command line's one line; it never raises.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import mesa
import numpy as np

from sim.dashboard.frame import Frame, read_frame
from sim.dashboard.levers import DEFAULT_SCENARIO, LEVERS, command_line, moved, scenario_values
from sim.dashboard.messages import error_line, expected_errors
from sim.model.rules import HOURS_PER_DAY


@dataclass(frozen=True)
class Prepared:
    """A run ready to start, as ``ceasefire-sim``'s replication 0 would run it."""

    exp: Any  # sim.experiment.config.ExperimentConfig
    params: Any  # sim.model.params.ModelParams (drawn from the posterior with params=calibrated)
    border: Any  # sim.model.border.Border
    seed: np.random.SeedSequence  # replication 0's stream
    drawn: dict[str, float] | None  # the values drawn from the posterior (None: params=default)
    overrides: dict[str, Any]  # the levers moved off the scenario's values, by config key
    command: str  # the ceasefire-sim command with the same replication 0


def prepare(
    scenario: str, params: str, seed: Any, chosen: dict[str, Any], horizon_days: float | None = None
) -> Prepared:
    """Compose and check the run's config as the command line does, and draw its parameters; raise the
    command line's one-line errors (:class:`sim.model.params.ParameterError`, ...)."""
    from sim import api
    from sim.experiment.config import check_scenario, checked, experiment_explicit, fixed_parameters, load_border
    from sim.experiment.replications import replication_params, seed_sequences

    overrides = moved(scenario_values(scenario), chosen)
    exp = api.configure(
        scenario,
        seed=seed.strip() if isinstance(seed, str) else seed,
        params=params,
        horizon_days=horizon_days,
        **overrides,
    )
    border = load_border(exp.record_dir)
    model_params, posterior = checked(exp, border.sector_ids)
    explicit = experiment_explicit(exp)
    check_scenario(exp, explicit)
    fixed = fixed_parameters(exp, posterior.names, explicit) if posterior is not None else ()
    model_params, drawn = replication_params(model_params, posterior, fixed, exp.seed, 0)
    command = command_line(exp.scenario, exp.params, exp.seed, overrides, horizon_days)
    return Prepared(exp, model_params, border, seed_sequences(exp.seed, 1)[0], drawn, overrides, command)


class Playback(mesa.Model):
    """One run of the ceasefire model, a day per step (see the module's docstring).

    Keywords are what the page sets (Mesa's ``model_params``): ``scenario_name`` (not ``scenario``,
    which Mesa's Model keeps for its own scenarios), ``params`` (``default`` or ``calibrated``),
    ``seed`` (an integer, or the text of one) and the levers of :data:`sim.dashboard.levers.LEVERS`;
    a lever left None keeps the scenario's value. ``horizon_days`` None keeps the config's (365).
    """

    def __init__(
        self,
        scenario_name: str = DEFAULT_SCENARIO,
        params: str = "default",
        seed: Any = 0,
        observer_strength: float | None = None,
        observer_sectors: str | None = None,
        observer_deploy_day: float | None = None,
        observer_withdraw_day: float | None = None,
        mediation_intensity: float | None = None,
        offensive_rate_per_year: float | None = None,
        horizon_days: float | None = None,
    ):
        chosen = {
            "observer_strength": observer_strength,
            "observer_sectors": observer_sectors,
            "observer_deploy_day": observer_deploy_day,
            "observer_withdraw_day": observer_withdraw_day,
            "mediation_intensity": mediation_intensity,
            "offensive_rate_per_year": offensive_rate_per_year,
        }
        assert set(chosen) == {lever.arg for lever in LEVERS}
        self.scenario_name, self.params_source, self.chosen = scenario_name, params, chosen
        self.seed_text = str(seed).strip()  # as given (kept when the page changes scenario)
        self.error: str | None = None
        self.prepared: Prepared | None = None
        try:
            self.prepared = prepare(scenario_name, params, seed, chosen, horizon_days)
        except expected_errors() as e:
            self.error = error_line(e)
        # This model draws nothing: its own generator (Mesa's) is unused; the ceasefire model below
        # draws from replication 0's stream, as ceasefire-sim's does.
        super().__init__(rng=self.prepared.exp.seed if self.prepared else 0)
        self.day = 0
        self.ceasefire = None
        self.frame: Frame | None = None
        if self.prepared is None:
            self.running = False
            return
        from sim.model.model import CeasefireModel

        r = self.prepared
        self.ceasefire = CeasefireModel(r.params, r.border, r.exp.horizon_days, rng=np.random.default_rng(r.seed))
        self.frame = self._read()

    @property
    def seed(self) -> int | None:
        """The run's seed (None when the input was bad)."""
        return None if self.prepared is None else self.prepared.exp.seed

    @property
    def command(self) -> str:
        """The ``ceasefire-sim`` command whose replication 0 is this run ("" when the input was bad)."""
        return "" if self.prepared is None else self.prepared.command

    def step(self) -> None:
        """Run the ceasefire model to the end of the next day (or the horizon), then read the day's frame;
        stop playing once the ceasefire collapsed or the horizon is reached."""
        m = self.ceasefire
        if m is None or m.collapsed or m.now >= m.horizon_hours:
            self.running = False
            return
        from sim.model.run import collector_paused

        self.day += 1
        with collector_paused():  # as sim.model.run.simulate: no effect on results, only on time
            m.run_until(min(self.day * HOURS_PER_DAY, m.horizon_hours))
        self.running = not m.collapsed and m.now < m.horizon_hours
        self.frame = self._read()

    def play_to_end(self) -> None:
        """Step until the ceasefire collapses or the horizon is reached."""
        while self.running:
            self.step()

    def _read(self) -> Frame:
        collapse = None
        if self.ceasefire.collapsed:
            from sim.model.timeline import collapse_info

            collapse = collapse_info(self.result())
        return read_frame(self.ceasefire, self.day, self.prepared.exp.scenario, collapse)

    def result(self):
        """The run so far as :class:`sim.model.run.RunResult` (its incidents are incidents.csv's rows)."""
        from sim.model.run import RunResult, summarize

        m, r = self.ceasefire, self.prepared
        summary = summarize(m, r.seed, r.exp.scenario, r.exp.horizon_days, r.drawn)
        return RunResult(summary, m.incidents, m.episodes, m.actions, r.border, m.n_events)
