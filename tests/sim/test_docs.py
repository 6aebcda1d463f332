"""The documentation stays in step with the code."""

from pathlib import Path

from calibration.priors import FREE_PARAMETERS, odd_table
from sim.model import params

ROOT = Path(__file__).resolve().parents[2]


def test_odd_parameter_table_matches_the_code():
    odd = (ROOT / "docs" / "ODD.md").read_text()
    assert odd_table() in odd, "regenerate with: python -m calibration.priors"


def test_calibrated_markers_are_exactly_the_free_parameters():
    marked = {line.split("`")[1] for line in odd_table().splitlines() if "| yes, uniform" in line}
    assert marked == {p.name for p in FREE_PARAMETERS}
    for name, default, unit, source in params.rows():
        assert "calibrated" not in source.replace("not calibrated", ""), f"{name}: the column says it"


def test_every_parameter_has_unit_and_source():
    for name, default, unit, source in params.rows():
        assert unit.strip() and source.strip(), name
