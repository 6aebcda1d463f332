"""Worked example of the Python API (docs/api.md): would an observer mission have made the
September 2022 ceasefire last longer? Run it with `python docs/examples/observer_mission.py`;
tests/sim/test_api.py runs it too (with fewer replications)."""

import os

from sim import api

N = int(os.environ.get("EXAMPLE_REPLICATIONS", "200"))

# 1. the record as is, and an observer mission, on parameters drawn from the committed posterior
baseline = api.run("sept2022", replications=N, seed=1, params="calibrated")
mission = api.run("observer_mission", replications=N, seed=1, params="calibrated")

# 2. tidy tables: one row per replication
for name, res in (("sept2022", baseline), ("observer_mission", mission)):
    reps = res.replications
    share = res.summary["share_collapsed"]
    print(
        f"{name:17s} collapsed within a year: {share['estimate']:.0%} "
        f"[{share['ci95'][0]:.0%}, {share['ci95'][1]:.0%}]; mean violations {reps['n_violations'].mean():.1f}; "
        f"collapses by a deliberate offensive: {(reps['collapse_cause'] == 'offensive').sum()}"
    )

# 3. fix one calibrated parameter and let the others be drawn (this ignores their correlation with it)
eager = api.run("sept2022", replications=N, seed=1, params="calibrated", **{"retaliation.propensity": 0.9})
print("fixed:", eager.summary["params"]["fixed"])

# 4. one run of the model, its exchanges of fire as a table
one = api.run_model("sept2022", seed=1)
fire = one.incidents
print(
    f"one run: {len(fire)} exchanges in {fire['episode'].nunique()} episodes, "
    f"killed ARM {fire['killed_ARM'].sum()}, AZE {fire['killed_AZE'].sum()}; top tier {fire['tier'].max()}"
)
print(fire.groupby("kind")["tier"].describe()[["count", "mean", "max"]])
