"""Held records: what a statute makes us keep (P12.6), in separated storage (P12.7).

``write_held(vault, member_id, record_kind, {category: value}, actor=...)`` (``Vault.write_held``)
seals the values (as one JSON object) under the *hold key* of the record kind and month of
expiry, and stores them in ``held_records``, apart from the member's values. Hold keys are rows of ``data_keys`` with
``member_id = HOLD_MEMBER`` and scope ``hold:<record_kind>:<YYYY-MM>``: one key per kind and
expiry month for all members (not per member), because held records outlive the member link and
expiry must be O(1) key deletions: when a month is over, its key is destroyed and every record
sealed under it is unreadable at once, wherever copies of the ciphertext lie.

``read_held`` serves only the purpose ``legal_compliance`` and only staff whose role has the
capability ``rights.decide`` (the privacy officer); ``write_held`` the officer or an API key
whose scopes grant ``legal_compliance`` (``yaksok.access``); every grant and every refusal goes
to the access log. ``yaksok.retention`` is the workflow over these (``write_record``,
``read_held``); the expiry of held records and hold keys is ``yaksok.vault.expiry``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from yaksok.actors import Actor
from yaksok.crypto.envelope import new_id, open_value, seal_value, unwrap_data_key, wrap_data_key
from yaksok.errors import (
    NotFound,
    ValidationError,
)
from yaksok.policy.model import shown_key
from yaksok.policy.periods import add_period
from yaksok.store.sql import from_db, sql, to_db
from yaksok.store.tables import utcnow

__all__ = ["HOLD_MEMBER", "HELD_PURPOSE", "HeldEntry", "HeldRecord", "hold_scope", "month_end",
           "law_text", "write_held", "read_held", "held_index", "rule_for", "held_status",
           "delete_held"]

#: ``data_keys.member_id`` of hold keys (not a member id: those start with ``m_``).
HOLD_MEMBER = "hold"
#: The only purpose held records may be read for (the policy's compliance-with-law purpose).
HELD_PURPOSE = "legal_compliance"

_AAD = b"yaksok-held|1|"

#: How far ahead of the server's clock an event time may be (clients' clocks drift a little).
CLOCK_SKEW = dt.timedelta(minutes=5)
#: The earliest event time a held record may be of. An older one whose kind's period is over is
#: still taken (back-filled history, due at the next run: the law no longer asks it kept).
EARLIEST_EVENT = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

if TYPE_CHECKING:
    from yaksok.store.idempotency import Claim
    from yaksok.vault.service import Vault


def hold_scope(record_kind: str, expires_at: dt.datetime) -> str:
    """The hold key's scope: ``hold:<record_kind>:<YYYY-MM of expiry, UTC>``."""
    return f"hold:{record_kind}:{expires_at.astimezone(dt.UTC):%Y-%m}"


def month_end(scope: str) -> dt.datetime:
    """The first instant after the month a hold scope names: its key may die from then on."""
    year, month = (int(x) for x in scope.rsplit(":", 1)[1].split("-"))
    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return dt.datetime(year, month, 1, tzinfo=dt.UTC)


def law_text(rule) -> str:
    law = rule.law.en if hasattr(rule.law, "en") else str(rule.law)
    return f"{law}, art. {rule.article}" if getattr(rule, "article", None) else law


def rule_for(policy, record_kind: str):
    """(record kind, retention rule) from the policy; ``ValidationError`` naming the kinds."""
    kind = policy.record_kind(record_kind)
    rule = policy.retention_rule(record_kind) if kind is not None else None
    if kind is None or rule is None:
        held = [r.record_kind for r in policy.retention.rules]
        raise ValidationError("no such record kind with a retention rule in the policy",
                              field="record_kind", fix="use one of: " + ", ".join(held))
    return kind, rule


@dataclass(frozen=True, slots=True)
class HeldRecord:
    id: str
    record_kind: str
    member_ref: str | None
    created_at: dt.datetime
    expires_at: dt.datetime
    values: dict[str, str] = field(repr=False)


