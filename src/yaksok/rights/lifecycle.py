"""The machinery every rights module shares: the request model, transitions, who may act.

A transition is one transaction that (1) re-reads the request row under a lock and checks its
status, (2) updates the row only if the status is still the one read, (3) appends a
``rights_request_events`` row (at, actor, from, to, reason code), (4) appends an ``admin``
entry to the access log (reason ``rights:<right>:<to status>``, the rights request id as the
entry's request id) and (5) queues the message to the requester, if there is one. Nothing of it
names a personal value: reasons are codes, the member is their random id.

Who may act is decided by ``yaksok.access`` (docs/access.md); the helpers below ask it:

- the member themself (an ``Actor`` of kind ``member`` with the member's id), or an app backend
  acting for members (its key grants ``member_management``), on the member's own requests
  (``rights_submit``);
- *handlers* (``rights_handle``): staff whose role has the capability ``rights.decide`` (the
  privacy officer), and yaksok's own duties defined with it (the DRP bridge); they enter
  requests received by letter, phone, email or fax (P6.8), verify by staff check, decide on
  agents, start, extend, refuse, complete and carry out.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa

from yaksok.actors import system_actor
from yaksok.errors import Conflict, NotFound
from yaksok.rights.grounds import counted_ground
from yaksok.services import Services
from yaksok.store.tables import rights_request_events, rights_requests, utcnow
from yaksok.vault import Vault

if TYPE_CHECKING:
    from yaksok.actors import Actor

__all__ = ["RIGHTS", "CHANNELS", "STATUSES", "REQUESTERS", "FINAL", "OPEN", "STAFF_CHANNELS",
           "HANDLE_CAPABILITY", "RightsRequest", "RequestEvent", "load", "transition", "require_status",
           "mark_verified", "record_event", "admin_event", "notify", "is_handler",
           "require_handler", "require_member_side", "aware", "iso", "ID_RE"]

RIGHTS = ("access", "rectification", "erasure", "restriction", "portability", "objection",
          "automated_decision", "consent_withdrawal")
CHANNELS = ("account_menu", "written", "phone", "email", "fax", "drp")
STATUSES = ("received", "verified", "in_progress", "extended", "completed", "refused",
            "cancelled")
REQUESTERS = ("self", "legal_representative", "authorised_agent")
FINAL = ("completed", "refused", "cancelled")
OPEN = ("received", "verified", "in_progress", "extended")
#: Requests received outside the app, entered by staff (P6.8).
STAFF_CHANNELS = ("written", "phone", "email", "fax")
HANDLE_CAPABILITY = "rights.decide"
ID_RE = re.compile(r"^rq_[0-9a-f]{24}$")


def iso(at: dt.datetime | None) -> str | None:
    return None if at is None else at.astimezone(dt.UTC).isoformat()


def aware(now: dt.datetime | None) -> dt.datetime:
    if now is None:
        return utcnow()
    if now.tzinfo is None or now.utcoffset() is None:
        from yaksok.errors import ValidationError
        raise ValidationError("the time has no time zone", field="now",
                              fix="give the time with its UTC offset, e.g. 2026-12-01T09:00:00+09:00")
    return now.astimezone(dt.UTC)


@dataclass(frozen=True)
class RightsRequest:
    """One data-subject request as it stands (codes and times only; never a personal value)."""

    id: str
    member_id: str | None
    right: str
    channel: str
    status: str
    jurisdiction: str
    requester: str
    received_at: dt.datetime
    due_at: dt.datetime
    acknowledge_by: dt.datetime | None
    extensions: int
    refusal_reason: str | None
    details: dict
    verified_at: dt.datetime | None
    closed_at: dt.datetime | None
    verification: str | None = None
    agent_check: str | None = None
    result: dict | None = None

    @property
    def final(self) -> bool:
        return self.status in FINAL

    def to_dict(self) -> dict:
        return {"id": self.id, "member_id": self.member_id, "right": self.right,
                "channel": self.channel, "status": self.status,
                "jurisdiction": self.jurisdiction, "requester": self.requester,
                "received_at": iso(self.received_at), "due_at": iso(self.due_at),
                "acknowledge_by": iso(self.acknowledge_by), "extensions": self.extensions,
                "refusal_reason": self.refusal_reason, "details": dict(self.details),
                "verified_at": iso(self.verified_at), "closed_at": iso(self.closed_at),
                "verification": self.verification, "agent_check": self.agent_check,
                "result": self.result}

    @classmethod
    def from_row(cls, row) -> RightsRequest:
        return cls(id=row.id, member_id=row.member_id, right=row.right, channel=row.channel,
                   status=row.status, jurisdiction=row.jurisdiction, requester=row.requester,
                   received_at=row.received_at, due_at=row.due_at,
                   acknowledge_by=row.acknowledge_by, extensions=row.extensions,
                   refusal_reason=row.refusal_reason, details=json.loads(row.details or "{}"),
                   verified_at=row.verified_at, closed_at=row.closed_at,
                   verification=row.verification, agent_check=row.agent_check,
                   result=json.loads(row.result) if row.result else None)


@dataclass(frozen=True)
class RequestEvent:
    """One transition of a request (or an agent check): who, when, from, to, why (a code)."""

    request_id: str
    at: dt.datetime
    actor: str
    actor_kind: str
    from_status: str | None
    to_status: str
    reason: str | None

    def to_dict(self) -> dict:
        return {"request_id": self.request_id, "at": iso(self.at), "actor": self.actor,
                "actor_kind": self.actor_kind, "from": self.from_status, "to": self.to_status,
                "reason": self.reason}


# -- who may act -------------------------------------------------------------------------------

def is_handler(yk: Services, actor: Actor) -> bool:
    """Whether ``actor`` handles rights requests (``yaksok.access``: ``rights_handle``)."""

    return yk.vault.decide(actor, "rights_handle").allowed


def require_handler(yk: Services, actor: Actor, what: str, *, ip: str | None = None,
                    request_id: str | None = None, member_id: str | None = None,
                    log_as: str | None = None) -> None:
    """``rights_handle`` as ``yaksok.access`` decides it; a refusal is logged (with the member
    and the operation attempted, when named) and raised. Never inside a transaction (the denial
    is written in one of its own)."""

    yk.vault.authorize(actor, "rights_handle", member_id=member_id, ip=ip,
                            request_id=request_id, log_as=log_as)


def require_member_side(yk: Services, actor: Actor, member_id: str | None, what: str, *,
                        operation: str = "rights_submit", ip: str | None = None,
                        request_id: str | None = None) -> None:
    """The member themself, an app backend acting for members, or a handler
    (``yaksok.access``: ``operation``, by default ``rights_submit``); refusals are logged."""

    yk.vault.authorize(actor, operation, member_id=member_id, ip=ip,
                            request_id=request_id)


# -- reading and changing a request -------------------------------------------------------------

def load(conn: sa.Connection, request_id: str, *, lock: bool = False):
    """The request's row (locked on PostgreSQL when ``lock``); ``NotFound`` otherwise."""
    if not isinstance(request_id, str) or not ID_RE.match(request_id):
        raise NotFound("no such rights request", field="request_id",
                       fix="use the id submit returned (rq_ and 24 hex digits)")
    q = sa.select(rights_requests).where(rights_requests.c.id == request_id)
    row = conn.execute(q.with_for_update() if lock else q).first()
    if row is None:
        raise NotFound("no such rights request", field="request_id",
                       fix="use the id submit returned")
    return row


