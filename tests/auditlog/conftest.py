"""Fixtures of the access-log tests: a settable ``clock`` and the ``audit`` log over ``yk``
(``tests/conftest.py``). The helpers ``event``, ``raw`` and ``T0`` are in
``tests/support/auditlog.py``."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.support.auditlog import T0, Clock
from yaksok.auditlog import AuditLog


@pytest.fixture
def clock() -> Clock:
    return Clock(T0 + dt.timedelta(hours=1))


@pytest.fixture
def audit(yk, clock) -> AuditLog:
    """The access log of ``yk``, sealing only when asked (or every 1000 entries)."""
    return AuditLog.configured(yk.engine, yk.keyring, yk.settings, yk.policy.access_log, checkpoint_seconds=3600, clock=clock)
