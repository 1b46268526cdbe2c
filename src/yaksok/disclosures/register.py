"""The disclosure register: what an authority asked for, under which exception, and the decision.

P4.1 promises that nothing is disclosed but in the cases the policy lists (``disclosure.
exceptions``: a statute requires it; an investigative authority asks for it following the
procedure the law prescribes). So a disclosure is recorded *before* anything leaves, with what
its exception requires — the legal citation always, and for an investigation the request
document (a warrant or a written request: PIPA 18(2), Telecommunications Business Act 83(4)),
stored sealed under the KEK because it usually names the member — the authority and its
reference, and the scope: which members, which categories, collected in which period. The
officer then approves or rejects it, a separate step from recording, and only an approved
disclosure produces data (``produce.py``).

When a statute lets the authority defer telling the member (e.g. Communications Secrets
Protection Act 13-3, 9-2), the record carries the deferral's legal ground and end date; the
access-log entries of what is produced are withheld from the member's history until then.

Every step is authorised by the core (``disclosures_keep``, ``disclosure_approve``) and a refusal
is logged. One transaction per step: a bad input leaves nothing half-written. The register's
own acts are access-log entries in that transaction (operation ``admin``, no member, the reason
``disclosure-recorded:<id>``, ``disclosure-approved:<id>``, ``disclosure-rejected:<id>``,
``disclosure-document:<id>`` for opening the sealed request document). The authority's country
(``recipient_country``, ISO 3166 alpha-2) is recorded with it: producing for an authority
abroad is a transfer, which the vault's transfer gate decides (P12.1).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from yaksok.actors import Actor
from yaksok.crypto.secretbox import SealedColumn, open_sealed, seal
from yaksok.errors import Conflict, NotFound, Refused, ValidationError
from yaksok.services import Services
from yaksok.store.sql import write
from yaksok.store.tables import disclosure_members, disclosures, utcnow

__all__ = ["DisclosureView", "SEALED", "record_disclosure", "approve_disclosure",
           "reject_disclosure", "get_disclosure", "list_disclosures", "request_document",
           "authorize", "MAX_MEMBERS", "MAX_DOCUMENT"]

MAX_MEMBERS = 10_000
_COUNTRY = re.compile(r"^[A-Z]{2}$")
MAX_DOCUMENT = 8 * 1024 * 1024
_SHORT, _LONG = 200, 500


def _aad(disclosure_id: str) -> bytes:
    return b"disclosures.request_document:" + disclosure_id.encode()


#: The request document, resealed by a KEK rotation (``keys rotate``).
SEALED = SealedColumn("disclosures", "id", "request_document", _aad)


@dataclass(frozen=True)
class DisclosureView:
    """One disclosure as the register shows it (never the request document itself)."""

    id: str
    exception: str
    authority: str
    authority_ref: str
    recipient_country: str
    legal_citation: str
    has_document: bool
    document_sha256: str | None
    categories: tuple[str, ...]
    period_from: dt.datetime | None
    period_until: dt.datetime | None
    members: tuple[str, ...]
    status: str
    notice_deferred_until: dt.datetime | None
    deferral_ground: str | None
    policy_version: str
    recorded_by: str
    recorded_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_note: str | None

    def to_dict(self) -> dict:
        iso = (lambda t: t.isoformat() if t else None)  # noqa: E731
        return {"id": self.id, "exception": self.exception, "authority": self.authority,
                "authority_ref": self.authority_ref,
                "recipient_country": self.recipient_country,
                "legal_citation": self.legal_citation,
                "has_document": self.has_document, "document_sha256": self.document_sha256,
                "categories": list(self.categories), "period_from": iso(self.period_from),
                "period_until": iso(self.period_until), "members": list(self.members),
                "status": self.status,
                "notice_deferred_until": iso(self.notice_deferred_until),
                "deferral_ground": self.deferral_ground, "policy_version": self.policy_version,
                "recorded_by": self.recorded_by, "recorded_at": iso(self.recorded_at),
                "decided_by": self.decided_by, "decided_at": iso(self.decided_at),
                "decision_note": self.decision_note}


def authorize(yk: Services, actor: Actor, op: str, *, ip: str | None = None,
              request_id: str | None = None) -> None:
    """The core's decision for ``op`` (no member named yet); a refusal is logged and raised."""
    yk.vault.authorize(actor, op, ip=ip, request_id=request_id)


