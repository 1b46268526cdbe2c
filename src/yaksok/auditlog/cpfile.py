"""The external checkpoint file: every signed checkpoint, appended and fsynced, outside the DB.

A copy of the database alone cannot rewrite history: the file (default
``<data_dir>/access-log-checkpoints.txt``, or ``YAKSOK_AUDIT_CHECKPOINTS``; best on other
storage, or shipped off the machine) still holds the checkpoints the database must reproduce.
Format: the signed notes one after another, each followed by one empty line.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from yaksok.auditlog.checkpoint import split_notes
from yaksok.durable import append_durably
from yaksok.errors import ConfigError

__all__ = ["append_note", "read_notes", "last_note"]

# Notes are about 200 bytes; the tail read for the last one only needs to hold one whole note.
_TAIL_BYTES = 8192


def append_note(path: Path, note: str) -> None:
    """Append ``note`` and an empty line, and make it durable before returning."""
    try:
        append_durably(Path(path), (note + "\n").encode("utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot append to the checkpoint file {path}: {exc.strerror or exc}",
                          field="YAKSOK_AUDIT_CHECKPOINTS",
                          fix="point it at a writable file on durable storage") from None


def read_notes(path: Path) -> Iterator[str]:
    """Every note in the file, oldest first (nothing if the file does not exist)."""
    try:
        with open(path, encoding="utf-8", newline="\n") as fh:
            yield from split_notes(fh)
    except FileNotFoundError:
        return
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the checkpoint file {path}: {exc}") from None


def last_note(path: Path) -> str | None:
    """The last complete note of the file, read from its tail only (None if there is none)."""
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            end = fh.tell()
            fh.seek(max(0, end - _TAIL_BYTES))
            tail = fh.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"cannot read the checkpoint file {path}: {exc.strerror}") from None
    lines = tail.splitlines()
    if end > _TAIL_BYTES:
        # The first line may be cut; any note it starts is cut too, but split_notes realigns at
        # the first "signatures, empty line" boundary, so the last note is always whole.
        lines = lines[1:]
    notes = list(split_notes(lines))
    return notes[-1] if notes else None
