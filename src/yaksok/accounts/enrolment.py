"""Enrolling the authenticator on the console, the officer's resets, and changing one's password.

A staff account may be made without a TOTP secret (``add_staff(..., enrol_on_console=True)``)
and with a temporary password yaksok chose (``temporary_password=True``), handed over in person.
At the first sign-in the person proves the password (``start_enrolment``), is shown a new secret
once — as a QR code and as text — and proves they hold it by typing a code from their app
(``finish_enrolment``), which also replaces a temporary password and starts the session.

Why it is safe with a password alone: only an account with **no enrolled authenticator** may
start, and an account gets there only when it is new or the privacy officer reset its TOTP
(``reset_staff``, recorded in ``rights_log``). An enrolled account is refused with the same
words as a wrong password, so a stolen password never replaces someone's second factor.

- The secret being enrolled is sealed under the keyring's ``kek`` in its own column, with its
  own AAD (``pending_totp_aad``); the ticket (``ye_...``, 256 random bits) is stored only as
  its SHA-256 and lives ``ENROLMENT_MINUTES``; a newer start replaces it; ``WRONG_CODES`` wrong
  codes end it (start again with the password).
- A code is good once: its time step is recorded, as at a login.
- ``change_staff_password`` ends every session of the account and returns a new one, so a
  session someone else holds ends with the old password while the person's own browser goes on.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field

import pyotp
from sqlalchemy import Engine, insert, select, update

from yaksok import throttle as limits
from yaksok.accounts.passwords import hash_password, verify_password
from yaksok.accounts.rights_log import record_change
from yaksok.accounts.sessions import (
    check_live_session,
    new_session_token,
    record_failed_login,
    success_values,
    token_digest,
)
from yaksok.accounts.staff import (
    DEFAULT_SESSION_SECONDS,
    LOGIN_REFUSED,
    LOGIN_REFUSED_FIX,
    TOKEN_PREFIX,
    account_row,
    first_factor,
    new_temporary_password,
    renewed_password,
)
from yaksok.accounts.totp import code_step, pending_totp_aad, totp_aad, totp_uri
from yaksok.actors import Actor, staff_actor
from yaksok.errors import AuthenticationFailed, Conflict, ValidationError
from yaksok.policy.model import Policy

__all__ = [
    "ENROLMENT_MINUTES",
    "TICKET_PREFIX",
    "WRONG_CODES",
    "Enrolment",
    "change_staff_password",
    "finish_enrolment",
    "reset_staff",
    "start_enrolment",
]

TICKET_PREFIX = "ye_"
ENROLMENT_MINUTES = 10
#: Wrong codes that end an enrolment: the same count as the failed logins that restrict.
WRONG_CODES = 5
_AGAIN = "sign in again with your password"


@dataclass(frozen=True)
class Enrolment:
    """A started TOTP enrolment: the secret to show as a QR code, once, and its ticket."""

    #: ``ye_`` + 43 URL-safe characters; only its SHA-256 is stored; it lives 10 minutes.
    ticket: str = field(repr=False)
    #: The base32 TOTP secret, for the QR code and for typing in.
    secret: str = field(repr=False)
    #: The ``otpauth://`` URI an authenticator app scans (``totp_uri``).
    uri: str = field(repr=False)
    username: str
    #: Whether the password is temporary: finishing then needs a new one.
    must_change_password: bool
    expires_at: dt.datetime


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now(dt.UTC)


def _tables():
    from yaksok.store.tables import staff_accounts, staff_sessions

    return staff_accounts, staff_sessions


def _ended(message: str = "the enrolment has ended or is not valid") -> AuthenticationFailed:
    return AuthenticationFailed(message, field="ticket",
                                fix=f"{_AGAIN}: a new code to scan is shown")


def start_enrolment(engine: Engine, keyring, policy: Policy, username: str, password: str, *,
                    throttle: limits.Throttle, now: dt.datetime | None = None,
                    ip: str | None = None) -> Enrolment:
    """Check the password of an account with no enrolled authenticator and start enrolling
    one: a new secret (sealed, pending) and a ticket for ``finish_enrolment``.

    Checked exactly like ``login_staff`` (same abuse limits, same dummy verification for an
    unknown name): an unknown, disabled or enrolled account and a wrong password all get the
    same ``AuthenticationFailed``. A role the policy in force no longer defines is refused
    before anything is enrolled."""
    from yaksok.crypto.secretbox import seal_b64
    from yaksok.store.engine import IMMEDIATE

    now = _now(now)
    accounts, _ = _tables()
    subject, row, ok, new_hash = first_factor(engine, throttle, username, password, ip)
    if not ok or row.totp_secret_enc is not None:
        limits.login_failed(throttle, subject, ip)
        if not ok:  # a guess through this door counts like one through the login
            record_failed_login(engine, accounts, row.id, now)
        raise AuthenticationFailed(LOGIN_REFUSED, fix=LOGIN_REFUSED_FIX)
    _check_role(policy, row)
    secret = pyotp.random_base32()  # 160 bits, as add_staff makes them
    ticket = TICKET_PREFIX + secrets.token_urlsafe(32)
    expires = now + dt.timedelta(minutes=ENROLMENT_MINUTES)
    values: dict = {
        "totp_pending_enc": seal_b64(keyring, "kek", secret.encode("ascii"),
                                     pending_totp_aad(row.id)),
        "enrol_ticket_hash": token_digest(ticket), "enrol_expires_at": expires,
        "enrol_failures": 0}
    if new_hash is not None:
        values["password_hash"] = new_hash  # parameters changed since it was hashed: upgrade
    with engine.connect().execution_options(**IMMEDIATE) as conn, conn.begin():
        # Only while still not enrolled: an enrolment finished meanwhile is not started over.
        done = conn.execute(update(accounts).where(
            accounts.c.id == row.id, accounts.c.totp_secret_enc.is_(None),
            accounts.c.disabled_at.is_(None)).values(**values)).rowcount
    if done != 1:
        limits.login_failed(throttle, subject, ip)
        raise AuthenticationFailed(LOGIN_REFUSED, fix=LOGIN_REFUSED_FIX)
    return Enrolment(ticket, secret, totp_uri(secret, row.username), row.username,
                     bool(row.must_change_password), expires)


def finish_enrolment(engine: Engine, keyring, policy: Policy, ticket: str, code: str, *,
                     new_password: str | None = None, throttle: limits.Throttle,
                     now: dt.datetime | None = None,
                     session_seconds: int = DEFAULT_SESSION_SECONDS,
                     ip: str | None = None) -> tuple[Actor, str]:
    """Finish an enrolment with the code the app shows for the new secret; returns the actor
    and a new session token (``ys_...``), as ``login_staff`` does.

    The code is checked against the pending secret (one step of drift either way; a code is
    good once). A temporary password needs ``new_password`` (the password rules, different
    from the current one; ``ValidationError`` field ``new_password``). In one transaction the
    secret becomes the enrolled one, the ticket and the temporary mark go, the session starts.
    A wrong code is ``AuthenticationFailed`` (field ``totp``); the ``WRONG_CODES``-th ends the
    enrolment; an unknown, ended or expired ticket is ``AuthenticationFailed`` (``ticket``)."""
    from yaksok.crypto.secretbox import open_sealed_b64, seal_b64
    from yaksok.store.engine import IMMEDIATE

    now = _now(now)
    accounts, sessions = _tables()
    digest = token_digest(ticket)
    row = None
    if (ticket or "").startswith(TICKET_PREFIX):
        with engine.connect() as conn:
            row = conn.execute(select(accounts)
                               .where(accounts.c.enrol_ticket_hash == digest)).first()
    if (row is None or row.enrol_expires_at is None or now >= row.enrol_expires_at
            or row.disabled_at is not None or row.totp_pending_enc is None):
        # Tickets are 256-bit random, but guesses still count against the address.
        limits.before_login(throttle, "staff-enrolment:" + digest, ip)
        limits.login_failed(throttle, "staff-enrolment:" + digest, ip)
        raise _ended()
    changes: dict = {}
    if row.must_change_password or new_password is not None:
        changes = renewed_password(row.password_hash, new_password)
    # The new secret has never been used: no earlier step to stay after.
    step = code_step(keyring, row.totp_pending_enc, pending_totp_aad(row.id), None, code, now)
    if step is None:
        if _count_wrong_code(engine, row.id, digest):
            raise _ended(f"{WRONG_CODES} wrong codes: this enrolment has ended")
        raise AuthenticationFailed(
            "the code is not right", field="totp",
            fix=f"type the 6-digit code the authenticator app shows now for this account; "
                f"after {WRONG_CODES} wrong codes the enrolment ends")
    actor = _check_role(policy, row)
    secret = open_sealed_b64(keyring, "kek", row.totp_pending_enc, pending_totp_aad(row.id))
    enrolled = seal_b64(keyring, "kek", secret, totp_aad(row.id))
    token = new_session_token(TOKEN_PREFIX)
    with engine.connect().execution_options(**IMMEDIATE) as conn, conn.begin():
        # Conditional on the ticket: of two finishes racing with one code, one wins.
        done = conn.execute(update(accounts).where(
            accounts.c.id == row.id, accounts.c.enrol_ticket_hash == digest,
            accounts.c.totp_secret_enc.is_(None)).values(
            totp_secret_enc=enrolled, totp_pending_enc=None, enrol_ticket_hash=None,
            enrol_expires_at=None, enrol_failures=0, totp_last_step=step,
            **success_values(None), **changes)).rowcount
        if done != 1:
            raise _ended()
        conn.execute(insert(sessions).values(
            token_hash=token_digest(token), staff_id=row.id, role=row.role, created_at=now,
            expires_at=now + dt.timedelta(seconds=session_seconds), last_seen_at=now))
    limits.login_succeeded(throttle, "staff:" + row.username, ip)
    return actor, token


def _check_role(policy: Policy, row) -> Actor:
    actor = staff_actor(policy, row.id, row.username, row.role)
    if actor is None:
        raise AuthenticationFailed(
            f"the role {row.role!r} of this account is not in the policy in force",
            fix="ask the privacy officer to give the account a role the policy defines")
    return actor


def _count_wrong_code(engine: Engine, staff_id: str, digest: str) -> bool:
    """Count a wrong code against the ticket; returns True when it ended the enrolment."""
    from yaksok.store.engine import IMMEDIATE

    accounts, _ = _tables()
    # Read and write under the write lock: two wrong codes at once count as two.
    with engine.connect().execution_options(**IMMEDIATE) as conn, conn.begin():
        failures = conn.execute(select(accounts.c.enrol_failures).where(
            accounts.c.id == staff_id, accounts.c.enrol_ticket_hash == digest)).scalar()
        if failures is None:
            return True  # ended meanwhile
        ends = failures + 1 >= WRONG_CODES
        values: dict = {"enrol_failures": failures + 1}
        if ends:
            values = {"enrol_failures": 0, "enrol_ticket_hash": None, "enrol_expires_at": None,
                      "totp_pending_enc": None}
        conn.execute(update(accounts).where(accounts.c.id == staff_id).values(**values))
    return ends


def reset_staff(engine: Engine, keyring, username: str, *, totp: bool, password: bool, by: str,
                now: dt.datetime | None = None) -> str | None:
    """The privacy officer's reset of another staff account: ``totp`` removes the enrolled
    authenticator (the person enrols again at their next sign-in on the console), ``password``
    sets a temporary password the person must replace. Returns that password (to hand over in
    person, shown once) or None.

    Every session of the account ends; the reset is recorded in ``rights_log`` (change
    ``reset``), all in one transaction. ``by`` is the actor's id (``cli:operator`` on the
    server); nobody resets their own account (``Conflict``). ``NotFound`` for an unknown name.
    ``keyring`` is not used: a reset only removes sealed values (it stays in the signature
    beside the enrolment's, for a reset that would seal one)."""
    del keyring
    if not (totp or password):
        raise ValidationError("nothing to reset: neither the TOTP nor the password was chosen",
                              field="totp", fix="choose the TOTP, the password or both")
    now = _now(now)
    accounts, sessions = _tables()
    row = account_row(engine, username)
    name = row.username
    if by == row.id:
        raise Conflict("nobody resets their own account", field="username",
                       fix="ask another privacy officer to reset it; to change your own "
                           "password use the console's password page or POST /staff/password")
    if row.disabled_at is not None:
        raise Conflict(f"the account {name!r} is disabled", field="username",
                       fix="a disabled account stays disabled: add a new account instead")
    # Any enrolment under way started with the old password or for the old secret: it ends.
    values: dict = {"totp_pending_enc": None, "enrol_ticket_hash": None,
                    "enrol_expires_at": None, "enrol_failures": 0}
    if totp:
        values.update(totp_secret_enc=None, totp_last_step=None)
    temporary = None
    if password:
        temporary = new_temporary_password()
        values.update(password_hash=hash_password(temporary), must_change_password=True)
    reason = ("TOTP and password reset" if totp and password
              else "TOTP reset" if totp else "password reset")
    with engine.begin() as conn:
        conn.execute(update(accounts).where(accounts.c.id == row.id).values(**values))
        conn.execute(update(sessions).where(sessions.c.staff_id == row.id,
                                            sessions.c.revoked_at.is_(None))
                     .values(revoked_at=now))
        record_change(conn, by=by, subject=row.id, subject_kind="staff", change="reset",
                      rights=f"role:{row.role}", at=now, reason=reason)
    return temporary


def change_staff_password(engine: Engine, token: str, current: str, new: str, *,
                          now: dt.datetime | None = None,
                          session_seconds: int = DEFAULT_SESSION_SECONDS,
                          throttle: limits.Throttle | None = None,
                          ip: str | None = None) -> str:
    """Change the password of the account whose live session ``token`` is; returns a new
    session token. Every session of the account ends, in the same transaction, so a session
    someone else holds ends with the old password.

    A wrong ``current`` is ``AuthenticationFailed`` (field ``current_password``); ``new`` must
    meet the password rules and differ from it (``ValidationError``, field ``new_password``).
    With ``throttle``, tries count as the account's logins do (``ip``: the client's address),
    so whoever holds a session left open cannot guess the password through this door at will:
    too many are ``RateLimited``."""
    from yaksok.store.engine import IMMEDIATE

    now = _now(now)
    accounts, sessions = _tables()
    digest = token_digest(token)
    row = None
    if (token or "").startswith(TOKEN_PREFIX):
        query = (select(sessions, accounts.c.password_hash, accounts.c.disabled_at,
                        accounts.c.username)
                 .join(accounts, accounts.c.id == sessions.c.staff_id)
                 .where(sessions.c.token_hash == digest))
        with engine.connect() as conn:
            row = conn.execute(query).first()
    check_live_session(row, digest, now, ended=row is not None and row.disabled_at is not None)
    subject = "staff:" + row.username
    if throttle is not None:
        limits.before_login(throttle, subject, ip)
    if not verify_password(row.password_hash, current or "")[0]:
        if throttle is not None:
            limits.login_failed(throttle, subject, ip)
        raise AuthenticationFailed("the current password is not right", field="current_password",
                                   fix="type the password you signed in with; forgotten: ask "
                                       "the privacy officer to reset it")
    if throttle is not None:
        limits.login_succeeded(throttle, subject, ip)
    changes = renewed_password(row.password_hash, new)
    fresh = new_session_token(TOKEN_PREFIX)
    with engine.connect().execution_options(**IMMEDIATE) as conn, conn.begin():
        conn.execute(update(accounts).where(accounts.c.id == row.staff_id).values(**changes))
        conn.execute(update(sessions).where(sessions.c.staff_id == row.staff_id,
                                            sessions.c.revoked_at.is_(None))
                     .values(revoked_at=now))
        conn.execute(insert(sessions).values(
            token_hash=token_digest(fresh), staff_id=row.staff_id, role=row.role,
            created_at=now, expires_at=now + dt.timedelta(seconds=session_seconds),
            last_seen_at=now))
    return fresh
