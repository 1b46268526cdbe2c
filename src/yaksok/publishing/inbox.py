"""A member's in-app notices: the policy notices the outbox delivered to them, and which they
have read (``GET /me/notices``, ``POST /me/notices/{id}/read``).

Rows of ``member_notices`` are written by the outbox's in-app channel when a policy notice is
delivered; here the member lists them (joined with the notice board's titles) and marks one
read. The caller has authenticated the member; these functions act on that member's rows only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from yaksok.errors import NotFound
from yaksok.store.tables import member_notices, policy_notices, utcnow

__all__ = ["InAppNotice", "member_notices_of", "mark_notice_read"]


@dataclass(frozen=True)
class InAppNotice:
    """One in-app notice of a member: which policy notice, when delivered, when read."""

    notice_id: int
    version: str
    title_ko: str
    title_en: str
    created_at: dt.datetime
    read_at: dt.datetime | None


def member_notices_of(engine: sa.Engine, member_id: str, *,
                      unread: bool = False) -> list[InAppNotice]:
    """The member's in-app notices, newest first (``unread``: only those not marked read)."""
    mn, pn = member_notices, policy_notices
    q = (sa.select(mn.c.notice_id, pn.c.version, pn.c.title_ko, pn.c.title_en, mn.c.created_at,
                   mn.c.read_at)
         .select_from(mn.join(pn, pn.c.id == mn.c.notice_id))
         .where(mn.c.member_id == member_id).order_by(mn.c.notice_id.desc()))
    if unread:
        q = q.where(mn.c.read_at.is_(None))
    with engine.connect() as conn:
        return [InAppNotice(*r) for r in conn.execute(q)]


def mark_notice_read(engine: sa.Engine, member_id: str, notice_id: int) -> None:
    """Mark one of the member's in-app notices read (repeating it changes nothing);
    ``NotFound`` if the member has no such notice."""
    mn = member_notices
    mine = (mn.c.member_id == member_id) & (mn.c.notice_id == notice_id)
    with engine.begin() as conn:
        row = conn.execute(sa.select(mn.c.read_at).where(mine)).first()
        if row is None:
            raise NotFound("you have no in-app notice with that id", field="notice_id",
                           fix="see GET /me/notices")
        if row.read_at is None:
            conn.execute(sa.update(mn).where(mine).values(read_at=utcnow()))
