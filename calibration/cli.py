"""The ``ceasefire-calibrate`` command: ABC-SMC calibration as a Hydra app.

``main()`` composes and validates the command line first (one line and exit 2 on bad input, before
Hydra creates an output folder); the Hydra task then runs :func:`calibrate`, a plain function.
Outputs, under the run folder: ``history.db`` (pyabc), ``posterior.csv``, ``run.json``, ``report.md``,
``report.json``, ``marginals.png``, ``pairs.png``, ``predictive.png``.
"""

from __future__ import annotations

import errno
import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import hydra
from omegaconf import DictConfig, OmegaConf

from calibration.abc import CalibrationSettings, run_abc, run_json, write_posterior
from calibration.history import USED, whole_record
from calibration.posterior import RESULTS
from calibration.report import degenerate_warning, write_report
from sim.common import hydraconf
from sim.common.commands import register_resolvers, renamed_overrides, run_hydra_command, run_job_reported
from sim.common.files import check_names, kind
from sim.common.messages import reading
from sim.common.process import command
from sim.common.resources import CONF_DIR
from sim.model.params import ParameterError
from sim.record.history import load_history
from sim.record.loader import RecordError, load_record

CONFIG_NAME = "calibrate"
EXIT_USAGE = 2
PUBLISHED = (
    *("posterior.csv", "generation0.csv", "run.json"),
    *("report.md", "report.json", "marginals.png", "predictive.png"),
)


@dataclass
class CalibrateConfig:
    """The ``ceasefire-calibrate`` config (``conf/calibrate.yaml``): calibration settings, record, outputs."""

    calibration: CalibrationSettings = field(default_factory=CalibrationSettings)
    record_dir: str = ""
    history_dir: str = ""
    publish: bool = False
    plots: bool = True


def register_configs() -> None:
    """Register :class:`CalibrateConfig` with Hydra's ConfigStore as ``calibrate_schema``."""
    from hydra.core.config_store import ConfigStore

    ConfigStore.instance().store(name="calibrate_schema", node=CalibrateConfig)


SCHEMA = hydraconf.Schema(
    tool="ceasefire-calibrate",
    root=CalibrateConfig,
    groups={"calibration": "a calibration"},
    group_usage="calibration=NAME",
    errors=(ParameterError,),
    no_option_text="{group}: no such option",
    wrong_type_text="{key} has the wrong type: {value}; allowed: {allowed}",
)
"""ceasefire-calibrate's config for its messages (:class:`sim.common.hydraconf.Schema`)."""


def to_config(cfg: DictConfig) -> CalibrateConfig:
    """The composed config (without its ``hydra`` node) as a :class:`CalibrateConfig`."""
    return OmegaConf.to_object(hydraconf.without_hydra(cfg)[0] if "hydra" in cfg else cfg)


def preflight(overrides: Sequence[str]) -> CalibrateConfig:
    """Compose and validate; raise ParameterError with one line on the first problem."""
    register_configs()
    _check_files(overrides)
    with hydraconf.composer(SCHEMA, CONFIG_NAME) as compose:
        try:
            cfg = to_config(compose(list(overrides)))
        except Exception as e:  # Hydra/OmegaConf composition errors: one line
            raise ParameterError(hydraconf.explain(e, overrides, SCHEMA)) from None
    cfg.calibration.validate()
    check_names({"record_dir": cfg.record_dir, "history_dir": cfg.history_dir}, ParameterError)
    with reading("record_dir", cfg.record_dir, (RecordError,), ParameterError):
        load_record(cfg.record_dir or None)
    with reading("history_dir", cfg.history_dir, (RecordError,), ParameterError):
        load_history(cfg.history_dir or None)
    return cfg


def _check_files(overrides: Sequence[str]) -> None:
    """Read the primary config and the chosen calibration file strictly (sim.common.yamlfile): a repeated
    key, binary content, deep nesting or a number no float can hold is one line naming the file."""
    from sim.common.yamlfile import YamlFileError, load

    choice = "committed"
    for o in overrides:
        key, sep, value = o.lstrip("+~").partition("=")
        if sep and key == "calibration" and value and "," not in value:
            choice = value
    files = [CONF_DIR / f"{CONFIG_NAME}.yaml"]
    path = CONF_DIR / "calibration" / f"{choice}.yaml"
    if kind(path) != "none":
        files.append(path)
    for f in files:
        try:
            load(f, "omegaconf")
        except YamlFileError as e:
            raise ParameterError(str(e)) from None


