"""The worked examples of docs/extending.md, run: (a) an agent type -- a second contingent by
configuration, a new kind of third party by code, a rate that rises over time (the right way, and the
wrong way the check catches); (b) a scenario in a config folder of one's own;
(c) a statistic on the record and on a run; (d) a plot of a run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure

from sim import api
from sim.common.figures import png_bytes
from sim.experiment import config
from sim.model import rules
from sim.model.border import Border
from sim.model.model import CeasefireModel
from sim.model.params import ModelParams, ObserverParams, ParameterError, validate
from sim.model.rules import HOURS_PER_DAY
from sim.model.run import simulate
from sim.model.third_parties import ThirdParty
from sim.model.timeline import timeline_data
from sim.model.unprovoked import CHECK_ENV, RateAboveBound
from sim.record.loader import load_record
from sim.record.patterns import WINDOW_HOURS, record_episodes, summary_statistics

REPO = Path(__file__).resolve().parents[1]


def full_deterrence(o: ObserverParams) -> float:
    return o.max_deterrence * rules.coverage_effect(o.strength, o.strength_scale)


# --- (a) an agent type ------------------------------------------------------------------------------


def test_a_second_contingent_is_configuration(border):
    """``missions`` adds contingents with observer's fields; where two cover a sector their effects
    combine as independent chances, 1 - (1 - d1)(1 - d2)."""
    north = ObserverParams(strength=100.0, sectors=["vardenis", "sotk", "jermuk"])
    south = ObserverParams(name="southern mission", strength=60.0, sectors=["jermuk", "goris", "kapan"], deploy_day=5.0)
    params = ModelParams(observer=north, missions=[south])
    validate(params, sectors=border.sector_ids)
    model = CeasefireModel(params, border, horizon_days=30.0, rng=np.random.default_rng(1))
    model.run_until(6 * HOURS_PER_DAY)

    d1, d2 = full_deterrence(north), full_deterrence(south)
    assert model.deterrence("vardenis") == d1 and model.deterrence("kapan") == d2
    assert model.deterrence("jermuk") == pytest.approx(1 - (1 - d1) * (1 - d2))
    assert model.border_deterrence() == pytest.approx((2 * d1 + 2 * d2 + 1 - (1 - d1) * (1 - d2)) / 5)
    assert [(t / HOURS_PER_DAY, who) for t, who, what in model.actions if what == "deploy"] == [
        (0.0, "peacekeepers"),
        (5.0, "southern mission"),
    ]

    with pytest.raises(ParameterError, match="names must be unique"):
        validate(ModelParams(observer=north, missions=[ObserverParams(strength=60.0)]))


class Cameras(ThirdParty):
    """Remote monitoring (cameras and sensors) switched on in two southern sectors on day 10: it deters
    unprovoked fire a little and establishes who fired first often; it does not interpose."""

    kind = "monitoring"
    actions = ("switch on",)
    SECTORS = ("goris", "kapan")
    DAY, DETERRENCE, VERIFICATION = 10.0, 0.2, 0.6

    def __init__(self, model):
        super().__init__(model)
        self.label = "cameras"
        self.on = False

    @classmethod
    def from_params(cls, model):
        cameras = cls(model)
        model.schedule_event(cameras.switch_on, at=cls.DAY * HOURS_PER_DAY)
        return [cameras]

    def switch_on(self):
        self.on = True
        self.model.log_action(self.label, "switch on")
        self.model.coverage_changed()  # the model caches per-sector effects

    def deterrence(self, sector):
        return self.DETERRENCE if self.on and sector in self.SECTORS else 0.0

    def verification(self, sector):
        return self.VERIFICATION if self.on and sector in self.SECTORS else None


def test_a_new_kind_of_third_party(border, monkeypatch):
    """A class with the hooks it needs, listed in CeasefireModel.THIRD_PARTIES (patched here; in the
    code: one more entry in the tuple). The model, a run and the timeline take it with no other change."""
    monkeypatch.setattr(CeasefireModel, "THIRD_PARTIES", CeasefireModel.THIRD_PARTIES + (Cameras,))
    observer = ObserverParams(strength=100.0, sectors=["goris"])
    params = ModelParams(observer=observer)
    model = CeasefireModel(params, border, horizon_days=30.0, rng=np.random.default_rng(2))
    model.run_until(11 * HOURS_PER_DAY)
    d = full_deterrence(observer)
    assert model.deterrence("kapan") == Cameras.DETERRENCE
    assert model.deterrence("goris") == pytest.approx(1 - (1 - d) * (1 - Cameras.DETERRENCE))
    assert model.deterrence("vardenis") == 0.0
    assert model.interposition("kapan") == 0.0

    result = simulate(params, 2, 30.0, border)
    assert (Cameras.DAY * HOURS_PER_DAY, "cameras", "switch on") in result.actions
    rows = timeline_data(result)["actor_rows"]
    assert rows.index("peacekeepers") < rows.index("cameras")  # its own kind: its own group of rows


class Sponsor(ThirdParty):
    """A patron who presses both sides from the ceasefire until the day its leverage falls (an election, a
    war elsewhere): from then on, both sides fire more."""

    kind = "sponsor"
    actions = ("leverage falls",)
    LEVER, LATER_LEVER, DAY = 0.6, 0.1, 20.0
    label, lever = "sponsor", LEVER
    RIGHT_WAY = True  # the tests flip it to show what the check catches

    @classmethod
    def from_params(cls, model):
        sponsor = cls(model)
        model.schedule_event(sponsor.lose_leverage, at=cls.DAY * HOURS_PER_DAY)
        return [sponsor]

    def pressure_held(self):
        return self.lever, float("inf")  # a floor under the pressure, until the sponsor says otherwise

    def lose_leverage(self):
        self.lever = self.LATER_LEVER
        self.model.log_action(self.label, "leverage falls")
        if self.RIGHT_WAY:
            self.model.rate_rose()  # the rates of unprovoked fire rise now: re-time the next candidate


def sponsored(border: Border, monkeypatch, right_way: bool) -> ModelParams:
    """Only the sponsor presses; no answers, spillover, offensives or casualties: all fire is unprovoked."""
    monkeypatch.setattr(CeasefireModel, "THIRD_PARTIES", CeasefireModel.THIRD_PARTIES + (Sponsor,))
    monkeypatch.setattr(Sponsor, "RIGHT_WAY", right_way)
    params = ModelParams()
    params.mediation.mediators = []
    params.retaliation.propensity = params.spillover.prob_top_tier = params.offensive.rate_per_year = 0.0
    params.casualties.killed_top_tier = params.grievance.per_exchange = 0.0
    params.violations.base_rate_per_day = 0.4
    return params


def expected_unprovoked(params: ModelParams, border: Border, horizon_days: float, steps: int = 20_000) -> float:
    """The integral of every position's rate of unprovoked fire: grievance decays from the flare-up's,
    pressure is the sponsor's lever, then its later lever."""
    v, g = params.violations, params.grievance
    n = len(border.sector_ids)
    t = (np.arange(steps) + 0.5) * horizon_days * HOURS_PER_DAY / steps
    pressure = np.where(t < Sponsor.DAY * HOURS_PER_DAY, Sponsor.LEVER, Sponsor.LATER_LEVER)
    total = np.zeros_like(t)
    for killed, wounded in border.flareup_losses.values():
        g0 = g.flareup_weight * (g.per_killed * killed + g.per_wounded * wounded) / n
        grievance = g0 * 0.5 ** (t / (g.half_life_days * HOURS_PER_DAY))
        total += n * v.base_rate_per_day / HOURS_PER_DAY * (1 + v.grievance_gain * grievance) * (1 - pressure)
    return float(total.sum() * horizon_days * HOURS_PER_DAY / steps)


