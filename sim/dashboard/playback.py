"""The model SolaraViz plays: the ceasefire model itself, built from the page's inputs.

:class:`PageModel` is :class:`sim.model.model.CeasefireModel` with a constructor that takes what the page
sets (Mesa's ``model_params``), so that Mesa's controls drive it as any Mesa model: Reset builds it from the
inputs, Step and Play call its ``step()`` -- Mesa's, one unit of the model's time (an hour) run by the
model's own event engine -- and stop when it stops ``running`` (at the collapse or the horizon). The page's
Step runs 24 steps, a day (Mesa's render interval). Nothing is added, moved or drawn by the page, so the
run stepped hour by hour has the same incidents as the command line's run to the horizon in one go
(``tests/dashboard`` compares them with ``sim.api.run_model`` and with the ``ceasefire-sim`` command the
page prints).

The model is built as ``ceasefire-sim``'s replication 0 (:mod:`sim.experiment.replications`): the config
composed through :func:`sim.api.compose` with the same checks, the generator from
``SeedSequence(seed).spawn(1)[0]``, and with ``params=calibrated`` the parameters drawn from the
posterior on replication 0's parameter stream, the keys set on the page held fixed.

What only the page needs is a plain object beside the model, :class:`Playback` (the model's
``playback``): the inputs as given, the run prepared from them or the command line's one-line error
(bad input leaves an empty model that never runs; nothing raises), the ``ceasefire-sim`` command with
the same replication 0, and the frame and result read from the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.dashboard.frame import Frame, read_frame
from sim.dashboard.levers import DEFAULT_SCENARIO, LEVERS, command_line, moved, scenario_values
from sim.dashboard.messages import error_line, expected_errors
from sim.model.events import EventModel
from sim.model.model import CeasefireModel


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
    from sim.experiment.config import check_scenario, checked, fixed_parameters, load_border
    from sim.experiment.replications import replication_params, seed_sequences

    overrides = moved(scenario_values(scenario), chosen)
    job = api.compose(
        scenario,
        seed=seed.strip() if isinstance(seed, str) else seed,
        params=params,
        horizon_days=horizon_days,
        **overrides,
    )
    exp = job.config
    border = load_border(exp.record_dir)
    model_params, posterior = checked(exp, border.sector_ids)
    check_scenario(exp, job.explicit)
    fixed = fixed_parameters(exp, posterior.names, job.explicit) if posterior is not None else ()
    model_params, drawn = replication_params(model_params, posterior, fixed, exp.seed, 0)
    command = command_line(exp.scenario, exp.params, exp.seed, overrides, horizon_days)
    return Prepared(exp, model_params, border, seed_sequences(exp.seed, 1)[0], drawn, overrides, command)


class Playback:
    """What the page adds to a run of the model (see the module's docstring): its inputs, the run
    prepared from them (:attr:`prepared`) or the command line's one line (:attr:`error`), the command,
    and what the page draws, read from the model."""

    def __init__(
        self, scenario_name: str, params: str, seed: Any, chosen: dict[str, Any], horizon_days: float | None = None
    ):
        self.scenario_name, self.params_source, self.chosen = scenario_name, params, chosen
        self.seed_text = str(seed).strip()  # as given (kept when the page changes scenario)
        self.error: str | None = None
        self.prepared: Prepared | None = None
        try:
            self.prepared = prepare(scenario_name, params, seed, chosen, horizon_days)
        except expected_errors() as e:
            self.error = error_line(e)

    @property
    def seed(self) -> int | None:
        """The run's seed (None when the input was bad)."""
        return None if self.prepared is None else self.prepared.exp.seed

    @property
    def command(self) -> str:
        """The ``ceasefire-sim`` command whose replication 0 is this run ("" when the input was bad)."""
        return "" if self.prepared is None else self.prepared.command

    def frame(self, model: CeasefireModel) -> Frame | None:
        """What the page draws of ``model`` now, as a frozen snapshot (None when the input was bad)."""
        if self.prepared is None:
            return None
        collapse = None
        if model.collapsed:
            from sim.model.timeline import collapse_info

            collapse = collapse_info(self.result(model))
        return read_frame(model, self.prepared.exp.scenario, collapse)

    def result(self, model: CeasefireModel):
        """The run so far as :class:`sim.model.run.RunResult` (its incidents are incidents.csv's rows)."""
        from sim.model.run import RunResult, summarize

        r = self.prepared
        summary = summarize(model, r.seed, r.exp.scenario, r.exp.horizon_days, r.drawn)
        return RunResult(summary, model.incidents, model.episodes, model.actions, r.border, model.n_events)


class PageModel(CeasefireModel):
    """The ceasefire model built from the page's inputs (see the module's docstring).

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
        self.playback = Playback(scenario_name, params, seed, chosen, horizon_days)
        r = self.playback.prepared
        if r is None:  # bad input: the event engine alone, with no agent, no event and no time to run
            EventModel.__init__(self, rng=0, end=0.0)
            self.running = False
            return
        super().__init__(r.params, r.border, r.exp.horizon_days, rng=np.random.default_rng(r.seed))
