"""One 365-day baseline run: median ms, events per run, µs per scheduled event, runs/s, peak memory.

Targets (issue 3): median run <= 5 ms on one core; <= 20 µs per scheduled event; peak memory
that does not grow with the horizon beyond the incident log itself.
"""

from __future__ import annotations

import statistics
import sys
import time
import tracemalloc

from sim.model.border import Border
from sim.model.params import ModelParams
from sim.model.run import simulate

TARGET_MS_PER_RUN = 5.0
TARGET_US_PER_EVENT = 20.0


def time_runs(border: Border, n_runs: int = 1000, horizon_days: float = 365.0, repeats: int = 3) -> dict:
    """The same ``n_runs`` seeds timed ``repeats`` times; the fastest repetition is reported.

    This machine is a shared VM whose speed varies by tens of percent from minute to minute; the
    fastest repetition is the least noisy estimate of the code's own cost (all repetitions printed).
    """
    params = ModelParams()
    for seed in range(20):  # warm-up: imports, caches
        simulate(params, 10_000 + seed, horizon_days, border)
    reps = []
    for _ in range(repeats):
        per_run, events = [], []
        start = time.perf_counter()
        for seed in range(n_runs):
            t0 = time.perf_counter()
            res = simulate(params, seed, horizon_days, border)
            per_run.append(time.perf_counter() - t0)
            events.append(res.n_scheduled)
        wall = time.perf_counter() - start
        reps.append(
            {
                "runs": n_runs,
                "median_ms": statistics.median(per_run) * 1e3,
                "events_per_run": statistics.mean(events),
                "us_per_event": wall / sum(events) * 1e6,
                "runs_per_s": n_runs / wall,
            }
        )
    best = min(reps, key=lambda r: r["median_ms"])
    best["all_median_ms"] = [r["median_ms"] for r in reps]
    return best


def memory_by_horizon(border: Border, horizons=(365.0, 3650.0, 36500.0)) -> list[dict]:
    """Peak traced memory of one run with collapse disabled, so the run lasts the whole horizon."""
    params = ModelParams()
    params.collapse.rule = "killed_window"
    params.collapse.killed_threshold = 1e12
    out = []
    for h in horizons:
        tracemalloc.start()
        res = simulate(params, 1, h, border)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        n = max(len(res.incidents), 1)
        out.append(
            {
                "horizon_days": h,
                "incidents": len(res.incidents),
                "peak_kib": peak / 1024,
                "bytes_per_incident": peak / n,
            }
        )
    return out


def main() -> int:
    """Time the baseline run and measure memory by horizon; print the figures, return 0 if both targets are met."""
    border = Border.load()
    t = time_runs(border)
    ok_ms = t["median_ms"] <= TARGET_MS_PER_RUN
    ok_ev = t["us_per_event"] <= TARGET_US_PER_EVENT
    print("model: one 365-day run of the baseline scenario (sept2022), one core")
    print(
        f"  runs                {t['runs']} x {len(t['all_median_ms'])} repetitions (fastest shown; medians "
        f"{', '.join(f'{m:.2f}' for m in t['all_median_ms'])} ms)"
    )
    print(
        f"  median ms per run   {t['median_ms']:.2f}   (target <= {TARGET_MS_PER_RUN}: {'ok' if ok_ms else 'MISSED'})"
    )
    print(f"  events per run      {t['events_per_run']:.1f}")
    print(
        f"  µs per event        {t['us_per_event']:.2f}   "
        f"(target <= {TARGET_US_PER_EVENT}: {'ok' if ok_ev else 'MISSED'})"
    )
    print(f"  runs per second     {t['runs_per_s']:.0f}")
    print("  peak memory by horizon (collapse disabled; grows only with the incident log):")
    for m in memory_by_horizon(border):
        print(
            f"    {m['horizon_days']:>8.0f} days  {m['incidents']:>6d} incidents  "
            f"peak {m['peak_kib']:>8.1f} KiB  {m['bytes_per_incident']:>7.0f} B/incident"
        )
    return 0 if ok_ms and ok_ev else 1


if __name__ == "__main__":
    sys.exit(main())
