"""The exploration layer's cost: ``ceasefire-explore``'s runs per second against the same runs done bare and
against the sweep's (benchmarks/sweep.py), the default exploration's time, and its intervals' widths.

Measured:

1. ``ceasefire-explore`` at a reduced size -- the default's 17 inputs and ranges, Sobol N = :data:`N`,
   :data:`REPLICATIONS` runs per point (38,912 runs) -- end to end as a user runs it (a subprocess into a
   temporary folder, two joblib workers), without plots: its wall time and its run phase (``run.json``: from
   launching the jobs to the last chunk on disk);
2. the same runs *bare*: the design points of that folder (``design.npy``), each replication through
   ``sim.model.run.simulate`` on its seed, split between two forked processes started before the clock (no
   EMA Workbench, no Hydra, no files); the outcomes must equal the exploration's, byte for byte;
3. the sweep: benchmarks.sweep's 4 x 3 x 200 sweep with two workers (``run_sweep``) once, and its 2,400 runs
   bare the same way;
4. the layer's cost per run, in one process: :data:`POINTS` design points through EMA's ``ReplicatorModel``
   (``explore.evaluate.run_points``, what a job runs) and the same runs bare, alternately, :data:`REPEATS`
   times, CPU time (``time.process_time``), the fastest of each. Wall times on this shared machine move with
   other people's work (the machine's parallelism is printed before and after); this figure moves far less.

overhead = 1 - runs per second through the layer / runs per second bare. A run over the explored box costs
about twice a run at the defaults (heavier fire, more events), so each layer is compared with its own runs
done bare, not with the other's raw figure.

The default exploration's time is estimated at the machine's speed during the benchmark: its runs at the bare
rate plus the layer's per-run overhead, plus what the reduced run phase spent beyond its runs (the workers'
start-up, the last chunk finishing alone), the command's start-up and the analysis of a design of the default's
size (measured on random outcomes); ``--full`` runs it instead. Its overhead is the per-run overhead with those
fixed costs spread over its runs. The interval widths are read from the published default results
(``explore/results/indices.csv``, written by ``ceasefire-explore publish=true``), or from the full run.

Targets (issue 14): the layer's overhead on the default run under 10%; the default exploration within 15
minutes on this 2-core machine; for every outcome, the 95% intervals of the three largest total indices
narrower than 0.1.
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.sweep import machine_parallelism

REPO = Path(__file__).resolve().parents[1]
N = 256
REPLICATIONS = 8
POINTS = 160
REPEATS = 3
CORES = 2
TARGET_OVERHEAD = 0.10
TARGET_MINUTES = 15.0
TARGET_WIDTH = 0.1
TOP = 3
REDUCED = [f"exploration.replications={REPLICATIONS}", "exploration.chunk_size=256", "plots=false", "progress=false"]


def _command() -> list[str]:
    script = Path(sys.executable).parent / "ceasefire-explore"
    return [str(script)] if script.exists() else [sys.executable, "-m", "explore.cli"]


def run_explore(folder: Path, extra: list[str], timeout: float) -> dict:
    """``ceasefire-explore`` into ``folder``: wall seconds and its run.json's last entry."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    t = time.perf_counter()
    proc = subprocess.run(
        [*_command(), *extra, f"hydra.sweep.dir={folder}"],
        cwd=folder.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise RuntimeError(f"ceasefire-explore failed (exit {proc.returncode}): {proc.stderr.strip()[-800:]}")
    entry = json.loads((folder / "run.json").read_text())[-1]
    return {"wall": wall, "run": entry}


# --- the same runs, bare ------------------------------------------------------------------------------------

_WORK: dict = {}


def _bare_points(args: tuple[int, int]) -> tuple[float, np.ndarray]:
    """In a forked worker: the CPU seconds taken, and every run's outcomes of design points ``start`` to
    ``stop - 1`` (points, replications, outcomes)."""
    from explore.inputs import apply
    from explore.outcomes import NAMES, run_values
    from sim.model.run import simulate

    cpu = time.process_time()
    start, stop = args
    plan, values, border = _WORK["plan"], _WORK["values"], _WORK["border"]
    out = np.empty((stop - start, plan.replications, len(NAMES)))
    for k in range(start, stop):
        params = apply(plan.base, plan.inputs, values[k], plan.sectors)
        for r in range(plan.replications):
            ss = np.random.SeedSequence(plan.seed, spawn_key=(r,))
            got = run_values(simulate(params, ss, plan.horizon_days, border, check=False))
            out[k - start, r] = [got[name] for name in NAMES]
    return time.process_time() - cpu, out


def _bare_sweep(args: tuple[float, float]) -> tuple[float, int]:
    """In a forked worker: one job of the sweep's, 200 runs at the defaults with two values set."""
    import dataclasses

    from sim.model.params import ModelParams
    from sim.model.run import simulate

    cpu = time.process_time()
    strength, intensity = args
    p = ModelParams()
    params = dataclasses.replace(
        p,
        observer=dataclasses.replace(p.observer, strength=float(strength)),
        mediation=dataclasses.replace(p.mediation, intensity=float(intensity)),
    )
    for i in range(200):
        simulate(params, np.random.SeedSequence(0, spawn_key=(i,)), 365.0, _WORK["border"], check=False)
    return time.process_time() - cpu, 200


def _noop(_: int) -> int:
    import gc

    import sim.model.run  # noqa: F401 -- imported before the clock starts

    gc.collect()
    gc.freeze()  # as a job does around its runs (explore.evaluate.heap_frozen): the same garbage collections
    return 0


def bare(tasks: list, function) -> tuple[float, float, list]:
    """Run ``function`` over ``tasks`` in :data:`CORES` forked workers started before the clock; return the wall
    seconds from submitting the tasks to the last result, the CPU seconds the tasks took, and their results."""
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(CORES) as pool:
        pool.map(_noop, range(CORES * 2))
        t = time.perf_counter()
        out = pool.map(function, tasks, chunksize=1)
        wall = time.perf_counter() - t
    return wall, sum(cpu for cpu, _ in out), [result for _, result in out]


def bare_exploration(folder: Path) -> dict:
    """The exploration's runs done bare: wall and CPU seconds, runs, and whether the outcomes equal its chunks'."""
    from explore import store
    from explore.design import read_design_array
    from explore.outcomes import NAMES
    from explore.plan import from_manifest

    plan = from_manifest(store.read_manifest(folder))
    values = read_design_array((folder / store.DESIGN_ARRAY).read_bytes(), len(plan.inputs))
    _WORK.update(plan=plan, values=values, border=plan.border())
    wall, cpu, parts = bare(store.chunk_ranges(plan.points, 64), _bare_points)
    ours = np.concatenate(parts, axis=0)
    theirs = np.concatenate(
        [
            store.read_chunk(store.chunk_path(folder, a, b), a, b, plan.replications, len(NAMES))
            for a, b in store.chunk_ranges(plan.points, plan.chunk_size)
        ],
        axis=0,
    )
    same = ours.shape == theirs.shape and ours.tobytes() == theirs.tobytes()
    return {"wall": wall, "cpu": cpu, "runs": plan.runs, "same": same}


def bare_sweep() -> dict:
    """The sweep's 2,400 runs done bare: wall and CPU seconds, runs."""
    from benchmarks.sweep import INTENSITIES, STRENGTHS
    from sim.model.border import Border

    _WORK["border"] = Border.load()
    wall, cpu, counts = bare([(s, m) for s in STRENGTHS for m in INTENSITIES], _bare_sweep)
    return {"wall": wall, "cpu": cpu, "runs": sum(counts)}


def layer_cost(folder: Path) -> tuple[float, float]:
    """CPU seconds per run of :data:`POINTS` design points of ``folder`` through EMA's ``ReplicatorModel`` (what
    a job runs) and bare, alternately, the fastest of :data:`REPEATS` each."""
    from explore import store
    from explore.design import read_design_array
    from explore.evaluate import Replication, run_points
    from explore.plan import from_manifest

    plan = from_manifest(store.read_manifest(folder))
    values = read_design_array((folder / store.DESIGN_ARRAY).read_bytes(), len(plan.inputs))
    border = plan.border()
    _WORK.update(plan=plan, values=values, border=border)
    replication = Replication(plan.base, plan.inputs, plan.sectors, border, plan.horizon_days, plan.seed)
    layer, direct = [], []
    gc.collect()
    gc.freeze()  # for the bare runs, as run_points does for its own
    for _ in range(REPEATS):
        t = time.process_time()
        through = run_points(replication, plan.inputs, values[:POINTS], 0, plan.replications)
        layer.append(time.process_time() - t)
        seconds, rows = _bare_points((0, POINTS))
        direct.append(seconds)
        assert through.tobytes() == rows.tobytes(), "the layer's outcomes differ from the bare runs'"
    gc.unfreeze()
    runs = POINTS * plan.replications
    return min(layer) / runs, min(direct) / runs


# --- the default's analysis, and its published intervals ------------------------------------------------------


def analysis_seconds() -> tuple[float, int, int]:
    """Seconds to read back, analyse and write the outputs (plots included) of a design of the default's size
    whose chunks hold random outcomes (the analysis does not depend on where the numbers came from); and the
    default's design points and runs."""
    from explore import store
    from explore.cli import compose, register_configs, register_resolvers, to_config
    from explore.outcomes import NAMES
    from explore.plan import plan as make_plan
    from explore.report import analyse_results, output_files, read_results, write_outputs

    register_resolvers()
    register_configs()
    cfg = to_config(compose([]))
    p, _, data, array = make_plan(cfg)
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory(prefix="bench-explore-analysis-") as tmp:
        folder = Path(tmp)
        ranges = store.chunk_ranges(p.points, p.chunk_size)
        store.prepare(folder, p.manifest("benchmark"), data, array, ranges)
        for a, b in ranges:
            runs = rng.random((b - a, p.replications, len(NAMES)))
            runs[:, :, NAMES.index("collapsed")] = runs[:, :, 0] < 0.2  # whole runs: collapsed or not
            store.chunk_path(folder, a, b).write_bytes(store.chunk_npy(runs))
        t = time.perf_counter()
        results, missing = read_results(folder)
        assert not missing
        write_outputs(folder, output_files(results, analyse_results(results, cfg), cfg))
        return time.perf_counter() - t, p.points, p.runs


def widths(indices_csv: Path) -> dict[str, list[float]]:
    """Per outcome, the widths of the three largest total indices' intervals of an ``indices.csv``."""
    rows: dict[str, list[tuple[float, float]]] = {}
    with open(indices_csv, newline="") as f:
        for r in csv.DictReader(f):
            rows.setdefault(r["outcome"], []).append((float(r["ST"]), float(r["ST_high"]) - float(r["ST_low"])))
    return {o: [w for _, w in sorted(v, key=lambda x: -x[0])[:TOP]] for o, v in rows.items()}


def check_widths(source: str, folder: Path) -> bool:
    """Print the widths of ``folder``'s indices.csv against the target; True if met (or nothing published)."""
    path = folder / "indices.csv"
    if not path.is_file():
        print(f"  {source}: no indices.csv yet (ceasefire-explore publish=true writes explore/results/)")
        return True
    manifest = json.loads((folder / "explore.json").read_text())
    print(
        f"  {source}: exploration {manifest['id']}, {manifest['method']} N={manifest['n']}, "
        f"{manifest['replications']} runs per point, ranges {manifest['range_source']}"
    )
    if manifest["method"] != "sobol":
        print("    a Morris screening: no intervals of total indices")
        return True
    ok = True
    for outcome, ws in widths(path).items():
        good = max(ws) < TARGET_WIDTH
        ok &= good
        print(
            f"    {outcome:<28} top {TOP} ST interval widths {', '.join(f'{w:.3f}' for w in ws)} "
            f"(target < {TARGET_WIDTH}: {'ok' if good else 'MISSED'})"
        )
    return ok


# --- the benchmark ---------------------------------------------------------------------------------------------


def _verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def main(argv: list[str] | None = None) -> int:
    """Measure and print the figures; return 0 if every target is met."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.explore", description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="also run the default exploration itself (15 min)")
    args = parser.parse_args(argv)
    from benchmarks.sweep import N_RUNS, run_sweep
    from explore.cli import RESULTS

    par = [machine_parallelism()]
    with tempfile.TemporaryDirectory(prefix="bench-explore-") as tmp:
        tmp = Path(tmp)
        small = run_explore(tmp / "reduced", [*REDUCED, f"exploration.n={N}"], timeout=1800)
        bare_run = bare_exploration(tmp / "reduced")
        sweep = run_sweep(2, tmp / "sweep", REPO)
        sweep_bare = bare_sweep()
        layer_cpu, bare_cpu = layer_cost(tmp / "reduced")
        full = run_explore(tmp / "default", [], timeout=3600) if args.full else None
        full_ok = check_widths("the full default run", tmp / "default") if full else True
        analysis_s, default_points, default_runs = analysis_seconds()
    par.append(machine_parallelism())

    runs, same = bare_run["runs"], bare_run["same"]
    run_s = small["run"]["seconds"]
    rate, run_rate, bare_rate = runs / small["wall"], runs / run_s, runs / bare_run["wall"]
    over_run = 1 - bare_cpu / layer_cpu  # per run, CPU time
    per_run_s = 1 / bare_rate / (1 - over_run)  # wall seconds a run takes through the layer, at this machine's speed
    fixed = max(0.0, run_s - runs * per_run_s)  # the run phase beyond its runs: workers' start-up, the last chunk
    start_up = small["wall"] - run_s  # the command around the run phase (imports, design, a small analysis)
    default_run_s = default_runs * per_run_s + fixed
    over_default = 1 - (default_runs / bare_rate) / default_run_s
    estimate = default_run_s + start_up + analysis_s
    sweep_rate, sweep_jobs_rate = N_RUNS / sweep["wall"], N_RUNS / sweep["jobs"]
    sweep_bare_rate = sweep_bare["runs"] / sweep_bare["wall"]
    ok_over = over_default < TARGET_OVERHEAD
    ok_time = (full["wall"] if full else estimate) <= TARGET_MINUTES * 60

    print(
        f"exploration: the default's 17 inputs and ranges, Sobol N={N} x {REPLICATIONS} runs = {runs:,} runs of 365 "
        "days; ceasefire-explore with 2 joblib workers, end to end in a subprocess, no plots"
    )
    print(f"  machine parallelism       {par[0]:.2f} before, {par[1]:.2f} after (cores' worth of CPU; {CORES} CPUs)")
    print(f"  wall, end to end          {small['wall']:6.1f} s  {rate:5.0f} runs/s")
    print(f"  run phase                 {run_s:6.1f} s  {run_rate:5.0f} runs/s  (launching the jobs to the last chunk)")
    print(
        f"  the same runs bare        {bare_run['wall']:6.1f} s  {bare_rate:5.0f} runs/s  (simulate() in 2 forked "
        f"processes; outcomes equal: {'yes' if same else 'NO'})"
    )
    print(f"  overhead, run phase       {1 - run_rate / bare_rate:6.1%};  end to end {1 - rate / bare_rate:.1%}")
    print(
        f"  the layer, per run        {layer_cpu * 1e3:6.3f} ms CPU through EMA's ReplicatorModel, "
        f"{bare_cpu * 1e3:.3f} ms bare ({POINTS} points x {REPLICATIONS} runs, fastest of {REPEATS}): "
        f"overhead {over_run:.1%}"
    )
    print(
        f"  outside the runs          {fixed:6.1f} s of the run phase (the workers' start-up, the last chunk alone), "
        f"{start_up:.1f} s around it (imports, the design, the analysis)"
    )
    print(
        f"  overhead on the default   {over_default:6.1%} (per run, and the fixed costs over its {default_runs:,} "
        f"runs; target < {TARGET_OVERHEAD:.0%}: {_verdict(ok_over)})"
    )
    print(f"sweep: benchmarks/sweep.py's 4 x 3 jobs x 200 runs ({N_RUNS:,} runs at the defaults), 2 joblib workers")
    print(f"  wall, end to end          {sweep['wall']:6.1f} s  {sweep_rate:5.0f} runs/s")
    print(f"  job phase                 {sweep['jobs']:6.1f} s  {sweep_jobs_rate:5.0f} runs/s")
    print(f"  the same runs bare        {sweep_bare['wall']:6.1f} s  {sweep_bare_rate:5.0f} runs/s")
    print(
        f"  overhead, job phase       {1 - sweep_jobs_rate / sweep_bare_rate:6.1%};  end to end "
        f"{1 - sweep_rate / sweep_bare_rate:.1%}"
    )
    print(
        f"  a run of the explored box costs {bare_cpu / (sweep_bare['cpu'] / sweep_bare['runs']):.2f} x a run at the "
        "defaults (CPU time, bare): compare overheads, not raw runs/s"
    )
    if full:
        print(
            f"default exploration: {full['wall'] / 60:.1f} min end to end "
            f"(target <= {TARGET_MINUTES:g}: {_verdict(ok_time)})"
        )
    else:
        print(
            f"default exploration (estimate): {default_runs:,} runs at {bare_rate:.0f} runs/s bare, + {over_run:.1%} "
            f"per run, + {fixed:.0f} s fixed = {default_run_s / 60:.1f} min of runs, + start-up {start_up:.0f} s + "
            f"analysis and outputs of {default_points:,} points {analysis_s:.0f} s (measured on random outcomes) = "
            f"{estimate / 60:.1f} min at the machine's speed during the benchmark (target <= {TARGET_MINUTES:g}: "
            f"{_verdict(ok_time)}); --full runs it"
        )
    print("interval widths of the total indices, 95%:")
    ok_pub = check_widths("published default results", RESULTS)
    return 0 if ok_over and ok_time and same and ok_pub and full_ok else 1


if __name__ == "__main__":
    sys.exit(main())
