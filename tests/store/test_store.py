"""The storage layer on both backends: engine, migrations, schema, UTC times, integrity."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import event

from yaksok.errors import ConfigError, NotInitialised, StorageError
from yaksok.store import (
    IMMEDIATE,
    current_revision,
    head_revision,
    is_up_to_date,
    make_engine,
    metadata,
    policy_versions,
    require_up_to_date,
    staff_accounts,
    staff_sessions,
    upgrade,
)
from yaksok.store.engine import driver_message

# Every table the schema declares must be created by the migrations alone.
TABLES = set(metadata.tables)
KST = timezone(timedelta(hours=9))


def _staff(staff_id: str = "st_1", username: str = "mina") -> dict:
    return {
        "id": staff_id,
        "username": username,
        "role": "privacy_officer",
        "password_hash": "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
        "created_at": datetime.now(UTC),
    }


def test_fresh_database_is_not_initialised(db_url):
    engine = make_engine(db_url)
    try:
        assert current_revision(engine) is None
        assert not is_up_to_date(engine)
        with pytest.raises(NotInitialised, match="no yaksok schema"):
            require_up_to_date(engine)
    finally:
        engine.dispose()


def test_upgrade_creates_the_tables_and_is_idempotent(db_url):
    engine = make_engine(db_url)
    try:
        assert upgrade(engine) == head_revision()
        with engine.begin() as conn:
            conn.execute(policy_versions.insert(), [_policy_row("2024-06")])
        assert upgrade(engine) == head_revision()  # second run: no error, no data touched
        tables = set(sa.inspect(engine).get_table_names())
        assert tables == TABLES | {"alembic_version"}
        assert is_up_to_date(engine)
        require_up_to_date(engine)
        with engine.connect() as conn:
            assert conn.scalar(sa.select(sa.func.count()).select_from(policy_versions)) == 1
    finally:
        engine.dispose()


def test_migrations_match_tables(engine):
    # tables.py and the hand-written migrations describe the same schema, or this lists the drift.
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_concurrent_upgrades_both_succeed(db_url):
    # Two processes starting at once on an empty database: the lock makes the second wait.
    engines = [make_engine(db_url), make_engine(db_url)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def run(eng):
        barrier.wait()
        try:
            upgrade(eng)
        except BaseException as exc:  # reported by the assert below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    try:
        assert errors == []
        assert all(is_up_to_date(e) for e in engines)
    finally:
        for e in engines:
            e.dispose()


def test_unknown_revision_is_refused(engine):
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = 'ffffffff'"))
    assert not is_up_to_date(engine)
    with pytest.raises(StorageError, match="does not know"):
        upgrade(engine)
    with pytest.raises(StorageError, match="ffffffff"):
        require_up_to_date(engine)


def _policy_row(version: str, published_at: datetime | None = None) -> dict:
    return {
        "version": version,
        "effective_date": date(2024, 6, 1),
        "content_sha256": "0" * 64,
        "content": "version: '2024-06'\n",
        "published_at": published_at or datetime.now(UTC),
        "published_by": "mina",
    }


def test_datetimes_round_trip_aware_in_utc(engine):
    seoul = datetime(2024, 6, 1, 9, 30, 15, 123456, tzinfo=KST)
    with engine.begin() as conn:
        conn.execute(policy_versions.insert(), [_policy_row("2024-06", seoul)])
    with engine.connect() as conn:
        stored = conn.scalar(sa.select(policy_versions.c.published_at))
        effective = conn.scalar(sa.select(policy_versions.c.effective_date))
    assert stored == seoul
    assert stored.tzinfo is not None and stored.utcoffset() == timedelta(0)
    assert stored.hour == 0 and stored.microsecond == 123456
    assert effective == date(2024, 6, 1)


def test_utc_comparisons_in_sql(engine):
    # Ordering and filtering happen in the database; on SQLite that only works if every value
    # was normalised to UTC before it was stored.
    base = datetime(2024, 6, 1, 0, 0, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            policy_versions.insert(),
            [
                _policy_row("a", base.astimezone(KST)),  # same instant, written as 09:00+09
                _policy_row("b", base + timedelta(hours=1)),
            ],
        )
    with engine.connect() as conn:
        later = conn.scalars(
            sa.select(policy_versions.c.version).where(
                policy_versions.c.published_at > base + timedelta(minutes=30)
            )
        ).all()
    assert later == ["b"]


def test_naive_datetime_is_refused(engine):
    with pytest.raises(sa.exc.StatementError, match="naive datetime"):
        with engine.begin() as conn:
            conn.execute(policy_versions.insert(), [_policy_row("x", datetime(2024, 6, 1))])


def test_foreign_key_violation_is_refused(engine):
    now = datetime.now(UTC)
    with pytest.raises(sa.exc.IntegrityError):
        with engine.begin() as conn:
            conn.execute(
                staff_sessions.insert(),
                [
                    {
                        "token_hash": "a" * 64,
                        "staff_id": "nobody",
                        "role": "admin",
                        "created_at": now,
                        "expires_at": now + timedelta(hours=8),
                    }
                ],
            )
    with engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(staff_sessions)) == 0


def test_unique_username_and_defaults(engine):
    with engine.begin() as conn:
        conn.execute(staff_accounts.insert(), [_staff()])
    with engine.connect() as conn:
        row = conn.execute(sa.select(staff_accounts)).one()
    assert row.failed_logins == 0 and row.locked_until is None and row.totp_secret_enc is None
    with pytest.raises(sa.exc.IntegrityError):
        with engine.begin() as conn:
            conn.execute(staff_accounts.insert(), [_staff("st_2", "mina")])


def test_savepoint_rolls_back_alone(engine):
    # SQLite needs the engine's transaction fix for SAVEPOINT to behave; PostgreSQL has it.
    with engine.begin() as conn:
        conn.execute(staff_accounts.insert(), [_staff("st_1", "mina")])
        with pytest.raises(sa.exc.IntegrityError):
            with conn.begin_nested():
                conn.execute(staff_accounts.insert(), [_staff("st_2", "mina")])
        conn.execute(staff_accounts.insert(), [_staff("st_3", "joon")])
    with engine.connect() as conn:
        ids = conn.scalars(sa.select(staff_accounts.c.id).order_by(staff_accounts.c.id)).all()
    assert ids == ["st_1", "st_3"]


def test_immediate_write_transaction(engine):
    with engine.connect().execution_options(**IMMEDIATE) as conn, conn.begin():
        conn.execute(staff_accounts.insert(), [_staff()])
    with engine.connect() as conn:
        assert conn.scalar(sa.select(staff_accounts.c.username)) == "mina"


@pytest.mark.parametrize(
    ("pragma", "setting", "expected"),
    [
        ("journal_mode", "WAL", "wal"),
        ("synchronous", "NORMAL", 1),
        ("foreign_keys", "ON", 1),
        ("secure_delete", "ON", 1),
        ("busy_timeout", "5000", 5000),
    ],
)
def test_sqlite_pragmas_are_set_on_every_connection(tmp_path, pragma, setting, expected):
    engine = make_engine(f"sqlite:///{tmp_path / 'a' / 'b' / 'yaksok.db'}")
    # Some SQLite builds (Debian's) already default secure_delete to on, so reading the value
    # alone could not fail there: also record what each new connection was told.
    issued: list[str] = []

    def trace(dbapi_connection, _record):
        dbapi_connection.set_trace_callback(issued.append)

    event.listen(engine, "connect", trace, insert=True)
    engine.dispose()  # drop the connection make_engine opened before the listener existed
    try:
        with engine.connect() as first, engine.connect() as second:  # two pooled connections
            for conn in (first, second):
                assert conn.exec_driver_sql(f"PRAGMA {pragma}").scalar() == expected
    finally:
        engine.dispose()
    assert issued.count(f"PRAGMA {pragma}={setting}") == 2
    assert (tmp_path / "a" / "b" / "yaksok.db").exists()


def test_ddl_is_transactional(db_url):
    # A migration that fails half-way must leave no half-made schema behind; Python's sqlite3
    # would autocommit DDL without the engine's transaction fix.
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            conn.begin()
            conn.exec_driver_sql("CREATE TABLE probe (x INTEGER)")
            conn.rollback()
        assert "probe" not in sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_postgresql_url_is_pinned_to_psycopg(pg_database_url):
    plain = pg_database_url.set(drivername="postgresql").render_as_string(hide_password=False)
    engine = make_engine(plain)
    try:
        assert engine.url.drivername == "postgresql+psycopg"
        assert engine.pool._pre_ping
    finally:
        engine.dispose()


def test_connection_failure_is_a_storage_error_without_the_password():
    secret = "s3cr3t-Pa55"
    with pytest.raises(StorageError) as info:
        make_engine(f"postgresql://yaksok:{secret}@127.0.0.1:1/yaksok")
    error = info.value
    assert "127.0.0.1:1" in str(error) and "***" in str(error)
    for text in (str(error), repr(error), str(error.__cause__), str(error.__context__)):
        assert secret not in text
    assert error.__cause__ is None


def test_driver_messages_are_scrubbed_of_the_password():
    # Drivers do not usually echo the DSN, but one that does must not leak the password.
    url = sa.make_url("postgresql+psycopg://yaksok:hunter2@db/yaksok")
    exc = sa.exc.OperationalError("connect", {}, Exception("bad dsn password=hunter2 host=db"))
    assert driver_message(exc, url) == "bad dsn password=*** host=db"


@pytest.mark.parametrize(
    "url", ["mysql://u:p@localhost/db", "postgresql+psycopg2://u@h/db", "not a url"]
)
def test_unsupported_urls_are_config_errors(url):
    with pytest.raises(ConfigError):
        make_engine(url)


def test_the_sqlite_files_are_readable_by_their_owner_only(tmp_path):
    # The data directory is 0700; the database and its -wal and -shm files are 0600 too, so a
    # copied or re-permissioned directory does not hand members' ciphertexts and blinds around.
    db = tmp_path / "data" / "yaksok.db"
    engine = make_engine(f"sqlite:///{db}")
    try:
        upgrade(engine)
        with engine.begin() as conn:  # a write, so the WAL and shared memory exist
            conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
            conn.exec_driver_sql("INSERT INTO t VALUES (1)")
        files = [db, db.with_name("yaksok.db-wal"), db.with_name("yaksok.db-shm")]
        assert all(f.exists() for f in files)
        assert {f.name: oct(f.stat().st_mode & 0o777) for f in files} == {
            f.name: "0o600" for f in files}
    finally:
        engine.dispose()
    # A database an older version left readable by others is tightened when opened.
    for f in files:
        if f.exists():
            f.chmod(0o644)
    engine = make_engine(f"sqlite:///{db}")
    engine.dispose()
    assert oct(db.stat().st_mode & 0o777) == "0o600"
