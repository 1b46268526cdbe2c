"""Sealing: hash new entries into the stored tree and sign a checkpoint of the new size.

Runs behind the appenders, in batches, under the tree lock (SQLite: BEGIN IMMEDIATE, which also
pauses appenders for the few milliseconds it takes; PostgreSQL: an advisory lock, so appenders
carry on). Order of effects: nodes inserted, the external file checked for a fork, the note
appended to the file and fsynced, then the checkpoint row; the caller commits. If the commit
fails after the file write, the file holds a checkpoint the entries still reproduce, which
``verify`` accepts and the next seal re-checks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from yaksok.auditlog import merkle
from yaksok.auditlog.checkpoint import (
    ED25519,
    InvalidCheckpoint,
    parse_checkpoint,
    sign_checkpoint,
)
from yaksok.auditlog.cosign import VerifierKey, handover_line
from yaksok.auditlog.cpfile import append_note, last_note
from yaksok.auditlog.tree import BLOCK, STORED_LEVEL, TreeReader, lock_tree, read_head
from yaksok.errors import IntegrityError

__all__ = ["CheckpointInfo", "seal_tree", "latest_checkpoint"]


@dataclass(frozen=True)
class CheckpointInfo:
    size: int
    root: bytes
    note: str
    key_version: int
    created_at: dt.datetime


def latest_checkpoint(conn: sa.Connection) -> CheckpointInfo | None:
    from yaksok.store.tables import access_log_checkpoints as t

    row = conn.execute(sa.select(t).order_by(t.c.size.desc()).limit(1)).first()
    if row is None:
        return None
    return CheckpointInfo(row.size, bytes(row.root_hash), row.note, row.key_version,
                          row.created_at)


def _due(conn, head, latest, *, every: int, seconds: int, now: dt.datetime) -> bool:
    old = latest.size if latest else 0
    if head.next_seq - old >= every:
        return True
    if latest is not None and now - latest.created_at >= dt.timedelta(seconds=seconds):
        return True
    from yaksok.store.tables import access_log

    oldest = conn.execute(sa.select(access_log.c.at).where(access_log.c.seq == old)).scalar()
    return oldest is not None and now - oldest >= dt.timedelta(seconds=seconds)


def seal_tree(conn: sa.Connection, keyring, *, origin: str, checkpoint_path: Path | None,
              every: int, seconds: int, force: bool, now: dt.datetime,
              cache: dict | None = None, handover: bool = False) -> CheckpointInfo | None:
    """Seal in the caller's transaction; returns the new checkpoint, or None if none was due.

    ``handover``: sign with the key of the last checkpoint and the active key, with a hand-over
    line (``AuditLog.rotate_signing_key`` only); without it, a change of key is refused.
    """
    from yaksok.store.tables import access_log_checkpoints, access_log_head, access_log_nodes

    lock_tree(conn)
    head = read_head(conn)
    latest = latest_checkpoint(conn)
    old = latest.size if latest else 0
    new = head.next_seq
    if new <= old or not (force or _due(conn, head, latest, every=every, seconds=seconds,
                                         now=now)):
        return None
    _check_history(conn, head, latest, checkpoint_path)
    if head.origin is None:
        conn.execute(access_log_head.update().where(access_log_head.c.id == 1)
                     .values(origin=origin))
    else:
        origin = head.origin  # fixed by the first checkpoint: the log's identity never drifts

    start = old - old % BLOCK
    reader = TreeReader(conn, head.expired_before, cache)
    frontier = merkle.perfect_pieces(0, start)  # all of level >= 4: start is block-aligned
    reader.prefetch(frontier)
    stack = [(level, lo, reader.perfect(lo, level)) for lo, level in frontier]
    p = "?" if conn.dialect.name == "sqlite" else "%s"
    leaves = conn.exec_driver_sql(
        f"SELECT seq, leaf_hash FROM access_log WHERE seq >= {p} AND seq < {p} ORDER BY seq",  # noqa: S608 - placeholders and constants only
        (start, new)).all()
    if len(leaves) != new - start or (leaves and leaves[-1][0] != new - 1):
        have = {s for s, _ in leaves}
        missing = next(s for s in range(start, new) if s not in have)
        raise IntegrityError(f"entry {missing} is missing; refusing to sign over a gap",
                             first_bad_seq=missing, fix="run `yaksok audit verify`")
    hashes = [bytes(h) for _, h in leaves]
    new_nodes = []
    for b in range(start, new - BLOCK + 1, BLOCK):
        level, lo = STORED_LEVEL, b
        h = merkle.root(hashes[b - start:b - start + BLOCK])
        new_nodes.append({"level": level, "idx": lo >> level, "hash": h})
        while stack and stack[-1][0] == level:
            _, left_lo, left = stack.pop()
            level, lo, h = level + 1, left_lo, merkle.node_hash(left, h)
            new_nodes.append({"level": level, "idx": lo >> level, "hash": h})
        stack.append((level, lo, h))
    tail_start = new - new % BLOCK
    tail = hashes[tail_start - start:]
    pieces = [h for _, _, h in stack] + [
        merkle.root(tail[a - tail_start:a - tail_start + (1 << lvl)])
        for a, lvl in merkle.perfect_pieces(tail_start, new)]
    root = merkle.fold(pieces)
    if new_nodes:
        conn.execute(access_log_nodes.insert(), new_nodes)
        for n in new_nodes:
            reader.nodes[(n["level"], n["idx"])] = n["hash"]

    if checkpoint_path is not None:
        _check_file(conn, reader, checkpoint_path, new, root)
    version, keys, extensions = _signers(keyring, origin, latest, handover)
    note = sign_checkpoint(origin, new, root, keys, extensions)
    if checkpoint_path is not None:
        append_note(checkpoint_path, note)
    conn.execute(access_log_checkpoints.insert().values(
        size=new, root_hash=root, note=note, key_version=version, created_at=now))
    return CheckpointInfo(new, root, note, version, now)


def _signers(keyring, origin: str, latest: CheckpointInfo | None, handover: bool):
    """(version, keys, extension lines): the active key; for a rotation's hand-over, also the
    key that signed the last checkpoint, with a hand-over line naming both, so a pinned key or a
    witness that trusts the old key learns the new one (``trust.py``).

    Never on its own: a key that became active without ``rotate_signing_key`` (one put in the
    keyring) would otherwise be vouched for by the old key at the next seal, and everything its
    holder signed afterwards would verify under the pin.
    """
    version, _ = keyring.active("log_signing")
    new = keyring.ed25519_private(version)
    if latest is None or latest.key_version == version:
        return version, [new], ()
    if not handover:
        raise IntegrityError(
            f"the keyring's active signing key (version {version}) did not sign checkpoint "
            f"{latest.size} (version {latest.key_version}) and no hand-over was made to it; "
            "refusing to sign", fix="change the key only with `yaksok audit rotate-key` (it "
            "hands over), and run `yaksok audit verify --key ...`")
    if latest.key_version not in keyring.versions("log_signing"):
        raise IntegrityError(
            f"key version {latest.key_version}, which signed checkpoint {latest.size}, is not "
            "in the keyring: it cannot hand over", fix="restore the keyring from the backup "
            "that holds it, or run `yaksok audit verify`")
    old = keyring.ed25519_private(latest.key_version)
    line = handover_line(*(VerifierKey(origin, ED25519, k.public_key().public_bytes_raw())
                           for k in (old, new)))
    return version, [old, new], (line,)


def _check_history(conn, head, latest, path: Path | None) -> None:
    """Never sign afresh a log that was signed before and whose checkpoints have vanished: an
    attacker who edited entries would wipe the checkpoints and let the sealer re-sign."""
    from yaksok.store.tables import access_log_nodes

    if latest is None:
        signed_before = head.origin is not None or conn.execute(
            sa.select(access_log_nodes.c.level).limit(1)).first() is not None
        if signed_before or (path is not None and last_note(path) is not None):
            raise IntegrityError(
                "this log was signed before, but its checkpoints are gone from the database; "
                "refusing to sign it afresh", fix="restore the checkpoints (the external file "
                "holds copies) and run `yaksok audit verify`")
    elif path is not None and last_note(path) is None:
        raise IntegrityError(
            f"the database holds checkpoints but the external file {path} is missing or empty; "
            "refusing to seal", fix="restore the checkpoint file from its copy, or point "
            "YAKSOK_AUDIT_CHECKPOINTS at it, and run `yaksok audit verify`")


def _check_file(conn, reader: TreeReader, path: Path, new: int, root: bytes) -> None:
    """Never sign a tree the external file contradicts (a restored or forked database)."""
    text = last_note(path)
    if text is None:
        return
    try:
        cp = parse_checkpoint(text)
    except InvalidCheckpoint as exc:
        raise IntegrityError(f"the last note in {path} is damaged ({exc}); refusing to seal",
                             fix="run `yaksok audit verify` and repair the file") from None
    if cp.size > new:
        raise IntegrityError(
            f"{path} holds a checkpoint of {cp.size} entries but the database has only {new}: "
            "the database was rolled back or truncated; refusing to seal", first_bad_seq=new,
            fix="restore the database that matches the checkpoint file")
    expected = root if cp.size == new else reader.root_at(cp.size)
    if cp.root != expected:
        raise IntegrityError(
            f"{path} holds a checkpoint of {cp.size} entries that this database does not "
            "reproduce; refusing to sign a fork", fix="run `yaksok audit verify`")
