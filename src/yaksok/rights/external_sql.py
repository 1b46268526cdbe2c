"""External datasets, the database side: engines, reflection against the policy, statements.

``yaksok.rights.external`` carries out the rights; this module talks to the other databases.
Engines are made once per dataset URL and kept on the running yaksok's ``ExternalDatasets``
(small pools, built by the wiring); ``Yaksok.close`` closes them. Every table the policy names is reflected at each call and
checked against the policy (``_check``) before anything changes. Table and column names come
from the policy, validated as plain identifiers, and are quoted by SQLAlchemy; the member id is
always a bound parameter. Failures of the other database become ``StorageError`` naming the
dataset, never a value.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import os
import re
import threading
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, NoSuchTableError

from yaksok.errors import ConfigError, StorageError
from yaksok.services import Services
from yaksok.store.engine import driver_message, mask_url

#: What a masked text column holds afterwards (cut to the column's length if shorter).
MASK = "***"
_PK_CHUNK = 500
_CONNECT_TIMEOUT_S = 5


@dataclass(frozen=True)
class _Shape:
    """A reflected table: column types and nullability, and the primary key."""

    types: dict
    nullable: dict
    pk: tuple[str, ...]


# -- engines -----------------------------------------------------------------------------------


class ExternalDatasets:
    """The engines of the external datasets of one running yaksok, made once per dataset URL
    (small pools) and closed with it (``Yaksok.close``). Built by the wiring."""

    def __init__(self) -> None:
        self.engines: dict[str, sa.Engine] = {}
        self.lock = threading.Lock()

    def dispose(self) -> None:
        """Close the pooled connections to every external dataset."""
        with self.lock:
            for engine in self.engines.values():
                engine.dispose()
            self.engines.clear()


class ExternalServices(Services, Protocol):
    """What the external datasets need of a running yaksok: the services and their engines."""

    external: ExternalDatasets


def _where(ds) -> str:
    return f"external dataset {ds.key!r} (variable {ds.url_env})"


def _url(ds) -> sa.URL:
    text = os.environ.get(ds.url_env, "").strip()
    if not text:
        raise StorageError(f"{_where(ds)}: the variable is not set", field=ds.url_env,
                           fix=f"set {ds.url_env} to the dataset's SQLAlchemy URL, e.g. "
                           "postgresql://user:password@host/db")
    try:
        url = make_url(text)
    except (ArgumentError, ValueError):
        raise StorageError(f"{_where(ds)}: the variable is not a SQLAlchemy URL",
                           field=ds.url_env, fix="write it like postgresql://user:password@host"
                           "/db, mysql://user:password@host/db or sqlite:///path") from None
    backend, _, driver = url.drivername.partition("+")
    if backend in ("postgresql", "postgres") and not driver:
        url = url.set(drivername="postgresql+psycopg")
    elif backend in ("mysql", "mariadb") and not driver:
        url = url.set(drivername=f"{backend}+pymysql")
    return url


def _sqlite_events(engine: sa.Engine) -> None:
    # The pysqlite driver opens transactions lazily (after our SELECTs); issue BEGIN ourselves
    # so the rows read and the rows changed are one snapshot. Foreign keys on: a constraint
    # the app declared refuses an erasure here as it would on a server, and secure_delete makes
    # deleted rows leave the file. The app's own settings (journal mode) are left alone.
    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        for pragma in ("PRAGMA foreign_keys=ON", "PRAGMA secure_delete=ON",
                       "PRAGMA busy_timeout=5000"):
            cur.execute(pragma)
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn):
        immediate = conn.get_execution_options().get("yaksok_external_write")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _engine(yk: ExternalServices, ds) -> sa.Engine:
    url = _url(ds)
    key = url.render_as_string(hide_password=False)
    if key == yk.engine.url.render_as_string(hide_password=False):
        raise ConfigError(f"{_where(ds)}: the URL is yaksok's own database", field=ds.url_env,
                          fix="an external dataset is another database")
    cache = yk.external
    engine = cache.engines.get(key)
    if engine is None:
        try:
            backend = url.get_backend_name()
            if backend == "sqlite":
                engine = sa.create_engine(url)
                _sqlite_events(engine)
            else:  # a small pool: erasures and exports are rare, and the server is not ours
                timeout = ({"connect_timeout": _CONNECT_TIMEOUT_S}
                           if backend in ("postgresql", "mysql", "mariadb") else {})
                engine = sa.create_engine(url, pool_size=2, max_overflow=2, pool_pre_ping=True,
                                          pool_recycle=1800, connect_args=timeout)
        except (ArgumentError, NoSuchModuleError, ImportError):
            raise StorageError(f"{_where(ds)}: no driver for {mask_url(url)}", field=ds.url_env,
                               fix="use postgresql://, mysql:// or sqlite:///, or install the "
                               "driver the URL names") from None
        with cache.lock:
            engine = cache.engines.setdefault(key, engine)
    return engine


@contextmanager
def _errors(ds, url: sa.URL) -> Iterator[None]:
    """The external database's failures as ``StorageError`` naming the dataset; no values."""
    try:
        yield
    except DBAPIError as exc:
        # A driver may quote the offending value ('...'); keep the rule, drop the quote.
        reason = re.sub(r"'[^']*'", "'…'", driver_message(exc, url))
        raise StorageError(f"{_where(ds)}: {mask_url(url)} refused the operation: {reason}",
                           fix="check that the server is up and the URL is right; nothing of "
                           "this dataset was changed") from None


