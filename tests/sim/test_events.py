"""The model's own event list keeps Mesa's API and order; grievance decays and pressure combines as the rules say."""

from __future__ import annotations

import numpy as np
import pytest
from mesa.time import Priority, Schedule

from sim.model import rules
from sim.model.border import Border
from sim.model.model import CeasefireModel
from sim.model.params import SIDES, ModelParams


@pytest.fixture(scope="module")
def border() -> Border:
    return Border.load()


def quiet_model(border: Border, horizon_days: float = 10.0) -> CeasefireModel:
    """No fire of its own and no mediators: only the events a test schedules run."""
    p = ModelParams()
    p.violations.base_rate_per_day = 0.0
    p.offensive.rate_per_year = 0.0
    p.mediation.mediators = []
    return CeasefireModel(p, border, horizon_days, rng=np.random.default_rng(0))


class Log:
    def __init__(self, model: CeasefireModel):
        self.model, self.seen = model, []

    def a(self):
        self.seen.append(("a", self.model.time))

    def b(self):
        self.seen.append(("b", self.model.time))

    def c(self):
        self.seen.append(("c", self.model.time))


def test_events_run_in_time_then_priority_then_scheduling_order(border):
    m = quiet_model(border)
    log = Log(m)
    m.schedule_event(log.b, at=5.0)
    m.schedule_event(log.a, at=5.0)  # same time, scheduled later: runs after b
    m.schedule_event(log.c, at=5.0, priority=Priority.HIGH)  # higher priority: runs first
    m.schedule(log.a, 2.0)
    m.run()
    assert log.seen == [("a", 2.0), ("c", 5.0), ("b", 5.0), ("a", 5.0)]
    assert m.time == m.horizon_hours == m.now


def test_cancelled_events_do_not_run_and_past_events_are_refused(border):
    m = quiet_model(border)
    log = Log(m)
    handle = m.schedule_event(log.a, after=3.0)
    assert handle.time == 3.0 and not handle.CANCELED
    handle.cancel()
    entry = m.schedule(log.b, 4.0)
    m.cancel(entry)
    m.run_until(6.0)
    assert log.seen == [] and handle.CANCELED and m.time == 6.0
    with pytest.raises(ValueError, match="past"):
        m.schedule_event(log.a, at=1.0)
    with pytest.raises(ValueError, match="exactly one"):
        m.schedule_event(log.a)


def test_mesa_run_for_step_and_recurring_schedules_share_the_clock(border):
    m = quiet_model(border)
    log = Log(m)
    m.schedule_recurring(log.c, Schedule(interval=2.0, start=1.0))  # on Mesa's own list
    m.schedule(log.a, 3.0)
    m.step()  # one hour
    assert m.time == 1.0 and log.seen == [("c", 1.0)]
    m.run_for(4.0)
    assert m.time == 5.0
    assert log.seen == [("c", 1.0), ("c", 3.0), ("a", 3.0), ("c", 5.0)]


def test_observers_of_model_time_are_notified(border):
    m = quiet_model(border)

    class Watcher:
        seen: list[float] = []

        def on_time(self, signal):
            self.seen.append(signal.additional_kwargs["new"])

    watcher = Watcher()  # kept alive: Mesa holds subscribers by weak reference
    m.observe("time", "changed", watcher.on_time)
    m.schedule(Log(m).a, 2.5)
    m.run_until(4.0)
    assert watcher.seen == [2.5, 4.0]


def test_grievance_halves_every_half_life(border):
    p = ModelParams()
    m = CeasefireModel(p, border, 30.0, rng=np.random.default_rng(3))
    position = m.positions[0]
    g0 = position.grievance()
    half_life = p.grievance.half_life_days * 24.0
    assert position.grievance(half_life) == pytest.approx(g0 / 2, rel=1e-15)
    assert position.grievance(-1.0) == g0  # no decay backwards
    values = [position.grievance(h) for h in (0.0, 1.0, 10.0, 100.0, 1000.0)]
    assert values == sorted(values, reverse=True)


def test_pressure_combines_the_levers_as_the_rule_does(border):
    """pressure() computes what rules.mediation_pressure computes, and lapses with the mediators' pressure."""
    p = ModelParams()
    m = CeasefireModel(p, border, 30.0, rng=np.random.default_rng(3))
    m.run_until(200.0)
    for mediator in m.third_parties:
        if hasattr(mediator, "active_until"):
            mediator.active_until = m.now + 10.0
    m.pressure_changed()
    levers = [x for party in m.third_parties if (x := party.pressure_lever()) > 0.0]
    assert len(levers) == 4 and m.pressure() == pytest.approx(rules.mediation_pressure(levers), rel=1e-15)
    m.now += 11.0  # every mediator's pressure has lapsed
    assert m.pressure() == 0.0


def test_every_agent_is_in_mesa_s_registry(border):
    from sim.model.agents import BorderPosition, Command

    m = CeasefireModel(ModelParams(), border, 30.0, rng=np.random.default_rng(3))
    assert list(m.agents_by_type[BorderPosition]) == m.positions
    assert m.commands is m.agents_by_type[Command] and [c.side for c in m.commands] == list(SIDES)
    assert len(m.agents) == len(m.positions) + len(m.commands) + len(m.third_parties)
    for side in SIDES:  # each side's positions, north to south
        assert list(m.positions_of(side)) == [p for p in m.positions if p.side == side]


def test_mesa_steps_an_hour_and_never_past_the_horizon(border):
    """Mesa's step() and run_model() drive the model as SolaraViz does: an hour per step, the same events
    as one run_until, and the clock stops at the horizon, where the model stops running."""
    whole = CeasefireModel(ModelParams(), border, 2.25, rng=np.random.default_rng(8))
    whole.run()
    stepped = CeasefireModel(ModelParams(), border, 2.25, rng=np.random.default_rng(8))
    stepped.step()
    assert stepped.now == stepped.time == 1.0 and stepped.running
    stepped.run_model()
    assert stepped.now == whole.now == 54.0 and not stepped.running and not whole.running
    assert stepped.incidents == whole.incidents and stepped.actions == whole.actions
    stepped.run_for(10.0)
    assert stepped.now == 54.0
