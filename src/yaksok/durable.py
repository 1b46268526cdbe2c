"""Append-only files outside the database that must survive a crash once written.

The access log's checkpoints and the list of erasures live beside the database, not in it, so a
copy of the database alone can neither rewrite history nor bring an erased member back. Both are
appended the same way: ``O_APPEND`` (a concurrent appender never overwrites), ``fsync`` before
returning, and the directory entry synced when the file is new.
"""

from __future__ import annotations

import os
from pathlib import Path


def append_durably(path: Path, data: bytes, *, mode: int = 0o640) -> None:
    """Append ``data`` to ``path`` and make it durable; raises ``OSError`` on any failure."""
    path = Path(path)
    created = not path.exists()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, mode)
    try:
        if os.write(fd, data) != len(data):
            raise OSError(f"short write to {path}")
        os.fsync(fd)
    finally:
        os.close(fd)
    if created:
        # The new directory entry must survive a crash too, not only the file's bytes.
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
