"""``replications=2000`` of the baseline experiment with 1 and 2 worker processes: speed-up, bytes, memory.

Each run is a fresh Python process (so that its peak memory is its own) that composes
``+experiment=baseline replications=2000 workers=N`` as the command line would, runs the replications
(:func:`sim.experiment.replications.replicate`, timed: the phase the workers parallelise, pool start-up
included; the model's modules are imported before the clock starts, as either way pays that once) and
writes the outputs (replications.csv, summary.json, survival.png, incidents.csv, timeline.png) into a
temporary folder. Figures:

- replication phase, 1 and 2 workers: the fastest of ``REPEATS`` runs each, alternating;
- speed-up = time with 1 worker / time with 2;
- the same bytes in every output file of every run, whatever the number of workers;
- peak memory: ``ru_maxrss`` of the run's process (RUSAGE_SELF) and of its largest child
  (RUSAGE_CHILDREN: a worker, or the ``git describe`` of the code version, which counts the pages of
  the run it was forked from before it starts git);
  sampled every 50 ms from outside the run, the peak RSS of a worker (``VmHWM``: it counts the
  pages a forked worker shares with the main process) and the peak PSS of main process + workers
  (shared pages counted once: what the workers really add);
- CPU time of the replication phase (main process + workers): what the work costs whatever the load,
  and the speed-up it allows on two free cores, ``cpu(1) / (cpu(2) / 2)`` (an estimate);
- machine parallelism (:func:`benchmarks.sweep.machine_parallelism`) before and after: how many
  cores' worth of CPU the machine gives now, so that a missed speed-up can be read correctly.

Targets (issue 13): speed-up >= 1.7 with 2 workers on the 2-core machine when both cores are free; the
same bytes; peak RSS with 1 worker at most 10% above the code before issue 13 (:data:`RSS_BEFORE_MIB`,
or measured with ``--before DIR``, a checkout of that code).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Sequence

from benchmarks.sweep import machine_parallelism

TARGET_SPEEDUP = 1.7
RSS_GROWTH = 1.10  # peak RSS with 1 worker at most 10% above the code before
RSS_BEFORE_MIB = 201.9  # peak RSS of replications=2000 at commit cf4934a (before issue 13), measured here
REPLICATIONS = 2000
REPEATS = 3
REPO = Path(__file__).resolve().parents[1]

# The run, in a fresh process: argv = workers ("" for code without the key), replications, output folder.
CHILD = """
import hashlib, json, resource, sys, time
from pathlib import Path
from sim.experiment.config import experiment_config
from sim.experiment.outputs import write_outputs
from sim.experiment.replications import replicate

workers, n, out = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
settings = {"workers": int(workers)} if workers else {}
job = experiment_config(experiment="baseline", replications=n, progress=False, **settings)
exp = getattr(job, "config", job)  # a Job (config and keys set); the config itself in code before it
import sim.model.run, calibration.posterior  # the model's import (~0.5 s), paid once either way: before the clock
def cpu():
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    return sum(u.ru_utime + u.ru_stime for u in usage)
start, cpu0 = time.perf_counter(), cpu()
r = replicate(job)
seconds, cpu_seconds = time.perf_counter() - start, cpu() - cpu0
write_outputs(out, exp, r.summaries, r.first, params_info=r.params_info, provenance=r.provenance)
files = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.iterdir())}
self_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
children_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
figures = {"seconds": seconds, "cpu": cpu_seconds, "self_kib": self_kib, "children_kib": children_kib}
print(json.dumps({**figures, "files": files}))
"""


def _status_kib(pid: int, field: str) -> int:
    """A ``/proc/PID/status`` or ``smaps_rollup`` figure (``VmHWM:``, ``Pss:``) in KiB; 0 if it has gone."""
    try:
        for name in ("status", "smaps_rollup"):
            with open(f"/proc/{pid}/{name}") as f:
                for line in f:
                    if line.startswith(field):
                        return int(line.split()[1])
    except OSError:
        pass
    return 0


def _descendants(pid: int) -> list[int]:
    try:
        children = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []
    return children + [d for c in children for d in _descendants(c)]


def _python(pid: int) -> bool:
    try:
        return os.path.realpath(f"/proc/{pid}/exe") == os.path.realpath(sys.executable)
    except OSError:
        return False


def run(workers: int | None, out: Path, code: Path = REPO) -> dict:
    """One run in a fresh process with ``workers`` (None: the key left out); its figures."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, "" if workers is None else str(workers), str(REPLICATIONS), str(out)],
        cwd=out.parent,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    pss = worker = 0
    while proc.poll() is None:  # from outside: a thread in the run would change how its workers start
        workers = [p for p in _descendants(proc.pid) if _python(p)]  # not git (the code version)
        pss = max(pss, sum(_status_kib(p, "Pss:") for p in [proc.pid, *workers]))
        worker = max([worker, *(_status_kib(p, "VmHWM:") for p in workers)])
        time.sleep(0.05)
    stdout, stderr = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"the run failed (exit {proc.returncode}): {stderr.strip()[-500:]}")
    return {**json.loads(stdout.strip().splitlines()[-1]), "pss_kib": pss, "worker_kib": worker}


