"""Parameter sweeps over ceasefire durability (``ceasefire-sim -m ...``).

A sweep folder is what Hydra's multirun writes: ``multirun.yaml`` (the sweep's composed config)
and one folder per job, each with ``.hydra/overrides.yaml`` and the job's outputs
(:mod:`sim.experiment.outputs`; ``summary.json`` is written last, so its presence means the job finished).
Everything here works FROM THOSE FILES, so it does not matter which launcher ran the jobs (basic,
joblib, submitit on SLURM) or in which processes.

- :mod:`sim.sweep.jobs` -- the job side: skip a job that finished earlier with the same config,
  catch a job's exception and leave a failure marker (``failed.json``) so the sweep goes on;
- :mod:`sim.sweep.aggregate` -- read a sweep folder into one row per job (``sweep_summary.csv``);
- :mod:`sim.sweep.hazards` -- Cox proportional-hazards table over all replications (``cox.csv``);
- :mod:`sim.sweep.plots` -- survival curves, heatmap of the share collapsed (and the median where reached),
  hazard-ratio plot;
- :mod:`sim.sweep.callback` -- the Hydra callback that writes all of it at the end of a sweep.

``python -m sim.sweep SWEEP_DIR`` does what the callback does, for a folder on disk.
"""

SUMMARY_FILE = "summary.json"  # written last by a job that finished (sim.experiment.outputs)
REPLICATIONS_FILE = "replications.csv"
FAILED_FILE = "failed.json"  # a job that raised: the one-line error
CONFIG_HASH_FILE = "config.sha256"  # the sha256 of the job's config, written before it runs
MULTIRUN_FILE = "multirun.yaml"  # written by Hydra's sweeper into the sweep folder
SWEEP_SUMMARY_FILE = "sweep_summary.csv"
COX_FILE = "cox.csv"
SURVIVAL_PLOT = "sweep_survival.png"
HEATMAP_PLOT = "sweep_heatmap.png"
COX_PLOT = "sweep_cox.png"
