"""Each decision rule on its own: bounds and monotonicity."""

import itertools

import numpy as np
import pytest

from sim.model import rules
from sim.model.params import TIERS

GRIEVANCE = [0.0, 0.1, 0.5, 1.0, 3.0, 10.0, 100.0]
PRESSURE = [0.0, 0.2, 0.5, 0.9, 1.0]


def test_unprovoked_rate_rises_with_grievance_and_falls_with_pressure_and_deterrence():
    by_g = [rules.unprovoked_rate_per_hour(0.012, g, 0.3, 0.0, 0.0) for g in GRIEVANCE]
    assert by_g == sorted(by_g) and by_g[0] == pytest.approx(0.012 / 24)
    by_p = [rules.unprovoked_rate_per_hour(0.012, 1.0, 0.3, p, 0.0) for p in PRESSURE]
    assert by_p == sorted(by_p, reverse=True) and by_p[-1] == 0.0
    by_d = [rules.unprovoked_rate_per_hour(0.012, 1.0, 0.3, 0.0, d) for d in PRESSURE]
    assert by_d == sorted(by_d, reverse=True)


@pytest.mark.parametrize("propensity", [0.0, 0.05, 0.5, 0.95, 1.0])
def test_retaliation_probability_bounded_and_monotone(propensity):
    for tier, pressure in itertools.product(TIERS, PRESSURE):
        by_g = [rules.retaliation_probability(propensity, g, 0.5, tier, 0.4, pressure, 0.0) for g in GRIEVANCE]
        assert all(0.0 <= p <= 1.0 for p in by_g)
        assert by_g == sorted(by_g), "never falls as grievance rises"
    for g in GRIEVANCE:
        by_t = [rules.retaliation_probability(propensity, g, 0.5, t, 0.4, 0.0, 0.0) for t in TIERS]
        assert by_t == sorted(by_t), "never falls as the tier received rises"
        by_p = [rules.retaliation_probability(propensity, g, 0.5, 2, 0.4, p, 0.0) for p in PRESSURE]
        assert by_p == sorted(by_p, reverse=True)
        by_i = [rules.retaliation_probability(propensity, g, 0.5, 2, 0.4, 0.0, i) for i in PRESSURE]
        assert by_i == sorted(by_i, reverse=True)
    assert rules.retaliation_probability(propensity, 5.0, 0.5, 4, 0.4, 1.0, 0.0) == 0.0


def test_retaliation_probability_at_baseline_is_the_propensity():
    assert rules.retaliation_probability(0.3, 0.0, 0.5, 1, 0.4, 0.0, 0.0) == pytest.approx(0.3)


def test_escalation_probabilities_are_a_distribution():
    for p_up, p_down, g, pr in itertools.product([0, 0.1, 0.5, 1], [0, 0.3, 1], GRIEVANCE, PRESSURE):
        up, down = rules.escalation_probabilities(p_up, p_down, g, 0.2, pr)
        assert 0.0 <= up <= 1.0 and 0.0 <= down <= 1.0 and up + down <= 1.0 + 1e-12
    ups = [rules.escalation_probabilities(0.1, 0.3, g, 0.2, 0.0)[0] for g in GRIEVANCE]
    assert ups == sorted(ups)
    ups = [rules.escalation_probabilities(0.1, 0.3, 1.0, 0.2, p)[0] for p in PRESSURE]
    assert ups == sorted(ups, reverse=True)


def test_escalation_tier_stays_on_the_ladder():
    for tier, u in itertools.product(TIERS, [0.0, 0.05, 0.2, 0.5, 0.99]):
        new = rules.escalation_tier(tier, 0.1, 0.3, u)
        assert new in TIERS and abs(new - tier) <= 1
    assert rules.escalation_tier(2, 0.1, 0.3, 0.05) == 3
    assert rules.escalation_tier(2, 0.1, 0.3, 0.2) == 1
    assert rules.escalation_tier(2, 0.1, 0.3, 0.9) == 2
    assert rules.escalation_tier(4, 1.0, 0.0, 0.5) == 4
    assert rules.escalation_tier(1, 0.0, 1.0, 0.5) == 1


def test_casualties_rise_with_tier():
    means = [rules.mean_killed(t, 3.0, 0.2) for t in TIERS]
    assert means == sorted(means) and means[-1] == 3.0


def test_spillover_probability_bounded_and_rising():
    probs = [rules.spillover_probability(t, 0.35) for t in TIERS]
    assert probs == sorted(probs) and probs[-1] == pytest.approx(0.35) and probs[0] > 0


def test_mediation_pressure_combines_levers():
    assert rules.mediation_pressure([]) == 0.0
    assert rules.mediation_pressure([0.5, 0.5]) == pytest.approx(0.75)
    assert rules.mediation_pressure([1.0, 0.2]) == 1.0
    assert rules.mediation_pressure([0.2]) < rules.mediation_pressure([0.2, 0.1])


