"""Overrides fuzzed, not only listed: every command's answer to generated ``key=value`` overrides.

The property, for ``ceasefire-sim``, ``-calibrate``, ``-validate`` and ``-explore``: an override the command
refuses ends with exit code 2 and ONE line on stderr (``error: ...``) that names the override's key, shows no
value longer than a line can hold, and has no traceback; nothing is written (the working directory stays
empty). An override the command accepts must be one it can honour: it is never of a kind that is surely
wrong (an unknown key, a value of the wrong type, a non-finite number, a deletion of a required key, a sweep
without ``-m``, a choice of no option) -- those must be refused.

Each command's ``main`` runs in this process (its stdout and stderr captured, ``SystemExit`` caught) with
the work after its checks replaced by a marker, so that an accepted command line runs nothing;
:func:`test_in_process_is_the_command_line` runs a handful of the same command lines as real commands, so
that the two are known to answer alike. ``ceasefire-compare`` (argparse: two folders and three flags) is
fuzzed on its arguments.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import math
import os
import re
import subprocess
import sys
import tempfile
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.common.messages import printable, shown
from tests.conftest import FUZZ_SCALE

ROOT = Path(__file__).resolve().parents[2]


class Accepted(Exception):
    """Raised in place of the work a command does once its checks pass."""


def _accept(*args: Any, **kwargs: Any) -> None:
    raise Accepted


@dataclass(frozen=True)
class Tool:
    name: str
    module: str  # where main() is
    schema: Callable[[], Any]  # the command's hydraconf.Schema
    fixed: tuple[str, ...] = ()  # overrides before the fuzzed ones (cheap settings)
    run_seams: tuple[str, ...] = ()  # "module.attr" replaced by _accept: the work after the checks
    groups: tuple[str, ...] = ()  # config groups chosen with key=NAME
    added_groups: tuple[str, ...] = ()  # config groups chosen with +key=NAME

    def main(self) -> Callable:
        return getattr(__import__(self.module, fromlist=["main"]), "main")


def _schema(module: str) -> Callable[[], Any]:
    def get():
        return __import__(module, fromlist=["SCHEMA"]).SCHEMA

    return get


TOOLS = {
    "ceasefire-sim": Tool(
        "ceasefire-sim",
        "sim.cli",
        _schema("sim.experiment.config"),
        run_seams=("sim.cli.run_reported",),
        groups=("scenario",),
        added_groups=("experiment",),
    ),
    "ceasefire-calibrate": Tool(
        "ceasefire-calibrate",
        "calibration.cli",
        _schema("calibration.cli"),
        run_seams=("sim.common.commands.run_reported",),
        groups=("calibration",),
    ),
    "ceasefire-validate": Tool(
        "ceasefire-validate",
        "validation.cli",
        _schema("validation.cli"),
        fixed=("validation.paths=20", "validation.bootstrap=100"),
        run_seams=("sim.common.commands.run_reported",),
    ),
    "ceasefire-explore": Tool(
        "ceasefire-explore",
        "explore.cli",
        _schema("explore.cli"),
        fixed=("exploration=smoke",),
        run_seams=("explore.cli.run_reported",),
        groups=("exploration",),
    ),
}


# --- what a command answers, in this process ---------------------------------------------------------------


@dataclass
class Answer:
    code: Any  # the exit code, or "accepted"
    stderr: str
    stdout: str
    written: list[str]  # what appeared in the working directory

    @property
    def lines(self) -> list[str]:
        """stderr's lines, without notes (an old key's new spelling is a note before the answer)."""
        return [line for line in self.stderr.splitlines() if not line.startswith("note: ")]


def answer(tool: Tool, argv: list[str]) -> Answer:
    """``main(argv)`` of ``tool`` in an empty working directory of its own, the work after its checks
    replaced (:class:`Accepted`)."""
    main = tool.main()
    err, out = io.StringIO(), io.StringIO()
    saved_argv, saved_env = list(sys.argv), dict(os.environ)
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        for seam in tool.run_seams:
            module, attr = seam.rsplit(".", 1)
            stack.enter_context(mock.patch(f"{module}.{attr}", _accept))
        cwd = os.getcwd()
        os.chdir(tmp)
        try:
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
                try:
                    code = main(list(argv))
                except SystemExit as e:
                    code = e.code
                except Accepted:
                    code = "accepted"
                except Exception as e:  # noqa: BLE001 -- a crash is an answer too: the property fails on it
                    code = f"crashed: {type(e).__name__}: {e}"
        finally:
            os.chdir(cwd)
            sys.argv[:] = saved_argv
            os.environ.clear()
            os.environ.update(saved_env)
        written = sorted(str(p.relative_to(tmp)) for p in Path(tmp).rglob("*"))
    return Answer(code, err.getvalue(), out.getvalue(), written)


# --- what is generated -------------------------------------------------------------------------------------


def schema_keys(schema: Any) -> tuple[list[str], dict[str, Any]]:
    """Every dotted key of a schema (nodes and leaves, list items by index) and the leaves' types."""
    keys: list[str] = []
    leaves: dict[str, Any] = {}

    def walk(t: Any, prefix: str, depth: int) -> None:
        if dataclasses.is_dataclass(t) and depth < 4:
            for name, sub in typing.get_type_hints(t).items():
                key = f"{prefix}{name}"
                keys.append(key)
                walk(sub, f"{key}.", depth + 1)
        elif typing.get_origin(t) in (list, tuple) and depth < 4:
            inner = (typing.get_args(t) or (Any,))[0]
            for i in (0, 1, 3, 99):
                keys.append(f"{prefix}{i}")
                walk(inner, f"{prefix}{i}.", depth + 1)
        else:
            leaves[prefix.rstrip(".")] = t

    walk(schema.root, "", 0)
    return keys, leaves


