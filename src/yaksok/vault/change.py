"""Rectification and deletion of single values (P6.2, P12.3): the old value is not kept.

``rectify`` re-encrypts the new value into the same row (same value id, fresh nonce) with one
UPDATE: there is no history table and no soft delete, and the blind index follows the new value.
On SQLite (``secure_delete`` on) the old cell is zeroed in its page, and a ``TRUNCATE`` checkpoint
afterwards moves the page into the database file and empties the WAL, so the old ciphertext is
gone from both files. On PostgreSQL the old tuple is dead until VACUUM reuses its space; it stays
encrypted under the member's key and disappears with it at erasure (docs/vault.md).

Who may change a value is decided by ``yaksok.access`` (docs/access.md): ``rectify`` — the
member their own values (not automatic ones), an actor acting for a purpose that lists the
category (processor staff through a task), or the privacy officer carrying out a verified
rectification request (``mandate``); ``delete_values`` (``erase_values``) — the member, an app
key acting for members and the officer, within the categories their purposes list, or anything
under a verified erasure request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from yaksok.crypto.envelope import seal_value, value_aad
from yaksok.errors import (
    NotFound,
    UndeclaredChannel,
    ValidationError,
    YaksokError,
)
from yaksok.policy.model import shown_key
from yaksok.store.sql import sql, to_db
from yaksok.store.tables import utcnow
from yaksok.vault.collect import (
    NewValue,
    check_age,
    check_kind,
    hold_off_index_retirement,
    text_bytes,
)
from yaksok.vault.subjects import lock_member

if TYPE_CHECKING:
    from yaksok.access import Mandate
    from yaksok.actors import Actor
    from yaksok.vault.service import Vault

__all__ = ["rectify", "delete_values"]

_FIND = ("SELECT v.id, v.category, v.flow, v.key_id, k.wrapped, k.kek_version, k.scope "
         "FROM vault_values v JOIN data_keys k ON k.id = v.key_id WHERE v.member_id = ? AND ")
_UPDATE = ("UPDATE vault_values SET ciphertext = ?, blind = ?, blind_version = ?, channel = ?, "
           "updated_at = ? WHERE id = ? AND member_id = ?")


def _member(v: Vault, conn, member_id: str):
    row = lock_member(conn, member_id)
    if row is None or row[0] == "erased":
        raise NotFound("no such member", field="member_id", fix="check the member id")
    return row


def rectify(v: Vault, member_id: str, target: str, new_value: str, *, actor: Actor,
            channel: str, ip: str | None = None, request_id: str | None = None,
            task: str | None = None, mandate: Mandate | None = None) -> str:
    """Replace one value: ``target`` is a value id, or a single-valued category."""
    rules = v.rules()
    by_category = target in rules.categories
    cat_hint = target if by_category else None
    log = dict(actor=actor, operation="update", ip=ip, request_id=request_id,
               member_id=member_id, policy_version=rules.version, purpose=None,
               task=task if task is None else shown_key(task)[:64])
    try:
        if cat_hint is not None:  # the category is known before anything is read
            d = v.decide(actor, "rectify", member_id=member_id, categories=(cat_hint,),
                         task=task, mandate=mandate)
            if not d.allowed:
                raise d.refusal()
        if channel not in rules.channels:
            raise UndeclaredChannel(f"{shown_key(channel)} is not a channel of the policy",
                                    field="channel",
                                    fix="use one of: " + ", ".join(sorted(rules.channels)))
        if cat_hint in rules.one_way:
            raise ValidationError(f"{cat_hint} is one-way; change it through the members layer",
                                  field="category")
        data = text_bytes(new_value)
    except YaksokError as exc:
        v.deny(exc, categories=(cat_hint,) if cat_hint else (), **log)
    refusal = None
    category = cat_hint
    with v.write() as conn:
        try:
            row = _member(v, conn, member_id)
            where = "v.category = ?" if by_category else "v.id = ?"
            found = conn.exec_driver_sql(sql(conn, _FIND + where),
                                         (member_id, target)).fetchall()
            if not found:
                raise NotFound("the member has no such value", field="target",
                               fix="collect it first, or name an existing value id")
            if len(found) > 1:
                raise ValidationError(f"{target} holds several values", field="target",
                                      fix="name the value id to change")
            value_id, category, flow, key_id, wrapped, kek_version, scope = found[0]
            d = v.decide(actor, "rectify", member_id=member_id, categories=(category,),
                         task=task, mandate=mandate)
            if not d.allowed:
                raise d.refusal()
            log["purpose"] = d.purpose
            check_kind(rules, category, flow, lambda: v.effective_raw(conn, member_id))
            minimum = check_age(rules, NewValue(member_id, category, new_value, channel, flow),
                                row[1], utcnow().date())
            aead = v.keys.aead(v.keyring, key_id, member_id, scope, wrapped, kek_version)
            now = to_db(v.sqlite, utcnow())
            index = None
            if category in rules.lookup:
                hold_off_index_retirement(conn)
                index = v.blind.active_version()
            blind = v.blind.compute(category, new_value, index) if index is not None else None
            ct = seal_value(aead, value_aad(member_id, category, value_id, key_id), data)
            conn.exec_driver_sql(sql(conn, _UPDATE),
                                 (ct, blind, index, channel, now, value_id, member_id))
            if minimum is not None:
                conn.exec_driver_sql(sql(conn, "UPDATE members SET age_verified_min = ?, "
                                               "age_checked_at = ? WHERE id = ?"),
                                     (minimum, now, member_id))
        except YaksokError as exc:
            refusal = exc
            v.append(conn, v.event(outcome="denied", reason=v.reason(exc),
                                   categories=(category,) if category else (), **log))
        else:
            v.append(conn, v.event(outcome="granted", categories=(category,), **log))
    if refusal is not None:
        raise refusal
    v.checkpoint()
    return value_id


def delete_values(v: Vault, member_id: str, *, actor: Actor, categories=None, value_ids=None,
                  ip: str | None = None, request_id: str | None = None,
                  mandate: Mandate | None = None) -> int:
    """Delete values (by category and/or id) of a member; logged as ``erase``. Returns count."""
    rules = v.rules()
    cats = tuple(sorted({categories} if isinstance(categories, str) else set(categories or ())))
    ids = tuple(value_ids or ())
    if not cats and not ids:
        raise ValidationError("name categories or value ids to delete", field="categories")
    decided = None
    if cats:  # decided on what is asked for, before anything is read
        decided = v.authorize(actor, "erase_values", member_id=member_id, categories=cats,
                              mandate=mandate, ip=ip, request_id=request_id)
    # Under a rights request the erasure is done for the duty of answering it (its purpose).
    log = dict(actor=actor, operation="erase", ip=ip, request_id=request_id,
               member_id=member_id, policy_version=rules.version,
               purpose=decided.purpose if decided is not None and mandate is not None else None)
    refusal = None
    with v.write() as conn:
        try:
            _member(v, conn, member_id)
            conds, params = [], [member_id]
            if cats:
                conds.append(f"category IN ({', '.join('?' * len(cats))})")
                params += cats
            if ids:
                conds.append(f"id IN ({', '.join('?' * len(ids))})")
                params += ids
            where = " AND ".join(conds)
            # ``where`` holds only column names and ? markers; the values are parameters.
            select = "SELECT id, category FROM vault_values WHERE member_id = ? AND " + where  # noqa: S608
            delete = "DELETE FROM vault_values WHERE member_id = ? AND " + where  # noqa: S608
            rows = conn.exec_driver_sql(sql(conn, select), tuple(params)).fetchall()
            touched = tuple(sorted({r[1] for r in rows}))
            if touched and set(touched) - set(cats):  # values named by id
                d = v.decide(actor, "erase_values", member_id=member_id, categories=touched,
                             mandate=mandate)
                if not d.allowed:
                    raise d.refusal()
            n = conn.exec_driver_sql(sql(conn, delete), tuple(params)).rowcount
        except YaksokError as exc:
            refusal = exc
            v.append(conn, v.event(outcome="denied", reason=v.reason(exc),
                                   categories=tuple(c for c in cats if c in rules.categories),
                                   **log))
        else:
            v.append(conn, v.event(outcome="granted", categories=touched, **log))
    if refusal is not None:
        raise refusal
    v.checkpoint()
    return n
