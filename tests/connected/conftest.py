"""Fixtures of the connected-accounts tests: Google's revocation endpoint on loopback, and a
yaksok (SQLite and PostgreSQL) whose ``YAKSOK_GOOGLE_REVOKE_URL`` points at it."""

from __future__ import annotations

import pytest

from tests.support.paths import POLICY
from tests.support.revoke_server import RevokeServer
from yaksok.engine import init_yaksok
from yaksok.settings import Settings


@pytest.fixture
def google():
    server = RevokeServer()
    yield server
    server.stop()


@pytest.fixture
def cyk(tmp_path, db_url, keyring_path, google):
    y = init_yaksok(Settings(data_dir=tmp_path / "data", database_url=db_url,
                             policy_path=POLICY, keyring_path=keyring_path,
                             google_revoke_url=google.url))
    yield y
    y.close()
