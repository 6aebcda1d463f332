"""Digests of what the committed experiments, sweeps, calibration and validation produce for their seeds.

A restructure must not change behaviour: ``tests/test_golden.py`` recomputes these digests and compares
them with ``tests/golden/digests.json``. Only what the model computes is hashed: provenance (the code
version, which changes with every commit) is left out. Regenerate after a deliberate change of
behaviour, and say why in the commit: ``python -m tests.golden.digests > tests/golden/digests.json``.

Sizes are cut down where the committed setting would take minutes (sweeps: 20 replications a job;
calibration: the smoke settings; validation: 60 paths); seeds stay the committed ones.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import sys
from typing import Any

PROVENANCE_COLUMNS = (
    "params_source",
    "posterior_sha256",
    "params_fixed",
    "code_version",
    "record_sha256",
    "sweep_overrides",
)
SWEEP_REPLICATIONS = 20


def sha(data: str | bytes) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()[:16]


def without_provenance(summary: dict) -> dict:
    """The summary without what names the code rather than what it computed (provenance, the digest of
    the posterior file, the description of the parameter source that names a source file)."""
    out = {k: v for k, v in summary.items() if k != "provenance"}
    if isinstance(out.get("params"), dict):
        out["params"] = {k: v for k, v in out["params"].items() if k not in ("posterior_sha256", "description")}
    return out


def rows_digest(rows: list[dict]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    for row in rows:
        w.writerow([repr(v) for k, v in row.items() if k not in PROVENANCE_COLUMNS])
    return sha(buf.getvalue())


def experiment_digest(experiment: str, **overrides: Any) -> dict:
    from sim import api
    from sim.model.run import incidents_csv

    res = api.run(experiment=experiment, **overrides)
    r = res._replicated
    return {
        "summary": sha(json.dumps(without_provenance(res.summary), sort_keys=True, default=str)),
        "replications": rows_digest(r.rows()),
        "incidents": sha(incidents_csv(r.first)),
    }


def sweep_points(experiment: str) -> list[dict[str, str]]:
    """Every job's overrides of a sweep experiment (its hydra.sweeper.params)."""
    from sim.experiment.config import group_file, read_config_file

    params = read_config_file(group_file("experiment", experiment))["hydra"]["sweeper"]["params"]
    keys = list(params)
    values = [str(params[k]).split(",") for k in keys]
    return [dict(zip(keys, combo)) for combo in itertools.product(*values)]


def sweep_digest(experiment: str) -> dict:
    out = {}
    for point in sweep_points(experiment):
        typed = {k: float(v) for k, v in point.items()}
        label = " ".join(f"{k}={v}" for k, v in point.items())
        out[label] = experiment_digest(experiment, replications=SWEEP_REPLICATIONS, **typed)["replications"]
    return out


def calibration_digest() -> str:
    import tempfile
    from pathlib import Path

    from calibration.abc import CalibrationSettings, posterior_csv, run_abc
    from calibration.history import whole_record
    from sim.record.loader import load_record

    whole = whole_record(load_record())
    settings = CalibrationSettings(
        seed=1,
        population_size=40,
        max_generations=2,
        min_acceptance_rate=0.0,
        max_simulations=10000,
        predictive_draws=30,
    )
    with tempfile.TemporaryDirectory() as tmp:
        cal = run_abc(settings, whole.observed(), whole, Path(tmp) / "h.db", log=lambda *a: None)
    return sha(posterior_csv(cal))


TOLERANT_FORECASTERS = ("Hawkes process",)
"""Fitted by scipy's L-BFGS-B, which calls BLAS and LAPACK: its rows are stored as numbers and compared to a
relative 1e-9 (tests/golden/test_golden.py); every other row is hashed."""


def validation_digest() -> dict:
    from validation.run import ValidationSettings, run_validation

    v = run_validation(ValidationSettings(paths=60, bootstrap=200))
    exact = [r.__dict__ for r in v.rows if r.forecaster not in TOLERANT_FORECASTERS]
    tolerant = {
        f"{r.forecaster} {r.quantity}": {
            k: x for k, x in sorted(r.__dict__.items()) if isinstance(x, int | float) and not isinstance(x, bool)
        }
        for r in v.rows
        if r.forecaster in TOLERANT_FORECASTERS
    }
    return {"exact": sha(json.dumps(exact, sort_keys=True)), "tolerant": tolerant}


RETIRED = ("observer_mission", "no_mediation", "peacekeeper_withdrawal")
"""Experiments that only wrapped their scenario, now ``+experiment=year scenario=NAME``: their stored
digests (from when they were files) must come out of the year experiment with that scenario."""


def retired_digest(name: str) -> dict:
    return experiment_digest("year", scenario=name)


def experiments() -> list[str]:
    from sim.experiment.config import group_options

    return group_options("experiment")


def all_digests() -> dict:
    out: dict[str, Any] = {}
    for name in experiments():
        out[f"experiment {name}"] = sweep_digest(name) if name.startswith("sweep_") else experiment_digest(name)
    for name in RETIRED:
        out[f"experiment {name}"] = retired_digest(name)
    out["calibration smoke"] = calibration_digest()
    out["validation"] = validation_digest()
    return out


if __name__ == "__main__":
    sys.stdout.write(json.dumps(all_digests(), indent=2, sort_keys=True) + "\n")