def test_a_rate_that_rises_the_wrong_way_is_caught(border, monkeypatch):
    """Leverage that falls without model.rate_rose(): the next candidate finds a rate above its bound."""
    params = sponsored(border, monkeypatch, right_way=False)
    with pytest.raises(RateAboveBound, match="must call model.rate_rose"):
        simulate(params, 1, 60.0, border)


def test_a_rate_that_rises_the_right_way_has_the_rate_the_rules_define(border, monkeypatch):
    """Through model.rate_rose() the check passes, and the fire after the date comes at the new rate."""
    params = sponsored(border, monkeypatch, right_way=True)
    horizon_days, runs = 60.0, 100
    mean = expected_unprovoked(params, border, horizon_days)
    z = [(len(simulate(params, seed, horizon_days, border).incidents) - mean) / np.sqrt(mean) for seed in range(runs)]
    assert abs(np.mean(z)) < 4.0 / np.sqrt(runs), np.mean(z)  # 4 sd of the mean of standardised counts


def test_the_check_is_off_unless_asked_for(border, monkeypatch):
    monkeypatch.delenv(CHECK_ENV)
    model = CeasefireModel(ModelParams(), border, 30.0, rng=np.random.default_rng(1))
    assert "run" not in vars(model.unprovoked)  # the class's own run(): no check in the hot path
    monkeypatch.setenv(CHECK_ENV, "1")
    model = CeasefireModel(ModelParams(), border, 30.0, rng=np.random.default_rng(1))
    assert vars(model.unprovoked)["run"] == model.unprovoked._run_checked


