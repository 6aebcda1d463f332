"""The one door to Hydra and OmegaConf: what the commands ask of them beyond ``@hydra.main``.

Every command (``ceasefire-sim``, ``-calibrate``, ``-validate``, ``-explore``) and the sweep reader go
through this module for: parsing flags and overrides, the jobs of a sweep, composing configs (for one
job, for many jobs of a sweep, for a sweep as a whole), the sweeper's batch check, reading YAML as
OmegaConf does, and one line for any failure (:class:`UsageError`, :func:`explain`).

Public API is used where Hydra 1.3 and OmegaConf 2.3 have one: the compose API, the override parser
and its ``Override`` objects, ``OmegaConf`` and their exception types. Five needs have none, and their
use of internals is here only (``tests/common/test_hydraconf.py`` pins each, so an upgrade that
changes one fails there, not quietly in a command):

- :func:`parse_flags`: the argparse parser ``hydra.main`` itself uses, so that a flag means here
  what it means to Hydra;
- :func:`apply_overrides`: the step of a composition that applies ``key=value`` overrides to a
  config; :class:`JobComposer` composes the config groups once and applies each job's values;
- :func:`compose_sweep`: a composition in multirun mode (the public ``compose`` only runs in run
  mode, where ``a=1,2`` is an error), for ``-m --cfg``;
- :func:`skip_batch_check`: the basic sweeper composes every job again before launching; while the
  commands' own check has done it, that repeat is skipped, for the one call that launches;
- :func:`yaml_loader`: the YAML loader OmegaConf reads config files with (its float and
  duplicate-key rules).

The jobs of a sweep (:func:`sweep_jobs`) are built on the public ``Override`` methods; the test pins
them to the basic sweeper's own product.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import re
import typing
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

from sim.common.files import kind
from sim.common.messages import shown

GRAMMAR_URL = "https://hydra.cc/docs/advanced/override_grammar/basic/"
BASIC_SWEEPER = "hydra._internal.core_plugins.basic_sweeper.BasicSweeper"
"""``hydra.sweeper._target_`` of Hydra's default sweeper, as a multirun.yaml records it."""


class UsageError(Exception):
    """Bad command-line input; ``str()`` is the one line shown after ``error:``."""


# --- flags and overrides --------------------------------------------------------------------------


def parse_flags(argv: Sequence[str], app: str) -> Any:
    """The command line as ``hydra.main`` parses it, with argparse's usage-and-exit on a bad flag
    turned into one :class:`UsageError` line."""
    from hydra._internal.utils import get_args_parser

    parser = get_args_parser()

    def _fail(message: str) -> None:
        raise UsageError(f"{message}; see {app} --help")

    parser.error = _fail  # type: ignore[method-assign]  # argparse would print usage and exit
    return parser.parse_args(list(argv))


def parse_overrides(overrides: Sequence[str], dirs: Callable[[], Sequence[Path]] | None = None) -> list[Any]:
    """Hydra's ``Override`` objects, parsed one by one so that a syntax error names its override. A
    ``glob()`` sweep expands over the files of its config group in ``dirs()`` (the command's config
    folders; default conf/), as Hydra's sweeper expands it."""
    from hydra.errors import HydraException

    parsed = []
    for o in overrides:
        try:
            parsed.extend(_parse_one(o))
        except HydraException as e:
            first = str(e).splitlines()[0] if str(e) else ""
            detail = "" if o in first or len(first) > 100 else f": {first}"  # Hydra's own words, when short
            raise UsageError(f"cannot parse '{shown_override(o)}'{detail}; see {GRAMMAR_URL}") from None
    for ov in parsed:
        if not _is_glob(ov):
            continue
        if ov.key_or_group.startswith("hydra/"):
            raise UsageError(
                f"{shown_override(ov.input_line)}: glob() over Hydra's own groups is not expanded here; "
                f"list the options: {ov.key_or_group}=a,b"
            )
        ov.config_loader = _GroupOptions(dirs or _conf_dirs)  # what Hydra's sweeper sets before it expands one
    return parsed


@functools.lru_cache(maxsize=4096)  # the jobs of a sweep repeat the same overrides
def _parse_one(override: str) -> tuple[Any, ...]:
    from hydra.core.override_parser.overrides_parser import OverridesParser

    return tuple(OverridesParser.create().parse_overrides([override]))


