"""Experiment configuration: the structured schema, its Hydra registration and preflight checks.

:class:`ExperimentConfig` carries every :class:`sim.model.params.ModelParams` field at the root of the
config (so overrides read ``observer.strength=40``, ``mediation.intensity=0.5``) plus the run
settings (seed, horizon, replications, scenario, seeds directory, progress bar).

The schema is stored in Hydra's ConfigStore as ``ceasefire_schema`` at the root (never inside a
config group, where it would show up as an option in ``scenario=...`` globs); ``conf/config.yaml``
extends it through its defaults list.

Nothing here needs a running Hydra app: :func:`compose_config` uses the compose API, and
:func:`check` / :func:`explain` turn a composed config or a failure into one line for the user.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from omegaconf import MISSING, DictConfig, OmegaConf

from sim.common import commands, hydraconf, resources
from sim.common.commands import RENAMED_KEYS
from sim.common.files import check_names, kind
from sim.common.messages import about, shown
from sim.common.values import MAX_SEED, same_value
from sim.model.params import ModelParams, ParameterError, validate

REPO_ROOT = resources.ROOT  # the checkout, or the installed data copy (sim/common/resources.py)
CONF_DIR = resources.CONF_DIR
CONFIG_NAME = "config"
SCHEMA_NAME = "ceasefire_schema"


@dataclass
class ExperimentConfig(ModelParams):
    """Every model parameter at the root, plus how to run the experiment."""

    seed: int = 0
    horizon_days: float = 365.0
    replications: int = 1
    # The label of the chosen scenario file (conf/scenario/NAME.yaml): filled in from Hydra's choice
    # of the config group (hydra.runtime.choices.scenario), never written in the files.
    scenario: str = MISSING
    record_dir: str = ""
    progress: bool = True
    params: str = "default"  # default | calibrated | the path of a posterior.csv
    workers: Any = "auto"  # processes running the replications: auto (or 0) = every core, or N (1 to MAX_WORKERS)
    plots: Any = "auto"  # timeline.png and survival.png of a run: auto = yes, except in a -m sweep job; true; false


PARAMS_CHOICES = ("default", "calibrated")
MAX_REPLICATIONS = 1_000_000
MAX_HORIZON_DAYS = 36_500.0  # a hundred years
MAX_WORKERS = 256
# Extra config folders (ceasefire-sim --config-dir DIR); searched after conf/.
EXTRA_CONFIG_DIRS: list[Path] = []


def register_configs() -> None:
    """Store the schema in Hydra's ConfigStore (idempotent: storing again replaces it) and
    register the resolvers the configs use."""
    from hydra.core.config_store import ConfigStore

    ConfigStore.instance().store(name=SCHEMA_NAME, node=ExperimentConfig)
    register_resolvers()


def register_resolvers() -> None:
    """The resolvers ``conf/config.yaml`` uses (:func:`sim.common.commands.register_resolvers`)."""
    commands.register_resolvers(group_options)


# --- from a composed config to checked objects ---------------------------------------------------


def chosen_scenario(cfg: DictConfig | None = None) -> str | None:
    """The scenario chosen in the config group: ``cfg.hydra.runtime.choices.scenario`` when ``cfg``
    has its hydra node, else that of the running Hydra app; None outside both."""
    if cfg is not None and "hydra" in cfg:
        choice = OmegaConf.select(cfg, "hydra.runtime.choices.scenario", default=None)
        if choice is not None:
            return str(choice)
    from hydra.core.hydra_config import HydraConfig

    if HydraConfig.initialized():
        choice = OmegaConf.select(HydraConfig.get(), "runtime.choices.scenario", default=None)
        return None if choice is None else str(choice)
    return None


@dataclass(frozen=True)
class Job:
    """An experiment as its user asked for it: the config, and which keys the user set.

    ``explicit`` is what a user set, by name, even to the default value: the keys of the command line's
    overrides (or of a sweep job's), every key the chosen experiment file sets, and the keywords of
    :func:`experiment_config`. It is computed by :func:`explicit_keys` only (:func:`composed_job` for a
    config Hydra composed). An explicit key wins over the scenario file's value (:func:`check_scenario`)
    and over a posterior draw (:func:`fixed_parameters`), and ``workers`` set explicitly holds in a
    sweep job. A config given alone (``Job(config)``, or an :class:`ExperimentConfig` handed to
    :func:`sim.experiment.replications.run_experiment`) has no explicit keys: its values must be its
    scenario's, and a posterior draws every parameter left at its default.

    ``sweep_job``: a job of a ``-m`` sweep, which runs its replications on one worker unless
    ``workers`` is explicit and draws no per-run plots unless ``plots=true``.
    """

    config: ExperimentConfig
    explicit: frozenset[str] = frozenset()
    sweep_job: bool = False

    @staticmethod
    def of(job: Job | ExperimentConfig) -> Job:
        """``job`` itself, or a config given alone as a Job (no explicit keys)."""
        return job if isinstance(job, Job) else Job(job)


def composed_job(cfg: DictConfig, overrides: Iterable[str], choices: Mapping[str, Any], in_place: bool = False) -> Job:
    """The Job of a config Hydra composed with ``overrides`` (the task overrides of a command line or of
    one sweep job), ``choices`` its ``hydra.runtime.choices``: the config as an :class:`ExperimentConfig`
    and the keys the overrides and the chosen experiment file set. ``in_place``: as :func:`to_experiment`."""
    exp = to_experiment(cfg, scenario=choices.get("scenario"), in_place=in_place)
    return Job(exp, job_keys(overrides, choices))


def job_keys(overrides: Iterable[str], choices: Mapping[str, Any]) -> frozenset[str]:
    """The keys set by a composed job's ``overrides`` and by the experiment file its ``choices`` (its
    ``hydra.runtime.choices``) name (:func:`explicit_keys`)."""
    experiment = choices.get("experiment")
    return explicit_keys(overrides, [str(experiment)] if experiment else [])


def to_experiment(cfg: DictConfig, scenario: str | None = None, in_place: bool = False) -> ExperimentConfig:
    """The composed config (with or without its ``hydra`` node) as an :class:`ExperimentConfig`.

    The scenario label is the scenario chosen in the config group (``scenario``, else
    :func:`chosen_scenario`), never a value a file repeats. ``in_place``: ``cfg`` is the caller's own
    copy, which may be changed (saves copying it).
    """
    label = scenario or chosen_scenario(cfg)
    cfg = cfg if in_place else cfg.copy()
    with _open(cfg):
        if "hydra" in cfg:
            del cfg["hydra"]
        if label is not None:
            written = OmegaConf.select(cfg, "scenario", default=None, throw_on_missing=False)
            if not OmegaConf.is_missing(cfg, "scenario") and written not in (None, label):
                raise ParameterError(
                    f"scenario: the config says {written!r} but the scenario chosen is "
                    f"{label!r}; choose a scenario with scenario=NAME only (the label is "
                    "the file's name)"
                )
            cfg.scenario = label
    exp = OmegaConf.to_object(cfg)
    if not isinstance(exp, ExperimentConfig):  # a config not built on the schema
        raise ParameterError("the configuration does not extend ceasefire_schema")
    return exp


def model_params(exp: ExperimentConfig) -> ModelParams:
    """The model's parameters out of an experiment config."""
    return ModelParams(**{f.name: getattr(exp, f.name) for f in dataclasses.fields(ModelParams)})


