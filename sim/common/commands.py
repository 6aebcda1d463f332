"""What the commands share to speak in one line: an exception or an operating-system error as one
line for the user, the check of a command line before anything is made (:func:`checked`) and the run
after it (:func:`run_reported`), old spellings of keys, and the resolvers their configs use."""

from __future__ import annotations

import argparse
import errno
import sys
from pathlib import Path
from typing import Any, Callable, NoReturn

from sim.common.files import display_path
from sim.common.messages import error_line, printable, shown


class OneLineParser(argparse.ArgumentParser):
    """argparse's parser whose errors are one line and exit 2 (argparse prints its usage too)."""

    def error(self, message: str) -> NoReturn:
        """argparse's message, each word the user gave shown as a one-line message shows a value."""
        what, sep, given = message.partition(": ")
        words = " ".join(shown(w) for w in given.split(" ")) if sep else ""
        print(f"error: {error_line(what)}{sep}{words}; see {self.prog} --help", file=sys.stderr)
        raise SystemExit(2)


def one_line(exc: BaseException) -> str:
    """``ExceptionType: first line of the message``."""
    text = error_line(exc)
    name = type(exc).__name__
    return f"{name}: {text}" if text else name


def os_error_line(e: OSError, where: Path | str | None = None) -> str:
    """One line for an operating-system error, naming the file and what to do."""
    name = e.filename or where
    place = f"{display_path(name)}: " if name else ""
    advice = {
        errno.ENOSPC: "the disk is full; free some space and run again",
        errno.EDQUOT: "the disk quota is exceeded; free some space and run again",
        errno.EROFS: "read-only file system; give a writable folder (hydra.run.dir=... or hydra.sweep.dir=...)",
        errno.EACCES: "permission denied; give a writable folder (hydra.run.dir=... or hydra.sweep.dir=...)",
        errno.EPERM: "operation not permitted; give a writable folder",
    }.get(e.errno or 0, e.strerror or str(e))
    return f"cannot write {place}{advice}"


def failure_line(exc: BaseException) -> str:
    """One line for a failure: an operating-system error (one with an errno) as :func:`os_error_line` says it
    (what could not be written, where), anything else as :func:`one_line`."""
    return printable(os_error_line(exc)) if isinstance(exc, OSError) and exc.errno else one_line(exc)


def recorded_error_line(exc: BaseException, record_exc: BaseException, record: str) -> str:
    """One line for a failure ``exc`` whose record (the file ``record``) could not be written either
    (``record_exc``); the second failure is left out when it is the same operating-system error (a full
    disk fails both)."""
    same = isinstance(exc, OSError) and isinstance(record_exc, OSError) and exc.errno == record_exc.errno
    also = "" if same else f" (and {record} could not be written: {failure_line(record_exc)})"
    return failure_line(exc) + also


def register_resolvers(options) -> None:
    """The resolvers the commands' configs use: ``${ceasefire_pid:}``, the process id of the command,
    which makes run folders unique (cached, so that a sweep's workers resolve the main process's value),
    and ``${ceasefire_options:GROUP}`` in the help texts, ``options(GROUP)`` on one line."""
    import os

    from omegaconf import OmegaConf

    if not OmegaConf.has_resolver("ceasefire_pid"):
        OmegaConf.register_new_resolver("ceasefire_pid", lambda: str(os.getpid()), use_cache=True)
    OmegaConf.register_new_resolver("ceasefire_options", lambda group: ", ".join(options(group)), replace=True)


RENAMED_KEYS = {"seeds_dir": "record_dir"}
"""Old spellings of config keys that still work, with a note: ``seeds_dir`` named the incident record's
folder with the same word as the random ``seed``."""


RETIRED_EXPERIMENTS = ("observer_mission", "no_mediation", "peacekeeper_withdrawal")
"""Experiments that only wrapped the scenario of the same name: now ``+experiment=year scenario=NAME``."""


def renamed_overrides(argv: list[str], stream=None) -> list[str]:
    """``argv`` with old spellings replaced by the new ones, one note on ``stream`` (stderr) for each:
    old key names (:data:`RENAMED_KEYS`, also as the last part of a dotted key), and
    ``+experiment=NAME`` of a retired experiment (:data:`RETIRED_EXPERIMENTS`)."""
    import sys

    stream = sys.stderr if stream is None else stream
    out = []
    for arg in argv:
        key, sep, value = arg.partition("=")
        if key == "+experiment" and value in RETIRED_EXPERIMENTS:
            print(
                f"note: +experiment={value} is now +experiment=year scenario={value}; the old name will be removed",
                file=stream,
            )
            out += ["+experiment=year", f"scenario={value}"]
            continue
        prefix = key[: len(key) - len(key.lstrip("+~"))]
        parts = key.lstrip("+~").split(".")
        if sep and parts[-1] in RENAMED_KEYS:
            old = parts[-1]
            parts[-1] = RENAMED_KEYS[old]
            new = ".".join(parts)
            print(
                f"note: {old}= is now {parts[-1]}= (read as {new}={value}); the old name will be removed", file=stream
            )
            arg = f"{prefix}{new}={value}"
        out.append(arg)
    return out


