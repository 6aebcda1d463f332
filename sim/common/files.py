"""Files: written whole or not at all, and paths as messages show them. The lowest layer: imports nothing
of the project but :mod:`sim.common.messages`."""

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


def kind(path: Path | str) -> str:
    """What ``path`` names: ``"file"``, ``"folder"``, ``"other"`` (a device, a pipe), or ``"none"`` -- nothing,
    or a name no file can have (longer than the file system allows, a NUL character), which ``Path.exists``
    would raise on."""
    import stat

    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return "none"
    return "folder" if stat.S_ISDIR(mode) else "file" if stat.S_ISREG(mode) else "other"


def name_problem(path: Path | str) -> str | None:
    """Why no file or folder can be named ``path`` -- a NUL character, a name longer than the file system
    allows -- or None (it exists or may be created)."""
    import errno

    text = os.fspath(path)
    if "\x00" in text:
        return "a file name cannot hold a NUL character"
    try:
        os.stat(text or ".")
    except OSError as e:
        if e.errno == errno.ENAMETOOLONG:
            return "a name longer than the file system allows"
    return None


def check_names(settings: dict[str, str], error: type[Exception]) -> None:
    """Raise ``error`` with one line (``key=value: why``) for the first of ``settings`` (key -> a path the
    user gave) that no file or folder can be named (:func:`name_problem`): looking it up would raise."""
    from sim.common.messages import about

    for key, value in settings.items():
        why = name_problem(value)
        if why:
            raise error(about(key, value, why))
