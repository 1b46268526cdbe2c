"""Data-subject requests (P6.1-P6.11): submit one, follow it, move it through its lifecycle.

::

    received ──verify_*──▶ verified ──start──▶ in_progress ──complete / carry_out──▶ completed
        │                     │                  │   ▲ extend (keeps working)
        │                     │                  ▼   │
        │                     │                extended ──complete / carry_out──▶ completed
        └─────────────────────┴──────────────────┴──────── refuse ──▶ refused
                                                          cancel ──▶ cancelled

``completed``, ``refused`` and ``cancelled`` are final. Every transition is one transaction with
its event row, its access-log entry and, where the requester is told, its queued email
(``lifecycle.transition``). ``verify_*`` live in ``verify.py``, agents' powers of attorney in
``agents.py``, doing the right in ``handle.py``.

``submit`` checks the right against the policy's ``rights`` (withdrawing consent is always open
when the policy has consent items), the channel, the requester (agents as the policy's
``rights_agents`` allow) and the member (known and active); the due dates come from
``deadlines.due_dates`` for the member's jurisdiction. ``details`` hold codes only and are
checked against the policy; ``personal`` (a rectification's new value and its target) is sealed
under the member's data key in the request row, so erasing the member shreds it too.

A member's own request through the account menu counts as verified at once only when
``verified_by="session"`` and the right neither discloses nor deletes data (restriction,
objection, automated decision, consent withdrawal: what the member could do in the app's
settings anyway); access, portability, erasure and rectification need a re-authentication
(``verify_by_password`` or a one-time code), as CCPA regulation §7060 asks and PIPA decree 46
allows. Staff entry always starts ``received``; its ``received_at`` may be when the letter,
call, email or fax reached us, earlier than its entry, and the deadline counts from then.
"""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa

from yaksok.crypto.envelope import new_id
from yaksok.errors import Conflict, NotFound, ValidationError
from yaksok.policy.model import shown_key
from yaksok.rights.grounds import (
    REFUSAL_GROUNDS,
    check_counted,
    check_extension_reason,
    check_ground,
    grounds_for,
)
from yaksok.rights.inputs import (
    DECISION_ACTIONS,
    check_codes,
    check_declared,
    check_details,
    check_personal,
    check_submitter,
    open_personal,
    seal_personal,
)
from yaksok.rights.lifecycle import (
    CHANNELS,
    OPEN,
    REQUESTERS,
    RIGHTS,
    STAFF_CHANNELS,
    STATUSES,
    RequestEvent,
    RightsRequest,
    admin_event,
    aware,
    load,
    mark_verified,
    notify,
    record_event,
    require_handler,
    require_member_side,
    require_status,
    transition,
)
from yaksok.services import Services
from yaksok.store.tables import rights_request_events, rights_requests
from yaksok.vault import Vault

__all__ = ["RIGHTS", "CHANNELS", "STATUSES", "REQUESTERS", "REFUSAL_GROUNDS", "SESSION_RIGHTS",
           "DECISION_ACTIONS", "MAX_RECEIVED_AGO", "RightsRequest", "RequestEvent", "submit",
           "check_received_at", "get_request",
           "request_for", "requests_for",
           "list_requests", "request_events", "start", "extend", "refuse", "cancel",
           "complete", "open_personal", "grounds_for"]

#: Rights a signed-in member's session alone may verify (they disclose and delete nothing).
SESSION_RIGHTS = ("restriction", "objection", "automated_decision", "consent_withdrawal")


# -- submit and read ------------------------------------------------------------------------------