def admin_event(v: Vault, *, actor: Actor, row, reason: str, ip: str | None = None,
                outcome: str = "granted", categories=()):
    """The access-log entry of an action on a request (subject: the member's random id)."""
    return v.event(actor=actor, operation="admin", outcome=outcome, member_id=row.member_id,
                   categories=categories, purpose=None, reason=reason, ip=ip,
                   request_id=row.id, policy_version=v.rules().version)


def record_event(conn: sa.Connection, row, *, actor: Actor, at: dt.datetime,
                 from_status: str | None, to_status: str, reason: str | None) -> None:
    conn.execute(rights_request_events.insert().values(
        request_id=row.id, at=at, actor_id=actor.id[:128], actor_kind=actor.kind,
        from_status=from_status, to_status=to_status, reason=reason))


def require_status(row, allowed_from: tuple[str, ...], to: str) -> None:
    """``Conflict`` naming the status and the fix unless ``row`` may become ``to``."""
    if row.status not in allowed_from:
        final = row.status in FINAL
        raise Conflict(
            f"the request is {row.status}; it cannot become {to}", field="status",
            fix="a completed, refused or cancelled request is final: submit a new one" if final
            else "allowed only from: " + ", ".join(allowed_from))


def transition(v: Vault, conn: sa.Connection, row, to: str, *, actor: Actor, now: dt.datetime,
               allowed_from: tuple[str, ...], reason: str | None = None,
               ip: str | None = None, **values) -> None:
    """Move ``row`` to ``to`` in the caller's transaction (see the module docstring)."""
    require_status(row, allowed_from, to)
    t = rights_requests
    if to in FINAL:
        values.setdefault("closed_at", now)
    done = conn.execute(t.update().where(t.c.id == row.id, t.c.status == row.status)
                        .values(status=to, **values)).rowcount
    if done != 1:  # another transaction moved it after our read (SQLite: cannot happen)
        raise Conflict("the request changed while this action ran", field="status",
                       fix="read it again and retry")
    record_event(conn, row, actor=actor, at=now, from_status=row.status, to_status=to,
                 reason=reason)
    v.append(conn, admin_event(v, actor=actor, row=row, ip=ip,
                               reason=f"rights:{row.right}:{to}"))


