"""Exploratory modelling over the whole input space (``ceasefire-explore``): what makes the ceasefire hold,
and what would change it.

The uncertainties (the calibrated free parameters and the rate of deliberate offensives) and the policy
levers (observers and mediation) are sampled jointly; every design point runs the same replications on
the same random streams; Sobol (or Morris) indices rank what drives durability, and PRIM finds the
regions where the ceasefire holds, or fails (docs/explore.md). One module per concept:

- :mod:`explore.inputs` — the inputs: names, roles, ranges (priors, the posterior's 90% intervals or
  given), and what a value does to the model's parameters;
- :mod:`explore.design` — the design: EMA Workbench's Sobol and Morris samplers over the inputs;
- :mod:`explore.outcomes` — what a run is reduced to, and a design point's mean and spread over replications;
- :mod:`explore.store` — the exploration folder: its identity, the design, and the results of finished
  chunks of design points, so that a killed run resumes where it stopped;
- :mod:`explore.evaluate` — running a chunk of design points (EMA's ``ReplicatorModel``, common random numbers);
- :mod:`explore.indices` — Sobol and Morris indices with bootstrap intervals (SALib), and how much is noise;
- :mod:`explore.discovery` — PRIM boxes (EMA Workbench) in plain words;
- :mod:`explore.plots`, :mod:`explore.report` — the figures, ``report.md`` and the CSV files;
- :mod:`explore.progress` — progress while the jobs run;
- :mod:`explore.settings` — the command's settings and their checks;
- :mod:`explore.cli` — the ``ceasefire-explore`` command (a Hydra app whose jobs are chunks of design points).

It sits on top of the layers of :mod:`sim` (it uses the model, the calibration's priors and posterior, the
experiment config and the sweeps' job helpers). Published results live in ``explore/results/``.
"""
