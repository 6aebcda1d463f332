"""Progress while the jobs run: design points finished, runs per second, time left.

The jobs run wherever the launcher puts them (worker processes, subprocesses, cluster nodes); what they
leave is the chunk files in the exploration folder. :class:`Watcher` counts those from a thread of the
command's process every ``interval`` seconds: a tqdm bar when stderr is a terminal, else one line at each
tenth of the way (logs and pipes get no control characters).
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path
from typing import Callable, TextIO

from explore import store


class Watcher:
    """Counts finished chunks in the background and reports the design points they hold."""

    def __init__(
        self,
        folder: Path,
        ranges: list[tuple[int, int]],
        done_before: list[bool],
        replications: int,
        enabled: bool = True,
        stream: TextIO | None = None,
        interval: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.folder, self.ranges, self.replications = Path(folder), ranges, replications
        self.todo = [r for r, done in zip(ranges, done_before) if not done]
        self.total_points = sum(b - a for a, b in self.todo)
        self.stream = sys.stderr if stream is None else stream
        isatty = getattr(self.stream, "isatty", None)
        self.bar_wanted = bool(enabled and isatty is not None and isatty())
        self.lines_wanted = bool(enabled and not self.bar_wanted)
        self.interval, self.clock = interval, clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._bar = None
        self._next_tenth = 1
        self.start_time = clock()
        self.points_done = 0

    def count(self) -> int:
        """Design points of the chunks that were to run and are finished now (their file exists)."""
        return sum(b - a for a, b in self.todo if store.chunk_path(self.folder, a, b).is_file())

    def start(self) -> None:
        """Start watching (a daemon thread)."""
        if not self.todo or not (self.bar_wanted or self.lines_wanted):
            return
        if self.bar_wanted:
            from tqdm import tqdm

            class Bar(tqdm):
                monitor_interval = 0  # no monitor thread of tqdm's own

            self._bar = Bar(
                total=self.total_points,
                desc="design points",
                unit="pt",
                file=self.stream,
                dynamic_ncols=True,
                mininterval=self.interval,
            )
        self.start_time = self.clock()
        self._thread = threading.Thread(target=self._run, name="ceasefire-explore-progress", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.update()

    def update(self) -> None:
        """Count once and report."""
        done = self.count()
        self.points_done = done
        if self._bar is not None:
            self._bar.update(done - self._bar.n)
        elif self.lines_wanted and self.total_points:
            crossed = False
            while self._next_tenth <= 10 and done * 10 >= self._next_tenth * self.total_points:
                self._next_tenth += 1
                crossed = True
            if crossed:
                print(self.line(done), file=self.stream, flush=True)

    def line(self, done: int) -> str:
        """One progress line: points done, share, runs per second, time left."""
        elapsed = max(self.clock() - self.start_time, 1e-9)
        rate = done * self.replications / elapsed
        left = (self.total_points - done) * self.replications / rate if rate > 0 else float("nan")
        eta = f", about {_duration(left)} left" if done < self.total_points and left == left else ""
        return (
            f"explore: {done:,} of {self.total_points:,} design points ({done / self.total_points:.0%}), "
            f"{rate:,.0f} runs/s{eta}"
        )

    def stop(self) -> None:
        """Stop watching; a last count first."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self.update()
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min"
