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

import copy
import functools
import itertools
import json
import logging
import os
import pickle
import re
import shutil
import signal
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import hydra
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig, ListConfig, OmegaConf, open_dict

from sim.common.commands import one_line, os_error_line, renamed_overrides
from sim.common.files import display_path
from sim.experiment.config import (
    CONF_DIR,
    CONFIG_NAME,
    EXTRA_CONFIG_DIRS,
    ExperimentConfig,
    check,
    check_scenario,
    explain,
    explicit_keys,
    group_file,
    group_options,
    index_mediator_key,
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
MAIN_PID_ENV = "CEASEFIRE_MAIN_PID"  # set by main(): sweep workers watch that process
GRAMMAR_URL = "https://hydra.cc/docs/advanced/override_grammar/basic/"
GROUP_NOUNS = {"scenario": "a scenario", "experiment": "an experiment"}


class UsageError(Exception):
    """Bad command-line input; ``str()`` is the one line shown after ``error:``."""


# --- preflight ------------------------------------------------------------------------------------
#
# What is Hydra's and what is ours. Overrides are parsed by Hydra's public OverridesParser and read
# through the public methods of its Override objects; configs are composed by the public compose API
# (hydra.compose / initialize_config_dir). Five things have no public API in Hydra 1.3 and stay:
# - the flags of the command line: hydra._internal.utils.get_args_parser is the very parser
#   hydra.main uses, so a flag, an abbreviation or a stray argument means here what it means to Hydra
#   (a copy of its definition would drift from it);
# - the jobs of a sweep: the basic sweeper's cartesian product, re-implemented in job_overrides on
#   the public Override methods (a dozen lines; Hydra only builds it while launching), so that every
#   job is checked before anything runs;
# - the config of a sweep for ``-m --cfg``: Hydra refuses the pair, and its public compose() only
#   composes in RUN mode, where a sweep a=1,2 is an error; show_sweep_config composes in MULTIRUN
#   mode through GlobalHydra's Hydra object, as the launcher does for multirun.yaml;
# - the config of each job of a sweep: composing it from scratch costs ~50 ms, so JobComposer
#   composes once per distinct choice of config groups and applies each job's values with Hydra's own
#   ConfigLoaderImpl._apply_overrides_to_config (the step of every composition that applies them);
# - Hydra's second check of a sweep: before launching, its basic sweeper composes every job again
#   in this process (Sweeper.validate_batch_is_legal, ~50 ms a job: 30 s for 600 jobs);
#   skip_checked_jobs skips that for the jobs checked here, and only for those.
# The rest of this section is this program's own checks: one line naming the problem and what is
# allowed, where Hydra would print a multi-line exception or accept a file silently.


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
    """The command line as ``hydra.main`` parses it (its own argparse parser: see above), with
    argparse's usage-and-exit on a bad flag turned into one :class:`UsageError` line."""
    from hydra._internal.utils import get_args_parser

    parser = get_args_parser()

    def _fail(message: str) -> None:
        raise UsageError(f"{message}; see {app} --help")

    parser.error = _fail  # type: ignore[method-assign]  # argparse would print usage and exit
    return parser.parse_args(list(argv))


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
        if not extra.is_dir():
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


_CHECKED_JOBS: set[tuple[str, ...]] = set()  # the task overrides of each job preflight checked


def skip_checked_jobs(command: CommandLine) -> None:
    """Let Hydra's basic sweeper launch the jobs :func:`read_command_line` checked without composing
    each of them again first (its ``validate_batch_is_legal``: a check that repeats what preflight
    did, one full composition per job in this process). A batch with any job not checked here is
    still checked by Hydra. Patches the sweeper class once per process."""
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper

    _CHECKED_JOBS.clear()
    parsed_jobs = (zip(job, parse_overrides(job)) for job in command.job_overrides)
    _CHECKED_JOBS.update(tuple(o for o, ov in job if not ov.is_hydra_override()) for job in parsed_jobs)
    validate = BasicSweeper.validate_batch_is_legal
    if getattr(validate, "_ceasefire", False):
        return

    def validate_batch_is_legal(self: Any, batch: Sequence[Sequence[str]]) -> None:
        if not all(tuple(job) in _CHECKED_JOBS for job in batch):
            validate(self, batch)

    validate_batch_is_legal._ceasefire = True  # type: ignore[attr-defined]
    BasicSweeper.validate_batch_is_legal = validate_batch_is_legal  # type: ignore[method-assign]


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


def parse_overrides(overrides: Sequence[str]) -> list[Any]:
    """Parse overrides one by one (Hydra's OverridesParser) so that a syntax error names its override."""
    from hydra.errors import HydraException

    parsed = []
    for o in overrides:
        try:
            parsed.extend(_parse_one(o))
        except HydraException as e:
            first = str(e).splitlines()[0] if str(e) else "syntax error"
            raise UsageError(f"cannot parse '{o}': {first}; see {GRAMMAR_URL}") from None
    return parsed


@functools.lru_cache(maxsize=4096)  # the jobs of a sweep repeat the same overrides (parsing is slow)
def _parse_one(override: str) -> tuple[Any, ...]:
    from hydra.core.override_parser.overrides_parser import OverridesParser

    return tuple(OverridesParser.create().parse_overrides([override]))


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
                f"experiment={value}: an experiment is added with a plus: "
                f"+experiment={value or 'NAME'}; allowed: {allowed}"
            )
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
    """The overrides of each job Hydra would launch: the basic sweeper's cartesian product, one axis
    per key in the order of first appearance, a later value of a key replacing an earlier one (as
    ``BasicSweeper.split_arguments`` builds it; see the note above ``CommandLine``)."""
    parsed = parse_overrides([*sweeper_params, *overrides])
    for ov in parsed:
        check_override(ov, multirun)
    if not multirun:
        return [list(overrides)]
    axes: dict[str, list[str]] = {}
    for ov in parsed:
        key = ov.get_key_element()
        axes[key] = (
            [f"{key}={v}" for v in _values(ov)]
            if ov.is_sweep_override()
            else [f"{key}={ov.get_value_element_as_str()}"]
        )
    return [list(job) for job in itertools.product(*axes.values())]


