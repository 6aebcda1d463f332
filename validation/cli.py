"""The ``ceasefire-validate`` command: out-of-sample validation as a Hydra app.

``main()`` composes and checks the command line first (one line on stderr and exit 2 on bad input,
before Hydra creates an output folder); the Hydra task then runs :func:`validation.run.run_validation`
and writes the report (:mod:`validation.report`) plus ``run.json`` (code version, digests, wall time).
``publish=true`` also copies the report into ``validation/results/``, where the committed one lives.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Sequence

import hydra
from omegaconf import DictConfig, OmegaConf

from sim.common import hydraconf, resources
from sim.common.commands import renamed_overrides, run_hydra_command, run_job_reported
from sim.common.files import check_names
from sim.common.messages import reading
from sim.common.process import command
from sim.experiment.config import CONF_DIR
from sim.model.params import ParameterError
from sim.record.loader import RecordError
from validation.report import FILES, write_report
from validation.run import DEFAULT_VALIDATION_RECORD, POSTERIOR_SETTING, ValidationSettings, run_validation, total_runs

CONFIG_NAME = "validate"
EXIT_USAGE = 2
RESULTS = resources.VALIDATION_RESULTS
"""The committed report: validation/results/ of the checkout or of the installed copy
(``ceasefire-validate publish=true`` regenerates it)."""


@dataclass
class ValidateConfig:
    """The ``ceasefire-validate`` config (``conf/validate.yaml``): validation settings and outputs."""

    validation: ValidationSettings = field(default_factory=ValidationSettings)
    publish: bool = False
    progress: bool = True


def register_configs() -> None:
    """Register :class:`ValidateConfig` with Hydra's ConfigStore as ``validate_schema``."""
    from hydra.core.config_store import ConfigStore

    ConfigStore.instance().store(name="validate_schema", node=ValidateConfig)


SCHEMA = hydraconf.Schema(
    tool="ceasefire-validate",
    root=ValidateConfig,
    errors=(ParameterError,),
    wrong_type_text="{key} has the wrong type: {value}; allowed: {allowed}",
)
"""ceasefire-validate's config for its messages (:class:`sim.common.hydraconf.Schema`)."""


def compose(overrides: Sequence[str]) -> ValidateConfig:
    """The composed, type-checked config; one-line :class:`ParameterError` on a bad override."""
    register_configs()
    with hydraconf.composer(SCHEMA, CONFIG_NAME) as compose_job:
        try:
            cfg = compose_job(list(overrides))
            return OmegaConf.to_object(hydraconf.without_hydra(cfg)[0])
        except Exception as e:  # Hydra/OmegaConf composition errors: one line
            raise ParameterError(hydraconf.explain(e, overrides, SCHEMA)) from None


def preflight(overrides: Sequence[str]) -> ValidateConfig:
    """Compose and check every input the run will read; raise a one-line error on the first problem."""
    from sim.experiment.config import load_posterior
    from sim.model.border import Border
    from sim.record.loader import load_events_file, load_record
    from sim.record.patterns import WINDOW_HOURS
    from validation.window import window_for

    cfg = compose(overrides)
    s = cfg.validation
    until = s.validate()
    check_names({"validation.record_dir": s.record_dir, "validation.record": s.record}, ParameterError)
    if s.mode == "rolling":
        from validation.rolling.run import load_timeline, rolling_origins

        rolling_origins(s, *load_timeline(s))
        return cfg
    with reading("validation.record_dir", s.record_dir, (RecordError,), ParameterError):
        record = load_record(s.record_dir or None)
    window_for(Border.from_record(record), WINDOW_HOURS, until)
    with reading("validation.record", s.record, (RecordError,), ParameterError):
        load_events_file(Path(s.record) if s.record else DEFAULT_VALIDATION_RECORD, record)
    load_posterior(s.posterior, *POSTERIOR_SETTING)
    return cfg


def provenance(s: ValidationSettings, rolling: bool = False) -> str:
    """One line for the report: what the parameters and records were, by digest (no clock, no machine)."""
    from sim.common.versions import versions_text
    from sim.experiment.provenance import record_sha256

    if rolling:
        from sim.record.history import HISTORY_DIR

        history = Path(s.rolling.history) if s.rolling.history else HISTORY_DIR
        return (
            f"Parameters: prior draws (calibration/priors.py) reweighted per origin; history record sha256 "
            f"{_sha256(history / 'events.yaml')[:16]}; calibration record sha256 "
            f"{record_sha256(s.record_dir or None)[:16]}; validation record sha256 "
            f"{_sha256(Path(s.record) if s.record else DEFAULT_VALIDATION_RECORD)[:16]}; {versions_text()}."
        )
    post = resources.CALIBRATION_RESULTS / "posterior.csv" if s.posterior == "calibrated" else Path(s.posterior)
    record = Path(s.record) if s.record else DEFAULT_VALIDATION_RECORD
    shown = "calibration/results/posterior.csv" if s.posterior == "calibrated" else post
    return (
        f"Parameters: the posterior `{shown}` (sha256 {_sha256(post)[:16]}) and the hand-set defaults; "
        f"calibration record sha256 {record_sha256(s.record_dir or None)[:16]}; "
        f"validation record sha256 {_sha256(record)[:16]}; {versions_text()}."
    )


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def validate(cfg: ValidateConfig, out_dir: Path, log=print) -> None:
    """Run the validation and write its report into ``out_dir`` (and ``validation/results/`` if publishing)."""
    from sim.common.files import write_atomic
    from sim.experiment.provenance import code_version

    s = cfg.validation
    if s.mode == "rolling":
        return validate_rolling(cfg, out_dir, log)
    log(
        f"forecasting the end of 28 Sept 2022 to the end of {s.until}: {total_runs(s)} model runs and two "
        "references ..."
    )
    v, wall = timed(lambda progress: run_validation(s, progress=progress), total_runs(s), cfg.progress)
    write_report(v, out_dir, provenance(s))
    run = {
        "settings": asdict(s),
        "code_version": code_version(),
        "wall_seconds": round(wall, 1),
        "model_runs": total_runs(s),
    }
    write_atomic(out_dir / "run.json", json.dumps(run, indent=2) + "\n")
    for line in summary_lines(v):
        log(line)
    log(f"{total_runs(s)} model runs in {wall:.1f} s")
    if cfg.publish:
        publish(out_dir, RESULTS, FILES, log)
    log(f"outputs: {out_dir}")


