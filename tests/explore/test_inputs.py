"""The inputs: catalogue, ranges from priors and posterior, checks, and values into parameters."""

import dataclasses
from collections import Counter

import pytest

from calibration.posterior import Posterior
from calibration.priors import FREE_PARAMETERS
from explore.inputs import (
    DEFAULT_INPUTS,
    LEVER,
    UNCERTAINTY,
    apply,
    catalogue,
    coverage_order,
    free_parameter_inputs,
    resolve,
    value_at,
    with_value,
)
from sim.model.params import ModelParams, ParameterError, validate
from sim.record.loader import load_record


@pytest.fixture(scope="module")
def record():
    return load_record()


@pytest.fixture(scope="module")
def sectors(record):
    return coverage_order(record)


@pytest.fixture(scope="module")
def known(sectors):
    free, _ = free_parameter_inputs("priors")
    return catalogue(free, len(sectors))


def test_default_inputs_are_the_free_parameters_and_five_levers(known, sectors):
    inputs = resolve(DEFAULT_INPUTS, {}, known, ModelParams(), sectors)
    assert len(inputs) >= 12
    roles = Counter(i.role for i in inputs)
    assert roles[UNCERTAINTY] == len(FREE_PARAMETERS) and roles[LEVER] == 5
    assert "offensive.rate_per_year" in {i.name for i in inputs if i.role == UNCERTAINTY}
    assert {p.name for p in FREE_PARAMETERS} <= {i.name for i in inputs}
    for p in FREE_PARAMETERS:  # over the priors: the calibration's own ranges and scales
        i = known[p.name]
        assert (i.lo, i.hi, i.scale, i.range_from) == (p.lo, p.hi, p.scale, "prior")
    assert {i.name for i in inputs if i.role == LEVER} == {
        "observer.strength",
        "observer.sectors",
        "observer.deploy_day",
        "observer.withdraw_day",
        "mediation.intensity",
    }


def test_posterior_ranges_are_its_90_percent_intervals_inside_the_priors():
    post = Posterior.load()
    free, got = free_parameter_inputs("posterior")
    assert got.sha256 == post.sha256
    for p in FREE_PARAMETERS:
        i = free[p.name]
        if p.name not in post.names:  # a parameter the posterior lacks keeps its prior
            assert (i.lo, i.hi, i.range_from) == (p.lo, p.hi, "prior")
            continue
        assert i.range_from == "posterior 90% interval" and i.scale == p.scale
        assert i.lo == post.quantile(p.name, 0.05) and i.hi == post.quantile(p.name, 0.95)
        assert p.lo <= i.lo < i.hi <= p.hi


@pytest.mark.parametrize(
    "source,message",
    [("nonsense", "exploration.range_source=nonsense is not allowed"), ("/no/such.csv", "no such posterior file")],
)
def test_bad_range_source_is_one_line(source, message):
    with pytest.raises(ParameterError, match=message):
        free_parameter_inputs(source)


def test_coverage_order_is_most_contested_first(record, sectors):
    counts = Counter(s for e in record.events for c in e.claims for s in c.sectors)
    assert sorted(sectors) == sorted(record.sector_ids())
    assert [counts[s] for s in sectors] == sorted((counts[s] for s in sectors), reverse=True)


def test_sectors_covered_count_becomes_the_first_sectors(sectors):
    base = ModelParams()
    two = with_value(base, "observer.sectors", 2.0, sectors)
    assert two.observer.sectors == list(sectors[:2])
    assert with_value(base, "observer.sectors", len(sectors), sectors).observer.sectors == []  # the whole border
    assert base.observer.sectors == []  # nothing shared was changed


def test_values_reach_the_model_by_dotted_key_and_mediator_name(sectors):
    base = ModelParams()
    p = with_value(base, "mediation.mediators.EU.leverage", 0.7, sectors)
    assert (
        value_at(p, "mediation.mediators.EU.leverage") == 0.7 and value_at(p, "mediation.mediators.2.leverage") == 0.7
    )
    assert base.mediation.mediators[2].leverage == 0.3
    q = with_value(base, "collapse.top_tier_sectors", 3.6, sectors)
    assert q.collapse.top_tier_sectors == 4 and isinstance(q.collapse.top_tier_sectors, int)


def test_apply_sets_every_input_and_the_result_validates(known, sectors):
    inputs = resolve(DEFAULT_INPUTS, {}, known, ModelParams(), sectors)
    values = [i.hi for i in inputs]
    params = apply(ModelParams(), inputs, values, sectors)
    validate(params, sectors=tuple(sectors))
    for i, v in zip(inputs, values):
        if i.name != "observer.sectors":
            assert value_at(params, i.name) == v


def test_a_parameter_outside_the_catalogue_is_added_with_its_range(known, sectors):
    (inp,) = resolve(
        ["spillover.prob_top_tier"], {"spillover.prob_top_tier": [0.1, 0.6]}, known, ModelParams(), sectors
    )
    assert (inp.lo, inp.hi, inp.scale, inp.role) == (0.1, 0.6, "linear", UNCERTAINTY)
    (lev,) = resolve(
        ["mediation.pressure_duration_days"],
        {"mediation.pressure_duration_days": [1, 10, "log"]},
        known,
        ModelParams(),
        sectors,
    )
    assert lev.role == LEVER and lev.scale == "log"


@pytest.mark.parametrize(
    "names,ranges,message",
    [
        (["foo.bar"], {}, "unknown input 'foo.bar'"),
        (["retaliation.propensity", "retaliation.propensity"], {}, "listed twice"),
        (["spillover.delay_mean_hours"], {}, "has no range of its own"),
        (["collapse.rule"], {}, "is not a number"),
        (["retaliation.propensity"], {"retaliation.propensity": [0.5, 0.5]}, "is empty"),
        (["retaliation.propensity"], {"retaliation.propensity": [0.2, 1.5]}, "out of range"),
        (["retaliation.propensity"], {"retaliation.propensity": [0, 0.5, "log"]}, "a log scale needs lo > 0"),
        (["retaliation.propensity"], {"retaliation.propensity": [0.1, "x"]}, "is not a finite number"),
        (["retaliation.propensity"], {"escalation.p_up": [0.1, 0.2]}, "is not an input of this exploration"),
        (["observer.sectors"], {"observer.sectors": [0, 3]}, "out of range"),
        (
            ["observer.deploy_day", "observer.withdraw_day"],
            {"observer.withdraw_day": [60, 300]},
            "before observer.deploy_day's range ends",
        ),
        ([], {}, "is empty"),
    ],
)
def test_bad_inputs_are_one_line(known, sectors, names, ranges, message):
    with pytest.raises(ParameterError, match=message) as e:
        resolve(names, ranges, known, ModelParams(), sectors)
    assert "\n" not in str(e.value)


def test_withdrawal_against_a_base_deployment_day(known, sectors):
    base = dataclasses.replace(ModelParams(), observer=dataclasses.replace(ModelParams().observer, deploy_day=120.0))
    with pytest.raises(ParameterError, match="base observer.deploy_day"):
        resolve(["observer.withdraw_day"], {}, known, base, sectors)
