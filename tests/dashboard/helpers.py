"""Helpers of the dashboard's tests: the real commands in a subprocess, and reading what a rendered page shows."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
IN_CI = os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")
BIN = Path(sys.executable).parent
ARTIFACTS = REPO / "tests" / "artifacts"  # screenshots (gitignored)


def env() -> dict[str, str]:
    e = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    e.pop("HYDRA_FULL_ERROR", None)
    return e


def command(name: str, module: str) -> list[str]:
    script = BIN / name
    return [str(script)] if script.exists() else [sys.executable, "-m", module]


def run(argv: list[str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(argv, cwd=cwd, env=env(), capture_output=True, text=True, timeout=timeout)


def ceasefire_sim(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return run([*command("ceasefire-sim", "sim.cli"), *args], cwd)


def ceasefire_compare(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return run([*command("ceasefire-compare", "sim.sweep.compare"), *args], cwd)


def widgets(rc, cls=None) -> list:
    """Every widget of the rendered page (of class ``cls``), however deep (reacton's ``find`` stops at
    the first match on each branch)."""
    from ipywidgets import Widget

    seen, out, queue = set(), [], list(rc.find(Widget).widgets)
    while queue:
        item = queue.pop(0)
        if isinstance(item, (list, tuple)):
            queue.extend(item)
            continue
        if isinstance(item, dict):
            queue.extend(item.values())
            continue
        if not isinstance(item, Widget) or id(item) in seen:
            continue
        seen.add(id(item))
        if cls is None or isinstance(item, cls):
            out.append(item)
        queue.extend(getattr(item, name) for name in item.keys if name not in ("layout", "style"))
    return out


def texts(rc) -> list[str]:
    """Every text the rendered page shows: solara.Text, Error, Preformatted, HTML."""
    out = []
    for widget in widgets(rc):
        children = getattr(widget, "children", None)
        if isinstance(children, (list, tuple)):
            out += [c for c in children if isinstance(c, str)]
        markup = getattr(widget, "unsafe_innerHTML", None)
        if isinstance(markup, str):
            out.append(markup)
    return out


def text_with(rc, part: str) -> str:
    found = [t for t in texts(rc) if part in t]
    assert found, f"no text with {part!r} among: {texts(rc)}"
    return found[0]


def chromium() -> str | None:
    return shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


def wait_for_text(rc, part: str, timeout: float = 60.0) -> str:
    """The first text with ``part``, once a task running in a thread has shown it (fails after ``timeout``)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [t for t in texts(rc) if part in t]
        if found:
            return found[0]
        time.sleep(0.05)
    raise AssertionError(f"no text with {part!r} within {timeout} s; shown: {texts(rc)}")


def wait_for_values(rc, cls, count: int, timeout: float = 60.0) -> list:
    """The values of the ``cls`` widgets, once a render in a task's thread has made ``count`` of them: the
    page's texts can show before the same render has made its images (fails after ``timeout``)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [w.value for w in widgets(rc, cls)]
        if len(found) >= count:
            return found
        time.sleep(0.05)
    raise AssertionError(f"fewer than {count} {cls.__name__} widgets within {timeout} s: {len(found)}")


def unavailable(reason: str) -> None:
    """Skip for want of a tool, with the reason, except in CI (CI=true), which skips nothing: there it fails."""
    import pytest

    if IN_CI:
        pytest.fail(f"CI=true but {reason}; .ci/run installs what the tests need: nothing is skipped in CI")
    pytest.skip(reason)
