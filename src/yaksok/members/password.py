"""A member's password: changing it while signed in, and resetting it by an emailed link.

- ``change_password``: the member themself (``yaksok.access``: ``own_account``) gives the old
  password, checked like a login and limited like one (``yaksok.throttle.logins``, counted for
  the account as a rights request's re-authentication is); the new one must meet the password
  rules (``accounts.passwords``, P12.8). The new argon2id hash is kept by the vault, sealed
  under the member's key as at sign-up (``Vault.store_password``), and **every session of the
  member ends** in the same transaction — on every device, the caller's too — and a password
  reset link sent earlier dies; the caller gets a fresh session token back (the answer of
  ``POST /me/password``), so the page that changed the password stays signed in.
- ``request_password_reset``: anyone may ask for a reset link for an email address; the answer
  is the same whether or not a member has it (nothing is returned, nothing raised but bad input
  and the rate limits, which count a stranger's email like a member's: ``reset-account`` per
  email typed, ``reset-address`` per client address), and the work done costs about the same:
  the same lookup, a token, its HMAC and its seal made either way. For an active member, an
  email (``account_reset_password``) carries ``<public URL>/center/reset-password?token=...``,
  valid for 1 hour, once; a newer link replaces the older one (``tokens.py``).
- ``reset_password``: the link and a new password; the password rules, then the same writes as
  a change (hash, every session ended), without a new session: the member logs in with the new
  password. A dead link is one ``NotFound`` whatever the reason, and says nothing of the account.

Each change is one access-log entry: an ``update`` of ``user.authorization.password`` for
``member_management`` with the reason ``account:password-changed`` or ``account:password-reset``
(never a value); a wrong old password is a denied one.
"""

from __future__ import annotations

import datetime as dt

from yaksok import throttle
from yaksok.accounts.passwords import check_password_rules, hash_password
from yaksok.actors import member_actor
from yaksok.errors import AuthenticationFailed, NotFound, ValidationError
from yaksok.members import tokens
from yaksok.members.lookups import EMAIL, LOOKUP_PURPOSE, find_member
from yaksok.members.normalise import normalise_email
from yaksok.members.sessions import revoke_member_sessions, session_seconds, start_session
from yaksok.members.verify_email import message_lang
from yaksok.services import Services

__all__ = ["PASSWORD", "TEMPLATE", "change_password", "request_password_reset",
           "reset_password"]

PASSWORD = "user.authorization.password"  # noqa: S105 - a category key
TEMPLATE = "account_reset_password"  # noqa: S105 - a template name


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now(dt.UTC)


def _log(v, conn, *, actor, member_id: str, reason: str, ip, request_id,
         outcome: str = "granted") -> None:
    v.append(conn, v.event(actor=actor, operation="update", outcome=outcome,
                           member_id=member_id, categories=(PASSWORD,), purpose=LOOKUP_PURPOSE,
                           reason=reason, ip=ip, request_id=request_id,
                           policy_version=v.rules().version))


def _store(yk: Services, conn, member_id: str, password_hash: str, *, actor, reason: str,
           ip, request_id, now: dt.datetime) -> None:
    """The new hash, every session ended, an earlier reset link ended, the log entry: in the
    caller's write transaction."""
    v = yk.vault
    v.store_password(conn, member_id, password_hash, now=now)
    revoke_member_sessions(conn, member_id, now=now)
    tokens.end(conn, member_id, tokens.RESET_PASSWORD, now)
    _log(v, conn, actor=actor, member_id=member_id, reason=reason, ip=ip, request_id=request_id)


def _rules(new_password: str) -> None:
    check_password_rules(new_password, field="new_password")


