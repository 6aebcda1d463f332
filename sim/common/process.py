"""The commands' processes as Unix tools: what happens when their output goes away or their parent dies.

**A closed output.** When the reader of a command's stdout or stderr goes away (``| head -1``, ``less``
quit early), the command ends at its next write to that stream, quietly, with exit code
:data:`EXIT_CLOSED_OUTPUT` -- 141, 128 + SIGPIPE, what a shell reports for a tool that SIGPIPE ended.
Every entry point runs inside :func:`command_streams`, whose streams turn the ``BrokenPipeError`` of such
a write into that exit wherever it happens: a ``print``, a log record, a Hydra callback, a worker thread.
Before it ends, the process points both streams at ``/dev/null``, so that nothing written later -- a
message on the way out, the flush at the interpreter's exit -- fails again. A process the command started
(a sweep's job, a worker) is not the one that ends the command: it points that stream at ``/dev/null``
and goes on; the command ends at its own next write, and its workers with it (below).

**A log that cannot be written.** A logging handler that fails (a closed pipe, a full disk, a removed
folder) drops the record without a word (``logging.raiseExceptions = False``): the failure that matters is
reported once, as one line, by the code whose file could not be written.

**A parent that dies.** A worker ends itself at once when the command that started it dies, even in the
middle of its work (:func:`watch_parent`; also when the command was already gone before the worker got to
its first job), so that no orphan goes on computing or writing into the command's folder. Output files
are renamed into place only when complete (:func:`sim.common.files.write_atomic`), so ending a worker
never leaves a half-written one.
"""

from __future__ import annotations

import functools
import logging
import os
import signal
import socket
import sys
import threading
import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Sequence

EXIT_CLOSED_OUTPUT = 128 + signal.SIGPIPE
"""The exit code of a command whose output was closed: what a shell shows for a tool SIGPIPE ended."""

EXIT_ORPHANED = 1
"""The exit code of a worker that ended because its command died (nobody reads it)."""

PARENT_CHECK_SECONDS = 0.2
"""How often a worker checks that the command that started it is alive."""


# --- closed outputs -------------------------------------------------------------------------------


class _Closed:
    """What this process found of its stdout and stderr, and which process ends the command."""

    owner: int | None = None  # the process whose closed output ends the command (the command itself)
    ending = False  # the command found a closed output and is ending
    fds: set[int] = set()  # descriptors found closed, pointed at /dev/null since


def _to_devnull(fds: set[int]) -> None:
    """Point the file descriptors ``fds`` at ``/dev/null``: later writes, and the flush at exit, succeed."""
    new = fds - _Closed.fds
    if not new:
        return
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        for fd in new:
            try:
                os.dup2(null, fd)
            except OSError:
                pass
    finally:
        os.close(null)
    _Closed.fds |= new


def _output_closed(stream: Any) -> None:
    """A write to ``stream`` (stdout or stderr) found its reader gone: in the command, end it (exit 141,
    both streams pointed at /dev/null; from another thread by interrupting the main one); in a process
    it started, write nowhere through that stream from now on."""
    if _Closed.owner != os.getpid():
        try:
            _to_devnull({stream.fileno()})
        except (AttributeError, OSError, ValueError):  # no descriptor of its own
            pass
        return
    first = not _Closed.ending
    _Closed.ending = True
    _to_devnull({1, 2})
    if threading.current_thread() is threading.main_thread():
        raise SystemExit(EXIT_CLOSED_OUTPUT)
    if first:
        import _thread

        _thread.interrupt_main()  # the main thread gets KeyboardInterrupt; command_streams makes it 141


class GuardedStream:
    """A text stream (stdout or stderr) whose ``BrokenPipeError`` ends the command quietly
    (:func:`_output_closed`); every other attribute is the wrapped stream's."""

    def __init__(self, stream: Any):
        self._stream = stream

    def write(self, text: str) -> int:
        """Write ``text``; a closed reader ends the command (or, in a worker, is ignored)."""
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            _output_closed(self._stream)
            return len(text)

    def writelines(self, lines: Any) -> None:
        """Write each of ``lines``."""
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        """Flush; a closed reader ends the command (or, in a worker, is ignored)."""
        try:
            self._stream.flush()
        except BrokenPipeError:
            _output_closed(self._stream)
        except ValueError:  # closed stream
            pass

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _guard(stream: Any) -> Any:
    return stream if stream is None or isinstance(stream, GuardedStream) else GuardedStream(stream)


@contextmanager
def command_streams() -> Iterator[None]:
    """While in this block (a command's entry point), a closed stdout or stderr ends the command quietly
    with :data:`EXIT_CLOSED_OUTPUT`, and logging handlers that fail print nothing. The streams are
    flushed at the end, inside the block: a closed reader found then is the same quiet exit, and the flush
    at the interpreter's exit has nothing left to write."""
    saved = sys.stdout, sys.stderr, logging.raiseExceptions, _Closed.owner
    sys.stdout, sys.stderr = _guard(sys.stdout), _guard(sys.stderr)
    logging.raiseExceptions = False
    _Closed.owner, _Closed.ending = os.getpid(), False
    try:
        try:
            yield
        finally:
            for stream in (sys.stdout, sys.stderr):
                if stream is not None:
                    stream.flush()
    except (SystemExit, KeyboardInterrupt):
        if _Closed.ending:  # ended by a closed output, or on the way out of something else
            raise SystemExit(EXIT_CLOSED_OUTPUT) from None
        raise
    else:
        if _Closed.ending:  # found by another thread after the work was done
            raise SystemExit(EXIT_CLOSED_OUTPUT)
    finally:
        sys.stdout, sys.stderr, logging.raiseExceptions, _Closed.owner = saved


