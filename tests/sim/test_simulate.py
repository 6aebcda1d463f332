"""One run's outputs on disk."""

import csv
import json

from sim.model.model import INCIDENT_FIELDS
from sim.model.params import ModelParams
from sim.model.run import simulate, write_run

SUMMARY_KEYS = {"seed", "scenario", "horizon_days", "collapsed", "collapse_cause", "durability_days", "n_violations",
                "killed", "wounded", "max_tier"}


def test_write_run_writes_the_three_outputs(tmp_path, setting):
    res = simulate(ModelParams(), 3, 365, setting, scenario="sept2022")
    write_run(res, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["incidents.csv", "summary.json", "timeline.png"]
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert SUMMARY_KEYS <= summary.keys()
    assert summary["scenario"] == "sept2022" and summary["seed"] == 3
    rows = list(csv.DictReader((tmp_path / "incidents.csv").open()))
    assert tuple(rows[0].keys()) == INCIDENT_FIELDS
    assert len(rows) == summary["n_exchanges"]
    assert (tmp_path / "timeline.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_timeline_is_reproducible(tmp_path, setting):
    for d in ("a", "b"):
        write_run(simulate(ModelParams(), 5, 200, setting), tmp_path / d)
    for name in ("incidents.csv", "summary.json", "timeline.png"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_pattern_episodes_add_up_to_the_run(setting):
    from sim.record.patterns import summary_statistics
    from sim.model.run import pattern_episodes
    res = simulate(ModelParams(), 11, 365, setting)
    eps = pattern_episodes(res)
    assert len(eps) == res.summary["n_violations"]
    assert {s: sum(e.killed[s] for e in eps) for s in ("ARM", "AZE")} == res.summary["killed"]
    stats = summary_statistics(eps, window_hours=365 * 24.0, war_scale_killed=1e9)
    assert stats["n_violations"] == len(eps) and stats["max_tier"] == res.summary["max_tier"]
    for e, ep in zip(eps, res.episodes):
        victim = "AZE" if ep.initiator == "ARM" else "ARM"
        assert e.blamed[victim] == ep.initiator


def test_war_regime_kills_at_war_scale_and_respects_its_cap(setting):
    from sim.model.run import war_scale_killed
    killed = [war_scale_killed(ModelParams(), s, setting) for s in range(20)]
    assert min(killed) > 0
    assert war_scale_killed(ModelParams(), 1, setting) == killed[1]
    lethal = ModelParams()
    lethal.casualties.killed_top_tier = 50.0
    assert war_scale_killed(lethal, 1, setting, cap=300.0) < 300.0 + 10 * 50 * 4
