"""The data keys' side of a KEK rotation: which keys are still wrapped under an older KEK
version, and their rewrap written back without overwriting a concurrent change.

``yaksok.rotation`` runs the procedure (rotate, rewrap, reseal, retire) over these; the rows of
``data_keys`` are touched only here.
"""

from __future__ import annotations

import sqlalchemy as sa

from yaksok.store.sql import raw_write, sql, storage_errors

__all__ = ["count_pending", "pending_keys", "store_rewrapped", "usage_by_version",
           "lock_for_retirement"]

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


def usage_by_version(conn) -> dict[int, int]:
    """{KEK version: live data keys wrapped under it} in ``conn``."""
    return {int(v): n for v, n in conn.exec_driver_sql(_USAGE).fetchall()}


def lock_for_retirement(conn, other_tables=()) -> None:
    """On PostgreSQL, block inserts and updates of ``data_keys`` (and ``other_tables``) until
    the caller's transaction ends, so a retirement's count stays true (SQLite's ``BEGIN
    IMMEDIATE`` already holds the database's write lock)."""
    if conn.dialect.name == "sqlite":
        return
    tables = ", ".join(["data_keys", *sorted(set(other_tables))])
    conn.exec_driver_sql(f"LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE")