@contextmanager
def composer(config_name: str = CONFIG_NAME) -> Iterator[Callable[[Sequence[str]], DictConfig]]:
    """``with composer() as compose:`` ``compose(overrides)`` is the config (with its hydra node) that a
    job with these overrides runs with, through Hydra's compose API; a failure is one UsageError line."""
    from hydra import compose, initialize_config_dir

    register_configs()
    search = (
        [f"hydra.searchpath=[{','.join(repr('file://' + str(d)) for d in EXTRA_CONFIG_DIRS)}]"]
        if EXTRA_CONFIG_DIRS
        else []
    )

    def _compose(overrides: Sequence[str]) -> DictConfig:
        try:
            return compose(config_name=config_name, overrides=[*overrides, *search], return_hydra_config=True)
        except Exception as e:
            raise UsageError(_composition_message(e, [*overrides])) from None

    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3", job_name="ceasefire-sim"):
        yield _compose


class JobComposer:
    """The config of each job of a command line, as ``compose(job)`` of :func:`composer` gives it, at a
    fraction of the cost for the many jobs of a sweep.

    Hydra composes a config in two parts: the defaults list (the config groups chosen: scenario,
    experiment, Hydra's own) is merged into a config, then the overrides of values
    (``key=value``, ``+key=value``, ``++key=value``) are applied to it one by one
    (``ConfigLoaderImpl._apply_overrides_to_config``). The first part is most of the cost and is the
    same for every job that chooses the same groups and Hydra settings: it is composed once per
    distinct choice (:meth:`base`), and each job's values are applied to a copy of it by the very
    function Hydra applies them with -- so a job's config, and any error, are those of its full
    composition. A job with an override this cannot split (a deletion, a package, a dict given to
    a group) is composed in full. The configs come without their ``hydra`` node, with the job's
    ``hydra.runtime.choices`` beside them."""

    def __init__(self, compose: Callable[[Sequence[str]], DictConfig]):
        self.compose = compose
        self._bases: dict[tuple[str, ...], tuple[bytes, dict[str, Any]] | None] = {}

    def __call__(self, job: Sequence[str]) -> tuple[DictConfig, dict[str, Any]]:
        """The job's config (without ``hydra``; the caller's own copy) and its
        ``hydra.runtime.choices``; a failure is one UsageError line, the same as :func:`composer`'s
        for this job."""
        from hydra._internal.config_loader_impl import ConfigLoaderImpl

        split = self._split(job)
        base = None if split is None else self.base(split[0])
        if base is None:
            return self._full(job)
        blob, choices = base
        cfg = pickle.loads(blob)  # a copy of the base (our own bytes): 7 times faster than copy.deepcopy
        if not split[1]:
            return cfg, dict(choices)
        try:
            ConfigLoaderImpl._apply_overrides_to_config(split[1], cfg)
        except Exception as e:
            raise UsageError(_composition_message(e, [*job])) from None
        return cfg, dict(choices)

    def base(self, base_key: tuple[str, ...]) -> tuple[bytes, dict[str, Any]] | None:
        """The config composed with only the group choices and Hydra settings ``base_key`` (once;
        pickled, to be copied), or None if that fails: the jobs are then composed in full, to report
        their own failure."""
        if base_key not in self._bases:
            try:
                app, choices = self._without_hydra(self.compose(list(base_key)))
                self._bases[base_key] = (pickle.dumps(app, protocol=pickle.HIGHEST_PROTOCOL), choices)
            except UsageError:
                self._bases[base_key] = None
        return self._bases[base_key]

    def _full(self, job: Sequence[str]) -> tuple[DictConfig, dict[str, Any]]:
        return self._without_hydra(self.compose(job))

    @staticmethod
    def _without_hydra(cfg: DictConfig) -> tuple[DictConfig, dict[str, Any]]:
        choices = OmegaConf.to_container(OmegaConf.select(cfg, "hydra.runtime.choices", default={}) or {})
        app = copy.deepcopy(cfg)
        with open_dict(app):
            del app["hydra"]
        return app, dict(choices)  # type: ignore[arg-type]

    @staticmethod
    def _split(job: Sequence[str]) -> tuple[tuple[str, ...], list[Any]] | None:
        """(the overrides that choose config groups or set Hydra, in order; the overrides of values),
        or None when the job must be composed in full."""
        base: list[str] = []
        values: list[Any] = []
        for text, ov in zip(job, parse_overrides(job)):
            if ov.is_hydra_override():  # hydra.* and hydra/...: Hydra's node, not the job's values
                base.append(text)
            elif _is_config_group(ov.key_or_group):
                if ov.is_delete() or ov.is_force_add() or isinstance(ov.value(), dict):
                    return None
                base.append(text)
            elif ov.is_delete() or ov.package is not None:
                return None
            else:
                values.append(ov)
        return tuple(base), values


