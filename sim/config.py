"""Experiment configuration: the structured schema, its Hydra registration and preflight checks.

:class:`ExperimentConfig` carries every :class:`sim.params.ModelParams` field at the root of the
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
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

from omegaconf import MISSING, DictConfig, OmegaConf

from sim.params import ModelParams, ParameterError, validate

REPO_ROOT = Path(__file__).resolve().parent.parent
CONF_DIR = REPO_ROOT / "conf"
CONFIG_NAME = "config"
SCHEMA_NAME = "ceasefire_schema"


@dataclass
class ExperimentConfig(ModelParams):
    """Every model parameter at the root, plus how to run the experiment."""

    seed: int = 0
    horizon_days: float = 365.0
    replications: int = 1
    scenario: str = MISSING
    seeds_dir: str = ""
    progress: bool = True
    params: str = "default"          # default | calibrated | the path of a posterior.csv


PARAMS_CHOICES = ("default", "calibrated")


def register_configs() -> None:
    """Store the schema in Hydra's ConfigStore (idempotent: storing again replaces it)."""
    from hydra.core.config_store import ConfigStore

    ConfigStore.instance().store(name=SCHEMA_NAME, node=ExperimentConfig)


# --- from a composed config to checked objects ---------------------------------------------------

def to_experiment(cfg: DictConfig) -> ExperimentConfig:
    """The composed config (with or without its ``hydra`` node) as an :class:`ExperimentConfig`."""
    cfg = cfg.copy()
    if "hydra" in cfg:
        with _open(cfg):
            del cfg["hydra"]
    exp = OmegaConf.to_object(cfg)
    if not isinstance(exp, ExperimentConfig):  # a config not built on the schema
        raise ParameterError("the configuration does not extend ceasefire_schema")
    return exp


def model_params(exp: ExperimentConfig) -> ModelParams:
    """The model's parameters out of an experiment config."""
    return ModelParams(**{f.name: getattr(exp, f.name) for f in dataclasses.fields(ModelParams)})


def check_run(exp: ExperimentConfig) -> None:
    """Range checks on the run settings (the model's own come from :func:`sim.params.validate`)."""
    if isinstance(exp.seed, bool) or not isinstance(exp.seed, int) or exp.seed < 0:
        raise ParameterError(f"seed={exp.seed} is out of range; allowed: an integer >= 0")
    if not (exp.horizon_days > 0) or exp.horizon_days == float("inf"):
        raise ParameterError(f"horizon_days={exp.horizon_days} is out of range; allowed (0.0, inf) days")
    if exp.replications < 1:
        raise ParameterError(f"replications={exp.replications} is out of range; allowed: an integer >= 1")
    load_posterior(exp.params)


def load_posterior(params: str):
    """None for ``params=default``; else the posterior to draw each replication's parameters from:
    ``calibrated`` = the committed set (calibration/results/posterior.csv), or a posterior.csv path."""
    if params == "default":
        return None
    from calibration.posterior import RESULTS, Posterior, PosteriorError

    path = RESULTS / "posterior.csv" if params == "calibrated" else Path(params)
    try:
        return Posterior.load(path)
    except PosteriorError as e:
        raise ParameterError(f"params={params}: {e}; allowed: {', '.join(PARAMS_CHOICES)} "
                             "or the path of a posterior.csv") from None


def check(exp: ExperimentConfig, sectors: Sequence[str] | None = None) -> ModelParams:
    """Raise :class:`ParameterError` (one line) on the first bad value; return the model params."""
    check_run(exp)
    params = model_params(exp)
    validate(params, sectors=tuple(sectors) if sectors is not None else None)
    return params


def load_setting(seeds_dir: str):
    """The border setting from ``seeds_dir`` ("" = the repository's seeds/)."""
    from sim.setting import Setting

    return Setting.load(seeds_dir or None)


# --- compose API ---------------------------------------------------------------------------------

def compose_config(overrides: Iterable[str] = (), return_hydra_config: bool = False,
                   config_name: str = CONFIG_NAME) -> DictConfig:
    """Compose the repository's config with command-line style overrides (no app, no output dir)."""
    from hydra import compose, initialize_config_dir

    register_configs()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3", job_name="ceasefire-sim"):
        return compose(config_name=config_name, overrides=list(overrides),
                       return_hydra_config=return_hydra_config)


def group_options(group: str) -> list[str]:
    """The options of a config group, e.g. the scenario names (sorted)."""
    path = CONF_DIR / group
    if not path.is_dir():
        return []
    return sorted(p.stem for p in path.iterdir() if p.suffix in (".yaml", ".yml") and not p.name.startswith("."))


# --- one-line explanations -----------------------------------------------------------------------

def _open(cfg: DictConfig):
    from omegaconf import open_dict

    return open_dict(cfg)


