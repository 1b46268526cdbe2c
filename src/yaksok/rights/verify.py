"""Verifying the requester (P6.11): re-authentication, a one-time code, or a staff check.

- ``verify_by_password``: the member (or the app backend relaying the member's input) gives the
  account password; it is checked against the argon2id hash like a login, and tries are limited
  like logins (``yaksok.throttle.logins``).
- ``send_code`` / ``check_code``: 6 digits from ``secrets``, mailed through the outbox to the
  account's email address. The database keeps an HMAC of the code under a key derived from the
  keyring (``index`` key, HKDF info ``yaksok-verification-code|1``), never the code; the outbox
  row names only the code's id, and the code itself is sealed under the keyring's KEK in
  ``verification_codes.sealed`` for the message renderer to open at delivery, wiped when the
  code is used or replaced. A code lives ``CODE_MINUTES`` (10), allows ``MAX_ATTEMPTS`` (5)
  wrong tries and is then dead (``Conflict``: send a new one), works once, and a new one
  replaces the old. Codes appear in no exception, log line or access-log entry.
- ``verify_by_staff``: a handler records how identity was checked for a request received by
  letter, phone, email or fax (``STAFF_METHODS``: ``id-card-seen`` ...).

Every success is the ``received -> verified`` transition with the method as its reason, followed
by the self-service carry-out when the policy allows it for the right (``selfservice``); every
wrong password or code is a ``denied`` access-log entry. A request by an agent or
representative is verified only after their power of attorney was accepted (``agents.py``).

The expiry kind ``verification_codes`` (row delete) destroys codes that expired, were used or
ran out of attempts; it is registered when this module is imported.
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

from yaksok import throttle
from yaksok.crypto.envelope import new_id
from yaksok.crypto.secretbox import SealedColumn, open_sealed, seal
from yaksok.errors import (
    AuthenticationFailed,
    Conflict,
    NotFound,
    ValidationError,
)
from yaksok.rights.grounds import STAFF_METHODS
from yaksok.rights.lifecycle import (
    RightsRequest,
    admin_event,
    aware,
    load,
    mark_verified,
    require_handler,
    require_status,
)
from yaksok.rights.selfservice import after_verified
from yaksok.services import Services
from yaksok.store.tables import utcnow, verification_codes
from yaksok.vault import Vault, row_delete_rule

__all__ = ["CODE_MINUTES", "MAX_ATTEMPTS", "RESEND_SECONDS", "verify_by_password", "send_code",
           "check_code", "verify_by_staff", "open_code_for_delivery"]

#: How long a one-time code lives, how many wrong tries it takes, how soon another may be sent.
CODE_MINUTES = 10
MAX_ATTEMPTS = 5
RESEND_SECONDS = 60
_INFO = b"yaksok-verification-code|1"
_CODE = re.compile(r"^[0-9]{6}$")


def _mac(keyring, version: int, code_id: str, request_id: str, code: str) -> str:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
        keyring.get("index", version))
    return hmac.new(key, f"{code_id}|{request_id}|{code}".encode(), hashlib.sha256).hexdigest()


def _seal_aad(code_id: str) -> bytes:
    return b"yaksok-rights-code|" + code_id.encode()


def _for_member(yk: Services, actor, request_id: str, *, ip: str | None = None) -> None:
    """Only the member, or the app backend relaying their input, gives a password or code
    (``yaksok.access``: ``rights_verify``; staff verify with ``verify_by_staff`` and never handle
    a member's password or code). A refusal is logged and raised; call it outside any
    transaction."""

    with yk.engine.connect() as conn:
        member_id = load(conn, request_id).member_id
    yk.vault.authorize(actor, "rights_verify", member_id=member_id, ip=ip,
                            request_id=request_id)


def _deny(v: Vault, row, actor, reason: str, ip: str | None) -> None:
    with v.core_write() as conn:
        v.append(conn, admin_event(v, actor=actor, row=row, reason=reason, ip=ip,
                                   outcome="denied"))


# -- re-authentication ------------------------------------------------------------------------

def verify_by_password(yk: Services, request_id: str, password: str, *, actor,
                       now: dt.datetime | None = None, ip: str | None = None) -> RightsRequest:
    """Verify with the account password (P6.11); ``AuthenticationFailed`` when wrong."""

    v = yk.vault
    now = aware(now)
    _for_member(yk, actor, request_id, ip=ip)
    with yk.engine.connect() as conn:
        row = load(conn, request_id)
        require_status(row, ("received",), "verified")
    account = "member:" + row.member_id
    throttle.before_login(yk.throttle, account, ip)
    check = v.check_password(row.member_id, password, now=now)
    if check.reason == "no-password":
        _deny(v, row, actor, "rights:verify:no-password", ip)
        raise AuthenticationFailed("the account has no password to check",
                                   fix="ask for a one-time code instead")
    if not check.ok:
        throttle.login_failed(yk.throttle, account, ip)
        _deny(v, row, actor, "rights:verify:password-wrong", ip)
        raise AuthenticationFailed("the password is not right", field="password",
                                   fix="type the account password again")
    throttle.login_succeeded(yk.throttle, account, ip)
    with v.core_write() as conn:
        mark_verified(yk, conn, load(conn, request_id, lock=True), actor=actor,
                      method="password", now=now, ip=ip)
        verified = load(conn, request_id)
    return after_verified(yk, RightsRequest.from_row(verified), ip=ip, now=now,
                          lang=verified.lang)


# -- one-time codes ---------------------------------------------------------------------------

def send_code(yk: Services, request_id: str, *, actor, now: dt.datetime | None = None,
              ip: str | None = None) -> None:
    """Mail a new one-time code to the member's address (it replaces any earlier one)."""

    v = yk.vault
    now = aware(now)
    t = verification_codes
    _for_member(yk, actor, request_id, ip=ip)
    yk.throttle.hit("code-send-address", ip, message="too many one-time codes from this address")
    yk.throttle.hit("code-send-request", request_id,
                    message="too many one-time codes for this request")
    with v.core_write() as conn:
        row = load(conn, request_id, lock=True)
        require_status(row, ("received",), "verified")
        if row.member_id is None:
            raise Conflict("the request has no member to send a code to", field="member_id")
        if row.requester != "self" and row.agent_check != "accepted":
            raise Conflict("the agent's power of attorney was not accepted yet",
                           field="agent_check", fix="record the staff check first")
        last = conn.execute(sa.select(sa.func.max(t.c.created_at))
                            .where(t.c.request_id == row.id)).scalar()
        if last is not None and now - last < dt.timedelta(seconds=RESEND_SECONDS):
            raise Conflict("a code was sent less than a minute ago", field="code",
                           fix="use the code already sent, or wait a minute")
        conn.execute(t.update().where(t.c.request_id == row.id, t.c.used_at.is_(None))
                     .values(used_at=now, sealed=None))
        code_id = new_id("vc_")
        version = yk.keyring.active("index")[0]
        code = f"{secrets.randbelow(10**6):06d}"
        conn.execute(t.insert().values(
            id=code_id, request_id=row.id, code_mac=_mac(yk.keyring, version, code_id, row.id,
                                                         code),
            mac_version=version, sealed=seal(yk.keyring, "kek", code.encode(),
                                             _seal_aad(code_id)),
            created_at=now, expires_at=now + dt.timedelta(minutes=CODE_MINUTES), attempts=0))
        del code
        yk.outbox.enqueue(conn, channel="email", member_id=row.member_id, template="rights_code",
                          params={"code_id": code_id, "lang": row.lang},
                          dedupe_key=f"rights-code:{code_id}", now=now)
        v.append(conn, admin_event(v, actor=actor, row=row, reason="rights:verify:code-sent",
                                   ip=ip))


def open_code_for_delivery(keyring, conn: sa.Connection, code_id: str) -> str:
    """The plain code of a live code row, for the message renderer only (whose template closes
    over the keyring)."""
    t = verification_codes
    row = conn.execute(sa.select(t).where(t.c.id == code_id)).first()
    if row is None or row.sealed is None or row.used_at is not None \
            or row.attempts >= MAX_ATTEMPTS or row.expires_at <= utcnow():
        raise NotFound("the one-time code is no longer live", field="code_id",
                       fix="the requester asks for a new one")
    return open_sealed(keyring, "kek", row.sealed, _seal_aad(code_id)).decode()


def check_code(yk: Services, request_id: str, code: str, *, actor, now: dt.datetime | None = None,
               ip: str | None = None) -> RightsRequest:
    """Verify with the code sent (P6.11). A wrong code costs an attempt
    (``AuthenticationFailed``); an expired, used-up or replaced one is ``Conflict``."""

    v = yk.vault
    now = aware(now)
    if not isinstance(code, str) or not _CODE.match(code.strip()):
        raise ValidationError("the code is six digits", field="code",
                              fix="type the six digits from the email")
    code = code.strip()
    t = verification_codes
    wrong = None
    _for_member(yk, actor, request_id, ip=ip)
    yk.throttle.hit("code-check-address", ip, message="too many code checks from this address")
    with v.core_write() as conn:
        row = load(conn, request_id, lock=True)
        require_status(row, ("received",), "verified")
        live = conn.execute(sa.select(t).where(t.c.request_id == row.id, t.c.used_at.is_(None))
                            .order_by(t.c.created_at.desc()).limit(1)).first()
        if live is None or live.expires_at <= now or live.attempts >= MAX_ATTEMPTS:
            why = ("no code was sent" if live is None else "the code expired"
                   if live.expires_at <= now else "the code had too many wrong attempts")
            raise Conflict(f"{why}; it cannot verify the request", field="code",
                           fix="ask for a new code (send_code)")
        conn.execute(t.update().where(t.c.id == live.id).values(attempts=t.c.attempts + 1))
        expected = live.code_mac
        given = _mac(yk.keyring, live.mac_version, live.id, row.id, code)
        if hmac.compare_digest(expected, given):
            conn.execute(t.update().where(t.c.id == live.id).values(used_at=now, sealed=None))
            mark_verified(yk, conn, row, actor=actor, method="code", now=now, ip=ip)
        else:
            left = MAX_ATTEMPTS - live.attempts - 1
            v.append(conn, admin_event(v, actor=actor, row=row, ip=ip, outcome="denied",
                                       reason="rights:verify:code-wrong"))
            wrong = AuthenticationFailed(
                "the code is not right", field="code",
                fix=f"{left} attempt(s) left" if left else "no attempts left: ask for a new code")
    if wrong is not None:  # raised after the commit: the attempt and the denial are kept
        raise wrong
    verified = _reload(yk, request_id)
    return after_verified(yk, RightsRequest.from_row(verified), ip=ip, now=now,
                          lang=verified.lang)


def _reload(yk: Services, request_id: str):
    with yk.engine.connect() as conn:
        return load(conn, request_id)


# -- staff --------------------------------------------------------------------------------------

def verify_by_staff(yk: Services, request_id: str, *, actor, method: str, now: dt.datetime | None = None,
                    ip: str | None = None) -> RightsRequest:
    """A handler records how the requester's identity was checked (``STAFF_METHODS``)."""

    require_handler(yk, actor, "verify a requester")
    if method not in STAFF_METHODS:
        raise ValidationError("not a way of checking identity yaksok knows", field="method",
                              fix="use one of: " + ", ".join(STAFF_METHODS))
    v = yk.vault
    now = aware(now)
    with v.core_write() as conn:
        mark_verified(yk, conn, load(conn, request_id, lock=True), actor=actor,
                      method=f"staff:{method}", now=now, ip=ip)
        return RightsRequest.from_row(load(conn, request_id))


# -- expiry ---------------------------------------------------------------------------------------

EXPIRY = row_delete_rule("verification_codes",
                         "one-time code expired, used, replaced or out of attempts",
                         "verification_codes",
                         ended=f" OR used_at IS NOT NULL OR attempts >= {MAX_ATTEMPTS:d}")
#: A live code is resealed by a KEK rotation, so retiring the old KEK leaves it sendable.
SEALED = SealedColumn("verification_codes", "id", "sealed", _seal_aad)
