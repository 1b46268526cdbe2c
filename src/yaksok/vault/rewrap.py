"""The data keys' side of a KEK rotation: every live data key still wrapped under an older KEK
version is rewrapped under the active one, and written back without overwriting a concurrent
change; the count of keys per version, and the lock a retirement counts under.

``yaksok.rotation`` runs the procedure (rotate, rewrap, reseal, retire) through ``Vault``'s
``rewrap_data_keys``, ``data_key_usage`` and ``lock_keys_for_retirement``; the rows of
``data_keys``, and the keys in them, never leave the vault.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from yaksok.crypto.envelope import rewrap_data_key
from yaksok.store.sql import raw_write, sql, storage_errors

__all__ = ["rewrap_data_keys", "count_pending", "pending_keys", "store_rewrapped",
           "usage_by_version", "lock_for_retirement", "MAX_PASSES"]

#: Each pass only finds rows a stale writer added during the previous one.
MAX_PASSES = 20

_PENDING = ("SELECT id, member_id, scope, wrapped, kek_version FROM data_keys "
            "WHERE kek_version < ? AND wrapped IS NOT NULL AND id > ? ORDER BY id LIMIT ?")
_COUNT_PENDING = "SELECT COUNT(*) FROM data_keys WHERE kek_version < ? AND wrapped IS NOT NULL"
_UPDATE = ("UPDATE data_keys SET wrapped = ?, kek_version = ? "
           "WHERE id = ? AND kek_version = ? AND wrapped = ?")
_USAGE = ("SELECT kek_version, COUNT(*) FROM data_keys WHERE wrapped IS NOT NULL "
          "GROUP BY kek_version")


def count_pending(engine: sa.Engine, target: int) -> int:
    """Live data keys wrapped under a KEK version older than ``target``."""
    with storage_errors(engine), engine.connect() as conn:
        return conn.exec_driver_sql(sql(conn, _COUNT_PENDING), (target,)).scalar()


def pending_keys(engine: sa.Engine, target: int, after: str, limit: int) -> list[tuple]:
    """The next ``limit`` such keys by id after ``after``: (id, member id, scope, wrapped,
    version)."""
    with storage_errors(engine), engine.connect() as conn:
        return [(r[0], r[1], r[2], bytes(r[3]), r[4]) for r in conn.exec_driver_sql(
            sql(conn, _PENDING), (target, after, limit)).fetchall()]


def store_rewrapped(engine: sa.Engine, updates: list[tuple]) -> int:
    """Write (new wrapped, new version, id, old version, old wrapped) rows in one short
    transaction, each only if the row is still as it was read (an erasure or a concurrent
    rotation meanwhile wins); returns how many were written."""
    changed = 0
    with raw_write(engine) as conn:
        text = sql(conn, _UPDATE)
        for params in updates:
            changed += max(conn.exec_driver_sql(text, params).rowcount, 0)
    return changed


def rewrap_data_keys(engine: sa.Engine, keyring, target: int, *, batch: int,
                     progress: Callable[[int, int], None] | None = None) -> tuple[int, int]:
    """Rewrap every live data key under a KEK version older than ``target``; returns
    (rewrapped, skipped: rows that changed meanwhile, erased or rewrapped by another run).

    Each batch unwraps and rewraps outside any transaction, then writes in one short
    transaction of its own with an optimistic ``UPDATE ... WHERE id = ? AND kek_version = ? AND
    wrapped = ?``; the walk by id repeats until a pass finds nothing (a writer that read the
    keyring just before the rotation is caught by the next pass).
    """
    total = count_pending(engine, target)
    done = changed_total = skipped = 0
    if progress:
        progress(0, total)
    for _ in range(MAX_PASSES):
        last, seen = "", 0
        while True:
            rows = pending_keys(engine, target, last, batch)
            if not rows:
                break
            last = rows[-1][0]
            seen += len(rows)
            updates = []
            for key_id, member_id, scope, wrapped, old in rows:
                new_version, new_wrapped = rewrap_one(keyring, key_id, member_id, scope,
                                                      wrapped, old, target)
                updates.append((new_wrapped, new_version, key_id, old, wrapped))
            changed = store_rewrapped(engine, updates)
            changed_total += changed
            skipped += len(updates) - changed
            done += len(updates)
            if progress:
                progress(done, max(total, done))
        if seen == 0:
            break
    return changed_total, skipped


def rewrap_one(keyring, key_id, member_id, scope, wrapped, old, target):
    """One row's rewrap (a seam: tests make it fail in the middle of a batch)."""
    return rewrap_data_key(keyring, key_id, member_id, scope, wrapped, old, target)


def usage_by_version(conn) -> dict[int, int]:
    """{KEK version: live data keys wrapped under it} in ``conn``."""
    return {int(v): n for v, n in conn.exec_driver_sql(_USAGE).fetchall()}


def lock_for_retirement(conn, other_tables=()) -> None:
    """On PostgreSQL, block inserts and updates of ``data_keys`` (and ``other_tables``) until
    the caller's transaction ends, so a retirement's count stays true (SQLite's ``BEGIN
    IMMEDIATE`` already holds the database's write lock)."""
    hold_off_writers(conn, "data_keys", *other_tables)


def hold_off_writers(conn, *tables: str) -> None:
    """On PostgreSQL, block inserts and updates of ``tables`` until the caller's transaction
    ends (SQLite's ``BEGIN IMMEDIATE`` already holds the database's write lock)."""
    if conn.dialect.name != "sqlite":
        names = ", ".join([tables[0], *sorted(set(tables[1:]) - {tables[0]})])
        conn.exec_driver_sql(f"LOCK TABLE {names} IN SHARE ROW EXCLUSIVE MODE")