def mib(kib: float) -> str:
    """KiB as MiB for printing."""
    return f"{kib / 1024:6.1f} MiB"


def main(argv: Sequence[str] = ()) -> int:
    """Run ``replications=2000`` with 1 and 2 workers; print the figures, return 0 if every target is met."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="a checkout of the code before issue 13, to measure its RSS")
    parser.add_argument("--repeats", type=int, default=REPEATS, help=f"runs of each (default {REPEATS})")
    args = parser.parse_args(list(argv))
    par = [machine_parallelism()]
    runs: dict[int, list[dict]] = {1: [], 2: []}
    with tempfile.TemporaryDirectory(prefix="bench-replications-") as tmp:
        before = run(None, Path(tmp) / "before", args.before) if args.before else None
        for i in range(args.repeats):
            for workers in (1, 2):
                runs[workers].append(run(workers, Path(tmp) / f"w{workers}_{i}"))
    par.append(machine_parallelism())
    best = {w: min(r["seconds"] for r in rs) for w, rs in runs.items()}
    peak = {
        w: {k: max(r[k] for r in rs) for k in ("self_kib", "children_kib", "pss_kib", "worker_kib")}
        for w, rs in runs.items()
    }
    same = len({json.dumps(r["files"], sort_keys=True) for rs in runs.values() for r in rs}) == 1
    speedup = best[1] / best[2]
    rss_before = before["self_kib"] if before else RSS_BEFORE_MIB * 1024
    ok_speed = speedup >= TARGET_SPEEDUP
    ok_rss = not rss_before or peak[1]["self_kib"] <= RSS_GROWTH * rss_before
    print(
        f"replications: +experiment=baseline replications={REPLICATIONS} (365 days), a fresh process per run; "
        f"best of {args.repeats} runs each"
    )
    print(
        f"  machine parallelism      {par[0]:.2f} before, {par[1]:.2f} after: cores' worth of CPU "
        f"(two CPU-bound loops vs one; {os.cpu_count()} CPUs)"
    )
    for w in (1, 2):
        every = ", ".join(f"{r['seconds']:.2f}" for r in runs[w])
        print(
            f"  replication phase, {w} worker{'s' if w > 1 else ' '} {best[w]:6.2f} s  "
            f"({REPLICATIONS / best[w]:.0f} runs/s; every run: {every} s)"
        )
    print(
        f"  speed-up                 {speedup:6.2f} x   (target >= {TARGET_SPEEDUP}: {'ok' if ok_speed else 'MISSED'})"
    )
    cpu = {w: min(r["cpu"] for r in rs) for w, rs in runs.items()}
    print(
        f"  CPU time, 1 / 2 workers  {cpu[1]:6.2f} s / {cpu[2]:.2f} s (main + workers, least of the runs): "
        f"on two free cores about {cpu[1] / (cpu[2] / 2):.2f} x"
    )
    print(f"  same bytes               {'yes' if same else 'NO'} (every output file, every run, 1 and 2 workers)")
    for w in (1, 2):
        p = peak[w]
        print(
            f"  peak memory, {w} worker{'s' if w > 1 else ' '}    RSS: main {mib(p['self_kib'])}, children "
            f"{mib(p['children_kib'])}, a worker {mib(p['worker_kib'])}; PSS of main + workers {mib(p['pss_kib'])}"
        )
    if rss_before:
        source = f"measured in {args.before}" if before else "recorded"
        print(
            f"  peak RSS before issue 13 {mib(rss_before)} ({source}); 1 worker now "
            f"{peak[1]['self_kib'] / rss_before - 1:+.1%} (target <= +{RSS_GROWTH - 1:.0%}: "
            f"{'ok' if ok_rss else 'MISSED'})"
        )
    if not ok_speed and min(par) < TARGET_SPEEDUP:
        print(
            f"  note: the machine gave as little as {min(par):.2f} cores' worth of CPU (other processes "
            f"running?); the speed-up target cannot be met unless it is idle"
        )
    return 0 if ok_speed and same and ok_rss else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
