"""A real install (issue 11): the wheel, installed into a fresh environment, runs from any folder.

The wheel is built from a copy of the checkout (nothing is written into the tree), without build
isolation and without an index (setuptools comes from the test extra), and installed with
``--no-deps`` into a new virtual environment in a temporary folder. That environment sees this
one's installed dependencies through a ``.pth`` file that lists their folders; ``.pth`` files inside
those folders are not run, so the editable install's import hook stays off and ``sim`` is imported
from the new environment (checked). Nothing is downloaded; the module takes under 10 s.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CODE = ("sim", "calibration", "validation", "explore")
DATA = ("conf", "seeds", "calibration/results", "validation/results", "explore/results")  # -> ceasefire_data/<folder>
_NOT_SOURCE_ANYWHERE = shutil.ignore_patterns(
    ".venv", "venv", ".git", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", "*.db"
)
OUTPUT_FOLDERS = {"outputs", "multirun", "compare"}  # what the commands write into the checkout's root


def NOT_SOURCE(folder: str, names: list[str]) -> set[str]:
    """What the copy leaves out: build and cache folders anywhere, the commands' outputs at the root only
    (``sim/sweep/compare/`` is code)."""
    ignored = set(_NOT_SOURCE_ANYWHERE(folder, names))
    if Path(folder).resolve() == REPO:
        ignored |= OUTPUT_FOLDERS & set(names)
    return ignored


TIMEOUT = 300


def _run(cmd, **kw) -> subprocess.CompletedProcess:
    out = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=TIMEOUT, **kw)
    assert out.returncode == 0, f"{' '.join(map(str, cmd))} failed ({out.returncode}):\n{out.stdout}\n{out.stderr}"
    return out


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    """A copy of the checkout (the conf/experiment symlink kept as a symlink)."""
    src = tmp_path_factory.mktemp("src") / "ceasefire-sim"
    shutil.copytree(REPO, src, symlinks=True, ignore=NOT_SOURCE)
    assert (src / "conf" / "experiment").is_symlink()
    return src


@pytest.fixture(scope="module")
def wheel(source, tmp_path_factory) -> Path:
    try:
        import setuptools  # noqa: F401 -- the build backend, from the test extra
    except ImportError:
        pytest.fail("setuptools is missing: pip install -e '.[test]' (the test extra lists it)")
    out = tmp_path_factory.mktemp("wheel")
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--wheel-dir",
            out,
            source,
        ],
        cwd=out,
    )
    (whl,) = out.glob("ceasefire_sim-*.whl")
    return whl


@pytest.fixture(scope="module")
def env(wheel, tmp_path_factory) -> dict:
    """A fresh venv with the wheel installed; returns its python, bin folder and subprocess environment."""
    root = tmp_path_factory.mktemp("venv") / "v"
    _run([sys.executable, "-m", "venv", "--without-pip", root])
    bindir = root / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / ("python.exe" if os.name == "nt" else "python")
    purelib = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]).stdout.strip())
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            python,
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--no-index",
            wheel,
        ]
    )
    # This environment's dependencies (mesa, hydra, ...), appended after the new site-packages.
    parents = [*site.getsitepackages(), sysconfig.get_path("purelib")]
    if site.ENABLE_USER_SITE:
        parents.append(site.getusersitepackages())
    (purelib / "_ceasefire_test_parent.pth").write_text(
        "".join(f"{p}\n" for p in dict.fromkeys(parents) if Path(p).is_dir())
    )
    environ = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV", "PYTHONSAFEPATH")
    }
    environ.update(PATH=f"{bindir}{os.pathsep}{environ.get('PATH', '')}", VIRTUAL_ENV=str(root), MPLBACKEND="Agg")
    return {"root": root, "python": python, "bin": bindir, "purelib": purelib, "environ": environ}


def _command(env: dict, name: str) -> Path:
    path = env["bin"] / (f"{name}.exe" if os.name == "nt" else name)
    assert path.exists(), f"{name}: no console script in the new environment"
    return path


def _version() -> str:
    return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]


def _run_folder(work: Path) -> Path:
    (summary,) = work.glob("outputs/*/*/summary.json")
    return summary.parent


def test_wheel_holds_every_module_and_data_file(source, wheel):
    """pyproject.toml lists the packages by hand: a new subpackage or data folder must be added there."""
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = set()
    for pkg in CODE:
        expected |= {
            p.relative_to(source).as_posix() for p in (source / pkg).rglob("*.py") if "__pycache__" not in p.parts
        }
    for folder in DATA:
        for dirpath, dirnames, filenames in os.walk(source / folder, followlinks=True):
            dirnames[:] = [d for d in dirnames if not d.startswith((".", "__"))]
            rel = Path(dirpath).relative_to(source)
            expected |= {f"ceasefire_data/{(rel / f).as_posix()}" for f in filenames if not f.startswith(".")}
    assert "ceasefire_data/conf/experiment/smoke.yaml" in expected
    missing = sorted(expected - names)
    assert not missing, f"not in the wheel (list them in pyproject.toml [tool.setuptools]): {missing}"


def test_installed_copy_is_imported(env, tmp_path):
    code = (
        "import json, sim, sim.common.resources as r, sim.experiment.provenance as p; "
        "print(json.dumps([sim.__file__, str(r.ROOT), r.CHECKOUT, p.code_version()]))"
    )
    out = _run([env["python"], "-c", code], cwd=tmp_path, env=env["environ"])
    sim_file, root, checkout, version = json.loads(out.stdout)
    assert Path(sim_file).resolve().is_relative_to(env["root"].resolve()), sim_file
    assert Path(root).resolve() == (env["purelib"] / "ceasefire_data").resolve()
    assert checkout is False
    assert version == f"ceasefire-sim {_version()}"  # no git in an installed copy


def test_help_lists_scenarios_and_experiments(env, tmp_path):
    out = _run([_command(env, "ceasefire-sim"), "--help"], cwd=tmp_path, env=env["environ"]).stdout
    for name in ("sept2022", "observer_mission", "smoke", "baseline", "sweep_withdrawal"):
        assert name in out, out


def test_smoke_experiment_from_any_folder(env, tmp_path):
    _run([_command(env, "ceasefire-sim"), "+experiment=smoke"], cwd=tmp_path, env=env["environ"])
    run = _run_folder(tmp_path)
    for name in ("summary.json", "replications.csv", "incidents.csv", "survival.png"):
        assert (run / name).is_file(), name
    summary = json.loads((run / "summary.json").read_text())
    assert summary["replications"] == 10 and summary["horizon_days"] == 60.0
    assert summary["provenance"]["code_version"] == f"ceasefire-sim {_version()}"


def test_calibrated_params_from_any_folder(env, tmp_path):
    _run(
        [_command(env, "ceasefire-sim"), "params=calibrated", "replications=3", "horizon_days=30"],
        cwd=tmp_path,
        env=env["environ"],
    )
    run = _run_folder(tmp_path)
    assert (run / "replications.csv").is_file()
    summary = json.loads((run / "summary.json").read_text())
    assert summary["replications"] == 3
    assert summary["params"]["source"] == "calibrated"
    assert summary["params"]["posterior"] == "calibration/results/posterior.csv"  # as in a checkout
