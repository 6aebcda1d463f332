"""The ceasefire-validate command, in a subprocess: outputs, reproducibility, the committed report, bad input."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "validation" / "results"


def validate(*args, cwd=ROOT):
    cmd = [sys.executable, "-c", "from validation.cli import main; main()", *args]
    return subprocess.run(
        cmd, cwd=cwd, capture_output=True, text=True, timeout=600, env={**os.environ, "HYDRA_FULL_ERROR": "0"}
    )


def test_small_validation_writes_its_report_and_same_seed_same_bytes(tmp_path):
    outs = [tmp_path / "a", tmp_path / "b"]
    for out in outs:
        r = validate("validation.paths=60", "validation.bootstrap=200", f"hydra.run.dir={out}", cwd=tmp_path)
        assert r.returncode == 0, r.stderr
    for name in ("report.md", "scores.csv", "fan_charts.png", "scores.png", "pit.png"):
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name
    assert (outs[0] / "run.json").is_file() and not list(outs[0].glob(".*.tmp"))
    report = (outs[0] / "report.md").read_text()
    for text in ("## Verdict", "negative-binomial rate", "Hawkes process", "window events", "Coverage"):
        assert text in report
    assert "CRPS killed" in r.stdout + r.stderr


NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def same_to_the_printed_digit(line: str, committed: str) -> bool:
    """The same text, and every number within one unit of the last digit printed (6 significant digits
    in scores.csv: the printed unit, or 1e-5 of the value, whichever is larger)."""
    if NUMBER.sub("#", line) != NUMBER.sub("#", committed):
        return False
    for a, b in zip(NUMBER.findall(line), NUMBER.findall(committed)):
        decimals = len(b.partition(".")[2].partition("e")[0].partition("E")[0])
        unit = 10.0**-decimals * (10.0 ** int(b.lower().partition("e")[2] or 0))
        if abs(float(a) - float(b)) > max(unit, 1e-5 * abs(float(b))) * (1 + 1e-9):
            return False
    return True


def test_the_committed_report_regenerates_from_its_settings(tmp_path):
    """validation/results/ is what `ceasefire-validate publish=true` writes with the committed settings.

    Byte for byte, except what the Hawkes reference's fit touches: scipy's L-BFGS-B calls BLAS and LAPACK,
    whose last bits depend on the CPU (docs/reproducibility.md). Its forecasts are simulated from the
    fitted parameters, a continuous function of them except where a uniform falls within their last-bit
    difference of a thinning boundary (about 1e-13 a draw), so those lines agree to the printed digit."""
    out = tmp_path / "run"
    r = validate(f"hydra.run.dir={out}", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    for name in ("report.md", "scores.csv"):
        got, committed = (out / name).read_text().splitlines(), (RESULTS / name).read_text().splitlines()
        assert len(got) == len(committed), f"{name}: re-publish the report"
        for line, expected in zip(got, committed):
            if "Hawkes" in expected:
                assert same_to_the_printed_digit(line, expected), f"{name}: {line!r} != {expected!r}"
            else:
                assert line == expected, f"{name}: re-publish the report"


@pytest.mark.parametrize(
    "line,committed,same",
    [
        ("| Hawkes | 0.813 [0.552, 1.120] |", "| Hawkes | 0.812 [0.552, 1.120] |", True),
        ("| Hawkes | 0.814 [0.552, 1.120] |", "| Hawkes | 0.812 [0.552, 1.120] |", False),
        ("Hawkes,0.747215,1e-05", "Hawkes,0.747214,1e-05", True),
        ("Hawkes,0.747314,1e-05", "Hawkes,0.747214,1e-05", False),
        ("| Hawkes | 0.812 more |", "| Hawkes | 0.812 |", False),
    ],
)
def test_the_printed_digit_comparison(line, committed, same):
    assert same_to_the_printed_digit(line, committed) is same


def test_a_researchers_own_record(tmp_path):
    own = tmp_path / "mine.yaml"
    own.write_text((ROOT / "seeds" / "validation" / "events.yaml").read_text())
    r = validate(
        f"validation.record={own}",
        "validation.paths=20",
        "validation.bootstrap=100",
        f"hydra.run.dir={tmp_path / 'out'}",
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    assert str(own) in (tmp_path / "out" / "report.md").read_text()


@pytest.mark.parametrize(
    "override,message",
    [
        ("validation.paths=1", "paths=1 is out of range"),
        ("validation.paths=10000000", "paths=10000000 is out of range"),
        ("validation.start=tomorrow", "start='tomorrow' is not allowed; allowed: record, ceasefire"),
        ("validation.until=someday", "until='someday' is not a date"),
        ("validation.until=2022-09-01", "is not after the forecast origin"),
        ("validation.record=/nonexistent/events.yaml", "/nonexistent/events.yaml"),
        ("validation.posterior=/nonexistent.csv", "/nonexistent.csv"),
        ("validation.paths=many", "validation.paths has the wrong type"),
        ("foo=1", "unknown key 'foo'"),
    ],
)
def test_bad_input_one_line_exit_2_nothing_written(tmp_path, override, message):
    out = tmp_path / "out"
    r = validate(override, f"hydra.run.dir={out}", cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], r.stderr
    assert "Traceback" not in r.stderr and not out.exists()


def test_help_lists_only_its_own_settings(tmp_path):
    """--help lists this command's settings, not ceasefire-sim's or ceasefire-calibrate's config groups."""
    import dataclasses

    from validation.run import ValidationSettings

    r = validate("--help", cwd=tmp_path)
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    out = r.stdout
    for word in ("scenario", "experiment", "calibration:", "Configuration groups"):
        assert word not in out, word
    for name in [f.name for f in dataclasses.fields(ValidationSettings)] + ["publish", "progress"]:
        assert f"\n  {name}:" in out or f"\n{name}:" in out, name
    assert list(tmp_path.iterdir()) == []