def schema_node(path: Sequence[str]) -> tuple[Any, list[str]]:
    """Walk the schema along ``path``; return (type at the end, path walked so far).

    Stops at the first component that is not a field, returning the type of its parent.
    """
    t: Any = ExperimentConfig
    walked: list[str] = []
    for part in path:
        origin = typing.get_origin(t)
        if origin in (list, tuple) and part.isdigit():
            t = typing.get_args(t)[0] if typing.get_args(t) else Any
        elif dataclasses.is_dataclass(t):
            hints = typing.get_type_hints(t)
            if part not in hints:
                return t, walked
            t = hints[part]
        else:
            return t, walked
        walked.append(part)
    return t, walked


def allowed_keys(t: Any) -> list[str]:
    """Field names of a schema node (a dataclass), in declaration order."""
    if dataclasses.is_dataclass(t):
        return [f.name for f in dataclasses.fields(t)]
    return []


def unknown_key_message(key: str) -> str | None:
    """``unknown key 'foo'; allowed keys: ...`` if ``key`` is not in the schema, else None."""
    parts = key.split(".")
    if parts[0] == "hydra":
        return f"unknown key '{key}'; Hydra's settings are listed by: ceasefire-sim --cfg hydra"
    t, walked = schema_node(parts)
    if len(walked) == len(parts):
        return None
    bad = ".".join(parts[: len(walked) + 1])
    keys = allowed_keys(t)
    where = f" under '{'.'.join(walked)}'" if walked else ""
    if keys:
        return f"unknown key '{bad}'; allowed keys{where}: {', '.join(keys)}"
    return f"unknown key '{bad}'; '{'.'.join(walked)}' has no sub-keys"


def type_name(t: Any) -> str:
    """How to write a value of type ``t`` on the command line."""
    if t is bool:
        return "true or false"
    if t is int:
        return "an integer"
    if t is float:
        return "a number"
    if t is str:
        return "a string"
    origin = typing.get_origin(t)
    if origin in (list, tuple):
        args = typing.get_args(t)
        inner = args[0] if args else Any
        if inner is str:
            return "a list of strings, e.g. [a,b] or []"
        if dataclasses.is_dataclass(inner):
            return f"a list of {inner.__name__} entries ({', '.join(allowed_keys(inner))})"
        return "a list"
    if dataclasses.is_dataclass(t):
        return f"a group of keys ({', '.join(allowed_keys(t))})"
    return str(t)


def wrong_type_message(key: str, value: Any) -> str:
    t, walked = schema_node(key.split("."))
    if len(walked) != len(key.split(".")):
        return unknown_key_message(key) or f"{key}={value} has the wrong type"
    return f"{key}={value} has the wrong type; allowed: {type_name(t)}"


def explain(exc: BaseException, overrides: Sequence[str] = ()) -> str:
    """One line for a composition or conversion failure (without the ``error:`` prefix)."""
    from omegaconf.errors import (ConfigAttributeError, ConfigKeyError, MissingMandatoryValue,
                                  OmegaConfBaseException, ValidationError)

    chain: list[BaseException] = []
    e: BaseException | None = exc
    while e is not None and e not in chain:
        chain.append(e)
        e = e.__cause__ or e.__context__
    for e in chain:
        if isinstance(e, ParameterError):
            return str(e)
        if isinstance(e, MissingMandatoryValue):
            key = getattr(e, "full_key", "") or "a value"
            if key == "scenario":
                return f"no scenario selected; allowed: {', '.join(group_options('scenario'))}"
            return f"{key} is not set"
        if isinstance(e, (ConfigKeyError, ConfigAttributeError)):
            key = _full_key(e)
            msg = unknown_key_message(key) if key else None
            if msg:
                return msg
        if isinstance(e, ValidationError):
            key = _full_key(e)
            if key:
                value = _override_value(overrides, key)
                if value is None:
                    value = getattr(e, "value", None)
                return wrong_type_message(key, value)
        if isinstance(e, OmegaConfBaseException) and getattr(e, "msg", None):
            return _first_line(e.msg)
    return _first_line(str(exc))


def _full_key(e: BaseException) -> str:
    key = getattr(e, "full_key", None) or ""
    key = str(key)
    # OmegaConf writes list items as mediators[0]; the command line writes mediators.0
    return key.replace("[", ".").replace("]", "")


def _override_value(overrides: Sequence[str], key: str) -> str | None:
    for o in reversed(list(overrides)):
        k, sep, v = o.lstrip("+~").partition("=")
        if sep and k.split("@")[0] == key:
            return v
    return None


def _first_line(text: str) -> str:
    for line in str(text).splitlines():
        if line.strip():
            return line.strip()
    return "invalid configuration"
