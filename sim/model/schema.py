"""The machinery behind the parameter declarations of :mod:`sim.model.params`: fields with metadata,
one validator, building from dicts, and the rows of the parameter table.

A field declared with :func:`param` carries its ``unit``, ``source`` and allowed range (``lo``, ``hi``,
``lo_open``) or ``choices`` as metadata; :func:`param_list` declares a list of parameter dataclasses.
A dataclass may define ``check(prefix, sectors)`` for rules across its fields; :func:`validate` calls it
after the fields.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import sys
import typing
from dataclasses import field
from typing import Any

FRACTION = {"lo": 0.0, "hi": 1.0}  # param(..., **FRACTION): in [0, 1]
POSITIVE = {"lo": 0.0, "lo_open": True}  # param(..., **POSITIVE): > 0


class ParameterError(ValueError):
    """A parameter value outside its allowed range or of the wrong kind (one-line message)."""


def param(
    default: Any,
    unit: str,
    source: str,
    lo: float | None = None,
    hi: float | None = None,
    lo_open: bool = False,
    choices: tuple | None = None,
    retired: dict[str, str] | None = None,
):
    """A dataclass field with its unit, source and allowed range (or ``choices``) as metadata;
    ``retired``: former choices, each with the reason the error message gives."""
    meta = {"unit": unit, "source": source, "lo": lo, "hi": hi, "lo_open": lo_open, "choices": choices}
    meta["retired"] = retired or {}
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda d=default: type(d)(d), metadata=meta)
    return field(default=default, metadata=meta)


def param_list(factory: Any, unit: str, source: str, sources: dict[str, str] | None = None):
    """A field holding a list of parameter dataclasses (``list[SomeParams]``): validated item by item,
    built from a list of dicts, and one table row per item field, named by the item's ``name``
    (``mediation.mediators.Russia.leverage``). ``sources``: the source column per item name (other
    names: "scenario choice"); without it each row shows its field's own source."""
    meta = {"unit": unit, "source": source, "lo": None, "hi": None, "lo_open": False, "choices": None}
    meta["sources"] = sources
    return field(default_factory=factory, metadata=meta)


# --- validation ------------------------------------------------------------------------------------

_LARGEST = sys.float_info.max  # a bound "none": every finite number is within it, inf and nan are not


@functools.cache
def _layout(cls: type) -> tuple[tuple, tuple]:
    """The fields of ``cls``, once per class: (checked values, lists and nested groups), each in
    declaration order. A checked value is (name, choices, lo, hi, lo_open, metadata), a missing bound
    the largest float; a list or group is (name, item class of a list, nested class)."""
    items = _item_classes(cls)
    leaves, groups = [], []
    for f in dataclasses.fields(cls):
        item, group = items.get(f.name), _field_class(cls, f.name)
        m = f.metadata
        if item is not None or group is not None:
            groups.append((f.name, item, group))
        elif m and (m.get("choices") is not None or m.get("lo") is not None or m.get("hi") is not None):
            lo, hi = m.get("lo"), m.get("hi")
            bounds = (-_LARGEST if lo is None else lo, _LARGEST if hi is None else hi)
            leaves.append((f.name, m.get("choices"), *bounds, bool(m.get("lo_open")), m))
    return tuple(leaves), tuple(groups)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def validate(params: Any, prefix: str = "", sectors: tuple[str, ...] | None = None) -> None:
    """Raise :class:`ParameterError` naming the first parameter outside its allowed range.

    ``sectors``, if given, are the known sector ids (for the dataclasses' own ``check``)."""
    leaves, groups = _layout(type(params))
    for name, choices, lo, hi, lo_open, meta in leaves:
        value = getattr(params, name)
        if choices is not None:
            if value in choices:
                continue
        elif (
            (type(value) is float or type(value) is int or _is_number(value))
            and (lo < value if lo_open else lo <= value)
            and value <= hi
        ):
            continue
        raise ParameterError(_problem(prefix + name, value, meta))
    for name, item, group in groups:
        value = getattr(params, name)
        if item is not None:
            _validate_list(prefix + name, value, item, sectors)
        elif dataclasses.is_dataclass(value):
            validate(value, f"{prefix}{name}.", sectors)
    check = getattr(params, "check", None)
    if check is not None:
        check(prefix, sectors)


def _validate_list(key: str, value: Any, item: type, sectors: tuple[str, ...] | None) -> None:
    if not isinstance(value, list) or not all(dataclasses.is_dataclass(v) for v in value):
        raise ParameterError(f"{key} must be a list of {item.__name__}")
    names = [v.name for v in value if hasattr(v, "name")]
    if len(set(names)) != len(names):
        raise ParameterError(f"{key}: names must be unique, got {names}")
    for i, element in enumerate(value):
        validate(element, f"{key}[{i}].", sectors)