def test_a_fault_while_running_is_one_line(tmp_path):
    """An output folder that cannot be made: one line, exit 1, no traceback (shared with ceasefire-calibrate)."""
    r = validate("validation.paths=20", "hydra.run.dir=/proc/nowhere/x", cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: cannot write /proc/nowhere"), r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize(
    "override,message",
    [
        ("validation.foo=1", "unknown key 'validation.foo'; allowed keys under 'validation': seed, paths, start"),
        ("foo=1", "unknown key 'foo'; allowed keys: validation, publish, progress"),
        ("+foo=1", "unknown key 'foo'; allowed keys: validation, publish, progress"),
        ("scenario=x", "scenario is not a config group of ceasefire-validate; ceasefire-validate has none"),
        (
            "validation.record=/nonexistent/events.yaml",
            "validation.record=/nonexistent/events.yaml: file not found; expected a YAML",
        ),
    ],
)
def test_its_own_keys_and_inputs_in_its_messages(override, message):
    """The validation's keys (not the calibration's), and a file named as a file, with no placeholders."""
    from validation.cli import preflight

    with pytest.raises(Exception) as err:  # noqa: B017 -- ParameterError or RecordError: one line
        preflight([override])
    line = str(err.value)
    assert line.startswith(message) and "-: -:" not in line and "calibration" not in line, line


@pytest.mark.parametrize(
    "settings,message",
    [
        ({"seed": 2**63}, "validation.seed=9223372036854775808 is out of range; allowed: an integer from 0 to "),
        ({"seed": -1}, "validation.seed=-1 is out of range"),
        ({"rolling": {"first": "9" * 61}}, "validation.rolling.first='999999...(61 digits)' is not a date"),
        ({"rolling": {"step_days": 10**400}}, "validation.rolling.step_days=100000...(401 digits) is out of range"),
        ({"rolling": {"first": "x" * 300}}, "validation.rolling.first='" + "x" * 40 + "...' is not a date"),
    ],
)
def test_settings_out_of_range_are_one_short_line(settings, message):
    """A seed beyond 63 bits is refused as every command's is; a long value is shown cut (found by make fuzz)."""
    from sim.model.params import ParameterError
    from validation.run import RollingSettings, ValidationSettings

    rolling = RollingSettings(**settings.pop("rolling", {}))
    with pytest.raises(ParameterError) as err:
        ValidationSettings(**settings, rolling=rolling).validate()
    assert str(err.value).startswith(message) and len(str(err.value)) < 200, str(err.value)
