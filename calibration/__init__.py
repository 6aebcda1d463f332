"""Calibration of the model's free parameters on the September 2022 incident sequence (ABC-SMC, pyabc).

- :mod:`calibration.priors` — the free parameters, their priors and the reasoning for each;
- :mod:`calibration.statistics` — observed and simulated summary statistics (the same code for both);
- :mod:`calibration.abc` — the ABC-SMC run, its settings, stopping rule and outputs;
- :mod:`calibration.posterior` — reading a posterior back, drawing calibrated parameter sets;
- :mod:`calibration.report` — credible intervals, identifiability, plots, posterior predictive check.

The committed calibrated set lives in ``calibration/results/``.
"""
