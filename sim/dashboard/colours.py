"""One encoding per meaning, on every figure of the page, and the same as the command line's figures.

- weapon tier: the sequential scale of ``timeline.png`` (ColorBrewer YlOrRd, light = small arms, dark
  = artillery/drones; :data:`sim.model.timeline.TIER_COLOURS`), and light grey for a position holding fire;
- side: a purple/green pair outside that scale (ARM purple, AZE green) and a marker shape (ARM circle,
  AZE triangle), as ``timeline.png``;
- mediators' pressure: their grey in ``timeline.png``; peacekeepers: black;
- a reference against an alternative (the ``sept2022`` baseline against the page's settings):
  ``ceasefire-compare``'s sweep A (blue, solid) and sweep B (orange, dashed), as its figures, which the
  sweep view shows. Tier colours appear only in the run view, always as markers, never as lines.

Side and tier never share a scale: the tier scale has no purple or green, the side pair no yellow to red.
"""

from __future__ import annotations

from sim.model.params import SIDES, TIER_NAMES
from sim.model.timeline import (
    MEDIATOR_COLOUR,
    PEACEKEEPER_COLOUR,
    SIDE_COLOURS,
    SIDE_MARKERS,
    SIDE_NAMES,
    TIER_COLOURS,
)

HOLDING_FIRE = "#d9d9d9"  # tier 0: no fire
TIER_FILL = {0: HOLDING_FIRE, **TIER_COLOURS}
TIER_SIZES = {1: 34.0, 2: 52.0, 3: 74.0, 4: 100.0}  # marker area (points^2), heavier = bigger, as timeline.png
PRESSURE_COLOUR = MEDIATOR_COLOUR
COVERAGE_COLOUR = PEACEKEEPER_COLOUR
REFERENCE_COLOUR = "tab:blue"  # ceasefire-compare's A
ALTERNATIVE_COLOUR = "tab:orange"  # ceasefire-compare's B
REFERENCE_STYLE, ALTERNATIVE_STYLE = "-", "--"
COLLAPSE_COLOUR = "black"

__all__ = [
    "ALTERNATIVE_COLOUR",
    "ALTERNATIVE_STYLE",
    "COLLAPSE_COLOUR",
    "COVERAGE_COLOUR",
    "HOLDING_FIRE",
    "PRESSURE_COLOUR",
    "REFERENCE_COLOUR",
    "REFERENCE_STYLE",
    "SIDES",
    "SIDE_COLOURS",
    "SIDE_MARKERS",
    "SIDE_NAMES",
    "TIER_FILL",
    "TIER_NAMES",
    "TIER_SIZES",
    "tier_label",
]


def tier_label(tier: int) -> str:
    """``3 mortar``; ``holding fire`` for 0."""
    return "holding fire" if tier == 0 else f"{tier} {TIER_NAMES[tier]}"
