"""The exploration folder: its identity, its design, and the results of finished chunks of design points.

```
explore.json                 what this exploration is (settings, inputs, base parameters, digests): written first
design.csv                   the design points (design.npy: the same values, which the jobs slice)
points/000000-000511.npy     a finished chunk: every run's value of every outcome, (points, replications, outcomes)
points/000512-001023.failed.json   a chunk whose job raised: the one-line error and the traceback
run.json                     one entry per invocation: code version, points run, seconds (not part of the results)
```

Every file is written to a temporary name and renamed (sim/common/files.py), so a killed run leaves whole
files or none. A chunk counts as finished when its file reads back whole: a finite array with a row per
design point of its range, a column per replication and a layer per outcome. Keeping every run (not only each
point's mean) lets the analysis resample the replications' random streams (:mod:`explore.indices`).

The identity is the sha256 of ``explore.json``'s ``identity`` part (everything that determines a result:
design, replications, seeds, horizon, base parameters, outcomes, record digest); the same command run again
into the same folder finds it and runs only the missing chunks. A folder holding another exploration's store
is cleared of it first (said in one line). As with sweeps, the identity covers the inputs, not the code:
after changing the model, use a new folder.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import traceback
from pathlib import Path
from typing import Sequence

import numpy as np

from sim.common.commands import failure_line, one_line
from sim.common.files import FolderInUse, claim_folder, release_folder, write_atomic  # noqa: F401 -- re-exported

MANIFEST = "explore.json"
DESIGN = "design.csv"
DESIGN_ARRAY = "design.npy"
POINTS = "points"
RUN_LOG = "run.json"
LOCK = ".ceasefire-explore.lock"


def identity(content: dict) -> str:
    """sha256 of a JSON-able mapping, keys sorted: what the results are a function of."""
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def manifest_bytes(manifest: dict) -> bytes:
    """``explore.json``'s bytes (indented, keys in the order given)."""
    return (json.dumps(manifest, indent=2) + "\n").encode()


def read_manifest(folder: Path) -> dict:
    """``explore.json`` of ``folder``; raise ValueError if it is missing or not an exploration's."""
    try:
        data = json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ValueError(f"{Path(folder) / MANIFEST}: not readable ({one_line(e)})") from None
    if not isinstance(data, dict) or "identity" not in data or "id" not in data:
        raise ValueError(f"{Path(folder) / MANIFEST}: not an exploration's manifest")
    return data


def chunk_ranges(points: int, size: int) -> list[tuple[int, int]]:
    """The design points of each chunk, ``(start, stop)``."""
    return [(a, min(a + size, points)) for a in range(0, points, size)]


def chunk_path(folder: Path, start: int, stop: int) -> Path:
    """Where a chunk's results go: ``points/<first>-<last>.npy``."""
    return Path(folder) / POINTS / f"{start:06d}-{stop - 1:06d}.npy"


def failure_path(folder: Path, start: int, stop: int) -> Path:
    """Where a failed chunk's error goes."""
    return chunk_path(folder, start, stop).with_suffix(".failed.json")


def chunk_npy(values: np.ndarray) -> bytes:
    """A chunk's file: every run's value of every outcome, a float64 array (points, replications, outcomes) in
    NumPy's format (exact, and the same bytes for the same values)."""
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(values, dtype=np.float64), allow_pickle=False)
    return buf.getvalue()


def read_chunk(path: Path, start: int, stop: int, runs: int, n_outcomes: int) -> np.ndarray:
    """The values of a chunk file; raise ValueError unless it is whole: a finite float64 array of shape
    (``stop - start``, ``runs``, ``n_outcomes``)."""
    try:
        values = np.load(Path(path), allow_pickle=False)
    except (EOFError, OSError, ValueError) as e:
        if isinstance(e, FileNotFoundError):
            raise
        raise ValueError(f"{Path(path).name}: not a chunk file ({one_line(e)})") from None
    expected = (stop - start, runs, n_outcomes)
    if values.dtype != np.float64 or values.shape != expected:
        raise ValueError(f"{Path(path).name}: {values.dtype} array of shape {values.shape}, not {expected}")
    if not np.isfinite(values).all():
        raise ValueError(f"{Path(path).name}: values that are not finite")
    return values


