"""Rates of many items kept summed in a two-level tree: set one rate, read the total, find whose rate a
point of the total falls in.

Items are grouped in blocks of :data:`BLOCK` (the leaves); each block's sum and the total are recomputed
by the C-level ``sum`` of at most ``BLOCK`` and ``n / BLOCK`` numbers, never updated by differences, so
rounding errors do not build up however often rates change. Setting a rate is two short C loops, finding
an item two short Python loops: flat enough for the borders the model runs on (docs/performance.md
compares it with a binary tree).
"""

from __future__ import annotations

from collections.abc import Iterable

BLOCK = 16  # items per leaf block


class RateTree:
    """Non-negative rates of ``n`` items (index 0 .. n-1), summed by blocks and in total."""

    __slots__ = ("n", "total", "_blocks", "_sums")

    def __init__(self, n: int):
        self.n = n
        self._blocks = [[0.0] * min(BLOCK, n - start) for start in range(0, n, BLOCK)]
        self._sums = [0.0] * len(self._blocks)
        self.total = 0.0  # the sum of all rates

    def rate(self, i: int) -> float:
        """Item ``i``'s rate."""
        return self._blocks[i // BLOCK][i % BLOCK]

    def set(self, i: int, rate: float) -> None:
        """Set item ``i``'s rate (>= 0), its block's sum and the total."""
        b = i // BLOCK
        block = self._blocks[b]
        block[i % BLOCK] = rate
        self._sums[b] = sum(block)
        self.total = sum(self._sums)

    def fill(self, rates: Iterable[float]) -> None:
        """Set every item's rate at once."""
        rates = list(rates)
        for b, block in enumerate(self._blocks):
            block[:] = rates[b * BLOCK : b * BLOCK + len(block)]
            self._sums[b] = sum(block)
        self.total = sum(self._sums)

    def find(self, u: float) -> tuple[int, float]:
        """(item, offset): the item whose share of the total holds ``u`` (0 <= u < total), i.e. item i with
        sum(rates[:i]) <= u < sum(rates[:i + 1]), and where in its share ``u`` falls (0 <= offset < rate):
        for a uniform ``u`` the offset is uniform on [0, rate) given the item. Within a rounding error of
        the total it may return item ``n`` (no item): callers treat that, and an item of rate 0, as none."""
        for b, block_sum in enumerate(self._sums):
            if u < block_sum:
                for j, rate in enumerate(self._blocks[b]):
                    if u < rate:
                        return b * BLOCK + j, u
                    u -= rate
                return self.n, 0.0
            u -= block_sum
        return self.n, 0.0
