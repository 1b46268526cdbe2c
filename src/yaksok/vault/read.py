"""Purpose-bound reads and blind-index lookups: the one door personal values go out through.

The checks of ``read``, in order (each refusal its own type, logged with its rule as reason):

1. ``UnknownPurpose``          the purpose is not in the policy (P3.2);
2. ``CategoryNotForPurpose``   the purpose does not list every requested category;
   (``ValidationError`` for an unknown automated decision, or one made for another purpose)
3. ``ActorNotAllowed``         ``yaksok.access.decide`` refuses: the actor does not act for
                               the purpose, a member reads another's data, or processor staff
                               act outside a task covering the purpose and every category
                               (P7.5, P10.1); the rule is the decision's;
4. ``NotFound``                no such member, or erased;
4b. ``Refused`` (rule ``transfer-not-covered`` / ``transfer-mechanism-lapsed``)  processor
                               staff reaching an EU or Swiss member's data from another
                               country without a mechanism in force (P12.1, ``transfer``);
5. ``ProcessingRestricted``    an active restriction covers the purpose (P6.4);
6. ``ObjectedTo``              the member objected to the purpose (P6.6) or decision (P6.7),
                               or refused an automated decision made for this purpose when it
                               is one they may object to (``profiling_decisions``, P6.7);
7. ``NoLawfulBasis``           none of the purpose's bases holds for this member (P3.1):
                               consent not in force, the account not active for the contract,
                               no reference for vital interests, or legitimate interests whose
                               assessment does not cover a member under 18 (``minors``);
8. ``NoLawfulBasis`` (rule ``consent-required``)  an optional category without an effective
                               consent from an item listing it and the purpose;
9. ``NoLawfulBasis`` (rule ``consent-renewal-required``)  a consent-based use added by a newer
                               policy version the member has not consented under yet (P11.1,
                               ``yaksok.vault.renewal``).

Values of a conditional category collected outside the flows that require it (that is, under a
consent) are returned only while a consent item listing the category and purpose is in force.
Everything after step 3 runs in one transaction that also appends the log entry, which is
committed before any value is returned.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from yaksok.access import AccessTables, decide
from yaksok.crypto.envelope import open_value, value_aad
from yaksok.errors import (
    CategoryNotForPurpose,
    Conflict,
    NoLawfulBasis,
    NotFound,
    ObjectedTo,
    ProcessingRestricted,
    UnknownPurpose,
    ValidationError,
    YaksokError,
)
from yaksok.policy.model import shown_key
from yaksok.store.sql import from_db, sql
from yaksok.vault.collect import text_bytes
from yaksok.vault.minors import adult_from, still_minor
from yaksok.vault.renewal import pending_renewal, renewal_refusal
from yaksok.vault.rules import PurposeRule, Rules
from yaksok.vault.transfer import processor_transfer

if TYPE_CHECKING:
    from yaksok.actors import Actor
    from yaksok.vault.service import Vault

__all__ = ["Value", "read", "lookup_all", "check_read", "lawful_basis", "profiling_decisions"]

_STATE = (
    "SELECT m.status, "
    "EXISTS (SELECT 1 FROM processing_restrictions r WHERE r.member_id = m.id "
    "AND r.lifted_at IS NULL AND (r.purpose = ? OR (r.purpose IS NULL AND ? = 1))), "
    "EXISTS (SELECT 1 FROM objections o WHERE o.member_id = m.id AND o.lifted_at IS NULL "
    "AND o.target_kind = 'purpose' AND o.target_key = ?), "
    "EXISTS (SELECT 1 FROM objections o WHERE o.member_id = m.id AND o.lifted_at IS NULL "
    "AND o.target_kind = 'decision' AND o.target_key = ?), {profiling}, "
    # Only a member the age gate found under 18 has a sealed 18th birthday to open (``minors``).
    "m.adult_from_key IS NOT NULL "
    "FROM members m WHERE m.id = ?")
# A refused automated decision made for a purpose the member may object to stops that purpose.
_PROFILING = ("EXISTS (SELECT 1 FROM objections o WHERE o.member_id = m.id AND o.lifted_at IS "
              "NULL AND o.target_kind = 'decision' AND o.target_key IN ({marks}))")
_VALUES = (
    "SELECT v.id, v.category, v.ciphertext, v.channel, v.flow, v.collected_at, v.updated_at, "
    "v.key_id, k.wrapped, k.kek_version, k.scope FROM vault_values v "
    "JOIN data_keys k ON k.id = v.key_id WHERE v.member_id = ? AND v.category {cond} "
    "ORDER BY v.collected_at, v.id")


@lru_cache(maxsize=16)
def _state_sql(profiling: int) -> str:
    marks = ", ".join("?" * profiling)
    return _STATE.format(profiling=_PROFILING.format(marks=marks) if profiling else "0")


def profiling_decisions(rules: Rules, purpose: str) -> tuple[str, ...]:
    """The automated decisions whose refusal stops ``purpose`` for the member: those made for
    it, when it is a purpose the member may object to (marketing, legitimate interests). A
    decision made for another purpose (abuse detection for member management) stops only
    itself: a person may still decide with the same data."""
    p = rules.purposes.get(purpose)
    if p is None or not p.objectable:
        return ()
    return tuple(sorted(k for k, (dp, _) in rules.decisions.items() if dp == purpose))


@lru_cache(maxsize=64)
def _values_sql(n: int, sqlite: bool) -> str:
    cond = "= ?" if n == 1 else f"IN ({', '.join('?' * n)})"
    text = _VALUES.format(cond=cond)
    return text if sqlite else text.replace("?", "%s")


@dataclass(frozen=True, slots=True)
class Value:
    """One decrypted value. Its repr never shows the value."""

    id: str
    category: str
    value: str = field(repr=False)
    channel: str
    flow: str | None
    collected_at: dt.datetime
    updated_at: dt.datetime


def check_read(rules: Rules, categories: tuple[str, ...], purpose: str, actor: Actor,
               task: str | None, decision: str | None, *, access: AccessTables,
               member_id: str | None, operation: str = "read") -> PurposeRule:
    """Steps 1-3: everything that needs no database (step 3 is ``yaksok.access.decide``)."""
    p = rules.purposes.get(purpose)
    if p is None:
        raise UnknownPurpose(
            f"{shown_key(purpose)} is not a purpose of the policy", field="purpose",
            fix="use one of the policy's purposes: " + ", ".join(sorted(rules.purposes))
                + "; a new purpose needs a policy change and the member's consent before any "
                "use (P3.2)")
    outside = [c for c in categories if c not in p.categories]
    if outside:
        raise CategoryNotForPurpose(
            f"the purpose {purpose} does not list {', '.join(shown_key(c) for c in outside)}",
            field="categories", fix=f"request only categories listed for {purpose}")
    if decision is not None:
        d = rules.decisions.get(decision)
        if d is None or d[0] != purpose:
            raise ValidationError(
                f"{shown_key(decision)} is not an automated decision made for {purpose}",
                field="decision", fix="name a decision of the policy's automated_decisions "
                                      "whose purpose is this one")
    d = decide(access, actor, operation, member_id=member_id, categories=categories,
               purpose=purpose, task=task)
    if not d.allowed:
        raise d.refusal()
    return p


def lawful_basis(rules: Rules, p: PurposeRule, categories: tuple[str, ...], status: str,
                 reason: str | None, consents, minor=lambda: False) -> str:
    """The first of the purpose's bases that holds (P3.1); ``NoLawfulBasis`` when none does.
    ``minor()`` says whether the member is under 18 today (asked only when it matters)."""
    why = []
    for basis in p.basis_order:
        if basis == "legitimate_interests":  # objections were checked before
            if p.minors_excluded and minor():
                why.append(f"legitimate_interests: the assessment of {p.key} does not cover "
                           "members under 18, and this member is under 18")
                continue
            return basis
        if basis == "contract":
            if status == "active":
                return basis
            why.append(f"contract: the account is {status}")
        elif basis == "legal_obligation":
            other = [c for c in categories if c not in rules.statutory]
            if not other:
                return basis
            why.append(f"legal_obligation: {', '.join(other)} is not a statutory record")
        elif basis in ("vital_interests", "public_task"):
            if reason:
                return basis
            why.append(f"{basis}: no incident or case reference was given (reason=)")
        elif basis == "consent":
            if p.consents & consents():
                return basis
            why.append("consent: no item in force opens it (items: "
                       f"{', '.join(sorted(p.consents)) or 'none'})")
    raise NoLawfulBasis(f"no lawful basis of {p.key} holds for this member: " + "; ".join(why),
                        field="purpose", fix="processing needs one of the purpose's bases "
                                             "(P3.1); ask for consent or give the reference")



def _categories(categories) -> tuple[str, ...]:
    cats = (categories,) if isinstance(categories, str) else tuple(categories)
    if not cats or not all(isinstance(c, str) for c in cats):
        raise ValidationError("name at least one category, as category keys",
                              field="categories", fix="give category keys like user.contact.email")
    return tuple(sorted(set(cats)))


def read(v: Vault, member_id: str, categories, purpose: str, *, actor: Actor,
         ip: str | None = None, request_id: str | None = None, task: str | None = None,
         decision: str | None = None, reason: str | None = None) -> dict[str, list[Value]]:
    """The member's values of ``categories`` for ``purpose``, if every rule allows it."""
    rules = v.rules()
    cats = _categories(categories)
    log = dict(actor=actor, operation="read", ip=ip, request_id=request_id, task=task,
               member_id=member_id, categories=cats, purpose=purpose,
               policy_version=rules.version)
    try:
        p = check_read(rules, cats, purpose, actor, task, decision, access=v.access(),
                       member_id=member_id)
    except YaksokError as exc:
        v.deny(exc, **{**log, "purpose": shown_key(purpose)[:64]})
    granted = v.event(outcome="granted", reason=reason or None, **log)  # validates ip etc.
    out: dict[str, list[Value]] = {c: [] for c in cats}
    refusal = None
    with v.write() as conn:
        try:
            profiling = profiling_decisions(rules, purpose)
            state = conn.exec_driver_sql(sql(conn, _state_sql(len(profiling))), (
                purpose, 0 if p.legal_storage else 1, purpose if p.objectable else "",
                decision or "", *profiling, member_id)).first()
            if state is None or state[0] == "erased":
                raise NotFound("no such member", field="member_id",
                               fix="check the member id; an erased member is gone for good")
            # P12.1: an EU or Swiss member's data reaching a processor abroad is a transfer.
            processor_transfer(v, conn, actor, member_id)
            if state[1]:
                raise ProcessingRestricted(
                    f"processing of this member's data for {purpose} is restricted",
                    field="purpose", fix="wait until the restriction is lifted (P6.4)")
            if state[2]:
                raise ObjectedTo(f"the member objected to processing for {purpose}",
                                 field="purpose", fix="stop this processing (P6.6)")
            if state[3]:
                raise ObjectedTo(f"the member objected to the automated decision {decision}",
                                 field="decision", fix="decide by a person instead (P6.7)")
            if state[4]:
                raise ObjectedTo(f"the member refused an automated decision made for {purpose}, "
                                 "which stops that purpose for them", field="purpose",
                                 fix="stop this processing for the member (P6.7)")
            consents = _lazy_consents(v, conn, member_id)
            lawful_basis(rules, p, cats, state[0], reason, consents,
                         lambda: bool(state[5]) and still_minor(adult_from(v, conn, member_id)))
            for c in cats:
                if rules.collection[c] == "optional" and not (
                        rules.consents_for_use.get((c, purpose), frozenset()) & consents()):
                    items = ", ".join(sorted(rules.consents_for_use.get((c, purpose), ())))
                    raise NoLawfulBasis(
                        f"{c} is optional: using it for {purpose} needs the member's consent "
                        f"to {items or '(no item covers this use)'}", field="categories",
                        rule="consent-required", fix="ask for that consent, or leave it out")
            # P11.1: a consent-based use the policy added waits for consent under the new text.
            if pending_renewal(conn, member_id, purpose, cats, consent_items=p.consents):
                raise renewal_refusal(purpose)
            rows = conn.exec_driver_sql(_values_sql(len(cats), v.sqlite),
                                        (member_id, *cats)).fetchall()
            for (vid, cat, ct, channel, flow, collected, updated, key_id, wrapped, kek_version,
                 scope) in rows:
                if wrapped is None:  # a destroyed hold key: its rows await the purge
                    continue
                if rules.collection[cat] == "conditional" and flow not in rules.required_in[
                        cat] and not (rules.consents_for_use.get((cat, purpose), frozenset())
                                      & consents()):
                    continue  # collected under a consent that does not cover this use now
                aead = v.keys.aead(v.keyring, key_id, member_id, scope, wrapped, kek_version)
                plain = open_value(aead, value_aad(member_id, cat, vid, key_id), ct)
                out[cat].append(Value(vid, cat, plain.decode("utf-8"), channel, flow,
                                      from_db(collected), from_db(updated)))
        except YaksokError as exc:
            refusal = exc
            v.append(conn, v.event(outcome="denied", reason=v.reason(exc), **log))
        else:
            v.append(conn, granted)
    if refusal is not None:
        raise refusal
    return out