def mark_verified(yk: Services, conn: sa.Connection, row, *, actor: Actor, method: str,
                  now: dt.datetime, ip: str | None = None) -> None:
    """received -> verified, recording how identity was checked (P6.11). An agent's or
    representative's request needs the power-of-attorney check accepted first (P6.10). A
    request the count already refuses (``grounds.counted_ground``) goes on to refused."""
    if row.status == "received" and row.requester != "self" and row.agent_check != "accepted":
        raise Conflict("a request by an agent or representative is verified only after their "
                       "power of attorney was accepted", field="agent_check",
                       fix="attach the document and record the staff check (check_agent)")
    v = yk.vault
    transition(v, conn, row, "verified", actor=actor, now=now, allowed_from=("received",),
               reason=method, ip=ip, verified_at=now, verification=method)
    # A ground decided by counting needs nobody's judgement: applied once the requester is
    # known (never on an unverified request), the same on every channel (grounds.py).
    verified = load(conn, row.id)
    if verified.member_id is not None:
        # Two of the member's requests verified at once must not both count only the other
        # one's old state: the member's row is the lock (PostgreSQL; SQLite has one writer).
        v.lock_member(conn, verified.member_id)
    ground = counted_ground(conn, verified)
    if ground is not None:
        transition(v, conn, verified, "refused", actor=system_actor("rights-limits"), now=now,
                   allowed_from=("verified",), reason=ground, ip=ip, refusal_reason=ground)
        notify(yk, conn, verified, "rights_refused", key="refused", now=now)


def notify(yk: Services, conn: sa.Connection, row, template: str, *, key: str,
           now: dt.datetime, lang: str | None = None, extra: dict | None = None) -> bool:
    """Queue an email to the member about ``row`` in the request's language, in ``conn``'s
    transaction (False when there is no member to tell, or the member was erased: nobody is
    left to write to)."""
    found = yk.vault.member_row(row.member_id, conn) if row.member_id is not None else None
    if found is None or found[0] == "erased":
        return False
    lang = lang or getattr(row, "lang", None) or "ko"
    params = {"request_id": row.id, "lang": lang if lang in ("ko", "en") else "ko"}
    params.update(extra or {})
    return yk.outbox.enqueue(conn, channel="email", member_id=row.member_id, template=template,
                             params=params, dedupe_key=f"rights:{row.id}:{key}", now=now)