def change_password(yk: Services, member_id: str, old_password: str, new_password: str, *,
                    actor, ip: str | None = None, now: dt.datetime | None = None,
                    request_id: str | None = None) -> str:
    """Change the member's password (see the module docstring); returns a new session token
    ``ym_...`` for the caller: every earlier session of the member has ended.

    ``AuthenticationFailed`` (field ``old_password``) when the old password is wrong,
    ``ValidationError`` (field ``new_password``) when the new one breaks a rule or is the old
    one, ``RateLimited`` after too many wrong tries."""
    now = _now(now)
    v = yk.vault
    v.authorize(actor, "own_account", member_id=member_id, ip=ip, request_id=request_id)
    _rules(new_password)
    if new_password == old_password:
        raise ValidationError("the new password is the same as the current one",
                              field="new_password", fix="choose a password you do not use now")
    account = "member:" + member_id
    throttle.before_login(yk.throttle, account, ip)
    check = v.check_password(member_id, old_password, now=now)
    if not check.ok:
        throttle.login_failed(yk.throttle, account, ip)
        with v.core_write() as conn:
            _log(v, conn, actor=actor, member_id=member_id, ip=ip, request_id=request_id,
                 outcome="denied", reason="account:password-wrong")
        raise AuthenticationFailed("the current password is not right", field="old_password",
                                   fix="type the account's current password again, or reset "
                                       "it by email from the login page")
    throttle.login_succeeded(yk.throttle, account, ip)
    password_hash = hash_password(new_password)  # slow on purpose; before the write
    with v.core_write() as conn:
        _store(yk, conn, member_id, password_hash, actor=actor, ip=ip, request_id=request_id,
               reason="account:password-changed", now=now)
        return start_session(conn, member_id, now=now, seconds=session_seconds(yk.settings))


def request_password_reset(yk: Services, email: str, *, ip: str | None = None,
                           now: dt.datetime | None = None, lang: str | None = None,
                           request_id: str | None = None) -> None:
    """Mail a password reset link to ``email`` if an active member has it; otherwise nothing.
    The same answer, and about the same work, either way (see the module docstring).

    ``ValidationError`` (field ``email``) when it is not an email address; ``RateLimited``
    after too many asks for the email or from the address."""
    now = _now(now)
    typed = normalise_email(email)
    yk.throttle.hit("reset-address", ip, message="too many password resets from this address")
    yk.throttle.hit("reset-account", typed, message="too many password resets for this email")
    member_id = find_member(yk, EMAIL, typed, task="password-reset", ip=ip,
                            request_id=request_id)
    v = yk.vault
    with v.core_write() as conn:
        row = v.lock_member(conn, member_id) if member_id is not None else None
        if row is None or row[0] != "active":
            tokens.burn(yk, tokens.RESET_PASSWORD)
            return
        token_id = tokens.issue(yk, conn, member_id, tokens.RESET_PASSWORD, now=now)
        yk.outbox.enqueue(conn, channel="email", member_id=member_id, template=TEMPLATE,
                          params={"token_id": token_id, "lang": message_lang(lang)},
                          dedupe_key=f"account-link:{token_id}", now=now)
        v.append(conn, v.event(actor=member_actor(member_id), operation="admin",
                               outcome="granted", member_id=member_id,
                               reason="account:password-reset-sent", ip=ip,
                               request_id=request_id, policy_version=v.rules().version))


def reset_password(yk: Services, token: str, new_password: str, *, ip: str | None = None,
                   now: dt.datetime | None = None, request_id: str | None = None) -> str:
    """Set a new password with a reset link; returns the member id. Every session of the member
    ends (they log in with the new password).

    ``ValidationError`` for a malformed token or a new password that breaks a rule (the link
    stays usable); ``NotFound`` for a link that is unknown, used, expired or replaced."""
    now = _now(now)
    kind = tokens.RESET_PASSWORD
    token = tokens.check_format(token, kind)
    yk.throttle.hit("link-check-address", ip, message="too many links tried from this address")
    _rules(new_password)
    v = yk.vault
    with yk.engine.connect() as conn:  # a dead link costs no argon2 hash
        member_id = tokens.find_live(yk, conn, kind, token, now=now).member_id
    password_hash = hash_password(new_password)
    with v.core_write() as conn:
        member = v.lock_member(conn, member_id)
        if member is None or member[0] != "active":
            raise tokens.dead_link(kind)
        row = tokens.find_live(yk, conn, kind, token, now=now, lock=True)
        tokens.use(conn, row, now)
        try:
            _store(yk, conn, member_id, password_hash, actor=member_actor(member_id), ip=ip,
                   request_id=request_id, reason="account:password-reset", now=now)
        except NotFound:  # erased meanwhile: the link is dead like any other
            raise tokens.dead_link(kind) from None
    return member_id
