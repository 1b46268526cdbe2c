"""Every signed DRP message is good once.

A new exercise is kept by its SHA-256 on its own request row (``drp_requests.message_sha256``).
Every other signed message — an exercise answered with the request already open for it, a revoke,
a key setup — is recorded here when it is accepted, so the same bytes are refused the next time:
a revoke body cannot be replayed against another request, nor a repeated exercise sent again and
again. A revoke may be sent again for the request it revoked (the answer is the same). DRP 2.04's
bare signed ``{reason}`` names no request and no time: it is good once per request.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import sqlalchemy as sa

from yaksok.errors import Conflict
from yaksok.store.sql import storage_errors
from yaksok.store.tables import drp_requests, drp_used_messages
from yaksok.vault import ExpiryRule, Found, Vault, window

__all__ = ["EXPIRY", "KEEP_WITHOUT_EXPIRY", "check_unused", "per_request", "use"]

#: How long a message without an ``expires-at`` of its own (a bare signed revoke) is remembered.
KEEP_WITHOUT_EXPIRY = dt.timedelta(days=365)

_USED = Conflict("this signed message was used already", field="body",
                 fix="sign a new message; each one is used once")


def per_request(sha: str, drp_id: str) -> str:
    """The id under which a message good once *per request* is recorded."""
    return hashlib.sha256(f"{sha}|{drp_id}".encode()).hexdigest()


def check_unused(engine: sa.Engine, sha: str, *, drp_id: str | None = None) -> None:
    """``Conflict`` if the message was used — unless it was used for ``drp_id`` (the same
    revoke again)."""
    t = drp_used_messages.c
    with storage_errors(engine), engine.connect() as conn:
        row = conn.execute(sa.select(t.drp_request_id).where(t.message_sha256 == sha)).first()
        opened = conn.execute(sa.select(drp_requests.c.id).where(
            drp_requests.c.message_sha256 == sha)).first()
    if opened is not None or (row is not None and (drp_id is None
                                                  or row.drp_request_id != drp_id)):
        raise Conflict(_USED.message, field=_USED.field, fix=_USED.fix)


def use(conn, sha: str, *, agent_id: str, kind: str, now: dt.datetime,
        keep_until: dt.datetime | None, drp_id: str | None = None) -> None:
    """Record the message as used, in the caller's transaction (``Conflict`` if a twin was
    first)."""
    t = drp_used_messages
    exists = conn.execute(sa.select(t.c.drp_request_id).where(t.c.message_sha256 == sha)).first()
    if exists is not None:
        if drp_id is not None and exists.drp_request_id == drp_id:
            return
        raise Conflict(_USED.message, field=_USED.field, fix=_USED.fix)
    conn.execute(t.insert().values(message_sha256=sha, agent_id=agent_id, kind=kind,
                                   drp_request_id=drp_id, used_at=now,
                                   keep_until=max(keep_until or now, now)
                                   + (dt.timedelta(0) if keep_until else KEEP_WITHOUT_EXPIRY)))


def _expired(v: Vault, conn, now: dt.datetime, batch: int) -> list[Found]:
    t = drp_used_messages
    rows = conn.execute(sa.select(t.c.message_sha256, t.c.used_at).where(t.c.keep_until <= now)
                        .order_by(t.c.keep_until).limit(batch)
                        .with_for_update(skip_locked=True)).all()
    for i in range(0, len(rows), 500):
        conn.execute(t.delete().where(t.c.message_sha256.in_(
            [r.message_sha256 for r in rows[i:i + 500]])))
    return [Found(len(rows), *window(r.used_at for r in rows))] if rows else []


def _due(v: Vault, conn, now: dt.datetime) -> int:
    t = drp_used_messages
    return conn.execute(sa.select(sa.func.count()).select_from(t)
                        .where(t.c.keep_until <= now)).scalar()


EXPIRY = ExpiryRule("drp_used_messages", "row delete",
                    "a used DRP message once it has expired (a year for one without expiry)",
                    None, _expired, count_due=_due)
