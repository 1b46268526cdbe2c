"""What a database holds, as bytes or as row counts: the scans that look for a value at rest,
and the checks that an operation changed no table (or only the ones it should)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa


def sqlite_files(yk) -> list[Path]:
    """The SQLite database file and its WAL (and shm), if the backend is SQLite."""
    if yk.engine.dialect.name != "sqlite":
        return []
    db = Path(yk.engine.url.database)
    return [p for p in (db, Path(str(db) + "-wal"), Path(str(db) + "-shm")) if p.exists()]


def database_bytes(yk) -> bytes:
    """Everything the database holds, as bytes: the SQLite files, or every row of every table
    of the PostgreSQL schema (text and bytea columns as stored)."""
    if yk.engine.dialect.name == "sqlite":
        return b"".join(p.read_bytes() for p in sqlite_files(yk))
    chunks = []
    with yk.engine.connect() as conn:
        for table in sa.inspect(conn).get_table_names():
            for row in conn.exec_driver_sql(f'SELECT * FROM "{table}"'):  # noqa: S608
                for cell in row:
                    if isinstance(cell, bytes | memoryview):
                        chunks.append(bytes(cell))
                    elif cell is not None:
                        chunks.append(str(cell).encode("utf-8"))
    return b"\x00".join(chunks)


def table_counts(store) -> dict[str, int]:
    """Rows in every table of ``store``'s database (alembic's bookkeeping included)."""
    names = sa.inspect(store.engine).get_table_names()
    with store.engine.connect() as conn:
        return {n: conn.execute(sa.text(f'SELECT COUNT(*) FROM "{n}"')).scalar_one()  # noqa: S608
                for n in names}


def changed_tables(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """{table: row difference} of the tables whose counts changed."""
    return {n: after.get(n, 0) - before.get(n, 0) for n in set(before) | set(after)
            if after.get(n, 0) != before.get(n, 0)}


def sqlite_bytes(store) -> bytes:
    """``store``'s SQLite database file and its WAL, as bytes (empty on PostgreSQL)."""
    if store.engine.dialect.name != "sqlite":
        return b""
    path = Path(store.engine.url.database)
    data = path.read_bytes()
    for suffix in ("-wal", "-journal"):
        extra = path.with_name(path.name + suffix)
        if extra.exists():
            data += extra.read_bytes()
    return data
