"""The versions of the packages whose arithmetic decides the numbers, for every output's provenance.

The same seed gives the same bytes with the pinned dependency set (``constraints.txt``); another numpy,
scipy, pyabc or Mesa may draw or round differently, so each output names the versions it ran with.
"""

from __future__ import annotations

import functools
from importlib.metadata import PackageNotFoundError, version

NUMERIC_PACKAGES = ("numpy", "scipy", "pyabc", "mesa")


@functools.lru_cache(maxsize=1)
def package_versions() -> dict[str, str]:
    """``{"numpy": "2.5.5", ...}`` for :data:`NUMERIC_PACKAGES` (``"not installed"`` for a missing one)."""
    out = {}
    for name in NUMERIC_PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def versions_text() -> str:
    """``numpy 2.5.5, scipy 1.18.1, pyabc 0.13.0, mesa 3.5.1``: the same, for a report's line."""
    return ", ".join(f"{k} {v}" for k, v in package_versions().items())
