"""Account closure (탈퇴, P12.5): everything not under a statutory hold is destroyed at once.

``close_account(vault, member_id, actor=...)`` (``Vault.close_account``) is the vault's erasure
(``erasure``) plus a receipt, in one transaction:

- the member-scope data key is destroyed (crypto-shred): from the commit on, no value of the
  member can be opened; ``purge_erased`` then deletes the rows (the caller runs it, or the
  worker does);
- sessions are deleted and the status becomes ``erased``, which every door of the vault (read,
  collect, lookup, login) treats as gone. A closure *is* an erasure with a receipt; held records
  are not touched: they live in ``held_records`` under hold keys, which no member key's
  destruction reaches. ``closed_at`` is set too (a plain erasure leaves it), so a closure is told from a plain
  erasure, and its consent evidence is kept ``Settings.consent_evidence_period`` after the
  closure (``purge_erased`` leaves it to the ``consent_evidence`` expiry kind);
- the erasure is listed (``erasures`` table and ``erasures.txt``), so a restore re-applies it;
- the receipt (categories and counts destroyed, record kinds held with counts, expiry dates and
  laws, the time; never a value) is stored in ``closure_receipts`` and returned.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from yaksok.access import RIGHTS_PURPOSE, Mandate
from yaksok.errors import Conflict, NotFound, YaksokError
from yaksok.store.sql import from_db, sql, to_db
from yaksok.store.tables import utcnow
from yaksok.vault.erasure import _append_line, _erase, _iso, erasures_path
from yaksok.vault.held import law_text
from yaksok.vault.subjects import lock_member

if TYPE_CHECKING:
    from yaksok.vault.service import Vault

__all__ = ["ClosureReceipt", "DestroyedItem", "HeldItem", "close_account", "stored_receipt"]


@dataclass(frozen=True, slots=True)
class DestroyedItem:
    category: str
    count: int


@dataclass(frozen=True, slots=True)
class HeldItem:
    record_kind: str
    count: int
    first_expiry: str
    last_expiry: str
    period: str
    law: str


@dataclass(frozen=True, slots=True)
class ClosureReceipt:
    member_ref: str
    closed_at: dt.datetime
    destroyed: tuple[DestroyedItem, ...]
    held: tuple[HeldItem, ...]
    method: str = "key deletion (member data key); rows purged after"

    def to_dict(self) -> dict:
        d = asdict(self)
        d["closed_at"] = _iso(self.closed_at)
        d["destroyed"] = [asdict(x) for x in self.destroyed]
        d["held"] = [asdict(x) for x in self.held]
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)


def close_account(v: Vault, member_id: str, *, actor, now: dt.datetime | None = None,
                  ip: str | None = None, request_id: str | None = None,
                  mandate: Mandate | None = None) -> ClosureReceipt:
    """Close the member's account (see the module docstring); ``NotFound`` / ``Conflict``.
    ``mandate``: the member's verified erasure request this closure carries out; the access
    log then names the purpose of answering it (``RIGHTS_PURPOSE``)."""
    v.authorize(actor, "erase_account", member_id=member_id, ip=ip, request_id=request_id,
                mandate=mandate)
    now = (now or utcnow()).astimezone(dt.UTC)
    answering = (mandate is not None and mandate.member_id == member_id
                 and mandate.right == "erasure")
    fields = dict(actor=actor, operation="erase", ip=ip, request_id=request_id,
                  member_id=member_id, purpose=RIGHTS_PURPOSE if answering else None,
                  policy_version=v.rules().version)
    refusal = None
    keys: list[str] = []
    with v.write() as conn:
        row = lock_member(conn, member_id)
        try:
            if row is None or row[0] == "erased":
                raise NotFound("no such member", field="member_id",
                               fix="check the member id; a closed account is gone for good")
            if row[0] != "active":
                raise Conflict(f"the member's account is {row[0]}", field="member_id",
                               fix="only an active account can be closed")
        except YaksokError as exc:
            refusal = exc
            v.append(conn, v.event(outcome="denied", reason=v.reason(exc), **fields))
        else:
            destroyed = tuple(DestroyedItem(c, n) for c, n in conn.exec_driver_sql(sql(conn, (
                "SELECT v.category, COUNT(*) FROM vault_values v JOIN data_keys k "
                "ON k.id = v.key_id WHERE v.member_id = ? AND k.scope = 'member' "
                "GROUP BY v.category ORDER BY v.category")), (member_id,)).fetchall())
            held = []
            for kind, n, first, last in conn.exec_driver_sql(sql(conn, (
                    "SELECT record_kind, COUNT(*), MIN(expires_at), MAX(expires_at) "
                    "FROM held_records WHERE member_ref = ? GROUP BY record_kind "
                    "ORDER BY record_kind")), (member_id,)).fetchall():
                rule = v.policy.retention_rule(kind)
                held.append(HeldItem(kind, n, _iso(from_db(first)), _iso(from_db(last)),
                                     rule.period if rule else "", law_text(rule) if rule else ""))
            receipt = ClosureReceipt(member_id, now, destroyed, tuple(held))
            _, keys = _erase(v, conn, member_id, now)
            conn.exec_driver_sql(sql(conn, "UPDATE members SET closed_at = ? WHERE id = ?"),
                                 (to_db(v.sqlite, now), member_id))
            conn.exec_driver_sql(sql(conn, "INSERT INTO closure_receipts (member_ref, closed_at, "
                                     "receipt) VALUES (?, ?, ?)"),
                                 (member_id, to_db(v.sqlite, now), receipt.to_json()))
            v.append(conn, v.event(outcome="granted", reason="account-closure",
                                   categories=[d.category for d in destroyed], **fields))
            _append_line(erasures_path(v.settings), f"{member_id} {_iso(now)} closure")
    if refusal is not None:
        raise refusal
    for key_id in keys:
        v.keys.forget(key_id)
    return receipt


def stored_receipt(conn, member_id: str) -> dict | None:
    """The receipt of the member's account closure as stored (JSON-ready), or None."""
    text = conn.exec_driver_sql(sql(conn, "SELECT receipt FROM closure_receipts "
                                          "WHERE member_ref = ?"), (member_id,)).scalar()
    return json.loads(text) if text else None
