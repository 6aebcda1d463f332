"""The ``ceasefire-compare`` command: arguments, outputs, one-line errors (exit code 2 for folders that
cannot be compared, 1 for anything else; never a traceback)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from sim.common.commands import OneLineParser
from sim.common.files import check_names, display_path, kind
from sim.common.process import command
from sim.sweep.compare.matching import CompareError
from sim.sweep.compare.plots import MEDIANS_FILE, SURVIVAL_FILE, medians_png, survival_png
from sim.sweep.compare.statistics import DEFAULT_RESAMPLES, compare
from sim.sweep.compare.table import CSV_FILE, format_table

EXIT_USAGE = 2
EXIT_ERROR = 1


def default_out(path_a: str, path_b: str) -> Path:
    """The comparison's default folder: ``compare/<A>_vs_<B>`` from the last two parts of each path."""

    def name(p: str) -> str:
        parts = Path(p).resolve().parts[-2:]
        return "_".join(parts).replace(" ", "_")

    return Path("compare") / f"{name(path_a)}_vs_{name(path_b)}"


def parser() -> argparse.ArgumentParser:
    """The command line of ``ceasefire-compare``."""
    p = OneLineParser(
        prog="ceasefire-compare",
        description="Compare two sweeps over the same parameters (folders written by "
        "'ceasefire-sim -m ...'): side-by-side plots and a table of B - A in median "
        "durability and share collapsed, with 95%% CIs.",
    )
    p.add_argument("sweep_a", metavar="SWEEP_A", help="the first sweep folder (multirun/<date>/<time>)")
    p.add_argument("sweep_b", metavar="SWEEP_B", help="the second sweep folder")
    p.add_argument("--out", metavar="DIR", help="output folder (default: compare/<A>_vs_<B>)")
    p.add_argument("--seed", type=int, default=0, help="seed of the bootstrap (default 0)")
    p.add_argument(
        "--resamples",
        type=int,
        default=DEFAULT_RESAMPLES,
        help=f"bootstrap resamples (default {DEFAULT_RESAMPLES}, at least 200)",
    )
    return p


@command
def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``ceasefire-compare``: one line and exit 2 on bad input."""
    args = parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        return run(args)
    except CompareError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("\ninterrupted; nothing written", file=sys.stderr)
        return 130
    except Exception as e:  # noqa: BLE001 -- never a traceback
        first = next((line.strip() for line in str(e).splitlines() if line.strip()), "")
        print(f"error: ceasefire-compare failed: {type(e).__name__}" + (f": {first}" if first else ""), file=sys.stderr)
        return EXIT_ERROR


def run(args: argparse.Namespace) -> int:
    """Compare the two sweeps named in ``args`` and write the table, CSV and plots."""
    from sim.common.files import write_atomic
    from sim.sweep.aggregate import rows_csv

    if args.seed < 0:
        raise CompareError(f"--seed {args.seed}: allowed an integer >= 0")
    if args.resamples < 200:
        raise CompareError(f"--resamples {args.resamples}: allowed an integer >= 200")
    check_names({"--out": args.out or ""}, CompareError)
    out = Path(args.out) if args.out else default_out(args.sweep_a, args.sweep_b)
    if kind(out) not in ("none", "folder"):
        raise CompareError(f"--out {out} exists and is not a folder")
    a, b, pairs = compare(args.sweep_a, args.sweep_b, seed=args.seed, resamples=args.resamples)
    table = format_table(a, b, pairs, args.seed, args.resamples)
    files = {
        CSV_FILE: rows_csv([p.row for p in pairs]),
        SURVIVAL_FILE: survival_png(a, b, pairs),
        MEDIANS_FILE: medians_png(a, b, pairs),
    }
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            write_atomic(out / name, data)
    except OSError as e:
        raise CompareError(f"cannot write to {out}: {e.strerror or e}") from None
    print(table)
    print(f"outputs: {display_path(out)} ({', '.join(files)})")
    return 0
