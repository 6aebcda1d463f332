"""The ``ceasefire-sim`` command: a Hydra app around :func:`sim.experiment.replications.run_experiment`.

``main()`` first checks the command line itself (:func:`read_command_line`): it composes the config
with the overrides through Hydra's compose API -- for every job of a ``-m`` sweep, each job's values
applied to the composition of its config groups (:class:`JobComposer`) -- and validates every
value, the scenario and the seeds file; mediators given by name (as docs/ODD.md names them)
become the index form Hydra reads. Bad input ends there with ONE line on stderr and exit
code 2, before Hydra creates an output folder. Only then does the Hydra app run; its task function
is thin and the work lives in plain functions (:mod:`sim.experiment`) that tests call directly.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import hydra
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig, ListConfig, OmegaConf

from sim.common import hydraconf
from sim.common.commands import checked, os_error_line, renamed_overrides, run_reported
from sim.common.files import display_path, kind, name_problem
from sim.common.hydraconf import UsageError as UsageError  # the one UsageError of every command
from sim.common.hydraconf import parse_overrides
from sim.common.hydraconf import values as _values
from sim.common.messages import reading, shown
from sim.common.process import command, prepare_workers, start_job
from sim.experiment.config import (
    CONF_DIR,
    CONFIG_NAME,
    EXTRA_CONFIG_DIRS,
    GROUP_NOUNS,
    SCHEMA,
    ExperimentConfig,
    Job,
    check,
    check_scenario,
    composed_job,
    config_dirs,
    explain,
    group_file,
    group_options,
    index_mediator_key,
    job_keys,
    load_border,
    mediator_name,
    mediator_names,
    read_config_file,
    register_configs,
    to_experiment,
    unknown_key_message,
)
from sim.model.params import ParameterError

log = logging.getLogger("ceasefire-sim")

EXIT_USAGE = 2
EXIT_FAILED = 1
EXIT_INTERRUPTED = 130
MAIN_PID_ENV = "CEASEFIRE_MAIN_PID"  # set by main() (sim.common.process.command_identity): sweep workers watch it

# --- preflight ------------------------------------------------------------------------------------
#
# Hydra is reached through sim.common.hydraconf only: flags and overrides are parsed there, the jobs of
# a sweep are built there, configs are composed there (one job, many jobs, a sweep as a whole), and a
# failure becomes one line there. This section is this program's own checks: one line naming the
# problem and what is allowed, where Hydra would print a multi-line exception or accept a file
# silently.


@dataclass
class CommandLine:
    """A checked command line."""

    argv: list[str]  # as handed to Hydra (mediators by name -> by index)
    jobs: list[ExperimentConfig] = field(default_factory=list)  # the config of every job checked
    args: Any = None  # Hydra's parse of the flags
    overrides: list[str] = field(default_factory=list)
    job_overrides: list[list[str]] = field(default_factory=list)  # the overrides of every job checked

    @property
    def sweep_config(self) -> bool:
        """``-m ... --cfg``: printed by :func:`show_sweep_config`, which Hydra itself refuses."""
        return bool(self.args is not None and self.args.multirun and self.args.cfg)


def hydra_args(argv: Sequence[str], app: str = "ceasefire-sim") -> Any:
    """The command line as ``hydra.main`` parses it (:func:`sim.common.hydraconf.parse_flags`)."""
    return hydraconf.parse_flags(argv, app)


def read_command_line(argv: Sequence[str]) -> CommandLine:
    """Check the command line as Hydra will see it; raise :class:`UsageError` with one line on the
    first problem. Informational flags (--help, --hydra-help, --info, --shell-completion) and custom
    config locations (--config-path) are left to Hydra."""
    argv = list(argv)
    args = hydra_args(argv)
    if args.multirun and (args.run or args.info or args.shell_completion):
        flag = "--run" if args.run else "--info" if args.info else "--shell-completion"
        raise UsageError(f"-m (--multirun) and {flag} cannot be combined; give one of them")
    if (
        args.help
        or args.hydra_help
        or args.info
        or args.shell_completion
        or args.experimental_rerun
        or args.config_path
    ):
        return CommandLine(argv, args=args)
    if args.config_dir:
        extra = Path(args.config_dir).absolute()
        if kind(extra) != "folder":
            raise UsageError(f"--config-dir {args.config_dir}: no such folder")
        EXTRA_CONFIG_DIRS[:] = [extra]
    config_name = args.config_name or CONFIG_NAME
    overrides = index_mediators(args.overrides, multirun=args.multirun, config_name=config_name)
    argv = _replace_overrides(argv, args.overrides, overrides)
    if args.cfg:  # --cfg job|hydra|all prints the config without running: only the files are checked
        check_config_files(overrides, config_name)
        return CommandLine(argv, args=args, overrides=overrides)
    jobs, each = _check_jobs(overrides, multirun=args.multirun, config_name=config_name)
    return CommandLine(argv, jobs, args=args, overrides=overrides, job_overrides=each)


def preflight(argv: Sequence[str]) -> list[ExperimentConfig]:
    """The config of every job the command line would run (:func:`read_command_line`)."""
    return read_command_line(argv).jobs


@contextmanager
def checked_jobs_only(command: CommandLine) -> Iterator[None]:
    """While in this block, Hydra's basic sweeper launches the jobs :func:`read_command_line` checked
    without composing each of them again first (a repeat of what that check did, one full composition
    per job); a batch with any job not checked here is still checked by Hydra."""
    parsed_jobs = (zip(job, parse_overrides(job, config_dirs)) for job in command.job_overrides)
    done = {tuple(o for o, ov in job if not ov.is_hydra_override()) for job in parsed_jobs}

    def still_check(batch: list[list[str]]) -> list[list[str]]:
        return [] if all(tuple(job) in done for job in batch) else batch

    with hydraconf.skip_batch_check(still_check):
        yield


def _replace_overrides(argv: list[str], old: Sequence[str], new: Sequence[str]) -> list[str]:
    """``argv`` with its overrides (``old``, in order) replaced by ``new``."""
    if list(old) == list(new):
        return list(argv)
    out, k = [], 0
    for a in argv:
        if k < len(old) and a == old[k]:
            out.append(new[k])
            k += 1
        else:
            out.append(a)
    return out


def check_override(ov: Any, multirun: bool) -> None:
    """Checks that need no composition: syntax of sweeps, group options, unknown keys."""
    text = hydraconf.shown_override(ov.input_line or f"{ov.get_key_element()}={ov.get_value_element_as_str()}")
    if ov.is_sweep_override():
        if not multirun:
            raise UsageError(
                f"{text} is a sweep; add -m (--multirun) to run one job per value, or write a list as key=[a,b]"
            )
        if not ov.is_discrete_sweep():
            raise UsageError(
                f"{text}: interval sweeps need an optimizing sweeper; allowed: a,b,c or range(start,stop,step)"
            )
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
            raise UsageError(
                f"experiment={shown(value)}: an experiment is added with a plus: "
                f"+experiment={shown(value) or 'NAME'}; allowed: {allowed}"
            )
        if ov.is_delete() or not _values(ov):
            if key == "scenario":
                raise UsageError(f"{text}: a scenario is required; allowed: {allowed}")
            return
        for value in _values(ov):
            if value not in group_options(key):
                raise UsageError(f"{prefix}{key}={shown(value)} is not {GROUP_NOUNS[key]}; allowed: {allowed}")
        return
    if "/" in key or kind(CONF_DIR / key) == "folder":  # another config group: composition will tell
        return
    message = unknown_key_message(key)
    if message:
        raise UsageError(message)


def job_overrides(overrides: Sequence[str], multirun: bool, sweeper_params: Sequence[str] = ()) -> list[list[str]]:
    """The overrides of each job Hydra would launch (:func:`sim.common.hydraconf.sweep_jobs`), each
    override checked first (:func:`check_override`)."""
    parsed = parse_overrides([*sweeper_params, *overrides], config_dirs)
    for ov in parsed:
        check_override(ov, multirun)
    if not multirun:
        return [list(overrides)]
    return hydraconf.sweep_jobs(parsed)


@contextmanager
def composer(config_name: str = CONFIG_NAME) -> Iterator[Callable[[Sequence[str]], DictConfig]]:
    """``with composer() as compose:`` ``compose(overrides)`` is the config (with its hydra node) that a
    job with these overrides runs with, through Hydra's compose API; a failure is one UsageError line."""
    register_configs()
    with hydraconf.composer(SCHEMA, config_name) as compose:
        yield compose