class _GroupOptions:
    """What Hydra's ``glob()`` sweep asks of its config loader: a config group's options, sorted (none
    for a key that is not a group), so that a glob expands here as Hydra's sweeper will expand it."""

    def __init__(self, dirs: Callable[[], Sequence[Path]]):
        self.dirs = dirs

    def get_group_options(self, group: str, results_filter: Any = None, **_: Any) -> list[str]:
        """The config files (``*.yaml``, as Hydra 1.3 reads them) of ``group`` in the config folders."""
        names = {
            p.stem
            for d in self.dirs()
            if kind(Path(d) / group) == "folder"
            for p in (Path(d) / group).iterdir()
            if p.suffix == ".yaml" and not p.name.startswith(".") and p.is_file()
        }
        return sorted(names)


def _sweep_strings(ov: Any) -> list[str]:
    """The values of a sweep override as text; :class:`UsageError` for a ``glob()`` that matches nothing
    (Hydra would launch no job, or fail on a key that is not a config group)."""
    out = list(ov.sweep_string_iterator())
    if not out:
        raise UsageError(
            f"{shown_override(ov.input_line)} matches no option; glob() chooses among the files of a config "
            "group (scenario=glob(sept*), +experiment=glob(*))"
        )
    return out


def shown_override(text: str) -> str:
    """An override as a message shows it: its key, and its value as :func:`sim.common.messages.shown` cuts it."""
    key, sep, value = str(text).partition("=")
    return f"{shown(key, 80)}{sep}{shown(value)}" if sep else shown(text, 80)


def values(ov: Any) -> list[str]:
    """The values an override gives, as text: one, those of a sweep, or none (``key=``, ``~key``)."""
    if ov.is_sweep_override():
        return _sweep_strings(ov)
    if ov.value() is None:
        return []
    return [ov.get_value_element_as_str()]


def set_key(text: str, groups: Sequence[str] = ()) -> str | None:
    """The key of the config an override sets, or None: Hydra's settings, a config group (one of
    ``groups``, or any key with a ``/``), a deletion, or text that does not parse (reported where it
    is checked)."""
    try:
        parsed = _parse_one(text)
    except Exception:  # noqa: BLE001 -- a syntax error is reported by the command's check
        return None
    for ov in parsed:
        if ov.is_hydra_override() or ov.is_delete():
            continue
        key = ov.key_or_group
        if key in groups or "/" in key:
            continue
        return key
    return None


def sweep_jobs(parsed: Sequence[Any]) -> list[list[str]]:
    """The overrides of each job of a sweep, as Hydra's basic sweeper builds them: the cartesian
    product of one axis per key in the order of first appearance, a later override of a key
    replacing an earlier one in its place. Raises :class:`UsageError` on a sweep that is not a list
    of values (an interval needs an optimizing sweeper)."""
    axes: dict[str, list[str]] = {}
    for ov in parsed:
        key = ov.get_key_element()
        if ov.is_sweep_override() and not ov.is_discrete_sweep():
            raise UsageError(f"{ov.input_line}: the basic sweeper takes a list of values or a range")
        axes[key] = (
            [f"{key}={v}" for v in _sweep_strings(ov)]
            if ov.is_sweep_override()
            else [f"{key}={ov.get_value_element_as_str()}"]
        )
    return [list(job) for job in itertools.product(*axes.values())]


# --- config groups and composition ---------------------------------------------------------------


def _search_path(dirs: Sequence[Path]) -> list[str]:
    if not dirs:
        return []
    return [f"hydra.searchpath=[{','.join(repr('file://' + str(d)) for d in dirs)}]"]


@contextmanager
def composer(schema: Schema, config_name: str, explained: bool = True) -> Iterator[Callable[[Sequence[str]], Any]]:
    """``with composer(schema, name) as compose:`` ``compose(overrides)`` is the config, with its
    ``hydra`` node, that a job with these overrides runs with (Hydra's compose API, in the schema's
    config folders). A failure is one :class:`UsageError` line (:func:`explain`), or with
    ``explained=False`` Hydra's or OmegaConf's own exception."""
    from hydra import compose, initialize_config_dir

    first, *more = schema.dirs()
    search = _search_path(more)

    def _compose(overrides: Sequence[str]) -> Any:
        if explained:
            schema.check_overrides(overrides)
        try:
            return compose(config_name=config_name, overrides=[*overrides, *search], return_hydra_config=True)
        except Exception as e:
            if not explained:
                raise
            raise UsageError(explain(e, [*overrides], schema)) from None

    with initialize_config_dir(config_dir=str(first), version_base="1.3", job_name=schema.tool):
        yield _compose


