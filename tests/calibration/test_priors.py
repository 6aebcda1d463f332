"""Free parameters: scales, bounds and how θ reaches the model."""

import math

import pytest

from calibration.priors import BY_KEY, FREE_PARAMETERS, apply, natural
from sim.model.params import ModelParams, validate


def test_every_free_parameter_is_a_model_parameter_inside_its_allowed_range():
    for p in FREE_PARAMETERS:
        group, field = p.name.split(".")
        assert hasattr(getattr(ModelParams(), group), field), p.name
        assert p.lo < p.hi and p.reasoning and p.unit
        validate(apply({p.name: p.lo}))
        validate(apply({p.name: p.hi}))


def test_log_scale_parameters_are_sampled_in_log10():
    p = BY_KEY["log10_violations__base_rate_per_day"]
    assert p.prior_bounds() == pytest.approx((math.log10(0.001), math.log10(0.1)))
    assert natural({p.key: -2.0}) == {"violations.base_rate_per_day": pytest.approx(0.01)}
    assert p.prior_quantile(0.5) == pytest.approx(0.01)


def test_apply_copies():
    base = ModelParams()
    params = apply({"retaliation.propensity": 0.9}, base)
    assert params.retaliation.propensity == 0.9 and base.retaliation.propensity != 0.9
