"""Tests of sim.sweep (mirrors the source tree: sim/sweep/X.py -> tests/sim/sweep/test_X.py)."""
