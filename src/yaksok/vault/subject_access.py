"""The vault's door for a data-subject access request: every value of one member, at once.

``read`` serves a purpose and checks it category by category; a member asking for their own
data (PIPA 35, GDPR art. 15, CCPA 1798.110) is owed all of it, whatever purpose it serves, so
this door has its own rules instead:

- the actor answers the member's request (``yaksok.access``, operation ``subject_access``): the
  member themselves, staff whose role has the capability ``rights.decide`` (the privacy
  officer), an app backend serving the member's account menu (it may act for
  ``member_management``), or a duty of yaksok's defined with ``rights.decide``; processor staff
  never (their tasks do not include answering rights requests, P10.1);
- restrictions, objections and consents do not filter it: they limit *use* by the controller,
  not the member's right to see what is held;
- the whole read is ONE access-log entry (operation ``read``, purpose ``RIGHTS_PURPOSE``: the
  legal duty of answering the request; reason ``rights:<request_id>``, the categories read),
  committed before any value is returned;
- it is fast: one query over the member's rows, one unwrap of the member key (the ``KeyCache``),
  one AES-GCM open per value.

Held records (``held_records``, statutory holds) are *not* decrypted here: they are sealed under
hold keys shared by every member of a record kind and month, and readable only for
``legal_compliance`` by the privacy officer (``held``). ``held_summary`` lists
them by kind with their count and expiry, which is what the member needs to know (that they
exist, why, and until when); their content is given on a separate request to the officer.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from operator import itemgetter
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidTag

from yaksok.access import RIGHTS_PURPOSE
from yaksok.actors import Actor
from yaksok.crypto.envelope import FORMAT, open_value, value_aad_parts
from yaksok.errors import NotFound, ValidationError, YaksokError
from yaksok.store.sql import from_db, sql, storage_errors, to_db
from yaksok.store.tables import utcnow
from yaksok.vault.read import Value

if TYPE_CHECKING:
    from yaksok.vault.service import Vault

__all__ = ["HeldSummary", "SubjectRow", "check_request_id", "subject_rows", "subject_values",
           "held_summary"]

_REQUEST_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")

# No ORDER BY and no join: SQLite would sort 100,000 rows, blobs and all, in a temporary
# B-tree (seconds) and look the key up per row; Python sorts the tuples in milliseconds, and
# the member's keys (usually one) are fetched once.
_VALUES = ("SELECT id, category, ciphertext, channel, flow, collected_at, updated_at, key_id "
           "FROM vault_values WHERE member_id = ?")
_KEYS = "SELECT id, wrapped, kek_version, scope FROM data_keys WHERE id IN ({marks})"
_HELD = ("SELECT record_kind, COUNT(*), MIN(expires_at), MAX(expires_at) FROM held_records "
         "WHERE member_ref = ? AND expires_at > ? GROUP BY record_kind ORDER BY record_kind")


@dataclass(frozen=True, slots=True)
class HeldSummary:
    """Held records of one kind for a member: how many and until when, never their content."""

    record_kind: str
    count: int
    first_expiry: dt.datetime
    last_expiry: dt.datetime


def check_request_id(request_id: str) -> str:
    """The rights request's id, checked to be a short token (it goes into the access log)."""
    if not isinstance(request_id, str) or not _REQUEST_ID.match(request_id):
        raise ValidationError("request_id must be the rights request's id (letters, digits, "
                              "_.:-, at most 64)", field="request_id",
                              fix="give the id the request was given when submitted, like rq_3f9c...")
    return request_id


#: One value as ``subject_rows`` returns it: (id, category, value, channel, flow, collected_at,
#: updated_at), the times as ISO-8601 UTC text with microseconds and a Z
#: (``2026-11-29T08:25:37.123456Z``), which is how an export writes them.
SubjectRow = tuple[str, str, str, str, str | None, str, str]


