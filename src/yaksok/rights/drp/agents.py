"""The DRP agent registry and pair-wise key setup (DRP 2.05, 2.06, 3.05).

The privacy officer registers an authorised agent (``register_agent``: its ``agent-id`` and
Ed25519 verify key, out of band as DRP 3.05 describes); the agent then buys a pair-wise bearer
token with a signed message (``setup_agent``, ``POST /v1/agent/{agent-id}``). Only the token's
SHA-256 is stored; revoking the agent (``revoke_agent``) stops the token at once.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
import secrets
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

import sqlalchemy as sa

from yaksok.actors import Actor
from yaksok.errors import (
    AuthenticationFailed,
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationError,
    YaksokError,
)
from yaksok.rights.drp import replay
from yaksok.rights.drp.messages import (
    _https_url,
    _version,
    business_id,
    check_envelope,
    open_message,
    verify_key_of,
)
from yaksok.services import Services
from yaksok.store.sql import storage_errors, write
from yaksok.store.tables import drp_agents, utcnow

TOKEN_PREFIX = "yd_"  # noqa: S105 - a prefix, not a secret
_AGENT_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


@dataclass(frozen=True)
class Agent:
    """An authorised agent the privacy officer registered, and the state of its bearer token."""

    id: str
    name: str
    verify_key: str
    status: str
    registered_at: dt.datetime
    registered_by: str
    web_url: str | None = None
    identity_assurance_url: str | None = None
    token_issued_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None

    def to_dict(self) -> dict:
        out = asdict(self)
        for key, value in out.items():
            if isinstance(value, dt.datetime):
                out[key] = value.isoformat()
        return out


_AGENT_COLUMNS = ("id", "name", "verify_key", "status", "registered_at", "registered_by",
                  "web_url", "identity_assurance_url", "token_issued_at", "revoked_at")


def _agent(row) -> Agent:
    return Agent(**{name: getattr(row, name) for name in _AGENT_COLUMNS})


def _need_staff(yk: Services, actor: Actor, what: str) -> None:
    """Agents are registered and revoked by the privacy officer (``yaksok.access``:
    ``drp_agents``); a refusal is logged and raised."""

    yk.vault.authorize(actor, "drp_agents")


def register_agent(yk: Services, *, agent_id: str, name: str, verify_key: str, actor: Actor,
                   web_url: str | None = None, identity_assurance_url: str | None = None,
                   now: dt.datetime | None = None) -> Agent:
    """Register an authorised agent (its DRP directory entry) so it may fetch a token."""
    _need_staff(yk, actor, "register DRP agents")
    if not isinstance(agent_id, str) or not _AGENT_ID.match(agent_id):
        raise ValidationError("must be 1-64 letters, digits, '_', '.' or '-'", field="agent-id",
                              fix="use the id of the agent's DRP directory entry")
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise ValidationError("is required (at most 200 characters)", field="name",
                              fix="give the agent's consumer-legible name")
    key = base64.b64encode(bytes(verify_key_of(verify_key))).decode("ascii")
    row = dict(id=agent_id, name=name.strip(), verify_key=key, status="active",
               web_url=_https_url(web_url, "web_url"),
               identity_assurance_url=_https_url(identity_assurance_url,
                                                 "identity_assurance_url"),
               registered_at=now or utcnow(), registered_by=actor.id[:128])
    with write(yk.engine) as conn:
        if conn.execute(sa.select(drp_agents.c.id).where(drp_agents.c.id == agent_id)
                        ).first() is not None:
            raise Conflict("an agent with this agent-id is registered already",
                           field="agent-id",
                           fix="an agent-id is never reused; register the new key under a new id")
        conn.execute(drp_agents.insert().values(**row))
    return get_agent(yk, agent_id)


def get_agent(yk: Services, agent_id: str) -> Agent:
    with storage_errors(yk.engine), yk.engine.connect() as conn:
        row = conn.execute(sa.select(drp_agents).where(drp_agents.c.id == agent_id)).first()
    if row is None:
        raise NotFound("no DRP agent has this agent-id", field="agent-id",
                       fix="list the agents with `yaksok drp agents`")
    return _agent(row)


def list_agents(yk: Services) -> list[Agent]:
    with storage_errors(yk.engine), yk.engine.connect() as conn:
        rows = conn.execute(sa.select(drp_agents).order_by(drp_agents.c.registered_at,
                                                           drp_agents.c.id)).all()
    return [_agent(r) for r in rows]


def revoke_agent(yk: Services, agent_id: str, *, actor: Actor, now: dt.datetime | None = None) -> Agent:
    """Stop an agent: its token stops working at once and it cannot fetch another, and every
    request it opened that is still open is closed (its rights requests cancelled, the DRP
    request ``revoked``): nobody acts any more on an authority that was withdrawn."""
    _need_staff(yk, actor, "revoke DRP agents")
    with write(yk.engine) as conn:
        done = conn.execute(drp_agents.update().where(drp_agents.c.id == agent_id,
                                                      drp_agents.c.status == "active")
                            .values(status="revoked", token_hash=None, revoked_at=now or utcnow(),
                                    revoked_by=actor.id[:128])).rowcount
    agent = get_agent(yk, agent_id)  # NotFound for an unknown id
    # Run again after a failure half-way, it finishes closing what is still open.
    closed = _close_open_requests(yk, agent_id, now or utcnow()) if agent.status == "revoked" \
        else 0
    if not done and not closed:
        raise Conflict("the agent is revoked already", field="agent-id",
                       fix="register the agent again under a new agent-id")
    return agent


def _close_open_requests(yk: Services, agent_id: str, now: dt.datetime) -> int:
    """Close the revoked agent's open requests; returns how many were open."""
    from yaksok.rights.drp.bridge import bridge_actor
    from yaksok.rights.requests import cancel
    from yaksok.store.tables import drp_request_rights, drp_requests, rights_requests

    t = drp_requests.c
    with storage_errors(yk.engine), yk.engine.connect() as conn:
        open_ids = [r.id for r in conn.execute(sa.select(t.id).where(
            t.agent_id == agent_id, t.status == "open"))]
        live = conn.execute(sa.select(rights_requests.c.id).join(
            drp_request_rights, drp_request_rights.c.rights_request_id == rights_requests.c.id)
            .where(drp_request_rights.c.drp_request_id.in_(open_ids),
                   rights_requests.c.status.in_(("received", "verified", "in_progress",
                                                 "extended")))).scalars().all() \
            if open_ids else []
    bridge = bridge_actor(agent_id)
    for rid in live:
        cancel(yk, rid, actor=bridge, now=now)
    if open_ids:
        with write(yk.engine) as conn:
            conn.execute(drp_requests.update().where(t.id.in_(open_ids), t.status == "open")
                         .values(status="revoked", reason=None, updated_at=now))
    return len(open_ids)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def setup_agent(yk: Services, agent_id: str, body: bytes | str, *,
                now: dt.datetime | None = None) -> tuple[Agent, str]:
    """DRP 2.05 pair-wise key setup: a signed message from a registered agent buys a new bearer
    token (shown once; the previous one stops working). Any failure is ``PermissionDenied``:
    the spec answers them all with a bare 403."""
    now = now or utcnow()
    try:
        agent = get_agent(yk, agent_id)
    except NotFound:
        agent = None
    if agent is None or agent.status != "active":
        raise PermissionDenied("no active agent has this agent-id", field="agent-id",
                               fix="ask the privacy officer to register the agent")
    try:
        message, sha = open_message(body, agent.verify_key)
        issued, expires = check_envelope(message, agent_id=agent.id,
                                         business=business_id(yk.policy), now=now)
        _version(message)
    except PermissionDenied:
        raise
    except YaksokError as exc:
        raise PermissionDenied(exc.message, field=exc.field, fix=exc.fix) from None
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    t = drp_agents.c
    try:
        with write(yk.engine) as conn:
            # Each setup message is good once; an older one than the last accepted buys nothing
            # (one of the same second does: timestamps have whole seconds).
            replay.use(conn, sha, agent_id=agent.id, kind="key-setup", now=now,
                       keep_until=expires)
            done = conn.execute(drp_agents.update().where(
                t.id == agent.id, t.status == "active",
                sa.or_(t.setup_issued_at.is_(None), t.setup_issued_at <= issued),
            ).values(token_hash=_token_hash(token), token_issued_at=now,
                     setup_issued_at=issued)).rowcount
            if not done:
                raise PermissionDenied("this key-setup message is older than the last one "
                                       "accepted", field="issued-at",
                                       fix="sign a new key-setup message")
    except Conflict:
        raise PermissionDenied("this key-setup message was used already", field="body",
                               fix="sign a new key-setup message") from None
    return get_agent(yk, agent.id), token


