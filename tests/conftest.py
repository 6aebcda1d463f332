"""Shared fixtures: the real incident record and the model setting built from it."""

import pytest

from sim.model.setting import Setting


@pytest.fixture(scope="session")
def setting() -> Setting:
    return Setting.load()
