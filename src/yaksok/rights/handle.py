"""Carrying out a verified request on the vault, the retention layer and the external datasets.

``carry_out`` does the right of an ``in_progress`` (or ``extended``) request and completes it:

============================  =============================================================
access, portability           ``export.build_export`` (the export id goes in the result)
rectification                 ``Vault.rectify`` with the sealed new value (P6.2)
erasure                       ``external.erase_external`` then ``retention.close_account``
                              (held records stay in separated storage, P6.3), the
                              requester's address sealed before and the farewell email
                              queued after (``farewell``); with
                              ``details["categories"]``: ``external.erase_external`` of
                              those categories, then ``Vault.delete_values`` of them
restriction                   ``Vault.restrict(purpose or all, reason)`` (P6.4)
objection                     ``Vault.object_to("purpose", key)`` (P6.6)
automated_decision            ``refuse``: ``Vault.object_to("decision", key)``: the vault
                              stops the decision, and a decision made for a purpose the
                              member may object to stops that purpose too (P6.7);
                              ``explain``: ``explain_decision``
consent_withdrawal            ``Vault.withdraw_consent`` (values collected only under it go)
============================  =============================================================

Each step is the vault's own transaction; after each, the step's outcome is written to the
request's ``progress`` (codes and counts) in a transaction of its own. A failure leaves the
request ``in_progress`` with the steps done recorded, so calling ``carry_out`` again resumes
where it stopped and applies nothing twice (and the vault's operations are themselves
idempotent: an objection or restriction already active is returned, a deleted value is not
deleted again, a closed account is not closed again). A completed request is final.

The vault acts with the handler's identity; for rectification and deletion the verified request
is passed as a ``Mandate``, which ``yaksok.access`` accepts from a handler for what the request
names, whatever the category (the member's request is the authority); the access log names the
handler and the request.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from yaksok.access import Mandate
from yaksok.errors import Conflict, NotFound, ValidationError
from yaksok.policy.model import shown_key
from yaksok.rights.external_sql import ExternalServices
from yaksok.rights.lifecycle import (
    RightsRequest,
    admin_event,
    aware,
    load,
    require_handler,
    require_member_side,
    require_status,
)
from yaksok.rights.requests import complete, open_personal
from yaksok.services import Services
from yaksok.store.tables import rights_requests
from yaksok.vault import Vault, held_summary

__all__ = ["Outcome", "ErasurePreview", "COLLECTION_CHANNEL", "carry_out", "erasure_preview",
           "explain_decision"]

#: The policy's collection channel a change made through each rights channel is recorded as.
COLLECTION_CHANNEL = {"account_menu": "app", "written": "written_form", "phone": "phone",
                      "email": "email", "fax": "fax", "drp": "web_page"}
_WORKING = ("in_progress", "extended")
_GIVEN_BY = {"self": "member", "legal_representative": "legal_guardian",
             "authorised_agent": "authorised_agent"}


@dataclass(frozen=True)
class Outcome:
    """What carrying out a request did: the completed request, its result (codes and counts)
    and, for an explanation, the explanation itself."""

    request: RightsRequest
    result: dict
    explanation: dict | None = None


def _save(yk: Services, request_id: str, progress: dict) -> None:

    with yk.vault.core_write() as conn:
        row = load(conn, request_id, lock=True)
        require_status(row, _WORKING, "completed")
        conn.execute(rights_requests.update().where(rights_requests.c.id == request_id)
                     .values(progress=json.dumps(progress, sort_keys=True)))


def _mandate(row) -> Mandate:
    """The verified request as the authority for what it names (``yaksok.access``)."""
    return Mandate(row.id, row.member_id, row.right)


def _member_status(yk: Services, member_id: str) -> str | None:
    return yk.vault.member_status(member_id)


def _step(yk: Services, row, progress: dict, name: str, fn) -> dict:
    """Run ``fn()`` once per request: its outcome is kept in ``progress[name]``."""
    if name not in progress:
        progress[name] = fn()
        _save(yk, row.id, progress)
    return progress[name]


def carry_out(yk: ExternalServices, request_id: str, *, actor, lang: str = "ko", now: dt.datetime | None = None,
              ip: str | None = None) -> Outcome:
    """Do the right of the request and complete it (see the module docstring). ``ip``: the
    client's address, written to every access-log entry the steps make."""

    require_handler(yk, actor, "carry out a request", ip=ip)
    now = aware(now)
    v = yk.vault
    with yk.engine.connect() as conn:
        row = load(conn, request_id)
    require_status(row, _WORKING, "completed")
    if row.member_id is None:
        raise Conflict("the request has no member to act on", field="member_id",
                       fix="match the member, or refuse the request")
    progress = json.loads(row.progress or "{}")
    details = json.loads(row.details or "{}")
    m, rid = row.member_id, row.id
    explanation = None
    if row.right in ("access", "portability"):
        from yaksok.rights.export import build_export

        def export():
            f = build_export(yk, m, actor=actor, request_id=rid, kind=row.right, now=now, ip=ip)
            return {"export_id": f.id, "size": f.size}
        result = dict(_step(yk, row, progress, "export", export))
    elif row.right == "rectification":
        result = _step(yk, row, progress, "rectified", lambda: _rectify(yk, v, row, actor, ip))
    elif row.right == "erasure":
        result = _erase(yk, v, row, progress, details, actor, now, ip)
    elif row.right == "restriction":
        result = _step(yk, row, progress, "restricted", lambda: {
            "restriction_id": v.restrict(m, details.get("purpose"), details["reason"],
                                         actor=actor, request_id=rid, ip=ip),
            "purpose": details.get("purpose") or "all"})
    elif row.right == "objection":
        result = _step(yk, row, progress, "objected", lambda: {
            "objection_id": v.object_to(m, "purpose", details["purpose"], actor=actor,
                                        request_id=rid, ip=ip), "purpose": details["purpose"]})
    elif row.right == "automated_decision" and details["action"] == "refuse":
        key = details["decision"]
        purpose = v.rules().decisions[key][0]
        stops = v.rules().purposes[purpose].objectable
        result = _step(yk, row, progress, "objected", lambda: {
            "action": "refuse", "decision": key,
            "objection_id": v.object_to(m, "decision", key, actor=actor, request_id=rid,
                                        ip=ip),
            "stopped_purpose": purpose if stops else None})
    elif row.right == "automated_decision":
        explanation = explain_decision(yk, m, details["decision"], actor=actor, ip=ip,
                                       request_id=rid)
        result = {"action": "explain", "decision": explanation["decision"],
                  "categories_used": explanation["categories_used"]}
    else:
        result = _step(yk, row, progress, "withdrawn",
                       lambda: _withdraw(yk, v, row, details["consent"], actor, lang, now, ip))
    done = complete(yk, rid, actor=actor, result=result, now=now, ip=ip)
    return Outcome(done, result, explanation)