INFO_FLAGS = ("--help", "-h", "--hydra-help", "--info", "--cfg", "-c")
"""Flags with which a command only prints (help, config): no preflight checks."""


def checked(preflight: Callable[[], Any], errors: tuple) -> Any:
    """``preflight()``, the check of a command line before anything is made: one of ``errors`` is its
    line and exit 2, Ctrl-C exit 130 (nothing was run)."""
    import sys

    try:
        return preflight()
    except errors as e:
        print(f"error: {error_line(e)}", file=sys.stderr, flush=True)
        sys.exit(2)
    except KeyboardInterrupt:
        print("\ninterrupted; nothing was run", file=sys.stderr, flush=True)
        sys.exit(130)


def run_reported(work: Callable[[], Any], interrupted: str, errors: tuple = (), on_sigterm: Any = None) -> Any:
    """``work()`` -- a Hydra app, or what launches one -- with whatever goes wrong as one line on
    stderr: one of ``errors`` (bad input found late, exit 2), an operating-system error such as a
    full disk (exit 1), anything else (exit 1, the traceback only with ``HYDRA_FULL_ERROR=1``), Ctrl-C
    or, with the ``on_sigterm`` handler, SIGTERM (exit 130, ``interrupted`` said)."""
    import os
    import signal
    import sys

    _Reported.full_error = os.environ.get("HYDRA_FULL_ERROR") == "1"  # as Hydra reads it: "0" is off
    os.environ["HYDRA_FULL_ERROR"] = "1"  # Hydra then re-raises, and the line below is ours
    if on_sigterm is not None:
        try:
            signal.signal(signal.SIGTERM, on_sigterm)
        except ValueError:  # not the main thread
            pass
    try:
        return work()
    except SystemExit:
        raise
    except KeyboardInterrupt:
        print(f"\ninterrupted; {interrupted}", file=sys.stderr, flush=True)
        sys.exit(130)
    except Exception as e:  # noqa: BLE001 -- one line; the traceback on request
        report_failure(e, errors)


class _Reported:
    full_error = False  # the user asked for tracebacks (HYDRA_FULL_ERROR=1 given to the command)


def report_failure(e: Exception, errors: tuple = ()) -> NoReturn:
    """End the command with one line for ``e``: one of ``errors`` (bad input found late) as it is, exit 2;
    an operating-system error as :func:`failure_line` says it, exit 1; anything else as :func:`one_line`,
    exit 1 -- re-raised instead if the user asked for tracebacks (``HYDRA_FULL_ERROR=1``)."""
    import sys

    if isinstance(e, errors):
        print(f"error: {error_line(e)}", file=sys.stderr, flush=True)
        sys.exit(2)
    if _Reported.full_error:
        raise e
    line = failure_line(e) if isinstance(e, OSError) else f"{one_line(e)} (HYDRA_FULL_ERROR=1 shows the traceback)"
    print(f"error: {line}", file=sys.stderr, flush=True)
    sys.exit(1)


def run_job_reported(work: Callable[[], Any], out_dir: Path, errors: tuple = ()) -> Any:
    """``work()`` in the task function of a command's single run (in the command's process, inside
    :func:`run_reported`), writing into ``out_dir``. If it fails or is interrupted, what it added to
    ``out_dir`` is removed -- no partial set of results is left to be mistaken for one -- and a failure is
    one line (:func:`report_failure`), ending the command before Hydra adds its own."""
    out_dir = Path(out_dir)
    before = _entries(out_dir)
    try:
        return work()
    except BaseException as e:
        if not isinstance(e, SystemExit):
            _remove_added(out_dir, before)
        if isinstance(e, Exception):
            report_failure(e, errors)
        raise


def _entries(folder: Path) -> set[str]:
    try:
        return {p.name for p in folder.iterdir()}
    except OSError:
        return set()


def _remove_added(folder: Path, before: set[str]) -> None:
    import shutil

    for name in _entries(folder) - before:
        path = folder / name
        try:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
        except OSError:
            pass


def run_hydra_command(argv, prog: str, preflight, app, register, errors: tuple, interrupted: str) -> None:
    """What ``ceasefire-calibrate`` and ``ceasefire-validate`` do around their Hydra app:
    ``preflight(overrides)`` checks the command line first (:func:`checked`: before any folder is
    made), then ``app()`` runs (:func:`run_reported`)."""
    import sys

    overrides = [a for a in argv if not a.startswith("-")]
    if not any(a in INFO_FLAGS for a in argv):
        checked(lambda: preflight(overrides), errors)
    sys.argv = [sys.argv[0] if sys.argv else prog, *argv]
    register()
    run_reported(app, interrupted, errors)
