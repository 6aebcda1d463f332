"""scripts/find-python: the Makefile's interpreter finder."""

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "find-python"


def find(env_python: str | None, path: str | None = None):
    env = {k: v for k, v in os.environ.items() if k != "PYTHON"}
    if env_python is not None:
        env["PYTHON"] = env_python
    if path is not None:
        env["PATH"] = path
        env["PYENV_ROOT"] = "/nonexistent"
    return subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, env=env, timeout=60)


def test_an_explicit_suitable_python_is_taken():
    r = find(sys.executable)
    assert r.returncode == 0 and Path(r.stdout.strip()).resolve() == Path(sys.executable).resolve()


def test_an_explicit_unsuitable_python_is_refused_in_one_line(tmp_path):
    old = tmp_path / "python3.11"
    old.write_text("#!/bin/sh\nexit 1\n")
    old.chmod(0o755)
    r = find(str(old))
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.count("\n") == 1 and "is not a Python >= 3.12" in r.stderr


def test_none_found_says_what_to_install(tmp_path):
    for name in ("python3.13", "python3.12", "python3", "python"):  # every name on PATH is too old
        stub = tmp_path / name
        stub.write_text("#!/bin/sh\nexit 1\n")
        stub.chmod(0o755)
    r = find(None, path=f"{tmp_path}:/usr/bin:/bin")
    assert r.returncode == 1 and r.stdout == "" and r.stderr.count("\n") == 1
    assert "no Python >= 3.12 found" in r.stderr and "install Python 3.12 or 3.13" in r.stderr
