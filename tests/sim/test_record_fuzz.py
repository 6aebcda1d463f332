"""Record files fuzzed: mutations of the seeds YAML (dropped, duplicated, retyped and unknown fields,
broken dates, deep nesting, unicode, huge numbers, non-mapping documents, empty and cut files,
duplicate ids, unknown sectors). The property: loading raises the one record error type, with one
line that names the file (and the entry and field where they are known), or loads; nothing else.
The commands given such a record exit 2 with that line and write nothing."""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.record.history import HISTORY_DIR, load_history
from sim.record.loader import DEFAULT_SEEDS, FILES, RecordError, load_events_file, load_record

from ..conftest import FUZZ_SCALE

REPO = Path(__file__).resolve().parents[2]
GOOD = {name: yaml.safe_load((DEFAULT_SEEDS / name).read_text(encoding="utf-8")) for name in FILES}

text = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    text,
    st.dates(),
    st.sampled_from(["2022-02-30", "2022-09-23T25:61:00+04:00", "2022-09-23T07:40:00", "23 Sept", "", " "]),
)
values = st.one_of(scalars, st.lists(scalars, max_size=3), st.dictionaries(text, scalars, max_size=2))


def nested(depth: int, leaf) -> object:
    out = leaf
    for i in range(depth):
        out = [out] if i % 2 else {"k": out}
    return out


@st.composite
def mutations(draw, document: object) -> tuple[str | None, object]:
    """(raw text, None) or (None, a changed copy of ``document``): one mutation of a class."""
    how = draw(st.sampled_from(["drop", "retype", "add", "duplicate", "date", "nest", "sectors", "document", "raw"]))
    if how == "raw":
        good = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
        cut = draw(st.integers(0, len(good)))
        return draw(st.sampled_from(["", good[:cut], good[:cut] + "\t: [", "\x85" + good])), None
    if how == "document":
        return None, draw(values)
    data = copy.deepcopy(document)
    entries = next(v for v in data.values() if isinstance(v, list))
    entry = draw(st.sampled_from(entries))
    if entry.get("claims") and draw(st.booleans()):
        entry = draw(st.sampled_from(entry["claims"]))
    key = draw(st.sampled_from(sorted(entry)))
    if how == "drop":
        del entry[key]
    elif how == "retype":
        entry[key] = draw(values)
    elif how == "add":
        entry[draw(st.one_of(text, st.integers(), st.booleans(), st.none(), st.dates()))] = draw(values)
    elif how == "duplicate":
        entries.append(copy.deepcopy(draw(st.sampled_from(entries))))
    elif how == "date":
        entry[draw(st.sampled_from(["date", "time", "end", key]))] = draw(scalars)
    elif how == "nest":
        entry[key] = nested(draw(st.integers(1, 150)), draw(scalars))
    else:
        entry["sectors"] = draw(st.lists(text, min_size=1, max_size=2))
    return None, data


def write(path: Path, mutation: tuple[str | None, object]) -> None:
    raw, data = mutation
    if raw is None:
        raw = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    path.write_text(raw, encoding="utf-8")


def one_line(err: RecordError, folder: Path) -> None:
    """One line, naming a file of ``folder``, with no placeholder for what is not known."""
    text = str(err)
    assert "\n" not in text and "Traceback" not in text, text
    assert text.startswith(str(folder)) and ".yaml: " in text, text
    assert ": -:" not in text and ": : " not in text, text


def load_or_refuse(load, folder: Path) -> None:
    try:
        load()
    except RecordError as err:
        one_line(err, folder)


@pytest.mark.fuzz
@settings(max_examples=50 * FUZZ_SCALE)
@given(st.data())
def test_mutated_record_files(data):
    name = data.draw(st.sampled_from(FILES))
    mutation = data.draw(mutations(GOOD[name]))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "seeds"
        folder.mkdir()
        for other in FILES:
            shutil.copyfile(DEFAULT_SEEDS / other, folder / other)
        write(folder / name, mutation)
        load_or_refuse(lambda: load_record(folder), folder)


VALIDATION = yaml.safe_load((DEFAULT_SEEDS / "validation" / "events.yaml").read_text(encoding="utf-8"))


@pytest.mark.fuzz
@settings(max_examples=12 * FUZZ_SCALE)
@given(st.data())
def test_mutated_validation_record(data):
    record = load_record()
    mutation = data.draw(mutations(VALIDATION))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "events.yaml"
        write(path, mutation)
        load_or_refuse(lambda: load_events_file(path, record), Path(tmp))


HISTORY = {n: yaml.safe_load((HISTORY_DIR / n).read_text(encoding="utf-8")) for n in ("events.yaml", "sectors.yaml")}


@pytest.mark.fuzz
@settings(max_examples=8 * FUZZ_SCALE)
@given(st.data())
def test_mutated_history(data):
    name = data.draw(st.sampled_from(sorted(HISTORY)))
    mutation = data.draw(mutations(HISTORY[name]))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "history"
        shutil.copytree(HISTORY_DIR, folder)
        write(folder / name, mutation)
        load_or_refuse(lambda: load_history(folder), folder)


# --- the commands ----------------------------------------------------------------------------------


def _violation(d: dict) -> dict:
    return next(e for e in d["events"] if e["kind"] == "violation")


BAD = {
    "deep": lambda d: _violation(d)["claims"][0].update(own_killed=nested(100, 1)),
    "huge": lambda d: _violation(d).update(personnel=2**70),
    "list document": lambda d: d.clear() or d.update(events=[["not", "a", "mapping"]]),
}
COMMANDS = {
    "ceasefire-sim": lambda seeds, out: [
        sys.executable,
        "-m",
        "sim.cli",
        f"record_dir={seeds}",
        f"hydra.run.dir={out}",
    ],
    "ceasefire-validate": lambda seeds, out: [
        *(sys.executable, "-c", "from validation.cli import main; main()"),
        *(f"validation.record={seeds / 'events.yaml'}", f"hydra.run.dir={out}"),
    ],
    "targets": lambda seeds, out: [sys.executable, "-m", "sim.record.targets", "--seeds", str(seeds)],
}


@pytest.mark.parametrize("tool, bad", list(zip(COMMANDS, BAD)))
def test_commands_refuse_a_fuzzed_record_in_one_line(tmp_path, tool, bad):
    """A record of each class the fuzzing covers, given to a command: exit 2, one line naming the file,
    no traceback, nothing written."""
    seeds = tmp_path / "seeds"
    shutil.copytree(DEFAULT_SEEDS, seeds)
    data = copy.deepcopy(GOOD["events.yaml"])
    BAD[bad](data)
    write(seeds / "events.yaml", (None, data))
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(REPO), "HYDRA_FULL_ERROR": "0"}
    proc = subprocess.run(
        COMMANDS[tool](seeds, out), cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert "seeds/events.yaml: " in lines[0], proc.stderr  # the file, relative to cwd (tmp_path), after the setting
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["seeds"]
