"""``python -m sim.sweep SWEEP_DIR``: (re)write a sweep folder's summary, as the callback does."""

from __future__ import annotations

import argparse
import sys

from sim.common.process import command
from sim.sweep.callback import summarize_sweep


@command
def main(argv: list[str] | None = None) -> int:
    """Summarize the sweep folder named in ``argv``; return the exit code (1 if a job failed)."""
    parser = argparse.ArgumentParser(
        prog="python -m sim.sweep",
        description="Write sweep_summary.csv, cox.csv and the sweep plots of a folder written by "
        "'ceasefire-sim -m ...' (what the sweep's callback does at its end).",
    )
    parser.add_argument("sweep_dir", help="the sweep folder (multirun/<date>/<time>)")
    parser.add_argument("--no-plots", action="store_true", help="only the CSV files")
    args = parser.parse_args(argv)
    return summarize_sweep(args.sweep_dir, plots=not args.no_plots)


if __name__ == "__main__":
    sys.exit(main())
