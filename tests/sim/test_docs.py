"""The documentation stays in step with the code."""

from pathlib import Path

from sim import params

ROOT = Path(__file__).resolve().parents[2]


def test_odd_parameter_table_matches_the_code():
    odd = (ROOT / "docs" / "ODD.md").read_text()
    assert params.markdown_table() in odd, "regenerate with: python -m sim.params"


def test_every_parameter_has_unit_and_source():
    for name, default, unit, source in params.rows():
        assert unit.strip() and source.strip(), name
