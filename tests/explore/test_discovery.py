"""Scenario discovery: PRIM (EMA Workbench) finds a planted box, and the box is told in plain words."""

import numpy as np
import pytest

from explore.discovery import Step, choose, find_box, inside, interest, target_density
from explore.inputs import Input


def inputs(n=5):
    return [Input(f"x{i}", "lever" if i == 0 else "uncertainty", 0.0, 1.0, "linear", "-", "", "test") for i in range(n)]


@pytest.fixture(scope="module")
def planted():
    """Uniform points; inside 0.2 <= x0 <= 0.6 and x2 >= 0.7 the ceasefire collapses in 5% of runs, elsewhere in
    60%: the region where it holds is that box."""
    rng = np.random.default_rng(0)
    x = rng.random((4000, 5))
    box = (x[:, 0] >= 0.2) & (x[:, 0] <= 0.6) & (x[:, 2] >= 0.7)
    return x, box, np.where(box, 0.05, 0.6)


def test_prim_finds_the_planted_box(planted):
    x, box, collapsed = planted
    b = find_box("holds", inputs(), x, collapsed, hold_share=0.8, fail_share=0.5, min_density=0.9, max_dims=4)
    limits = {limit.input.name: limit for limit in b.limits}
    assert set(limits) == {"x0", "x2"}  # only the planted inputs are restricted
    assert abs(limits["x0"].lo - 0.2) < 0.03 and abs(limits["x0"].hi - 0.6) < 0.03
    assert abs(limits["x2"].lo - 0.7) < 0.03 and not limits["x2"].hi_restricted
    assert b.met_density and b.step.density >= 0.9 and b.step.coverage >= 0.9
    assert all(limit.significant for limit in b.limits)
    found = inside(x, b, [i.name for i in inputs()])
    assert (found & box).sum() / box.sum() == pytest.approx(b.step.coverage)
    d = b.step.density  # in the box: planted points hold in 95% of runs, the others in 40%
    assert b.share_of_runs == pytest.approx(d * 0.95 + (1 - d) * 0.4)
    words = b.words()
    assert "≤ x0 ≤" in words and "x2 ≥ 0.69" in words and "density" in words and "coverage" in words
    levers, conditions = b.split()
    assert [limit.input.name for limit in levers] == ["x0"] and [limit.input.name for limit in conditions] == ["x2"]


def test_fails_is_where_points_collapse(planted):
    x, box, collapsed = planted
    b = find_box("fails", inputs(), x, collapsed, hold_share=0.8, fail_share=0.5, min_density=0.8, max_dims=4)
    assert b.cases == int((~box).sum())
    assert "collapse" in b.question
    assert b.step is not None and b.step.res_dim >= 1  # the whole space is never the box reported


def test_nothing_to_find():
    x = np.random.default_rng(1).random((200, 3))
    none = find_box("holds", inputs(3), x, np.ones(200), 0.8, 0.5, 0.8, 4)
    assert none.step is None and none.cases == 0 and "no region" in none.words()
    every = find_box("holds", inputs(3), x, np.zeros(200), 0.8, 0.5, 0.8, 4)
    assert every.step is None and "whole explored space" in every.words()


def test_interest_counts_whole_runs():
    collapsed = np.array([0.0, 0.125, 0.25, 0.5, 0.875])  # shares of 8 runs
    holds, text = interest("holds", collapsed, 0.8, 0.5)
    assert holds.tolist() == [True, True, False, False, False] and "80%" in text
    fails, _ = interest("fails", collapsed, 0.8, 0.5)
    assert fails.tolist() == [False, False, False, True, True]


def test_choose_prefers_coverage_among_dense_boxes_with_few_limits():
    steps = [
        Step(0, 1.0, 0.5, 1.0, 0, 100, 50),
        Step(1, 0.9, 0.85, 0.5, 1, 50, 42),
        Step(2, 0.7, 0.95, 0.3, 2, 30, 28),
        Step(3, 0.6, 0.99, 0.2, 5, 20, 19),
    ]
    assert choose(steps, 0.8, 4) == (1, True)
    assert choose(steps, 0.9, 4) == (2, True)
    assert choose(steps, 0.999, 4) == (2, False)  # none dense enough: the densest allowed, said so
    assert choose(steps[:1], 0.8, 4) == (0, False)


def test_a_space_mostly_of_interest_needs_a_denser_box():
    assert target_density(0.8, 0.3) == 0.8
    assert target_density(0.8, 0.78) == pytest.approx(0.89)  # at least half the points not of interest left out


def test_the_policy_box_restricts_levers_only(planted):
    x, box, collapsed = planted
    b = find_box("holds_by_policy", inputs(), x, collapsed, 0.8, 0.5, 0.8, 4)
    assert b.limits and all(limit.input.role == "lever" for limit in b.limits)
    (x0,) = b.limits
    assert abs(x0.lo - 0.2) < 0.05 and 0.45 < x0.hi < 0.65  # inside the lever's part of the planted box
    assert "levers alone" in b.question
    none = find_box("holds_by_policy", inputs()[1:], x[:, 1:], collapsed, 0.8, 0.5, 0.8, 4)
    assert none.step is None and "No lever" in none.words()
