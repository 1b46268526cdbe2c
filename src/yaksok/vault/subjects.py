"""Member rows as the vault sees them: the pseudonymous subject every value belongs to.

A member is a random id (``m_`` + 24 hex), a jurisdiction and a status; nothing personal. The
members layer (sign-up, login, sessions) creates them with ``create_member`` inside its own
transaction and keeps ``password_hash`` and the login counters; the vault reads ``status`` and
``jurisdiction`` and, at erasure, sets the status to ``erased`` for ever.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import sqlalchemy as sa

from yaksok.crypto.envelope import new_id
from yaksok.errors import Conflict, NotFound, ValidationError
from yaksok.store.tables import data_keys, members, utcnow, vault_values

__all__ = ["STATUSES", "new_member_id", "create_member", "close_member", "member_status", "lock_member",
           "require_member", "active_member_ids", "member_row", "member_statuses", "value_category", "value_stamp", "live_counts", "discard_member", "bulk_enrol", "MemberInfo", "member_info"]

STATUSES = ("active", "closed", "erased")


def new_member_id() -> str:
    return new_id("m_")


def create_member(conn: sa.Connection, *, jurisdiction: str, now: dt.datetime | None = None,
                  password_hash: str | None = None, age_verified_min: int | None = None,
                  age_checked_at: dt.datetime | None = None, member_id: str | None = None,
                  policy=None, transfer_origin: str | None = None) -> str:
    """Insert an active member in the caller's transaction; returns its id.

    ``policy`` (a ``Policy``), when given, checks the jurisdiction against it.
    """
    if policy is not None and policy.jurisdiction(jurisdiction) is None:
        raise ValidationError("the policy has no such jurisdiction", field="jurisdiction",
                              fix="use one of: " + ", ".join(j.key for j in policy.jurisdictions))
    member_id = member_id or new_member_id()
    conn.execute(members.insert().values(
        id=member_id, jurisdiction=jurisdiction, status="active",
        age_verified_min=age_verified_min, age_checked_at=age_checked_at,
        password_hash=password_hash, failed_logins=0, created_at=now or utcnow(),
        transfer_origin=transfer_origin))
    return member_id


def close_member(conn: sa.Connection, member_id: str, *, now: dt.datetime | None = None) -> None:
    """Mark an active member closed (account withdrawn; values stay until erasure/retention)."""
    done = conn.execute(members.update()
                        .where(members.c.id == member_id, members.c.status == "active")
                        .values(status="closed", closed_at=now or utcnow())).rowcount
    if not done:
        require_member(conn, member_id, active=True)


def member_status(conn: sa.Connection, member_id: str) -> str | None:
    return conn.execute(sa.select(members.c.status).where(members.c.id == member_id)).scalar()


def require_member(conn: sa.Connection, member_id: str, *, active: bool = False) -> str:
    """The member's status; ``NotFound`` if unknown or erased, ``Conflict`` if not active."""
    status = member_status(conn, member_id)
    if status is None or status == "erased":
        raise NotFound("no such member", field="member_id",
                       fix="check the member id; an erased member is gone for good")
    if active and status != "active":
        raise Conflict(f"the member's account is {status}", field="member_id",
                       fix="only an active member's data can be collected or changed")
    return status


_MEMBER = "SELECT status, jurisdiction FROM members WHERE id = ?"
_MEMBER_LOCKED = "SELECT status, jurisdiction FROM members WHERE id = %s FOR UPDATE"


def lock_member(conn: sa.Connection, member_id: str):
    """(status, jurisdiction) of the member, row-locked until commit (None if unknown).

    The lock orders a collect or change against a concurrent erasure on PostgreSQL; on SQLite
    the ``BEGIN IMMEDIATE`` write lock already does.
    """
    text = _MEMBER if conn.dialect.name == "sqlite" else _MEMBER_LOCKED
    return conn.exec_driver_sql(text, (member_id,)).first()


