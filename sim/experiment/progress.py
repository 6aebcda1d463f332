"""The progress bar of a run's replications: tqdm on a terminal, silent in logs and pipes."""

from __future__ import annotations

import sys
from typing import TextIO


class Progress:
    """A tqdm progress bar on a terminal (runs done, rate, time left); silent when disabled or when
    the stream is not a terminal (logs and pipes get no control characters)."""

    def __init__(
        self, total: int, label: str, enabled: bool = True, stream: TextIO | None = None, min_interval: float = 0.2
    ):
        self.stream = sys.stderr if stream is None else stream
        isatty = getattr(self.stream, "isatty", None)
        self.enabled = bool(enabled and total > 1 and isatty is not None and isatty())
        self.total, self.label, self.min_interval = total, label, min_interval
        self._bar = None

    def restart(self) -> None:
        """Start the bar (and its clock) now, after slow imports."""
        if self.enabled:
            from tqdm import tqdm

            class Bar(tqdm):
                monitor_interval = 0  # no monitor thread: worker processes fork only from a single thread

            self.close()
            self._bar = Bar(
                total=self.total,
                desc=self.label,
                unit="run",
                file=self.stream,
                mininterval=self.min_interval,
                dynamic_ncols=True,
            )

    def update(self, done: int) -> None:
        """``done`` runs of ``total`` have finished."""
        if self.enabled and self._bar is None:
            self.restart()
        if self._bar is not None:
            self._bar.update(done - self._bar.n)

    def close(self) -> None:
        """End the bar (a newline on the terminal); safe to call twice."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
