"""The ``ceasefire-sim`` command: a Hydra app around :func:`sim.replicate.run_experiment`.

``main()`` first checks the command line itself (:func:`preflight`): it composes the config with
the overrides through Hydra's compose API -- once per job for ``-m`` sweeps -- and validates every
value, the scenario and the seeds file. Bad input ends there with ONE line on stderr and exit
code 2, before Hydra creates an output folder. Only then does the Hydra app run; its task function
is thin and the work lives in plain functions (:mod:`sim.replicate`) that tests call directly.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import sys
from pathlib import Path
from typing import Any, Sequence

import hydra
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from sim.config import (CONF_DIR, CONFIG_NAME, ExperimentConfig, check, explain, group_options, load_setting,
                        register_configs, to_experiment, unknown_key_message)
from sim.params import ParameterError
from sim.simulate import display_path

log = logging.getLogger("ceasefire-sim")

EXIT_USAGE = 2
# Beyond this many jobs, a sweep is checked one swept value at a time instead of job by job.
MAX_CHECKED_JOBS = 100
GRAMMAR_URL = "https://hydra.cc/docs/advanced/override_grammar/basic/"
GROUP_NOUNS = {"scenario": "a scenario", "experiment": "an experiment"}


class UsageError(Exception):
    """Bad command-line input; ``str()`` is the one line shown after ``error:``."""


# --- preflight ------------------------------------------------------------------------------------

def preflight(argv: Sequence[str]) -> list[ExperimentConfig]:
    """Check the command line as Hydra will see it; return the config of every job it would run.

    Raises :class:`UsageError` with one line on the first problem. Informational flags (--help,
    --hydra-help, --info, --version, --shell-completion) and custom config locations
    (--config-path/--config-dir) are left to Hydra.
    """
    from hydra._internal.utils import get_args_parser

    parser = get_args_parser()

    def _fail(message: str) -> None:
        raise UsageError(f"{message}; see ceasefire-sim --help")

    parser.error = _fail  # type: ignore[method-assign]  # argparse would print usage and exit
    args = parser.parse_args(list(argv))
    if (args.help or args.hydra_help or args.info or args.shell_completion
            or args.experimental_rerun or args.config_path or args.config_dir):
        return []
    return check_overrides(args.overrides, multirun=args.multirun,
                           config_name=args.config_name or CONFIG_NAME)


def parse_overrides(overrides: Sequence[str]) -> list[Any]:
    """Parse overrides one by one so that a syntax error names its override."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException

    parser = OverridesParser.create()
    parsed = []
    for o in overrides:
        try:
            parsed.extend(parser.parse_overrides([o]))
        except HydraException as e:
            first = str(e).splitlines()[0] if str(e) else "syntax error"
            raise UsageError(f"cannot parse '{o}': {first}; see {GRAMMAR_URL}") from None
    return parsed


def _values(ov: Any) -> list[str]:
    if ov.is_sweep_override():
        return list(ov.sweep_string_iterator())
    if ov.value() is None:
        return []
    return [ov.get_value_element_as_str()]


def check_override(ov: Any, multirun: bool) -> None:
    """Checks that need no composition: syntax of sweeps, group options, unknown keys."""
    text = ov.input_line or f"{ov.get_key_element()}={ov.get_value_element_as_str()}"
    if ov.is_sweep_override():
        if not multirun:
            raise UsageError(f"{text} is a sweep; add -m (--multirun) to run one job per value, "
                             f"or write a list as key=[a,b]")
        if not ov.is_discrete_sweep():
            raise UsageError(f"{text}: interval sweeps need an optimizing sweeper; "
                             f"allowed: a,b,c or range(start,stop,step)")
    if ov.is_hydra_override():
        return
    key = ov.key_or_group
    if key in GROUP_NOUNS:
        allowed = ", ".join(group_options(key))
        prefix = "+" if key == "experiment" else ""
        if key == "experiment" and not (ov.is_add() or ov.is_force_add()):
            if ov.is_delete():
                return
            value = (_values(ov) or [""])[0]
            raise UsageError(f"experiment={value}: an experiment is added with a plus: "
                             f"+experiment={value or 'NAME'}; allowed: {allowed}")
        if ov.is_delete() or not _values(ov):
            if key == "scenario":
                raise UsageError(f"{text}: a scenario is required; allowed: {allowed}")
            return
        for value in _values(ov):
            if value not in group_options(key):
                raise UsageError(f"{prefix}{key}={value} is not {GROUP_NOUNS[key]}; allowed: {allowed}")
        return
    if "/" in key or (CONF_DIR / key).is_dir():  # another config group: composition will tell
        return
    message = unknown_key_message(key)
    if message:
        raise UsageError(message)


