"""The job side of a sweep: config hash, skip-if-finished, failure markers."""

from __future__ import annotations

import json
import logging

import pytest
from omegaconf import OmegaConf

from sim.experiment.config import compose_config
from sim.sweep import CONFIG_HASH_FILE, FAILED_FILE, REPLICATIONS_FILE, SUMMARY_FILE
from sim.sweep.jobs import config_hash, is_finished, one_line, read_failure, run_sweep_job


@pytest.fixture(scope="module")
def cfg():
    return compose_config(["observer.strength=20", "replications=3"])


def test_hash_is_that_of_the_saved_config(cfg, tmp_path):
    # what the task function receives and what Hydra saves as .hydra/config.yaml hash alike
    OmegaConf.save(cfg, tmp_path / "config.yaml")
    assert config_hash(OmegaConf.load(tmp_path / "config.yaml")) == config_hash(cfg)
    assert len(config_hash(cfg)) == 64


def test_hash_changes_with_results_not_with_progress(cfg):
    other = compose_config(["observer.strength=40", "replications=3"])
    quiet = compose_config(["observer.strength=20", "replications=3", "progress=false"])
    assert config_hash(other) != config_hash(cfg)
    assert config_hash(quiet) == config_hash(cfg)


def test_hash_changes_with_plots_only_when_they_are_drawn(cfg):
    """A sweep job draws its plots only with plots=true: re-run with it, the finished jobs run again
    to draw them; plots=false (the same files as auto) or another number of workers skips them."""
    same = [["plots=false"], ["workers=1"], ["plots=auto", "workers=auto"]]
    for extra in same:
        assert config_hash(compose_config(["observer.strength=20", "replications=3", *extra])) == config_hash(cfg)
    assert config_hash(compose_config(["observer.strength=20", "replications=3", "plots=true"])) != config_hash(cfg)


def _summary(out_dir):
    def run():
        s = {"scenario": "x", "replications": 3, "horizon_days": 365.0}
        (out_dir / REPLICATIONS_FILE).write_text(
            "replication,collapsed,durability_days\n0,1,10.0\n1,0,365.0\n2,1,200.5\n"
        )
        (out_dir / SUMMARY_FILE).write_text(json.dumps(s))
        return s

    return run


def test_finished_job_is_skipped(cfg, tmp_path):
    calls = []

    def run():
        calls.append(1)
        return _summary(tmp_path)()

    expected = {"scenario": "x", "replications": 3, "horizon_days": 365.0}
    assert run_sweep_job(cfg, tmp_path, run) == expected
    assert is_finished(tmp_path, config_hash(cfg))
    assert run_sweep_job(cfg, tmp_path, run) == expected
    assert len(calls) == 1  # second call read it back from disk


def test_changed_config_runs_again_and_clears_stale_results(cfg, tmp_path):
    run_sweep_job(cfg, tmp_path, _summary(tmp_path))
    other = compose_config(["observer.strength=40", "replications=3"])
    seen = {}

    def run():
        seen["summary_present"] = (tmp_path / SUMMARY_FILE).exists()
        seen["hash"] = (tmp_path / CONFIG_HASH_FILE).read_text().strip()
        return _summary(tmp_path)()

    run_sweep_job(other, tmp_path, run)
    assert seen == {"summary_present": False, "hash": config_hash(other)}


def test_failure_leaves_a_marker_and_does_not_raise(cfg, tmp_path, caplog):
    def boom():
        raise OSError("disk full\nsecond line")

    with caplog.at_level(logging.ERROR, logger="ceasefire-sim"):
        assert run_sweep_job(cfg, tmp_path, boom) is None
    record = json.loads((tmp_path / FAILED_FILE).read_text())
    assert record["error"] == "OSError: disk full"
    assert record["config_sha256"] == config_hash(cfg)
    assert "Traceback" in record["traceback"]
    assert read_failure(tmp_path) == "OSError: disk full"
    assert not (tmp_path / SUMMARY_FILE).exists()
    assert [r.getMessage() for r in caplog.records] == [f"error: job {tmp_path.name} failed: OSError: disk full"]
    # the next attempt succeeds and removes the marker
    run_sweep_job(cfg, tmp_path, _summary(tmp_path))
    assert not (tmp_path / FAILED_FILE).exists()
    assert is_finished(tmp_path, config_hash(cfg))


def test_interrupt_is_not_swallowed(cfg, tmp_path):
    def interrupted():
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep_job(cfg, tmp_path, interrupted)
    assert not (tmp_path / FAILED_FILE).exists()


def test_one_line():
    assert one_line(ValueError("a\nb")) == "ValueError: a"
    assert one_line(KeyError()) == "KeyError"