# --- (b) a scenario ---------------------------------------------------------------------------------

TWO_MISSIONS = """\
# @package _global_
# Observers on the northern sectors from the ceasefire; a second mission on the southern ones from day 30.
observer:
  strength: 100.0
  sectors: [vardenis, sotk]
missions:
  - name: southern mission
    strength: 60.0
    sectors: [goris, kapan]
    deploy_day: 30.0
"""


def ceasefire_sim() -> list[str]:
    script = Path(sys.executable).parent / "ceasefire-sim"
    return [str(script)] if script.exists() else [sys.executable, "-m", "sim.cli"]


def test_a_scenario_in_a_config_folder(tmp_path, monkeypatch):
    conf = tmp_path / "my_conf"
    (conf / "scenario").mkdir(parents=True)
    (conf / "scenario" / "two_missions.yaml").write_text(TWO_MISSIONS)

    # from Python: the folder joins the config search path (what --config-dir does)
    monkeypatch.setattr(config, "EXTRA_CONFIG_DIRS", [conf])
    one = api.run_model("two_missions", seed=1, horizon_days=60)
    assert list(one.actions.loc[one.actions.what == "deploy", "who"]) == ["peacekeepers", "southern mission"]

    # from the command line
    out = tmp_path / "run"
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run(
        [
            *ceasefire_sim(),
            "--config-dir",
            str(conf),
            "scenario=two_missions",
            "replications=2",
            "horizon_days=60",
            f"hydra.run.dir={out}",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["scenario"] == "two_missions"
    resolved = summary["provenance"]["config"]
    assert resolved["observer"]["sectors"] == ["vardenis", "sotk"]
    assert [(m["name"], m["sectors"], m["deploy_day"]) for m in resolved["missions"]] == [
        ("southern mission", ["goris", "kapan"], 30.0)
    ]


# --- (c) a statistic --------------------------------------------------------------------------------


def heavy_fire_share(episodes, window_hours: float = WINDOW_HOURS) -> float:
    """Share of the episodes starting in the window that reached mortars or heavier (tier >= 3)."""
    eps = [e for e in episodes if 0.0 <= e.start_hours < window_hours]
    return sum(e.max_tier >= 3 for e in eps) / len(eps) if eps else 0.0


def test_a_statistic_on_the_record_and_on_a_run(border):
    assert heavy_fire_share(record_episodes(load_record())) == 0.5  # 23 Sept small arms, 28 Sept mortars
    # about 12% of 14-day runs have an episode at mortars or heavier: 200 runs all without one has odds of 1e-11
    runs = [simulate(ModelParams(), seed, WINDOW_HOURS / HOURS_PER_DAY, border, check=False) for seed in range(200)]
    shares = [heavy_fire_share(run.episodes) for run in runs]
    assert all(0.0 <= s <= 1.0 for s in shares) and any(s > 0.0 for s in shares)
    # the same episodes the calibration's statistics are computed from
    assert all(summary_statistics(run.episodes)["n_violations"] == len(run.episodes) for run in runs)


# --- (d) a plot -------------------------------------------------------------------------------------


def exchanges_by_sector(result) -> dict[str, int]:
    """What the plot draws: exchanges of fire per sector, north to south."""
    counts = Counter(incident.sector for incident in result.incidents)
    return {sector: counts[sector] for sector in result.border.sector_ids}


def exchanges_by_sector_png(result) -> bytes:
    data = exchanges_by_sector(result)
    fig = Figure(figsize=(6, 3), dpi=100)  # a Figure, never pyplot: no global state
    ax = fig.subplots()
    ax.bar(list(data), list(data.values()), color="#7f7f7f")
    ax.set_xlabel("border sector (north to south)")
    ax.set_ylabel("exchanges of fire")
    fig.tight_layout()
    return png_bytes(fig)


def test_a_plot_of_a_run(border):
    result = simulate(ModelParams(), 3, 365.0, border)
    assert sum(exchanges_by_sector(result).values()) == len(result.incidents)
    png = exchanges_by_sector_png(result)
    assert png.startswith(b"\x89PNG") and png == exchanges_by_sector_png(result)  # same run, same bytes
