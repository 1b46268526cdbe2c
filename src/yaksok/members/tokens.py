"""The account's emailed links: one-time tokens that verify an email address or reset a password.

A token is 32 random bytes, URL-safe (``secrets.token_urlsafe(32)``: 43 characters); it is not
personal data, but it is a secret, and it lives only in the email's link. The database
(``member_tokens``) keeps, per member and kind, one live link:

- the HMAC-SHA256 of ``<kind>|<token>`` under a key derived from the keyring's ``index`` key
  (HKDF, info ``yaksok-member-token|1``; ``mac_version`` the index key's version), never the
  token: a confirmation computes the HMAC under every index version the keyring holds and finds
  the row by it;
- the token sealed under the keyring's KEK (``sealed``, AAD bound to the row id) for the message
  renderer to open at delivery only (``open_for_delivery``), wiped in the transaction that marks
  the email sent or given up (``delivered``, the template's ``address_done``) and when the link
  is used or replaced; a key rotation reseals it while it waits (``SEALED``);
- the outbox row names only the row id (``mt_...``), never the token.

A link works once (``used_at``), until ``expires_at`` (``LIFETIMES``: 24 hours to verify an
email, 1 hour to reset a password); a newer link of the same kind replaces the row at once, so
the older token finds nothing. Every dead link — unknown, used, expired, replaced — gets the same
``NotFound`` with the same words, so the answer tells nothing about the account. The expiry kind
``member_tokens`` (row delete) destroys expired and used rows with destruction records. No token
appears in an exception, a log line, the outbox or the access log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets

import sqlalchemy as sa
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from yaksok.crypto.envelope import new_id
from yaksok.crypto.secretbox import SealedColumn, open_sealed, seal
from yaksok.errors import NotFound, ValidationError, YaksokError
from yaksok.store.tables import member_tokens, utcnow
from yaksok.vault import row_delete_rule

__all__ = ["VERIFY_EMAIL", "RESET_PASSWORD", "LIFETIMES", "EXPIRY", "SEALED", "issue",
           "check_format", "find_live", "use", "end", "open_for_delivery", "delivered",
           "member_of", "dead_link"]

VERIFY_EMAIL = "verify_email"
RESET_PASSWORD = "reset_password"  # noqa: S105 - a kind of link, not a secret
#: How long each kind of link works.
LIFETIMES = {VERIFY_EMAIL: dt.timedelta(hours=24), RESET_PASSWORD: dt.timedelta(hours=1)}
_INFO = b"yaksok-member-token|1"
_FORMAT = re.compile(r"^[A-Za-z0-9_-]{43}$")
_FIX = {VERIFY_EMAIL: "ask for a new verification email; a link works once, for 24 hours",
        RESET_PASSWORD: "ask for a new password reset email; a link works once, for 1 hour"}


def _key(keyring, version: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
        keyring.get("index", version))


def _mac(keyring, version: int, kind: str, token: str) -> str:
    return hmac.new(_key(keyring, version), f"{kind}|{token}".encode(),
                    hashlib.sha256).hexdigest()


def _seal_aad(token_id: str) -> bytes:
    return b"yaksok-member-token|" + token_id.encode()


def dead_link(kind: str) -> NotFound:
    """The one answer for a link that is unknown, used, expired or replaced."""
    return NotFound("the link is not valid: it was used, it expired, or a newer one replaced it",
                    field="token", fix=_FIX[kind])


def check_format(token, kind: str) -> str:
    """The token as given, if it has the shape of one (``ValidationError`` otherwise)."""
    if not isinstance(token, str) or not _FORMAT.match(token.strip()):
        raise ValidationError("the token is not one yaksok made (43 letters, digits, - or _)",
                              field="token", fix="copy the whole link from the email; "
                                                 + _FIX[kind].split(";")[0])
    return token.strip()


def issue(yk, conn: sa.Connection, member_id: str, kind: str, *, now: dt.datetime,
          stamp: str | None = None) -> str:
    """A new link of ``kind`` for the member, in the caller's write transaction (the member's
    row locked by the caller); it replaces the member's earlier one. Returns the row id the
    outbox names (``mt_...``); the token itself leaves this function only sealed."""
    t = member_tokens
    token_id = new_id("mt_")
    version = yk.keyring.active("index")[0]
    token = secrets.token_urlsafe(32)
    values = dict(id=token_id, token_mac=_mac(yk.keyring, version, kind, token),
                  mac_version=version,
                  sealed=seal(yk.keyring, "kek", token.encode(), _seal_aad(token_id)),
                  stamp=stamp, created_at=now, expires_at=now + LIFETIMES[kind], used_at=None)
    del token
    replaced = conn.execute(t.update().where(t.c.member_id == member_id, t.c.kind == kind)
                            .values(**values)).rowcount
    if not replaced:
        conn.execute(t.insert().values(member_id=member_id, kind=kind, **values))
    return token_id


def burn(yk, kind: str) -> None:
    """The work of ``issue`` without storing anything: a token made, its HMAC and seal
    computed and dropped (the answer for an email that is no member's costs about the same)."""
    token = secrets.token_urlsafe(32)
    version = yk.keyring.active("index")[0]
    _mac(yk.keyring, version, kind, token)
    seal(yk.keyring, "kek", token.encode(), _seal_aad("mt_" + "0" * 24))
    del token


def _macs(keyring, kind: str, token: str) -> list[str]:
    out = []
    for version in keyring.versions("index"):
        try:
            out.append(_mac(keyring, version, kind, token))
        except YaksokError:  # a destroyed version: no live token was made under it
            continue
    return out


def find_live(yk, conn: sa.Connection, kind: str, token: str, *, now: dt.datetime,
              lock: bool = False):
    """The live row of ``token`` (locked when ``lock``, in a write transaction), or the dead
    link's ``NotFound``."""
    t = member_tokens
    q = sa.select(t).where(t.c.kind == kind, t.c.token_mac.in_(_macs(yk.keyring, kind, token)))
    if lock:
        q = q.with_for_update()
    row = conn.execute(q).first()
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise dead_link(kind)
    return row


def use(conn: sa.Connection, row, now: dt.datetime) -> None:
    """Mark the link used (it never works again) and wipe its sealed copy."""
    t = member_tokens
    conn.execute(t.update().where(t.c.member_id == row.member_id, t.c.kind == row.kind,
                                  t.c.id == row.id).values(used_at=now, sealed=None))


def end(conn: sa.Connection, member_id: str, kind: str, now: dt.datetime) -> int:
    """End the member's live link of ``kind`` (a password changed otherwise ends a reset link
    sent before); returns how many ended."""
    t = member_tokens
    return conn.execute(t.update().where(t.c.member_id == member_id, t.c.kind == kind,
                                         t.c.used_at.is_(None))
                        .values(used_at=now, sealed=None)).rowcount


def member_of(conn: sa.Connection, token_id: str) -> str | None:
    """The member a link row belongs to (for the renderer's choice of language)."""
    t = member_tokens
    return conn.execute(sa.select(t.c.member_id).where(t.c.id == token_id)).scalar()


def open_for_delivery(keyring, conn: sa.Connection, token_id: str) -> str:
    """The token of a live link row, for the message renderer only (whose template closes over
    the keyring); ``NotFound`` once it was used, replaced, expired or sent."""
    t = member_tokens
    row = conn.execute(sa.select(t).where(t.c.id == token_id)).first()
    if row is None or row.sealed is None or row.used_at is not None \
            or row.expires_at <= utcnow():
        raise NotFound("the link of this message is no longer live", field="token_id",
                       fix="the member asks for a new one")
    return open_sealed(keyring, "kek", row.sealed, _seal_aad(token_id)).decode()


def delivered(conn: sa.Connection, params: dict, now: dt.datetime, sent: bool) -> None:
    """The outbox marked the link's email sent (or gave it up): the sealed copy ends with it,
    in the same transaction (``TemplateSpec.address_done``)."""
    t = member_tokens
    conn.execute(t.update().where(t.c.id == params["token_id"]).values(sealed=None))


# -- expiry -----------------------------------------------------------------------------------

EXPIRY = row_delete_rule("member_tokens",
                         "email verification or password reset link expired or used",
                         "member_tokens", ended=" OR used_at IS NOT NULL")
#: A link waiting for its email is resealed by a KEK rotation, so retiring the old KEK leaves
#: it sendable.
SEALED = SealedColumn("member_tokens", "id", "sealed", _seal_aad)
