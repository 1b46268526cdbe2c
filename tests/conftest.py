"""Fixtures shared across the packages' test folders.

* Storage: ``db_url`` (SQLite and PostgreSQL), a migrated ``engine``, a ``keyring``.
* A yaksok: ``yk`` (initialised with the SOMESING policy, on both backends), its ``vault``, and
  the actors ``app``, ``officer``, ``agent``, ``engineer``.
* Interfaces: ``client`` (the REST app over ``yk``), ``run`` (the CLI in-process over a fresh
  data directory), ``cli_staff`` / ``cli_officer`` (a staff login for the CLI).
* ``smtp``: a real SMTP server on 127.0.0.1 (``tests.support.smtp.Server``).

Fixtures used within one package are in ``tests/<package>/conftest.py``; plain helpers and
sample data in ``tests/support/``. A test module may define a fixture of the same name: its own
wins (``tests/api/test_api.py`` has a ``yk`` on the SQLite default, for one).

``db_url`` is parametrised over SQLite and PostgreSQL, so every test that uses it (or ``engine``)
runs on both. PostgreSQL: one throwaway database per test session (``yaksok_test_<hex>``, dropped
at the end), one throwaway schema per test inside it (the URL pins ``search_path`` to it), so
tests never see each other's tables and no per-test database has to be created. If no server
answers, the PostgreSQL variants are skipped with the reason. ``YAKSOK_TEST_PG_URL`` overrides
the admin URL; ``-m "not postgres"`` deselects them.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.support.paths import POLICY
from tests.support.smtp import Server
from yaksok.actors import api_key_actor, staff_actor
from yaksok.api import create_app
from yaksok.cli import main
from yaksok.crypto.keyring import PASSPHRASE_ENV, FileKeyring
from yaksok.engine import init_yaksok
from yaksok.settings import Settings
from yaksok.store import make_engine, upgrade
from yaksok.store.engine import normalise_url
from yaksok.vault import Vault

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[sa.URL]:
    """The URL of a fresh PostgreSQL database for this test session; dropped afterwards."""
    admin_url = normalise_url(os.environ.get("YAKSOK_TEST_PG_URL") or PG_ADMIN_URL)
    where = f"{admin_url.host or 'localhost'}:{admin_url.port or 5432}"
    admin = sa.create_engine(
        admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )
    name = f"yaksok_test_{secrets.token_hex(6)}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.DBAPIError as exc:
        admin.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        message = f"PostgreSQL not reachable at {where}: {reason}"
        if os.environ.get("YAKSOK_REQUIRE_POSTGRES"):  # CI: the storage tests must run on both
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    try:
        yield admin_url.set(database=name)
    finally:
        with admin.connect() as conn:
            # FORCE (PostgreSQL 13+) terminates sessions a test forgot to close.
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database's URL: a SQLite file in tmp_path, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'db' / 'yaksok.db'}"
        return
    base: sa.URL = request.getfixturevalue("pg_database_url")
    schema = f"t_{secrets.token_hex(6)}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        url = base.update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
        with admin.connect() as conn:
            # A connection a test left inside a transaction would block the drop for ever;
            # give up after 5 s instead: the session's DROP DATABASE ... FORCE cleans up.
            conn.exec_driver_sql("SET lock_timeout = '5s'")
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    finally:
        admin.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    """A migrated engine on each backend (see ``db_url``)."""
    eng = make_engine(db_url)
    upgrade(eng)
    try:
        yield eng
    finally:
        eng.dispose()


@pytest.fixture
def keyring_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where a test keyring goes; the passphrase variable is cleared so the test is hermetic."""
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    return tmp_path / "data" / "keyring.json"


@pytest.fixture
def keyring(keyring_path: Path) -> FileKeyring:
    """A new, unprotected file keyring with version 1 of each default purpose."""
    return FileKeyring.create(keyring_path)


@pytest.fixture
def cli_staff(monkeypatch: pytest.MonkeyPatch):
    """``cli_staff(yk, role="privacy_officer")``: add a staff account, sign it in (password and
    TOTP, as `yaksok staff login` does) and set ``YAKSOK_STAFF_TOKEN``, so the CLI commands
    that act on personal data act as that account. Returns the staff actor's id."""
    import pyotp

    from yaksok.accounts.staff import add_staff, login_staff

    def sign_in(yk, role: str = "privacy_officer", username: str | None = None) -> str:
        name = username or f"cli-{role.replace('_', '-')}"
        password = "correct horse battery staple 7"  # noqa: S105 - a test password
        secret = add_staff(yk.engine, yk.keyring, yk.policy, name, role, password).totp_secret
        actor, token = login_staff(yk.engine, yk.keyring, yk.policy, name, password,
                                   pyotp.TOTP(secret).now(), throttle=yk.throttle)
        monkeypatch.setenv("YAKSOK_STAFF_TOKEN", token)
        return actor.id

    return sign_in


@pytest.fixture
def cli_officer(cli_staff):
    """``cli_officer(role="privacy_officer")``: on the data directory the ``YAKSOK_*``
    variables name (already initialised), sign a staff account in for the CLI."""
    from yaksok.engine import open_yaksok

    def sign_in(role: str = "privacy_officer") -> str:
        yk = open_yaksok(Settings.from_env())
        try:
            return cli_staff(yk, role)
        finally:
            yk.close()

    return sign_in


# -- a yaksok and its actors (on each backend) ---------------------------------------------------

@pytest.fixture
def yk(tmp_path, db_url, keyring_path):
    """An initialised yaksok on each backend (SQLite file / PostgreSQL schema)."""
    y = init_yaksok(Settings(data_dir=tmp_path / "data", database_url=db_url,
                             policy_path=POLICY, keyring_path=keyring_path))
    yield y
    y.close()


@pytest.fixture
def vault(yk) -> Vault:
    """The wired vault (with the leftovers and registries the wiring gives it)."""
    return yk.vault


@pytest.fixture
def app(yk):
    """An app backend holding every API scope (every purpose)."""
    return api_key_actor(yk.policy, "ak_somesing", "somesing-app",
                         ["members", "analytics", "marketing", "compliance"])


@pytest.fixture
def officer(yk):
    return staff_actor(yk.policy, "st_officer", "yoon", "privacy_officer")


@pytest.fixture
def agent(yk):
    """A support agent of the processor BTC Korea Service (community and counselling tasks)."""
    return staff_actor(yk.policy, "st_btc", "btc-agent", "processor_support_agent")


@pytest.fixture
def engineer(yk):
    return staff_actor(yk.policy, "st_eng", "dev", "engineer")


# -- interfaces and a mail server ----------------------------------------------------------------

@pytest.fixture
def client(yk) -> TestClient:
    """The REST app over ``yk``."""
    return TestClient(create_app(yk))


@pytest.fixture
def run(tmp_path, monkeypatch, capsys):
    """Run the CLI in-process against a fresh data directory; returns (exit, stdout, stderr)."""
    monkeypatch.setenv("YAKSOK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("YAKSOK_POLICY", str(POLICY))
    monkeypatch.delenv("YAKSOK_DATABASE_URL", raising=False)

    def _run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return _run


@pytest.fixture
def smtp() -> Iterator[Server]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 and a free port, stopped afterwards."""
    server = Server()
    yield server
    server.stop()
