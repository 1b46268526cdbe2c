"""Run the packaged Alembic migrations from code: no alembic.ini, no working-directory games.

``upgrade`` is idempotent and safe to call from several processes starting at once: the whole
upgrade runs in one transaction that first takes a lock (a PostgreSQL advisory lock; SQLite's
write lock via ``BEGIN IMMEDIATE``), so the second caller waits, then finds nothing to do.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError

from yaksok.errors import NotInitialised, StorageError
from yaksok.store.engine import IMMEDIATE, driver_message, mask_url

__all__ = ["upgrade", "current_revision", "head_revision", "is_up_to_date", "require_up_to_date"]

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# Any fixed 64-bit number works; it only has to be the same in every yaksok process.
_PG_MIGRATION_LOCK = 0x79616B736F6B  # "yaksok"


def _config(connection: sa.Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision this version of yaksok ships."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships 0001
        raise StorageError("no migrations found in the yaksok package; reinstall yaksok")
    return head


def current_revision(engine: sa.Engine) -> str | None:
    """The revision the database is at, or None if yaksok's schema was never created in it."""
    with _storage_errors(engine), engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def is_up_to_date(engine: sa.Engine) -> bool:
    return current_revision(engine) == head_revision()


def require_up_to_date(engine: sa.Engine) -> None:
    """Refuse to serve from a database whose schema is missing or not the one this code expects."""
    current, head = current_revision(engine), head_revision()
    if current is None:
        raise NotInitialised(
            f"the database {mask_url(engine.url)} has no yaksok schema",
            fix="run `yaksok init` first",
        )
    if current != head:
        raise StorageError(
            f"the database {mask_url(engine.url)} is at schema revision {current}, "
            f"this yaksok expects {head}",
            fix="run `yaksok init` to upgrade it, or install the yaksok version that wrote it",
        )


def upgrade(engine: sa.Engine, revision: str = "head") -> str | None:
    """Bring the schema to ``revision`` (default: newest); returns the revision now current."""
    current = current_revision(engine)
    if current is not None and current != head_revision():
        _check_known(current, engine)
    with _storage_errors(engine), _locked_transaction(engine) as conn:
        try:
            command.upgrade(_config(conn), revision)
        except CommandError as exc:
            raise StorageError(f"migration failed: {exc}") from None
    return current_revision(engine)


def _check_known(current: str, engine: sa.Engine) -> None:
    script = ScriptDirectory.from_config(_config())
    try:
        script.get_revision(current)
    except CommandError:
        raise StorageError(
            f"the database {mask_url(engine.url)} is at schema revision {current!r}, which this "
            "version of yaksok does not know (a newer yaksok wrote it)",
            fix="install the yaksok version that wrote it; never downgrade the code under data",
        ) from None


@contextmanager
def _locked_transaction(engine: sa.Engine) -> Iterator[sa.Connection]:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn = conn.execution_options(**IMMEDIATE)
        with conn.begin():
            if engine.dialect.name == "postgresql":
                # Held until commit; a concurrent upgrade waits here, then sees our revision.
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
            yield conn


@contextmanager
def _storage_errors(engine: sa.Engine) -> Iterator[None]:
    try:
        yield
    except sa.exc.DBAPIError as exc:
        raise StorageError(
            f"database {mask_url(engine.url)} refused the operation: "
            f"{driver_message(exc, engine.url)}"
        ) from None