class JobComposer(hydraconf.JobComposer):
    """The config of each job of ceasefire-sim's command line (:class:`sim.common.hydraconf.JobComposer`)."""

    def __init__(self, compose: Callable[[Sequence[str]], DictConfig]):
        super().__init__(compose, SCHEMA)


def index_mediators(overrides: Sequence[str], multirun: bool = False, config_name: str = CONFIG_NAME) -> list[str]:
    """The overrides with every mediator given by name, as docs/ODD.md names them
    (``mediation.mediators.Russia.leverage=0.9``), in the index form Hydra reads
    (``mediation.mediators.0.leverage=0.9``); any other override unchanged.

    The index is the mediator's place in the config the job composes without these overrides (its
    scenario, experiment and mediation settings). A name no mediator has is one line listing the
    mediators; a name at different places in different jobs of a sweep is refused (give the index)."""
    overrides = list(overrides)
    parsed = parse_overrides(overrides, config_dirs)
    named = [i for i, ov in enumerate(parsed) if not ov.is_hydra_override() and mediator_name(ov.key_or_group)]
    if not named:
        return overrides
    others = [o for i, o in enumerate(overrides) if i not in named]
    variants: dict[tuple[str, ...], list[str]] = {}  # jobs that may list other mediators than each other
    for job in job_overrides(others, multirun):
        variants.setdefault(tuple(o for o in job if _may_change_mediators(o)), job)
    with composer(config_name) as compose:
        lists = [mediator_names(compose(job)) for job in variants.values()]
    out = list(overrides)
    for i in named:
        ov = parsed[i]
        try:
            keys = {index_mediator_key(ov.key_or_group, names) for names in lists}
        except ParameterError as e:
            raise UsageError(str(e)) from None
        if len(keys) > 1:
            raise UsageError(
                f"{ov.key_or_group}: the jobs of this sweep list their mediators in different "
                f"orders; give the mediator's index instead ({', '.join(sorted(keys))})"
            )
        out[i] = _with_key(ov, keys.pop())
    return out


