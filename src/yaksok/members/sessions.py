"""Member logins and sessions: email + password, abuse limits, bearer tokens ``ym_...``.

- The login ID is the email address, normalised (``normalise.normalise_email``) and found
  through the vault's blind index: no plaintext email is looked at, let alone compared.
- The password is checked against the member's argon2id hash (``accounts.passwords``); when the
  hashing parameters changed since it was stored, the fresh hash replaces it (rehash on login).
- No failure locks the account: tries are limited per email and client address, per address,
  and for an account attacked from many addresses, per address that failed on it
  (``yaksok.throttle.logins``); a 429 with ``Retry-After`` says when to try again, for a
  stranger's email exactly as for a member's.
- A session token is ``ym_`` + 32 random bytes; only its SHA-256 is stored in
  ``member_sessions``. Sessions expire (``DEFAULT_SESSION_SECONDS``, 30 days, or the setting
  ``member_session_seconds``) and are revocable one by one (``logout_member``) or all at once
  (``revoke_member_sessions``: on erasure, closure or a password change).
- An unknown email, a closed or erased account and a wrong password all fail with the same
  message and cost one argon2 verification each, so a login form tells no one who is a member.

The authenticated member is an ``Actor`` of kind ``member`` whose id is the member id: the API
lets it act on that member's data only.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from yaksok import throttle
from yaksok.accounts import sessions as common
from yaksok.actors import Actor, member_actor
from yaksok.errors import AuthenticationFailed, ValidationError
from yaksok.members.normalise import normalise_email
from yaksok.services import Services
from yaksok.store.tables import member_sessions

__all__ = ["DEFAULT_SESSION_SECONDS", "TOKEN_PREFIX", "authenticate_member_token",
           "login_member", "logout_member", "revoke_member_sessions", "session_seconds",
           "start_session"]

TOKEN_PREFIX = "ym_"  # noqa: S105 - a prefix, not a secret
#: 30 days: an app keeps its member logged in; the member ends it by logging out.
DEFAULT_SESSION_SECONDS = 30 * 24 * 3600
_GENERIC = "email or password is not right"
_EMAIL_CATEGORY = "user.contact.email"


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now(dt.UTC)


def session_seconds(settings) -> int:
    """How long a member session lives (``Settings.member_session_seconds``, 30 days)."""
    return int(settings.member_session_seconds)


def _member_id_for_email(yk: Services, email: str, ip: str | None,
                         request_id: str | None) -> str | None:
    from yaksok.members.lookups import find_member

    return find_member(yk, _EMAIL_CATEGORY, email, ip=ip, request_id=request_id)


def login_member(yk: Services, email: str, password: str, *, now: dt.datetime | None = None,
                 seconds: int | None = None, ip: str | None = None,
                 request_id: str | None = None) -> tuple[Actor, str]:
    """Check email and password; returns the member's actor and a new token ``ym_...``.

    Every failure is the same ``AuthenticationFailed``; too many tries are ``RateLimited``
    (``ip``: the client's address, which the limits count by and the access log records with
    the lookup of the email, with ``request_id``). ``seconds`` overrides the session length
    (default: ``session_seconds``).
    """
    now = _now(now)
    try:
        typed = normalise_email(email)
    except ValidationError:
        typed = None  # a malformed email is just another unknown login
    account = "member-email:" + (typed or (email or "").strip().lower())
    throttle.before_login(yk.throttle, account, ip)
    member_id = _member_id_for_email(yk, typed, ip, request_id) if typed else None
    check = yk.vault.check_password(member_id, password, now=now)
    if not check.ok:
        throttle.login_failed(yk.throttle, account, ip)
        raise AuthenticationFailed(_GENERIC)
    throttle.login_succeeded(yk.throttle, account, ip)
    length = seconds if seconds is not None else session_seconds(yk.settings)
    with yk.engine.begin() as conn:
        token = start_session(conn, member_id, now=now, seconds=length)
    return member_actor(member_id), token


def start_session(conn: sa.Connection, member_id: str, *, now: dt.datetime,
                  seconds: int) -> str:
    """A new session of the member in the caller's transaction; returns its token ``ym_...``
    (only its SHA-256 is stored)."""
    token = common.new_session_token(TOKEN_PREFIX)
    conn.execute(sa.insert(member_sessions).values(
        token_hash=common.token_digest(token), member_id=member_id, created_at=now,
        expires_at=now + dt.timedelta(seconds=seconds)))
    return token


def authenticate_member_token(yk: Services, token: str, *, now: dt.datetime | None = None) -> Actor:
    """The member actor of a live session (expired, revoked, or account not active: 401)."""
    now = _now(now)
    if not (token or "").startswith(TOKEN_PREFIX):
        raise AuthenticationFailed("the session token is not valid", fix="log in again")
    digest = common.token_digest(token)
    with yk.engine.connect() as conn:
        row = conn.execute(sa.select(member_sessions).where(
            member_sessions.c.token_hash == digest)).first()
        status = yk.vault.member_row(row.member_id, conn) if row is not None else None
    common.check_live_session(row, digest, now,
                              ended=row is not None and (status is None or status[0] != "active"))
    return member_actor(row.member_id)


def logout_member(yk: Services, token: str, *, now: dt.datetime | None = None) -> bool:
    """End the session of ``token``; returns whether a live session was ended."""
    return common.revoke_session(yk.engine, member_sessions, token, _now(now))


def revoke_member_sessions(target, member_id: str, *, now: dt.datetime | None = None) -> int:
    """End every live session of a member (``target``: an engine, or a connection in a
    transaction); returns how many were ended."""
    sessions = member_sessions
    stmt = (sa.update(sessions)
            .where(sessions.c.member_id == member_id, sessions.c.revoked_at.is_(None))
            .values(revoked_at=_now(now)))
    if isinstance(target, sa.Connection):
        return target.execute(stmt).rowcount
    with target.begin() as conn:
        return conn.execute(stmt).rowcount
