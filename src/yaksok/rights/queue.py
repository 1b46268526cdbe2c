"""The privacy officer's queue: every open request by due date, and how many fall due each week.

``queue`` lists the open requests (received, verified, in progress, extended) soonest due first,
each with its deadline in its own jurisdiction's time and zone (KR: Asia/Seoul, EU:
Europe/Brussels, US-CA: America/Los_Angeles; ``deadlines.local_time``), the local days left
(0 on the last day, negative once past) and whether it is overdue. ``due_requests`` answers
"what is due in the next N days" for cron; this answers "what is on the desk", whatever its
date, filtered by status and jurisdiction.

``due_per_week`` counts the same requests per week of their last day: ``due`` (not yet past)
and ``overdue`` (past, still open). Weeks run Monday to Sunday on the calendar of the policy's
default jurisdiction (the officer's own); a request falls in the week holding the last day of
its period in its own jurisdiction, as the law counts it. The window is ``weeks`` weeks that
start ``past`` weeks before the current one; the first week also counts every open request
due before it (nothing overdue drops out of the chart), the last only its own.

Both read codes, dates and counts only (never a member's value) and decide nothing: callers
ask ``yaksok.access`` for ``rights_handle`` first (the REST routes, the CLI and the console
do).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from yaksok.errors import ValidationError
from yaksok.policy.model import shown_key
from yaksok.rights.deadlines import REGIMES, local_time
from yaksok.rights.lifecycle import OPEN, STAFF_CHANNELS, aware
from yaksok.services import Services
from yaksok.store.sql import storage_errors
from yaksok.store.tables import rights_requests

__all__ = ["ACTIONS", "MAX_QUEUE", "QueueItem", "WeekLoad", "asked_by", "due_per_week",
           "next_actions", "queue", "queue_item"]

#: The most requests one queue answer lists (the oldest due first, so the urgent ones).
MAX_QUEUE = 1000


def asked_by(channel: str, requester: str) -> str:
    """Who asked, as the queue shows it: ``agent`` (a representative or an authorised agent,
    whatever the channel), ``staff`` (a letter, call, email or fax entered by staff), ``drp``
    (the Data Rights Protocol bridge) or ``member`` (the member in the account menu)."""
    if requester != "self":
        return "agent"
    if channel in STAFF_CHANNELS:
        return "staff"
    return "drp" if channel == "drp" else "member"


#: A handler's actions on a request and the statuses each starts from (the lifecycle's
#: ``allowed_from`` in requests.py, verify.py, agents.py and handle.py).
ACTIONS: dict[str, tuple[str, ...]] = {
    "agent_check": ("received",), "verify": ("received",), "start": ("verified",),
    "extend": ("in_progress", "extended"), "carry_out": ("in_progress", "extended"),
    "refuse": OPEN, "cancel": OPEN,
}


def next_actions(rq) -> tuple[str, ...]:
    """What a handler may do next to ``rq`` as its status (and, for an agent's request, the
    check of the power of attorney) stands: to offer those forms only. Each action decides
    again when it is taken (the law's limits on extending, the grounds open to the right)."""
    agent = rq.requester != "self"
    found = []
    for action, statuses in ACTIONS.items():
        if rq.status not in statuses:
            continue
        if action == "agent_check" and (not agent or rq.agent_check != "pending"):
            continue
        if action == "verify" and agent and rq.agent_check != "accepted":
            continue  # the power of attorney is checked first (agents.py)
        found.append(action)
    return tuple(found)


@dataclass(frozen=True)
class QueueItem:
    """One open request as the queue shows it: codes and dates, never a member's value."""

    id: str
    member_id: str | None
    right: str
    status: str
    channel: str
    requester: str
    asked_by: str
    jurisdiction: str
    received_at: dt.datetime   # in the jurisdiction's zone
    due_at: dt.datetime        # in the jurisdiction's zone
    extensions: int
    agent_check: str | None
    days_left: int
    overdue: bool

    def to_dict(self) -> dict:
        return {"id": self.id, "member_id": self.member_id, "right": self.right,
                "status": self.status, "channel": self.channel, "requester": self.requester,
                "asked_by": self.asked_by, "jurisdiction": self.jurisdiction,
                "received_at": self.received_at.isoformat(), "due_at": self.due_at.isoformat(),
                "extensions": self.extensions, "agent_check": self.agent_check,
                "days_left": self.days_left, "overdue": self.overdue}


@dataclass(frozen=True)
class WeekLoad:
    """Open requests whose last day falls in the week starting ``week_start`` (a Monday):
    ``due`` not yet past, ``overdue`` past and still open."""

    week_start: dt.date
    due: int
    overdue: int

    def to_dict(self) -> dict:
        return {"week_start": self.week_start.isoformat(), "due": self.due,
                "overdue": self.overdue}


def _check_filters(yk: Services, status: str | None, jurisdiction: str | None) -> None:
    if status is not None and status not in OPEN:
        raise ValidationError(f"{shown_key(status)} is not an open status", field="status",
                              fix="use one of: " + ", ".join(OPEN) +
                                  "; closed requests are listed by `rights list`")
    known = [j.key for j in yk.policy.jurisdictions]
    if jurisdiction is not None and jurisdiction not in known:
        raise ValidationError(f"{shown_key(jurisdiction)} is not a jurisdiction of the policy",
                              field="jurisdiction", fix="use one of: " + ", ".join(known))


def _open_rows(yk: Services, *, status: str | None = None, jurisdiction: str | None = None,
               limit: int | None = None):
    t = rights_requests
    q = (sa.select(t.c.id, t.c.member_id, t.c.right, t.c.status, t.c.channel, t.c.requester,
                   t.c.jurisdiction, t.c.received_at, t.c.due_at, t.c.extensions,
                   t.c.agent_check)
         .where(t.c.status.in_((status,) if status else OPEN))
         .order_by(t.c.due_at, t.c.id))
    if jurisdiction is not None:
        q = q.where(t.c.jurisdiction == jurisdiction)
    if limit is not None:
        q = q.limit(limit)
    with storage_errors(yk.engine), yk.engine.connect() as conn:
        return conn.execute(q).all()


def _days_left(due_at: dt.datetime, now: dt.datetime, jurisdiction: str) -> int:
    """Whole local days until the last day: 0 on it, negative once past."""
    return (local_time(due_at, jurisdiction).date() - local_time(now, jurisdiction).date()).days


def queue(yk: Services, *, status: str | None = None, jurisdiction: str | None = None,
          now: dt.datetime | None = None, limit: int = MAX_QUEUE) -> list[QueueItem]:
    """Open requests, soonest due first (ties by id); ``status`` one of the open statuses,
    ``jurisdiction`` one of the policy's (see the module docstring)."""
    _check_filters(yk, status, jurisdiction)
    if not 1 <= int(limit) <= MAX_QUEUE:
        raise ValidationError(f"limit is 1 to {MAX_QUEUE}", field="limit")
    now = aware(now)
    return [queue_item(r, now=now)
            for r in _open_rows(yk, status=status, jurisdiction=jurisdiction, limit=int(limit))]


def queue_item(rq, *, now: dt.datetime | None = None) -> QueueItem:
    """``rq`` (a ``RightsRequest``, or a row with the same fields) as the queue shows it at
    ``now``: local deadline, days left, overdue (only an open request can be overdue)."""
    now = aware(now)
    return QueueItem(
        id=rq.id, member_id=rq.member_id, right=rq.right, status=rq.status,
        channel=rq.channel, requester=rq.requester, asked_by=asked_by(rq.channel, rq.requester),
        jurisdiction=rq.jurisdiction, received_at=local_time(rq.received_at, rq.jurisdiction),
        due_at=local_time(rq.due_at, rq.jurisdiction), extensions=rq.extensions,
        agent_check=rq.agent_check, days_left=_days_left(rq.due_at, now, rq.jurisdiction),
        overdue=rq.status in OPEN and now > rq.due_at)


def _home_zone(yk: Services) -> ZoneInfo:
    """The zone whose calendar the weeks follow: the policy's default jurisdiction's."""
    regime = REGIMES.get(yk.policy.default_jurisdiction)
    return ZoneInfo(regime.timezone if regime else "UTC")


def due_per_week(yk: Services, *, weeks: int = 8, past: int = 3,
                 now: dt.datetime | None = None) -> list[WeekLoad]:
    """Open requests due and overdue per week, oldest week first (see the module docstring):
    ``weeks`` weeks (1 to 52), the first ``past`` (0 to ``weeks - 1``) weeks before the
    current one."""
    if not 1 <= int(weeks) <= 52:
        raise ValidationError("weeks is 1 to 52", field="weeks", fix="ask for 8 weeks, for example")
    if not 0 <= int(past) < int(weeks):
        raise ValidationError("past is 0 to weeks - 1 (the current week is in the window)",
                              field="past", fix="ask for fewer past weeks than weeks in all, e.g. 3 of 8")
    now = aware(now)
    today = now.astimezone(_home_zone(yk)).date()
    first = today - dt.timedelta(days=today.weekday()) - dt.timedelta(weeks=int(past))
    starts = [first + dt.timedelta(weeks=i) for i in range(int(weeks))]
    due = [0] * len(starts)
    late = [0] * len(starts)
    for r in _open_rows(yk):
        last_day = local_time(r.due_at, r.jurisdiction).date()
        i = max(0, (last_day - first).days // 7)  # before the window: in its first week
        if i >= len(starts):
            continue  # beyond the window
        if now > r.due_at:
            late[i] += 1
        else:
            due[i] += 1
    return [WeekLoad(s, d, o) for s, d, o in zip(starts, due, late, strict=True)]
