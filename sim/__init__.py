"""ceasefire-sim: an agent-based simulation of ceasefire durability (Mesa), calibrated on the
September 2022 Armenia-Azerbaijan border incidents.

- :mod:`sim.record`, :mod:`sim.targets`, :mod:`sim.patterns` — the incident record in ``seeds/`` and
  the patterns derived from it;
- :mod:`sim.params` — every model parameter, with unit, default, range and source;
- :mod:`sim.rules` — decision rules as pure functions;
- :mod:`sim.agents`, :mod:`sim.model` — the Mesa agents and the event-driven model;
- :mod:`sim.simulate` — one run as a library call and its outputs;
- :mod:`sim.config`, :mod:`sim.cli`, :mod:`sim.replicate`, :mod:`sim.survival` — the ``ceasefire-sim``
  command: configs, replications, Kaplan-Meier summaries;
- :mod:`sim.sweep`, :mod:`sim.compare` — sweeps (aggregation, plots, Cox hazards) and ``ceasefire-compare``.
"""