def job_overrides(overrides: Sequence[str], multirun: bool, sweeper_params: Sequence[str] = ()) -> list[list[str]]:
    """The overrides of each job Hydra would launch (the basic sweeper's cartesian product).

    Sweeps of more than :data:`MAX_CHECKED_JOBS` jobs are reduced to one job per swept value.
    """
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper

    parsed = parse_overrides([*sweeper_params, *overrides])
    for ov in parsed:
        check_override(ov, multirun)
    if not multirun:
        return [list(overrides)]
    axes: dict[str, list[str]] = {}
    for ov in parsed:
        key = ov.get_key_element()
        if ov.is_sweep_override():
            axes[key] = [f"{key}={v}" for v in ov.sweep_string_iterator()]
        else:
            axes[key] = [f"{key}={ov.get_value_element_as_str()}"]
    n_jobs = 1
    for values in axes.values():
        n_jobs *= len(values)
    if n_jobs <= MAX_CHECKED_JOBS:
        return BasicSweeper.split_arguments(parsed, None)[0]
    first = [values[0] for values in axes.values()]
    jobs = [first]
    for i, values in enumerate(axes.values()):
        for v in values[1:]:
            job = list(first)
            job[i] = v
            jobs.append(job)
    return jobs


def check_overrides(overrides: Sequence[str], multirun: bool = False,
                    config_name: str = CONFIG_NAME) -> list[ExperimentConfig]:
    """Compose and validate every job of a command line; raise :class:`UsageError` on the first problem."""
    from hydra import compose, initialize_config_dir

    from sim.record import RecordError

    overrides = list(overrides)
    jobs = job_overrides(overrides, multirun)
    register_configs()
    settings: dict[str, Any] = {}
    checked: list[ExperimentConfig] = []
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3", job_name="ceasefire-sim"):
        if multirun:  # an experiment may sweep through hydra.sweeper.params
            cfg = _compose(compose, config_name, jobs[0])
            params = OmegaConf.select(cfg, "hydra.sweeper.params", default=None)
            if params:
                sweeper = [f"{k}={v}" for k, v in OmegaConf.to_container(params).items()]
                jobs = job_overrides(overrides, multirun, sweeper)
        for job in jobs:
            cfg = _compose(compose, config_name, job)
            try:
                exp = to_experiment(cfg)
                if exp.seeds_dir not in settings:
                    settings[exp.seeds_dir] = load_setting(exp.seeds_dir)
                check(exp, settings[exp.seeds_dir].sector_ids)
            except (ParameterError, RecordError) as e:
                raise UsageError(str(e)) from None
            except Exception as e:  # OmegaConf conversion errors
                raise UsageError(explain(e, job)) from None
            checked.append(exp)
    return checked


def _compose(compose: Any, config_name: str, overrides: list[str]) -> DictConfig:
    try:
        return compose(config_name=config_name, overrides=overrides, return_hydra_config=True)
    except Exception as e:
        raise UsageError(_composition_message(e, overrides)) from None


def _composition_message(e: Exception, overrides: Sequence[str]) -> str:
    from hydra.errors import MissingConfigException

    text = str(e)
    if isinstance(e, MissingConfigException) or "Could not find" in text:
        m = re.search(r"Could not find '([^']+)/([^'/]+)'", text)
        opts = re.search(r"Available options in '[^']+':\n((?:\t.*\n?)*)", text)
        if m:
            group, name = m.group(1), m.group(2)
            allowed = ", ".join(line.strip() for line in opts.group(1).splitlines()) if opts else ""
            noun = GROUP_NOUNS.get(group, f"an option of {group}")
            return f"{group}={name} is not {noun}" + (f"; allowed: {allowed}" if allowed else "")
        if "primary config" in text:
            return text.splitlines()[0]
    if "Could not override" in text and "No match in the defaults list" in text:
        m = re.search(r"Could not override '([^']+)'", text)
        key = m.group(1) if m else "?"
        return f"{key} is not a config group of ceasefire-sim; allowed: scenario=NAME, +experiment=NAME"
    return explain(e, overrides)


# --- the Hydra app --------------------------------------------------------------------------------