def submit(yk: Services, *, member_id: str | None, right: str, channel: str, actor, requester: str = "self",
           details: dict | None = None, personal: dict | None = None, ip: str | None = None,
           now: dt.datetime | None = None, verified_by: str | None = None, lang: str = "ko",
           jurisdiction: str | None = None, idempotency=None,
           received_at: dt.datetime | None = None) -> RightsRequest:
    """Record a new request (see the module docstring); returns it ``received`` (or
    ``verified`` when ``verified_by="session"`` is allowed). ``lang`` (ko, en) is the language
    the requester is written to in; ``jurisdiction`` is used only for a DRP request that
    matched no member (default: the policy's default jurisdiction). ``idempotency``: the
    client's key (``yaksok.store.idempotency``), answered with the request id in the same
    transaction. ``received_at``: when a letter, call, email or fax reached us, if before it
    is entered (``check_received_at``); the deadline counts from it. Default: now."""
    from yaksok.rights.deadlines import due_dates

    v = yk.vault
    now = aware(now)
    if right not in RIGHTS:
        raise ValidationError(f"{shown_key(right)} is not a right", field="right",
                              fix="use one of: " + ", ".join(RIGHTS))
    check_declared(yk, right)
    if channel not in CHANNELS:
        raise ValidationError(f"{shown_key(channel)} is not a rights channel", field="channel",
                              fix="use one of: " + ", ".join(CHANNELS))
    received = check_received_at(received_at, channel, now)
    if requester not in REQUESTERS:
        raise ValidationError(f"{shown_key(requester)} is not a kind of requester",
                              field="requester", fix="use one of: " + ", ".join(REQUESTERS))
    allowed = yk.policy.rights_agents.allowed
    if requester != "self" and requester not in allowed:
        raise ValidationError(f"the policy does not admit a {requester}", field="requester",
                              fix="use one of: self, " + ", ".join(allowed))
    if lang not in ("ko", "en"):
        raise ValidationError("the language is ko or en", field="lang")
    if member_id is None and channel != "drp":
        raise ValidationError("a request names the member", field="member_id",
                              fix="find the member first; only DRP requests may be unmatched")
    check_submitter(yk, actor, channel, member_id)
    if verified_by is not None:
        ok = (verified_by == "session" and channel == "account_menu" and requester == "self"
              and right in SESSION_RIGHTS and actor.kind in ("member", "app_backend"))
        if not ok:
            raise ValidationError(
                "only a member's own request through the account menu for " +
                ", ".join(SESSION_RIGHTS) + " counts as verified by the session",
                field="verified_by", fix="leave verified_by out and verify with the password "
                                         "or a one-time code")
    d = check_details(v, right, details)
    p = check_personal(v, right, personal)
    if p is not None and member_id is None:
        raise ValidationError("personal inputs need a member to seal them for",
                              field="personal")
    rid = new_id("rq_")
    with v.core_write() as conn:
        if member_id is not None:
            row = v.member_row(member_id, conn)
            if row is None or row[0] == "erased":
                raise NotFound("no such member", field="member_id",
                               fix="check the member id; an erased member is gone for good")
            if row[0] != "active":
                raise Conflict(f"the member's account is {row[0]}", field="member_id",
                               fix="requests are taken for active accounts")
            where = row[1]
        else:
            where = jurisdiction or yk.policy.default_jurisdiction
        due = due_dates(yk.policy, where, right, received)
        sealed = key_id = None
        if p is not None:
            sealed, key_id = seal_personal(v, conn, rid, member_id, p, now)
        conn.execute(rights_requests.insert().values(
            id=rid, member_id=member_id, right=right, channel=channel, status="received",
            jurisdiction=where, requester=requester, received_at=received, due_at=due.due_at,
            acknowledge_by=due.acknowledge_by, extensions=0, details=json.dumps(d, sort_keys=True),
            personal=sealed, personal_key_id=key_id, progress="{}", submitted_by=actor.id[:128],
            lang=lang, agent_check=None if requester == "self" else "pending"))
        row = load(conn, rid)
        record_event(conn, row, actor=actor, at=now, from_status=None, to_status="received",
                     reason=f"channel:{channel}")
        v.append(conn, admin_event(v, actor=actor, row=row, ip=ip,
                                   reason=f"rights:{right}:received"))
        if notify(yk, conn, row, "rights_received", key="received", now=now):
            conn.execute(rights_requests.update().where(rights_requests.c.id == rid)
                         .values(acknowledged_at=now))
        if verified_by is not None:
            mark_verified(yk, conn, load(conn, rid), actor=actor, method="session", now=now,
                          ip=ip)
        if idempotency is not None:
            idempotency.record(conn, {"request_id": rid}, member_id=member_id)
        done = RightsRequest.from_row(load(conn, rid))
    if verified_by is None:
        return done
    from yaksok.rights.selfservice import after_verified

    return after_verified(yk, done, ip=ip, now=now, lang=lang)


#: How far back a staff-entered request may say it was received: a guard against a mistyped
#: year, not a rule of law (a letter found late is still entered with its true date).
MAX_RECEIVED_AGO = dt.timedelta(days=366)


def check_received_at(received_at: dt.datetime | None, channel: str,
                      now: dt.datetime) -> dt.datetime:
    """When the request was received: ``now``, or for a request received outside the app
    (``STAFF_CHANNELS``) the time the letter, call, email or fax reached us, which may be
    earlier than its entry; never in the future nor more than ``MAX_RECEIVED_AGO`` back."""
    if received_at is None:
        return now
    if channel not in STAFF_CHANNELS:
        raise ValidationError("only a request received outside the app has its own time of "
                              "receipt", field="received_at",
                              fix="leave received_at out: the request is received when "
                                  "submitted")
    if not isinstance(received_at, dt.datetime) or received_at.tzinfo is None \
            or received_at.utcoffset() is None:
        raise ValidationError("the time of receipt has no time zone", field="received_at",
                              fix="give it with its UTC offset, e.g. 2026-03-02T14:30:00+09:00")
    received = received_at.astimezone(dt.UTC)
    if received > now:
        raise ValidationError("the time of receipt is in the future", field="received_at",
                              fix="give the time the letter, call or email reached you")
    if now - received > MAX_RECEIVED_AGO:
        raise ValidationError("the time of receipt is more than a year ago",
                              field="received_at", fix="check the year; a request is "
                                                       "entered as soon as it arrives")
    return received