def _is_config_group(key: str) -> bool:
    """Whether Hydra reads ``key=...`` as the choice of a config group (a folder of config files, or a
    group in Hydra's ConfigStore); leaning to yes, since a group is composed in full either way."""
    from hydra.core.config_store import ConfigStore

    if "/" in key or key == "hydra":
        return True
    if any((root / key).is_dir() for root in (CONF_DIR, *EXTRA_CONFIG_DIRS)):
        return True
    return isinstance(ConfigStore.instance().repo.get(key), dict)


def index_mediators(overrides: Sequence[str], multirun: bool = False, config_name: str = CONFIG_NAME) -> list[str]:
    """The overrides with every mediator given by name, as docs/ODD.md names them
    (``mediation.mediators.Russia.leverage=0.9``), in the index form Hydra reads
    (``mediation.mediators.0.leverage=0.9``); any other override unchanged.

    The index is the mediator's place in the config the job composes without these overrides (its
    scenario, experiment and mediation settings). A name no mediator has is one line listing the
    mediators; a name at different places in different jobs of a sweep is refused (give the index)."""
    overrides = list(overrides)
    parsed = parse_overrides(overrides)
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
            cfg, choices = JobComposer._without_hydra(first) if i == 0 else job_config(job)
            try:
                experiments = [choices.get("experiment") or ""]
                explicit = explicit_keys(job, experiments)
                exp = to_experiment(cfg, explicit=explicit, scenario=choices.get("scenario"), in_place=True)
                if exp.record_dir not in borders:
                    borders[exp.record_dir] = load_border(exp.record_dir)
                check(exp, borders[exp.record_dir].sector_ids)
                check_scenario(exp)
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
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.hydra_config import HydraConfig

    args = command.args
    register_configs()
    search = (
        [f"hydra.searchpath=[{','.join(repr('file://' + str(d)) for d in EXTRA_CONFIG_DIRS)}]"]
        if EXTRA_CONFIG_DIRS
        else []
    )
    overrides = [*command.overrides, *search]
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3", job_name="ceasefire-sim"):
        # GlobalHydra's Hydra object is what hydra.compose() calls; only it takes a run mode (above).
        app = GlobalHydra.instance().hydra
        try:
            cfg = app.compose_config(
                config_name=args.config_name or CONFIG_NAME,
                overrides=overrides,
                run_mode=RunMode.MULTIRUN,
                with_log_configuration=False,
            )
        except Exception as e:
            raise UsageError(_composition_message(e, overrides)) from None
        HydraConfig.instance().set_config(cfg)
        OmegaConf.set_readonly(cfg.hydra, None)
        cfg = app.get_sanitized_cfg(cfg, args.cfg)
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
    for ov in parse_overrides(list(overrides)):
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
    probe = path
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise UsageError(
            f"{what}={folder}: {display_path(probe)} is a file, not a folder; give a folder that can be created"
        )
    if not os.access(probe, os.W_OK | os.X_OK):
        reason = "read-only file system" if _read_only_fs(probe) else "permission denied"
        raise UsageError(f"{what}={folder}: cannot write into {display_path(probe)} ({reason}); give a writable folder")


