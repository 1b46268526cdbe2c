"""Agents and legal representatives (P6.10): the power of attorney and the staff check.

A request made by a legal representative or an authorised agent (``requester`` other than
``self``, as the policy's ``rights_agents.allowed`` admits) starts with ``agent_check =
'pending'``. It cannot be verified or started until a handler has looked at the power of
attorney (PIPA decree 45 and the PIPC's form, CCPA regulation §7063's signed permission) and
recorded the outcome with ``check_agent``: who checked, when, accepted or rejected. A rejected
agent's request is then refused on the jurisdiction's identity ground.

The document (PDF, PNG or JPEG, at most ``MAX_DOCUMENT_BYTES``; the first bytes must match the
declared type) is sealed with AES-256-GCM under the member's data key, the AAD binding it to its
id, the request, the member and the key, so it cannot be moved to another request and dies with
the member's key. Only the privacy officer (staff with ``rights.decide``) reads it back, and
every read is an access-log entry.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from yaksok.crypto.envelope import new_id
from yaksok.errors import Conflict, NotFound, ValidationError
from yaksok.rights.lifecycle import (
    admin_event,
    aware,
    load,
    record_event,
    require_handler,
    require_member_side,
)
from yaksok.services import Services
from yaksok.store.tables import rights_documents, rights_requests

__all__ = ["MAX_DOCUMENT_BYTES", "CONTENT_TYPES", "OUTCOMES", "AgentDocument",
           "attach_power_of_attorney", "check_agent", "documents", "read_power_of_attorney"]

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
#: Accepted types and the first bytes each must start with.
CONTENT_TYPES = {"application/pdf": b"%PDF-", "image/png": b"\x89PNG\r\n\x1a\n",
                 "image/jpeg": b"\xff\xd8\xff"}
OUTCOMES = ("accepted", "rejected")


@dataclass(frozen=True)
class AgentDocument:
    """A stored power of attorney, without its content."""

    id: str
    request_id: str
    content_type: str
    size: int
    uploaded_at: dt.datetime
    uploaded_by: str


def _aad(doc_id: str, request_id: str, member_id: str, key_id: str) -> bytes:
    return f"yaksok-poa|1|{doc_id}|{request_id}|{member_id}|{key_id}".encode()


def _check_document(document, content_type: str) -> bytes:
    if content_type not in CONTENT_TYPES:
        raise ValidationError("the power of attorney must be a PDF, PNG or JPEG file",
                              field="content_type", fix="use one of: " + ", ".join(CONTENT_TYPES))
    if not isinstance(document, bytes | bytearray | memoryview):
        raise ValidationError("the document must be bytes", field="document")
    data = bytes(document)
    if not data:
        raise ValidationError("the document is empty", field="document",
                              fix="attach the scanned or signed power of attorney")
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ValidationError(f"the document is larger than {MAX_DOCUMENT_BYTES // 2**20} MB",
                              field="document", fix="scan it at a lower resolution")
    if not data.startswith(CONTENT_TYPES[content_type]):
        raise ValidationError(f"the document is not a {content_type} file", field="document",
                              fix="declare the type the file really has")
    return data


def attach_power_of_attorney(yk: Services, request_id: str, document: bytes, *, content_type: str,
                             actor, now: dt.datetime | None = None,
                             ip: str | None = None) -> str:
    """Store the agent's power of attorney, encrypted; returns the document id (``pd_...``)."""
    with yk.engine.connect() as conn:
        member_id = load(conn, request_id).member_id
    # The privacy officer, or the privacy center's backend relaying the upload (rights_submit).
    require_member_side(yk, actor, member_id, "attach a power of attorney", ip=ip,
                        request_id=request_id)
    data = _check_document(document, content_type)
    v = yk.vault
    now = aware(now)
    with v.core_write() as conn:
        row = load(conn, request_id, lock=True)
        if row.requester == "self":
            raise Conflict("the member's own request needs no power of attorney",
                           field="requester", fix="attach it to an agent's request")
        if row.status != "received" or row.member_id is None:
            raise Conflict(f"the request is {row.status}; documents are attached before it is "
                           "verified", field="status", fix="submit a new request")
        doc_id = new_id("pd_")
        key_id, sealed = v.seal_for_member(
            conn, row.member_id, lambda key_id: _aad(doc_id, row.id, row.member_id, key_id),
            data, now=now, lock=False)
        conn.execute(rights_documents.insert().values(
            id=doc_id, request_id=row.id, member_id=row.member_id, key_id=key_id,
            content_type=content_type, size=len(data), uploaded_at=now,
            uploaded_by=actor.id[:128], ciphertext=sealed))
        v.append(conn, admin_event(v, actor=actor, row=row, ip=ip,
                                   reason="rights:agent:document-attached"))
    return doc_id