def _may_change_mediators(override: str) -> bool:
    key = override.partition("=")[0].lstrip("+~").split("@")[0]
    return key in GROUP_NOUNS or "/" in key or key == "mediation" or key.startswith("mediation.mediators")


def _with_key(ov: Any, key: str) -> str:
    """The override's text with its key replaced (prefix, package and value as written)."""
    text = ov.input_line
    start = len(text) - len(text.lstrip(" \t+~"))
    assert text[start:].startswith(ov.key_or_group), text
    return text[:start] + key + text[start + len(ov.key_or_group) :]


def check_overrides(
    overrides: Sequence[str], multirun: bool = False, config_name: str = CONFIG_NAME
) -> list[ExperimentConfig]:
    """Compose and validate every job of a command line; raise :class:`UsageError` on the first problem."""
    return _check_jobs(overrides, multirun, config_name)[0]


def _check_jobs(
    overrides: Sequence[str], multirun: bool = False, config_name: str = CONFIG_NAME
) -> tuple[list[ExperimentConfig], list[list[str]]]:
    """:func:`check_overrides`, and the overrides of each job checked."""
    from sim.record.loader import RecordError

    overrides = index_mediators(overrides, multirun, config_name)
    jobs = job_overrides(overrides, multirun)
    check_config_files(overrides, config_name)
    borders: dict[str, Any] = {}
    checked: list[ExperimentConfig] = []
    with composer(config_name) as compose:
        first = compose(jobs[0])  # in full: its hydra node names the output folder and the sweeper
        if multirun:  # an experiment may sweep through hydra.sweeper.params
            params = OmegaConf.select(first, "hydra.sweeper.params", default=None)
            if params:
                sweeper = [f"{k}={v}" for k, v in OmegaConf.to_container(params).items()]
                jobs = job_overrides(overrides, multirun, sweeper)
                first = compose(jobs[0])
        key = "hydra.sweep.dir" if multirun else "hydra.run.dir"
        try:
            folder = str(OmegaConf.select(first, key))
        except Exception as e:  # noqa: BLE001 -- an interpolation that does not resolve
            raise UsageError(f"{key}: {explain(e, jobs[0])}") from None
        check_writable(folder, key)
        job_config = JobComposer(compose)
        for i, job in enumerate(jobs):
            cfg, choices = hydraconf.without_hydra(first) if i == 0 else job_config(job)
            try:
                composed = composed_job(cfg, job, choices, in_place=True)
                exp = composed.config
                if exp.record_dir not in borders:
                    with reading("record_dir", exp.record_dir, (RecordError,), ParameterError):
                        borders[exp.record_dir] = load_border(exp.record_dir)
                check(exp, borders[exp.record_dir].sector_ids)
                check_scenario(exp, composed.explicit)
            except (ParameterError, RecordError) as e:
                raise UsageError(str(e)) from None
            except Exception as e:  # OmegaConf conversion errors
                raise UsageError(explain(e, job)) from None
            checked.append(exp)
    return checked, jobs


