"""Reading YAML files strictly: every problem is one line that names the file.

PyYAML and OmegaConf accept things that give silently wrong answers or crash with a traceback that
names no file: a repeated key (the last value wins), a number too large for a float (``1.0e400``
becomes ``inf``; a 400-digit integer overflows later), binary or non-UTF-8 content, and deeply
nested input (a ``RecursionError`` inside the composer). :func:`load` reads a file with all of
these checked first and raises :class:`YamlFileError` whose ``problem`` is one line (without the
file name; :func:`check_file` adds it).

Nesting is measured on PyYAML's event stream (its parser is iterative), before anything is
composed, so pathological input cannot exhaust the stack.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

import yaml

MAX_DEPTH = 64  # nesting of mappings and lists; the project's files use < 10
MAX_BYTES = 16 * 1024 * 1024  # a YAML file of the project is a few kB
MAX_INT = 2**63 - 1  # larger integers are refused (no setting or count needs them)


class YamlFileError(ValueError):
    """A YAML file that cannot be used; ``str()`` is ``<file>: <problem>``."""

    def __init__(self, label: str, problem: str, key: str | None = None):
        self.label, self.problem, self.key = label, problem, key
        super().__init__(f"{label}: {problem}")


def _strict_loader(base: type) -> type:
    """A loader class on top of ``base`` that refuses repeated keys in any mapping."""

    class Strict(base):  # type: ignore[misc, valid-type]
        def construct_mapping(self, node, deep=False):  # noqa: D401 -- PyYAML's hook
            if isinstance(node, yaml.MappingNode):
                seen: dict[Any, Any] = {}
                for key_node, _ in node.value:
                    if key_node.tag == "tag:yaml.org,2002:merge":
                        continue
                    try:
                        key = self.construct_object(key_node, deep=True)
                        hash(key)
                    except TypeError:
                        continue  # an unhashable key: the base loader reports it
                    if key in seen:
                        raise yaml.constructor.ConstructorError(
                            None,
                            None,
                            f"repeated key {key!r} (first at line {seen[key].line + 1}); "
                            "each key may appear once in a mapping",
                            key_node.start_mark,
                        )
                    seen[key] = key_node.start_mark
            return super().construct_mapping(node, deep=deep)

    return Strict


_LOADERS: dict[str, type] = {}


def _loader(kind: str) -> type:
    if kind not in _LOADERS:
        if kind == "omegaconf":
            from sim.common.hydraconf import yaml_loader

            _LOADERS[kind] = _strict_loader(yaml_loader())
        else:
            _LOADERS[kind] = _strict_loader(yaml.SafeLoader)
    return _LOADERS[kind]


def label(path: Path | str) -> str:
    """``path`` relative to the working directory when inside it (as shown in messages)."""
    path = Path(path)
    try:
        return str(path.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def read_text(path: Path | str, name: str | None = None) -> str:
    """The file's text; binary, non-UTF-8, oversized or unreadable files raise :class:`YamlFileError`."""
    path = Path(path)
    name = name or label(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise YamlFileError(name, f"{size} bytes; allowed: a YAML file of at most {MAX_BYTES} bytes")
        data = path.read_bytes()
    except IsADirectoryError:
        raise YamlFileError(name, "is a folder; expected a YAML file") from None
    except FileNotFoundError:
        raise YamlFileError(name, "file not found") from None
    except OSError as e:
        raise YamlFileError(name, f"cannot be read ({e.strerror or e}); expected a readable YAML file") from None
    if b"\x00" in data:
        raise YamlFileError(name, "binary content (a NUL byte); expected a YAML text file (UTF-8)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise YamlFileError(
            name, f"not UTF-8 text (byte 0x{data[e.start]:02x} at offset {e.start}); expected a YAML text file (UTF-8)"
        ) from None


def _where(mark: Any) -> str:
    return f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""


def check_depth(text: str, name: str, max_depth: int = MAX_DEPTH) -> None:
    """Refuse YAML nested deeper than ``max_depth`` (checked on the event stream, no recursion)."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > max_depth:
                    raise YamlFileError(
                        name,
                        f"nested more than {max_depth} levels deep"
                        f"{_where(event.start_mark)}; allowed: at most {max_depth} levels",
                    )
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
            elif isinstance(event, yaml.AliasEvent):
                pass
    except yaml.YAMLError as exc:
        raise YamlFileError(name, _yaml_problem(exc)) from None


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if problem.startswith("repeated key"):
        return f"{problem}{_where(mark)}"
    return f"malformed YAML{_where(mark)}: {problem}; expected valid YAML"


def check_numbers(data: Any, name: str) -> None:
    """Refuse numbers no float can hold (``1.0e400`` read as inf, NaN, integers beyond 2**63 - 1)."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            stack.extend((f"{path}.{k}" if path else str(k), v) for k, v in reversed(list(value.items())))
        elif isinstance(value, (list, tuple)):
            stack.extend((f"{path}[{i}]", v) for i, v in reversed(list(enumerate(value))))
        elif isinstance(value, bool):
            continue
        elif isinstance(value, int) and abs(value) > MAX_INT:
            digits = len(str(abs(value)))
            raise YamlFileError(
                name,
                f"{path or 'value'}: a {digits}-digit integer is too large; allowed: integers up to {MAX_INT}",
                key=path,
            )
        elif isinstance(value, float) and not math.isfinite(value):
            raise YamlFileError(
                name,
                f"{path or 'value'}: {value} is not a finite number (too large for a "
                f"float, or .inf/.nan); allowed: finite numbers up to "
                f"{sys.float_info.max:.3g}",
                key=path,
            )


def loads(text: str, name: str, kind: str = "safe") -> Any:
    """Parse YAML ``text`` strictly (``kind``: ``safe`` = PyYAML's SafeLoader, ``omegaconf`` = the
    loader Hydra's config files are read with)."""
    check_depth(text, name)
    try:
        data = yaml.load(text, Loader=_loader(kind))  # noqa: S506 -- a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise YamlFileError(name, _yaml_problem(exc)) from None
    except RecursionError:  # cannot happen after check_depth, but never a traceback
        raise YamlFileError(name, f"nested too deeply; allowed: at most {MAX_DEPTH} levels") from None
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. an impossible date such as 2022-13-40
        raise YamlFileError(name, f"unreadable value: {exc}; expected valid YAML") from None
    check_numbers(data, name)
    return data


def load(path: Path | str, kind: str = "safe", name: str | None = None) -> Any:
    """Read and parse a YAML file strictly; raise :class:`YamlFileError` (one line, naming it)."""
    name = name or label(path)
    return loads(read_text(path, name), name, kind)


def check_file(path: Path | str, kind: str = "omegaconf") -> None:
    """Raise :class:`YamlFileError` if the YAML file at ``path`` is unusable."""
    load(path, kind)
