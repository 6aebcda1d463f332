"""Where the data folders are: the checkout's, or the copy installed with the package.

The programs read ``conf/`` (the Hydra configs, with the experiments as ``conf/experiment/``),
``seeds/`` (the incident record, with ``seeds/validation/``), ``calibration/results/`` (the committed
posterior) and ``validation/results/`` (the committed validation report).

- Run from a checkout (``pip install -e .``, or the source tree on ``sys.path``): :data:`ROOT` is the
  repository, found next to this package (``<repo>/sim/common/resources.py``).
- Installed (``pip install .``, a wheel): the build maps those folders into the package
  ``ceasefire_data/`` (pyproject.toml, ``[tool.setuptools.package-dir]``), installed beside ``sim/``;
  it mirrors the repository's layout, so :data:`ROOT` is that folder and every path below (and
  every path a report shows relative to :data:`ROOT`) reads the same in both cases.

Nothing here imports the rest of the package.
"""

from __future__ import annotations

from pathlib import Path

SOURCE_ROOT = Path(__file__).resolve().parents[2]
"""The folder holding ``sim/``: the repository in a checkout, ``site-packages`` when installed."""
DATA_PACKAGE = "ceasefire_data"
INSTALLED_ROOT = SOURCE_ROOT / DATA_PACKAGE


def is_checkout(root: Path = SOURCE_ROOT) -> bool:
    """True if ``root`` is the repository (its pyproject.toml and conf/ beside sim/)."""
    return (root / "pyproject.toml").is_file() and (root / "conf" / "config.yaml").is_file()


CHECKOUT = is_checkout()
ROOT = SOURCE_ROOT if CHECKOUT else INSTALLED_ROOT
"""The repository in a checkout, else the installed ``ceasefire_data/`` (same layout)."""

CONF_DIR = ROOT / "conf"
SEEDS_DIR = ROOT / "seeds"
CALIBRATION_RESULTS = ROOT / "calibration" / "results"
VALIDATION_RESULTS = ROOT / "validation" / "results"
