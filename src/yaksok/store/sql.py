"""Small database helpers: raw SQL per dialect, times, errors, write transactions.

The hot paths (the vault's read and collect, the access log's append, expiry) speak raw driver
SQL: statements are written once with ``?`` placeholders and translated for psycopg (``%s``). Times are passed the way ``UTCDateTime``
stores them (naive UTC text on SQLite, aware ``timestamptz`` on PostgreSQL), so rows written here
and rows written through SQLAlchemy Core compare and read back the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

import sqlalchemy as sa

from yaksok.errors import StorageError
from yaksok.store.engine import IMMEDIATE, driver_message, mask_url

__all__ = ["sql", "to_db", "from_db", "write", "raw_write", "RawConn", "storage_errors",
           "is_sqlite"]

_UTC = dt.UTC


@lru_cache(maxsize=512)
def _translate(text: str, sqlite: bool) -> str:
    return text if sqlite else text.replace("?", "%s")


def is_sqlite(conn: sa.Connection) -> bool:
    return conn.dialect.name == "sqlite"


def sql(conn: sa.Connection, text: str) -> str:
    """``text`` (written with ``?`` markers) for the connection's driver."""
    return _translate(text, conn.dialect.name == "sqlite")


def to_db(sqlite: bool, value: dt.datetime | None):
    """An aware datetime as ``UTCDateTime`` stores it on this backend."""
    if value is None:
        return None
    value = value.astimezone(_UTC)
    return value.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else value


def from_db(value) -> dt.datetime | None:
    """A stored time read through raw SQL, as an aware UTC datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        return dt.datetime.fromisoformat(value).replace(tzinfo=_UTC)
    if value.tzinfo is None:
        return value.replace(tzinfo=_UTC)
    return value.astimezone(_UTC)


@contextmanager
def storage_errors(engine: sa.Engine) -> Iterator[None]:
    """Database failures as ``StorageError``; the driver's parameters are never echoed."""
    try:
        yield
    except sa.exc.DBAPIError as exc:
        raise StorageError(
            f"database {mask_url(engine.url)} refused the operation: "
            f"{driver_message(exc, engine.url)}") from None


@contextmanager
def write(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A read-then-write transaction (``BEGIN IMMEDIATE`` on SQLite); commits on success."""
    with storage_errors(engine), engine.connect() as conn:
        conn = conn.execution_options(**IMMEDIATE)
        with conn.begin():
            yield conn


class _Result:
    """The little of SQLAlchemy's ``Result`` the vault uses, over a DB-API cursor."""

    __slots__ = ("_cur",)

    def __init__(self, cur):
        self._cur = cur

    @property
    def rowcount(self) -> int:
        return self._cur.rowcount

    def first(self):
        return self._cur.fetchone() if self._cur.description else None

    def fetchall(self) -> list:
        return self._cur.fetchall() if self._cur.description else []

    def scalar(self):
        row = self.first()
        return None if row is None else row[0]

    def scalar_one(self):
        row = self.first()
        if row is None:
            raise StorageError("a statement that must return a row returned none")
        return row[0]

    def __iter__(self):
        return iter(self.fetchall())


class RawConn:
    """A DB-API connection inside one transaction, speaking ``exec_driver_sql`` like a
    SQLAlchemy ``Connection`` (which is all ``auditlog.append_many`` and the vault's raw
    statements use). It skips SQLAlchemy's per-statement machinery on the hot paths."""

    __slots__ = ("dialect", "_raw")

    def __init__(self, raw, dialect):
        self._raw, self.dialect = raw, dialect

    def exec_driver_sql(self, text: str, params=None) -> _Result:
        cur = self._raw.cursor()
        if isinstance(params, list):
            cur.executemany(text, params)
        else:
            cur.execute(text, params or ())
        return _Result(cur)


@contextmanager
def raw_write(engine: sa.Engine) -> Iterator[RawConn]:
    """Like ``write`` (``BEGIN IMMEDIATE`` on SQLite), on the bare driver connection."""
    sqlite = engine.dialect.name == "sqlite"
    errors = engine.dialect.loaded_dbapi.Error
    try:
        raw = engine.raw_connection()
    except sa.exc.DBAPIError as exc:
        raise StorageError(f"cannot reach the database {mask_url(engine.url)}: "
                           f"{driver_message(exc, engine.url)}") from None
    try:
        if sqlite:
            raw.cursor().execute("BEGIN IMMEDIATE")
        try:
            yield RawConn(raw, engine.dialect)
        except BaseException:
            raw.rollback()
            raise
        raw.commit()
    except errors as exc:
        lines = str(exc).strip().splitlines()
        raise StorageError(f"database {mask_url(engine.url)} refused the operation: "
                           f"{lines[0] if lines else type(exc).__name__}") from None
    finally:
        raw.close()