def _rectify(yk: Services, v: Vault, row, actor, ip: str | None = None) -> dict:
    personal = open_personal(yk, row.id) or {}
    target = personal.get("value_id") or personal["category"]
    category = personal.get("category")
    if category is None:
        category = v.value_category(row.member_id, target)
        if category is None:
            raise NotFound("the member has no value with that id", field="personal.value_id",
                           fix="refuse the request, or ask which value is meant")
    value_id = v.rectify(row.member_id, target, personal["value"], actor=actor,
                         mandate=_mandate(row), channel=COLLECTION_CHANNEL[row.channel],
                         request_id=row.id, ip=ip)
    return {"value_id": value_id, "category": category}


def _erase(yk: ExternalServices, v: Vault, row, progress: dict, details: dict, actor, now,
           ip: str | None = None) -> dict:
    from yaksok.rights import farewell
    from yaksok.rights.external import erase_external

    m, rid = row.member_id, row.id
    cats = details.get("categories")

    def external():  # the request's categories, or everything, as the request itself says
        return [[e.dataset, e.table, e.strategy, e.count]
                for e in erase_external(yk, m, actor=actor, request_id=rid, ip=ip)]

    ext = _step(yk, row, progress, "external", external)
    if cats:
        # Held records (statutory copies) live apart and stay (P12.7).
        n = _step(yk, row, progress, "deleted", lambda: v.delete_values(
            m, actor=actor, mandate=_mandate(row), categories=cats, request_id=rid, ip=ip))
        return {"scope": "categories", "categories": cats, "external": ext, "deleted": n}

    # Before anything of the account is erased: the address to tell the requester at.
    fw = _step(yk, row, progress, "farewell", lambda: farewell.prepare(yk, row, now=now, ip=ip))

    def close():
        status = _member_status(yk, m)
        if status == "active":
            receipt = v.close_account(m, actor=actor, now=now, request_id=rid, ip=ip,
                                      mandate=_mandate(row))
            return {"destroyed": {d.category: d.count for d in receipt.destroyed},
                    "held": {h.record_kind: h.count for h in receipt.held}}
        if status == "closed":
            v.erase_member(m, actor=actor, request_id=rid, ip=ip)
        return {"destroyed": {}, "held": {}}

    closed = _step(yk, row, progress, "closed", close)
    _step(yk, row, progress, "farewell_queued",
          lambda: farewell.queue(yk, row, fw["farewell_id"], now=now))
    return {"scope": "account", "external": ext, **closed}


def _withdraw(yk: Services, v: Vault, row, consent: str, actor, lang: str, now,
              ip: str | None = None) -> dict:
    if consent not in v.effective_consents(row.member_id):
        return {"consent": consent, "withdrawn": False}
    item = yk.policy.consent(consent)
    lang = lang if lang in ("ko", "en") else "ko"
    agent = row.requester != "self"
    event_id = v.withdraw_consent(
        row.member_id, consent, notice_text=item.description.get(lang),
        channel=COLLECTION_CHANNEL[row.channel], actor=actor, at=now, language=lang,
        given_by=_GIVEN_BY[row.requester], given_by_ref=f"rights:{row.id}" if agent else None,
        request_id=row.id, ip=ip)
    return {"consent": consent, "withdrawn": True, "event_id": event_id}