# -- reflection: the database must match what the policy says ---------------------------------


def _shape(insp, ds, name: str) -> _Shape:
    # Reflected at every call, not cached: a table the app migrated since must not be erased by
    # what it looked like before.
    try:
        cols = insp.get_columns(name)
    except NoSuchTableError:
        cols = []
    if not cols:
        raise ConfigError(f"{_where(ds)}: the database has no table {name!r}",
                          field="external_datasets", fix="create it, or correct the "
                          "table's `name:` in the policy")
    pk = tuple(insp.get_pk_constraint(name).get("constrained_columns") or ())
    return _Shape({c["name"]: c["type"] for c in cols},
                  {c["name"]: bool(c.get("nullable", True)) for c in cols}, pk)


def _is_text(type_) -> bool:
    return isinstance(type_, sa.String) and not isinstance(type_, sa.Enum)


def _check(conn, ds) -> dict[str, _Shape]:
    """Reflect every table the dataset's policy names; ``ConfigError`` on any mismatch."""
    shapes: dict[str, _Shape] = {}
    insp = sa.inspect(conn)

    def need(table: str, column: str, why: str) -> None:
        shape = shapes.get(table) or shapes.setdefault(table, _shape(insp, ds, table))
        if column not in shape.types:
            raise ConfigError(f"{_where(ds)}: table {table!r} has no column {column!r} ({why})",
                              field="external_datasets", fix="correct the policy or the "
                              "database so they agree")

    for t in ds.tables:
        for column in t.columns:
            need(t.name, column, "declared under columns")
        member = t.member
        if member.column is not None:
            need(t.name, member.column, "the member column")
        else:
            here = t.name
            for hop in member.path:
                need(here, hop.column, "a path column")
                need(hop.table, hop.target, "a path target")
                here = hop.table
        shape = shapes[t.name]
        strategy = t.erasure if isinstance(t.erasure, str) else "hold"
        for column in t.columns:
            keeps_type = strategy == "mask" and _is_text(shape.types[column])
            if strategy in ("null", "mask") and not keeps_type and not shape.nullable[column]:
                raise ConfigError(f"{_where(ds)}: table {t.name!r}, column {column!r} is NOT "
                                  f"NULL, so erasure by {strategy} cannot clear it",
                                  field="external_datasets", fix="erase the table with delete "
                                  "or hold, or allow NULL in that column")
        if strategy == "hold" and not shape.pk:
            raise ConfigError(f"{_where(ds)}: table {t.name!r} has no primary key, which "
                              "erasure by hold needs to delete exactly the rows it held",
                              field="external_datasets", fix="give the table a primary key")
    return shapes


# -- statements --------------------------------------------------------------------------------


def _member_clause(ds, t, table: sa.TableClause, member_id: str):
    """SQL: the rows of ``table`` that belong to the member (a column, or nested IN subqueries
    along the foreign-key path)."""
    if t.member.column is not None:
        return table.c[t.member.column] == member_id
    hops = t.member.path
    end = ds.table(hops[-1].table)
    end_t = sa.table(end.name, sa.column(end.member.column), sa.column(hops[-1].target))
    inner = sa.select(end_t.c[hops[-1].target]).where(end_t.c[end.member.column] == member_id)
    for k in range(len(hops) - 1, 0, -1):  # hop k's column lives in the table of hop k - 1
        mid = sa.table(hops[k - 1].table, sa.column(hops[k].column),
                       sa.column(hops[k - 1].target))
        inner = (sa.select(mid.c[hops[k - 1].target])
                 .where(mid.c[hops[k].column].in_(inner.correlate(None))))
    return table.c[hops[0].column].in_(inner.correlate(None))


def _table(t, shape: _Shape) -> sa.TableClause:
    names = set(t.columns) | set(shape.pk)
    if t.member.column is not None:
        names.add(t.member.column)
    else:
        names.add(t.member.path[0].column)
    return sa.table(t.name, *(sa.column(n) for n in sorted(names)))


