"""Comparing configuration values: numbers as floats (``1 == 1.0``), booleans apart."""

from __future__ import annotations

from typing import Any


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
