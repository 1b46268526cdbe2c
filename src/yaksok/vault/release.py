"""Releasing a member's data to someone outside the controller, within an approved scope.

A disclosure to an authority (P4.1) or a provision to a named third party (P9.1) is not a read
for one of the policy's purposes: PIPA 17-18 and GDPR 6(1)(c) make it an exception of its own,
resting on a record (a statute, an investigation's request, a recipient the policy names). So
it has its own door, and its own access-log operation (``disclose``). The register above the
vault (``yaksok.disclosures``) builds a ``Release`` from an approved record; this module
refuses anything outside it and logs every grant and refusal, in order:

1. ``yaksok.access.decide`` for the operation (``disclose`` or ``provide``) on the member;
2. the member is one the release names (rule ``outside-disclosure-scope``, field member_id);
3. every category is one it names (same rule, field categories);
4. the period asked for lies within its period (same rule, field period);
5. the member exists and is not erased (``NotFound``).

A restriction or objection of the member does not stop a release: PIPA 37(2)1 and GDPR 18(2)
let a statute's requirement override them, and the register has already checked the ground.
Values are chosen by the time they were collected (the period), decrypted here, and the entry
commits before they are returned, together with whatever the caller records of the release
(``on_granted``: a provision's row, a production's counter), in the same transaction. When the
release defers telling the member (a statute lets the authority ask for it), its entries — refusals too, which would tell as much — are withheld
from the member's history until the deferral ends (``yaksok.auditlog.withheld``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from yaksok.auditlog.log import append_many
from yaksok.auditlog.withheld import Withholding, withhold
from yaksok.crypto.envelope import open_value, value_aad
from yaksok.errors import NotFound, Refused, ValidationError, YaksokError
from yaksok.store.sql import from_db, sql
from yaksok.vault.read import Value, _values_sql
from yaksok.vault.transfer import check_transfer

if TYPE_CHECKING:
    from yaksok.actors import Actor
    from yaksok.vault.service import Vault

__all__ = ["Release", "release"]

SCOPE_RULE = "outside-disclosure-scope"


@dataclass(frozen=True, slots=True)
class Release:
    """An approved scope of data that may leave: whose, which categories, collected when."""

    #: What it rests on, as the access log's reason: ``disclosure:<id>`` or ``provision:<id>``.
    ref: str
    operation: str  # ``disclose`` (an authority) or ``provide`` (a third party)
    members: frozenset[str]
    categories: frozenset[str]
    purpose: str | None = None
    period_from: dt.datetime | None = None
    period_until: dt.datetime | None = None
    withholding: Withholding | None = None
    #: Who receives it and in which country (ISO alpha-2): when the country is given, an EU or
    #: Swiss member's data leaves only under a transfer mechanism in force (P12.1,
    #: ``yaksok.vault.transfer``); None: the recipient is in the controller's own country.
    recipient: str | None = None
    country: str | None = None


def _outside(message: str, field: str, fix: str) -> Refused:
    return Refused(message, rule=SCOPE_RULE, field=field, fix=fix)


def _check_scope(r: Release, member_id: str, cats: tuple[str, ...],
                 since: dt.datetime | None, until: dt.datetime | None) -> None:
    if member_id not in r.members:
        raise _outside("the member is not in the approved scope", "member_id",
                       "produce only for the members the approval names; record a new "
                       "disclosure for others")
    extra = [c for c in cats if c not in r.categories]
    if extra:
        raise _outside(f"{', '.join(sorted(extra))} is not in the approved scope", "categories",
                       "produce only the categories the approval names")
    if (r.period_from is not None and (since is None or since < r.period_from)) or (
            r.period_until is not None and (until is None or until > r.period_until)):
        raise _outside("the period asked for is outside the approved period", "period",
                       "ask for a period within the approved one, or leave it out")


def release(v: Vault, r: Release, member_id: str, categories, *, actor: Actor,
            since: dt.datetime | None = None, until: dt.datetime | None = None,
            ip: str | None = None, request_id: str | None = None,
            on_granted: Callable[[object], None] | None = None) -> dict[str, list[Value]]:
    """{category: [Value, ...]} of ``member_id`` within ``r``, or a logged refusal.

    ``on_granted(conn)`` runs in the release's own transaction, after the values are decrypted
    and before the granted entry commits with it: the register's own record of the release (a
    provision's row, a production's counter) is written with its access-log entry or not at
    all (an exception there rolls both back)."""
    cats = (categories,) if isinstance(categories, str) else tuple(categories)
    if not cats or not all(isinstance(c, str) for c in cats):
        raise ValidationError("name at least one category, as category keys",
                              field="categories", fix="give category keys like user.contact.email")
    cats = tuple(sorted(set(cats)))
    since = r.period_from if since is None else since
    until = r.period_until if until is None else until
    if since is not None and until is not None and since >= until:
        raise ValidationError("the period ends before it starts", field="period",
                              fix="give a start before the end")
    log = dict(actor=actor, operation="disclose", ip=ip, request_id=request_id,
               member_id=member_id, categories=cats, purpose=r.purpose,
               policy_version=v.access().version)
    try:
        d = v.decide(actor, r.operation, member_id=member_id, categories=cats)
        if not d.allowed:
            raise d.refusal()
        _check_scope(r, member_id, cats, since, until)
    except Refused as exc:
        _deny(v, r, exc, log)
    granted = v.event(outcome="granted", reason=r.ref, **log)
    out: dict[str, list[Value]] = {c: [] for c in cats}
    refusal: YaksokError | None = None
    with v.core_write() as conn:
        try:
            status = conn.exec_driver_sql(sql(conn, "SELECT status FROM members WHERE id = ?"),
                                          (member_id,)).scalar()
            if status is None or status == "erased":
                raise NotFound("no such member", field="member_id",
                               fix="check the member id; an erased member is gone for good")
            if r.country is not None:
                check_transfer(v, conn, member_id, recipient=r.recipient or r.ref,
                               country=r.country)
            rows = conn.exec_driver_sql(_values_sql(len(cats), v.sqlite),
                                        (member_id, *cats)).fetchall()
            for (vid, cat, ct, channel, flow, collected, updated, key_id, wrapped, kek_version,
                 scope) in rows:
                at = from_db(collected)
                if wrapped is None or (since is not None and at < since) or (
                        until is not None and at >= until):
                    continue
                aead = v.keys.aead(v.keyring, key_id, member_id, scope, wrapped, kek_version)
                plain = open_value(aead, value_aad(member_id, cat, vid, key_id), ct)
                out[cat].append(Value(vid, cat, plain.decode("utf-8"), channel, flow, at,
                                      from_db(updated)))
        except YaksokError as exc:
            refusal = exc
            _append(conn, r, member_id, v.event(outcome="denied", reason=v.reason(exc), **log))
        else:
            if on_granted is not None:
                on_granted(conn)
            _append(conn, r, member_id, granted)
    if refusal is not None:
        raise refusal
    return out


def _append(conn, r: Release, member_id: str, event) -> None:
    seqs = append_many(conn, [event])
    if r.withholding is not None:
        withhold(conn, member_id, seqs, r.withholding)


def _deny(v: Vault, r: Release, exc: YaksokError, log: dict) -> None:
    """Log a refusal in its own transaction (withheld like the grant would be), then raise."""
    from yaksok.vault.service import loggable_ref

    member = loggable_ref(log["member_id"])
    event = v.event(outcome="denied", reason=v.reason(exc), **{**log, "member_id": member})
    with v.core_write() as conn:
        if member is not None:
            # Withheld even for a member outside the scope: that an authority asked about them
            # tells as much as the disclosure would.
            _append(conn, r, member, event)
        else:
            append_many(conn, [event])
    raise exc