def show_sweep_config(command: CommandLine) -> None:
    """``ceasefire-sim -m ... --cfg job|hydra|all [--package P] [--resolve]``: print the config the
    sweep is composed with (what its multirun.yaml records: hydra.sweeper, hydra.launcher, the
    overrides with their sweeps), as Hydra's --cfg prints a run's."""
    args = command.args
    register_configs()
    cfg = hydraconf.compose_sweep(SCHEMA, args.config_name or CONFIG_NAME, command.overrides, args.cfg)
    package = None if args.package in (None, "_global_") else args.package
    node = cfg if package is None else OmegaConf.select(cfg, package)
    if node is None:
        raise UsageError(f"--package {package}: not found in the config")
    if not isinstance(node, (DictConfig, ListConfig)):
        print(node)
        return
    if args.resolve:
        OmegaConf.resolve(node)
    sys.stdout.write((f"# @package {package}\n" if package else "") + OmegaConf.to_yaml(node))


def check_config_files(overrides: Sequence[str], config_name: str = CONFIG_NAME) -> None:
    """Read every config file the command line uses strictly -- the primary config, the chosen
    scenario and experiment files and the scenarios those experiments choose -- so that a repeated
    key, binary content, deep nesting or a number no float can hold is one line naming the file.

    This runs before Hydra reads the files (Hydra would take a repeated key silently and fail on the
    rest with a line that does not name the file), so it cannot ask Hydra which files a composition
    uses: the scenario an experiment chooses is read off the experiment's defaults list here."""
    try:
        _check_config_files(overrides, config_name)
    except ParameterError as e:
        raise UsageError(str(e)) from None


def _check_config_files(overrides: Sequence[str], config_name: str) -> None:
    files: list[Path] = []
    primary = group_file(".", config_name)
    if primary is not None:
        files.append(primary)
    scenarios: set[str] = set()
    experiments: set[str] = set()
    for ov in parse_overrides(list(overrides), config_dirs):
        if ov.is_hydra_override() or ov.is_delete():
            continue
        target = {"scenario": scenarios, "experiment": experiments}.get(ov.key_or_group)
        if target is not None:
            target.update(_values(ov))
    if not scenarios:
        scenarios.add(_default_choice(primary, "scenario"))
    for name in sorted(experiments):
        path = group_file("experiment", name)
        if path is None:
            continue
        files.append(path)
        data = read_config_file(path)
        chosen = _defaults_choice(data.get("defaults"), "scenario")
        if chosen:
            scenarios.add(chosen)
    for name in sorted(n for n in scenarios if n):
        path = group_file("scenario", name)
        if path is not None:
            files.append(path)
    for path in files:
        try:
            read_config_file(path)
        except ParameterError as e:
            raise UsageError(str(e)) from None