def compose_sweep(schema: Schema, config_name: str, overrides: Sequence[str], cfg_type: str) -> Any:
    """The config a sweep runs with (what its multirun.yaml records: the sweeper, the launcher, the
    overrides with their sweeps), as ``--cfg job|hydra|all`` shows it; Hydra's own ``--cfg`` refuses
    ``-m``. Composes in multirun mode through the Hydra object the compose API holds, and makes the
    result the process's HydraConfig, which ``${hydra:...}`` resolves against (``--resolve``)."""
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode
    from omegaconf import OmegaConf

    first, *more = schema.dirs()
    overrides = [*overrides, *_search_path(more)]
    with initialize_config_dir(config_dir=str(first), version_base="1.3", job_name=schema.tool):
        app = GlobalHydra.instance().hydra
        try:
            cfg = app.compose_config(
                config_name=config_name, overrides=overrides, run_mode=RunMode.MULTIRUN, with_log_configuration=False
            )
        except Exception as e:
            raise UsageError(explain(e, overrides, schema)) from None
        HydraConfig.instance().set_config(cfg)
        OmegaConf.set_readonly(cfg.hydra, None)
        return app.get_sanitized_cfg(cfg, cfg_type)


def apply_overrides(cfg: Any, overrides: Sequence[Any]) -> None:
    """Apply parsed ``key=value`` / ``+key=value`` / ``++key=value`` overrides to ``cfg`` in place,
    with the very function a composition applies them with (so the result and any error are those of
    the full composition)."""
    from hydra._internal.config_loader_impl import ConfigLoaderImpl

    ConfigLoaderImpl._apply_overrides_to_config(list(overrides), cfg)


@contextmanager
def skip_batch_check(still_check: Callable[[list[list[str]]], list[list[str]]]) -> Iterator[None]:
    """While in this block, Hydra's basic sweeper composes again, before launching a batch, only the
    jobs ``still_check(batch)`` returns (its ``validate_batch_is_legal`` composes every job, one full
    composition each, in this process). For the command that has already checked its jobs."""
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper

    original = BasicSweeper.validate_batch_is_legal

    def validate_batch_is_legal(self: Any, batch: Sequence[Sequence[str]]) -> None:
        rest = still_check([list(job) for job in batch])
        if rest:
            original(self, rest)

    BasicSweeper.validate_batch_is_legal = validate_batch_is_legal  # type: ignore[method-assign]
    try:
        yield
    finally:
        BasicSweeper.validate_batch_is_legal = original  # type: ignore[method-assign]


def without_hydra(cfg: Any) -> tuple[Any, dict[str, Any]]:
    """(a copy of ``cfg`` without its ``hydra`` node, the job's ``hydra.runtime.choices``)."""
    import copy

    from omegaconf import OmegaConf, open_dict

    choices = OmegaConf.to_container(OmegaConf.select(cfg, "hydra.runtime.choices", default={}) or {})
    app = copy.deepcopy(cfg)
    with open_dict(app):
        del app["hydra"]
    return app, dict(choices)  # type: ignore[arg-type]


