"""Posterior files fuzzed: the committed ``posterior.csv`` mutated (columns dropped, repeated or renamed;
cells not numbers, not finite, huge or outside the priors; an empty file, a header alone, a byte-order mark,
another delimiter, line endings, bytes that are not UTF-8) and read as the commands and the Python API read it.

The property: :meth:`calibration.posterior.Posterior.load` either returns samples every one of which lies
inside its parameter's prior with weights that sum to one, or raises ONE :class:`PosteriorError` line
naming the file -- never another exception. A command given the file (``ceasefire-sim params=FILE``,
``ceasefire-validate validation.posterior=FILE``, ``ceasefire-explore exploration.range_source=FILE``)
refuses a bad one with exit code 2 and one line naming the setting, and the Python API with one
:class:`sim.model.params.ParameterError`.
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calibration.posterior import RESULTS, Posterior, PosteriorError
from calibration.priors import FREE_PARAMETERS

# at import, not inside a test: a module defining @given tests, imported in one, fails hypothesis's nested check
from tests.common.test_fuzz_overrides import TOOLS, answer
from tests.conftest import FUZZ_SCALE

COMMITTED = (RESULTS / "posterior.csv").read_text().splitlines()[:6]  # the header and five samples
PRIORS = {p.name: p for p in FREE_PARAMETERS}

CELLS = st.one_of(
    st.sampled_from(["nan", "inf", "-inf", "1e400", "-1e400", "", " ", "abc", "0x10", "1,5", "--1", "1e-400", "é"]),
    st.integers(2, 500).map(lambda n: "9" * n),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=8),
)


def _table() -> list[list[str]]:
    return [list(r) for r in csv.reader(io.StringIO("\n".join(COMMITTED)))]


def _write(rows: list[list[str]], delimiter: str = ",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return out.getvalue()


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """The committed posterior's first rows with one to three mutations."""
    rows = _table()
    width = len(rows[0])
    for _ in range(draw(st.integers(1, 3))):
        if len(rows) < 2 or not rows[0]:
            break  # nothing left to mutate
        how = draw(st.sampled_from(["drop", "repeat", "rename", "cell", "row", "scale", "weights", "shape"]))
        j = draw(st.integers(0, width - 1))
        if how == "drop":
            rows = [r[:j] + r[j + 1 :] for r in rows]
        elif how == "repeat":
            rows = [r + [r[j]] if j < len(r) else r for r in rows]
        elif how == "rename":
            name = draw(st.sampled_from([*PRIORS, "weight", "Weight", "violations.base_rate", "", " x"]))
            rows[0][j % len(rows[0])] = name
        elif how == "cell":
            i = draw(st.integers(1, len(rows) - 1))
            if rows[i]:
                rows[i][j % len(rows[i])] = draw(CELLS)
        elif how == "row":
            i = draw(st.integers(1, len(rows) - 1))
            rows[i] = rows[i][: draw(st.integers(0, width + 1))] + draw(st.lists(CELLS, max_size=2))
        elif how == "scale":  # a column moved out of its prior (or kept inside)
            factor = draw(st.sampled_from([-1.0, 0.0, 1e-9, 10.0, 1e6, 1e300]))
            for r in rows[1:]:
                if j < len(r):
                    try:
                        r[j] = repr(float(r[j]) * factor)
                    except ValueError:
                        pass
        elif how == "weights":
            weights = draw(st.sampled_from(["0", "-1", "1e308", "nan"]))
            for r in rows[1:]:
                r[-1:] = [weights]
        else:
            rows = rows[: draw(st.integers(0, 2))]
    delimiter = draw(st.sampled_from([",", ",", ",", ";", "\t"]))
    text = _write(rows, delimiter)
    if draw(st.booleans()):
        text = text.replace("\n", draw(st.sampled_from(["\r\n", "\r", "\n\n"])))
    data = text.encode()
    prefix = draw(st.sampled_from([b"", b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\x00"]))
    suffix = draw(st.sampled_from([b"", b"", b"\n\n", b"\x80", b" , \n"]))
    return prefix + data + suffix


def check_loaded(path: Path) -> Posterior | None:
    """``Posterior.load``: samples inside the priors, or one PosteriorError line naming the file."""
    try:
        posterior = Posterior.load(path)
    except PosteriorError as e:
        line = str(e)
        assert "\n" not in line and "\r" not in line and line.isprintable(), repr(line)
        assert line.startswith(f"{path}: "), line
        assert len(line) < 1000, line
        return None
    assert posterior.names and set(posterior.names) <= set(PRIORS)
    assert np.isfinite(posterior.values).all() and abs(posterior.weights.sum() - 1) < 1e-9
    for j, name in enumerate(posterior.names):
        p = PRIORS[name]
        tol = 1e-9 * max(abs(p.lo), abs(p.hi), 1.0)
        assert (posterior.values[:, j] >= p.lo - tol).all() and (posterior.values[:, j] <= p.hi + tol).all(), name
    return posterior


@pytest.mark.fuzz
@settings(max_examples=60 * FUZZ_SCALE)
@given(data=mutated())
def test_mutated_posterior_files(data):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "posterior.csv"
        path.write_bytes(data)
        check_loaded(path)


@pytest.mark.fuzz
@settings(max_examples=3 * FUZZ_SCALE)
@given(data=mutated())
def test_a_bad_posterior_is_one_line_from_each_command_and_the_api(data):
    """The commands and the API on the same file: accepted by all, or refused by each with one line."""
    from sim import api
    from sim.model.params import ParameterError

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "posterior.csv"
        path.write_bytes(data)
        good = check_loaded(path) is not None
        settings_ = {
            "ceasefire-sim": f"params={path}",
            "ceasefire-validate": f"validation.posterior={path}",
            "ceasefire-explore": f"exploration.range_source={path}",
        }
        for name, override in settings_.items():
            tool = TOOLS[name]
            a = answer(tool, [*tool.fixed, override])
            assert a.written == [] and "Traceback" not in a.stderr, a.stderr
            if good:
                # a posterior whose 90% intervals are empty is refused by the exploration alone
                assert a.code == "accepted" or (name == "ceasefire-explore" and "is empty" in a.stderr), a.stderr
                continue
            assert a.code == 2 and len(a.lines) == 1, (name, a.code, a.stderr)
            assert a.lines[0].startswith(f"error: {override.partition('=')[0]}="), a.lines[0]
        try:
            api.configure(params=str(path)) and api.run(params=str(path), replications=1, horizon_days=1, workers=1)
        except ParameterError as e:
            assert not good and "\n" not in str(e), str(e)
        else:
            assert good