def near_misses(key: str) -> st.SearchStrategy[str]:
    """A key misspelt: a letter dropped, doubled or swapped, a part's case changed, a part added."""
    parts = key.split(".")

    def edit(i: int, how: int) -> str:
        p = parts[-1]
        i = i % max(len(p), 1)
        if how == 0:
            p = p[:i] + p[i + 1 :]
        elif how == 1:
            p = p[:i] + p[i : i + 1] * 2 + p[i + 1 :]
        elif how == 2 and len(p) > 1:
            j = min(i + 1, len(p) - 1)
            p = p[:i] + p[j] + p[i] + p[j + 1 :] if i < j else p.upper()
        else:
            p = p.capitalize() if p.islower() else p.lower() + "_"
        return ".".join([*parts[:-1], p]) if p else key + "x"

    return st.builds(edit, st.integers(0, 40), st.integers(0, 3)) | st.just(f"{key}.extra")


IDENT = st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12)
UNICODE = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=12)


def keys_for(tool: Tool) -> st.SearchStrategy[str]:
    keys, _ = schema_keys(tool.schema())
    known = st.sampled_from(keys)
    hydra = st.sampled_from(
        ["hydra.run.dir", "hydra.sweep.dir", "hydra.job.chdir", "hydra.verbose", "hydra.launcher.n_jobs", "hydra.foo"]
    )
    groups = st.sampled_from([*tool.groups, *tool.added_groups]) if tool.groups or tool.added_groups else known
    other_groups = st.sampled_from(["hydra/launcher", "scenario", "exploration/x", "calibration", "nope/x"])
    unknown = st.builds(lambda a, b: a + b, IDENT, st.sampled_from(["", ".x", ".0", "/y"]))
    return st.one_of(
        known,
        known.flatmap(near_misses),
        groups,
        other_groups,
        hydra,
        unknown,
        UNICODE.filter(lambda k: k and "=" not in k),
    )


def quoted(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


NUMBERS = st.one_of(
    st.integers(-(10**6), 10**6).map(str),
    st.integers(2, 600).map(lambda n: "9" * n),
    st.integers(2, 600).map(lambda n: "-1" + "0" * n),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["nan", "inf", "-inf", "+inf", "1e400", "-1e400", "1e-400", "NaN", "0x10", "1_000", "0.0", "-0"]),
)
WORDS = st.sampled_from(
    ["true", "false", "True", "yes", "no", "on", "off", "null", "", "auto", "default", "calibrated", "priors"]
)
STRUCTURES = st.sampled_from(
    ["[]", "[1,2]", "[a,b]", "[[1]]", "{}", "{a:1}", "{seed:1}", "[1", "{a:", "[1,{a:[2]}]", "[nan,inf]"]
)
SPECIAL = st.sampled_from(
    [
        "${oops}",
        "${seed}",
        "${now:%Y}",
        "${oc.env:NOPE}",
        "1,2",
        "a,b",
        "range(1,3)",
        "glob(*)",
        "choice(1,2)",
        "interval(0,1)",
        "int(3)",
        "str(3)",
        "shuffle([1,2])",
        "sort([3,1])",
        "'a'b'",
        "x y",
        "a=b",
        "\\",
        "sept2022",
        "smoke",
        "/nonexistent/file.csv",
        "/dev/null",
        ".",
    ]
)
VALUES = st.one_of(
    NUMBERS,
    WORDS,
    STRUCTURES,
    SPECIAL,
    UNICODE.map(quoted),
    UNICODE,
    IDENT,
    st.lists(NUMBERS | IDENT, max_size=3).map(lambda xs: "[" + ",".join(xs) + "]"),
)


