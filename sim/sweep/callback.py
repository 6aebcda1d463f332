"""The Hydra callback that summarises a ``-m`` sweep from its files, and the same as a function.

Registered in ``conf/config.yaml`` under ``hydra.callbacks.sweep_summary`` (or on the command line
with ``++hydra.callbacks.sweep_summary._target_=sim.sweep.callback.SweepSummary``). At
``on_multirun_end`` -- in the process that launched the sweep, after every job returned, whatever
the launcher -- it reads the sweep folder and writes into it, each file to a temporary name then
renamed:

- ``sweep_summary.csv`` -- one row per job (:mod:`sim.sweep.aggregate`);
- ``cox.csv`` -- hazard ratios per swept value (:mod:`sim.sweep.hazards`), also printed;
- ``sweep_survival.png``, ``sweep_heatmap.png`` (two or more swept parameters), ``sweep_cox.png``.

When a job failed (or never finished) the others are still summarised, the failed ones are named
on stderr, and the command exits with code 1.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, TextIO

from hydra.experimental.callback import Callback

from sim.common.commands import failure_line
from sim.common.files import display_path
from sim.sweep import COX_FILE, COX_PLOT, HEATMAP_PLOT, SURVIVAL_PLOT, SWEEP_SUMMARY_FILE

EXIT_FAILED = 1


def summarize_sweep(
    sweep_dir: Path | str, out: TextIO | None = None, err: TextIO | None = None, plots: bool = True
) -> int:
    """Write the sweep's summary files and print the report; return the exit code (0 or 1).

    Never raises: any problem is one line on ``err`` and exit code 1.
    """
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    sweep_dir = Path(sweep_dir)
    try:
        return _summarize(sweep_dir, out, err, plots)
    except Exception as e:  # noqa: BLE001 -- never a traceback at the end of a sweep; a full disk names its file
        print(f"error: the sweep summary of {display_path(sweep_dir)} failed: {failure_line(e)}", file=err, flush=True)
        return EXIT_FAILED


def _summarize(sweep_dir: Path, out: TextIO, err: TextIO, plots: bool) -> int:
    from sim.common.files import write_atomic
    from sim.sweep.aggregate import SweepError, read_sweep, sweep_summary_csv
    from sim.sweep.hazards import cox_csv, cox_table, format_cox

    try:
        sweep = read_sweep(sweep_dir)
    except SweepError as e:
        print(f"error: {e}", file=err, flush=True)
        return EXIT_FAILED
    files: dict[str, bytes | str | None] = {SWEEP_SUMMARY_FILE: sweep_summary_csv(sweep)}
    table = cox_table(sweep)
    files[COX_FILE] = cox_csv(table)
    if plots:
        from sim.sweep.plots import cox_png, heatmap_png, survival_png

        files[SURVIVAL_PLOT] = survival_png(sweep)
        files[HEATMAP_PLOT] = heatmap_png(sweep)
        files[COX_PLOT] = cox_png(table, sweep=sweep)
    written = []
    for name, data in files.items():
        path = sweep_dir / name
        if data is None:  # nothing to draw: no stale plot from an earlier summary either
            path.unlink(missing_ok=True)
            continue
        write_atomic(path, data)
        written.append(name)
    n, done = len(sweep.jobs), len(sweep.finished)
    over = " x ".join(f"{k} ({len(sweep.levels[k])})" for k in sweep.params) or "no swept parameter"
    print(f"sweep: {n} job{'s' if n != 1 else ''} over {over}; {done} finished", file=out)
    if sweep.finished:
        print(format_cox(table), file=out)
    if sweep.ignored:
        print(
            f"note: {len(sweep.ignored)} folder(s) from an earlier, different sweep into this folder "
            f"ignored: {', '.join(p.name for p in sweep.ignored[:5])}" + (" ..." if len(sweep.ignored) > 5 else ""),
            file=out,
        )
    print(f"sweep summary: {display_path(sweep_dir)}/ ({', '.join(written)})", file=out, flush=True)
    if sweep.failed:
        lines = [
            f"error: {len(sweep.failed)} of {n} jobs did not finish; the summary covers the "
            f"{done} that did (re-run the same command to run only the missing ones):"
        ]
        for j in sweep.failed:
            where = j.name or f"job {j.index}"
            lines.append(f"  {where} ({j.label(sweep.params)}): {j.status}: {j.error}")
        print("\n".join(lines), file=err, flush=True)
        return EXIT_FAILED
    return 0


class SweepSummary(Callback):
    """At the end of a ``-m`` sweep: sweep_summary.csv, cox.csv and the plots; exit 1 if a job failed."""

    def __init__(self, plots: bool = True) -> None:
        self.plots = plots

    def on_multirun_end(self, config: Any, **kwargs: Any) -> None:
        """Summarize the finished sweep's folder; raise SystemExit with 1 if a job failed."""
        code = summarize_sweep(Path(str(config.hydra.sweep.dir)), plots=self.plots)
        if code:
            # after the other callbacks' output (Hydra calls on_multirun_end in reverse order, so
            # conf/config.yaml lists this callback before the ones that should print first)
            raise SystemExit(code)
