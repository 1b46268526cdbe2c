"""Fixtures of the rights tests: ``minsu``, a member signed up with a password and an email
address (``tests/support/rights.py`` has the helpers; ``yk``, ``officer`` and ``smtp`` are in
``tests/conftest.py``)."""

from __future__ import annotations

import pytest

from tests.support.rights import new_member


@pytest.fixture
def minsu(yk) -> str:
    return new_member(yk)