class JobComposer:
    """The config of each job of a command line, as ``compose(job)`` of :func:`composer` gives it, at a
    fraction of the cost for the many jobs of a sweep.

    Hydra composes a config in two parts: the defaults list (the config groups chosen, Hydra's own
    among them) is merged into a config, then the overrides of values are applied to it one by one
    (:func:`apply_overrides`). The first part is the costly one and the same for every job that
    chooses the same groups and Hydra settings: it is composed once per distinct choice
    (:meth:`base`), and each job's values are applied to a copy of it -- so a job's config, and any
    error, are those of its full composition. A job with an override this cannot split (a deletion,
    a package, a dict given to a group) is composed in full. The configs come without their
    ``hydra`` node, with the job's ``hydra.runtime.choices`` beside them."""

    def __init__(self, compose: Callable[[Sequence[str]], Any], schema: Schema):
        self.compose = compose
        self.schema = schema
        self._bases: dict[tuple[str, ...], tuple[bytes, dict[str, Any]] | None] = {}

    def __call__(self, job: Sequence[str]) -> tuple[Any, dict[str, Any]]:
        """The job's config (without ``hydra``; the caller's own copy) and its
        ``hydra.runtime.choices``; a failure is one UsageError line, the same as :func:`composer`'s
        for this job."""
        import pickle

        self.schema.check_overrides(job)
        split = self._split(job)
        base = None if split is None else self.base(split[0])
        if base is None:
            return without_hydra(self.compose(job))
        blob, choices = base
        cfg = pickle.loads(blob)  # a copy of the base (our own bytes), cheaper than copy.deepcopy
        if not split[1]:
            return cfg, dict(choices)
        try:
            apply_overrides(cfg, split[1])
        except Exception as e:
            raise UsageError(explain(e, [*job], self.schema)) from None
        return cfg, dict(choices)

    def base(self, base_key: tuple[str, ...]) -> tuple[bytes, dict[str, Any]] | None:
        """The config composed with only the group choices and Hydra settings ``base_key`` (once;
        pickled, to be copied), or None if that fails: the jobs are then composed in full, to report
        their own failure."""
        import pickle

        if base_key not in self._bases:
            try:
                app, choices = without_hydra(self.compose(list(base_key)))
                self._bases[base_key] = (pickle.dumps(app, protocol=pickle.HIGHEST_PROTOCOL), choices)
            except UsageError:
                self._bases[base_key] = None
        return self._bases[base_key]

    def _split(self, job: Sequence[str]) -> tuple[tuple[str, ...], list[Any]] | None:
        """(the overrides that choose config groups or set Hydra, in order; the overrides of values),
        or None when the job must be composed in full."""
        base: list[str] = []
        values_: list[Any] = []
        for text, ov in zip(job, parse_overrides(job)):
            if ov.is_hydra_override():  # hydra.* and hydra/...: Hydra's node, not the job's values
                base.append(text)
            elif self.schema.is_group(ov.key_or_group):
                if ov.is_delete() or ov.is_force_add() or isinstance(ov.value(), dict):
                    return None
                base.append(text)
            elif ov.is_delete() or ov.package is not None:
                return None
            else:
                values_.append(ov)
        return tuple(base), values_


# --- YAML as OmegaConf reads it ------------------------------------------------------------------


def yaml_loader() -> type:
    """The PyYAML loader class OmegaConf reads config files with (a SafeLoader with YAML 1.2 floats,
    ``1e3`` among them, and duplicate keys refused)."""
    from omegaconf._utils import get_yaml_loader

    return get_yaml_loader()


# --- one line for a failure ----------------------------------------------------------------------


def _conf_dirs() -> list[Path]:
    from sim.common.resources import CONF_DIR

    return [CONF_DIR]


