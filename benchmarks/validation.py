"""`ceasefire-validate` at the committed settings: wall time of the whole validation, runs per second.

Target (issue 9): at most 2 minutes on this 2-core machine (it runs on one core).
"""

from __future__ import annotations

import sys
import time

from validation.run import ValidationSettings, run_validation, total_runs

TARGET_SECONDS = 120.0


def main() -> int:
    """Time a whole validation at the committed settings; print the figures, return 0 if within the target."""
    settings = ValidationSettings()
    start = time.perf_counter()
    run_validation(settings)
    wall = time.perf_counter() - start
    ok = wall <= TARGET_SECONDS
    print("validation: ceasefire-validate's work at the committed settings (forecasts, references, scores)")
    print(f"  model runs          {total_runs(settings)} (4 forecasters x {settings.paths} paths, to {settings.until})")
    print(f"  wall seconds        {wall:.1f}   (target <= {TARGET_SECONDS:.0f}: {'ok' if ok else 'MISSED'})")
    print(f"  model runs per s    {total_runs(settings) / wall:.0f} (including references and scoring)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