def _lazy_consents(v: Vault, conn, member_id: str):
    cache: list[frozenset[str]] = []

    def consents() -> frozenset[str]:
        if not cache:
            cache.append(v.effective_raw(conn, member_id))
        return cache[0]
    return consents


_LOOKUP = ("SELECT DISTINCT v.member_id FROM vault_values v JOIN members m ON m.id = v.member_id "
           "WHERE v.category = ? AND v.blind {cond} AND m.status <> 'erased'")


def lookup_all(v: Vault, category: str, value: str, *, actor: Actor,
               purpose: str = "member_management", ip: str | None = None,
               request_id: str | None = None, task: str | None = None) -> list[str]:
    """The ids of the (not erased) members holding ``value`` in ``category``, via blind index.

    A lookup reveals membership, so it is an access: the actor must be allowed ``purpose``,
    which must list the category, and it is logged as a ``read`` (one entry per member found,
    or one with no subject when none is). Processor staff name their ``task``, which must
    cover the category (P10.1).
    """
    rules = v.rules()
    log = dict(actor=actor, operation="read", ip=ip, request_id=request_id,
               categories=(category,) if shown_key(category) == category else (),
               purpose=shown_key(purpose)[:64], policy_version=rules.version,
               task=shown_key(task)[:64] if task is not None else None)
    try:
        if category not in rules.lookup:
            raise ValidationError(
                f"{shown_key(category)} has no blind index (lookup: exact)", field="category",
                fix="look up only: " + ", ".join(sorted(rules.lookup)))
        check_read(rules, (category,), purpose, actor, task, None, access=v.access(),
                   member_id=None, operation="lookup")
        text_bytes(value)
    except YaksokError as exc:
        v.deny(exc, member_id=None, **log)
    blinds = v.blind.all_versions(category, value)
    cond = "= ?" if len(blinds) == 1 else f"IN ({', '.join('?' * len(blinds))})"
    with v.write() as conn:
        found = [r[0] for r in conn.exec_driver_sql(sql(conn, _LOOKUP.format(cond=cond)),
                                                    (category, *blinds))]
        v.append_many(conn, [v.event(outcome="granted", member_id=m, **log)
                             for m in (found or [None])])
    return sorted(found)


def lookup(v: Vault, category: str, value: str, **kwargs) -> str | None:
    """The one member holding ``value`` (None if none); ``Conflict`` if several do."""
    found = lookup_all(v, category, value, **kwargs)
    if len(found) > 1:
        raise Conflict(f"{len(found)} members hold this {category}", field="value",
                       fix="use lookup_all, or make the value unique at sign-up")
    return found[0] if found else None