def explain_decision(yk: Services, member_id: str, decision_key: str, *, actor,
                     ip: str | None = None, request_id: str | None = None) -> dict:
    """The decision's declared criteria and the member's categories it uses (counts of the
    member's values in each, never the values): PIPA 37-2(3), GDPR 15(1)(h). ``request_id``:
    the rights request it answers, if one does."""

    d = next((x for x in yk.policy.automated_decisions if x.key == decision_key), None)
    if d is None:
        raise ValidationError(f"{shown_key(decision_key)} is not an automated decision of the "
                              "policy", field="decision",
                              fix="use one of: " + ", ".join(
                                  x.key for x in yk.policy.automated_decisions))
    require_member_side(yk, actor, member_id, "ask for an explanation",
                        operation="explain_decision", ip=ip)
    v = yk.vault
    cats = sorted(d.categories)
    if v.member_status(member_id) in (None, "erased"):
        raise NotFound("no such member", field="member_id", fix="check the member id")
    counts = v.live_counts(member_id, cats)
    used = {c: counts[c] for c in cats if counts.get(c)}
    with v.core_write() as conn:
        event = admin_event(v, actor=actor, row=_Subject(member_id, request_id), ip=ip,
                            reason=f"rights:explain:{d.key}", categories=sorted(used))
        v.append(conn, event)
    return {"decision": d.key, "label": {"ko": d.label.ko, "en": d.label.en},
            "criteria": {"ko": d.criteria.ko, "en": d.criteria.en},
            "significant_effect": d.significant_effect, "purpose": d.purpose,
            "categories": cats, "categories_used": used}


@dataclass(frozen=True)
class ErasurePreview:
    """What carrying out an erasure request would do, before it is done (counts and codes):
    ``destroyed`` live values per category; ``held`` the statutory records that stay in
    separated storage (kind, count, last expiry, period, law; P12.7); ``external`` the declared
    tables of other databases it reaches and their strategy (``delete``, ``null``, ``mask``,
    ``hold:<kind>``), not counted: counting would query those databases."""

    request_id: str
    scope: str                      # "account" (the whole account) or "categories"
    categories: list[str]
    destroyed: dict[str, int]
    held: list[dict]
    external: list[dict]

    def to_dict(self) -> dict:
        return {"request_id": self.request_id, "scope": self.scope,
                "categories": list(self.categories), "destroyed": dict(self.destroyed),
                "held": [dict(h) for h in self.held],
                "external": [dict(e) for e in self.external]}


def erasure_preview(yk: Services, request_id: str, *, actor, ip: str | None = None,
                    now: dt.datetime | None = None) -> ErasurePreview:
    """What ``carry_out`` of the erasure ``request_id`` would destroy and what the law keeps,
    for the handler's confirmation (``rights_handle``; a refusal is logged). Reads counts only,
    never a value, so it writes no access-log entry of its own."""
    with yk.engine.connect() as conn:
        row = load(conn, request_id)
    require_handler(yk, actor, "preview an erasure", ip=ip, request_id=row.id,
                    member_id=row.member_id)
    if row.right != "erasure":
        raise Conflict(f"the request is for {row.right}, not erasure", field="right",
                       fix="a preview is shown for erasure requests only")
    if row.member_id is None:
        raise Conflict("the request has no member to act on", field="member_id",
                       fix="match the member, or refuse the request")
    v, policy = yk.vault, yk.policy
    asked = json.loads(row.details or "{}").get("categories") or []
    cats = sorted(asked) if asked else sorted(v.rules().categories)
    counts = v.live_counts(row.member_id, cats) if v.member_status(row.member_id) not in (
        None, "erased") else {}
    held = []
    for h in held_summary(v, row.member_id, now=aware(now)):
        rule = policy.retention_rule(h.record_kind)
        held.append({"record_kind": h.record_kind, "count": h.count,
                     "last_expiry": h.last_expiry.isoformat() if h.last_expiry else None,
                     "period": rule.period if rule else None,
                     "law": {"ko": rule.law.ko, "en": rule.law.en, "article": rule.article}
                     if rule else None})
    external = []
    for ds in policy.external_datasets:
        for t in ds.tables:
            mine = [c for c in t.columns.values() if not asked or c in asked]
            if mine:
                how = t.erasure if isinstance(t.erasure, str) else f"hold:{t.erasure.hold}"
                external.append({"dataset": ds.key, "table": t.name, "strategy": how,
                                 "categories": sorted(set(mine))})
    return ErasurePreview(row.id, "categories" if asked else "account", cats,
                          {c: n for c, n in counts.items() if n}, held, external)


@dataclass(frozen=True)
class _Subject:
    """Stands in for a request row when an explanation is asked outside a request."""

    member_id: str
    id: str | None = None
