"""What an agent does with its Data Rights Requests: send one (DRP 2.01), read its status
(2.02) and revoke it (2.04).

A request is checked completely (token, signature, envelope, fields, replay) before anything
is stored; a message is usable once (its SHA-256 is unique in ``drp_requests``). Its rights
requests are opened all or none (``bridge``); an opt-out the agent attested is carried out at
once, access and deletion wait for the member's code (``confirm``). The agent repeating an
exercise for a member while its earlier one is in progress gets that one's status back.
"""

from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa

from yaksok.errors import Conflict, PermissionDenied, ValidationError, YaksokError
from yaksok.rights.drp import replay
from yaksok.rights.drp.agents import agent_for_token, on_agent_site
from yaksok.rights.drp.bridge import (
    _carry_out_all,
    _open_rights,
    _rights,
    _row,
    bridge_actor,
    identify,
    plan,
)
from yaksok.rights.drp.confirm import VERIFY_WINDOW
from yaksok.rights.drp.messages import (
    ENVELOPE,
    business_id,
    check_envelope,
    open_message,
    parse_exercise,
)
from yaksok.rights.drp.statuses import open_request_for, status
from yaksok.services import Services
from yaksok.store.sql import storage_errors, write
from yaksok.store.tables import drp_requests, utcnow

_log = logging.getLogger("yaksok.rights.drp")


def _new_request_id() -> str:
    import uuid

    return str(uuid.uuid4())


def exercise(yk: Services, token: str | None, body: bytes | str, *, base_url: str = "/",
             ip: str | None = None, now: dt.datetime | None = None) -> dict:
    """DRP 2.01: check a signed Data Rights Request, open its rights requests, answer with
    its status (3.03). Replays (``Conflict``), bad signatures and expired messages are refused
    before anything is stored. The identity lookups are logged under the new request id."""
    now = now or utcnow()
    agent = agent_for_token(yk, token)
    message, sha = open_message(body, agent.verify_key)
    check_envelope(message, agent_id=agent.id, business=business_id(yk.policy), now=now)
    ex = parse_exercise(message, sha, agent_id=agent.id)
    if ex.status_callback is not None and not on_agent_site(agent, ex.status_callback):
        raise ValidationError("is not on the agent's registered site", field="status_callback",
                              fix="use an https URL on the agent's web_url (the officer "
                                  "registers it), or leave status_callback out")
    t = drp_requests.c
    replay.check_unused(yk.engine, sha)
    with storage_errors(yk.engine), yk.engine.connect() as conn:
        if ex.agent_request_id is not None and conn.execute(sa.select(t.id).where(
                t.agent_id == agent.id, t.agent_request_id == ex.agent_request_id)).first():
            raise Conflict("a request with this agent-request-id exists already",
                           field="agent-request-id", fix="give each request its own id")
    drp_id = _new_request_id()
    member, attested = identify(yk, ex.claims, ip=ip, request_id=drp_id)
    if member is not None:
        # The same exercise again while ours is open (most often a retry after a lost answer)
        # is the same obligation, not a further one: it gets the open request's status, and
        # spends none of the member's twice-a-year access. DRP's too_many_requests means more
        # than the law obliges, which a repeat is not.
        open_id = open_request_for(yk, agent.id, member, ex.exercise, now)
        if open_id is not None:
            with write(yk.engine) as conn:  # answered once: the same bytes are not again
                replay.use(conn, sha, agent_id=agent.id, kind="exercise", now=now,
                           keep_until=ex.expires_at, drp_id=None)
            # The identity lookups are in the access log under drp_id: this line links them.
            _log.info("DRP %s: agent %s repeated its open request %s; answered with it",
                      drp_id, agent.id, open_id)
            return status(yk, open_id, base_url=base_url, now=now)
    steps = plan(yk.policy, ex.exercise)
    code_free = ex.exercise == "sale:opt-out" and attested
    row = dict(id=drp_id, agent_id=agent.id, agent_request_id=ex.agent_request_id,
               drp_version=ex.drp_version, exercise=ex.exercise, regime=ex.regime,
               member_ref=member, status="open" if member else "denied",
               reason=None if member else "no_match", status_callback=ex.status_callback,
               message_sha256=sha, issued_at=ex.issued_at, message_expires_at=ex.expires_at,
               verify_by=None if member is None else now + VERIFY_WINDOW,
               codes_sent=0, received_at=now, updated_at=now)
    with write(yk.engine) as conn:
        try:
            conn.execute(drp_requests.insert().values(**row))
        except sa.exc.IntegrityError:
            # Two copies of one message racing: the unique SHA-256 lets exactly one in.
            raise Conflict("this signed request was received already", field="body",
                           fix="sign a new request; each message is used once") from None
    bridge = bridge_actor(agent.id)
    signed_message = body.strip() if isinstance(body, bytes) else body.strip().encode()
    _open_rights(yk, drp_id, agent, ex, member, steps, bridge, signed_message, now, ip=ip)
    if code_free:
        # CCPA regs §7026: an opt-out needs no verifiable request; the agent attested the
        # claim that matched, and the bridge records that as its check of the agent's papers.
        # Should that fail, the request simply waits for the member's code like any other.
        from yaksok.rights.verify import verify_by_staff

        try:
            for rq in _rights(yk, drp_id):
                verify_by_staff(yk, rq.id, actor=bridge, method="agent-documents-checked",
                                now=now, ip=ip)
        except YaksokError as exc:
            _log.warning("DRP %s: opt-out not verified by the agent's attestation (%s)",
                         drp_id, exc.code)
        _carry_out_all(yk, drp_id, bridge, now, ip=ip)
    return status(yk, drp_id, base_url=base_url, now=now)