def test_coverage_effect_saturates():
    effects = [rules.coverage_effect(s, 50.0) for s in (0, 20, 40, 100, 1000)]
    assert effects[0] == 0.0 and effects == sorted(effects) and effects[-1] < 1.0


def test_claims():
    assert rules.claims("AZE", "ARM", verified=False, initiator_denies=True) == {"ARM": "AZE", "AZE": "ARM"}
    assert rules.claims("AZE", "ARM", verified=True, initiator_denies=True) == {"ARM": "AZE", "AZE": ""}
    assert rules.claims("ARM", "AZE", verified=False, initiator_denies=False) == {"AZE": "ARM", "ARM": ""}


def test_killed_in_window():
    assert rules.killed_in_window([1.0, 10.0, 50.0], [5, 7, 11], 50.0, 48.0) == 18
    assert rules.killed_in_window([], [], 50.0, 48.0) == 0


@pytest.mark.parametrize(
    "rule,killed,sectors,expected",
    [
        ("killed_window", 287, 4, True),  # the 13-14 Sept flare-up: 207 + 80 killed in 48 h, four directions
        ("killed_window", 100, 0, True),
        ("killed_window", 99, 5, False),
        ("killed_window", 3, 1, False),  # 28 Sept: 3 killed by mortar and large-calibre fire
        ("killed_window", 12, 3, False),  # several killed in a few hours, heavy weapons in three sectors
        ("killed_and_sectors", 287, 4, True),
        ("killed_and_sectors", 287, 2, False),
        ("killed_and_sectors", 0, 5, False),  # breadth alone is never war
    ],
)
def test_collapse_means_war_scale(rule, killed, sectors, expected):
    assert rules.collapse_fires(rule, killed, 100, sectors, 3) is expected


def test_episode_fatigue_factor():
    assert rules.episode_fatigue_factor(0.2, 1) == 1.0
    assert rules.episode_fatigue_factor(0.2, 3) == pytest.approx(0.64)
    assert rules.episode_fatigue_factor(0.0, 50) == 1.0
    factors = [rules.episode_fatigue_factor(0.3, n) for n in range(1, 10)]
    assert factors == sorted(factors, reverse=True)


def test_offensive_rate():
    per_hour = rules.offensive_rate_per_hour(0.5, 0.0, 0.0)
    assert per_hour * 365 * 24 == pytest.approx(0.5)
    assert rules.offensive_rate_per_hour(0.5, 0.5, 0.0) == pytest.approx(per_hour / 2)
    assert rules.offensive_rate_per_hour(0.5, 0.0, 1.0) == 0.0


@pytest.mark.parametrize("escalation", [0.0, 0.1, 0.35, 0.5, 0.9, 1.0])
def test_opening_tier_is_one_plus_a_binomial(escalation):
    """The inverse distribution function: the share of a fine grid of uniforms giving each tier is the
    binomial probability of that tier."""
    from math import comb

    n = rules.TOP_TIER - 2
    grid = (np.arange(100_000) + 0.5) / 100_000
    tiers = np.array([rules.opening_tier(escalation, u) for u in grid])
    for k in range(n + 1):
        expected = comb(n, k) * escalation**k * (1 - escalation) ** (n - k)
        assert np.mean(tiers == 1 + k) == pytest.approx(expected, abs=2e-5)
    assert tiers.min() >= 1 and tiers.max() <= rules.TOP_TIER - 1


@pytest.mark.parametrize("prob", [0.0, 0.02, 0.3, 0.9, 1.0])
def test_failures_before_success_is_geometric(prob):
    grid = (np.arange(200_000) + 0.5) / 200_000
    n = np.array([rules.failures_before_success(prob, u) for u in grid])
    if prob == 0.0:
        assert (n > 10**15).all()
        return
    for k in range(4):
        assert np.mean(n == k) == pytest.approx(prob * (1 - prob) ** k, abs=2e-5)
    assert rules.failures_before_success(prob, 0.0) == (0 if prob == 1.0 else 1 << 62)


@pytest.mark.parametrize("n,p", [(0, 0.4), (1, 0.5), (6, 0.0), (6, 0.3), (8, 0.85), (4, 1.0)])
def test_binomial_quantile_inverts_the_distribution(n, p):
    """The share of a fine grid of uniforms giving each k is the binomial probability of k."""
    from math import comb

    grid = (np.arange(50_000) + 0.5) / 50_000
    ks = np.array([rules.binomial_quantile(n, p, u) for u in grid])
    for k in range(n + 1):
        assert np.mean(ks == k) == pytest.approx(comb(n, k) * p**k * (1 - p) ** (n - k), abs=4e-5)