def subject_rows(v: Vault, member_id: str, *, actor: Actor, request_id: str,
                 ip: str | None = None) -> list[SubjectRow]:
    """Every value the vault holds of ``member_id`` (all categories), decrypted, ordered by
    category then collection time, for answering the member's rights request ``request_id``;
    as ``SubjectRow`` tuples, which is what an export of 100,000 values can afford (a frozen
    ``Value`` with two datetimes, formatted back to text for the export, cost more per value
    than its decryption).

    ``ActorNotAllowed`` (``yaksok.access``'s ``subject_access`` rule), ``NotFound`` for an unknown or erased
    member; refusals are logged. One ``read`` entry, committed before the values are returned.
    """

    rules = v.rules()
    fields = dict(actor=actor, operation="read", member_id=member_id, purpose=RIGHTS_PURPOSE,
                  request_id=None, ip=ip, policy_version=rules.version)
    try:
        fields["request_id"] = check_request_id(request_id)
    except YaksokError as exc:
        v.deny(exc, **fields)
    v.authorize(actor, "subject_access", member_id=member_id, request_id=request_id, ip=ip)
    out: list[SubjectRow] = []
    refusal = None
    with v.write() as conn:
        try:
            status = conn.exec_driver_sql(sql(conn, "SELECT status FROM members WHERE id = ?"),
                                          (member_id,)).scalar()
            if status is None or status == "erased":
                raise NotFound("no such member", field="member_id",
                               fix="check the member id; an erased member is gone for good")
            rows = conn.exec_driver_sql(sql(conn, _VALUES), (member_id,)).fetchall()
            # Category, then collection time; the index returns (category, insertion) order,
            # which is nearly sorted already, so this is close to one linear pass.
            rows.sort(key=itemgetter(1, 5))
            ids = sorted({r[7] for r in rows})
            keys = conn.exec_driver_sql(sql(conn, _KEYS.format(marks=", ".join("?" * len(ids)))),
                                        tuple(ids)).fetchall() if ids else []
            aeads: dict[str, tuple] = {}
            for key_id, wrapped, kek_version, scope in keys:
                if wrapped is not None:  # a destroyed key: its rows await the purge
                    aeads[key_id] = (v.keys.aead(v.keyring, key_id, member_id, scope, wrapped,
                                                 kek_version), *value_aad_parts(member_id, key_id))
            iso = _iso_text
            append = out.append
            last_key = last_cat = None
            for vid, cat, ct, channel, flow, collected, updated, key_id in rows:
                if cat != last_cat or key_id != last_key:  # runs of one category and key
                    entry = aeads.get(key_id)
                    if entry is None:
                        continue
                    aead, head, tail = entry
                    decrypt, head = aead.decrypt, head + cat.encode() + b"|"
                    last_key, last_cat = key_id, cat
                aad = head + vid.encode() + tail
                try:  # open_value, inlined: this loop runs once per value
                    if ct[0] != FORMAT:
                        raise InvalidTag
                    plain = decrypt(ct[1:13], ct[13:], aad)
                except (InvalidTag, IndexError):
                    plain = open_value(aead, aad, ct)  # raises its StorageError
                at = iso(collected)
                append((vid, cat, plain.decode("utf-8"), channel, flow, at,
                        at if updated == collected else iso(updated)))
        except YaksokError as exc:
            refusal = exc
            v.append(conn, v.event(outcome="denied", reason=v.reason(exc), **fields))
        else:
            v.append(conn, v.event(outcome="granted", reason=f"rights:{request_id}",
                                   categories=sorted({r[1] for r in out}), **fields))
    if refusal is not None:
        raise refusal
    return out


def subject_values(v: Vault, member_id: str, *, actor: Actor, request_id: str,
                   ip: str | None = None) -> list[Value]:
    """``subject_rows`` as ``Value`` objects (aware UTC datetimes); same checks, same single
    access-log entry."""
    parse = dt.datetime.fromisoformat
    out = []
    for vid, cat, value, channel, flow, collected, updated in subject_rows(
            v, member_id, actor=actor, request_id=request_id, ip=ip):
        at = parse(collected)
        out.append(Value(vid, cat, value, channel, flow, at,
                         at if updated == collected else parse(updated)))
    return out


def _iso_text(stored) -> str:
    """A stored time as ISO-8601 UTC text with microseconds and a Z."""
    # SQLite's UTCDateTime text is naive UTC "YYYY-MM-DD HH:MM:SS.ffffff": the ISO form is a
    # splice, where a parse and an isoformat() per value cost ten times as much.
    if isinstance(stored, str) and len(stored) == 26 and stored[10] == " ":
        return stored[:10] + "T" + stored[11:] + "Z"
    return from_db(stored).isoformat(timespec="microseconds")[:-6] + "Z"  # "+00:00" -> "Z"


def held_summary(v: Vault, member_id: str, *, now: dt.datetime | None = None) -> list[HeldSummary]:
    """The member's held records still in force, by kind: count, first and last expiry."""
    sqlite = v.sqlite
    with storage_errors(v.engine), v.engine.connect() as conn:
        rows = conn.exec_driver_sql(sql(conn, _HELD), (
            member_id, to_db(sqlite, now or utcnow()))).fetchall()
    return [HeldSummary(kind, n, from_db(first), from_db(last)) for kind, n, first, last in rows]
