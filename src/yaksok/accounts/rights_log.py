"""The record of every change of access rights: who granted or revoked what, to whom, when.

Korea's safety-measures standard (art. 5) asks that grants, changes and revocations of access
rights to personal data be recorded and kept at least 3 years; yaksok keeps them for good (they
hold no member's data). Written in the same transaction as the change itself — a staff account
created with its role, disabled, restored when a restriction is lifted, or reset (its TOTP or
password, by the privacy officer: the person must enrol or choose a password again); an API key
created with its scopes, revoked — so there is no change without its record. Read with ``changes`` (``yaksok measures access-changes``).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

import sqlalchemy as sa

__all__ = ["AccessChange", "record_change", "changes", "CHANGES"]

#: What a row says happened to the subject's rights.
CHANGES = ("granted", "revoked", "restored", "reset")


@dataclass(frozen=True)
class AccessChange:
    """One change of access rights (subject: a staff account or an API key, by id)."""

    id: str
    at: dt.datetime
    by: str
    subject: str
    subject_kind: str
    change: str
    rights: str
    reason: str | None

    def to_dict(self) -> dict:
        return {"id": self.id, "at": self.at.isoformat(), "by": self.by, "subject": self.subject,
                "subject_kind": self.subject_kind, "change": self.change,
                "rights": self.rights, "reason": self.reason}


def record_change(conn: sa.Connection, *, by: str, subject: str, subject_kind: str,
                  change: str, rights: str, at: dt.datetime,
                  reason: str | None = None) -> None:
    """Record a change in the caller's transaction (``by``: the actor's id, or ``cli:operator``
    for a command run on the server without a staff session)."""
    from yaksok.store.tables import access_right_changes

    conn.execute(access_right_changes.insert().values(
        id=f"arc_{secrets.token_hex(8)}", at=at, by=by[:128], subject=subject,
        subject_kind=subject_kind, change=change, rights=rights[:512], reason=reason))


def changes(engine: sa.Engine, *, since: dt.datetime | None = None,
            subject: str | None = None) -> list[AccessChange]:
    """The changes, oldest first (``since`` inclusive; one ``subject`` if given)."""
    from yaksok.store.tables import access_right_changes as t

    query = sa.select(t).order_by(t.c.at, t.c.id)
    if since is not None:
        query = query.where(t.c.at >= since)
    if subject is not None:
        query = query.where(t.c.subject == subject)
    with engine.connect() as conn:
        return [AccessChange(r.id, r.at, r.by, r.subject, r.subject_kind, r.change, r.rights,
                             r.reason) for r in conn.execute(query)]
