"""ceasefire-sim: an agent-based simulation of ceasefire durability (Mesa), calibrated on the
September 2022 Armenia-Azerbaijan border incidents.

Layers, each importing only the ones above it in this list (``tests/test_layers.py`` checks it):

1. :mod:`sim.common` — small shared helpers: atomic writes and paths, strict YAML, figures, where the
   data folders are, and the one door to Hydra and OmegaConf (:mod:`sim.common.hydraconf`);
2. :mod:`sim.record` — the incident record (``seeds/``): loading and validation, targets, patterns;
3. :mod:`sim.model` — the model: parameters, rules, agents, the Mesa model, the border it runs on,
   one run and its timeline;
4. :mod:`calibration` (a top-level package) — ABC-SMC on the record, the posterior;
5. :mod:`sim.experiment` — running experiments: the config, replications, survival statistics,
   outputs, provenance;
6. :mod:`sim.sweep` — sweeps and comparison (``ceasefire-compare``);
7. :mod:`validation` (a top-level package) — forecasts scored against what happened next;
8. :mod:`explore` (a top-level package) — global sensitivity and scenario discovery (``ceasefire-explore``);
9. :mod:`sim.dashboard` — the dashboard (``make dashboard``): on top of every layer, imported by none.

:mod:`sim.api` (the Python API for notebooks) and :mod:`sim.cli` (the ``ceasefire-sim`` command, which runs
sweeps too) sit beside the sweep layer.
"""