@dataclass(frozen=True, slots=True)
class HeldEntry:
    """A held record's metadata: what kind, of when, until when (never its values)."""

    id: str
    record_kind: str
    member_ref: str | None
    created_at: dt.datetime
    expires_at: dt.datetime

    def to_dict(self) -> dict:
        return {"id": self.id, "record_kind": self.record_kind, "member_id": self.member_ref,
                "created_at": self.created_at.isoformat(),
                "expires_at": self.expires_at.isoformat()}


def _aad(record_id: str, record_kind: str, key_id: str) -> bytes:
    return _AAD + record_id.encode() + b"|" + record_kind.encode() + b"|" + key_id.encode()


def _hold_key(conn, keyring, scope: str, now: dt.datetime) -> tuple[str, bytes]:
    """(key id, data key) of the live hold key of ``scope``, made on first use."""
    sqlite = conn.dialect.name == "sqlite"
    row = conn.exec_driver_sql(sql(conn, "SELECT id, wrapped, kek_version FROM data_keys "
                                   "WHERE member_id = ? AND scope = ?"),
                               (HOLD_MEMBER, scope)).first()
    if row is None:
        key_id, key = new_id("dk_"), os.urandom(32)
        version, wrapped = wrap_data_key(keyring, key_id, HOLD_MEMBER, scope, key)
        conn.exec_driver_sql(sql(conn, "INSERT INTO data_keys (id, member_id, scope, wrapped, "
                                 "kek_version, created_at) VALUES (?, ?, ?, ?, ?, ?) "
                                 "ON CONFLICT (member_id, scope) DO NOTHING"),
                             (key_id, HOLD_MEMBER, scope, wrapped, version, to_db(sqlite, now)))
        row = conn.exec_driver_sql(sql(conn, "SELECT id, wrapped, kek_version FROM data_keys "
                                       "WHERE member_id = ? AND scope = ?"),
                                   (HOLD_MEMBER, scope)).first()
    if row[1] is None:
        raise ValidationError("the hold key of this month of expiry is already destroyed",
                              field="at", fix="a record cannot be written already expired")
    return row[0], unwrap_data_key(keyring, row[0], HOLD_MEMBER, scope, bytes(row[1]), row[2])