@dataclass(frozen=True)
class Schema:
    """What a command's messages say about its config: its name, its root dataclass (the allowed
    keys, walked field by field), its config folders and groups (each with the noun for one of its
    options). Two messages may be worded the command's own way (``no_option_text``,
    ``wrong_type_text``)."""

    tool: str
    root: type
    groups: Mapping[str, str] = field(default_factory=dict)  # group -> "a scenario"
    dirs: Callable[[], Sequence[Path]] = _conf_dirs  # where its config files are: conf/ first
    group_usage: str = ""  # how a config group is chosen, for "is not a config group"
    added_groups: tuple[str, ...] = ()  # groups chosen with a plus (+experiment=NAME): none is chosen by default
    errors: tuple[type, ...] = ()  # the command's own one-line errors, shown as they are
    no_option_text: str = "{group}={name} is not {noun}"
    wrong_type_text: str = "{key}={value} has the wrong type; allowed: {allowed}"

    def options(self, group: str) -> list[str]:
        """The options of a config group: the config files in its folders (sorted)."""
        names: set[str] = set()
        for root in self.dirs():
            if kind(root / group) == "folder":
                files = (root / group).iterdir()
                names |= {p.stem for p in files if p.suffix in (".yaml", ".yml") and not p.name.startswith(".")}
        return sorted(names)

    def is_group(self, key: str) -> bool:
        """Whether Hydra reads ``key=...`` as the choice of a config group (a folder of config files,
        or a group in Hydra's ConfigStore); leaning to yes."""
        from hydra.core.config_store import ConfigStore

        if "/" in key or key == "hydra":
            return True
        if any(kind(root / key) == "folder" for root in self.dirs()):
            return True
        return isinstance(ConfigStore.instance().repo.get(key), dict)

    def check_overrides(self, overrides: Sequence[str]) -> None:
        """Raise :class:`UsageError` for an override that Hydra would compose but the command could not
        honour, naming it: a key the schema does not have added with a plus (the command would run with
        it unread; keys under a mapping, a ``dict`` field, may be added), a key of the schema removed
        with ``~`` (every config has it: the schema's default would replace the config file's value
        unseen), a config group the command does not have, a group's option that is not a name, a
        ``true``/``false`` setting given anything else (OmegaConf reads ``publish=2`` as true), and a sweep
        (``a=1,2``: one composition is one job's)."""
        for ov in parse_overrides(overrides, self.dirs):
            key = ov.key_or_group
            parts = key.split(".")
            t, walked = self.node(parts)
            known = len(walked) == len(parts)
            if ov.is_sweep_override():  # a composition is one job's (a sweep's jobs are composed one by one)
                raise UsageError(
                    f"{shown_override(ov.input_line)} is a sweep; a config is composed for one job: give one value, "
                    "or a list as key=[a,b]"
                )
            if ov.is_hydra_override():
                if "/" in key:
                    self._check_choice(ov)
                elif (ov.is_add() or ov.is_force_add()) and not hydra_key_known(parts[1:]):
                    raise UsageError(
                        f"{shown_override(ov.input_line)}: Hydra has no setting {shown(key)}, so it would go unread; "
                        f"{self.tool} --hydra-help lists Hydra's settings"
                    )
            elif (found := unrepeatable_resolver(_given(ov))) is not None:
                resolver, text = found
                raise UsageError(
                    f"{shown(key)}={shown(text)}: a value from ${{{resolver}:...}} ({UNREPEATABLE[resolver]}) "
                    "would make the same command give another result; give the value itself"
                )
            elif key in self.groups or "/" in key or (not known and self.is_group(key)):
                self._check_choice(ov)
            elif ov.is_delete():
                self._check_deletion(key, known)
            elif not known:  # under a list, an item is named by its index, with a plus or without
                if (ov.is_add() or ov.is_force_add()) and not _is_mapping(t) or typing.get_origin(t) in (list, tuple):
                    raise UsageError(self.unknown_key(key) or f"unknown key '{shown(key)}'")
            elif t is bool:
                bad = next((v for v in _given(ov) if not isinstance(v, bool)), _NONE)
                if bad is not _NONE:
                    raise UsageError(self.wrong_type(key, shown(_text(ov, bad)), type_name(bool)))

    def _check_choice(self, ov: Any) -> None:
        """An override of a config group: a group of the command, chosen with the right prefix, and its
        option a name (or a list of names)."""
        group = ov.key_or_group
        hydra_group = group.startswith("hydra/")
        if not hydra_group and group not in self.groups:
            usage = f"allowed: {self.group_usage}" if self.group_usage else f"{self.tool} has none"
            raise UsageError(f"{shown(group)} is not a config group of {self.tool}; {usage}")
        if ov.is_delete() and not hydra_group and group not in self.added_groups:
            options = ", ".join(self.options(group))
            raise UsageError(f"~{group}: {self.groups[group]} is required; allowed: {options}")
        if ov.is_add() and not hydra_group and group not in self.added_groups:
            value = shown(ov.get_value_element_as_str())
            raise UsageError(f"+{group}={value}: {self.groups[group]} is chosen without a plus: {group}={value}")
        names = [x for v in _given(ov) for x in (v if isinstance(v, list) else [v])]  # [a,b]: several
        if ov.is_delete() and names == [None]:  # ~group: no option named
            return
        bad = next((v for v in names if not isinstance(v, str) or "${" in v), _NONE)  # a name, not a ${...}
        if bad is not _NONE and hydra_group:
            raise UsageError(
                f"{group}={shown(_text(ov, bad))}: an option of a config group is a name; "
                f"{self.tool} --hydra-help lists them"
            )
        if not hydra_group:  # each a file of the group ([a,b] merges several; [] chooses none)
            options = self.options(group)
            bad = next((v for v in names if v not in options), bad)
            if not names and group not in self.added_groups:
                raise UsageError(f"{group}=[]: {self.groups[group]} is required; allowed: {', '.join(options)}")
        if bad is not _NONE:
            raise UsageError(self.no_option(group, _text(ov, bad), self.options(group)))

    def _check_deletion(self, key: str, known: bool) -> None:
        """``~key``: allowed for an item of a mapping only (a list is given whole)."""
        parts = key.split(".")
        parent, _ = self.node(parts[:-1])
        if _is_mapping(parent) or not known:
            return
        if typing.get_origin(parent) in (list, tuple):
            whole = ".".join(parts[:-1])
            raise UsageError(f"~{shown(key)}: a list is given whole; allowed: {whole}=[...] without the item")
        raise UsageError(
            f"~{key}: every {self.tool} config has {key}, which cannot be removed; allowed: {key}=VALUE, "
            f"{type_name(self.node(parts)[0])}"
        )

    def no_option(self, group: str, name: str, options: Sequence[str]) -> str:
        """``group=name`` chose no config file of the group."""
        noun = self.groups.get(group, f"an option of {group}")
        line = self.no_option_text.format(group=group, name=shown(name), noun=noun)
        return line + (f"; allowed: {', '.join(options)}" if options else "")

    def wrong_type(self, key: str, value: Any, allowed: str) -> str:
        """``key=value`` has a value of the wrong type; ``allowed`` says which type."""
        return self.wrong_type_text.format(key=key, value=shown(value), allowed=allowed)

    def node(self, path: Sequence[str]) -> tuple[Any, list[str]]:
        """Walk the schema along ``path``; return (type at the end, path walked so far), stopping at
        the first component that is not a field (and returning its parent's type)."""
        t: Any = self.root
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

    def unknown_key(self, key: str) -> str | None:
        """``unknown key 'foo'; allowed keys: ...`` if ``key`` is not in the schema, else None."""
        parts = key.split(".")
        if parts[0] == "hydra":
            return f"unknown key '{key}'; Hydra's settings are listed by: {self.tool} --cfg hydra"
        t, walked = self.node(parts)
        if len(walked) == len(parts):
            return None
        bad = ".".join(parts[: len(walked) + 1])
        if typing.get_origin(t) is dict or t is dict:
            where = ".".join(walked)
            return f"{bad}: new keys under {where} are added with a plus: +{bad}=VALUE"
        if typing.get_origin(t) in (list, tuple):
            where = ".".join(walked)
            return (
                f"{shown(key, 80)}: {where} is a list; an item is named by its index ({where}.0), or the list is "
                f"given whole: {where}=[...]"
            )
        keys = fields(t)
        where = f" under '{'.'.join(walked)}'" if walked else ""
        if keys:
            return f"unknown key '{bad}'; allowed keys{where}: {', '.join(keys)}"
        return f"unknown key '{bad}'; '{'.'.join(walked)}' has no sub-keys"

    def wrong_type_message(self, key: str, value: Any) -> str:
        """One line for ``key=value`` whose value the schema refuses (or whose key it does not have)."""
        t, walked = self.node(key.split("."))
        if len(walked) != len(key.split(".")):
            return self.unknown_key(key) or f"{key}={value} has the wrong type"
        return self.wrong_type(key, value, type_name(t))


