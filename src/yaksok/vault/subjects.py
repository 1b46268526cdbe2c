"""Member rows as the vault sees them: the pseudonymous subject every value belongs to.

A member is a random id (``m_`` + 24 hex), a jurisdiction and a status; nothing personal. The
members layer (sign-up, login, sessions) creates them with ``create_member`` inside its own
transaction and keeps ``password_hash`` and the login counters; the vault reads ``status`` and
``jurisdiction`` and, at erasure, sets the status to ``erased`` for ever.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from yaksok.errors import Conflict, NotFound, ValidationError
from yaksok.store.tables import members, utcnow
from yaksok.vault.keys import new_id

__all__ = ["STATUSES", "new_member_id", "create_member", "close_member", "member_status",
           "require_member"]

STATUSES = ("active", "closed", "erased")


def new_member_id() -> str:
    return new_id("m_")


def create_member(conn: sa.Connection, *, jurisdiction: str, now: dt.datetime | None = None,
                  password_hash: str | None = None, age_verified_min: int | None = None,
                  age_checked_at: dt.datetime | None = None, member_id: str | None = None,
                  policy=None) -> str:
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
        password_hash=password_hash, failed_logins=0, created_at=now or utcnow()))
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
