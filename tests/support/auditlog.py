"""Access-log helpers shared by the ``tests/auditlog`` modules: a plausible ``event``, raw SQL,
a settable ``Clock``, and an attacker's ``rehash`` and ``rebuild_nodes`` (the ``clock`` and
``audit`` fixtures are in ``tests/auditlog/conftest.py``)."""

from __future__ import annotations

import datetime as dt
from hashlib import sha256

import sqlalchemy as sa

from yaksok.auditlog import AccessEvent, merkle
from yaksok.auditlog.encoding import sql_expression

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


def rehash(engine: sa.Engine, *seqs: int) -> None:
    """What an attacker who knows the encoding does after editing rows: fix their leaf hashes."""
    with engine.begin() as conn:
        expr = sql_expression(conn.dialect.name)
        for seq in seqs:
            text = conn.execute(sa.text(f"SELECT {expr} FROM access_log WHERE seq = :s"),  # noqa: S608
                                {"s": seq}).scalar_one()
            conn.execute(sa.text("UPDATE access_log SET leaf_hash = :h WHERE seq = :s"),
                         {"h": sha256(b"\x00" + text.encode()).digest(), "s": seq})


def rebuild_nodes(engine: sa.Engine) -> bytes:
    """Recompute every stored subtree from the (tampered) leaves; returns the new root."""
    leaves = [bytes(h) for (h,) in raw(engine, "SELECT leaf_hash FROM access_log ORDER BY seq")]
    perfect = merkle.list_perfect(leaves)
    rows = [{"l": level, "i": idx, "h": perfect(idx << level, level)}
            for level in range(4, len(leaves).bit_length())
            for idx in range(len(leaves) >> level)]
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM access_log_nodes"))
        conn.execute(sa.text("INSERT INTO access_log_nodes (level, idx, hash) "
                             "VALUES (:l, :i, :h)"), rows)
    return merkle.root(leaves)
