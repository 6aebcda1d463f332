"""Comparing configuration values: numbers as floats (``1 == 1.0``), booleans apart."""

from __future__ import annotations

from typing import Any

MAX_SEED = 2**63 - 1
"""The largest seed a setting takes (every command's ``seed``): numpy's ``SeedSequence`` takes any
integer, but one beyond 63 bits is surely a typo, and the seed is shown in reports and folder names."""


def same_value(a: Any, b: Any) -> bool:
    """True if ``a`` and ``b`` are equal, numbers compared as floats (``1 == 1.0``; booleans apart)."""
    if (
        isinstance(a, (int, float))
        and isinstance(b, (int, float))
        and not isinstance(a, bool)
        and not isinstance(b, bool)
    ):
        return float(a) == float(b)
    return a == b