def check_run(exp: ExperimentConfig):
    """Range checks on the run settings (the model's own come from :func:`sim.model.params.validate`);
    return the posterior that ``params`` names, read and checked (None for ``params=default``)."""
    if isinstance(exp.seed, bool) or not isinstance(exp.seed, int) or not 0 <= exp.seed <= MAX_SEED:
        raise ParameterError(f"seed={shown(exp.seed)} is out of range; allowed: an integer from 0 to {MAX_SEED}")
    h = exp.horizon_days
    if isinstance(h, bool) or not isinstance(h, (int, float)) or not _finite(h) or not 0 < h <= MAX_HORIZON_DAYS:
        raise ParameterError(f"horizon_days={shown(h)} is out of range; allowed (0.0, {MAX_HORIZON_DAYS:g}] days")
    n = exp.replications
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_REPLICATIONS:
        raise ParameterError(
            f"replications={shown(n)} is out of range; allowed: an integer from 1 to {MAX_REPLICATIONS}"
        )
    w = exp.workers
    if w != "auto" and (isinstance(w, bool) or not isinstance(w, int) or not 0 <= w <= MAX_WORKERS):
        raise ParameterError(
            f"workers={shown(w)} is not allowed; allowed: auto or 0 (every core) or an integer from 1 to {MAX_WORKERS}"
        )
    if not (isinstance(exp.plots, bool) or exp.plots == "auto"):
        raise ParameterError(f"plots={shown(exp.plots)} is not allowed; allowed: auto, true or false")
    return load_posterior(exp.params)