_NONE = object()  # no value found (None is a value: null)


def _is_mapping(t: Any) -> bool:
    return typing.get_origin(t) is dict or t is dict


UNREPEATABLE = {
    "now": "the clock",
    "oc.env": "the environment",
    "ceasefire_pid": "the process id",
}
"""Resolvers whose value changes from one run of the same command to the next: a setting of a job that
used one would not be reproducible from its command line and seed (Hydra's own settings may: run folders
named by the time are what ``hydra.run.dir`` is for)."""

_RESOLVER = re.compile(r"(?<!\\)\$\{\s*([A-Za-z_][\w.]*)\s*:")  # not an escaped \${...}: a literal


def unrepeatable_resolver(values: Any) -> tuple[str, str] | None:
    """The first :data:`UNREPEATABLE` resolver that the texts in ``values`` (nested lists and mappings
    too) interpolate, and the text, or None."""
    if isinstance(values, str):
        return next(((m, values) for m in _RESOLVER.findall(values) if m in UNREPEATABLE), None)
    items = values.values() if isinstance(values, Mapping) else values if isinstance(values, list | tuple) else ()
    return next((r for v in items if (r := unrepeatable_resolver(v)) is not None), None)


def hydra_key_known(parts: Sequence[str]) -> bool:
    """True if ``hydra.<parts>`` is one of Hydra's settings, or lies under a mapping of them (a launcher's
    or sweeper's parameters, ``job.env_set``), by the fields of Hydra's config dataclass."""
    from hydra.conf import HydraConf

    t: Any = HydraConf
    for part in parts:
        if not dataclasses.is_dataclass(t):
            return True
        if part not in {f.name for f in dataclasses.fields(t)}:
            return False
        t = typing.get_type_hints(t)[part]
        if typing.get_origin(t) is typing.Union:
            args = [a for a in typing.get_args(t) if a is not type(None)]
            t = args[0] if len(args) == 1 else Any
    return True