def _read_only_fs(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return False


def _composition_message(e: Exception, overrides: Sequence[str]) -> str:
    """One line for a failed composition: an unknown option of a config group from the
    MissingConfigException's own fields, anything else through :func:`sim.experiment.config.explain`."""
    from hydra.errors import MissingConfigException

    missing = next((x for x in (e, e.__cause__, e.__context__) if isinstance(x, MissingConfigException)), None)
    if missing is not None:
        if missing.missing_cfg_file and "/" in missing.missing_cfg_file:
            group, name = missing.missing_cfg_file.rsplit("/", 1)
            allowed = ", ".join(missing.options or [])
            noun = GROUP_NOUNS.get(group, f"an option of {group}")
            return f"{group}={name} is not {noun}" + (f"; allowed: {allowed}" if allowed else "")
        return _first_line(str(missing))
    text = str(e)
    if "Could not override" in text and "No match in the defaults list" in text:
        m = re.search(r"Could not override '([^']+)'", text)
        key = m.group(1) if m else "?"
        return f"{key} is not a config group of ceasefire-sim; allowed: scenario=NAME, +experiment=NAME"
    return explain(e, overrides)


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "invalid configuration")


# --- the Hydra app --------------------------------------------------------------------------------


def job_explicit_keys() -> frozenset[str]:
    """The keys this job's user set: the task overrides of the command line (or of this sweep job)
    and the keys of the chosen experiment file (Hydra's record of the running job)."""
    from hydra.core.hydra_config import HydraConfig

    hc = HydraConfig.get()
    task = [str(o) for o in (OmegaConf.select(hc, "overrides.task", default=None) or [])]
    experiment = OmegaConf.select(hc, "runtime.choices.experiment", default=None)
    return explicit_keys(task, [str(experiment)] if experiment else [])


