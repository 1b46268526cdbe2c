"""Access-log helpers shared by the ``tests/auditlog`` modules: a plausible ``event``, raw SQL,
and a settable ``Clock`` (the ``clock`` and ``audit`` fixtures are in
``tests/auditlog/conftest.py``)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from yaksok.auditlog import AccessEvent

T0 = dt.datetime(2026, 3, 2, 9, 30, 0, 123456, tzinfo=dt.UTC)


def event(i: int = 0, **changes) -> AccessEvent:
    """A plausible entry; ``i`` varies the subject and the time."""
    values = dict(actor_id=f"st_{i % 5}", actor_kind="staff", actor_role="privacy_officer",
                  operation="read", outcome="granted", at=T0 + dt.timedelta(seconds=i),
                  source_ip="203.0.113.7", subject_ref=f"m_{i:012x}",
                  categories=("user.contact.email", "user.name"), purpose="customer_support",
                  request_id=f"req-{i}", policy_version="2021-11-03")
    values.update(changes)
    return AccessEvent(**values)


class Clock:
    """A settable clock for AuditLog, so ages and intervals are exact in tests."""

    def __init__(self, now: dt.datetime = T0):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def raw(engine: sa.Engine, sql: str, params: dict | None = None) -> list:
    with engine.begin() as conn:
        result = conn.execute(sa.text(sql), params or {})
        return result.all() if result.returns_rows else []
