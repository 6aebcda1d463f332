"""The committed calibration (``ceasefire-calibrate``'s ABC at the committed settings), as before and as now.

Each run is a fresh process (``python -m benchmarks.calibration --run MODE``) that runs
:func:`calibration.abc.run_abc` at the settings of ``conf/calibration/committed.yaml`` (the ABC itself, not the
predictive check or the plots). Modes:

- ``reference``: pyabc's single-core sampler with pyabc's own prior and kernel (scipy's frozen distributions,
  BLAS and LAPACK): the calibration as it ran before issue 13, on today's model (another posterior: its kernel
  maps the normal draws differently, and its last bits depend on the CPU);
- ``single``: the single-core sampler with the prior of calibration/proposals.py and the kernel of
  calibration/kernel.py;
- ``parallel``: the default, calibration/sampler.py with two workers.

``reference`` and ``parallel`` run twice, in turns, and the faster run of each counts (:data:`REPEATS`).

Figures: each run's wall seconds (pyabc's run), simulations per second, CPU seconds of the main process
and of its workers; parallel / reference wall; proposals per simulation (counted in the ``single`` run) and
µs per proposal, pyabc's against calibration/proposals.py's and kernel.py's (fitted to the committed posterior);
peak RSS of the main process (``getrusage`` RUSAGE_SELF) and of each worker (``/proc``'s VmHWM; RUSAGE_CHILDREN
elsewhere, which also counts the ``git`` process pyabc starts), and the workers' private memory (pages not
shared with the main process, which forked them); whether the single and parallel posteriors are
byte-identical, to each other and to calibration/results/posterior.csv. The machine's parallelism (two
CPU-bound loops against one) is printed for each run: other processes on this 2-core machine lower it, and
the parallel run's speed with it.

Targets (issue 13): the parallel run's wall time at most 1/3 of the reference's, measured in the same
benchmark; every posterior the committed one, byte for byte; the peak RSS of every process of the parallel
run at most 10% above the reference's.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import timeit
from pathlib import Path

from benchmarks.sweep import machine_parallelism

REPO = Path(__file__).resolve().parents[1]
TARGET_RATIO = 1 / 3
TARGET_RSS = 1.10
MODES = ("reference", "single", "parallel")
REPEATS = {"reference": 2, "single": 1, "parallel": 2}
"""Runs of each mode; the fastest counts (the machine's speed varies from minute to minute)."""


def committed_settings(sampler: str):
    """The committed settings (conf/calibration/committed.yaml) with ``sampler`` (two workers if parallel)."""
    from calibration.abc import CalibrationSettings
    from sim.common.yamlfile import load

    values = dict(load(REPO / "conf" / "calibration" / "committed.yaml", "omegaconf"))
    return CalibrationSettings(**{**values, "sampler": sampler, "n_procs": 2})


# -- one run, in its own process ------------------------------------------------------------------------


def originals() -> tuple:
    """pyabc's own prior (scipy's frozen uniforms), kernel class and model prior: the code before issue 13."""
    import pyabc

    from calibration.priors import FREE_PARAMETERS

    prior = pyabc.Distribution(
        **{
            p.key: pyabc.RV("uniform", p.prior_bounds()[0], p.prior_bounds()[1] - p.prior_bounds()[0])
            for p in FREE_PARAMETERS
        }
    )
    return prior, pyabc.MultivariateNormalTransition, pyabc.RV("randint", 0, 1)


def use_originals() -> None:
    """Make calibration/proposals.py and kernel.py hand out pyabc's own prior and kernel (the reference run)."""
    from calibration import kernel, proposals

    proposals.prior = lambda: originals()[0]
    kernel.PerturbationKernel = originals()[1]
    proposals.SingleModelPrior = lambda: originals()[2]


def count_proposals() -> dict:
    """Count the proposals drawn in this process (the kernel's draws and the prior's), into the dict returned."""
    from calibration import kernel, proposals

    counts = {"proposals": 0}
    kernel_draw, prior = kernel.PerturbationKernel.rvs_single, proposals.prior

    def counted_kernel_draw(self):
        counts["proposals"] += 1
        return kernel_draw(self)

    def counted_prior():
        dist = prior()
        draw = dist.rvs

        def counted_draw(*args, **kwargs):
            counts["proposals"] += 1
            return draw(*args, **kwargs)

        dist.rvs = counted_draw
        return dist

    kernel.PerturbationKernel.rvs_single, proposals.prior = counted_kernel_draw, counted_prior
    return counts


def memory_kib(pid: int) -> dict:
    """Peak RSS and private (unshared) memory of process ``pid``, KiB, from /proc (empty elsewhere)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text().splitlines()
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
    except OSError:
        return {}
    peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    private = sum(int(line.split()[1]) for line in rollup if line.startswith(("Private_Clean:", "Private_Dirty:")))
    return {"peak_rss": peak, "private": private}


def watch_workers() -> list:
    """Each worker's :func:`memory_kib` just before the pool stops them, into the list returned."""
    from calibration import sampler

    seen = []
    close = sampler.WorkerPool.close

    def measured_close(self):
        seen.extend(memory_kib(p.pid) for p in self.procs if p.is_alive())
        close(self)

    sampler.WorkerPool.close = measured_close
    return seen


def run(mode: str) -> dict:
    """One calibration at the committed settings in this process; its figures."""
    from calibration.abc import posterior_csv, run_abc
    from calibration.history import whole_record
    from sim.record.loader import load_record

    if mode == "reference":
        use_originals()
    counts, workers = count_proposals(), watch_workers()
    whole = whole_record(load_record())
    settings = committed_settings("parallel" if mode == "parallel" else "single")
    with tempfile.TemporaryDirectory() as tmp:
        cpu = time.process_time()
        cal = run_abc(settings, whole.observed(), whole, Path(tmp) / "h.db", log=_quiet)
        cpu = time.process_time() - cpu
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "mode": mode,
        "wall": cal.wall_seconds,
        "cpu_main": cpu,
        "cpu_workers": children.ru_utime + children.ru_stime,
        "simulations": cal.simulations + settings.population_size,  # + pyabc's calibration sample from the prior
        "proposals": counts["proposals"],
        "rss_main": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "workers": workers or ([{"peak_rss": children.ru_maxrss}] if mode == "parallel" else []),
        "sha256": hashlib.sha256(posterior_csv(cal)).hexdigest(),
    }