def check_agent(yk: Services, request_id: str, *, actor, outcome: str, now: dt.datetime | None = None,
                ip: str | None = None) -> None:
    """Record the staff check of the agent's power of attorney: who, when, the outcome."""

    require_handler(yk, actor, "check an agent's power of attorney")
    if outcome not in OUTCOMES:
        raise ValidationError("the outcome is accepted or rejected", field="outcome",
                              fix="use one of: " + ", ".join(OUTCOMES))
    v = yk.vault
    now = aware(now)
    t = rights_requests
    with v.core_write() as conn:
        row = load(conn, request_id, lock=True)
        if row.requester == "self":
            raise Conflict("the member's own request has no agent to check", field="requester")
        if row.status != "received":
            raise Conflict(f"the request is {row.status}; the agent is checked before "
                           "verification", field="status")
        n = conn.execute(sa.select(sa.func.count()).select_from(rights_documents)
                         .where(rights_documents.c.request_id == row.id)).scalar()
        if not n:
            raise Conflict("no power of attorney is attached", field="document",
                           fix="attach it first (attach_power_of_attorney)")
        conn.execute(t.update().where(t.c.id == row.id).values(
            agent_check=outcome, agent_checked_by=actor.id[:128], agent_checked_at=now))
        record_event(conn, row, actor=actor, at=now, from_status=row.status,
                     to_status=row.status, reason=f"agent:{outcome}")
        v.append(conn, admin_event(v, actor=actor, row=row, ip=ip,
                                   reason=f"rights:agent:{outcome}"))


def documents(yk: Services, request_id: str) -> list[AgentDocument]:
    """The powers of attorney attached to a request (metadata only)."""
    d = rights_documents
    with yk.engine.connect() as conn:
        load(conn, request_id)
        rows = conn.execute(sa.select(d.c.id, d.c.request_id, d.c.content_type, d.c.size,
                                      d.c.uploaded_at, d.c.uploaded_by)
                            .where(d.c.request_id == request_id).order_by(d.c.uploaded_at))
        return [AgentDocument(*r) for r in rows]


def read_power_of_attorney(yk: Services, document_id: str, *, actor, ip: str | None = None
                           ) -> tuple[str, bytes]:
    """(content type, bytes) of a power of attorney, for the privacy officer; logged."""

    v = yk.vault
    d = rights_documents
    with yk.engine.connect() as conn:
        doc = conn.execute(sa.select(d).where(d.c.id == document_id)).first() \
            if isinstance(document_id, str) else None
        if doc is None:
            raise NotFound("no such document", field="document_id")
        row = load(conn, doc.request_id)
    fields = dict(actor=actor, operation="read", member_id=row.member_id, purpose=None, ip=ip,
                  request_id=row.id, policy_version=v.rules().version)
    d = v.decide(actor, "rights_handle")
    if not d.allowed:
        v.deny(d.refusal(), **fields)
    try:
        data = v.open_for_member(doc.member_id, doc.key_id,
                                 _aad(doc.id, doc.request_id, doc.member_id, doc.key_id),
                                 doc.ciphertext)
    except NotFound:
        raise NotFound("the document was shredded with the member's key",
                       field="document_id") from None
    with v.core_write() as conn:
        v.append(conn, v.event(outcome="granted", reason="rights:agent:document-read", **fields))
    return doc.content_type, data