def _finite(x: Any) -> bool:
    try:
        return math.isfinite(x)
    except OverflowError:  # an int too large for a float
        return False


def load_posterior(params: str, key: str = "params", choices: Sequence[str] = PARAMS_CHOICES):
    """None for ``params=default``; else the posterior to draw each replication's parameters from:
    ``calibrated`` = the committed set (calibration/results/posterior.csv), or a posterior.csv path.
    ``key`` and ``choices``: the setting that names it and the names it allows (``ceasefire-validate``'s
    ``validation.posterior`` has no ``default``), for the one-line :class:`ParameterError` on a bad one."""
    if params == "default" and "default" in choices:
        return None
    from calibration.posterior import RESULTS, Posterior, PosteriorError

    path = RESULTS / "posterior.csv" if params == "calibrated" else Path(params)
    allowed = f"allowed: {', '.join(choices)} or the path of a posterior.csv"
    if params in PARAMS_CHOICES and params not in choices:
        raise ParameterError(f"{key}={params} is not allowed; {allowed}")
    try:
        return Posterior.load(path)
    except PosteriorError as e:
        raise ParameterError(f"{about(key, params, str(e))}; {allowed}") from None


def check(exp: ExperimentConfig, sectors: Sequence[str] | None = None) -> ModelParams:
    """Raise :class:`ParameterError` (one line) on the first bad value; return the model params."""
    return checked(exp, sectors)[0]


def checked(exp: ExperimentConfig, sectors: Sequence[str] | None = None) -> tuple[ModelParams, Any]:
    """:func:`check`, and the posterior it read (None for ``params=default``): a run reads the file once."""
    posterior = check_run(exp)
    params = model_params(exp)
    try:
        validate(params, sectors=tuple(sectors) if sectors is not None else None)
    except OverflowError:  # an integer too large for a float in a ranged parameter
        bad = next((k for k, v in _leaves(dataclasses.asdict(params)) if not _fits_float(v)), "a parameter")
        raise ParameterError(f"{bad}: the number is too large; allowed: a finite number") from None
    if sectors is not None:
        check_collapse(params, len(sectors))
    return params, posterior


def _fits_float(v: Any) -> bool:
    if isinstance(v, int) and not isinstance(v, bool):
        try:
            float(v)
        except OverflowError:
            return False
    return True


def check_collapse(params: ModelParams, n_sectors: int) -> None:
    """Refuse a collapse rule that can never fire: a rule that needs fire at the top tier in more
    sectors than the record has (it would report "0% collapsed" as if that were a finding)."""
    c = params.collapse
    if c.rule != "killed_window" and c.top_tier_sectors > n_sectors:
        raise ParameterError(
            f"collapse.top_tier_sectors={shown(c.top_tier_sectors)} can never be reached with "
            f"collapse.rule={c.rule}: the record has {n_sectors} sectors; allowed: 1 to "
            f"{n_sectors} (or collapse.rule=killed_window)"
        )


def load_border(record_dir: str):
    """The border from ``record_dir`` ("" = the repository's seeds/). The same files (name and
    bytes) give the same border, which is read once per process: a sweep's jobs share it."""
    from sim.model.border import Border
    from sim.record.loader import DEFAULT_SEEDS, FILES

    root = Path(record_dir) if record_dir else DEFAULT_SEEDS
    check_names({"record_dir": record_dir}, ParameterError)
    key: tuple | None = None
    try:
        if all(_small_file(root / name) for name in FILES):  # anything else: read as it comes
            key = (str(root), *((root / name).read_bytes() for name in FILES))
    except OSError:  # reported by the loading below
        pass
    if key is not None and key in _BORDERS:
        return _BORDERS[key]
    border = Border.load(record_dir or None)
    if key is not None:
        _BORDERS.clear()  # the last one only
        _BORDERS[key] = border
    return border


_BORDERS: dict[tuple, Any] = {}


def _small_file(path: Path, limit: int = 1_000_000) -> bool:
    import stat

    st = path.stat()
    return stat.S_ISREG(st.st_mode) and st.st_size <= limit


# --- compose API ---------------------------------------------------------------------------------