def write_held(v: Vault, member_id: str, record_kind: str, values: dict[str, str], *,
               actor: Actor, at: dt.datetime | None = None, ip: str | None = None,
               request_id: str | None = None, idempotency: Claim | None = None) -> HeldRecord:
    """Store a statutory record of ``record_kind`` for the member under its hold key.

    The kind must have a retention rule in the policy, each category must belong to the kind,
    each value must be a non-empty string; the member must exist and be active. Expiry is ``at``
    (default now) + the rule's period. Logged as a ``collect`` (reason ``held:<kind>``). Who may
    is ``yaksok.access``'s ``write_held`` rule: the privacy officer, or an API key whose scopes
    grant ``legal_compliance`` (a refusal is logged). ``at`` is the time of the event the
    record is of (a payment, a complaint); not in the future. ``idempotency``: the client's key,
    answered with the record's id and dates (never a value) in the record's transaction.
    Everything is checked before anything is written: a refused record leaves nothing behind.
    """
    kind, rule = rule_for(v.policy, record_kind)
    if not isinstance(values, dict) or not values:
        raise ValidationError("a held record needs at least one value", field="values",
                              fix="give an object of category: value with categories of the kind: "
                                  + ", ".join(kind.categories))
    if at is not None and (not isinstance(at, dt.datetime) or at.tzinfo is None):
        raise ValidationError("the event time needs a time zone", field="at",
                              fix="e.g. 2026-11-29T09:30:00+09:00")
    if at is not None and at > utcnow() + CLOCK_SKEW:
        raise ValidationError("the event time is in the future", field="at",
                              fix="give the time the payment, complaint or login happened "
                                  "(default: now)")
    # No event of the service is that old; and a year-1 time with a zone either overflows in
    # UTC (a 500) or is stored as a time nothing reads back (every listing of the member, a 500).
    if at is not None and at < EARLIEST_EVENT:
        raise ValidationError("the event time is before 1970", field="at",
                              fix="give the time the payment, complaint or login happened, "
                                  "with its time zone")
    v.authorize(actor, "write_held", member_id=member_id,
                categories=tuple(sorted(c for c in values if isinstance(c, str))),
                ip=ip, request_id=request_id)
    allowed = set(kind.categories)
    for category, value in values.items():
        if category not in allowed:
            shown = category if isinstance(category, str) and shown_key(category) == category \
                else "the category"
            raise ValidationError(f"{shown} is not a category of the record kind {record_kind}",
                                  field="values", fix=f"{record_kind} holds: "
                                  + ", ".join(kind.categories))
        if not isinstance(value, str) or not value:
            raise ValidationError(f"the value of {category} must be a non-empty string",
                                  field="values", fix="give the value as text")
    now = (at or utcnow()).astimezone(dt.UTC)
    expires = add_period(now, rule.period)
    scope = hold_scope(record_kind, expires)
    record_id = new_id("hr_")
    payload = json.dumps(values, ensure_ascii=False, sort_keys=True).encode()
    with v.write() as conn:
        row = conn.exec_driver_sql(sql(conn, "SELECT status FROM members WHERE id = ?"),
                                   (member_id,)).first()
        if row is None or row[0] != "active":
            raise NotFound("no such active member", field="member_id",
                           fix="held records are written while the account is active")
        key_id, key = _hold_key(conn, v.keyring, scope, utcnow())
        ct = seal_value(AESGCM(key), _aad(record_id, record_kind, key_id), payload)
        conn.exec_driver_sql(sql(conn, "INSERT INTO held_records (id, record_kind, member_ref, "
                                 "key_id, ciphertext, created_at, expires_at) "
                                 "VALUES (?, ?, ?, ?, ?, ?, ?)"),
                             (record_id, record_kind, member_id, key_id, ct,
                              to_db(v.sqlite, now), to_db(v.sqlite, expires)))
        v.append(conn, v.event(actor=actor, operation="collect", outcome="granted",
                               member_id=member_id, categories=sorted(values),
                               purpose=HELD_PURPOSE, reason=f"held:{record_kind}", ip=ip,
                               request_id=request_id, policy_version=v.rules().version))
        if idempotency is not None:
            idempotency.record(conn, HeldEntry(record_id, record_kind, member_id, now,
                                               expires).to_dict(), member_id=member_id)
    return HeldRecord(record_id, record_kind, member_id, now, expires, dict(values))


def read_held(v: Vault, target: str, *, actor: Actor, purpose: str, ip: str | None = None,
              request_id: str | None = None, now: dt.datetime | None = None
              ) -> list[HeldRecord]:
    """The held records with id ``target`` (``hr_…``) or of member ``target`` (``m_…``).

    Only for ``legal_compliance`` by the privacy officer; every read and refusal is logged.
    Records past their expiry (awaiting the worker) or whose hold key was destroyed are not
    returned.
    """
    by_id = target.startswith("hr_")
    fields = dict(actor=actor, operation="read", ip=ip, request_id=request_id, purpose=purpose,
                  policy_version=v.rules().version)
    v.authorize(actor, "read_held", member_id=None if by_id else target, purpose=purpose,
                ip=ip, request_id=request_id)
    where = "h.id = ?" if by_id else "h.member_ref = ?"
    out: list[HeldRecord] = []
    with v.write() as conn:
        q = ("SELECT h.id, h.record_kind, h.member_ref, h.key_id, h.ciphertext, h.created_at, "
             "h.expires_at, k.scope, k.wrapped, k.kek_version FROM held_records h "
             "JOIN data_keys k ON k.id = h.key_id WHERE ")
        q += where + " AND h.expires_at > ? ORDER BY h.created_at, h.id"
        rows = conn.exec_driver_sql(sql(conn, q), (target, to_db(v.sqlite, now or utcnow()))).fetchall()
        cats: set[str] = set()
        members: set[str | None] = set()
        for (rid, kind, ref, key_id, ct, created, expires, scope, wrapped, ver) in rows:
            if wrapped is None:
                continue
            key = unwrap_data_key(v.keyring, key_id, HOLD_MEMBER, scope, bytes(wrapped), ver)
            values = json.loads(open_value(AESGCM(key), _aad(rid, kind, key_id), bytes(ct)))
            cats.update(values)
            members.add(ref)
            out.append(HeldRecord(rid, kind, ref, from_db(created), from_db(expires), values))
        subject = next(iter(members)) if by_id and members else (None if by_id else target)
        v.append(conn, v.event(outcome="granted", member_id=subject, categories=sorted(cats),
                               reason="held-records", **fields))
    return out


