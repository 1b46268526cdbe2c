"""Restrictions of processing (P6.4) and objections (P6.6, P6.7), which ``read`` obeys.

A restriction names a purpose, or none: a restriction without a purpose covers every purpose
except those resting on legal obligation alone (``legal_compliance``: storage the law requires
goes on). Its reason is a code from ``RESTRICTION_REASONS``, never free text, so no personal
value can slip into it. An objection targets a purpose the member may object to (its bases
include legitimate interests or public task, or its data use is marketing) or one of the
policy's automated decisions. Both take effect at the next read and end when lifted; the rows
are kept (with ``lifted_at``) as the record of the request.

Who may is ``yaksok.access``'s ``restrict`` and ``object`` rules (the member, an app key acting
for members, the privacy officer; docs/access.md); the vault checks the keys, records who acted
and logs an ``admin`` entry.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa

from yaksok.errors import NotFound, ValidationError
from yaksok.policy.model import shown_key
from yaksok.store.tables import objections, processing_restrictions, utcnow
from yaksok.vault.rules import RESTRICTION_REASONS
from yaksok.vault.subjects import require_member

if TYPE_CHECKING:
    from yaksok.actors import Actor
    from yaksok.vault.service import Vault

__all__ = ["Restriction", "Objection", "restrict", "lift_restriction", "object_to",
           "withdraw_objection", "active_restrictions", "active_objections", "TARGET_KINDS"]

TARGET_KINDS = ("purpose", "decision")


@dataclass(frozen=True, slots=True)
class Restriction:
    id: int
    member_id: str
    purpose: str | None
    reason: str
    started_at: dt.datetime
    lifted_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class Objection:
    id: int
    member_id: str
    target_kind: str
    target_key: str
    at: dt.datetime
    lifted_at: dt.datetime | None


def _admin(v: Vault, conn, actor: Actor, member_id: str, purpose: str | None, reason: str,
           ip: str | None, request_id: str | None) -> None:
    v.append(conn, v.event(actor=actor, operation="admin", outcome="granted",
                           member_id=member_id, categories=(), purpose=purpose, reason=reason,
                           ip=ip, request_id=request_id, policy_version=v.rules().version))


def restrict(v: Vault, member_id: str, purpose: str | None, reason: str, *, actor: Actor,
             ip: str | None = None, request_id: str | None = None) -> int:
    """Restrict processing for ``purpose`` (None: all but legal storage); returns its id."""
    v.authorize(actor, "restrict", member_id=member_id, ip=ip, request_id=request_id)
    rules = v.rules()
    if purpose is not None and purpose not in rules.purposes:
        raise ValidationError(f"{shown_key(purpose)} is not a purpose of the policy",
                              field="purpose", fix="use one of: " + ", ".join(rules.purposes))
    if reason not in RESTRICTION_REASONS:
        raise ValidationError("unknown restriction reason", field="reason",
                              fix="use one of: " + ", ".join(RESTRICTION_REASONS))
    t = processing_restrictions
    with v.core_write() as conn:
        require_member(conn, member_id)
        same = t.c.purpose.is_(None) if purpose is None else t.c.purpose == purpose
        existing = conn.execute(sa.select(t.c.id).where(
            t.c.member_id == member_id, same, t.c.reason == reason,
            t.c.lifted_at.is_(None))).scalar()
        if existing is not None:
            return existing
        rid = conn.execute(t.insert().values(
            member_id=member_id, purpose=purpose, reason=reason, started_at=utcnow(),
        ).returning(t.c.id)).scalar_one()
        _admin(v, conn, actor, member_id, purpose, f"restrict:{reason}", ip, request_id)
        return rid


def lift_restriction(v: Vault, member_id: str, restriction_id: int, *, actor: Actor,
                     ip: str | None = None, request_id: str | None = None) -> None:
    v.authorize(actor, "restrict", member_id=member_id, ip=ip, request_id=request_id)
    t = processing_restrictions
    with v.core_write() as conn:
        row = conn.execute(sa.select(t.c.purpose, t.c.reason).where(
            t.c.id == restriction_id, t.c.member_id == member_id,
            t.c.lifted_at.is_(None))).first()
        if row is None:
            raise NotFound("no active restriction with that id for this member",
                           field="restriction_id")
        conn.execute(t.update().where(t.c.id == restriction_id).values(lifted_at=utcnow()))
        _admin(v, conn, actor, member_id, row.purpose, f"lift-restriction:{row.reason}", ip,
               request_id)


def object_to(v: Vault, member_id: str, target_kind: str, key: str, *, actor: Actor,
              ip: str | None = None, request_id: str | None = None) -> int:
    """Record the member's objection to a purpose (P6.6) or automated decision (P6.7)."""
    v.authorize(actor, "object", member_id=member_id, ip=ip, request_id=request_id)
    rules = v.rules()
    if target_kind == "purpose":
        objectable = rules.objectable_purposes()
        if key not in objectable:
            raise ValidationError(
                f"{shown_key(key)} is not a purpose the member can object to", field="key",
                fix="objections apply to: " + ", ".join(objectable) + "; for consent-based "
                    "purposes withdraw the consent instead")
        purpose = key
    elif target_kind == "decision":
        if key not in rules.decisions:
            raise ValidationError(f"{shown_key(key)} is not an automated decision of the policy",
                                  field="key", fix="use one of: " + ", ".join(rules.decisions))
        purpose = rules.decisions[key][0]
    else:
        raise ValidationError("unknown objection target", field="target_kind",
                              fix="use one of: " + ", ".join(TARGET_KINDS))
    t = objections
    with v.core_write() as conn:
        require_member(conn, member_id)
        existing = conn.execute(sa.select(t.c.id).where(
            t.c.member_id == member_id, t.c.target_kind == target_kind, t.c.target_key == key,
            t.c.lifted_at.is_(None))).scalar()
        if existing is not None:
            return existing
        oid = conn.execute(t.insert().values(
            member_id=member_id, target_kind=target_kind, target_key=key, at=utcnow(),
        ).returning(t.c.id)).scalar_one()
        _admin(v, conn, actor, member_id, purpose, f"object:{target_kind}:{key}", ip,
               request_id)
        return oid


