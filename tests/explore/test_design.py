"""The design: EMA Workbench's Sobol and Morris samplers over the inputs, and its files."""

import numpy as np
import pytest

from explore.design import (
    design_csv,
    design_npy,
    is_power_of_two,
    points_for,
    read_design_array,
    read_design_rows,
    sample,
)
from explore.inputs import Input


def inputs():
    return (
        Input("a", "uncertainty", 0.0, 2.0, "linear", "-", "", "test"),
        Input("b", "uncertainty", 0.01, 10.0, "log", "-", "", "test"),
        Input("c", "lever", 1, 5, "integer", "-", "", "test"),
    )


def test_sobol_design_has_saltelli_size_and_stays_in_range():
    d = sample(inputs(), "sobol", 64, seed=5)
    assert d.values.shape == (points_for("sobol", 64, 3), 3) == (64 * 5, 3)
    a, b, c = d.values.T
    assert a.min() >= 0 and a.max() <= 2
    assert b.min() >= 0.01 and b.max() <= 10
    assert set(np.unique(c)) == {1, 2, 3, 4, 5}  # whole values, each of them
    assert abs(np.mean(np.log10(b)) + 0.5) < 0.1  # log-uniform: the middle of log10 0.01..10 is -0.5
    assert abs(np.mean(c) - 3) < 0.2


def test_morris_design_has_trajectories_of_d_plus_one_points():
    d = sample(inputs(), "morris", 10, seed=5, levels=4)
    assert d.values.shape == (10 * 4, 3)
    unit = d.unit()
    assert unit.shape == d.values.shape
    assert set(np.round(np.unique(unit), 9)) <= {0.0, round(1 / 3, 9), round(2 / 3, 9), 1.0}
    assert set(np.unique(d.values[:, 2])) <= {1, 2, 3, 4, 5}


def test_same_seed_same_bytes_other_seed_other_design():
    one, two = sample(inputs(), "sobol", 16, seed=3), sample(inputs(), "sobol", 16, seed=3)
    assert design_csv(one) == design_csv(two) and design_npy(one) == design_npy(two)
    assert design_csv(sample(inputs(), "sobol", 16, seed=4)) != design_csv(one)


def test_files_round_trip_exactly():
    d = sample(inputs(), "sobol", 16, seed=3)
    assert np.array_equal(read_design_rows(design_csv(d), ["a", "b", "c"], 0, d.points), d.values)
    assert np.array_equal(read_design_rows(design_csv(d), ["a", "b", "c"], 10, 20), d.values[10:20])
    assert np.array_equal(read_design_array(design_npy(d), 3), d.values)
    with pytest.raises(ValueError, match="header"):
        read_design_rows(design_csv(d), ["a", "b"], 0, 4)
    with pytest.raises(ValueError, match="fewer than"):
        read_design_rows(design_csv(d), ["a", "b", "c"], 0, d.points + 1)


def test_powers_of_two():
    assert [n for n in range(1, 20) if is_power_of_two(n)] == [1, 2, 4, 8, 16]