@st.composite
def overrides(draw: st.DrawFn, tool: Tool) -> str:
    key = draw(keys_for(tool))
    prefix = draw(st.sampled_from(["", "", "", "+", "++", "~"]))
    if prefix == "~" and draw(st.booleans()):
        return f"~{key}"
    return f"{prefix}{key}={draw(VALUES)}"


# --- what must be refused ----------------------------------------------------------------------------------


def surely_bad(tool: Tool, override: str, multirun: bool) -> str | None:
    """Why ``override`` must be refused, or None if it may be fine."""
    from sim.common.hydraconf import UsageError, parse_overrides

    schema = tool.schema()
    try:
        (ov,) = parse_overrides([override])
    except UsageError:
        return "does not parse"
    key = ov.key_or_group
    if ov.is_hydra_override():
        return None
    if re.search(r"(?<!\\)\$\{\s*(now|oc\.env|ceasefire_pid)\s*:", override):
        return "a value from the clock, the environment or the process id"
    if ov.is_sweep_override() and not multirun:
        return "a sweep without -m"
    if key in tool.groups or key in tool.added_groups:
        if ov.is_delete():
            return None if key in tool.added_groups else "a required choice deleted"
        if ov.is_sweep_override():
            return None
        value = ov.value()
        names = value if isinstance(value, list) and value else [value]  # [a,b]: several options merged
        if any(not isinstance(v, str) or v not in schema.options(key) for v in names):
            return "no such option"
        if (key in tool.added_groups) != (ov.is_add() or ov.is_force_add()):
            return "a group chosen with the wrong prefix"
        return None
    if "/" in key:
        return None if schema.is_group(key) and schema.options(key) else "no such config group"
    t, walked = schema.node(key.split("."))
    parts = key.split(".")
    under_dict = typing.get_origin(t) is dict or t is dict
    if len(walked) < len(parts):
        return None if under_dict else "unknown key"
    if ov.is_delete():
        return None if _inside_container(schema, parts) else "a key every config has, deleted"
    if ov.is_sweep_override():
        return None
    return wrong_value(t, ov.value())


def _inside_container(schema: Any, parts: list[str]) -> bool:
    """Whether the key is an item of a list or a mapping (which may be deleted)."""
    parent, _ = schema.node(parts[:-1])
    return typing.get_origin(parent) in (list, tuple, dict) or parent is dict


def wrong_value(t: Any, value: Any) -> str | None:
    """Why ``value`` (as Hydra parsed it) cannot be a value of type ``t``, or None if it may be."""
    if isinstance(value, str) and "${" in value:
        return None  # an interpolation: resolved later
    if t is bool:
        return None if isinstance(value, bool) else "not true or false"
    if t is int:
        if isinstance(value, bool) or isinstance(value, (float, list, dict)) or value is None:
            return "not an integer"
        try:
            number = int(value)
        except ValueError:
            return "not an integer"
        return None if abs(number) < 2**63 else "an integer too large"
    if t is float:
        if isinstance(value, (bool, list, dict)) or value is None:
            return "not a number"
        try:
            number = float(value)
        except (ValueError, OverflowError):
            return "not a number"
        return None if math.isfinite(number) else "not a finite number"
    if t is str:
        return "not a string" if isinstance(value, (list, dict)) or value is None else None
    if typing.get_origin(t) in (list, tuple):
        return None if isinstance(value, list) else "not a list"
    if dataclasses.is_dataclass(t):
        return None if isinstance(value, dict) else "not a group of keys"
    return None


# --- the property ------------------------------------------------------------------------------------------


