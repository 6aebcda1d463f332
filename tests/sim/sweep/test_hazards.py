"""Cox proportional-hazards table of a sweep."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter

from sim.sweep.aggregate import read_sweep
from sim.sweep.hazards import cox_csv, cox_table, format_cox

from .helpers import exponential_data, make_sweep

HR_STRENGTH = {0: 1.0, 50: 0.5}  # true hazard ratios of the synthetic data
HR_MEDIATION = {0: 1.0, 1: 2.0}


def _rate(v):
    return 0.004 * HR_STRENGTH[v["observer.strength"]] * HR_MEDIATION[v["mediation.intensity"]]


def test_recovers_known_hazard_ratios(tmp_path):
    d = make_sweep(
        tmp_path / "s",
        params={"observer.strength": [0, 50], "mediation.intensity": [0, 1]},
        data=exponential_data(_rate, n=600),
    )
    table = cox_table(read_sweep(d))
    rows = {(r.factor, r.level): r for r in table.rows}
    assert rows[("observer.strength", 0)].note == "reference" and rows[("observer.strength", 0)].hazard_ratio == 1
    for key, truth in ((("observer.strength", 50), 0.5), (("mediation.intensity", 1), 2.0)):
        r = rows[key]
        assert r.ci_low < truth < r.ci_high
        assert not (r.ci_low < 1 < r.ci_high)  # the effect is detected
        assert r.p < 0.001
    assert table.replications == 2400 and table.left_out == 0


def test_value_without_collapse_is_left_out_exactly(tmp_path):
    def data(v):
        if v["observer.strength"] == 100:  # no collapse at all at this value
            return np.full(50, 365.0), np.zeros(50, dtype=bool)
        return exponential_data(
            lambda _: 0.004 * HR_MEDIATION[v["mediation.intensity"]],
            n=50,
            seed=v["observer.strength"] * 10 + v["mediation.intensity"],
        )(v)

    d = make_sweep(tmp_path / "s", params={"observer.strength": [0, 20, 100], "mediation.intensity": [0, 1]}, data=data)
    sweep = read_sweep(d)
    table = cox_table(sweep)
    rows = {(r.factor, r.level): r for r in table.rows}
    r100 = rows[("observer.strength", 100)]
    assert r100.hazard_ratio is None and "not estimable" in r100.note and r100.collapses == 0
    assert table.left_out == 100
    # the same as fitting without those replications (the limit of the full fit)
    frames = []
    for j in sweep.finished:
        if j.values["observer.strength"] == 100:
            continue
        frames.append(
            pd.DataFrame(
                {
                    "duration": j.durations,
                    "event": j.collapsed.astype(int),
                    "s20": float(j.values["observer.strength"] == 20),
                    "m1": float(j.values["mediation.intensity"] == 1),
                }
            )
        )
    ref = CoxPHFitter().fit(pd.concat(frames), "duration", "event").summary
    assert rows[("observer.strength", 20)].hazard_ratio == pytest.approx(ref.loc["s20", "exp(coef)"], rel=1e-6)
    assert rows[("mediation.intensity", 1)].ci_high == pytest.approx(ref.loc["m1", "exp(coef) upper 95%"], rel=1e-6)


def test_no_collapse_anywhere(tmp_path):
    d = make_sweep(
        tmp_path / "s",
        params={"observer.strength": [0, 20]},
        data=lambda v: (np.full(10, 365.0), np.zeros(10, dtype=bool)),
    )
    table = cox_table(read_sweep(d))
    assert "cannot be estimated" in table.note
    assert all(r.hazard_ratio is None for r in table.rows)
    assert "cannot be estimated" in format_cox(table)


def test_csv_and_printed_table(tmp_path):
    d = make_sweep(
        tmp_path / "s",
        params={"observer.strength": [0, 50], "mediation.intensity": [0, 1]},
        data=exponential_data(_rate, n=100),
    )
    table = cox_table(read_sweep(d))
    rows = list(csv.DictReader(io.StringIO(cox_csv(table))))
    assert [r["factor"] for r in rows] == ["observer.strength"] * 2 + ["mediation.intensity"] * 2
    assert list(rows[0]) == [
        "factor",
        "level",
        "reference",
        "replications",
        "collapses",
        "hazard_ratio",
        "ci_low",
        "ci_high",
        "p",
        "note",
    ]
    assert rows[0]["hazard_ratio"] == "1.0" and rows[0]["note"] == "reference"
    assert float(rows[1]["ci_low"]) < float(rows[1]["hazard_ratio"]) < float(rows[1]["ci_high"])
    text = format_cox(table)
    assert "HR" in text and "95% CI" in text and "observer.strength" in text
