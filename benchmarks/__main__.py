"""`make bench`: run every benchmark and print its figures; exit non-zero if a target is missed."""

import sys

from benchmarks import calibration, dashboard, explore, model, replications, sweep, validation

if __name__ == "__main__":
    sys.exit(max(bench.main() for bench in (model, sweep, replications, validation, calibration, dashboard, explore)))