def compose_config(
    overrides: Iterable[str] = (), return_hydra_config: bool = False, config_name: str = CONFIG_NAME
) -> DictConfig:
    """Compose the repository's config with command-line style overrides (no app, no output dir);
    ``scenario`` is filled in with the chosen scenario's name. Config files are looked up in conf/,
    then in :data:`EXTRA_CONFIG_DIRS` (``ceasefire-sim --config-dir``). Hydra's and OmegaConf's
    exceptions pass through (:func:`explain` makes one line of them)."""
    register_configs()
    with hydraconf.composer(SCHEMA, config_name, explained=False) as compose:
        cfg = compose(list(overrides))
    label = chosen_scenario(cfg)
    with _open(cfg):
        if label is not None and OmegaConf.is_missing(cfg, "scenario"):
            cfg.scenario = label  # the label of the chosen scenario file
        if not return_hydra_config:
            del cfg["hydra"]
    return cfg


def config_dirs() -> list[Path]:
    """Where config files are looked up: conf/, then any --config-dir."""
    return [CONF_DIR, *EXTRA_CONFIG_DIRS]


def group_options(group: str) -> list[str]:
    """The options of a config group, e.g. the scenario names (sorted)."""
    return SCHEMA.options(group)


def group_file(group: str, name: str) -> Path | None:
    """The file of option ``name`` of a config group (None if there is none)."""
    for root in config_dirs():
        for suffix in (".yaml", ".yml"):
            path = root / group / f"{name}{suffix}"
            if kind(path) in ("file", "other"):
                return path
    return None


# --- config files read strictly, scenarios, explicit settings ----------------------------------------


def read_config_file(path: Path) -> dict:
    """A config file's content, read strictly (:mod:`sim.common.yamlfile`: repeated keys, binary content,
    deep nesting, numbers no float can hold); raise :class:`ParameterError` naming the file.

    The same bytes at the same path are not parsed twice: the pre-run check of a sweep reads the
    same scenario and experiment files for every job."""
    import copy

    stamp: tuple | None = None
    try:
        if _small_file(Path(path)):  # anything else: read as it comes
            stamp = (str(path), Path(path).read_bytes())
    except OSError:  # reported by the reading below
        pass
    if stamp is not None and stamp in _READ_CACHE:
        return copy.deepcopy(_READ_CACHE[stamp])
    data = _read_config_file(path)
    if stamp is not None:
        if len(_READ_CACHE) >= 64:
            _READ_CACHE.clear()
        _READ_CACHE[stamp] = copy.deepcopy(data)
    return data


_READ_CACHE: dict[tuple, dict] = {}


def _read_config_file(path: Path) -> dict:
    from sim.common.yamlfile import YamlFileError, load

    try:
        data = load(path, "omegaconf")
    except YamlFileError as e:
        raise ParameterError(str(e)) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ParameterError(f"{path}: expected a mapping of keys to values, got {type(data).__name__}")
    return data


