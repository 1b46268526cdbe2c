"""Collection: the one door a personal value comes in through, and the checks at that door.

``collect_batch`` does the work for ``Vault.collect`` and ``Vault.collect_many``. The checks, in
order, each its own error type (docs/vault.md):

0. (after the declared category and channel of step 1-2) the actor: ``yaksok.access.decide``
   per member — a purpose listing each category that the actor acts for (a member: their own
   data, not automatic categories; processor staff: through their task), ``ActorNotAllowed``
   with the rule (docs/access.md);
1. the category is declared (``UndeclaredCategory``); the password is never a vault value
   (``ValidationError``: it is one-way, kept by the members layer as an argon2id hash);
2. the channel is one of the policy's and one the category is collected through
   (``UndeclaredChannel``, P1.13); a named flow is declared (``ValidationError``);
3. the member exists and is active (``NotFound`` / ``Conflict``);
4. the category's collection kind: required and automatic pass; optional needs an effective
   consent from an item listing it (``ConsentRequired``, P1.9-P1.12); conditional passes in a
   flow that requires it, elsewhere needs such a consent (``OutsideFlow``, P1.3, P1.10);
5. a date of birth showing the member under the jurisdiction's minimum age is refused and
   nothing is stored (``UnderMinimumAge``, P8.1);
6. a single-valued category the member already has is a ``Conflict`` (change it with rectify).

A batch is all or nothing. Grants are logged in the insert's transaction; a refusal writes its
denial (reason: the rule) in a transaction of its own, and nothing else.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from yaksok.crypto.envelope import FORMAT, new_id, value_aad_parts, wrap_data_key
from yaksok.errors import (
    Conflict,
    ConsentRequired,
    NotFound,
    OutsideFlow,
    UndeclaredCategory,
    UndeclaredChannel,
    UnderMinimumAge,
    ValidationError,
    YaksokError,
)
from yaksok.policy.model import shown_key
from yaksok.store.idempotency import Claim
from yaksok.store.sql import sql, to_db
from yaksok.store.tables import utcnow
from yaksok.vault.keys import MEMBER_SCOPE
from yaksok.vault.rules import DOB_CATEGORY, SINGLE_VALUED, Rules
from yaksok.vault.subjects import lock_member

if TYPE_CHECKING:
    from yaksok.access import Decision
    from yaksok.actors import Actor
    from yaksok.vault.service import Vault

__all__ = ["NewValue", "collect_batch", "check_item", "check_kind", "check_age",
           "member_key", "text_bytes"]

_FMT = bytes([FORMAT])
_INSERT = ("INSERT INTO vault_values (id, member_id, category, key_id, ciphertext, blind, "
           "blind_version, channel, flow, collected_at, updated_at) "
           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_KEY_ROW = "SELECT id, wrapped, kek_version FROM data_keys WHERE member_id = ? AND scope = ?"
_NEW_KEY = ("INSERT INTO data_keys (id, member_id, scope, wrapped, kek_version, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (member_id, scope) DO NOTHING")
_AGE = ("UPDATE members SET age_verified_min = ?, age_checked_at = ? WHERE id = ? "
        "AND (age_verified_min IS NULL OR age_verified_min < ?)")


@dataclass(frozen=True, slots=True)
class NewValue:
    """One value to collect. Its repr never shows the value."""

    member_id: str
    category: str
    value: str = field(repr=False)
    channel: str
    flow: str | None = None


def text_bytes(value, field_name: str = "value") -> bytes:
    """``value`` as UTF-8; a ``ValidationError`` that never quotes it otherwise."""
    data = None
    if isinstance(value, str) and value:
        try:
            data = value.encode("utf-8")
        except UnicodeEncodeError:
            data = None
    if data is None:  # raised outside the except block: no chained exception holds the value
        raise ValidationError("must be non-empty, valid Unicode text", field=field_name,
                              fix="give the value as text (normalised by the caller)")
    return data


def check_item(rules: Rules, item: NewValue) -> None:
    """The checks that need no database: category, password, channel, flow, value shape."""
    cat = item.category
    if cat not in rules.categories:
        raise UndeclaredCategory(
            f"the policy declares no category {shown_key(cat)}", field="category",
            fix="collect only categories the policy declares, or declare it and publish")
    if cat in rules.one_way:
        raise ValidationError(
            f"{cat} is stored one-way (a password hash), never in the vault", field="category",
            fix="set it through the members layer, which keeps only its argon2id hash")
    if item.channel not in rules.channels:
        raise UndeclaredChannel(
            f"{shown_key(item.channel)} is not a collection channel of the policy",
            field="channel", fix="use one of: " + ", ".join(sorted(rules.channels)))
    allowed = rules.category_channels[cat]
    if item.channel not in allowed:
        raise UndeclaredChannel(
            f"{cat} is not collected through {item.channel} under the policy", field="channel",
            fix="use one of: " + ", ".join(sorted(allowed)))
    if item.flow is not None and item.flow not in rules.flows:
        raise ValidationError(f"the policy declares no flow {shown_key(item.flow)}",
                              field="flow", fix="use one of: " + ", ".join(sorted(rules.flows)))
    text_bytes(item.value)


def check_kind(rules: Rules, category: str, flow: str | None, consents) -> None:
    """The collection kind's rule; ``consents()`` returns the member's effective items."""
    kind = rules.collection[category]
    if kind in ("required", "automatic"):
        return
    flows = rules.required_in.get(category, frozenset())
    if kind == "conditional" and flow in flows:
        return
    items = rules.consents_for_category.get(category, ())
    if set(items) & consents():
        return
    covering = ", ".join(items) or "(none: declare a consent item that lists it)"
    if kind == "optional":
        raise ConsentRequired(
            f"{category} is optional: collecting it needs the member's consent to {covering}",
            field="category",
            fix="ask for that consent first; refusing it must not restrict the service (P1.9)")
    raise OutsideFlow(
        f"{category} is required only in the flow(s) {', '.join(sorted(flows))}; outside "
        f"them it needs the member's consent to {covering}", field="flow",
        fix=f"give flow as {sorted(flows)[0]} when collecting it for that flow, or ask for the "
            "consent" if flows else "ask for the consent")


def _parse_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


def check_age(rules: Rules, item: NewValue, jurisdiction: str, today: dt.date) -> int | None:
    """For a date of birth: refuse under the minimum age; returns the minimum it satisfies."""
    if item.category != DOB_CATEGORY:
        return None
    born = _parse_date(item.value)
    if born is None or born > today:
        raise ValidationError("a date of birth is written YYYY-MM-DD and is not in the future",
                              field="value", fix="give the date as YYYY-MM-DD")
    # An unknown jurisdiction gets the strictest minimum of the policy.
    minimum = rules.minimum_age.get(jurisdiction, max(rules.minimum_age.values(), default=0))
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if age < minimum:
        raise UnderMinimumAge(
            f"the date of birth shows the member is under {minimum}, the minimum age in "
            f"{jurisdiction}; nothing was stored", field="value",
            fix="do not collect data from this member (P8.1); "
                "a legal representative's consent process is outside the vault")
    return minimum


def member_key(v: Vault, conn, member_id: str, now: dt.datetime, *, scope: str = MEMBER_SCOPE,
               create: bool = True):
    """(key id, AESGCM) of the member's data key of ``scope``, created on first use."""
    row = conn.exec_driver_sql(sql(conn, _KEY_ROW), (member_id, scope)).first()
    if row is None and create:
        key_id = new_id("dk_")
        data_key = os.urandom(32)
        version, wrapped = wrap_data_key(v.keyring, key_id, member_id, scope, data_key)
        conn.exec_driver_sql(sql(conn, _NEW_KEY), (key_id, member_id, scope, wrapped, version,
                                                   to_db(v.sqlite, now)))
        row = conn.exec_driver_sql(sql(conn, _KEY_ROW), (member_id, scope)).first()
    if row is None or row[1] is None:
        raise NotFound("the member has no usable data key (erased)", field="member_id",
                       fix="an erased member's data cannot be collected or read")
    return row[0], v.keys.aead(v.keyring, row[0], member_id, scope, row[1], row[2])