def check_answer(tool: Tool, argv: list[str], fuzzed: list[str], multirun: bool = False) -> Answer:
    a = answer(tool, argv)
    assert a.written == [], (argv, a.written, a.stderr)
    assert "Traceback" not in a.stderr + a.stdout, a.stderr
    if a.code == "accepted":
        for o in fuzzed:
            why = surely_bad(tool, o, multirun)
            assert why is None, f"{tool.name} accepted {o!r}: {why}"
        return a
    assert a.code == 2, (argv, a.code, a.stderr)
    assert len(a.lines) == 1 and a.lines[0].startswith("error: "), (argv, a.stderr)
    line = a.lines[0]
    assert a.stdout == "", a.stdout
    assert len(line) <= 1200, line
    assert any(_named(line, o) for o in fuzzed), (argv, line)
    for o in fuzzed:
        value = o.partition("=")[2]
        assert len(value) <= 60 or value not in line, f"a long value shown in full: {line}"
    return a


def _named(line: str, override: str) -> bool:
    """Whether ``line`` names the override: its text, its key or the first parts of its key, or the file
    its value names."""
    key, _, value = override.partition("=")
    key = key.lstrip("+~").split("@")[0].strip()
    if shown(override.strip(), 80) in line or not key or (len(value) > 2 and shown(value.strip("'")) in line):
        return True  # the override, or the file or folder its value names
    parts = key.split(".")
    return any(printable(".".join(parts[:n])) in line for n in range(1, len(parts) + 1))


EXAMPLES = {"ceasefire-sim": 40, "ceasefire-calibrate": 25, "ceasefire-validate": 12, "ceasefire-explore": 20}


@pytest.mark.fuzz
@pytest.mark.parametrize("name", list(EXAMPLES))
def test_generated_overrides(name):
    tool = TOOLS[name]

    @settings(max_examples=EXAMPLES[name] * FUZZ_SCALE)
    @given(fuzzed=st.lists(overrides(tool), min_size=1, max_size=2), multirun=st.booleans())
    def check(fuzzed, multirun):
        multirun = multirun and tool.name == "ceasefire-sim"
        check_answer(tool, [*(["-m"] if multirun else []), *tool.fixed, *fuzzed], fuzzed, multirun)

    check()


# --- ceasefire-compare: two folders and three flags ----------------------------------------------------------

FLAG_VALUES = st.one_of(NUMBERS, WORDS, UNICODE.filter(lambda v: "\x00" not in v))


@pytest.mark.fuzz
@settings(max_examples=15 * FUZZ_SCALE)
@given(
    folders=st.lists(st.sampled_from(["missing", "empty", "a_file", "."]) | IDENT, min_size=0, max_size=3),
    flags=st.lists(
        st.tuples(st.sampled_from(["--seed", "--resamples", "--out", "--nope", "-x"]), FLAG_VALUES), max_size=3
    ),
)
def test_generated_compare_arguments(folders, flags):
    """No two folders here are sweeps: every command line is refused with one line, and nothing is written."""
    from sim.sweep.compare.cli import main

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "empty").mkdir()
        (root / "a_file").write_text("x")
        argv = [str(root / f) for f in folders] + [x for flag, value in flags for x in (flag, value)]
        err, out = io.StringIO(), io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            try:
                code = main(argv)
            except SystemExit as e:
                code = e.code
        lines = err.getvalue().splitlines()
        assert code == 2 and len(lines) == 1 and lines[0].startswith("error: "), (argv, code, err.getvalue())
        assert "Traceback" not in err.getvalue() and out.getvalue() == ""
        assert sorted(p.name for p in root.iterdir()) == ["a_file", "empty"] and not any((root / "empty").iterdir())


# --- in this process as on the command line ------------------------------------------------------------------

SAME = [
    ("ceasefire-sim", ["progress=2"]),
    ("ceasefire-calibrate", ["~calibration", f"calibration.seed={'9' * 400}"]),
    ("ceasefire-explore", ["exploration=smoke", "+exploration/x=y"]),
]


@pytest.mark.parametrize("name, argv", SAME, ids=[n for n, _ in SAME])
def test_in_process_is_the_command_line(name, argv, tmp_path):
    """The in-process answer the fuzz tests check is the real command's: the same exit code and stderr."""
    tool = TOOLS[name]
    inside = answer(tool, argv)
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env.pop("HYDRA_FULL_ERROR", None)
    code = f"import sys; from {tool.module} import main; sys.exit(main())"
    real = subprocess.run(
        [sys.executable, "-c", code, *argv], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert (real.returncode, real.stderr, real.stdout) == (inside.code, inside.stderr, inside.stdout)
    assert inside.code == 2 and len(inside.lines) == 1 and list(tmp_path.iterdir()) == []
