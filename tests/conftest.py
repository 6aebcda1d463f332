"""Shared fixtures: the real incident record and the model border built from it. Every test runs with
the thinning's bound check on (sim.model.unprovoked), in this process and in those it starts."""

import os
import threading

import pytest
from hypothesis import HealthCheck, settings

from sim.model.border import Border

os.environ["CEASEFIRE_CHECK_RATES"] = "1"  # read by every model built from now on, here and in subprocesses

FUZZ_SCALE = 10 if os.environ.get("CEASEFIRE_FUZZ") else 1
"""How many more generated inputs each fuzz test draws under ``make fuzz`` than under ``make test``."""

# The fuzz tests (marked ``fuzz``, sized by FUZZ_SCALE): under ``make test`` the same
# inputs every run (derandomized, no example database written into the checkout); under ``make fuzz`` ten times
# as many, new ones each run, failures kept in .hypothesis/ to be replayed first next time.
_common = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("test", derandomize=True, database=None, **_common)
settings.register_profile("fuzz", **_common)
settings.load_profile("fuzz" if FUZZ_SCALE > 1 else "test")


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


@pytest.fixture(scope="session")
def whole():
    """The whole record the calibration compares: the articles' window and the history's periods."""
    from calibration.history import whole_record
    from sim.record.loader import load_record

    return whole_record(load_record())