def _text(value, field: str, limit: int, fix: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{field} is required", field=field, fix=fix)
    value = value.strip()
    if len(value) > limit or not value.isprintable():
        raise ValidationError(f"{field} must be one line of at most {limit} characters",
                              field=field, fix="shorten it; keep it on one line")
    return value


def _country(value) -> str:
    code = value.strip().upper() if isinstance(value, str) else None
    if not code or not _COUNTRY.match(code):
        raise ValidationError("recipient_country is the authority's country, ISO 3166 alpha-2",
                              field="recipient_country",
                              fix="give two letters, e.g. KR; an authority abroad is a "
                                  "transfer (P12.1)")
    return code


def _admin(yk: Services, actor: Actor, reason: str, ip, request_id):
    """The access-log entry of a register act: no member, the disclosure in the reason."""
    return yk.vault.event(actor=actor, operation="admin", outcome="granted", member_id=None,
                          reason=reason, ip=ip, request_id=request_id,
                          policy_version=yk.published.version)


def _aware(t: dt.datetime | None, field: str) -> dt.datetime | None:
    if t is not None and (t.tzinfo is None or t.utcoffset() is None):
        raise ValidationError(f"{field} must carry a time zone", field=field,
                              fix="give e.g. 2026-03-01T00:00:00+09:00")
    return t


def record_disclosure(
    yk: Services, actor: Actor, *, exception: str, authority: str, authority_ref: str,
    legal_citation: str, members: list[str], categories: list[str], recipient_country: str,
    period_from: dt.datetime | None = None, period_until: dt.datetime | None = None,
    request_document: bytes | None = None, document_type: str | None = None,
    notice_deferred_until: dt.datetime | None = None, deferral_ground: str | None = None,
    ip: str | None = None, request_id: str | None = None, now: dt.datetime | None = None,
) -> DisclosureView:
    """Record what an authority asked for; nothing is produced until the officer approves."""
    authorize(yk, actor, "disclosures_keep", ip=ip, request_id=request_id)
    now = now or utcnow()
    policy = yk.policy
    exc = next((e for e in policy.disclosure.exceptions if e.key == exception), None)
    if exc is None:
        names = ", ".join(e.key for e in policy.disclosure.exceptions) or "none"
        raise Refused(f"the policy discloses nothing but under its exceptions ({names})",
                      rule="no-disclosure-exception", field="exception",
                      fix="name the exception the request falls under; without one the "
                          "answer to the authority is no (P4.1)")
    authority = _text(authority, "authority", _SHORT, "name the authority (e.g. 서울중앙지검)")
    authority_ref = _text(authority_ref, "authority_ref", _SHORT,
                          "give the authority's reference (case or document number)")
    recipient_country = _country(recipient_country)
    legal_citation = _text(legal_citation, "legal_citation", _LONG,
                           "cite the provision the request rests on (e.g. 형사소송법 제215조)")
    if "request_document" in exc.requires:
        if not request_document:
            raise ValidationError(f"the exception {exc.key} requires the request document",
                                  field="request_document",
                                  fix="attach the authority's written request or warrant")
    if request_document is not None and len(request_document) > MAX_DOCUMENT:
        raise ValidationError("the request document is too large", field="request_document",
                              fix=f"send at most {MAX_DOCUMENT // (1024 * 1024)} MiB")
    if document_type is not None:
        document_type = _text(document_type, "document_type", 100, "e.g. application/pdf")
    cats = _categories(policy, categories)
    ids = _members(yk, members)
    _aware(period_from, "period_from")
    _aware(period_until, "period_until")
    if period_from and period_until and period_from >= period_until:
        raise ValidationError("the period ends before it starts", field="period_until",
                              fix="give an end after the start")
    if (notice_deferred_until is None) != (deferral_ground is None):
        raise ValidationError("a deferral needs both its end date and its legal ground",
                              field="deferral_ground" if deferral_ground is None
                              else "notice_deferred_until",
                              fix="give both notice_deferred_until and deferral_ground, or "
                                  "neither")
    if notice_deferred_until is not None:
        _aware(notice_deferred_until, "notice_deferred_until")
        deferral_ground = _text(deferral_ground, "deferral_ground", _LONG,
                                "cite the provision that defers the notice")
        if notice_deferred_until <= now:
            raise ValidationError("the deferral ends in the past", field="notice_deferred_until",
                                  fix="give the date the law lets the notice wait until")
    did = "dsc_" + secrets.token_hex(6)
    row = {"id": did, "exception": exc.key, "authority": authority,
           "authority_ref": authority_ref, "recipient_country": recipient_country,
           "legal_citation": legal_citation,
           "request_document": seal(yk.keyring, "kek", request_document, _aad(did))
           if request_document else None,
           "document_sha256": hashlib.sha256(request_document).hexdigest()
           if request_document else None,
           "document_type": document_type if request_document else None,
           "categories": json.dumps(list(cats)), "period_from": period_from,
           "period_until": period_until, "status": "recorded",
           "notice_deferred_until": notice_deferred_until, "deferral_ground": deferral_ground,
           "policy_version": yk.published.version, "recorded_by": actor.id, "recorded_at": now}
    with write(yk.engine) as conn:
        conn.execute(disclosures.insert().values(**row))
        conn.execute(disclosure_members.insert(),
                     [{"member_id": m, "disclosure_id": did, "produced": 0} for m in ids])
        yk.vault.append(conn, _admin(yk, actor, f"disclosure-recorded:{did}", ip, request_id))
    return get_disclosure(yk, actor, did, _authorized=True)


def _categories(policy, categories) -> tuple[str, ...]:
    if not isinstance(categories, list | tuple) or not categories:
        raise ValidationError("name at least one category", field="categories",
                              fix="list the categories the authority asked for")
    for i, c in enumerate(categories):
        if not isinstance(c, str) or policy.category(c) is None:
            raise ValidationError(f"categories[{i}] is not a category of the policy",
                                  field="categories", fix="use category keys the policy "
                                                          "declares (yaksok policy render)")
    return tuple(sorted(set(categories)))


def _members(yk: Services, members) -> tuple[str, ...]:
    if not isinstance(members, list | tuple) or not members:
        raise ValidationError("name at least one member", field="members",
                              fix="list the members' internal ids (yaksok member lookup)")
    if len(members) > MAX_MEMBERS:
        raise ValidationError("too many members for one disclosure", field="members",
                              fix=f"at most {MAX_MEMBERS}; a wider request needs its own "
                                  "records")
    ids = tuple(sorted(set(members)))
    statuses = yk.vault.member_statuses(ids)
    for i, m in enumerate(members):
        if statuses.get(m) in (None, "erased"):
            raise ValidationError(f"members[{i}] is not a member (or was erased)",
                                  field="members", fix="use internal member ids")
    return ids


def _decide(yk: Services, actor: Actor, disclosure_id: str, status: str, note: str | None,
            ip: str | None, request_id: str | None, now: dt.datetime | None) -> DisclosureView:
    authorize(yk, actor, "disclosure_approve", ip=ip, request_id=request_id)
    if note is not None:
        note = _text(note, "note", _LONG, "one line on why")
    now = now or utcnow()
    with write(yk.engine) as conn:
        row = conn.execute(sa.select(disclosures.c.status, disclosures.c.exception)
                           .where(disclosures.c.id == disclosure_id)).first()
        if row is None:
            raise NotFound("no such disclosure", field="disclosure_id",
                           fix="list them with GET /disclosures")
        if row.status != "recorded":
            raise Conflict(f"the disclosure is already {row.status}", field="disclosure_id",
                           fix="record a new disclosure for a new request")
        if status == "approved" and not any(e.key == row.exception
                                            for e in yk.policy.disclosure.exceptions):
            raise Refused(f"the policy in force no longer has the exception {row.exception}",
                          rule="no-disclosure-exception", field="exception",
                          fix="reject it, or record it again under an exception in force")
        conn.execute(disclosures.update().where(disclosures.c.id == disclosure_id).values(
            status=status, decided_by=actor.id, decided_at=now, decision_note=note))
        yk.vault.append(conn, _admin(yk, actor, f"disclosure-{status}:{disclosure_id}", ip,
                                     request_id))
    return get_disclosure(yk, actor, disclosure_id, _authorized=True)


def approve_disclosure(yk: Services, actor: Actor, disclosure_id: str, *,
                       note: str | None = None, ip: str | None = None,
                       request_id: str | None = None,
                       now: dt.datetime | None = None) -> DisclosureView:
    """The officer approves a recorded disclosure: from now on its scope may be produced."""
    return _decide(yk, actor, disclosure_id, "approved", note, ip, request_id, now)


def reject_disclosure(yk: Services, actor: Actor, disclosure_id: str, *, note: str,
                      ip: str | None = None, request_id: str | None = None,
                      now: dt.datetime | None = None) -> DisclosureView:
    """The officer rejects it (the request falls under no exception after all, ...)."""
    return _decide(yk, actor, disclosure_id, "rejected", note, ip, request_id, now)


def _view(conn, row) -> DisclosureView:
    members = tuple(conn.execute(
        sa.select(disclosure_members.c.member_id)
        .where(disclosure_members.c.disclosure_id == row.id)
        .order_by(disclosure_members.c.member_id)).scalars())
    return DisclosureView(
        id=row.id, exception=row.exception, authority=row.authority,
        authority_ref=row.authority_ref, recipient_country=row.recipient_country,
        legal_citation=row.legal_citation,
        has_document=row.request_document is not None, document_sha256=row.document_sha256,
        categories=tuple(json.loads(row.categories)), period_from=row.period_from,
        period_until=row.period_until, members=members, status=row.status,
        notice_deferred_until=row.notice_deferred_until, deferral_ground=row.deferral_ground,
        policy_version=row.policy_version, recorded_by=row.recorded_by,
        recorded_at=row.recorded_at, decided_by=row.decided_by, decided_at=row.decided_at,
        decision_note=row.decision_note)


def get_disclosure(yk: Services, actor: Actor, disclosure_id: str, *, ip: str | None = None,
                   request_id: str | None = None, _authorized: bool = False) -> DisclosureView:
    if not _authorized:
        authorize(yk, actor, "disclosures_keep", ip=ip, request_id=request_id)
    with yk.engine.connect() as conn:
        row = conn.execute(sa.select(disclosures)
                           .where(disclosures.c.id == disclosure_id)).first()
        if row is None:
            raise NotFound("no such disclosure", field="disclosure_id",
                           fix="list them with GET /disclosures")
        return _view(conn, row)


def list_disclosures(yk: Services, actor: Actor, *, status: str | None = None,
                     ip: str | None = None, request_id: str | None = None
                     ) -> list[DisclosureView]:
    """The register, newest first (every disclosure is kept, rejected ones too)."""
    authorize(yk, actor, "disclosures_keep", ip=ip, request_id=request_id)
    if status is not None and status not in ("recorded", "approved", "rejected"):
        raise ValidationError("unknown status", field="status",
                              fix="use recorded, approved or rejected")
    query = sa.select(disclosures).order_by(disclosures.c.recorded_at.desc(), disclosures.c.id)
    if status is not None:
        query = query.where(disclosures.c.status == status)
    with yk.engine.connect() as conn:
        return [_view(conn, r) for r in conn.execute(query).all()]


def request_document(yk: Services, actor: Actor, disclosure_id: str, *, ip: str | None = None,
                     request_id: str | None = None) -> tuple[bytes, str | None]:
    """The request document, unsealed, for the officer who decides on it; the opening is an
    access-log entry (operation ``admin``, reason ``disclosure-document:<id>``) committed with
    it, before the bytes are returned."""
    authorize(yk, actor, "disclosure_approve", ip=ip, request_id=request_id)
    with write(yk.engine) as conn:
        row = conn.execute(sa.select(disclosures.c.request_document,
                                     disclosures.c.document_type)
                           .where(disclosures.c.id == disclosure_id)).first()
        if row is None or row.request_document is None:
            raise NotFound("no request document for this disclosure", field="disclosure_id",
                           fix="check the id; a statute-based disclosure may have none")
        document = open_sealed(yk.keyring, "kek", row.request_document, _aad(disclosure_id))
        yk.vault.append(conn, _admin(yk, actor, f"disclosure-document:{disclosure_id}", ip,
                                     request_id))
    return document, row.document_type