def publish(out_dir: Path, results: Path, files: Sequence[str], log=print) -> None:
    """Copy the report's ``files`` from ``out_dir`` into ``results`` (each to a temporary name, then renamed)."""
    results.mkdir(parents=True, exist_ok=True)
    for name in files:
        shutil.copyfile(out_dir / name, results / f".{name}.tmp")
        (results / f".{name}.tmp").replace(results / name)
    log(f"published to {results}")


def validate_rolling(cfg: ValidateConfig, out_dir: Path, log=print) -> None:
    """Run the rolling validation and write its report into ``out_dir`` (and ``validation/results/rolling/``
    if publishing)."""
    from sim.common.files import write_atomic
    from sim.experiment.provenance import code_version
    from validation.rolling import report as rolling_report
    from validation.rolling.run import load_timeline, rolling_origins, run_rolling, total_runs

    s = cfg.validation
    n = len(rolling_origins(s, *load_timeline(s)))
    log(
        f"rolling validation: {n} origins, {s.rolling.bank} prior draws over the record's spells, then "
        f"{total_runs(s, n) - s.rolling.bank} model runs and two references per origin ..."
    )
    v, wall = timed(lambda progress: run_rolling(s, progress=progress), total_runs(s, n), cfg.progress)
    rolling_report.write_report(v, out_dir, provenance(s, rolling=True))
    run = {"settings": asdict(s), "code_version": code_version(), "wall_seconds": round(wall, 1)}
    write_atomic(out_dir / "run.json", json.dumps(run, indent=2) + "\n")
    for line in rolling_report.verdict(v)[2:]:
        log(line)
    log(f"{total_runs(s, n)} model runs in {wall:.1f} s")
    if cfg.publish:
        publish(out_dir, RESULTS / "rolling", rolling_report.FILES, log)
    log(f"outputs: {out_dir}")


def summary_lines(v) -> list[str]:
    """The printed table: each forecaster's weekly CRPS of the headline quantities and P(war)."""
    from validation.scoring import HEADLINE

    lines = [f"{'forecaster':<36} {'CRPS killed':>12} {'CRPS w/ casualties':>19} {'P(war)':>7}"]
    for f in v.forecasts:
        crps = {r.quantity: r.crps for r in v.rows if r.forecaster == f.name}
        war = next(w.probability for w in v.war if w.forecaster == f.name)
        lines.append(f"{f.name:<36} {crps[HEADLINE[0]]:>12.3f} {crps[HEADLINE[1]]:>19.3f} {war:>7.3f}")
    return lines


def timed(run, total: int, enabled: bool):
    """``run(progress)``'s result and its wall time in seconds, with a progress bar of ``total`` model
    runs on stderr when ``enabled`` and stderr is a terminal."""
    start = time.perf_counter()
    bar = _progress_bar(total, enabled)
    try:
        result = run(bar.update if bar else None)
    finally:
        if bar:
            bar.close()
    return result, time.perf_counter() - start


def _progress_bar(total: int, enabled: bool):
    if not enabled or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc="model runs", unit="run", file=sys.stderr)


@hydra.main(config_path=str(CONF_DIR), config_name=CONFIG_NAME, version_base="1.3")
def _app(cfg: DictConfig) -> None:
    from hydra.core.hydra_config import HydraConfig

    out_dir = Path(HydraConfig.get().runtime.output_dir)
    run_job_reported(lambda: validate(OmegaConf.to_object(cfg), out_dir), out_dir, (ParameterError, RecordError))


@command
def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: preflight (one line, exit 2 on bad input), then the Hydra app; a fault while running
    is one line too (:func:`sim.common.commands.run_hydra_command`)."""
    argv = renamed_overrides(list(sys.argv[1:] if argv is None else argv))
    run_hydra_command(
        argv,
        "ceasefire-validate",
        preflight,
        _app,
        register_configs,
        (ParameterError, RecordError),
        "no report written",
    )


if __name__ == "__main__":
    main()
