"""The two-level sum of rates: totals, updates and finding whose share a point falls in."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.rates import BLOCK, RateTree


def linear_find(rates: list[float], u: float) -> tuple[int, float]:
    for i, rate in enumerate(rates):
        if u < rate:
            return i, u
        u -= rate
    return len(rates), 0.0


@pytest.mark.parametrize("n", [1, 5, BLOCK, BLOCK + 1, 3 * BLOCK + 2, 200])
def test_set_fill_total_and_find_agree_with_a_list(n):
    rng = np.random.default_rng(n)
    rates = list(rng.random(n))
    tree = RateTree(n)
    tree.fill(rates)
    assert tree.total == pytest.approx(sum(rates), rel=1e-12)
    for _ in range(300):
        i = int(rng.integers(n))
        rates[i] = float(rng.random()) if rng.random() < 0.8 else 0.0  # some rates drop to 0
        tree.set(i, rates[i])
        assert tree.rate(i) == rates[i]
        assert tree.total == pytest.approx(sum(rates), rel=1e-12, abs=1e-15)
        if tree.total > 0.0:
            u = float(rng.random()) * tree.total
            i, offset = tree.find(u)
            j, expected = linear_find(rates, u)
            assert i == j and offset == pytest.approx(expected, abs=1e-12) and 0.0 <= offset < rates[i]


def test_an_item_of_rate_zero_is_never_found_and_the_end_is_n():
    tree = RateTree(40)
    tree.fill([0.0] * 40)
    tree.set(17, 2.0)
    assert {tree.find(u)[0] for u in np.linspace(0.0, 1.999, 50)} == {17}
    assert tree.find(2.0)[0] == 40  # at the total (rounding can get there): no item


def test_totals_do_not_drift_with_many_updates():
    tree = RateTree(64)
    rng = np.random.default_rng(0)
    for _ in range(20_000):
        tree.set(int(rng.integers(64)), float(rng.random()) * 1e6)
    for i in range(64):
        tree.set(i, 0.0)
    assert tree.total == 0.0  # recomputed from the leaves, not by differences
