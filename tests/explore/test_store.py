"""The exploration folder: chunk files written whole and read back whole, identity, lock."""

import json
import os

import numpy as np
import pytest

from explore import store


def runs(points, replications=2, outcomes=2, value=0.0):
    return np.full((points, replications, outcomes), value)


def test_chunks_cover_the_points():
    assert store.chunk_ranges(10, 4) == [(0, 4), (4, 8), (8, 10)]
    assert store.chunk_path("f", 4, 8).name == "000004-000007.npy"
    assert store.failure_path("f", 4, 8).name == "000004-000007.failed.json"


def test_chunk_file_round_trip_and_damage(tmp_path):
    path = tmp_path / "c.npy"
    values = np.random.default_rng(0).random((2, 8, 3))
    path.write_bytes(store.chunk_npy(values))
    assert store.read_chunk(path, 4, 6, 8, 3).tobytes() == values.tobytes()  # exact
    assert store.chunk_npy(values) == store.chunk_npy(values.copy())  # the same bytes for the same values
    with pytest.raises(ValueError, match="not \\(3, 8, 3\\)"):
        store.read_chunk(path, 4, 7, 8, 3)  # a point missing
    with pytest.raises(ValueError, match="shape"):
        store.read_chunk(path, 4, 6, 16, 3)  # another number of runs
    values[0, 0, 0] = np.nan
    path.write_bytes(store.chunk_npy(values))
    with pytest.raises(ValueError, match="not finite"):
        store.read_chunk(path, 4, 6, 8, 3)
    path.write_bytes(store.chunk_npy(np.ones((2, 8, 3)))[:-10])  # cut short (atomic writes never leave this)
    with pytest.raises(ValueError, match="not a chunk file"):
        store.read_chunk(path, 4, 6, 8, 3)


def test_finished_counts_only_whole_files(tmp_path):
    ranges = store.chunk_ranges(6, 3)
    store.prepare(tmp_path, {"id": "x", "identity": "x"}, b"design", b"array", ranges)
    store.chunk_path(tmp_path, 0, 3).write_bytes(store.chunk_npy(runs(3)))
    store.chunk_path(tmp_path, 3, 6).write_bytes(store.chunk_npy(runs(2)))
    assert store.finished(tmp_path, ranges, 2, 2) == [True, False]


def test_another_exploration_in_the_folder_is_cleared_with_a_note(tmp_path):
    ranges = store.chunk_ranges(4, 2)
    assert store.prepare(tmp_path, {"id": "one", "identity": "1"}, b"d", b"a", ranges) is None
    store.chunk_path(tmp_path, 0, 2).write_bytes(store.chunk_npy(runs(2)))
    assert store.prepare(tmp_path, {"id": "one", "identity": "1"}, b"d", b"a", ranges) is None  # the same: kept
    assert store.chunk_path(tmp_path, 0, 2).exists()
    note = store.prepare(tmp_path, {"id": "two", "identity": "2"}, b"d2", b"a2", ranges)
    assert "other settings" in note and not store.chunk_path(tmp_path, 0, 2).exists()
    assert json.loads((tmp_path / store.MANIFEST).read_text())["id"] == "two"
    assert (tmp_path / store.DESIGN).read_bytes() == b"d2"


def test_chunk_files_of_another_chunk_size_are_removed(tmp_path):
    store.prepare(tmp_path, {"id": "one", "identity": "1"}, b"d", b"a", store.chunk_ranges(4, 2))
    store.chunk_path(tmp_path, 0, 2).write_bytes(store.chunk_npy(runs(2)))
    store.prepare(tmp_path, {"id": "one", "identity": "1"}, b"d", b"a", store.chunk_ranges(4, 4))
    assert not list((tmp_path / store.POINTS).glob("*.npy"))


def test_failures_are_recorded_and_read(tmp_path):
    (tmp_path / store.POINTS).mkdir()
    line = store.write_failure(tmp_path, 0, 5, ValueError("bad\nsecond line"))
    assert line == "ValueError: bad" and store.read_failure(tmp_path, 0, 5) == line
    store.clear_failures(tmp_path, [(0, 5)])
    assert store.read_failure(tmp_path, 0, 5) is None


def test_lock_refuses_a_live_process_and_takes_over_a_dead_ones(tmp_path):
    lock = tmp_path / store.LOCK
    lock.write_text(f"{os.getppid()}\n")  # alive: the process that runs the tests
    with pytest.raises(store.FolderInUse, match="another ceasefire-explore"):
        store.claim(tmp_path)
    lock.write_text("999999999\n")  # no such process
    assert store.claim(tmp_path) == lock and lock.read_text().strip() == str(os.getpid())
    store.release(lock)
    assert not lock.exists()


def test_invocations_accumulate(tmp_path):
    store.log_invocation(tmp_path, {"runs": 1})
    store.log_invocation(tmp_path, {"runs": 2})
    assert [e["runs"] for e in store.invocations(tmp_path)] == [1, 2]
