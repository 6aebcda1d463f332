"""Shared fixtures: the real incident record and the model border built from it. Every test runs with
the thinning's bound check on (sim.model.unprovoked), in this process and in those it starts."""

import os
import threading

import pytest

from sim.model.border import Border

os.environ["CEASEFIRE_CHECK_RATES"] = "1"  # read by every model built from now on, here and in subprocesses


def pytest_collection_finish(session):
    """Collecting the tests must start no thread: a process with threads no longer forks its workers
    (calibration/sampler.py, sim/experiment/replications.py), so every test that expects a fork would fail
    for a reason far from its cause. Import thread-starting modules (solara's server) inside the tests."""
    extra = [t.name for t in threading.enumerate() if t is not threading.main_thread()]
    if extra:
        raise pytest.UsageError(f"importing the test modules started threads {extra}; import those modules lazily")


@pytest.fixture(scope="session")
def border() -> Border:
    return Border.load()
