"""The policy's published versions with the notice each was announced by, as staff read them.

``GET /policy/versions`` is public and leaves out who published a version; the staff view
(the console's policy page, ``GET /policy/history``, ``yaksok policy versions``) adds who
published it, the notice posted for it and how many individual notices were queued, and marks
the version in force. Version labels, dates, counts and a staff account's name: nothing about
any member.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from yaksok.policy.versions import list_versions
from yaksok.store.tables import policy_notices

__all__ = ["VersionEntry", "version_history"]


@dataclass(frozen=True, slots=True)
class VersionEntry:
    """One published version and its notice (None when it was never announced)."""

    version: str
    effective_date: dt.date
    published_at: dt.datetime
    published_by: str
    content_sha256: str
    in_force: bool
    notice_id: int | None
    notice_posted_at: dt.datetime | None
    notices_queued: int
    previous_version: str | None

    def to_dict(self) -> dict:
        return {"version": self.version, "effective_date": self.effective_date.isoformat(),
                "published_at": self.published_at.astimezone(dt.UTC).isoformat(),
                "published_by": self.published_by, "content_sha256": self.content_sha256,
                "in_force": self.in_force, "notice_id": self.notice_id,
                "notice_posted_at": None if self.notice_posted_at is None
                else self.notice_posted_at.astimezone(dt.UTC).isoformat(),
                "notices_queued": self.notices_queued,
                "previous_version": self.previous_version}


def version_history(engine: sa.Engine) -> list[VersionEntry]:
    """Every published version, newest first, with its notice; the newest is in force."""
    versions = list_versions(engine)
    t = policy_notices
    with engine.connect() as conn:
        notices = {r.version: r for r in conn.execute(
            sa.select(t.c.id, t.c.version, t.c.posted_at, t.c.queued))}
    out: list[VersionEntry] = []
    previous = None
    for i, v in enumerate(versions):
        n = notices.get(v["version"])
        out.append(VersionEntry(
            v["version"], v["effective_date"], v["published_at"], v["published_by"],
            v["content_sha256"], i == len(versions) - 1, n.id if n else None,
            n.posted_at if n else None, n.queued if n else 0, previous))
        previous = v["version"]
    return out[::-1]
