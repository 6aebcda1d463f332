"""``python -m sim.sweep.compare``: the ``ceasefire-compare`` command."""

import sys

from sim.sweep.compare.cli import main

sys.exit(main())
