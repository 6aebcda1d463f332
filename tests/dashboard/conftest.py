"""Fixtures of the dashboard's tests: a real sweep made once, the artifacts folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import ARTIFACTS, ceasefire_sim


@pytest.fixture(scope="session")
def sweeps(tmp_path_factory) -> tuple[Path, Path]:
    """Two real sweeps over the same 2 x 2 values (small: 10 runs of 60 days per job): A, and B with
    another retaliation propensity. Written by ``ceasefire-sim -m`` as a user would, in one process."""
    work = tmp_path_factory.mktemp("sweeps")
    out = []
    for name, extra in (("A", []), ("B", ["retaliation.propensity=0.7"])):
        folder = work / "multirun" / name
        args = ["-m", "observer.strength=0,100", "mediation.intensity=0,1", "replications=10", "horizon_days=60"]
        args += [*extra, "hydra/launcher=basic", f"hydra.sweep.dir={folder}"]
        proc = ceasefire_sim(args, work)
        assert proc.returncode == 0, proc.stderr[-2000:]
        out.append(folder)
    return out[0], out[1]


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