def _is_glob(ov: Any) -> bool:
    """True for a ``glob()`` sweep, which expands over a config group's files (:class:`_GroupOptions`)."""
    from hydra.core.override_parser.types import ValueType

    return ov.value_type == ValueType.GLOB_CHOICE_SWEEP


def _given(ov: Any) -> list[Any]:
    """The values an override gives, as Hydra parsed them: each of a sweep, or the one."""
    return (
        (_sweep_strings(ov) if _is_glob(ov) else list(ov.sweep_iterator())) if ov.is_discrete_sweep() else [ov.value()]
    )


def _text(ov: Any, value: Any) -> str:
    """How the user wrote ``value``, a value the override ``ov`` gives."""
    if not ov.is_sweep_override():
        written = (ov.input_line or "").partition("=")
        return written[2] if written[1] else ov.get_value_element_as_str()
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    return str(value)


def fields(t: Any) -> list[str]:
    """Field names of a schema node (a dataclass), in declaration order."""
    if dataclasses.is_dataclass(t):
        return [f.name for f in dataclasses.fields(t)]
    return []


def type_name(t: Any) -> str:
    """How to write a value of type ``t`` on the command line."""
    names = {bool: "true or false", int: "an integer", float: "a number", str: "a string"}
    if t in names:
        return names[t]
    origin = typing.get_origin(t)
    if origin in (list, tuple):
        args = typing.get_args(t)
        inner = args[0] if args else Any
        if inner is str:
            return "a list of strings, e.g. [a,b] or []"
        if dataclasses.is_dataclass(inner):
            return f"a list of {inner.__name__} entries ({', '.join(fields(inner))})"
        return "a list"
    if dataclasses.is_dataclass(t):
        return f"a group of keys ({', '.join(fields(t))})"
    if origin is dict or t is dict:
        return "a mapping of keys to values, e.g. {key: value}"
    return str(t)


def explain(exc: BaseException, overrides: Sequence[str], schema: Schema) -> str:
    """One line, without the ``error:`` prefix, for a failure to compose a config or to convert it
    to the command's dataclass, told by the types of the exceptions in its chain (and their
    ``full_key``, ``value``, ``missing_cfg_file`` and ``options`` fields), never by their text. A
    long value of an override that the line quotes (Hydra's and OmegaConf's words do) is cut."""
    line = _explain(exc, overrides, schema)
    for o in overrides:
        value = str(o).partition("=")[2]
        if len(value) > 40 and value in line:
            line = line.replace(value, shown(value))
    return line


def _explain(exc: BaseException, overrides: Sequence[str], schema: Schema) -> str:
    from hydra.errors import ConfigCompositionException, MissingConfigException, OverrideParseException
    from omegaconf.errors import (
        ConfigAttributeError,
        ConfigKeyError,
        MissingMandatoryValue,
        OmegaConfBaseException,
        ValidationError,
    )

    chain = _chain(exc)
    if any(isinstance(e, OverflowError) for e in chain):
        return _too_large(chain, overrides)
    missing = _missing_item(chain, overrides)
    if missing:
        return missing
    for e in chain:
        if isinstance(e, (UsageError, *schema.errors)):
            return str(e)
        if isinstance(e, OverrideParseException):
            return f"{_first_line(str(e))}; see {GRAMMAR_URL}"
        if isinstance(e, MissingConfigException):
            return _missing_config(e, schema)
        if isinstance(e, MissingMandatoryValue):
            key = _full_key(e) or "a value"
            if key in schema.groups:
                return f"no {key} selected; allowed: {', '.join(schema.options(key))}"
            return f"{key} is not set"
        if isinstance(e, (ConfigKeyError, ConfigAttributeError)):
            key = _full_key(e)
            msg = schema.unknown_key(key) if key else None
            if msg:
                return msg
        if isinstance(e, ValidationError):
            key = _full_key(e)
            if key:
                value = _override_value(overrides, key)
                return schema.wrong_type_message(key, getattr(e, "value", None) if value is None else value)
        if isinstance(e, OmegaConfBaseException) and getattr(e, "msg", None):
            line, key = _first_line(e.msg), _full_key(e)
            return f"{key}: {line}" if key and key not in line else line
    if isinstance(exc, ConfigCompositionException) and len(chain) == 1:
        group = _group_override(overrides, schema)
        if group is not None:  # an override of a config group that the defaults list does not choose
            usage = f"allowed: {schema.group_usage}" if schema.group_usage else f"{schema.tool} has none"
            return f"{group} is not a config group of {schema.tool}; {usage}"
    return shown(_first_line(str(exc)), 300)  # Hydra's own words, which may quote an override whole