def _problem(key: str, value: Any, meta: dict) -> str:
    """What is wrong with ``value``, which :func:`validate` refused, in one line."""
    choices = meta.get("choices")
    if choices is not None:
        why = meta.get("retired", {}).get(value) if isinstance(value, str) else None
        retired = f" ({value!r} was retired: {why})" if why else ""
        return f"{key}={value!r} is not allowed{retired}; allowed: {', '.join(map(str, choices))}"
    if not _is_number(value) or not math.isfinite(value):
        return f"{key}={value!r} must be a finite number"
    lo, hi = meta.get("lo"), meta.get("hi")
    left = "(" if meta.get("lo_open") else "["
    return f"{key}={value!r} is out of range; allowed {left}{lo}, {hi if hi is not None else 'inf'}]"


# --- conversion and the table -------------------------------------------------------------------------


def from_dict(cls: type, data: dict) -> Any:
    """Build a parameter dataclass from a nested dict (e.g. an OmegaConf container)."""
    kwargs = {}
    names = {f.name: f for f in dataclasses.fields(cls)}
    for key, value in data.items():
        if key not in names:
            raise ParameterError(f"unknown parameter {cls.__name__}.{key}; allowed: {', '.join(names)}")
        sub, item = _field_class(cls, key), _item_classes(cls).get(key)
        if sub is not None and isinstance(value, dict):
            kwargs[key] = from_dict(sub, value)
        elif item is not None and isinstance(value, list):
            kwargs[key] = [from_dict(item, v) if isinstance(v, dict) else v for v in value]
        else:
            kwargs[key] = value
    return cls(**kwargs)


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _field_class(cls: type, name: str) -> type | None:
    """The parameter dataclass a field of ``cls`` holds (``ObserverParams`` for ``observer``), else None."""
    t = _hints(cls).get(name)
    return t if isinstance(t, type) and dataclasses.is_dataclass(t) else None


@functools.cache
def _item_classes(cls: type) -> dict[str, type]:
    """{field: item class} of the ``list[SomeParams]`` fields of ``cls`` (``mediators``: ``MediatorParams``)."""
    out = {}
    for name, t in _hints(cls).items():
        args = typing.get_args(t) if typing.get_origin(t) is list else ()
        if len(args) == 1 and isinstance(args[0], type) and dataclasses.is_dataclass(args[0]):
            out[name] = args[0]
    return out


def _shown(value: Any) -> str:
    return f"{value!r}" if isinstance(value, str) else str(value)


def rows(params: Any, prefix: str = "") -> list[tuple[str, str, str, str]]:
    """(name, default, unit, source) for every leaf parameter of ``params``, in declaration order."""
    out = []
    for f in dataclasses.fields(params):
        value = getattr(params, f.name)
        key = f"{prefix}{f.name}"
        if dataclasses.is_dataclass(value):
            out.extend(rows(value, key + "."))
        elif f.name in _item_classes(type(params)) and value:
            out.extend(_item_rows(key, value, f.metadata.get("sources")))
        else:
            out.append((key, _shown(value), f.metadata["unit"] + _range_text(f.metadata), f.metadata["source"]))
    return out


def _item_rows(key: str, items: list, sources: dict[str, str] | None) -> list[tuple[str, str, str, str]]:
    """Rows of a list of parameter dataclasses: ``KEY.NAME.FIELD`` per item (its index when it has no
    ``name``) and field, the name itself aside; unit without range (the item class checks it)."""
    out = []
    for i, item in enumerate(items):
        label = getattr(item, "name", i)
        for f in dataclasses.fields(item):
            if f.name == "name":
                continue
            source = f.metadata["source"] if sources is None else sources.get(label, "scenario choice")
            out.append((f"{key}.{label}.{f.name}", _shown(getattr(item, f.name)), f.metadata["unit"], source))
    return out


def _range_text(meta: dict) -> str:
    if meta.get("choices"):
        return ""
    lo, hi = meta.get("lo"), meta.get("hi")
    if lo is None and hi is None:
        return ""
    left = "(" if meta.get("lo_open") else "["
    return f"; range {left}{lo}, {hi if hi is not None else '∞'}]"


def markdown_table(rows: list[tuple[str, str, str, str]], calibrated: dict[str, str]) -> str:
    """A markdown table of parameter ``rows``; ``calibrated`` maps the calibrated ones to their prior."""
    lines = [
        "| parameter | default | unit; range | calibrated (prior) | source or reasoning |",
        "|---|---|---|---|---|",
    ]
    for n, d, u, s in rows:
        lines.append(f"| `{n}` | {d} | {u} | {'yes, ' + calibrated[n] if n in calibrated else 'no'} | {s} |")
    return "\n".join(lines)
