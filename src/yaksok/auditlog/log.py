"""Appending entries and reading them back.

``append`` and ``append_many`` run inside the caller's transaction: an entry for a write commits
with the write, and an entry for a read commits before the data is returned. The sequence number
comes from the single ``access_log_head`` row, bumped with ``UPDATE ... RETURNING``: the row lock
serialises appenders across threads and processes (PostgreSQL) and the write lock does on SQLite,
so seq is 0, 1, 2, ... without gaps or forks, and a rolled-back append gives its numbers back.

On SQLite open the surrounding transaction with ``IMMEDIATE`` (``yaksok.store.IMMEDIATE``): a
deferred transaction that read first cannot upgrade to a write once another writer committed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from hashlib import sha256

import sqlalchemy as sa

from yaksok.auditlog.encoding import FIELDS, LEAF_FORMAT, prepare
from yaksok.auditlog.events import AccessEvent
from yaksok.store.tables import access_log, access_log_head

__all__ = ["append", "append_many", "StoredEntry", "iter_entries", "get_entry", "placeholder"]

_COLUMNS = ("seq", "at", *FIELDS, "leaf_hash")
_BUMP = "UPDATE access_log_head SET next_seq = next_seq + {p} WHERE id = 1 RETURNING next_seq"


def placeholder(conn: sa.Connection) -> str:
    """The DB-API parameter marker of the connection's driver (sqlite3: ?, psycopg: %s)."""
    return "?" if conn.dialect.name == "sqlite" else "%s"


def _insert_sql(p: str) -> str:
    return (f"INSERT INTO access_log ({', '.join(_COLUMNS)}) "  # noqa: S608 - placeholders and constants only
            f"VALUES ({', '.join([p] * len(_COLUMNS))})")


def append(conn: sa.Connection, event: AccessEvent) -> int:
    """Append one entry in the caller's transaction; returns its seq."""
    return append_many(conn, (event,))[0]


def append_many(conn: sa.Connection, events: Iterable[AccessEvent]) -> list[int]:
    """Append entries in order in the caller's transaction: one head update, one batch insert.

    Uses only ``conn.dialect.name`` and ``conn.exec_driver_sql`` (a list of tuples for many
    rows), so a thin wrapper over a bare DB-API connection works too (the vault's ``RawConn``).
    """
    sqlite = conn.dialect.name == "sqlite"
    # Validate and convert everything first: a bad event must not hold the head lock.
    prepared = [prepare(e, sqlite) for e in events]
    n = len(prepared)
    if not n:
        return []
    p = placeholder(conn)
    end = conn.exec_driver_sql(_BUMP.format(p=p), (n,)).scalar_one()
    first = end - n
    fmt = LEAF_FORMAT  # leaf_input, inlined: this loop sets the batched append rate
    rows = [(seq, p[1], *p[2], sha256(fmt % (seq, p[0])).digest())
            for seq, p in enumerate(prepared, first)]
    conn.exec_driver_sql(_insert_sql(p), rows if n > 1 else rows[0])
    return list(range(first, end))


@dataclass(frozen=True)
class StoredEntry(AccessEvent):
    """An entry as stored: the event and its place in the log."""

    seq: int = field(default=-1, kw_only=True)


def _entry(row) -> StoredEntry:
    cats = row.categories
    return StoredEntry(
        seq=row.seq, at=row.at, actor_id=row.actor_id, actor_kind=row.actor_kind,
        actor_role=row.actor_role, source_ip=row.source_ip, subject_ref=row.subject_ref,
        categories=tuple(cats.split(" ")) if cats else (), operation=row.operation,
        purpose=row.purpose, outcome=row.outcome, reason=row.reason, request_id=row.request_id,
        task=row.task, policy_version=row.policy_version)


def iter_entries(
    engine: sa.Engine,
    *,
    subject_ref: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    actor_id: str | None = None,
    batch: int = 1000,
) -> Iterator[StoredEntry]:
    """Entries in seq order, filtered; ``since`` inclusive, ``until`` exclusive (aware times).

    Only entries inside the range ``verify`` checks (``expired_before`` to ``next_seq``): a row
    an attacker slipped in below or above it is never shown. Streams in batches of ``batch``
    rows; a connection stays open until the iterator is done.
    """
    t = access_log
    query = (sa.select(*(t.c[name] for name in _COLUMNS[:-1])).where(*_in_range(t))
             .order_by(t.c.seq))
    if subject_ref is not None:
        query = query.where(t.c.subject_ref == subject_ref)
    if actor_id is not None:
        query = query.where(t.c.actor_id == actor_id)
    if since is not None:
        query = query.where(t.c.at >= since)
    if until is not None:
        query = query.where(t.c.at < until)
    with engine.connect() as conn:
        result = conn.execution_options(yield_per=batch).execute(query)
        for row in result:
            yield _entry(row)


def sealed_size(engine: sa.Engine) -> int:
    """How many entries the latest signed checkpoint covers: entries from this seq on are not
    yet sealed (a reader says so beside them)."""
    with engine.connect() as conn:
        return int(conn.exec_driver_sql(
            "SELECT max(size) FROM access_log_checkpoints").scalar() or 0)


def _in_range(t) -> tuple:
    head = access_log_head.c
    low = sa.select(head.expired_before).where(head.id == 1).scalar_subquery()
    high = sa.select(head.next_seq).where(head.id == 1).scalar_subquery()
    return t.c.seq >= low, t.c.seq < high


def get_entry(conn: sa.Connection, seq: int) -> StoredEntry | None:
    row = conn.execute(sa.select(*(access_log.c[name] for name in _COLUMNS[:-1]))
                       .where(access_log.c.seq == seq, *_in_range(access_log))).first()
    return _entry(row) if row is not None else None