def _existing_single(conn, member_id: str, cats: list[str]) -> set[str]:
    marks = ", ".join("?" * len(cats))
    rows = conn.exec_driver_sql(
        sql(conn, f"SELECT DISTINCT category FROM vault_values WHERE member_id = ? "  # noqa: S608
                  f"AND category IN ({marks})"), (member_id, *cats))
    return {r[0] for r in rows}


def _authorize(v: Vault, by_member: dict[str, list[NewValue]], actor: Actor,
               purpose: str | None, task: str | None, ip, request_id) -> dict[str, Decision]:
    """``yaksok.access`` decides each member's categories (a member collects only their own);
    the first refusal is logged and raised."""
    decided: dict[tuple, Decision] = {}
    out: dict[str, Decision] = {}
    for member_id, its in by_member.items():
        cats = tuple(sorted({i.category for i in its}))
        key = (member_id if actor.kind == "member" else None, cats)
        d = decided.get(key)
        if d is None:
            d = decided[key] = v.authorize(actor, "collect", member_id=member_id,
                                           categories=cats, purpose=purpose, task=task, ip=ip,
                                           request_id=request_id)
        out[member_id] = d
    return out


def hold_off_index_retirement(conn) -> None:
    """Before reading the active index version in a write: on PostgreSQL take the lock an
    insert would take anyway, now, so an index retirement (which locks ``vault_values`` against
    writers) either waits for this write and counts its blind, or finishes first and this write
    reads the new version (SQLite's write lock already orders them)."""
    if conn.dialect.name != "sqlite":
        conn.exec_driver_sql("LOCK TABLE vault_values IN ROW EXCLUSIVE MODE")


