"""The consent ledger's core: append-only events per member and consent item.

Each event says that a member gave, refused or withdrew one consent item of the policy, under
which policy version, through which channel, recorded by whom and when, and which exact notice
text was shown (its SHA-256; the text itself is not stored here: it is in the published policy
or the caller's template store, and the hash proves which one it was).

The effective consent of an item at a time ``t`` is the latest event for it at or before ``t``
(ties broken by insertion order): the item is in force when that event is ``given``. Nothing is
cached: every check reads the ledger, so a withdrawal stops the purposes that need it at once.

Consent events are not accesses to personal data, so they are not written to the access log;
this ledger is the evidence. There is no update or delete API; only the vault's purge removes
the events of an erased member.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import sqlalchemy as sa

from yaksok.errors import Conflict, NotFound, ValidationError
from yaksok.store.engine import IMMEDIATE
from yaksok.store.tables import consent_events, members, utcnow

__all__ = ["ACTIONS", "GIVEN_BY", "ConsentEvent", "give", "refuse", "withdraw", "record",
           "effective_consents", "history", "notice_sha256"]

ACTIONS = ("given", "refused", "withdrawn")
#: Who answered: the member, or a legal guardian (a child under the jurisdiction's consent age)
#: or an authorised agent acting for them; the latter two are named by a reference id only.
GIVEN_BY = ("member", "legal_guardian", "authorised_agent")
#: A guardian's or agent's reference: an id from the caller's records (letters, digits, ``_.:-``,
#: at least one digit), never a person's name.
_REF = re.compile(r"^(?=[^0-9]*[0-9])[A-Za-z0-9_.:-]{1,64}$")
_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")


@dataclass(frozen=True, slots=True)
class ConsentEvent:
    id: int
    member_id: str
    consent_key: str
    action: str
    policy_version: str
    notice_sha256: str
    channel: str
    actor_id: str
    at: dt.datetime
    given_by: str = "member"
    given_by_ref: str | None = None
    language: str | None = None


def notice_sha256(notice_text: str) -> str:
    """The SHA-256 hex of the exact notice text shown (UTF-8, not normalised)."""
    return hashlib.sha256(notice_text.encode("utf-8")).hexdigest()


@contextmanager
def _conn(target, *, write: bool) -> Iterator[sa.Connection]:
    """Use the caller's connection (and transaction) as is, or open one on an engine."""
    if isinstance(target, sa.Connection):
        yield target
        return
    with target.connect() as conn:
        if write:
            conn = conn.execution_options(**IMMEDIATE)
            with conn.begin():
                yield conn
        else:
            yield conn


def _check(policy, consent_key: str, policy_version: str, notice_text: str, channel: str,
           actor_id: str, at: dt.datetime | None) -> None:
    known = [c.key for c in policy.consents]
    if consent_key not in known:
        shown = consent_key if isinstance(consent_key, str) and len(consent_key) <= 64 else "?"
        raise ValidationError(f"the policy has no consent item {shown!r}", field="consent_key",
                              fix="use one of: " + ", ".join(known))
    versions = [v.version for v in policy.versions]
    if policy_version not in versions:
        raise ValidationError("the policy version is not one the policy declares",
                              field="policy_version", fix="use one of: " + ", ".join(versions))
    if not isinstance(notice_text, str) or not notice_text.strip():
        raise ValidationError("the notice text shown to the member is required",
                              field="notice_text",
                              fix="give the exact text displayed; only its SHA-256 is kept")
    channels = [c.key for c in policy.channels]
    if channel not in channels:
        raise ValidationError("not a collection channel of the policy", field="channel",
                              fix="use one of: " + ", ".join(channels))
    if not isinstance(actor_id, str) or not actor_id or len(actor_id) > 128:
        raise ValidationError("the recording actor's id is required (at most 128 characters)",
                              field="actor_id")
    if at is not None and (at.tzinfo is None or at.utcoffset() is None):
        raise ValidationError("the time must carry a time zone", field="at",
                              fix="give the time with its UTC offset")


def _check_evidence(given_by: str, given_by_ref: str | None, language: str | None) -> None:
    if given_by not in GIVEN_BY:
        raise ValidationError("who answered must be one of: " + ", ".join(GIVEN_BY),
                              field="given_by", fix="use member, legal_guardian or "
                                                    "authorised_agent")
    if given_by == "member" and given_by_ref is not None:
        raise ValidationError("a member answering for themselves has no reference id",
                              field="given_by_ref", fix="leave given_by_ref out")
    if given_by != "member" and not (isinstance(given_by_ref, str) and _REF.match(given_by_ref)):
        raise ValidationError(f"a {given_by} is named by a reference id, never a name",
                              field="given_by_ref",
                              fix="give the id of the guardian's or agent's record (letters, "
                                  "digits, _.:- and at least one digit, e.g. guardian:g_1024)")
    if language is not None and not (isinstance(language, str) and _LANG.match(language)):
        raise ValidationError("the notice language is a language tag such as ko or en",
                              field="language", fix="give the language of the text shown")


