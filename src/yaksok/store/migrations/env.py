"""Alembic environment for yaksok, driven from code (``yaksok.store.migrate``), not alembic.ini.

The caller hands over an open connection in ``config.attributes["connection"]``, already inside
a transaction, so the whole upgrade commits or rolls back as one (PostgreSQL and, thanks to the
engine's SQLite transaction fix, SQLite too). Without one, the URL in ``sqlalchemy.url`` is used,
which keeps the ``alembic`` command line usable for writing new revisions.
"""

from __future__ import annotations

from alembic import context

from yaksok.store.engine import make_engine
from yaksok.store.tables import metadata

config = context.config


def _configure(**kwargs) -> None:
    context.configure(
        target_metadata=metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=True,
        compare_type=True,
        **kwargs,
    )


def run_offline() -> None:
    _configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.begin() as conn:
            _configure(connection=conn)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