def _chain(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    e: BaseException | None = exc
    while e is not None and e not in chain:
        chain.append(e)
        e = e.__cause__ or e.__context__
    return chain


def _missing_config(e: Any, schema: Schema) -> str:
    """An option of a config group (or the primary config) that no file holds."""
    missing = e.missing_cfg_file or ""
    if "/" in missing:
        group, name = missing.rsplit("/", 1)
        return schema.no_option(group, name, list(e.options or []))
    return _first_line(str(e))


def _group_override(overrides: Sequence[str], schema: Schema) -> str | None:
    for text in overrides:
        try:
            parsed = _parse_one(text)
        except Exception:  # noqa: BLE001 -- not this one
            continue
        for ov in parsed:
            group = ov.key_or_group
            if ov.is_add() or ov.is_force_add() or ov.is_delete():
                continue
            if group in schema.groups and group not in schema.added_groups:  # chosen as it should be
                continue
            if not ov.is_hydra_override() and schema.is_group(group):
                return ov.get_key_element()
    return None


def _too_large(chain: list[BaseException], overrides: Sequence[str]) -> str:
    """A number no float can hold: the key, from the exception or else from the override."""
    key = next((_full_key(e) for e in chain if _full_key(e)), "")
    value = _override_value(overrides, key) if key else None
    if not key:
        for o in overrides:
            k, sep, v = str(o).lstrip("+~").partition("=")
            if sep and _int_too_large(v):
                key, value = k, v
                break
    if not key:
        return "a number is too large for a float; allowed: finite numbers up to 1.8e308"
    return f"{key}={shown(value)} is too large for a number; allowed: a finite number up to 1.8e308"


def _missing_item(chain: list[BaseException], overrides: Sequence[str]) -> str | None:
    """An override that reaches past the end of a list (``mediation.mediators.7.leverage=1`` with four
    mediators): OmegaConf says so, or creates an empty item that has the wrong type."""
    from omegaconf.errors import ConfigIndexError, ValidationError

    keys = [o.lstrip("+~").partition("=")[0].split("@")[0] for o in overrides]
    for e in chain:
        key = _full_key(e)
        whole, _, index = key.rpartition(".")
        if not index.isdigit():
            continue
        through = any(k.startswith(f"{key}.") for k in keys)  # the item was made on the way to a key in it
        if isinstance(e, ConfigIndexError) or (isinstance(e, ValidationError) and through and e.value == {}):
            return f"{key}: {whole} has no item {index}; allowed: an item it has (from 0), or a new list {whole}=[...]"
    return None


def _int_too_large(text: str) -> bool:
    try:
        float(int(text))
    except ValueError:
        return False
    except OverflowError:
        return True
    return False


def _full_key(e: BaseException) -> str:
    key = str(getattr(e, "full_key", None) or "")
    # OmegaConf writes list items as mediators[0]; the command line writes mediators.0
    return key.replace("[", ".").replace("]", "")


def _override_value(overrides: Sequence[str], key: str) -> str | None:
    for o in reversed(list(overrides)):
        k, sep, v = o.lstrip("+~").partition("=")
        if sep and k.split("@")[0] == key:
            return v
    return None


def _first_line(text: str) -> str:
    return next((line.strip() for line in str(text).splitlines() if line.strip()), "invalid configuration")
