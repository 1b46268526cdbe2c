"""Build the one SQLAlchemy engine yaksok uses: embedded SQLite or PostgreSQL (psycopg 3).

Every failure to reach the database becomes a ``StorageError`` whose message names the database
with the password masked; a malformed or unsupported URL is a ``ConfigError``. The driver's own
exception is not chained, so no traceback can carry the URL's secret either.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from yaksok.errors import ConfigError, StorageError

__all__ = ["make_engine", "mask_url", "normalise_url", "driver_message", "ping", "IMMEDIATE"]

#: Execution option for a read-then-write transaction: on SQLite the transaction starts with
#: ``BEGIN IMMEDIATE`` (takes the write lock up front, so it waits on ``busy_timeout`` instead of
#: failing with SQLITE_BUSY when it later tries to write); on PostgreSQL it changes nothing.
#: Use: ``with engine.connect().execution_options(**IMMEDIATE) as conn, conn.begin(): ...``
IMMEDIATE: dict[str, Any] = {"yaksok_sqlite_immediate": True}

# Why these pragmas, set on every new connection (they are per-connection, except journal_mode):
# - journal_mode=WAL: readers never block the writer and the writer never blocks readers; a
#   commit is one append to the WAL file.
# - synchronous=NORMAL: in WAL mode this fsyncs at checkpoints, not at every commit. A committed
#   transaction survives a crash of the process (the WAL is in the OS page cache); a power loss
#   or OS crash can lose the last few committed transactions but never corrupts the database.
#   FULL would close that window at the cost of one fsync per commit; see docs/operations.md.
# - foreign_keys=ON: SQLite ignores REFERENCES unless told otherwise, per connection.
# - secure_delete=ON: deleted rows are overwritten with zeros instead of lingering in free pages,
#   so an erasure is an erasure in the file too (not in older WAL frames until a checkpoint).
# - busy_timeout=5000: a second writer waits up to 5 s for the lock instead of failing at once.
_SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA secure_delete=ON",
    "PRAGMA busy_timeout=5000",
)

# Fail fast when a PostgreSQL server is down rather than hang on the OS's TCP timeout.
_PG_CONNECT_TIMEOUT_S = 10


def mask_url(url: str | URL) -> str:
    """The URL as text with any password replaced by ``***``; safe for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "<unparseable database URL>"


def normalise_url(url: str) -> URL:
    """Parse ``url`` and pin PostgreSQL to the psycopg 3 driver; refuse other databases."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:
        raise ConfigError(
            f"database URL is not valid: {exc.__class__.__name__}",
            field="database_url",
            fix="use sqlite:///PATH or postgresql://USER:PASSWORD@HOST:PORT/DB",
        ) from None
    backend, _, driver = parsed.drivername.partition("+")
    if backend in ("postgresql", "postgres") and driver in ("", "psycopg"):
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite" and driver in ("", "pysqlite"):
        return parsed
    raise ConfigError(
        f"unsupported database URL scheme {parsed.drivername!r}",
        field="database_url",
        fix="use sqlite:///PATH or postgresql://... (driver psycopg 3)",
    )


def make_engine(url: str) -> sa.Engine:
    """An engine for ``url``, checked by opening one connection.

    SQLite: the parent directory is created, durability pragmas are set on every connection and
    transactions are real (see ``_fix_pysqlite_transactions``). PostgreSQL: ``postgresql://`` and
    ``postgres://`` are rewritten to the psycopg 3 driver; the pool pings before reuse.
    """
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = _sqlite_engine(parsed)
    else:
        try:
            engine = sa.create_engine(
                parsed,
                pool_pre_ping=True,
                connect_args={"connect_timeout": _PG_CONNECT_TIMEOUT_S},
            )
        except NoSuchModuleError:
            raise ConfigError(
                "the psycopg 3 driver is not installed", fix="pip install 'psycopg[binary]'"
            ) from None
    try:
        with engine.connect():
            pass
    except DBAPIError as exc:
        engine.dispose()
        raise StorageError(
            f"cannot connect to the database {mask_url(parsed)}: {driver_message(exc, parsed)}",
            fix="check that the server is running and the URL, user and password are right",
        ) from None
    return engine


def _sqlite_engine(url: URL) -> sa.Engine:
    database = url.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        try:
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(
                f"cannot create the directory for the SQLite database {database}: {exc.strerror}",
                field="database_url",
            ) from None
        _owner_only(Path(database).expanduser())
    engine = sa.create_engine(url)
    _fix_pysqlite_transactions(engine)
    return engine


def _owner_only(database: Path) -> None:
    """The database file, and its WAL and shared-memory files, readable by their owner only.

    SQLite creates ``-wal`` and ``-shm`` with the mode of the database file, so creating that file
    0600 before SQLite opens it is enough; files an older yaksok left 0644 are tightened.
    """
    try:
        fd = os.open(database, os.O_CREAT | os.O_RDWR, 0o600)
        os.close(fd)
        for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
            if path.exists() and path.stat().st_mode & 0o077:
                os.chmod(path, 0o600)
    except OSError as exc:
        raise ConfigError(f"cannot create the SQLite database {database}: {exc.strerror}",
                          field="database_url", fix="point it at a writable directory") from None


def _fix_pysqlite_transactions(engine: sa.Engine) -> None:
    # Python's sqlite3 module only opens a transaction before INSERT/UPDATE/DELETE, so DDL (a
    # migration) runs outside any transaction and SAVEPOINT misbehaves. SQLAlchemy's documented
    # recipe: put the driver in autocommit mode and issue BEGIN ourselves when SQLAlchemy begins.
    # Autocommit at connect time is also what lets the pragmas below take effect: journal_mode
    # and foreign_keys cannot be changed inside a transaction.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            for pragma in _SQLITE_PRAGMAS:
                cursor.execute(pragma)
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        immediate = conn.get_execution_options().get("yaksok_sqlite_immediate")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def driver_message(exc: DBAPIError, url: URL) -> str:
    """The first line of the driver's error, with the URL's password scrubbed."""
    # The driver's first line says what went wrong ("connection refused", "password
    # authentication failed"); scrub the password anyway in case a driver echoes its DSN.
    source = exc.orig if exc.orig is not None else exc
    lines = str(source).strip().splitlines()
    text = lines[0] if lines else type(source).__name__
    if url.password:
        text = text.replace(str(url.password), "***")
    return text


def ping(engine: sa.Engine) -> None:
    """One round trip to the database; ``StorageError`` (never the driver's text, which can
    carry the URL) when it does not answer."""
    from yaksok.errors import StorageError

    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except sa.exc.SQLAlchemyError:
        raise StorageError("the database does not answer",
                           fix="check the database server and YAKSOK_DATABASE_URL") from None
