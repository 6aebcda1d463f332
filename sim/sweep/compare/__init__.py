"""``ceasefire-compare SWEEP_A SWEEP_B [--out DIR]``: two sweeps over the same parameters, side by side.

Jobs are matched by their swept values (e.g. ``observer.strength=20 mediation.intensity=0.5`` in
both); for each pair the table gives B - A:

- **median durability** (Kaplan-Meier, censored at the horizon): 95% percentile bootstrap over
  replications (``--resamples``, default 2000), seeded from ``numpy.random.SeedSequence(--seed)``
  (one spawned stream per pair). When the two jobs ran with the same seed and number of
  replications (common random numbers: replication i of both used the same random stream) the
  resampling is PAIRED -- the same replication indices for A and B -- which keeps that correlation;
  otherwise A and B are resampled independently. A median beyond the horizon is +inf in a
  resample: a CI limit that falls on such resamples is open (``inf``).
- **share collapsed** within the horizon: Newcombe's hybrid score interval for a difference of
  two proportions (from the two Wilson intervals; independent samples, so conservative under
  common random numbers).

Writes ``compare.csv``, ``compare_survival.png`` (survival curves of A and B per job, shared axes)
and ``compare_medians.png`` (median and share collapsed against the first swept parameter, A and B
on shared axes) to ``--out`` (default ``compare/<A>_vs_<B>``), and prints the table. Folders that
cannot be compared -- missing, not a sweep, different swept parameters or horizons, no job in
common -- end with one line on stderr and exit code 2; never a traceback.

Where things are: matching jobs (:mod:`~sim.sweep.compare.matching`), the statistics
(:mod:`~sim.sweep.compare.statistics`), the table (:mod:`~sim.sweep.compare.table`), the two figures
(:mod:`~sim.sweep.compare.plots`) and the command (:mod:`~sim.sweep.compare.cli`).
"""

from sim.sweep.compare.cli import EXIT_ERROR, EXIT_USAGE, default_out, main, parser, run
from sim.sweep.compare.matching import CompareError, Pair, load_pair
from sim.sweep.compare.plots import MEDIANS_FILE, SURVIVAL_FILE, medians_data, medians_png, survival_png
from sim.sweep.compare.statistics import (
    ALPHA,
    DEFAULT_RESAMPLES,
    bootstrap_medians,
    compare,
    compare_pair,
    km_median,
    newcombe_diff,
    percentile_ci,
)
from sim.sweep.compare.table import CSV_FILE, format_table

__all__ = [
    "ALPHA",
    "CSV_FILE",
    "DEFAULT_RESAMPLES",
    "EXIT_ERROR",
    "EXIT_USAGE",
    "MEDIANS_FILE",
    "SURVIVAL_FILE",
    "CompareError",
    "Pair",
    "bootstrap_medians",
    "compare",
    "compare_pair",
    "default_out",
    "format_table",
    "km_median",
    "load_pair",
    "main",
    "medians_data",
    "medians_png",
    "newcombe_diff",
    "parser",
    "percentile_ci",
    "run",
    "survival_png",
]