def _own(yk: Services, token: str | None, drp_id: str):
    agent = agent_for_token(yk, token)
    row = _row(yk, drp_id)
    if row.agent_id != agent.id:
        # DRP 2.02.1: a request another agent manages is answered 403.
        raise PermissionDenied("another agent manages this request", field="request_id",
                               fix="ask about the requests your agent sent")
    return agent, row


def status_for_agent(yk: Services, token: str | None, drp_id: str, *, base_url: str = "/",
                     now: dt.datetime | None = None) -> dict:
    """DRP 2.02: the status, for the agent that sent the request only."""
    _own(yk, token, drp_id)
    return status(yk, drp_id, base_url=base_url, now=now)


def revoke(yk: Services, token: str | None, drp_id: str, body: bytes | str, *, base_url: str = "/",
           now: dt.datetime | None = None, ip: str | None = None) -> dict:
    """DRP 2.04: the user revokes an open or in-progress request (signed message; its
    ``reason``, free text from the user, is not kept). Revoking twice answers the same."""
    from yaksok.rights.requests import cancel

    now = now or utcnow()
    agent, row = _own(yk, token, drp_id)
    message, sha = open_message(body, agent.verify_key)
    expires = None
    # DRP 2.04: the body holds `reason` alone; an envelope, when the agent adds one, is checked.
    if any(name in message for name in ENVELOPE):
        _issued, expires = check_envelope(message, agent_id=agent.id,
                                          business=business_id(yk.policy), now=now)
    else:
        # A bare {reason} has nothing that names a request or a time, and an agent signs the
        # same reason to the same bytes for every request (libsodium signatures are
        # deterministic): it is good once per request. Only the agent's own bearer token can
        # send it, so nobody else can replay it anywhere.
        sha = replay.per_request(sha, drp_id)
    replay.check_unused(yk.engine, sha, drp_id=drp_id)
    current = status(yk, drp_id, base_url=base_url, now=now)
    if current["status"] == "revoked":
        return current
    if current["status"] != "in_progress":
        raise Conflict(f"the request is {current['status']}; only an open or in-progress "
                       "request can be revoked", field="request_id",
                       fix="send a new request to undo its effect (e.g. sale:opt-in is not "
                           "offered; the member may give consent again in the app)")
    bridge = bridge_actor(agent.id)
    for rq in _rights(yk, drp_id):
        if rq.status in ("received", "verified", "in_progress", "extended"):
            cancel(yk, rq.id, actor=bridge, now=now, ip=ip)
    with write(yk.engine) as conn:
        replay.use(conn, sha, agent_id=agent.id, kind="revoke", now=now, keep_until=expires,
                   drp_id=drp_id)
        conn.execute(drp_requests.update().where(drp_requests.c.id == drp_id)
                     .values(status="revoked", reason=None, updated_at=now))
    return status(yk, drp_id, base_url=base_url, now=now)
