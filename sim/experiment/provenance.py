"""What produced a result: the parameter source, the code and package versions, the record's digest, the config.

Every output of ``ceasefire-sim`` carries these (summary.json's ``params`` and ``provenance``,
constant columns of replications.csv and sweep_summary.csv, the plot titles and the closing table),
so that a number can always be traced to the parameters, code and data that produced it.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import subprocess
from pathlib import Path
from typing import Any, Iterable

from sim.common import resources
from sim.common.figures import params_label  # noqa: F401 -- re-exported for tables and titles
from sim.common.versions import package_versions
from sim.experiment.config import REPO_ROOT, ExperimentConfig

PACKAGE = "ceasefire-sim"
SOURCE_TEXT = {
    "default": "hand-set defaults (sim/model/params.py, docs/ODD.md)",
    "calibrated": "drawn per replication from the committed posterior (calibration/results/posterior.csv)",
    "posterior file": "drawn per replication from a posterior file",
}
FIXED_NOTE = (
    "fixed: held at the value set explicitly (command line, experiment file or Python call) "
    "while the other posterior parameters are drawn; this ignores their posterior correlation "
    "with the fixed ones"
)


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """``git describe --always --dirty`` of the checkout, else (an installed copy, or no git) the
    installed package's version, e.g. ``ceasefire-sim 0.1.0``."""
    if resources.CHECKOUT and (REPO_ROOT / ".git").exists():
        try:
            out = subprocess.run(
                ["git", "describe", "--always", "--dirty"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10
            )
            if out.returncode == 0 and out.stdout.strip():
                return f"git {out.stdout.strip()}"
        except (OSError, subprocess.SubprocessError):
            pass
    try:
        from importlib.metadata import version

        return f"{PACKAGE} {version(PACKAGE)}"
    except Exception:  # noqa: BLE001 -- not installed
        return "unknown"


def record_sha256(record_dir: str | Path | None = None) -> str:
    """sha256 over the seeds files (name and bytes of each, in the loader's order)."""
    from sim.record.loader import DEFAULT_SEEDS, FILES

    root = Path(record_dir) if record_dir else DEFAULT_SEEDS
    h = hashlib.sha256()
    for name in FILES:
        h.update(name.encode() + b"\0")
        try:
            h.update((root / name).read_bytes())
        except OSError:
            h.update(b"<missing>")
        h.update(b"\0")
    return h.hexdigest()


def params_source(params: str) -> str:
    """``default``, ``calibrated`` or ``posterior file``."""
    return params if params in ("default", "calibrated") else "posterior file"


def params_info(exp: ExperimentConfig, posterior: Any = None, fixed: Iterable[str] = ()) -> dict:
    """summary.json's ``params``: where the parameters came from."""
    source = params_source(exp.params)
    info: dict[str, Any] = {"source": source, "description": SOURCE_TEXT[source]}
    if posterior is not None:
        from calibration.posterior import RESULTS

        path = RESULTS / "posterior.csv" if exp.params == "calibrated" else Path(exp.params)
        try:
            shown = str(path.resolve().relative_to(REPO_ROOT))
        except ValueError:
            shown = str(path)
        fixed = list(fixed)
        info.update(
            {
                "posterior": shown,
                "posterior_sha256": posterior.sha256 or None,
                "drawn": [n for n in posterior.names if n not in fixed],
                "fixed": fixed,
            }
        )
        if fixed:
            info["fixed_note"] = FIXED_NOTE
    return info


def resolved_config(exp: ExperimentConfig) -> dict:
    """The fully resolved config of a run (plain containers), without ``workers`` and ``plots``: how
    many processes ran the replications, and whether the run drew its plots, do not change the
    result, so the outputs are the same bytes whatever they are."""
    return {k: v for k, v in dataclasses.asdict(exp).items() if k not in ("workers", "plots")}


def provenance(exp: ExperimentConfig) -> dict:
    """summary.json's ``provenance``: code version, the numeric packages' versions, record digest, the
    resolved config."""
    return {
        "code_version": code_version(),
        "packages": package_versions(),
        "record_sha256": record_sha256(exp.record_dir or None),
        "config": resolved_config(exp),
    }
