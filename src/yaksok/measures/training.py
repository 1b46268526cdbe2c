"""Staff training records, and the record of changes of access rights, for the officer.

PIPA 28 asks the controller to train the staff who handle personal data; the safety-measures
standard (art. 5) asks that every grant, change and revocation of access rights be recorded and
kept at least 3 years. Training is recorded here per staff account (course, completed, next
due); a staff account whose latest training is past due — or who has none — is *overdue*. The
changes of access rights are written by ``yaksok.accounts`` as they happen; this module reads
them for the officer and the auditor.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from yaksok.accounts.rights_log import AccessChange, changes
from yaksok.actors import Actor
from yaksok.errors import NotFound, ValidationError
from yaksok.measures.evidence import SHA256, parse_day, require_manager
from yaksok.services import Services
from yaksok.store.tables import staff_accounts, staff_training, utcnow

__all__ = ["TrainingState", "record_training", "training_states", "access_changes"]

@dataclass(frozen=True)
class TrainingState:
    """A staff account's latest training and whether it is current."""

    staff_id: str
    username: str
    role: str
    state: str  # current | overdue | missing
    course: str | None = None
    completed_on: dt.date | None = None
    next_due: dt.date | None = None

    def to_dict(self) -> dict:
        return {"staff_id": self.staff_id, "username": self.username, "role": self.role,
                "state": self.state, "course": self.course,
                "completed_on": self.completed_on.isoformat() if self.completed_on else None,
                "next_due": self.next_due.isoformat() if self.next_due else None}


def record_training(yk: Services, actor: Actor, username: str, *, course: str, completed_on,
                    next_due, document_sha256: str | None = None, ip: str | None = None,
                    request_id: str | None = None) -> str:
    """Record that staff ``username`` completed ``course``; returns the record's id."""
    require_manager(yk, actor, ip=ip, request_id=request_id)
    if not isinstance(course, str) or not course.strip() or len(course) > 256 \
            or not course.isprintable():
        raise ValidationError("course is one line of 1 to 256 printable characters",
                              field="course")
    done, due = parse_day(completed_on, "completed_on"), parse_day(next_due, "next_due")
    if due <= done:
        raise ValidationError("next_due comes after completed_on", field="next_due")
    sha = document_sha256.lower() if isinstance(document_sha256, str) else None
    if document_sha256 is not None and (sha is None or not SHA256.match(sha)):
        raise ValidationError("document_sha256 is a SHA-256 in hex", field="document_sha256")
    with yk.engine.connect() as conn:
        staff_id = conn.execute(sa.select(staff_accounts.c.id).where(
            staff_accounts.c.username == (username or "").strip().lower())).scalar()
    if staff_id is None:
        raise NotFound("no staff account of that name", field="username",
                       fix="list the accounts with `yaksok staff list`")
    record_id = f"tr_{secrets.token_hex(8)}"
    with yk.vault.core_write() as conn:
        conn.execute(staff_training.insert().values(
            id=record_id, staff_id=staff_id, course=course.strip(), completed_on=done,
            next_due=due, document_sha256=sha, recorded_by=actor.id[:128],
            recorded_at=utcnow()))
        yk.vault.append(conn, yk.vault.event(
            actor=actor, operation="admin", outcome="granted", member_id=None,
            reason=f"training recorded for {staff_id}", ip=ip, request_id=request_id,
            policy_version=yk.published.version))
    return record_id


def training_states(yk: Services, actor: Actor, *, today: dt.date | None = None,
                    ip: str | None = None, request_id: str | None = None) -> list[TrainingState]:
    """Every active staff account and its latest training, ``today``."""
    require_manager(yk, actor, ip=ip, request_id=request_id)
    today = today or utcnow().date()
    s, t = staff_accounts, staff_training
    with yk.engine.connect() as conn:
        staff = conn.execute(sa.select(s.c.id, s.c.username, s.c.role).where(
            s.c.disabled_at.is_(None)).order_by(s.c.username)).all()
        latest = {}
        for row in conn.execute(sa.select(t).order_by(t.c.completed_on, t.c.recorded_at)):
            latest[row.staff_id] = row
    out = []
    for staff_id, username, role in staff:
        row = latest.get(staff_id)
        if row is None:
            out.append(TrainingState(staff_id, username, role, "missing"))
        else:
            out.append(TrainingState(staff_id, username, role,
                                     "current" if today <= row.next_due else "overdue",
                                     row.course, row.completed_on, row.next_due))
    return out


def access_changes(yk: Services, actor: Actor, *, since: dt.datetime | None = None,
                   ip: str | None = None, request_id: str | None = None) -> list[AccessChange]:
    """Every grant and revocation of access rights (``since`` inclusive), oldest first."""
    yk.vault.authorize(actor, "access_changes", ip=ip, request_id=request_id)
    if since is not None and since.tzinfo is None:
        raise ValidationError("since needs a time zone", field="since",
                              fix="e.g. 2026-01-01T00:00+09:00")
    return changes(yk.engine, since=since)