def finished(folder: Path, ranges: Sequence[tuple[int, int]], runs: int, n_outcomes: int) -> list[bool]:
    """For each chunk, whether its file reads back whole (:func:`read_chunk`)."""
    out = []
    for start, stop in ranges:
        try:
            read_chunk(chunk_path(folder, start, stop), start, stop, runs, n_outcomes)
            out.append(True)
        except (OSError, ValueError):
            out.append(False)
    return out


def write_failure(folder: Path, start: int, stop: int, exc: BaseException) -> str:
    """Record a chunk's failure (``.failed.json``: one line and the traceback); return the line."""
    line = failure_line(exc)
    record = {"error": line, "exception": type(exc).__name__, "traceback": "".join(traceback.format_exception(exc))}
    write_atomic(failure_path(folder, start, stop), json.dumps(record, indent=2) + "\n")
    return line


def read_failure(folder: Path, start: int, stop: int) -> str | None:
    """The one-line error of a failed chunk, or None."""
    try:
        return str(json.loads(failure_path(folder, start, stop).read_text())["error"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def prepare(
    folder: Path, manifest: dict, design: bytes, design_array: bytes, ranges: Sequence[tuple[int, int]]
) -> str | None:
    """Make ``folder`` hold this exploration: its manifest and design, and its ``points/`` folder. A store
    of another exploration (another identity) is removed first; return a note saying so, else None. Chunk
    files of other ranges (an earlier chunk size) are removed: their points run again."""
    folder = Path(folder)
    note = None
    try:
        earlier = read_manifest(folder)
    except ValueError:
        earlier = None
    if earlier is not None and earlier.get("identity") != manifest["identity"]:
        shutil.rmtree(folder / POINTS, ignore_errors=True)
        for name in (DESIGN, DESIGN_ARRAY, MANIFEST):
            (folder / name).unlink(missing_ok=True)
        note = (
            f"{folder}: it held an exploration with other settings (id {earlier.get('id')}); its results were removed"
        )
    elif earlier is None and (folder / POINTS).exists():
        shutil.rmtree(folder / POINTS, ignore_errors=True)  # chunks without a manifest: unknown settings
    elif earlier is not None and earlier.get("code_version") != manifest.get("code_version"):
        note = (
            f"{folder}: its finished chunks ran with code {earlier.get('code_version')}; the others run with "
            f"{manifest.get('code_version')} (the report names both; a new folder keeps to one)"
        )
        manifest = {**manifest, "code_version": earlier.get("code_version")}
    (folder / POINTS).mkdir(parents=True, exist_ok=True)
    expected = {chunk_path(folder, a, b).name for a, b in ranges}
    for path in (folder / POINTS).glob("*.npy"):
        if path.name not in expected:
            path.unlink(missing_ok=True)
    for name, data in ((DESIGN, design), (DESIGN_ARRAY, design_array)):
        if not (folder / name).is_file() or (folder / name).read_bytes() != data:
            write_atomic(folder / name, data)
    data = manifest_bytes(manifest)
    if not (folder / MANIFEST).is_file() or (folder / MANIFEST).read_bytes() != data:
        write_atomic(folder / MANIFEST, data)
    return note


def clear_failures(folder: Path, ranges: Sequence[tuple[int, int]]) -> None:
    """Remove the failure records of the chunks about to run again."""
    for start, stop in ranges:
        failure_path(folder, start, stop).unlink(missing_ok=True)


def log_invocation(folder: Path, entry: dict) -> None:
    """Append one invocation's entry to ``run.json`` (a list; rewritten whole)."""
    path = Path(folder) / RUN_LOG
    try:
        entries = json.loads(path.read_text())
        if not isinstance(entries, list):
            entries = []
    except (OSError, ValueError):
        entries = []
    entries.append(entry)
    write_atomic(path, json.dumps(entries, indent=2) + "\n")


def invocations(folder: Path) -> list[dict]:
    """The entries of ``run.json`` (empty when there is none)."""
    try:
        entries = json.loads((Path(folder) / RUN_LOG).read_text())
    except (OSError, ValueError):
        return []
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []


def claim(folder: Path) -> Path:
    """Mark ``folder`` as this process's (a lock file holding its pid, created exclusively); raise
    :class:`FolderInUse` if another live process holds it. A lock left by a dead process is taken over."""
    return claim_folder(
        folder,
        LOCK,
        "ceasefire-explore (pid {pid}) is running in this folder; wait for it or give another folder "
        "(hydra.sweep.dir=...)",
    )


release = release_folder