SQLITE_ERRNO = {"SQLITE_FULL": errno.ENOSPC, "SQLITE_READONLY": errno.EROFS, "SQLITE_IOERR": errno.EIO}
"""The SQLite errors of pyabc's database that are its disk's (by ``sqlite_errorname``), as errno values."""


def disk_error(exc: BaseException, path: Path) -> OSError | None:
    """An ``OSError`` naming ``path`` if ``exc`` or an exception it came from is SQLite's report of a full,
    read-only or failing disk (pyabc's database reports a full disk so, under its own exceptions), else None."""
    seen: list[BaseException] = []
    e: BaseException | None = exc
    while e is not None and e not in seen:
        code = SQLITE_ERRNO.get(str(getattr(e, "sqlite_errorname", "")))
        if code is not None:
            return OSError(code, os.strerror(code), str(path))
        seen.append(e)
        e = e.__cause__ or e.__context__
    return None


def calibrate(cfg: CalibrateConfig, out_dir: Path, log=print) -> tuple:
    """Run the calibration into ``out_dir``; with ``cfg.publish`` also into calibration/results/."""
    whole = whole_record(load_record(cfg.record_dir or None), load_history(cfg.history_dir or None))
    observed = whole.observed()
    s = cfg.calibration
    log(
        f"calibrating {len(USED)} statistics (the articles' window and {len(whole.periods)} periods of the "
        f"history), population {s.population_size}, up to "
        f"{s.max_generations} generations, sampler {s.sampler} ({1 if s.sampler == 'single' else s.n_procs} "
        "core(s)) ..."
    )
    tmp_db = out_dir / ".history.db.tmp"
    try:
        cal = run_abc(s, observed, whole, tmp_db, log=log, progress=True)
        tmp_db.replace(out_dir / "history.db")
    except Exception as e:
        raise disk_error(e, out_dir / "history.db") or e
    finally:  # failed or interrupted: no temporary database is left behind
        for leftover in out_dir.glob(".history.db.tmp*"):
            try:
                leftover.unlink()
            except OSError:
                pass
    write_posterior(cal, out_dir)
    run = run_json(cal)
    params, checks = write_report(cal.posterior(), run, whole, out_dir, s.predictive_draws, plots=cfg.plots)
    log(
        f"{cal.simulations} simulations in {cal.wall_seconds:.1f} s "
        f"({cal.simulations / max(cal.wall_seconds, 1e-9):.0f} per second)"
    )
    log(f"{'parameter':<32} {'median':>9} {'90% CI':>22}  informed")
    for p in params:
        log(f"{p.name:<32} {p.median:>9.3g} {f'[{p.q05:.3g}, {p.q95:.3g}]':>22}  {'yes' if p.informed else 'no'}")
    warning = degenerate_warning(run)
    if warning:
        log(f"warning: {warning}")
    outside = [c.statistic for c in checks if not c.inside]
    log(
        "posterior predictive: "
        + (
            "every observed statistic inside its 90% interval"
            if not outside
            else f"outside the 90% interval: {', '.join(outside)}"
        )
    )
    if cfg.publish:
        RESULTS.mkdir(parents=True, exist_ok=True)
        for name in PUBLISHED:
            if (out_dir / name).exists():
                shutil.copyfile(out_dir / name, RESULTS / f".{name}.tmp")
                (RESULTS / f".{name}.tmp").replace(RESULTS / name)
        log(f"published to {RESULTS}")
    log(f"outputs: {out_dir}")
    return cal, params, checks


@hydra.main(config_path=str(CONF_DIR), config_name=CONFIG_NAME, version_base="1.3")
def _app(cfg: DictConfig) -> None:
    from hydra.core.hydra_config import HydraConfig

    out_dir = Path(HydraConfig.get().runtime.output_dir)
    run_job_reported(lambda: calibrate(to_config(cfg), out_dir), out_dir, (ParameterError, RecordError))


@command
def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: preflight (one line, exit 2 on bad input), then the Hydra app; a fault while running
    is one line too (:func:`sim.common.commands.run_hydra_command`)."""
    argv = renamed_overrides(list(sys.argv[1:] if argv is None else argv))
    register_resolvers(lambda group: sorted(p.stem for p in (CONF_DIR / group).glob("*.yaml")))
    run_hydra_command(
        argv,
        "ceasefire-calibrate",
        preflight,
        _app,
        register_configs,
        (ParameterError, RecordError),
        "no calibration written",
    )


if __name__ == "__main__":
    main()