def record(target, member_id: str, consent_key: str, action: str, *, policy, policy_version: str,
           notice_text: str, channel: str, actor_id: str, at: dt.datetime | None = None,
           given_by: str = "member", given_by_ref: str | None = None,
           language: str | None = None) -> int:
    """Append one event; returns its id. ``target`` is a connection (its transaction) or engine.

    ``policy`` is the ``Policy`` the consent key and channel are checked against. Giving needs an
    active member; refusing and withdrawing only a member that was not erased. ``given_by`` says
    who answered (``GIVEN_BY``), ``given_by_ref`` the guardian's or agent's reference id, and
    ``language`` the language of the notice shown. The member's consent generation is bumped in
    the same transaction, so every process's cached consents of the member go stale at commit.
    """
    if action not in ACTIONS:
        raise ValidationError(f"unknown consent action {action!r}", field="action",
                              fix="use one of: " + ", ".join(ACTIONS))
    _check(policy, consent_key, policy_version, notice_text, channel, actor_id, at)
    _check_evidence(given_by, given_by_ref, language)
    with _conn(target, write=True) as conn:
        status = conn.execute(sa.select(members.c.status).where(members.c.id == member_id)
                              ).scalar()
        if status is None or status == "erased":
            raise NotFound("no such member", field="member_id",
                           fix="check the member id (erased members cannot consent)")
        if action == "given" and status != "active":
            raise Conflict(f"the member's account is {status}; consent cannot be given",
                           field="member_id", fix="only an active member can give consent")
        event_id = conn.execute(consent_events.insert().values(
            member_id=member_id, consent_key=consent_key, action=action,
            policy_version=policy_version, notice_sha256=notice_sha256(notice_text),
            channel=channel, actor_id=actor_id, at=at or utcnow(), given_by=given_by,
            given_by_ref=given_by_ref, language=language,
        ).returning(consent_events.c.id)).scalar_one()
        conn.execute(sa.update(members).where(members.c.id == member_id).values(
            consent_generation=members.c.consent_generation + 1))
        return event_id


def give(target, member_id: str, consent_key: str, **kwargs) -> int:
    """Record that the member gave ``consent_key`` (see ``record`` for the arguments)."""
    return record(target, member_id, consent_key, "given", **kwargs)


def refuse(target, member_id: str, consent_key: str, **kwargs) -> int:
    """Record that the member refused ``consent_key`` when asked (P1.9: refusing costs nothing)."""
    return record(target, member_id, consent_key, "refused", **kwargs)


def withdraw(target, member_id: str, consent_key: str, **kwargs) -> int:
    """Record that the member withdrew ``consent_key``; effective from this moment."""
    return record(target, member_id, consent_key, "withdrawn", **kwargs)


_LATEST = ("SELECT consent_key, action FROM consent_events WHERE member_id = ? AND at <= ? "
           "ORDER BY at, id")


def effective_raw(conn: sa.Connection, member_id: str, at: dt.datetime | None = None
                  ) -> frozenset[str]:
    """``effective_consents`` in raw driver SQL, inside the caller's transaction (hot path)."""
    sqlite = conn.dialect.name == "sqlite"
    when = (at or utcnow()).astimezone(dt.UTC)
    param = when.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else when
    text = _LATEST if sqlite else _LATEST.replace("?", "%s")
    latest: dict[str, str] = {}
    for key, action in conn.exec_driver_sql(text, (member_id, param)):
        latest[key] = action
    return frozenset(k for k, a in latest.items() if a == "given")


def effective_consents(target, member_id: str, at: dt.datetime | None = None) -> frozenset[str]:
    """The consent items in force for the member at ``at`` (default: now)."""
    if at is not None and (at.tzinfo is None or at.utcoffset() is None):
        raise ValidationError("the time must carry a time zone", field="at")
    with _conn(target, write=False) as conn:
        return effective_raw(conn, member_id, at)


def history(target, member_id: str) -> list[ConsentEvent]:
    """Every event of the member, oldest first."""
    t = consent_events
    with _conn(target, write=False) as conn:
        rows = conn.execute(sa.select(t).where(t.c.member_id == member_id)
                            .order_by(t.c.at, t.c.id))
        return [ConsentEvent(**r._mapping) for r in rows]
