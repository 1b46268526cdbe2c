"""Fixtures of the Data Rights Protocol tests: the authorised agent's signing ``key``
(``tests/support/drp.py`` has the helpers that sign with it)."""

from __future__ import annotations

import pytest
from nacl.signing import SigningKey


@pytest.fixture
def key() -> SigningKey:
    return SigningKey.generate()
