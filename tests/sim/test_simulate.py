"""One run's outputs on disk."""

import csv
import json

from sim.model.incidents import INCIDENT_FIELDS
from sim.model.params import ModelParams
from sim.model.run import simulate, write_run

SUMMARY_KEYS = {
    "seed",
    "scenario",
    "horizon_days",
    "collapsed",
    "collapse_cause",
    "durability_days",
    "n_violations",
    "killed",
    "wounded",
    "max_tier",
}


def test_write_run_writes_the_three_outputs(tmp_path, border):
    res = simulate(ModelParams(), 3, 365, border, scenario="sept2022")
    write_run(res, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["incidents.csv", "summary.json", "timeline.png"]
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert SUMMARY_KEYS <= summary.keys()
    assert summary["scenario"] == "sept2022" and summary["seed"] == 3
    rows = list(csv.DictReader((tmp_path / "incidents.csv").open()))
    assert tuple(rows[0].keys()) == INCIDENT_FIELDS
    assert len(rows) == summary["n_exchanges"]
    assert (tmp_path / "timeline.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_timeline_is_reproducible(tmp_path, border):
    for d in ("a", "b"):
        write_run(simulate(ModelParams(), 5, 200, border), tmp_path / d)
    for name in ("incidents.csv", "summary.json", "timeline.png"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_episodes_add_up_to_the_run(border):
    from sim.record.patterns import summary_statistics

    res = simulate(ModelParams(), 11, 365, border)
    eps = res.episodes
    assert len(eps) == res.summary.n_violations
    assert {s: sum(e.killed[s] for e in eps) for s in ("ARM", "AZE")} == res.summary.killed
    stats = summary_statistics(eps, window_hours=365 * 24.0, war_scale_killed=1e9)
    assert stats["n_violations"] == len(eps) and stats["max_tier"] == res.summary.max_tier
    for ep in eps:
        victim = "AZE" if ep.initiator == "ARM" else "ARM"
        assert ep.blamed[victim] == ep.initiator


def test_episodes_are_what_their_incidents_say(border):
    """The model fills each episode as it runs; regrouping the incident log gives the same episodes."""
    for seed in range(30):
        res = simulate(ModelParams(), seed, 365, border)
        rows: dict[int, list] = {}
        for r in res.incidents:
            rows.setdefault(r.episode, []).append(r)
        assert sorted(rows) == [ep.id for ep in res.episodes] == list(range(len(res.episodes)))
        for ep in res.episodes:
            mine = rows[ep.id]
            assert ep.exchanges == len(mine)
            assert ep.start_hours == mine[0].time_hours and ep.sector == mine[0].sector
            assert ep.initiator == mine[0].initiator and ep.verified == mine[0].verified
            assert ep.killed == {"ARM": sum(r.killed_ARM for r in mine), "AZE": sum(r.killed_AZE for r in mine)}
            assert ep.wounded == {"ARM": sum(r.wounded_ARM for r in mine), "AZE": sum(r.wounded_AZE for r in mine)}
            assert ep.max_tier == max(r.tier for r in mine)
            answered = {r.initiator for r in mine if r.kind == "retaliation"}
            assert ep.retaliated == {s: s in answered for s in ("ARM", "AZE")}
            assert ep.blamed == {"ARM": mine[0].claim_ARM or None, "AZE": mine[0].claim_AZE or None}


def test_war_regime_kills_at_war_scale_and_respects_its_cap(border):
    from sim.model.run import war_scale_killed

    killed = [war_scale_killed(ModelParams(), s, border) for s in range(20)]
    assert min(killed) > 0
    assert war_scale_killed(ModelParams(), 1, border) == killed[1]
    lethal = ModelParams()
    lethal.casualties.killed_top_tier = 50.0
    assert war_scale_killed(lethal, 1, border, cap=300.0) < 300.0 + 10 * 50 * 4
