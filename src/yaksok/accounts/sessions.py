"""What staff and member logins share: bearer session tokens, the staff restriction, and the
dummy hash.

- A session token is ``<prefix><43 url-safe characters>`` (32 random bytes); only its SHA-256
  hex is stored, so a leaked sessions table opens no session. The prefix says whose it is
  (``ys_`` staff, ``ym_`` member) so the API can route it without a lookup.
- No login locks anyone out: how often anyone may try is ``yaksok.throttle.logins`` (per account
  and address, per address), so a stranger cannot lock a member or the privacy officer out.
- Restriction (staff only): the safety-measures standard (개인정보의 안전성 확보조치 기준, art. 5)
  asks that an account handling personal data be restricted after repeated failed logins.
  ``RESTRICT_AFTER`` failures in a row (5, KISA's example) restrict a staff account until the
  privacy officer lifts it: while restricted, addresses that failed on it are refused; the
  staff member still gets in from an address that has not failed, with password and TOTP.
- ``burn_dummy_verification`` costs one argon2 verification, so an unknown login name takes as
  long to refuse as a wrong password does.

Tables passed in need the columns ``id``, ``failed_logins`` and ``restricted_at`` (accounts) and
``token_hash``, ``expires_at`` and ``revoked_at`` (sessions).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from functools import cache

import sqlalchemy as sa

from yaksok.accounts.passwords import hash_password, verify_password
from yaksok.errors import AuthenticationFailed

__all__ = [
    "RESTRICT_AFTER",
    "burn_dummy_verification",
    "check_live_session",
    "new_session_token",
    "record_failed_login",
    "revoke_session",
    "success_values",
    "token_digest",
]

RESTRICT_AFTER = 5


def new_session_token(prefix: str) -> str:
    """A fresh bearer token: ``prefix`` + 32 random bytes, URL-safe."""
    return f"{prefix}{secrets.token_urlsafe(32)}"


def token_digest(token: str) -> str:
    """The SHA-256 hex of a token: what the sessions table stores and looks up by."""
    return hashlib.sha256((token or "").encode("utf-8")).hexdigest()


@cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def burn_dummy_verification(password: str | None) -> None:
    """Verify ``password`` against a random hash: the cost of a real check, for unknown users."""
    verify_password(_dummy_hash(), password or "")


def record_failed_login(engine: sa.Engine, accounts: sa.Table, account_id: str,
                        now: dt.datetime) -> bool:
    """Count one failed login in a row; returns True when this failure restricted the account
    (the ``RESTRICT_AFTER``-th in a row while not restricted)."""
    from yaksok.store.engine import IMMEDIATE

    # Read and write under the write lock: two concurrent failures must count as two.
    with engine.connect().execution_options(**IMMEDIATE) as conn, conn.begin():
        row = conn.execute(sa.select(accounts.c.failed_logins, accounts.c.restricted_at)
                           .where(accounts.c.id == account_id)).one()
        failed = row.failed_logins + 1
        values: dict = {"failed_logins": failed}
        restricts = failed >= RESTRICT_AFTER and row.restricted_at is None
        if restricts:
            values["restricted_at"] = now
        conn.execute(sa.update(accounts).where(accounts.c.id == account_id).values(**values))
    return restricts


def success_values(new_hash: str | None) -> dict:
    """The account columns to set after a good login (the failure count restarts, the hash is
    upgraded if due; a restriction stays until the officer lifts it)."""
    values: dict = {"failed_logins": 0}
    if new_hash is not None:
        values["password_hash"] = new_hash  # parameters changed since it was hashed: upgrade
    return values


def check_live_session(row, digest: str, now: dt.datetime, *, ended: bool = False) -> None:
    """Raise ``AuthenticationFailed`` unless ``row`` is a live session for ``digest``.

    ``ended`` lets the caller add its own reason the session no longer counts (a disabled or
    closed account).
    """
    # The lookup is by hash, so timing reveals nothing about the token; compare anyway.
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        raise AuthenticationFailed("the session token is not valid", fix="log in again")
    if row.revoked_at is not None or ended:
        raise AuthenticationFailed("the session has ended", fix="log in again")
    if now >= row.expires_at:
        raise AuthenticationFailed("the session has expired", fix="log in again")


def revoke_session(engine: sa.Engine, sessions: sa.Table, token: str, now: dt.datetime) -> bool:
    """End the live session of ``token``; returns whether one was ended."""
    with engine.begin() as conn:
        result = conn.execute(sa.update(sessions)
                              .where(sessions.c.token_hash == token_digest(token),
                                     sessions.c.revoked_at.is_(None))
                              .values(revoked_at=now))
    return result.rowcount > 0
