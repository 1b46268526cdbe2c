"""What a member may know of where their data went: disclosures to authorities and provisions
to third parties, with to whom, under which law and which categories (P6.1: access includes the
records of how the data was shared; P4.1, P9.1).

``member_disclosures`` answers for the member themself (and staff the core lets read a member's
access history): the disclosures their data was actually produced under — never one whose
notice a statute defers, until the deferral ends (the same rule as ``auditlog.withheld`` applies
to the history) — and the provisions to third parties. The authority's own reference number
and the request document stay in the register; the member sees the authority, its country, the
exception of the policy and the legal citation it rests on.
"""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa

from yaksok.actors import Actor
from yaksok.services import Services
from yaksok.store.tables import (
    disclosure_members,
    disclosures,
    third_party_provisions,
    utcnow,
)

__all__ = ["member_disclosures"]


def _iso(t: dt.datetime | None) -> str | None:
    return t.isoformat() if t else None


def member_disclosures(yk: Services, actor: Actor, member_id: str, *, lang: str = "ko",
                       ip: str | None = None, request_id: str | None = None,
                       now: dt.datetime | None = None) -> list[dict]:
    """The member's disclosures and third-party provisions, newest first (see the module
    docstring); decided as the member's access history (``access_history``)."""
    yk.vault.authorize(actor, "access_history", member_id=member_id, ip=ip,
                       request_id=request_id)
    now = now or utcnow()
    policy = yk.policy
    lang = lang if lang in ("ko", "en") else "ko"
    labels = {e.key: e.label.get(lang) for e in policy.disclosure.exceptions}
    recipients = {r.key: r.label.get(lang) for r in policy.third_party_provision.recipients}
    d, m, p = disclosures, disclosure_members, third_party_provisions
    with yk.engine.connect() as conn:
        rows = conn.execute(
            sa.select(d.c.id, d.c.exception, d.c.authority, d.c.recipient_country,
                      d.c.legal_citation, d.c.categories, d.c.notice_deferred_until,
                      m.c.produced, m.c.last_produced_at)
            .join(m, m.c.disclosure_id == d.c.id)
            .where(m.c.member_id == member_id, m.c.produced > 0)).all()
        given = conn.execute(sa.select(p).where(p.c.member_id == member_id)).all()
    out = [{"kind": "disclosure", "id": r.id, "to": r.authority, "country": r.recipient_country,
            "ground": labels.get(r.exception, r.exception), "law": r.legal_citation,
            "categories": json.loads(r.categories), "times": r.produced,
            "at": _iso(r.last_produced_at)}
           for r in rows if r.notice_deferred_until is None or r.notice_deferred_until <= now]
    out += [{"kind": "provision", "id": r.id, "to": recipients.get(r.recipient, r.recipient),
             "country": None, "ground": r.basis, "law": r.legal_citation or r.consent_item,
             "categories": json.loads(r.categories), "times": 1, "at": _iso(r.provided_at)}
            for r in given]
    return sorted(out, key=lambda x: x["at"] or "", reverse=True)
