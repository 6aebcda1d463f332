"""Running design points: EMA's ReplicatorModel gives what the model gives, on common random numbers."""

import dataclasses
import json

import numpy as np
import pytest

from explore import store
from explore.cli import run_chunk
from explore.evaluate import Replication, evaluate_chunk, run_points
from explore.inputs import Input
from explore.outcomes import NAMES, run_values
from explore.plan import plan
from explore.settings import ExplorationSettings, ExploreConfig
from sim.model.params import ParameterError
from sim.model.run import simulate

INPUTS = ["retaliation.propensity", "offensive.rate_per_year", "observer.strength", "mediation.intensity"]


@pytest.fixture(scope="module")
def small():
    cfg = ExploreConfig(
        exploration=ExplorationSettings(
            n=2, replications=3, horizon_days=120.0, inputs=INPUTS, chunk_size=4, range_source="priors"
        )
    )
    return plan(cfg)


def test_points_through_ema_are_the_model_runs_on_common_streams(small, border):
    p, design, _, _ = small
    replication = Replication(p.base, p.inputs, p.sectors, border, p.horizon_days, p.seed)
    values = design.values[:3]
    per_run = run_points(replication, p.inputs, values, 0, p.replications)
    assert per_run.shape == (3, p.replications, len(NAMES))
    for k in range(3):
        params = replication.params(values[k])
        for r in range(p.replications):
            ss = np.random.SeedSequence(p.seed, spawn_key=(r,))  # replication r of ceasefire-sim seed=S
            got = run_values(simulate(params, ss, p.horizon_days, border))
            assert per_run[k, r].tolist() == [got[name] for name in NAMES]


@pytest.mark.parametrize("only", ["levers", "uncertainties"])
def test_points_of_one_role_only_run_through_ema(only, border):
    """An exploration of levers alone (or of uncertainties alone) runs each design point as the model does."""
    inputs = ["observer.strength", "mediation.intensity"] if only == "levers" else INPUTS[:2]
    cfg = ExploreConfig(
        exploration=ExplorationSettings(n=2, replications=2, horizon_days=60.0, inputs=inputs, range_source="priors")
    )
    p, design, _, _ = plan(cfg)
    replication = Replication(p.base, p.inputs, p.sectors, border, p.horizon_days, p.seed)
    values = design.values[:2]
    per_run = run_points(replication, p.inputs, values, 0, p.replications)
    for k in range(2):
        ss = np.random.SeedSequence(p.seed, spawn_key=(1,))
        got = run_values(simulate(replication.params(values[k]), ss, p.horizon_days, border))
        assert per_run[k, 1].tolist() == [got[name] for name in NAMES]


def test_a_chunk_is_written_once_and_its_failure_recorded(small, tmp_path):
    p, _, data, array = small
    ranges = store.chunk_ranges(p.points, p.chunk_size)
    store.prepare(tmp_path, p.manifest("test"), data, array, ranges)
    path = evaluate_chunk(tmp_path, 1)
    assert path == store.chunk_path(tmp_path, *ranges[1])
    assert len(store.read_chunk(path, *ranges[1], p.replications, len(NAMES))) == ranges[1][1] - ranges[1][0]
    stamp = path.stat().st_mtime_ns
    evaluate_chunk(tmp_path, 1)  # finished: left as it is
    assert path.stat().st_mtime_ns == stamp
    (tmp_path / store.DESIGN_ARRAY).write_bytes(array[:-8] + b"\0" * 8)  # not this exploration's design
    with pytest.raises(RuntimeError, match="not this exploration's design"):
        evaluate_chunk(tmp_path, 0)
    run_chunk(tmp_path, 0)  # as a job: recorded, not raised
    failure = json.loads(store.failure_path(tmp_path, *ranges[0]).read_text())
    assert "not this exploration's design" in failure["error"] and "Traceback" in failure["traceback"]
    with pytest.raises(ValueError, match="is not a chunk"):
        evaluate_chunk(tmp_path, len(ranges))


def test_a_point_the_model_refuses_is_one_line(small, border):
    p, _, _, _ = small
    base = dataclasses.replace(p.base, observer=dataclasses.replace(p.base.observer, withdraw_day=1.0))
    deploy = Input("observer.deploy_day", "lever", 0.0, 90.0, "linear", "days", "", "test")
    replication = Replication(base, [deploy], p.sectors, border, p.horizon_days, p.seed)
    with pytest.raises(ParameterError, match="withdraw_day=1.0 is before deploy_day=5.0"):
        replication(0, observer__deploy_day=5.0)
