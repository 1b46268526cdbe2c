"""Retention: statutory holds in separated storage, account closure, and one expiry mechanism.

The storage is the vault's (held records under hold keys, the closure's crypto-shredding and
receipt); this workflow is what the rest of yaksok calls:

- ``write_record`` / ``read_held``: records a statute makes us keep (P12.6), sealed under hold
  keys (one per record kind and month of expiry) in separated storage (P12.7), readable only
  for ``legal_compliance`` by the privacy officer (``yaksok.vault.held``); ``records_of``
  lists a member's records by kind and dates, never their values
- ``close_account`` (탈퇴, P12.5): crypto-shred everything not held; a receipt
  (``yaksok.vault.closure``)
- ``expiry``   ``run_expiry`` over the kinds the wiring registers; destruction records (P12.7)
- ``schedule`` the worker's passes on a schedule
- ``passes``   the record of the worker's passes: when each kind last ran, what it destroyed,
  why a pass failed
- ``overview`` held records by kind and month of expiry; destruction records summed

docs/retention.md describes the model.
"""

from __future__ import annotations

import datetime as dt

from yaksok.policy.periods import add_period
from yaksok.retention.expiry import (
    EXPIRY_RULES,
    DestructionRecord,
    ExpiryRegistry,
    count_due,
    retention_status,
    run_expiry,
)
from yaksok.retention.overview import (
    DestructionTotal,
    HeldByMonth,
    destruction_totals,
    held_by_expiry_month,
)
from yaksok.retention.passes import KindRun, PassRecord, kinds_last_run, worker_passes_of
from yaksok.services import Services
from yaksok.vault import (
    HOLD_MEMBER,
    ClosureReceipt,
    ExpiryRule,
    Found,
    HeldEntry,
    HeldRecord,
    hold_scope,
)

__all__ = [
    "ClosureReceipt",
    "DestructionRecord",
    "DestructionTotal",
    "EXPIRY_RULES",
    "ExpiryRegistry",
    "ExpiryRule",
    "Found",
    "HOLD_MEMBER",
    "HeldEntry",
    "HeldByMonth",
    "HeldRecord",
    "KindRun",
    "PassRecord",
    "add_period",
    "close_account",
    "count_due",
    "destruction_totals",
    "held_by_expiry_month",
    "kinds_last_run",
    "records_of",
    "hold_scope",
    "read_held",
    "retention_status",
    "run_expiry",
    "worker_passes_of",
    "write_record",
]


def write_record(yk: Services, member_id: str, record_kind: str, values: dict[str, str], *,
                 actor, at: dt.datetime | None = None, ip: str | None = None,
                 request_id: str | None = None, idempotency=None) -> HeldRecord:
    """Store a statutory record of ``record_kind`` for the member under its hold key: the kind
    must have a retention rule in the policy and the values belong to it; expiry is ``at``
    (the event's time, default now, never in the future) + the rule's period. The privacy
    officer or an API key whose scopes grant ``legal_compliance`` (``yaksok.access``); logged
    as a ``collect``. ``idempotency``: the client's key (``yaksok.store.idempotency``),
    answered with the record's id and dates in the record's transaction."""
    return yk.vault.write_held(member_id, record_kind, values, actor=actor, at=at, ip=ip,
                               request_id=request_id, idempotency=idempotency)


def records_of(yk: Services, member_id: str, *, actor, ip: str | None = None,
                 request_id: str | None = None, now: dt.datetime | None = None
                 ) -> list[HeldEntry]:
    """The member's held records in force (also after closure): id, kind, created, expires;
    never a value. The member themself, an API key whose scopes grant ``legal_compliance``, or
    staff whose role has ``rights.decide`` (``yaksok.access``: ``held_list``); logged."""
    return yk.vault.held_index(member_id, actor=actor, ip=ip, request_id=request_id, now=now)


def read_held(yk: Services, target: str, *, actor, purpose: str, ip: str | None = None,
              request_id: str | None = None, now: dt.datetime | None = None
              ) -> list[HeldRecord]:
    """The live held records with id ``target`` (``hr_…``) or of member ``target`` (``m_…``),
    for ``legal_compliance`` by the privacy officer only; every read and refusal is logged."""
    return yk.vault.read_held(target, actor=actor, purpose=purpose, ip=ip,
                              request_id=request_id, now=now)


def close_account(yk: Services, member_id: str, *, actor, now: dt.datetime | None = None,
                  ip: str | None = None, request_id: str | None = None) -> ClosureReceipt:
    """Close the member's account (탈퇴): everything not held is crypto-shredded at once, and a
    receipt (categories and counts destroyed, record kinds held until when and why) is stored
    and returned. The member, an app key acting for members, or the privacy officer."""
    return yk.vault.close_account(member_id, actor=actor, now=now, ip=ip,
                                  request_id=request_id)
