"""What the tests of the commands as Unix tools share: starting a command with its output closed, waiting
for a condition with a deadline, the processes a command left, and a small disk."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..test_docs_commands import BIN, PROGRAMS

REPO = Path(__file__).resolve().parents[2]
NOISE = ("Traceback", "Logging error", "Exception ignored", "Broken pipe", "BrokenPipeError", "Error executing job")
"""What a command must never print, whatever happens underneath it."""


def env() -> dict[str, str]:
    e = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    e.pop("HYDRA_FULL_ERROR", None)
    e.pop("PYTHONUNBUFFERED", None)  # buffered, as a user's commands write
    return e


def command(tool: str, *args: str) -> list[str]:
    """The installed console script ``tool`` (else ``python -m`` its module), or ``python -m tool`` for a module."""
    if tool in PROGRAMS and (BIN / tool).exists():
        return [str(BIN / tool), *args]
    return [sys.executable, "-m", PROGRAMS.get(tool, tool), *args]


@dataclass
class Ended:
    """How a command started by :func:`start_closed` ended: its exit code and the stream that stayed open."""

    returncode: int
    output: str  # the stream that was not closed ("" if both were)


class ClosedRun:
    """A command started with ``closed`` ("stdout", "stderr" or "both") writing into a pipe whose reader has
    gone before the command starts (as after ``| head -1`` or ``less`` quit early); the other stream is kept."""

    def __init__(self, cmd: list[str], cwd: Path, closed: str):
        self.closed = closed
        self._kept = tempfile.TemporaryFile("w+")
        read_end, write_end = os.pipe()
        os.close(read_end)  # the reader is gone
        streams = {
            "stdout": write_end if closed in ("stdout", "both") else self._kept,
            "stderr": write_end if closed in ("stderr", "both") else self._kept,
        }
        self.proc = subprocess.Popen(cmd, cwd=cwd, env=env(), stdin=subprocess.DEVNULL, **streams)
        os.close(write_end)

    def wait(self, timeout: float = 300) -> Ended:
        code = self.proc.wait(timeout=timeout)
        self._kept.seek(0)
        out = self._kept.read()
        self._kept.close()
        return Ended(code, out)


def run_closed(cmd: list[str], cwd: Path, closed: str, timeout: float = 300) -> Ended:
    """:class:`ClosedRun` of ``cmd``, waited for."""
    return ClosedRun(cmd, cwd, closed).wait(timeout)


def wait_until(condition: Callable[[], object], timeout: float, interval: float = 0.1) -> bool:
    """Poll ``condition`` until it is true or ``timeout`` seconds have passed; return whether it became true."""
    end = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() >= end:
            return False
        time.sleep(interval)


def session_processes(sid: int) -> list[tuple[int, str]]:
    """The live (not zombie) processes of session ``sid``, but its leader: (pid, command line)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == sid:
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[3]) == sid and fields[0] not in ("Z", "X"):
                found.append((int(entry), Path(f"/proc/{entry}/cmdline").read_text().replace("\0", " ").strip()))
        except (OSError, ValueError, IndexError):
            continue
    return found


def mount_tmpfs(path: Path, options: str) -> bool:
    """Mount a tmpfs at ``path`` (needs root); whether it worked."""
    path.mkdir(parents=True, exist_ok=True)
    try:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True)
    except OSError:
        return False
    return done.returncode == 0


def unmount(path: Path) -> None:
    subprocess.run(["umount", str(path)], capture_output=True)