def _quiet(*_) -> None:
    pass


def run_subprocess(mode: str) -> dict:
    """:func:`run` in a fresh process (its own peak memory), the figures read from its last line."""
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    cmd = [sys.executable, "-m", "benchmarks.calibration", "--run", mode]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=REPO)
    if proc.returncode != 0:
        raise RuntimeError(f"calibration run {mode} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# -- figures --------------------------------------------------------------------------------------------


def proposal_microseconds() -> tuple[float, float]:
    """µs per proposal (a kernel draw and the prior's density at it), pyabc's and this project's
    (proposals.py, kernel.py), on a kernel fitted to the committed posterior (sampled scale) with the committed
    kernel scaling."""
    import numpy as np
    import pandas as pd

    from calibration import proposals
    from calibration.kernel import PerturbationKernel
    from calibration.posterior import RESULTS, Posterior
    from calibration.priors import BY_KEY

    post = Posterior.load(RESULTS / "posterior.csv")
    natural = {p.name: post.values[:, post.names.index(p.name)] for p in BY_KEY.values()}
    X = pd.DataFrame({k: np.log10(natural[p.name]) if p.scale == "log" else natural[p.name] for k, p in BY_KEY.items()})
    scaling = committed_settings("single").kernel_scaling
    out = []
    for prior, kernel_class, model_prior in (
        originals(),
        (proposals.prior(), PerturbationKernel, proposals.SingleModelPrior()),
    ):
        kernel = kernel_class(scaling=scaling)
        kernel.fit(X, post.weights)
        np.random.seed(1)
        seconds = min(timeit.repeat(lambda: model_prior.pmf(0) * prior.pdf(kernel.rvs()) > 0, number=2000, repeat=3))
        out.append(seconds / 2000 * 1e6)
    return out[0], out[1]


def _mib(kib: float) -> str:
    return f"{kib / 1024:.0f} MiB"


def report(runs: dict, microseconds: tuple, committed: str) -> int:
    """Print the figures; 0 if every target is met."""
    ref, single, par = runs["reference"], runs["single"], runs["parallel"]
    ratio = par["wall"] / ref["wall"]
    identical = all(r["sha256"] == committed for r in (single, par))
    peaks = [par["rss_main"]] + [w["peak_rss"] for w in par["workers"]]
    ok_time, ok_rss = ratio <= TARGET_RATIO, max(peaks) <= TARGET_RSS * ref["rss_main"]
    per_sim = single["proposals"] / single["simulations"]
    print("calibration: the committed settings' ABC (population 300, 5 generations), each run in a fresh process")
    print("  each mode's fastest run, the machine's parallelism just before it (2 = both cores free) in []")
    for r in (ref, single, par):
        others = "".join(f"; other run {o['wall']:.1f} s [{o['parallelism']:.2f}]" for o in r["others"])
        print(
            f"  {r['mode']:<10} wall {r['wall']:6.1f} s [{r['parallelism']:.2f}]   "
            f"{r['simulations'] / r['wall']:4.0f} simulations/s   CPU s: main {r['cpu_main']:5.1f}, "
            f"workers {r['cpu_workers']:5.1f}   peak RSS {_mib(r['rss_main'])}{others}"
        )
    print(
        f"  parallel / reference wall   {ratio:.3f}   (target <= {TARGET_RATIO:.3f}: {'ok' if ok_time else 'MISSED'})"
    )
    print(f"  single / reference wall     {single['wall'] / ref['wall']:.3f}")
    print(f"  proposals per simulation    {per_sim:.2f}")
    print(
        f"  µs per proposal             {microseconds[0]:.1f} (pyabc, scipy) -> {microseconds[1]:.1f} "
        "(proposals.py, kernel.py)"
    )
    print(f"  µs of proposals per sim.    {microseconds[0] * per_sim:.0f} -> {microseconds[1] * per_sim:.0f}")
    workers = ", ".join(_mib(w["peak_rss"]) for w in par["workers"])
    print(
        f"  peak RSS, parallel          main {_mib(par['rss_main'])}, workers {workers}: at most "
        f"{max(peaks) / ref['rss_main'] - 1:+.1%} on the reference's (target <= +10%: {'ok' if ok_rss else 'MISSED'})"
    )
    private = sum(w.get("private", 0) for w in par["workers"])
    if private:
        total = par["rss_main"] + private
        print(
            f"  memory, parallel in all     {_mib(total)} ({total / ref['rss_main'] - 1:+.1%}): the main process's "
            f"peak RSS and the workers' private pages ({_mib(private)}); the rest of theirs is shared"
        )
    print(
        f"  posteriors byte-identical   {'yes' if identical else 'NO'} (single and parallel, to each other and to "
        "the committed set; the reference's kernel gives another)"
    )
    return 0 if ok_time and ok_rss and identical else 1


def measure() -> dict:
    """Each mode's fastest run (rounds through the modes, so that a busy minute does not hit one mode's runs
    only), with the machine's parallelism just before each run and the other runs' figures."""
    runs = {mode: [] for mode in MODES}
    for round_ in range(max(REPEATS.values())):
        for mode in MODES:
            if round_ < REPEATS[mode]:
                parallelism = machine_parallelism()
                runs[mode].append({**run_subprocess(mode), "parallelism": parallelism})
    best = {mode: min(rs, key=lambda r: r["wall"]) for mode, rs in runs.items()}
    return {mode: {**b, "others": [r for r in runs[mode] if r is not b]} for mode, b in best.items()}


def main() -> int:
    """Run the three calibrations and print the figures; 0 if every target is met."""
    from calibration.posterior import RESULTS

    committed = hashlib.sha256((RESULTS / "posterior.csv").read_bytes()).hexdigest()
    return report(measure(), proposal_microseconds(), committed)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--run"]:
        print(json.dumps(run(sys.argv[2])))
        sys.exit(0)
    sys.exit(main())
