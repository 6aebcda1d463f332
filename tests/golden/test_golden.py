"""Behaviour is unchanged: the committed experiments, sweeps, calibration and validation give, for their
seeds, the outputs whose digests are stored in tests/golden/digests.json (see digests.py)."""

import importlib.util
import json
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
STORED = json.loads((HERE / "digests.json").read_text())
_spec = importlib.util.spec_from_file_location("golden_digests", HERE / "digests.py")
digests = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(digests)

REGENERATE = "if the change of behaviour is deliberate: python -m tests.golden.digests > tests/golden/digests.json"


@pytest.mark.parametrize("name", digests.experiments())
def test_committed_experiment(name):
    got = digests.sweep_digest(name) if name.startswith("sweep_") else digests.experiment_digest(name)
    assert got == STORED[f"experiment {name}"], REGENERATE


@pytest.mark.parametrize("name", digests.RETIRED)
def test_retired_experiment_is_the_year_of_its_scenario(name):
    assert digests.retired_digest(name) == STORED[f"experiment {name}"], REGENERATE


def test_every_committed_experiment_has_a_stored_digest():
    assert {f"experiment {n}" for n in digests.experiments()} <= set(STORED)


def test_calibration():
    assert digests.calibration_digest() == STORED["calibration smoke"], REGENERATE


def test_validation():
    """Bit for bit, except the rows of a forecaster fitted by an optimiser (digests.TOLERANT_FORECASTERS):
    1e-9 relative is far above the last-bit differences BLAS kernels give its fit, and far below any change
    of behaviour."""
    got, stored = digests.validation_digest(), STORED["validation"]
    assert got["exact"] == stored["exact"], REGENERATE
    assert got["tolerant"].keys() == stored["tolerant"].keys(), REGENERATE
    for row, values in stored["tolerant"].items():
        assert got["tolerant"][row] == pytest.approx(values, rel=1e-9, abs=1e-12), f"{row}: {REGENERATE}"