def held_index(v: Vault, member_id: str, *, actor: Actor, ip: str | None = None,
               request_id: str | None = None, now: dt.datetime | None = None
               ) -> list[HeldEntry]:
    """The member's held records still in force, as metadata (kind, created, expires; never a
    value, nothing decrypted), oldest first. Also after the account is closed: the records
    outlive it (P12.6). Who may is ``yaksok.access``'s ``held_list`` rule; the listing is logged
    as a ``read`` for ``legal_compliance`` (refusals too). ``NotFound`` when the id names
    neither a member nor anyone's held records."""
    v.authorize(actor, "held_list", member_id=member_id, ip=ip, request_id=request_id)
    with v.write() as conn:
        rows = conn.exec_driver_sql(sql(conn, (
            "SELECT id, record_kind, member_ref, created_at, expires_at FROM held_records "
            "WHERE member_ref = ? AND expires_at > ? ORDER BY created_at, id")),
            (member_id, to_db(v.sqlite, now or utcnow()))).fetchall()
        if not rows and conn.exec_driver_sql(sql(conn, "SELECT 1 FROM members WHERE id = ?"),
                                             (member_id,)).first() is None:
            raise NotFound("no such member", field="member_id",
                           fix="check the member id (m_...)")
        out = [HeldEntry(rid, kind, ref, from_db(created), from_db(expires))
               for rid, kind, ref, created, expires in rows]
        v.append(conn, v.event(actor=actor, operation="read", outcome="granted",
                               member_id=member_id, purpose=HELD_PURPOSE, reason="held-index",
                               ip=ip, request_id=request_id, policy_version=v.rules().version))
    return out


def held_status(v: Vault, now: dt.datetime | None = None) -> tuple[list, dt.datetime | None]:
    """(held records by kind and month of expiry: (kind, month, count, first expiry), the next
    expiry) — counts and dates only, for the retention status."""
    with v.engine.connect() as conn:
        held = conn.exec_driver_sql(
            "SELECT h.record_kind, k.scope, COUNT(*), MIN(h.expires_at) FROM held_records h "
            "JOIN data_keys k ON k.id = h.key_id GROUP BY h.record_kind, k.scope "
            "ORDER BY h.record_kind, k.scope").fetchall()
        nxt = conn.exec_driver_sql("SELECT MIN(expires_at) FROM held_records").scalar()
    return ([(k, s.rsplit(":", 1)[1], n, from_db(first)) for k, s, n, first in held],
            from_db(nxt))


def delete_held(conn, record_ids) -> int:
    """Delete held records by id in the caller's transaction (undoing records written for a
    step that did not commit elsewhere); returns how many went."""
    ids = list(record_ids)
    if not ids:
        return 0
    marks = ", ".join("?" * len(ids))
    return conn.exec_driver_sql(sql(conn, f"DELETE FROM held_records WHERE id IN ({marks})"),  # noqa: S608 - ? markers only
                                tuple(ids)).rowcount
