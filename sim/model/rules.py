"""Decision rules as pure functions of state: probabilities and rates, no agents, no RNG.

Units: time in hours unless a name says days; grievance in killed-equivalents
(one soldier killed = 1, see :class:`sim.model.params.GrievanceParams`).
"""

from __future__ import annotations

import math

from sim.model.params import TOP_TIER

HOURS_PER_DAY = 24.0


def unprovoked_rate_per_hour(
    base_rate_per_day: float, grievance: float, grievance_gain: float, pressure: float, deterrence: float
) -> float:
    """Rate of unprovoked fire from one position (1/hour).

    base x (1 + gain x grievance), lowered by mediation pressure and by a peacekeeper's deterrence
    (both fractions in [0, 1]).
    """
    return (
        (base_rate_per_day / HOURS_PER_DAY) * (1.0 + grievance_gain * grievance) * (1.0 - pressure) * (1.0 - deterrence)
    )


def retaliation_probability(
    propensity: float,
    grievance: float,
    grievance_slope: float,
    tier_received: int,
    tier_slope: float,
    pressure: float,
    interposition: float,
) -> float:
    """Probability that a position answers fire of ``tier_received``.

    logit p = logit(propensity) + grievance_slope x log(1 + grievance) + tier_slope x (tier - 1),
    then scaled by (1 - pressure)(1 - interposition). Never falls as grievance or tier rises.
    """
    if propensity <= 0.0:
        p = 0.0
    elif propensity >= 1.0:
        p = 1.0
    else:
        z = (
            math.log(propensity / (1.0 - propensity))
            + grievance_slope * math.log1p(grievance)
            + tier_slope * (tier_received - 1)
        )
        p = 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0
    return p * (1.0 - pressure) * (1.0 - interposition)


def episode_fatigue_factor(fatigue: float, exchanges_so_far: int) -> float:
    """How much likelier an answer is than the first one, ``exchanges_so_far`` exchanges into an episode
    of incidents: (1 - fatigue)^(n - 1). Local episodes wear out (Berman et al. 2024)."""
    return (1.0 - fatigue) ** max(exchanges_so_far - 1, 0)


def escalation_probabilities(
    p_up: float, p_down: float, grievance: float, grievance_gain: float, pressure: float
) -> tuple[float, float]:
    """(probability of answering one tier higher, one tier lower).

    Grievance raises the odds of going up, mediation pressure moves weight from up to down.
    The two never sum above 1; the rest is answering in kind.
    """
    up = p_up * (1.0 + grievance_gain * grievance) * (1.0 - pressure)
    up = min(up, 1.0)
    down = min(p_down + (1.0 - p_down) * pressure, 1.0 - up)
    return up, down


def escalation_tier(tier_received: int, up: float, down: float, u: float) -> int:
    """The tier of an answer to fire of ``tier_received`` given a uniform draw ``u`` in [0, 1)."""
    if u < up:
        return min(tier_received + 1, TOP_TIER)
    if u < up + down:
        return max(tier_received - 1, 1)
    return tier_received


def opening_tier(escalation: float, u: float) -> int:
    """The tier unprovoked fire opens at, 1 .. TOP_TIER - 1, given a uniform draw ``u`` in [0, 1):
    1 + Binomial(TOP_TIER - 2, ``escalation``)."""
    return 1 + binomial_quantile(TOP_TIER - 2, escalation, u)


def binomial_quantile(n: int, p: float, u: float) -> int:
    """Binomial(``n``, ``p``) at a uniform draw ``u`` in [0, 1), by its inverse distribution function
    (one draw whatever the outcome)."""
    if p >= 1.0:
        return n
    odds = p / (1.0 - p)
    k, p_k = 0, (1.0 - p) ** n  # P(k = 0)
    cumulative = p_k
    while u >= cumulative and k < n:
        p_k *= (n - k) / (k + 1) * odds
        k += 1
        cumulative += p_k
    return k


def mean_killed(tier: int, killed_top_tier: float, tier_ratio: float) -> float:
    """Expected killed on the side fired upon by one exchange at ``tier`` (1..4)."""
    return killed_top_tier * tier_ratio ** (TOP_TIER - tier)


def spillover_probability(tier: int, prob_top_tier: float) -> float:
    """Probability that an exchange at ``tier`` sets off fire in one adjacent sector."""
    return prob_top_tier * (tier / TOP_TIER) ** 2


def failures_before_success(prob: float, u: float) -> int:
    """How many independent trials of success probability ``prob`` fail before the first succeeds, given a
    uniform draw ``u`` in [0, 1) (the geometric distribution's inverse): a run of n trials needs one draw
    per success rather than one per trial."""
    if prob >= 1.0:
        return 0
    if prob <= 0.0 or u <= 0.0:
        return 1 << 62  # never (u = 0: a probability-zero draw)
    return int(math.log(u) / math.log1p(-prob))


def mediation_pressure(levers: list[float] | tuple[float, ...]) -> float:
    """Combined pressure of the mediators active now: 1 - prod(1 - lever), each lever in [0, 1]."""
    remaining = 1.0
    for lever in levers:
        remaining *= 1.0 - min(max(lever, 0.0), 1.0)
    return 1.0 - remaining


def either(a: float, b: float) -> float:
    """Two independent effects (fractions in [0, 1]) together: 1 - (1 - a)(1 - b), written a + b - ab so
    that either(0, b) is exactly b (folding contingents' effects from 0 leaves a single one unchanged)."""
    return a + b - a * b


def coverage_effect(strength: float, strength_scale: float) -> float:
    """Share of a contingent's full effect reached with ``strength`` personnel: 1 - exp(-s/scale)."""
    if strength <= 0.0:
        return 0.0
    return 1.0 - math.exp(-strength / strength_scale)


def claims(initiator: str, other: str, verified: bool, initiator_denies: bool) -> dict[str, str]:
    """Whom each side says fired first.

    The side fired upon names the initiator. The initiator blames the other side when it denies and
    the exchange was not verified; otherwise it makes no claim ("").
    """
    return {other: initiator, initiator: other if (initiator_denies and not verified) else ""}


def killed_in_window(times_hours: list[float], killed: list[int], now_hours: float, window_hours: float) -> int:
    """Killed (both sides) in exchanges within ``window_hours`` up to ``now_hours``.

    The rule's reference definition, as the tests recompute collapse from an incident log; the model
    keeps the same quantity as a running sum over a deque (O(1) per exchange)."""
    start = now_hours - window_hours
    return sum(k for t, k in zip(times_hours, killed) if t > start)


def collapse_fires(
    rule: str, killed_window: int, killed_threshold: float, top_tier_sectors_window: int, top_tier_sectors: int
) -> bool:
    """Whether the ceasefire has collapsed: war-scale losses within the window (``killed_window``),
    and with ``killed_and_sectors`` also fire at the top tier in enough sectors. Breadth alone never
    counts: a local clash with heavy weapons is an incident, not war."""
    by_killed = killed_window >= killed_threshold
    if rule == "killed_and_sectors":
        return by_killed and top_tier_sectors_window >= top_tier_sectors
    return by_killed


def offensive_rate_per_hour(rate_per_year: float, pressure: float, deterrence: float) -> float:
    """Rate (1/hour) at which one side decides to resume war: its base rate lowered by mediation
    pressure and by the deterrence of observers on the border (both fractions in [0, 1])."""
    return rate_per_year / (365.0 * HOURS_PER_DAY) * (1.0 - pressure) * (1.0 - deterrence)
