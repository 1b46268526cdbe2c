"""Files that hold secrets (the keyring, a witness's key and state): private mode, atomic
replacement, and a cross-process lock."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from yaksok.errors import ConfigError

try:  # POSIX only; without it concurrent rotations in two processes could lose a version.
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

__all__ = ["check_private", "file_stamp", "atomic_write", "exclusive_lock"]


def check_private(path: Path, st: os.stat_result) -> None:
    if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(
            f"secret file {path} is accessible by group or others "
            f"(mode {stat.S_IMODE(st.st_mode):04o}); refusing to use it",
            fix=f"chmod 600 {path}",
        )


def file_stamp(st: os.stat_result) -> tuple:
    # The inode changes on every os.replace, so two writes within one mtime tick still differ.
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def atomic_write(path: Path, data: bytes, *, exclusive: bool) -> None:
    """Write ``data`` to a 0600 temp file, fsync, then move it into place in one step.

    ``exclusive`` uses link() instead of replace(), which fails if ``path`` exists: creating a
    keyring must never overwrite one, since the data it sealed would be lost with it.
    """
    tmp = path.with_name(f".{path.name}.{os.urandom(6).hex()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        try:
            os.fchmod(fd, 0o600)  # the umask cannot widen it, but be explicit
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        if exclusive:
            os.link(tmp, path)
        else:
            os.replace(tmp, path)
    except FileExistsError:
        raise ConfigError(
            f"secret file {path} already exists; refusing to overwrite it",
            fix="keep it (data sealed with it needs it), or move it away first",
        ) from None
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    # Makes the rename itself durable; not every platform lets a directory be opened.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


@contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    # A separate lock file: the keyring itself is replaced on write, so a lock on it would be
    # a lock on an inode nobody else opens any more.
    if fcntl is None:  # pragma: no cover
        yield
        return
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock
