"""Shared fixtures: the real incident record and the model border built from it."""

import pytest

from sim.model.border import Border


@pytest.fixture(scope="session")
def border() -> Border:
    return Border.load()