def _defaults_choice(defaults: Any, group: str) -> str | None:
    """The option a defaults list picks for ``group`` (``- scenario: x`` or ``- override /scenario: x``)."""
    if not isinstance(defaults, list):
        return None
    for item in defaults:
        if isinstance(item, dict):
            for k, v in item.items():
                if str(k).replace("override", "").strip().lstrip("/") == group and isinstance(v, str):
                    return v
    return None


def _default_choice(primary: Path | None, group: str) -> str:
    if primary is None:
        return ""
    try:
        return _defaults_choice(read_config_file(primary).get("defaults"), group) or ""
    except ParameterError as e:
        raise UsageError(str(e)) from None


def check_writable(folder: str | Path, what: str) -> None:
    """Raise :class:`UsageError` if ``folder`` cannot be created or written (checked on its nearest
    existing parent: nothing is created here)."""
    path = Path(folder).absolute()
    why = name_problem(path)
    if why:
        raise UsageError(f"{what}={shown(folder)}: {why}; give a folder that can be created")
    probe = path
    while kind(probe) == "none":
        if probe.parent == probe:
            break
        probe = probe.parent
    if kind(probe) not in ("none", "folder"):
        raise UsageError(
            f"{what}={shown(folder, 80)}: {display_path(probe)} is a file, not a folder; "
            "give a folder that can be created"
        )
    if not os.access(probe, os.W_OK | os.X_OK):
        reason = "read-only file system" if _read_only_fs(probe) else "permission denied"
        raise UsageError(
            f"{what}={shown(folder, 80)}: cannot write into {display_path(probe)} ({reason}); give a writable folder"
        )