def run_job(cfg: DictConfig, out_dir: Path, sweep_job: bool = False) -> dict:
    """One job: run the experiment composed in ``cfg`` into ``out_dir``; return summary.json's content.
    ``sweep_job``: a job of a ``-m`` sweep, which draws no per-run plots unless ``plots=true``
    (:func:`sim.experiment.outputs.plots_wanted`)."""
    from sim.experiment.outputs import SWEEP_JOB_ATTR
    from sim.experiment.replications import run_experiment

    explicit = job_explicit_keys()
    exp = to_experiment(cfg, explicit=explicit)
    if sweep_job:
        setattr(exp, SWEEP_JOB_ATTR, True)
    return run_experiment(exp, out_dir, explicit=explicit)


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
        summary = run_job(cfg, out_dir)
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
    from sim.sweep.jobs import run_sweep_job, started_by_main, watch_parent

    worker = started_by_main(MAIN_PID_ENV)
    if worker:
        watch_parent(int(os.environ[MAIN_PID_ENV]))
    try:
        summary = run_sweep_job(
            cfg, out_dir, lambda: run_job(cfg, out_dir, sweep_job=True), log, explicit=job_explicit_keys()
        )
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


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of ``ceasefire-sim``: preflight, then the Hydra app.

    Anything that goes wrong is one line on stderr: bad input (exit 2) before anything is created;
    a fault while running (full disk, read-only folder: exit 1); Ctrl-C or SIGTERM (exit 130,
    finished sweep jobs kept). ``HYDRA_FULL_ERROR=1`` adds the traceback for whoever debugs it.
    """
    argv = renamed_overrides(list(sys.argv[1:] if argv is None else argv))
    register_resolvers()
    register_configs()
    try:
        command = read_command_line(argv)
        if command.sweep_config:  # -m with --cfg: Hydra refuses the pair; print the sweep's config
            show_sweep_config(command)
            return
    except UsageError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(EXIT_USAGE)
    except KeyboardInterrupt:
        print("\ninterrupted; nothing was run", file=sys.stderr)
        sys.exit(EXIT_INTERRUPTED)
    argv = command.argv  # mediators given by name now by index, which is what Hydra reads
    if command.job_overrides and command.args.multirun:
        skip_checked_jobs(command)
    sys.argv = [sys.argv[0] if sys.argv else "ceasefire-sim", *argv]
    full_error = os.environ.get("HYDRA_FULL_ERROR") == "1"  # as Hydra reads it: "0" is off
    os.environ["HYDRA_FULL_ERROR"] = "1"  # Hydra re-raises; the lines below report it once
    os.environ[MAIN_PID_ENV] = str(os.getpid())
    multirun = "-m" in argv or "--multirun" in argv
    from sim.sweep.jobs import interrupt

    try:
        signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread
        pass
    try:
        _app()
    except SystemExit:
        raise
    except KeyboardInterrupt:
        print(
            "\ninterrupted; "
            + (
                "finished jobs are kept: the same command (with the same hydra.sweep.dir) runs only the others"
                if multirun
                else "no results written"
            ),
            file=sys.stderr,
            flush=True,
        )
        sys.exit(EXIT_INTERRUPTED)
    except OSError as e:
        if full_error:
            raise
        print(f"error: {os_error_line(e)}", file=sys.stderr, flush=True)
        sys.exit(EXIT_FAILED)
    except Exception as e:  # noqa: BLE001 -- never a traceback: one line, and the traceback on request
        if full_error:
            raise

        print(f"error: {one_line(e)} (HYDRA_FULL_ERROR=1 shows the traceback)", file=sys.stderr, flush=True)
        sys.exit(EXIT_FAILED)


if __name__ == "__main__":
    main()
