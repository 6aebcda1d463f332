"""The dashboard's entry point: ``solara run sim/dashboard/app.py`` (``make dashboard``; docs/dashboard.md).

Before the page is served, the front-end files solara's page loads are put into solara's cache from the
npm registry if they are not there yet (:mod:`sim.dashboard.assets`); without them the page is blank on a
machine that reaches no CDN. If they cannot be fetched, the server stops with one line. Then what every
first page pays once per process (imports, Hydra's first composition, matplotlib's fonts) is paid at
start, before the server answers."""

from __future__ import annotations

import sys

from sim.dashboard import assets
from sim.dashboard.page import Page, warm_up

__all__ = ["Page"]

try:
    assets.ensure()
except (assets.AssetsError, OSError) as e:
    print(f"error: {e}", file=sys.stderr)
    raise SystemExit(1) from None

warm_up()  # the first visitor does not wait for Hydra, the model and the figures to load
