"""Files: written whole or not at all, and paths as messages show them. The lowest layer: imports nothing
of the project."""

from __future__ import annotations

import os
from pathlib import Path


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write ``data`` to a unique temporary file beside ``path``, then rename it into place. An
    operating-system error (a full disk, a removed folder) names ``path`` if it names no file itself."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data.encode() if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())  # on disk before the rename: a crash leaves the old file or the new one
        os.replace(tmp, path)
    except OSError as e:
        if e.filename is None or e.filename == str(tmp):
            e.filename = str(path)
        raise
    finally:
        try:
            tmp.unlink()
        except OSError:
            pass


def display_path(path: Path | str) -> str:
    """``path`` relative to the working directory when inside it, else absolute (for messages)."""
    path = Path(path).absolute()
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


class FolderInUse(OSError):
    """Another live process holds the folder's lock (one-line message)."""


def claim_folder(folder: Path, lock_name: str, busy: str) -> Path:
    """Mark ``folder`` as this process's: a lock file ``lock_name`` holding its pid, created exclusively.
    Raise :class:`FolderInUse` (``"<folder>: another <busy>"``; ``busy`` may name the pid as ``{pid}``) if
    another live process holds it; a lock left by a dead process is taken over. Returns the lock's path."""
    folder.mkdir(parents=True, exist_ok=True)
    lock = folder / lock_name
    for _ in range(3):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                pid = int(lock.read_text().strip() or 0)
            except (OSError, ValueError):
                pid = 0
            if pid == os.getpid():
                return lock
            if pid > 0 and _alive(pid):
                raise FolderInUse(f"{folder}: another {busy.format(pid=pid)}") from None
            lock.unlink(missing_ok=True)  # left by a process that died: take it over
            continue
        with os.fdopen(fd, "w") as f:
            f.write(f"{os.getpid()}\n")
        return lock
    raise FolderInUse(f"{folder}: cannot claim the folder ({lock_name} keeps reappearing)")


def release_folder(lock: Path) -> None:
    """Remove the lock if this process holds it."""
    try:
        if int(lock.read_text().strip() or 0) == os.getpid():
            lock.unlink()
    except (OSError, ValueError):
        pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