def collect_batch(v: Vault, items: list[NewValue], *, actor: Actor, ip: str | None = None,
                  request_id: str | None = None, purpose: str | None = None,
                  task: str | None = None, idempotency: Claim | None = None) -> list[str]:
    """Collect ``items`` (one or many members) in one transaction; returns the value ids.

    ``purpose`` (optional) names the purpose the values are collected for, ``task`` the
    processor task of processor staff; ``yaksok.access`` decides, per member, that the actor
    acts for a purpose listing each category (docs/access.md). Each member's grant is logged
    once per purpose it rests on. ``idempotency``: the client's key, whose answer (the value
    ids) commits with the values."""
    if not items:
        return []
    rules = v.rules()
    now = utcnow()
    log = dict(actor=actor, operation="collect", ip=ip, request_id=request_id,
               policy_version=rules.version)
    for item in items:
        try:
            check_item(rules, item)
        except YaksokError as exc:
            v.deny(exc, member_id=item.member_id, categories=(item.category,),
                   purpose=shown_key(purpose) if purpose else None, **log)
    by_member: dict[str, list[NewValue]] = {}
    for item in items:
        by_member.setdefault(item.member_id, []).append(item)
    decisions = _authorize(v, by_member, actor, purpose, task, ip, request_id)
    refusal: tuple[YaksokError, NewValue] | None = None
    ids: list[str] = []
    with v.write() as conn:
        verified: dict[str, int] = {}
        for member_id, its in by_member.items():
            current = None
            try:
                row = lock_member(conn, member_id)
                if row is None or row[0] == "erased":
                    current = its[0]
                    raise NotFound("no such member", field="member_id",
                                   fix="check the member id; an erased member is gone")
                if row[0] != "active":
                    current = its[0]
                    raise Conflict(f"the member's account is {row[0]}", field="member_id",
                                   fix="only an active member's data is collected")
                cache: list[frozenset[str]] = []

                def consents(member_id=member_id, cache=cache) -> frozenset[str]:
                    if not cache:
                        cache.append(v.effective_raw(conn, member_id))
                    return cache[0]

                single: list[str] = []
                for item in its:
                    current = item
                    check_kind(rules, item.category, item.flow, consents)
                    minimum = check_age(rules, item, row[1], now.date())
                    if minimum is not None:
                        verified[member_id] = minimum
                    if item.category in SINGLE_VALUED:
                        if item.category in single:
                            raise Conflict(f"{item.category} holds one value per member; the "
                                           "batch has two", field="category",
                                           fix="send one value of it")
                        single.append(item.category)
                current = None
                if single:
                    taken = _existing_single(conn, member_id, single)
                    if taken:
                        current = next(i for i in its if i.category in taken)
                        raise Conflict(
                            f"the member already has a {current.category} value, and it holds "
                            "one value per member", field="category",
                            fix="change it with rectify (the old value is destroyed)")
            except YaksokError as exc:
                item = current or its[0]
                refusal = (exc, item)
                v.append(conn, v.event(outcome="denied", reason=v.reason(exc),
                                       member_id=member_id, categories=(item.category,),
                                       purpose=purpose, task=task, **log))
                break
        if refusal is None:
            rows = []
            at = to_db(v.sqlite, now)
            lookup = rules.lookup
            index_version = None
            if any(i.category in lookup for i in items):
                hold_off_index_retirement(conn)
                index_version = v.blind.active_version()
            for member_id, its in by_member.items():
                key_id, aead = member_key(v, conn, member_id, now)
                encrypt = aead.encrypt
                # value_aad(), unrolled: this loop is the batched collection's hot path.
                head, tail = value_aad_parts(member_id, key_id)
                for item in its:
                    rnd = os.urandom(24)
                    value_id = "v_" + rnd[:12].hex()
                    nonce = rnd[12:]
                    aad = b"".join((head, item.category.encode(), b"|", value_id.encode(), tail))
                    ct = _FMT + nonce + encrypt(nonce, item.value.encode("utf-8"), aad)
                    blind = (v.blind.compute(item.category, item.value, index_version)
                             if item.category in lookup else None)
                    rows.append((value_id, member_id, item.category, key_id, ct, blind,
                                 index_version if blind is not None else None,
                                 item.channel, item.flow, at, at))
                    ids.append(value_id)
            conn.exec_driver_sql(sql(conn, _INSERT), rows if len(rows) > 1 else rows[0])
            for member_id, minimum in verified.items():
                conn.exec_driver_sql(sql(conn, _AGE), (minimum, to_db(v.sqlite, now), member_id,
                                                       minimum))
            v.append_many(conn, [
                v.event(outcome="granted", member_id=member_id, categories=cats, purpose=p,
                        task=decisions[member_id].task, **log)
                for member_id in by_member for p, cats in decisions[member_id].uses])
            if idempotency is not None:
                only = next(iter(by_member)) if len(by_member) == 1 else None
                idempotency.record(conn, {"value_ids": ids}, member_id=only)
    if refusal is not None:
        raise refusal[0]
    return ids