def withdraw_objection(v: Vault, member_id: str, objection_id: int, *, actor: Actor,
                       ip: str | None = None, request_id: str | None = None) -> None:
    v.authorize(actor, "object", member_id=member_id, ip=ip, request_id=request_id)
    t = objections
    with v.core_write() as conn:
        row = conn.execute(sa.select(t.c.target_kind, t.c.target_key).where(
            t.c.id == objection_id, t.c.member_id == member_id,
            t.c.lifted_at.is_(None))).first()
        if row is None:
            raise NotFound("no active objection with that id for this member",
                           field="objection_id")
        conn.execute(t.update().where(t.c.id == objection_id).values(lifted_at=utcnow()))
        _admin(v, conn, actor, member_id, None,
               f"withdraw-objection:{row.target_kind}:{row.target_key}", ip, request_id)


def active_restrictions(v: Vault, member_id: str) -> list[Restriction]:
    t = processing_restrictions
    with v.engine.connect() as conn:
        rows = conn.execute(sa.select(t).where(t.c.member_id == member_id,
                                               t.c.lifted_at.is_(None)).order_by(t.c.id))
        return [Restriction(**r._mapping) for r in rows]


def active_objections(v: Vault, member_id: str) -> list[Objection]:
    t = objections
    with v.engine.connect() as conn:
        rows = conn.execute(sa.select(t).where(t.c.member_id == member_id,
                                               t.c.lifted_at.is_(None)).order_by(t.c.id))
        return [Objection(**r._mapping) for r in rows]