def agent_for_token(yk: Services, token: str | None) -> Agent:
    """The active agent whose pair-wise bearer token this is, or ``AuthenticationFailed``."""
    if not token or not token.startswith(TOKEN_PREFIX):
        raise AuthenticationFailed("a DRP request needs the agent's pair-wise bearer token",
                                   field="Authorization",
                                   fix="POST a signed message to /v1/agent/{agent-id} for a "
                                       "token and send `Authorization: Bearer <token>`")
    with storage_errors(yk.engine), yk.engine.connect() as conn:
        row = conn.execute(sa.select(drp_agents).where(
            drp_agents.c.token_hash == _token_hash(token),
            drp_agents.c.status == "active")).first()
    if row is None:
        raise AuthenticationFailed("the bearer token is not valid (replaced, or the agent was "
                                   "revoked)", field="Authorization",
                                   fix="fetch a new token with POST /v1/agent/{agent-id}")
    return _agent(row)


def agent_info(yk: Services, token: str | None, agent_id: str) -> dict:
    """DRP 2.06: ``{}`` if the token belongs to ``agent_id``; 403 otherwise — another agent's
    token, or none that is valid (2.06.1)."""
    try:
        agent = agent_for_token(yk, token)
    except AuthenticationFailed as exc:
        raise PermissionDenied(exc.message, field=exc.field, fix=exc.fix) from None
    if agent.id != agent_id:
        raise PermissionDenied("the bearer token belongs to another agent", field="agent-id",
                               fix="ask about your own agent-id")
    return {}


def on_agent_site(agent: Agent, url: str | None) -> bool:
    """Whether ``url`` is https on the agent's registered ``web_url`` host (or a subdomain):
    the only places we send a member (``redirect_to``) or a status (``status_callback``)."""
    if not url or not agent.web_url:
        return False
    there, home = urlsplit(url), urlsplit(agent.web_url)
    host, own = (there.hostname or "").lower(), (home.hostname or "").lower()
    return there.scheme == "https" and bool(own) and (host == own or host.endswith("." + own))