def active_member_ids(conn: sa.Connection, *, after: str = "", joined_by=None,
                      limit: int = 1000) -> list[str]:
    """Active members' ids after ``after`` in id order (joined by ``joined_by``, if given)."""
    where = [members.c.status == "active", members.c.id > after]
    if joined_by is not None:
        where.append(members.c.created_at <= joined_by)
    return list(conn.execute(sa.select(members.c.id).where(*where).order_by(members.c.id)
                             .limit(limit)).scalars())


def count_active_members(conn: sa.Connection) -> int:
    """How many members are active (a count, for a notice's preview: who would receive it)."""
    return int(conn.execute(sa.select(sa.func.count()).select_from(members)
                            .where(members.c.status == "active")).scalar() or 0)


def member_row(conn: sa.Connection, member_id: str):
    """(status, jurisdiction) of the member, or None."""
    return conn.execute(sa.select(members.c.status, members.c.jurisdiction)
                        .where(members.c.id == member_id)).first()


def value_category(conn: sa.Connection, member_id: str, value_id: str) -> str | None:
    """The category of one of the member's values (metadata only; None if there is none)."""
    return conn.execute(sa.select(vault_values.c.category).where(
        vault_values.c.id == value_id, vault_values.c.member_id == member_id)).scalar()


def value_stamp(conn: sa.Connection, member_id: str, category: str) -> str | None:
    """A stamp of the member's one value in ``category`` as stored now (its id and when it was
    last written, hashed; metadata only, never the value): equal stamps mean the value was not
    replaced, rectified or collected anew in between. None when the member holds none (or
    several)."""
    rows = conn.execute(sa.select(vault_values.c.id, vault_values.c.updated_at).where(
        vault_values.c.member_id == member_id, vault_values.c.category == category)
        .limit(2)).all()
    if len(rows) != 1:
        return None
    at = rows[0][1]
    when = at.isoformat() if hasattr(at, "isoformat") else str(at)
    return hashlib.sha256(f"{rows[0][0]}|{when}".encode()).hexdigest()


def live_counts(conn: sa.Connection, member_id: str, categories) -> dict[str, int]:
    """How many values the member holds under a live key in each of ``categories``."""
    vv, k = vault_values, data_keys
    counts = dict(conn.execute(
        sa.select(vv.c.category, sa.func.count()).join(k, k.c.id == vv.c.key_id)
        .where(vv.c.member_id == member_id, k.c.wrapped.is_not(None),
               vv.c.category.in_(list(categories))).group_by(vv.c.category)).all())
    return {c: int(n) for c, n in counts.items() if n}


def member_statuses(conn: sa.Connection, member_ids: list[str]) -> dict[str, str]:
    """{member id: status} of the given ids that exist."""
    return dict(conn.execute(sa.select(members.c.id, members.c.status)
                             .where(members.c.id.in_(member_ids))).all())


def discard_member(conn: sa.Connection, member_id: str) -> None:
    """Delete every row a failed sign-up wrote for ``member_id``, in the caller's transaction."""
    from yaksok.store.tables import consent_events, member_sessions

    for table in (member_sessions, consent_events, vault_values, data_keys):
        conn.execute(sa.delete(table).where(table.c.member_id == member_id))
    conn.execute(sa.delete(members).where(members.c.id == member_id))


def bulk_enrol(conn: sa.Connection, member_rows: list[dict], consent_rows: list[dict]) -> None:
    """Insert prepared member rows and consent events, one ``executemany`` each."""
    from yaksok.store.tables import consent_events

    if member_rows:
        conn.execute(members.insert(), member_rows)
    if consent_rows:
        conn.execute(consent_events.insert(), consent_rows)


@dataclass(frozen=True, slots=True)
class MemberInfo:
    """What may be shown about a member's row: no password hash, no counters."""

    id: str
    jurisdiction: str
    status: str
    age_verified_min: int | None
    created_at: dt.datetime
    closed_at: dt.datetime | None


def member_info(conn: sa.Connection, member_id: str) -> MemberInfo:
    m = members
    row = conn.execute(sa.select(m.c.id, m.c.jurisdiction, m.c.status, m.c.age_verified_min,
                                 m.c.created_at, m.c.closed_at).where(m.c.id == member_id)).first()
    if row is None:
        raise NotFound("no such member", field="member_id", fix="check the member id")
    return MemberInfo(*row)