def command(main: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a command's entry point to run inside :func:`command_streams`."""

    @functools.wraps(main)
    def run(*args: Any, **kwargs: Any) -> Any:
        with command_streams():
            return main(*args, **kwargs)

    return run


def quiet_worker() -> None:
    """In a process the command started, once its logging is configured (a Hydra job): a closed stdout or
    stderr is written to no more, without a word, and failing logging handlers print nothing; the command
    ends at its own next write."""
    logging.raiseExceptions = False
    originals = {id(s): s for s in (sys.stdout, sys.stderr) if s is not None}
    sys.stdout, sys.stderr = _guard(sys.stdout), _guard(sys.stderr)
    loggers = [logging.getLogger(), *logging.root.manager.loggerDict.values()]
    for handler in [h for lg in loggers for h in getattr(lg, "handlers", [])]:
        if isinstance(handler, logging.StreamHandler) and id(handler.stream) in originals:
            handler.setStream(_guard(handler.stream))


# --- the parent's death ----------------------------------------------------------------------------


def command_identity() -> str:
    """What a command puts in its workers' environment (:func:`started_by`): its pid and host."""
    return f"{os.getpid()}@{socket.gethostname()}"


def prepare_workers(identity_env: str) -> None:
    """In a command, before it starts its jobs: its :func:`command_identity` goes into the environment
    variable ``identity_env``, where its jobs find it (:func:`start_job`), and every worker of joblib's
    process pool (what Hydra's joblib launcher runs the jobs in) watches the command from its start
    (:func:`watch_parent`), so that a worker still starting, or waiting for a job, ends with it too.

    The pool's workers run an initializer only when the backend is built with one; Hydra's launcher names
    the backend ``loky``, so the name is registered again with joblib's public
    ``register_parallel_backend``, for the loky backend class with the initializer."""
    import joblib
    from joblib._parallel_backends import LokyBackend  # the class joblib registers as "loky"

    os.environ[identity_env] = command_identity()
    joblib.register_parallel_backend(
        "loky", functools.partial(LokyBackend, initializer=watch_parent, initargs=(os.getpid(),))
    )


def started_by(identity: str | None) -> int | None:
    """The pid of the command whose :func:`command_identity` is ``identity`` if this process is one it
    started itself on this host (a sweep's job in the pool of Hydra's joblib launcher), else None: the
    command itself, a job on another host (a cluster's) or started through another process (submitit's
    local launcher), or no identity. (A pool worker whose command died before its first job is ended by
    the watch that :func:`prepare_workers` starts with it.)"""
    pid, _, host = (identity or "").partition("@")
    if not pid.isdigit() or int(pid) == os.getpid() or host != socket.gethostname() or os.getppid() != int(pid):
        return None
    return int(pid)


def watch_parent(parent: int, stop: Sequence[Any] = (), interval: float = PARENT_CHECK_SECONDS) -> None:
    """In a worker: end this process (``os._exit``, exit :data:`EXIT_ORPHANED`) as soon as ``parent`` is
    no longer its parent -- the command died, however -- or one of ``stop`` (connections, sentinels: what
    ``multiprocessing.connection.wait`` takes) becomes ready; at once if the parent is gone already. A
    daemon thread watches, so that the worker ends in the middle of its work too. Once per process."""
    if os.getppid() != parent:
        os._exit(EXIT_ORPHANED)
    if _Watched.key == (os.getpid(), parent):  # a forked child watches its own parent
        return
    _Watched.key = (os.getpid(), parent)
    stop = list(stop)

    def watch() -> None:
        from multiprocessing.connection import wait

        while True:
            if stop:
                if wait(stop, timeout=interval):
                    os._exit(EXIT_ORPHANED)
            else:
                time.sleep(interval)
            if os.getppid() != parent:
                os._exit(EXIT_ORPHANED)

    threading.Thread(target=watch, name="ceasefire-parent-watch", daemon=True).start()


class _Watched:
    key: tuple[int, int] | None = None  # (this process, the parent it watches)


def start_job(identity_env: str) -> bool:
    """At the start of a job of a command (a Hydra job, in whatever process runs it): if this process is one
    the command started (its :func:`command_identity` is in the environment variable ``identity_env``:
    :func:`started_by`), end it with the command (:func:`watch_parent`) and keep it quiet on a closed
    output (:func:`quiet_worker`). Returns whether it is such a worker."""
    parent = started_by(os.environ.get(identity_env))
    if parent is None:
        return False
    watch_parent(parent)
    quiet_worker()
    return True
