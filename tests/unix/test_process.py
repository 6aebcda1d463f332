"""sim.common.process on its own, in small Python processes: a closed stdout or stderr ends a command quietly
with exit 141 (a print, a log record, a pending flush, a write from another thread), a worker's closed output
and a failing log file say nothing, and a worker ends with the process that started it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sim.common.process import EXIT_CLOSED_OUTPUT, started_by

from .helpers import NOISE, env, run_closed, wait_until


def python(code: str) -> list[str]:
    return [sys.executable, "-c", textwrap.dedent(code)]


def in_command(body: str) -> list[str]:
    """A program whose ``main`` (a command's entry point) runs ``body``."""
    return python(
        "import logging, os, sys, threading, time\n"
        "from sim.common.process import command, quiet_worker\n"
        "@command\n"
        "def main():\n" + textwrap.indent(textwrap.dedent(body), "    ") + "\nmain()\n"
    )


def quiet(text: str) -> None:
    assert not any(n in text for n in NOISE), text


WRITES = {  # what is written: the code, the streams it writes to, those of them it fails on at once
    # stdout is block-buffered into a pipe: a print fails when the buffer is flushed, at the end here;
    # stderr at the end of a line, and a log record is flushed at once
    "print to stdout": ('print("table")', {"stdout"}, set()),
    "print to stderr": ('print("error: something", file=sys.stderr)', {"stderr"}, {"stderr"}),
    "log record": (
        'logging.basicConfig(stream=sys.stdout, level=logging.INFO, force=True)\nlogging.info("report")',
        {"stdout"},
        {"stdout"},
    ),
    "log record to stderr": (
        'logging.basicConfig(level=logging.INFO, force=True)\nlogging.info("report")',
        {"stderr"},
        {"stderr"},
    ),
    "both, unflushed": ('sys.stdout.write("x" * 100)\nsys.stderr.write("y")', {"stdout", "stderr"}, set()),
}


@pytest.mark.parametrize("closed", ["stdout", "stderr", "both"])
@pytest.mark.parametrize("write", list(WRITES))
def test_a_closed_output_ends_the_command_quietly(tmp_path, write, closed):
    """The write finds its reader gone: the command ends there (or, for what is still buffered, at its
    end, the flush at the interpreter's exit included) with 141 and nothing on the other stream; a write
    to the open stream goes on as usual."""
    code, streams, at_once = WRITES[write]
    went_on = tmp_path / "went-on"
    ended = run_closed(in_command(f"{code}\nopen({str(went_on)!r}, 'w').close()"), tmp_path, closed)
    quiet(ended.output)
    closed_streams = {"stdout", "stderr"} if closed == "both" else {closed}
    hit = bool(streams & closed_streams)
    assert ended.returncode == (EXIT_CLOSED_OUTPUT if hit else 0), ended
    assert went_on.exists() == (not at_once & closed_streams)
    if at_once & closed_streams:
        assert ended.output == ""  # nothing after the failed write


def test_a_write_from_another_thread_ends_the_command(tmp_path):
    body = """
    threading.Thread(target=lambda: print("progress", file=sys.stderr, flush=True), daemon=True).start()
    end = time.monotonic() + 30
    while time.monotonic() < end:  # the work of the main thread
        time.sleep(0.01)
    print("done")
    """
    ended = run_closed(in_command(body), tmp_path, "stderr", timeout=20)
    assert ended.returncode == EXIT_CLOSED_OUTPUT and ended.output == "", ended


def test_a_worker_writes_nowhere_and_the_command_ends_at_its_own_write(tmp_path):
    """A forked worker (as the replications' and the calibration's are) writes a log record and a line to
    the closed stdout: it goes on, silently there, its stderr still working; the command ends at its next
    write."""
    body = f"""
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, force=True)
    pid = os.fork()
    if pid == 0:
        quiet_worker()
        logging.info("job report")
        print("job done", flush=True)
        print("error: its stderr still works", file=sys.stderr, flush=True)
        open({str(tmp_path / "worker-went-on")!r}, "w").close()
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    print(f"worker status {{status}}", file=sys.stderr, flush=True)
    print("table")
    """
    ended = run_closed(in_command(body), tmp_path, "stdout")
    assert ended.returncode == EXIT_CLOSED_OUTPUT
    assert ended.output == "error: its stderr still works\nworker status 0\n"
    assert (tmp_path / "worker-went-on").exists()


def test_a_log_file_that_cannot_be_written_says_nothing(tmp_path):
    """A full disk under a log file (/dev/full: every write fails with ENOSPC): the record is dropped and
    the command goes on; what failed is the business of the code whose own file could not be written."""
    body = """
    log = logging.getLogger("job")
    log.addHandler(logging.FileHandler("/dev/full"))
    log.warning("a record")
    print("went on")
    """
    done = subprocess.run(in_command(body), cwd=tmp_path, env=env(), capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, "went on\n", "")


def _parent_of_a_watcher(tmp_path: Path, die: str) -> int:
    """Start a parent that starts a watching child, then dies (``die``: "before" the child watches, or
    "after"); return the child's pid."""
    ready = tmp_path / "watching"
    child = (
        "import sys, time\nfrom sim.common.process import watch_parent\n"
        f"time.sleep({0.5 if die == 'before' else 0})\n"
        f"watch_parent(int(sys.argv[1]))\nopen({str(ready)!r}, 'w').close()\ntime.sleep(60)\n"
    )
    parent = f"""
    import os, signal, subprocess, sys, time
    child = subprocess.Popen([sys.executable, "-c", {child!r}, str(os.getpid())], stdout=subprocess.DEVNULL)
    print(child.pid, flush=True)
    if {die == "after"}:
        end = time.monotonic() + 30
        while not os.path.exists({str(ready)!r}) and time.monotonic() < end:
            time.sleep(0.05)
    os.kill(os.getpid(), signal.SIGKILL)
    """
    done = subprocess.run(python(parent), env=env(), capture_output=True, text=True, timeout=60)
    assert done.returncode == -signal.SIGKILL
    return int(done.stdout.split()[0])


@pytest.mark.parametrize("die", ["before", "after"])
def test_a_worker_ends_with_its_parent(tmp_path, die):
    """Killed while the worker watches, or before it got to watch: the worker ends within a few seconds."""
    pid = _parent_of_a_watcher(tmp_path, die)
    assert wait_until(lambda: not _alive(pid), timeout=5), f"worker {pid} outlived its parent"
    assert (tmp_path / "watching").exists() == (die == "after")


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def test_started_by_only_a_command_on_this_host():
    host = socket.gethostname()
    assert started_by(f"{os.getppid()}@{host}") == os.getppid()
    assert started_by(f"{os.getpid()}@{host}") is None  # the command itself
    assert started_by(f"{os.getppid()}@another-{host}") is None  # a job on a cluster's node
    assert started_by(f"{os.getppid() + 1}@{host}") is None  # started through another process
    assert started_by(None) is None and started_by("") is None