def _leaves(data: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """(dotted key, value) of every leaf of nested mappings; lists are leaves."""
    if isinstance(data, Mapping) and data:
        out = []
        for k, v in data.items():
            out.extend(_leaves(v, f"{prefix}{k}."))
        return out
    return [(prefix[:-1], data)] if prefix else []


def file_keys(data: dict) -> list[tuple[str, Any]]:
    """The settings a scenario or experiment file sets (its defaults list and hydra node aside)."""
    return [(k, v) for k, v in _leaves({k: v for k, v in data.items() if k not in ("defaults", "hydra")})]


def scenario_values(name: str) -> dict[str, Any]:
    """``{dotted key: value}`` that the scenario file ``name`` sets."""
    path = group_file("scenario", name)
    if path is None:
        raise ParameterError(f"scenario={name} is not a scenario; allowed: {', '.join(group_options('scenario'))}")
    return {k: v for k, v in file_keys(read_config_file(path)) if k != "scenario"}


def explicit_keys(overrides: Iterable[str] = (), experiments: Iterable[str] = ()) -> frozenset[str]:
    """The keys a user set: those of the command line's overrides (Hydra's settings and the config
    groups aside) and every key an experiment file sets."""
    keys: set[str] = set()
    for text in overrides:
        key = _set_key(str(text))
        if key is not None:
            keys.add(key)
    for name in experiments:
        path = group_file("experiment", name) if name else None
        if path is not None:
            keys |= {k for k, _ in file_keys(read_config_file(path))}
    return frozenset(keys)


def _set_key(text: str) -> str | None:
    return hydraconf.set_key(text, tuple(GROUP_NOUNS))


MEDIATORS_KEY = "mediation.mediators"


def mediator_name(key: str) -> str | None:
    """The mediator a key names, for ``mediation.mediators.NAME[.field]`` (``Russia`` for
    ``mediation.mediators.Russia.leverage``); None for the index form and for any other key."""
    prefix = MEDIATORS_KEY + "."
    if not key.startswith(prefix):
        return None
    head = key[len(prefix) :].split(".", 1)[0]
    return None if head.isdigit() or not head else head


def mediator_names(cfg: Any) -> list[str]:
    """The names of the mediators of a composed config (a DictConfig or an ExperimentConfig), in order."""
    if isinstance(cfg, DictConfig):
        mediators = OmegaConf.select(cfg, MEDIATORS_KEY, default=None) or []
        return [str(m.get("name")) if hasattr(m, "get") else "?" for m in mediators]
    return [m.name for m in cfg.mediation.mediators]


def index_mediator_key(key: str, names: Sequence[str]) -> str:
    """``mediation.mediators.Russia.leverage`` as the index form the config holds,
    ``mediation.mediators.0.leverage`` (Russia's place in ``names``); any other key unchanged.

    The parameter table (docs/ODD.md) names mediators; the config keeps them in a list, which
    Hydra and OmegaConf address by index only. Raises :class:`ParameterError` (one line listing the
    mediators) for a name that is not one of ``names``."""
    name = mediator_name(key)
    if name is None:
        return key
    names = list(names)
    if name not in names:
        raise ParameterError(
            f"{key}: no mediator named '{name}'; mediators: {', '.join(names) or 'none'}"
            + (f" (or their index, 0 to {len(names) - 1})" if names else "")
        )
    rest = key[len(MEDIATORS_KEY) + 1 + len(name) :]
    return f"{MEDIATORS_KEY}.{names.index(name)}{rest}"


def is_explicit(key: str, explicit: Iterable[str]) -> bool:
    """``key`` or one of its parents (``retaliation`` for ``retaliation.propensity``) was set."""
    explicit = set(explicit)
    parts = key.split(".")
    return any(".".join(parts[:i]) in explicit for i in range(1, len(parts) + 1))


def select(obj: Any, key: str) -> Any:
    """The value at dotted ``key`` of a dataclass (list items by index)."""
    for part in key.split("."):
        obj = obj[int(part)] if isinstance(obj, list) and part.isdigit() else getattr(obj, part)
    return obj


def _plain(v: Any) -> Any:
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return dataclasses.asdict(v)
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return v


def _same(a: Any, b: Any) -> bool:
    """``a`` (a config's value) has the value ``b``; in mappings (list items such as ``missions``) only
    the keys ``b`` gives are compared: a scenario file sets some fields of an item, the schema the rest."""
    a, b = _plain(a), _plain(b)
    if isinstance(a, dict) and isinstance(b, dict):
        return all(k in a and _same(a[k], v) for k, v in b.items())
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return same_value(a, b)


def default_differences(exp: ExperimentConfig) -> frozenset[str]:
    """Keys of the model parameters whose value differs from the schema's default."""
    base = dict(_leaves(dataclasses.asdict(ModelParams())))
    now = dict(_leaves(dataclasses.asdict(model_params(exp))))
    return frozenset(k for k, v in now.items() if k not in base or not _same(v, base[k]))


def check_scenario(exp: ExperimentConfig, explicit: Iterable[str]) -> None:
    """Refuse a config whose values disagree with its scenario's label: every value the scenario
    file sets must be in ``exp`` unless the user set that key (``explicit``, :attr:`Job.explicit`)."""
    name = exp.scenario
    options = group_options("scenario")
    if not isinstance(name, str) or name not in options:
        raise ParameterError(f"scenario={name} is not a scenario; allowed: {', '.join(options)}")
    explicit = frozenset(explicit)
    for key, want in scenario_values(name).items():
        if is_explicit(key, explicit):
            continue
        try:
            have = select(exp, key)
        except (AttributeError, IndexError, KeyError):
            continue
        if not _same(have, want):
            raise ParameterError(
                f"scenario={name} sets {key}={want} but this config has {key}={_plain(have)}: its values are "
                f"not the scenario's; build it with sim.experiment.config.experiment_config(scenario={name!r}, ...) or "
                f"set {key} explicitly"
            )


def experiment_config(scenario: str | None = None, experiment: str | None = None, **overrides: Any) -> Job:
    """The :class:`Job` of an experiment composed through Hydra as the command line would: the scenario
    (default: the experiment's, else sept2022), an experiment (``experiments/NAME.yaml``), then
    ``overrides`` (dotted keys as ``**{"observer.strength": 40}`` or nested mappings such as
    ``observer={"strength": 40}``; a mediator by name, ``**{"mediation.mediators.Russia.leverage": 0.9}``,
    or by index, ``mediation.mediators.0.leverage``). The keys given (and those the experiment sets)
    count as explicitly set (:attr:`Job.explicit`): they win over the scenario's values and over a posterior
    draw (``params=calibrated``)."""
    for old, new in RENAMED_KEYS.items():
        if old in overrides:
            warnings.warn(f"{old} is now {new}; the old name will be removed", DeprecationWarning, stacklevel=2)
            overrides[new] = overrides.pop(old)
    for group, name in (("scenario", scenario), ("experiment", experiment)):
        if name is not None and name not in group_options(group):
            noun = "a scenario" if group == "scenario" else "an experiment"
            raise ParameterError(f"{group}={name} is not {noun}; allowed: {', '.join(group_options(group))}")
    args = []
    if scenario is not None:
        args.append(f"scenario={scenario}")
    if experiment is not None:
        args.append(f"+experiment={experiment}")
    for k in ("scenario", "experiment"):
        if k in overrides:
            raise ParameterError(f"{k}: give it as experiment_config({k}=NAME)")
    try:
        cfg = compose_config(args, return_hydra_config=True)
    except ParameterError:
        raise
    except Exception as e:  # noqa: BLE001 -- unknown scenario or experiment: one line
        raise ParameterError(explain(e, args)) from None
    flat = dict(_leaves(overrides)) if overrides else {}
    from omegaconf.errors import OmegaConfBaseException

    given: dict[str, Any] = {}
    for key, value in flat.items():
        key = index_mediator_key(key, mediator_names(cfg))  # mediators by name, as in docs/ODD.md
        message = unknown_key_message(key)
        if message:
            raise ParameterError(message)
        try:
            # a list is merged: OmegaConf then builds list items (missions, mediators) from plain dicts
            OmegaConf.update(cfg, key, value, merge=isinstance(value, list))
        except OmegaConfBaseException as e:
            raise ParameterError(explain(e, [f"{key}={value}"])) from None
        given[key] = value
    explicit = explicit_keys((), [experiment] if experiment else []) | set(given)
    try:
        return Job(to_experiment(cfg), explicit)
    except ParameterError:
        raise
    except Exception as e:  # noqa: BLE001 -- conversion errors: one line
        raise ParameterError(explain(e, [f"{k}={v}" for k, v in given.items()])) from None


def fixed_parameters(exp: ExperimentConfig, names: Iterable[str], explicit: Iterable[str]) -> tuple[str, ...]:
    """Which of a posterior's parameters ``names`` stay at the configured value: those the user set
    (``explicit``, :attr:`Job.explicit`) and those whose value differs from the default (a scenario's)."""
    kept = frozenset(explicit) | default_differences(exp)
    return tuple(n for n in names if is_explicit(n, kept))


# --- one-line explanations -----------------------------------------------------------------------


def _open(cfg: DictConfig):
    from omegaconf import open_dict

    return open_dict(cfg)


GROUP_NOUNS = {"scenario": "a scenario", "experiment": "an experiment"}

SCHEMA = hydraconf.Schema(
    tool="ceasefire-sim",
    root=ExperimentConfig,
    groups=GROUP_NOUNS,
    added_groups=("experiment",),
    dirs=config_dirs,
    group_usage="scenario=NAME, +experiment=NAME",
    errors=(ParameterError,),
)
"""ceasefire-sim's config for its messages (:class:`sim.common.hydraconf.Schema`)."""


def unknown_key_message(key: str) -> str | None:
    """``unknown key 'foo'; allowed keys: ...`` if ``key`` is not in the schema, else None."""
    return SCHEMA.unknown_key(key)


def explain(exc: BaseException, overrides: Sequence[str] = ()) -> str:
    """One line for a composition or conversion failure (without the ``error:`` prefix)."""
    return hydraconf.explain(exc, overrides, SCHEMA)