def get_request(yk: Services, request_id: str) -> RightsRequest:
    with yk.engine.connect() as conn:
        return RightsRequest.from_row(load(conn, request_id))


def request_for(yk: Services, actor, request_id: str, *, ip: str | None = None) -> RightsRequest:
    """The request, if ``actor`` may follow it (``yaksok.access``: ``rights_view`` — its member
    or a handler). To a member, another member's request and a missing one are the same
    ``NotFound`` (ids cannot be probed); the refusal is logged all the same."""

    v = yk.vault
    not_yours = NotFound("no such rights request", field="request_id",
                         fix="use the id of one of your requests (GET /rights/requests)")
    try:
        rq = get_request(yk, request_id)
    except NotFound:
        if actor.kind == "member":
            raise not_yours from None
        raise
    d = v.decide(actor, "rights_view", member_id=rq.member_id)
    if not d.allowed:
        v.deny(not_yours if actor.kind == "member" else d.refusal(), actor=actor,
               operation="admin", member_id=rq.member_id, ip=ip, request_id=rq.id,
               policy_version=v.access().version)
    return rq


def requests_for(yk: Services, actor, *, member_id: str | None = None, status: str | None = None,
                 limit: int = 100, ip: str | None = None) -> list[RightsRequest]:
    """The requests ``actor`` may list: a member their own (``member_id`` left out, or theirs),
    a handler anyone's or one member's (``yaksok.access``: ``rights_view`` / ``rights_handle``)."""

    v = yk.vault
    if actor.kind == "member" and member_id is None:
        member_id = actor.id
    if member_id is not None:
        v.authorize(actor, "rights_view", member_id=member_id, ip=ip)
    else:
        v.authorize(actor, "rights_handle", ip=ip)
    return list_requests(yk, member_id=member_id, status=status, limit=limit)


def list_requests(yk: Services, *, member_id: str | None = None, status: str | None = None,
                  limit: int = 100) -> list[RightsRequest]:
    """Requests, newest first; of one member and/or in one status."""
    t = rights_requests
    if status is not None and status not in STATUSES:
        raise ValidationError(f"{shown_key(status)} is not a request status", field="status",
                              fix="use one of: " + ", ".join(STATUSES))
    if not 1 <= int(limit) <= 1000:
        raise ValidationError("limit is 1 to 1000", field="limit")
    q = sa.select(t).order_by(t.c.received_at.desc(), t.c.id).limit(int(limit))
    if member_id is not None:
        q = q.where(t.c.member_id == member_id)
    if status is not None:
        q = q.where(t.c.status == status)
    with yk.engine.connect() as conn:
        return [RightsRequest.from_row(r) for r in conn.execute(q)]


def request_events(yk: Services, request_id: str) -> list[RequestEvent]:
    """Every transition of the request, oldest first."""
    e = rights_request_events
    with yk.engine.connect() as conn:
        load(conn, request_id)
        rows = conn.execute(sa.select(e).where(e.c.request_id == request_id)
                            .order_by(e.c.id)).all()
    return [RequestEvent(r.request_id, r.at, r.actor_id, r.actor_kind, r.from_status,
                         r.to_status, r.reason) for r in rows]


# -- transitions ----------------------------------------------------------------------------------

def _act(yk: Services, request_id: str, fn):
    """Run ``fn(v, conn, row)`` on the locked request in one write transaction."""

    v = yk.vault
    with v.core_write() as conn:
        row = load(conn, request_id, lock=True)
        fn(v, conn, row)
        return RightsRequest.from_row(load(conn, request_id))


def start(yk: Services, request_id: str, *, actor, now: dt.datetime | None = None,
          ip: str | None = None) -> RightsRequest:
    """verified -> in_progress (a handler takes the request on). ``ip``: the client's address,
    for the access log (as every transition below)."""
    require_handler(yk, actor, "start a request", ip=ip)
    now = aware(now)

    def go(v: Vault, conn, row):
        if row.requester != "self" and row.agent_check != "accepted":
            raise Conflict("the agent's power of attorney was not accepted",
                           field="agent_check", fix="record the check with check_agent first")
        transition(v, conn, row, "in_progress", actor=actor, now=now,
                   allowed_from=("verified",), ip=ip)
    return _act(yk, request_id, go)


