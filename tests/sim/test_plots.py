"""The run timeline: one encoding per meaning (tier = sequential colour, side = shape and its own
colour pair), the collapse and its cause, the parameter source in the title; deterministic bytes."""

from __future__ import annotations

import pytest
from matplotlib.colors import to_rgb

from sim.experiment.config import load_border
from sim.model.incidents import Incident
from sim.model.params import SIDES, TIERS
from sim.model.run import RunResult, RunSummary
from sim.model.timeline import SIDE_COLOURS, SIDE_MARKERS, TIER_COLOURS, collapse_info, timeline_data, timeline_png

PNG = b"\x89PNG\r\n\x1a\n"


def _incident(i, hours, sector, side, kind, tier, killed=(0, 0)):
    return Incident(
        id=i,
        time_hours=hours,
        sector=sector,
        initiator=side,
        target="AZE" if side == "ARM" else "ARM",
        kind=kind,
        tier=tier,
        killed_ARM=killed[0],
        killed_AZE=killed[1],
        wounded_ARM=0,
        wounded_AZE=1,
        retaliation_of=-1,
        episode=0,
        claim_ARM="AZE",
        claim_AZE="ARM",
        verified=False,
    )


@pytest.fixture(scope="module")
def border():
    return load_border("")


def _result(border, cause="", collapse_hours=None):
    sec = list(border.sector_ids)
    incidents = [
        _incident(0, 30.0, sec[0], "ARM", "unprovoked", 1),
        _incident(1, 31.0, sec[0], "AZE", "retaliation", 2),
        _incident(2, 50.0, sec[1], "AZE", "spillover", 3, killed=(1, 0)),
    ]
    actions = [(0.0, "Russia", "ceasefire"), (40.0, "EU", "pressure")]
    if cause == "offensive":
        actions.append((90.0, "command AZE", "offensive"))
        incidents += [_incident(3 + k, 90.0 + k, s, "AZE", "offensive", 4, killed=(20, 0)) for k, s in enumerate(sec)]
    collapsed = collapse_hours is not None
    if collapsed:
        actions.append((collapse_hours, "ceasefire", "collapse"))
    summary = RunSummary(
        seed=7,
        spawn_key=[0],
        scenario="sept2022",
        horizon_days=365.0,
        collapsed=collapsed,
        collapse_cause=cause,
        durability_days=collapse_hours / 24 if collapsed else 365.0,
        n_violations=2,
        n_exchanges=len(incidents),
        killed={},
        wounded={},
        max_tier=4,
    )
    return RunResult(summary, incidents, [], actions, border, 0)


def test_tier_and_side_never_share_colours():
    assert not {c.lower() for c in TIER_COLOURS.values()} & {c.lower() for c in SIDE_COLOURS.values()}
    # tier is a sequential scale: darker with every step up the ladder
    lum = [sum(w * v for w, v in zip((0.299, 0.587, 0.114), to_rgb(TIER_COLOURS[t]))) for t in TIERS]
    assert lum == sorted(lum, reverse=True) and len(set(lum)) == len(TIERS)
    assert len(set(SIDE_MARKERS.values())) == len(SIDES)


def test_timeline_data_encodes_tier_by_colour_and_side_by_shape(border):
    d = timeline_data(_result(border, "offensive", collapse_hours=100.0))
    for f in d["fire"]:
        assert f["colour"] == TIER_COLOURS[f["tier"]]
        assert f["marker"] == SIDE_MARKERS[f["side"]] and f["edge"] == SIDE_COLOURS[f["side"]]
    assert {c["colour"] for c in d["casualties"].values()} == set(SIDE_COLOURS.values())
    assert not {c["colour"] for c in d["casualties"].values()} & set(TIER_COLOURS.values())
    assert [f["offensive"] for f in d["fire"]].count(True) == len(border.sector_ids)
    # a command's offensive shows in its own row, in its side's colour
    cmd = [a for a in d["actors"] if a["who"] == "command AZE"]
    assert cmd and cmd[0]["colour"] == SIDE_COLOURS["AZE"] and "command AZE" in d["actor_rows"]


@pytest.mark.parametrize(
    "cause,text",
    [("offensive", "deliberate offensive by AZE"), ("spiral", "spiral of local incidents"), ("", "cause not recorded")],
)
def test_collapse_marker_says_its_cause(border, cause, text):
    r = _result(border, cause, collapse_hours=100.0)
    c = collapse_info(r)
    assert c["day"] == pytest.approx(100.0 / 24) and c["cause"] == cause
    assert text in c["label"]
    d = timeline_data(r)
    assert text in d["title"] and "collapsed on day 4.2" in d["title"]
    assert d["xmax"] < 365.0  # the axis ends shortly after the collapse, not at the horizon


def test_held_run_and_parameter_source_in_title(border):
    d = timeline_data(_result(border))
    assert d["collapse"] is None and "held to the horizon (365 days)" in d["title"]
    assert d["xmax"] == 365.0
    assert "scenario sept2022" in d["title"] and "seed 7, replication 0" in d["title"]
    assert "parameters: as configured" in d["title"]
    d = timeline_data(_result(border), params_info={"source": "default", "description": "hand-set"})
    assert "parameters: defaults" in d["title"]
    info = {"source": "calibrated", "posterior": "calibration/results/posterior.csv", "posterior_sha256": "ab" * 32}
    assert "committed posterior" in timeline_data(_result(border), params_info=info)["title"]


def test_timeline_png_is_deterministic(border):
    r = _result(border, "offensive", collapse_hours=100.0)
    png = timeline_png(r)
    assert png.startswith(PNG) and png == timeline_png(r)
    assert timeline_png(_result(border)).startswith(PNG)
