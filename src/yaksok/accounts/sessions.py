"""What staff and member logins share: bearer session tokens, lockout, and the dummy hash.

- A session token is ``<prefix><43 url-safe characters>`` (32 random bytes); only its SHA-256
  hex is stored, so a leaked sessions table opens no session. The prefix says whose it is
  (``ys_`` staff, ``ym_`` member) so the API can route it without a lookup.
- Lockout: ``LOCKOUT_THRESHOLD`` failed logins in a row lock the account for
  ``LOCKOUT_MINUTES``. The safety-measures standard (개인정보의 안전성 확보조치 기준, art. 5)
  requires limiting repeated failed logins but sets no number; 5 tries then 15 minutes is the
  common practice (and KISA's example): slow enough to stop guessing, short enough not to strand
  a person who mistyped. The count restarts when the lock ends.
- ``burn_dummy_verification`` costs one argon2 verification, so an unknown login name takes as
  long to refuse as a wrong password does.

Tables passed in need the columns ``id``, ``failed_logins`` and ``locked_until`` (accounts) and
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
    "LOCKOUT_MINUTES",
    "LOCKOUT_THRESHOLD",
    "burn_dummy_verification",
    "check_live_session",
    "locked_out",
    "new_session_token",
    "record_failed_login",
    "revoke_session",
    "success_values",
    "token_digest",
]

LOCKOUT_THRESHOLD = 5
LOCKOUT_MINUTES = 15


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


def locked_out(locked_until: dt.datetime | None, now: dt.datetime, *,
               fix: str) -> AuthenticationFailed | None:
    """The error to raise while an account is locked, or None when it is not locked."""
    if locked_until is None or now >= locked_until:
        return None
    return AuthenticationFailed(
        f"the account is locked until {locked_until.isoformat(timespec='seconds')} after "
        f"{LOCKOUT_THRESHOLD} failed logins", fix=fix)


def record_failed_login(engine: sa.Engine, accounts: sa.Table, account_id: str,
                        now: dt.datetime) -> bool:
    """Count one failed login; returns True when this failure locked the account."""
    from yaksok.store.engine import IMMEDIATE

    # Read and write under the write lock: two concurrent failures must count as two.
    with engine.connect().execution_options(**IMMEDIATE) as conn, conn.begin():
        failed = conn.execute(sa.select(accounts.c.failed_logins)
                              .where(accounts.c.id == account_id)).scalar_one() + 1
        values: dict = {"failed_logins": failed}
        if failed >= LOCKOUT_THRESHOLD:
            values = {"failed_logins": 0,
                      "locked_until": now + dt.timedelta(minutes=LOCKOUT_MINUTES)}
        conn.execute(sa.update(accounts).where(accounts.c.id == account_id).values(**values))
    return failed >= LOCKOUT_THRESHOLD


def success_values(new_hash: str | None) -> dict:
    """The account columns to set after a good login (counters reset, hash upgraded if due)."""
    values: dict = {"failed_logins": 0, "locked_until": None}
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
