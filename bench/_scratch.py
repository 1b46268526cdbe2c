"""A throwaway PostgreSQL database for a benchmark run (not a benchmark itself)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def scratch_postgres(admin: str) -> Iterator[str | None]:
    """Create a fresh database through the admin URL, yield its URL, drop it afterwards.

    Yields None (after printing why) when no server can be reached, so a benchmark run on a
    machine without PostgreSQL still reports its SQLite figures.
    """
    import sqlalchemy as sa

    from yaksok.store.engine import normalise_url

    admin_url = normalise_url(admin)
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT",
                              connect_args={"connect_timeout": 3})
    name = f"yaksok_bench_{secrets.token_hex(4)}"
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        print(f"-- PostgreSQL skipped: cannot create a scratch database at {admin_url.host}: "
              f"{reason}")
        engine.dispose()
        yield None
        return
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        engine.dispose()