def _read_only_fs(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return False


# --- the Hydra app --------------------------------------------------------------------------------


def hydra_job() -> tuple[list[str], dict[str, Any]]:
    """The running Hydra job's task overrides (of the command line, or of this sweep job) and its
    ``hydra.runtime.choices``: what :func:`sim.experiment.config.composed_job` reads the keys set from."""
    from hydra.core.hydra_config import HydraConfig

    hc = HydraConfig.get()
    task = [str(o) for o in (OmegaConf.select(hc, "overrides.task", default=None) or [])]
    choices = OmegaConf.select(hc, "runtime.choices", default=None)
    return task, (dict(OmegaConf.to_container(choices)) if choices is not None else {})


def run_job(job: Job, out_dir: Path) -> dict:
    """One job: run it into ``out_dir``; return summary.json's content."""
    from sim.experiment.replications import run_experiment

    return run_experiment(job, out_dir)


def report(summary: dict, out_dir: Path) -> str:
    """The closing table of one run and where its outputs are."""
    from sim.experiment.table import format_table

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

    from sim.record.loader import RecordError

    hydra_cfg = HydraConfig.get()
    out_dir = Path(hydra_cfg.runtime.output_dir)
    if hydra_cfg.mode == RunMode.MULTIRUN:  # sweep job: resume if finished, record a failure, go on
        return _sweep_job(cfg, out_dir)
    from sim.experiment.outputs import FolderInUse, clear_outputs

    try:
        summary = run_job(composed_job(cfg, *hydra_job()), out_dir)
    except (ParameterError, RecordError) as e:  # preflight normally catches these first
        print(f"error: {e}", file=sys.stderr)
        _clean_failed(out_dir)
        raise SystemExit(EXIT_USAGE) from None
    except FolderInUse as e:
        print(f"error: {e}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE) from None
    except KeyboardInterrupt:  # results are written only at the end: nothing half-written to keep
        print("\ninterrupted; no results written", file=sys.stderr)
        _clean_partial(out_dir, clear_outputs)
        raise SystemExit(EXIT_INTERRUPTED) from None
    except OSError as e:  # a full disk, a read-only or vanished folder: the run's files are removed
        print(f"error: {os_error_line(e, out_dir)}; no results written", file=sys.stderr)
        _clean_partial(out_dir, clear_outputs)
        raise SystemExit(EXIT_FAILED) from None
    log.info(report(summary, out_dir))
    return summary


def _clean_partial(out_dir: Path, clear: Any) -> None:
    try:
        clear(out_dir)
    except OSError:
        pass
    _clean_failed(out_dir)


def _sweep_job(cfg: DictConfig, out_dir: Path) -> dict | None:
    """One job of a ``-m`` sweep (sim.sweep.jobs): skipped if it finished earlier with the same
    config; an exception becomes failed.json and ``None``, so that the other jobs and the sweep
    summary still run (the summary then names it and exits non-zero)."""
    from sim.sweep.jobs import run_sweep_job

    worker = start_job(MAIN_PID_ENV)
    explicit = job_keys(*hydra_job())  # part of the job's config hash: computed before it runs

    def run() -> dict:
        return run_job(Job(to_experiment(cfg), explicit, sweep_job=True), out_dir)

    try:
        summary = run_sweep_job(cfg, out_dir, run, log, explicit)
    except KeyboardInterrupt:
        if worker:  # the main process reports the interruption, once
            os._exit(EXIT_INTERRUPTED)
        raise
    if summary is not None:
        log.info(report(summary, out_dir))
    return summary


class SweepTable(Callback):
    """At the end of a ``-m`` sweep, print one table row per job and where the outputs are."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Print the sweep's table once every job has ended."""
        sweep_dir = Path(config.hydra.sweep.dir)
        table = sweep_table(sweep_dir)
        if table:
            print(f"{table}\noutputs: {display_path(sweep_dir)}", flush=True)


def sweep_table(sweep_dir: Path) -> str:
    """The table of every finished job under ``sweep_dir``, labelled by what the jobs vary."""
    from sim.experiment.outputs import SUMMARY_FILE
    from sim.experiment.table import format_table

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


def register_resolvers() -> None:
    """The resolvers the configs and the help text use (:func:`sim.experiment.config.register_resolvers`)."""
    from sim.experiment.config import register_resolvers as _register

    _register()


@command
def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of ``ceasefire-sim``: preflight, then the Hydra app.

    Anything that goes wrong is one line on stderr: bad input (exit 2) before anything is created;
    a fault while running (full disk, read-only folder: exit 1); Ctrl-C or SIGTERM (exit 130,
    finished sweep jobs kept). ``HYDRA_FULL_ERROR=1`` adds the traceback for whoever debugs it.
    """
    argv = renamed_overrides(list(sys.argv[1:] if argv is None else argv))
    register_resolvers()
    register_configs()
    command = checked(lambda: read_command_line(argv), (UsageError,))
    if command.sweep_config:  # -m with --cfg: Hydra refuses the pair; print the sweep's config
        checked(lambda: show_sweep_config(command), (UsageError,))
        return
    argv = command.argv  # mediators given by name now by index, which is what Hydra reads
    sys.argv = [sys.argv[0] if sys.argv else "ceasefire-sim", *argv]
    prepare_workers(MAIN_PID_ENV)
    multirun = "-m" in argv or "--multirun" in argv
    from sim.sweep.jobs import interrupt

    def launch() -> None:
        with checked_jobs_only(command):
            _app()

    interrupted = (
        "finished jobs are kept: the same command (with the same hydra.sweep.dir) runs only the others"
        if multirun
        else "no results written"
    )
    run_reported(launch, interrupted, on_sigterm=interrupt)


if __name__ == "__main__":
    main()