def run_job(cfg: DictConfig, out_dir: Path) -> dict:
    """One job: run the experiment composed in ``cfg`` into ``out_dir``; return summary.json's content."""
    from sim.replicate import run_experiment

    exp = to_experiment(cfg)
    return run_experiment(exp, out_dir)


def report(summary: dict, out_dir: Path) -> str:
    from sim.replicate import format_table

    return f"{format_table([summary])}\noutputs: {display_path(out_dir)}"


def _clean_failed(out_dir: Path) -> None:
    """Remove an output folder holding nothing but Hydra's own files (.hydra/, the job log)."""
    try:
        names = {p.name for p in out_dir.iterdir()}
        if names <= {".hydra", "ceasefire-sim.log"}:
            shutil.rmtree(out_dir)
    except OSError:
        pass


@hydra.main(config_path=str(CONF_DIR), config_name=CONFIG_NAME, version_base="1.3")
def _app(cfg: DictConfig) -> dict | None:
    from hydra.core.hydra_config import HydraConfig

    from sim.record import RecordError

    hydra_cfg = HydraConfig.get()
    out_dir = Path(hydra_cfg.runtime.output_dir)
    if hydra_cfg.mode == RunMode.MULTIRUN:  # sweep job: resume if finished, record a failure, go on
        return _sweep_job(cfg, out_dir)
    try:
        summary = run_job(cfg, out_dir)
    except (ParameterError, RecordError) as e:  # preflight normally catches these first
        print(f"error: {e}", file=sys.stderr)
        _clean_failed(out_dir)
        raise SystemExit(EXIT_USAGE) from None
    except KeyboardInterrupt:  # results are written only at the end: nothing half-written to keep
        print("\ninterrupted; no results written", file=sys.stderr)
        _clean_failed(out_dir)
        raise SystemExit(130) from None
    log.info(report(summary, out_dir))
    return summary


def _sweep_job(cfg: DictConfig, out_dir: Path) -> dict | None:
    """One job of a ``-m`` sweep (sim.sweep.jobs): skipped if it finished earlier with the same
    config; an exception becomes failed.json and ``None``, so that the other jobs and the sweep
    summary still run (the summary then names it and exits non-zero)."""
    from sim.sweep.jobs import run_sweep_job

    try:
        summary = run_sweep_job(cfg, out_dir, lambda: run_job(cfg, out_dir), log)
    except KeyboardInterrupt:
        print("\ninterrupted; finished jobs are kept: the same command runs only the others", file=sys.stderr)
        raise SystemExit(130) from None
    if summary is not None:
        log.info(report(summary, out_dir))
    return summary


class SweepTable(Callback):
    """At the end of a ``-m`` sweep, print one table row per job and where the outputs are."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        table = sweep_table(sweep_dir)
        if table:
            print(f"{table}\noutputs: {display_path(sweep_dir)}", flush=True)


def sweep_table(sweep_dir: Path) -> str:
    """The table of every finished job under ``sweep_dir``, labelled by what the jobs vary."""
    from sim.replicate import SUMMARY_FILE, format_table

    summaries, job_overrides_ = [], []
    for path in sorted(Path(sweep_dir).glob(f"*/{SUMMARY_FILE}"), key=lambda p: _job_number(p.parent.name)):
        try:
            summaries.append(json.loads(path.read_text()))
            overrides = OmegaConf.load(path.parent / ".hydra" / "overrides.yaml")
            job_overrides_.append([str(o) for o in overrides])
        except (OSError, ValueError):
            continue
    if not summaries:
        return ""
    common = set.intersection(*(set(o) for o in job_overrides_))
    labels = [" ".join(o for o in ovs if o not in common) or "-" for ovs in job_overrides_]
    return format_table(summaries, labels, "job overrides")


def _job_number(name: str) -> tuple[int, str]:
    head = name.split("_", 1)[0]
    return (int(head), name) if head.isdigit() else (sys.maxsize, name)


def _options_resolver(group: str) -> str:
    """``${ceasefire_options:scenario}`` in the help text: the group's options, one line."""
    return ", ".join(group_options(group))


def register_resolvers() -> None:
    OmegaConf.register_new_resolver("ceasefire_options", _options_resolver, replace=True)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of ``ceasefire-sim``: preflight, then the Hydra app."""
    argv = list(sys.argv[1:] if argv is None else argv)
    register_resolvers()
    try:
        preflight(argv)
    except UsageError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(EXIT_USAGE)
    sys.argv = [sys.argv[0] if sys.argv else "ceasefire-sim", *argv]
    register_configs()
    _app()


if __name__ == "__main__":
    main()