def _plain(value):
    """A value as JSON can carry it (exports write it as it is)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    return str(value)


def _erase_order(ds) -> list:
    """Tables that reach the member through another declared table come before that table."""
    declared = {t.name for t in ds.tables}
    done: list = []

    def visit(t, stack: tuple) -> None:
        if t in done or t.name in stack:
            return
        for other in ds.tables:
            path = other.member.path or ()
            if other is not t and t.name in {h.table for h in path} & declared:
                visit(other, (*stack, t.name))
        done.append(t)

    for t in ds.tables:
        visit(t, ())
    return done


def _mask_value(type_) -> str:
    length = getattr(type_, "length", None)
    return MASK[:length] if length else MASK


def _delete(conn, ds, t, shape: _Shape, member_id: str) -> int:
    """Delete the member's rows of one table; the number deleted."""
    table = _table(t, shape)
    return conn.execute(sa.delete(table).where(_member_clause(ds, t, table, member_id))).rowcount


def _cleared(table: sa.TableClause, shape: _Shape, how: dict[str, str]) -> tuple[dict, object]:
    """The values that clear ``how``'s columns (``"null"``, or ``"mask"``: text becomes the mask,
    NULL stays NULL, other types NULL), and SQL true for a row not yet cleared (so a retry skips
    the rows done)."""
    values, pending = {}, []
    for name, way in how.items():
        c = table.c[name]
        if way == "mask" and _is_text(shape.types[name]):
            mask = _mask_value(shape.types[name])
            values[name] = sa.case((c.is_(None), sa.null()), else_=sa.literal(mask))
            pending.append(sa.and_(c.is_not(None), c != mask))
        else:
            values[name] = None
            pending.append(c.is_not(None))
    return values, sa.or_(*pending)


def _clear(conn, ds, t, shape: _Shape, member_id: str, how: dict[str, str]) -> int:
    """Clear ``how``'s columns of the member's rows in place; the number of rows changed."""
    table = _table(t, shape)
    values, todo = _cleared(table, shape, how)
    where = _member_clause(ds, t, table, member_id)
    return conn.execute(sa.update(table).where(where, todo).values(values)).rowcount


def _hold(yk: ExternalServices, conn, ds, t, shape: _Shape, member_id: str, *, actor, held: list[str],
          clear: dict[str, str] | None = None, ip: str | None = None) -> int:
    """Write each of the member's rows to held records, then delete exactly those rows; with
    ``clear`` (a partial erasure), only those columns are held and then cleared in place."""
    from yaksok.retention import write_record

    table = _table(t, shape)
    columns = list(clear) if clear else list(t.columns)
    pk = [table.c[c] for c in shape.pk]
    where = [_member_clause(ds, t, table, member_id)]
    if clear:
        values, todo = _cleared(table, shape, clear)
        where.append(todo)
    query = (sa.select(*pk, *(table.c[c] for c in columns)).where(*where).with_for_update())
    rows = conn.execute(query).mappings().all()
    # A NOT NULL text column is what a partial erasure masks (the others it nulls): its mask is
    # a value already erased and held, not one to hold again.
    done = {c: _mask_value(shape.types[c]) for c in columns
            if _is_text(shape.types[c]) and not shape.nullable[c]}
    for row in rows:
        values_of = {t.columns[col]: str(_plain(row[col])) for col in columns
                     if row[col] is not None and _plain(row[col]) not in ("", done.get(col))}
        if values_of:
            held.append(write_record(yk, member_id, t.erasure.hold, values_of, actor=actor,
                                     ip=ip).id)
    keys = [tuple(row[c.name] for c in pk) for row in rows]
    for i in range(0, len(keys), _PK_CHUNK):
        chunk = keys[i:i + _PK_CHUNK]
        cond = (pk[0].in_([k[0] for k in chunk]) if len(pk) == 1
                else sa.tuple_(*pk).in_(chunk))
        conn.execute(sa.update(table).where(cond).values(values) if clear
                     else sa.delete(table).where(cond))
    return len(rows)


# -- connecting to every dataset before anything changes ---------------------------------------


@contextmanager
def _connected(yk: ExternalServices, datasets, *, write: bool) -> Iterator[list]:
    """(dataset, url, cache key, connection, shapes) for every dataset, all reached and checked
    before the caller does anything; closed afterwards."""
    with ExitStack() as stack:
        out = []
        for ds in datasets:
            engine = _engine(yk, ds)
            with _errors(ds, engine.url):
                conn = stack.enter_context(engine.connect())
                if write:
                    conn = conn.execution_options(yaksok_external_write=True)
                shapes = _check(conn, ds)
                conn.rollback()  # reflection began a transaction; the caller begins its own
            out.append((ds, engine.url, conn, shapes))
        yield out