#: PIPA lets a controller postpone only an access request (art. 35(3)) and an automated-decision
#: request (its own 30-day extensions); the other Korean rights have no extension at all.
_KR_EXTENDABLE = ("access", "automated_decision")


def extend(yk: Services, request_id: str, *, actor, reason: str, now: dt.datetime | None = None,
           ip: str | None = None) -> RightsRequest:
    """More time, when the jurisdiction's rule allows it and before the due date passes; the
    requester is told the new date and why (``EXTENSION_REASONS``). Where the rule is a
    postponement (Korean access, PIPA 35(3)) only a justified reason puts it off, and the
    requester is told it will be answered without delay once the reason ends."""
    from yaksok.rights.deadlines import due_dates, extended_due

    require_handler(yk, actor, "extend a request", ip=ip)
    check_extension_reason(reason)
    now = aware(now)

    def go(v: Vault, conn, row):
        require_status(row, ("in_progress", "extended"), "extended")
        rule = due_dates(yk.policy, row.jurisdiction, row.right, row.received_at)
        check_extension_reason(reason, rule.extension_kind)
        if rule.rule_jurisdiction == "KR" and row.right not in _KR_EXTENDABLE:
            raise Conflict(f"PIPA allows no extension of {row.right} requests", field="right",
                           fix="answer within the deadline, or refuse with a legal ground")
        if row.extensions >= rule.extensions_allowed:
            raise Conflict(f"the request was extended {row.extensions} time(s); the rule of "
                           f"{rule.rule_jurisdiction} allows {rule.extensions_allowed}",
                           field="extensions", fix="answer by the due date")
        if now > row.due_at:
            raise Conflict("the due date has passed; an extension must be told before it",
                           field="due_at", fix="answer now")
        new_due = extended_due(yk.policy, row.jurisdiction, row.right, row.due_at)
        transition(v, conn, row, "extended", actor=actor, now=now,
                   allowed_from=("in_progress", "extended"), reason=reason, ip=ip,
                   due_at=new_due, extensions=row.extensions + 1)
        notify(yk, conn, row, "rights_extended", key=f"extended:{row.extensions + 1}", now=now)
    return _act(yk, request_id, go)


def refuse(yk: Services, request_id: str, *, actor, reason: str, now: dt.datetime | None = None,
           ip: str | None = None) -> RightsRequest:
    """Refuse on a legal ground (P6.9): recorded, and told to the requester with the law and
    how to appeal. ``ValidationError`` lists the grounds open to this request."""
    require_handler(yk, actor, "refuse a request", ip=ip)
    now = aware(now)

    def go(v: Vault, conn, row):
        require_status(row, OPEN, "refused")
        check_ground(reason, row.right, row.jurisdiction)
        check_counted(conn, reason, row)
        transition(v, conn, row, "refused", actor=actor, now=now, allowed_from=OPEN,
                   reason=reason, refusal_reason=reason, ip=ip)
        notify(yk, conn, row, "rights_refused", key="refused", now=now)
    return _act(yk, request_id, go)


def cancel(yk: Services, request_id: str, *, actor, now: dt.datetime | None = None,
           ip: str | None = None) -> RightsRequest:
    """The requester (or a handler, on their word) withdraws the request."""
    now = aware(now)
    require_member_side(yk, actor, get_request(yk, request_id).member_id, "cancel",
                        operation="rights_verify" if actor.kind == "member" else "rights_submit",
                        request_id=request_id, ip=ip)

    def go(v: Vault, conn, row):
        by = "by-member" if actor.kind in ("member", "app_backend") else "by-staff"
        transition(v, conn, row, "cancelled", actor=actor, now=now, allowed_from=OPEN,
                   reason=by, ip=ip)
    return _act(yk, request_id, go)


def complete(yk: Services, request_id: str, *, actor, result: dict | None = None,
             now: dt.datetime | None = None, ip: str | None = None) -> RightsRequest:
    """in_progress | extended -> completed, with ``result`` (codes and counts only); the
    requester is told (unless the request erased them)."""
    require_handler(yk, actor, "complete a request", ip=ip)
    if result is not None and not isinstance(result, dict):
        raise ValidationError("the result is a mapping of codes and counts", field="result")
    check_codes(result or {}, "result")
    now = aware(now)

    def go(v: Vault, conn, row):
        transition(v, conn, row, "completed", actor=actor, now=now,
                   allowed_from=("in_progress", "extended"), ip=ip,
                   result=json.dumps(result or {}, sort_keys=True))
        notify(yk, conn, row, "rights_completed", key="completed", now=now)
    return _act(yk, request_id, go)
