"""Email verification: a link mailed to the member's address proves they receive mail there.

- ``send_email_verification`` queues an email (``account_verify_email``) whose link is
  ``<public URL>/center/verify-email?token=...``; the token is kept as ``tokens.py`` says (an
  HMAC, and a sealed copy until the email is sent). A new link replaces the member's earlier
  one. The member themself, the app's backend (an API key acting for ``member_management``) or
  staff whose role has ``rights.decide`` may ask (``yaksok.access``: ``account_email``); sending
  is rate-limited per member and per client address (``email-verify-member``,
  ``email-verify-address``).
- ``confirm_email`` uses the link (once, within 24 hours) and records that the member's email
  is verified (``email_verifications``), for the email value stored when the link was sent.
- ``email_verified`` answers whether the member's email, as stored now, is verified.

**A changed address is unverified at once.** What is verified is one stored value: the vault's
stamp of the email value (``Vault.value_stamp``: its id and when it was last written, hashed;
never the address). A rectification of ``user.contact.email`` (by the member, the app, or the
officer carrying out a rectification request), or a new email collected after the old one was
deleted, changes the stamp, so ``email_verified`` is False until the member confirms a new link;
and a link sent before the change no longer verifies anything (``Conflict``). No hook in the
vault's rectification is needed, so no path that changes the address can forget it.

Nothing here reads the address: the outbox reads it through the vault when it delivers, for
``member_management``.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from yaksok.actors import member_actor
from yaksok.errors import Conflict, NotFound
from yaksok.members import tokens
from yaksok.services import Services
from yaksok.store.tables import email_verifications

__all__ = ["EMAIL", "TEMPLATE", "confirm_email", "email_verified", "send_email_verification"]

EMAIL = "user.contact.email"
TEMPLATE = "account_verify_email"
_LANGS = ("ko", "en")


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now(dt.UTC)


def message_lang(lang: str | None) -> str:
    """The ``lang`` parameter of a link's email: ``ko``, ``en``, or ``member`` (decided at
    delivery from the language the member signed up in; Korean when unknown)."""
    return lang if lang in _LANGS else "member"


def _event(v, conn, *, actor, member_id: str, reason: str, ip, request_id, **kw) -> None:
    v.append(conn, v.event(actor=actor, operation=kw.pop("operation", "admin"),
                           outcome=kw.pop("outcome", "granted"), member_id=member_id,
                           reason=reason, ip=ip, request_id=request_id,
                           policy_version=v.rules().version, **kw))


def send_email_verification(yk: Services, member_id: str, *, actor, ip: str | None = None,
                            now: dt.datetime | None = None, lang: str | None = None,
                            request_id: str | None = None) -> None:
    """Mail the member a link that verifies their email address (it replaces an earlier one).

    ``lang``: ``ko`` or ``en`` for the language the message opens with (both are in it);
    default: the member's. ``Conflict`` when the account has no email address, or the address
    is verified already; ``NotFound`` for an account that is not active."""
    now = _now(now)
    v = yk.vault
    v.authorize(actor, "account_email", member_id=member_id, ip=ip, request_id=request_id)
    yk.throttle.hit("email-verify-address", ip,
                    message="too many verification emails from this address")
    yk.throttle.hit("email-verify-member", member_id,
                    message="too many verification emails for this account")
    with v.core_write() as conn:
        row = v.lock_member(conn, member_id)
        if row is None or row[0] != "active":
            raise NotFound("no such active member", field="member_id",
                           fix="check the member id; a closed account has nothing to verify")
        stamp = v.value_stamp(member_id, EMAIL, conn)
        if stamp is None:
            raise Conflict("the account has no email address to verify", field="email",
                           fix="add an email address to the account first")
        if _verified_stamp(conn, member_id) == stamp:
            raise Conflict("the email address is verified already", field="email",
                           fix="nothing to do; after a change of address, ask again")
        token_id = tokens.issue(yk, conn, member_id, tokens.VERIFY_EMAIL, now=now, stamp=stamp)
        yk.outbox.enqueue(conn, channel="email", member_id=member_id, template=TEMPLATE,
                          params={"token_id": token_id, "lang": message_lang(lang)},
                          dedupe_key=f"account-link:{token_id}", now=now)
        _event(v, conn, actor=actor, member_id=member_id, ip=ip, request_id=request_id,
               reason="account:email-verification-sent")


def confirm_email(yk: Services, token: str, *, ip: str | None = None,
                  now: dt.datetime | None = None, request_id: str | None = None) -> str:
    """Use a verification link; returns the member id whose email is now verified.

    A link that is unknown, used, expired or replaced is ``NotFound`` (the same words for
    each); a link sent for an address the member has changed since is used up and ``Conflict``
    (ask for a new one). The confirmation is the member's own act, by the emailed link."""
    now = _now(now)
    token = tokens.check_format(token, tokens.VERIFY_EMAIL)
    yk.throttle.hit("link-check-address", ip, message="too many links tried from this address")
    v = yk.vault
    stale = None
    with v.core_write() as conn:
        # The member's row first, then the link's (the order sending takes them in).
        member_id = tokens.find_live(yk, conn, tokens.VERIFY_EMAIL, token, now=now).member_id
        member = v.lock_member(conn, member_id)
        if member is None or member[0] != "active":
            raise tokens.dead_link(tokens.VERIFY_EMAIL)
        row = tokens.find_live(yk, conn, tokens.VERIFY_EMAIL, token, now=now, lock=True)
        tokens.use(conn, row, now)
        actor = member_actor(member_id)
        current = v.value_stamp(member_id, EMAIL, conn)
        if current is None or current != row.stamp:
            stale = Conflict("the email address changed after this link was sent",
                             field="token", fix="ask for a new verification email")
            _event(v, conn, actor=actor, member_id=member_id, ip=ip, request_id=request_id,
                   outcome="denied", reason="account:email-changed-since-sent")
        else:
            t = email_verifications
            conn.execute(t.delete().where(t.c.member_id == member_id))
            conn.execute(t.insert().values(member_id=member_id, verified_at=now,
                                           stamp=current))
            _event(v, conn, actor=actor, member_id=member_id, ip=ip, request_id=request_id,
                   reason="account:email-verified")
    if stale is not None:  # raised after the commit: the link is used up either way
        raise stale
    return member_id


def _verified_stamp(conn: sa.Connection, member_id: str) -> str | None:
    t = email_verifications
    return conn.execute(sa.select(t.c.stamp).where(t.c.member_id == member_id)).scalar()


def email_verified(yk: Services, member_id: str) -> bool:
    """Whether the member's email address, as stored now, was verified by a link (False for a
    changed address, an account without one, or one that is not active)."""
    v = yk.vault
    with yk.engine.connect() as conn:
        row = v.member_row(member_id, conn)
        if row is None or row[0] != "active":
            return False
        verified = _verified_stamp(conn, member_id)
        return verified is not None and verified == v.value_stamp(member_id, EMAIL, conn)
