"""One initialised yaksok (SQLite) per test module of the staff console's HTTP tests."""

from __future__ import annotations

import os

import pytest

from tests.support.console import fresh_yaksok
from yaksok.crypto.keyring import PASSPHRASE_ENV


@pytest.fixture(scope="module")
def console_yk(tmp_path_factory):
    saved = os.environ.pop(PASSPHRASE_ENV, None)
    yk = fresh_yaksok(tmp_path_factory.mktemp("console") / "data")
    yield yk
    yk.close()
    if saved is not None:
        os.environ[PASSPHRASE_ENV] = saved
