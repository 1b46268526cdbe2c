"""API keys: how an application backend proves who it is, and which policy scopes it holds.

A secret looks like ``yk_ak_0123456789abcdef_<43 url-safe characters>``: the ``yk_`` prefix tells
the API (and secret scanners) what it is, ``ak_...`` is the key's public id, and the rest is
32 random bytes. Only the SHA-256 hex of the whole secret is stored. A fast hash is right here,
unlike for passwords: 256 random bits cannot be guessed however fast each guess is, so argon2
would only slow every request down without making a leaked table any more useful to an attacker.

Authentication looks the row up by the public id (not by the secret) and compares the hashes in
constant time, so response timing says nothing about how much of a guess was right.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import Engine, insert, select, update

from yaksok.accounts.rights_log import record_change
from yaksok.actors import Actor, api_key_actor
from yaksok.errors import AuthenticationFailed, NotFound, ValidationError
from yaksok.policy.model import Policy

__all__ = [
    "ApiKeyInfo",
    "SECRET_PREFIX",
    "authenticate_api_key",
    "create_api_key",
    "get_api_key",
    "list_api_keys",
    "revoke_api_key",
]

SECRET_PREFIX = "yk_"  # noqa: S105 - a prefix, not a secret
_SECRET_RE = re.compile(r"^yk_(ak_[0-9a-f]{16})_([A-Za-z0-9_-]{43})$")
_NAME_MAX = 128
_GENERIC_FAILURE = "the API key is not valid"
_LAST_USED_PRECISION = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class ApiKeyInfo:
    """What may be shown about an API key: never its secret, never its hash."""

    id: str
    name: str
    scopes: tuple[str, ...]
    created_at: dt.datetime
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def _table():
    # Imported late so importing this module does not pull in the whole store.
    from yaksok.store.tables import api_keys

    return api_keys


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now(dt.UTC)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _info(row) -> ApiKeyInfo:
    scopes = tuple(s for s in (row.scopes or "").split() if s)
    return ApiKeyInfo(row.id, row.name, scopes, row.created_at, row.revoked_at, row.last_used_at)


def _check_scopes(policy: Policy, scopes: list[str]) -> tuple[str, ...]:
    known = [s.key for s in policy.api_scopes]
    if not scopes:
        raise ValidationError("an API key needs at least one scope", field="scopes",
                              fix=f"choose from: {', '.join(known)}")
    unknown = [s for s in scopes if policy.api_scope(s) is None]
    if unknown:
        raise ValidationError(
            f"unknown scope(s) {', '.join(repr(s) for s in unknown)}; the policy defines: "
            f"{', '.join(known)}", field="scopes", fix="use scopes from the policy's api_scopes")
    return tuple(dict.fromkeys(scopes))  # drop repeats, keep the order given


def create_api_key(engine: Engine, policy: Policy, name: str, scopes: list[str], *,
                   now: dt.datetime | None = None, by: str = "cli:operator"
                   ) -> tuple[ApiKeyInfo, str]:
    """Create a key with ``scopes``; returns its info and the secret, which is shown only once.
    The grant of its scopes is recorded (``rights_log``), as done ``by`` that actor."""
    name = (name or "").strip()
    if not name or len(name) > _NAME_MAX or not name.isprintable():
        raise ValidationError(
            f"the key name must be 1 to {_NAME_MAX} printable characters", field="name",
            fix="name the application that will use the key, e.g. `web-backend`")
    scopes_t = _check_scopes(policy, list(scopes))
    key_id = f"ak_{secrets.token_hex(8)}"
    secret = f"{SECRET_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
    created = _now(now)
    t = _table()
    with engine.begin() as conn:
        conn.execute(insert(t).values(id=key_id, name=name, key_hash=_hash(secret),
                                      scopes=" ".join(scopes_t), created_at=created))
        record_change(conn, by=by, subject=key_id, subject_kind="api_key", change="granted",
                      rights="scopes:" + ",".join(scopes_t), at=created)
    return ApiKeyInfo(key_id, name, scopes_t, created, None, None), secret


def authenticate_api_key(engine: Engine, policy: Policy, secret: str, *,
                         now: dt.datetime | None = None) -> Actor:
    """The ``app_backend`` actor for a valid, unrevoked secret; records when it was last used."""
    m = _SECRET_RE.match(secret or "")
    if m is None:
        raise AuthenticationFailed(_GENERIC_FAILURE, fix="send `Authorization: Bearer yk_...`")
    key_id = m.group(1)
    t = _table()
    with engine.connect() as conn:
        row = conn.execute(select(t).where(t.c.id == key_id)).first()
    # Compare even when the row is missing, against a dummy, so both paths cost the same.
    stored = row.key_hash if row is not None else "0" * 64
    if not hmac.compare_digest(stored, _hash(secret)) or row is None:
        raise AuthenticationFailed(_GENERIC_FAILURE, fix="check the key, or create a new one")
    if row.revoked_at is not None:
        raise AuthenticationFailed("the API key was revoked", fix="create a new key")
    used = _now(now)
    # A write per request would serialise every API call on SQLite's write lock; a minute's
    # precision is plenty to tell which keys are still in use.
    if row.last_used_at is None or used - row.last_used_at >= _LAST_USED_PRECISION:
        with engine.begin() as conn:
            conn.execute(update(t).where(t.c.id == key_id).values(last_used_at=used))
    return api_key_actor(policy, row.id, row.name, _info(row).scopes)


def list_api_keys(engine: Engine) -> list[ApiKeyInfo]:
    """Every key, revoked ones included, oldest first."""
    t = _table()
    with engine.connect() as conn:
        return [_info(r) for r in conn.execute(select(t).order_by(t.c.created_at, t.c.id))]


def get_api_key(engine: Engine, key_id: str) -> ApiKeyInfo:
    """One key's info (``NotFound`` if there is no such key)."""
    t = _table()
    with engine.connect() as conn:
        row = conn.execute(select(t).where(t.c.id == key_id)).first()
    if row is None:
        raise NotFound(f"no API key {key_id!r}", field="key_id",
                       fix="list the keys with `yaksok apikey list` or GET /api-keys")
    return _info(row)


def revoke_api_key(engine: Engine, key_id: str, *, now: dt.datetime | None = None,
                   by: str = "cli:operator") -> ApiKeyInfo:
    """Revoke a key for good; revoking it again changes nothing (``NotFound`` if unknown).
    The revocation is recorded (``rights_log``)."""
    info = get_api_key(engine, key_id)
    if info.revoked_at is not None:
        return info
    t = _table()
    at = _now(now)
    with engine.begin() as conn:
        done = conn.execute(update(t).where(t.c.id == key_id, t.c.revoked_at.is_(None))
                            .values(revoked_at=at))
        if done.rowcount:
            record_change(conn, by=by, subject=key_id, subject_kind="api_key",
                          change="revoked", rights="scopes:" + ",".join(info.scopes), at=at)
    return get_api_key(engine, key_id)
