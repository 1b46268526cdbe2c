"""Staff accounts: password + TOTP login, abuse limits and restriction, and sessions.

Staff are the controller's (and its processors') people who act on personal data, so their
access is the one the safety-measures standard cares most about (P7.5, P12.8):

- the role comes from the policy's ``staff_roles`` and fixes the purposes the person may act for;
- the password meets the rules in ``passwords.py`` and is kept only as an argon2id hash (P7.2);
- a second factor (TOTP, RFC 6238) is required at every login; its secret is sealed with the
  keyring's ``kek`` key, so the database alone cannot mint codes;
- tries are limited per account and address and per address (``yaksok.throttle.logins``), and
  ``RESTRICT_AFTER`` failures in a row restrict the account until the privacy officer lifts it
  (``lift_restriction``): a restricted account refuses the addresses that failed on it, so a
  stranger cannot lock staff out — they still log in from their own address with their TOTP;
- a session token (``ys_...``) is random and only its SHA-256 is stored, like an API key; a
  session not used for ``Settings.staff_idle_seconds`` ends (``authenticate_staff_token``);
- an account may be made without a TOTP secret, to enrol it on the console at first sign-in, and
  with a temporary password the person must replace (``yaksok.accounts.enrolment``); until then
  ``login_staff`` refuses it like any wrong answer, so no door skips the enrolment.

Failures say as little as possible: an unknown user, a wrong password and a wrong code all get
the same message, and an unknown user costs one argon2 verification like a known one does.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass, field

import pyotp
from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from yaksok import throttle as limits
from yaksok.accounts.passwords import check_password_rules, hash_password, verify_password
from yaksok.accounts.rights_log import record_change
from yaksok.accounts.sessions import (
    RESTRICT_AFTER,
    burn_dummy_verification,
    check_live_session,
    new_session_token,
    record_failed_login,
    revoke_session,
    success_values,
    token_digest,
)
from yaksok.accounts.totp import (  # SEALED_COLUMNS and the totp_* helpers: in __all__ too
    SEALED_COLUMNS,
    code_step,
    read_totp_secret,
    totp_aad,
    totp_code,
    totp_uri,
)
from yaksok.actors import Actor, staff_actor
from yaksok.errors import AuthenticationFailed, Conflict, NotFound, ValidationError
from yaksok.policy.model import Policy
from yaksok.settings import Settings

__all__ = [
    "DEFAULT_SESSION_SECONDS",
    "RESTRICT_AFTER",
    "SEALED_COLUMNS",
    "TOKEN_PREFIX",
    "NewStaff",
    "StaffInfo",
    "add_staff",
    "authenticate_staff_token",
    "disable_staff",
    "list_staff",
    "login_staff",
    "logout_staff",
    "lift_restriction",
    "read_totp_secret",
    "totp_code",
    "totp_uri",
]

TOKEN_PREFIX = "ys_"  # noqa: S105 - a prefix, not a secret
DEFAULT_SESSION_SECONDS = Settings.staff_session_seconds
_USERNAME_RE = re.compile(r"^[a-z][a-z0-9._-]{1,63}$")
#: What every refused staff sign-in says, with one fix for all, so it tells nobody which case
#: applied (unknown name, wrong password or code, not enrolled yet, temporary password).
LOGIN_REFUSED = "username, password or code is not right"
LOGIN_REFUSED_FIX = ("check the username, password and code; at a first sign-in or after a "
                     "reset, sign in on the console (/console/login) with your password: it "
                     "enrols the authenticator or asks for a new password")
#: A session's ``last_seen_at`` is written at most this often: not on every request.
SEEN_EVERY = dt.timedelta(seconds=60)


@dataclass(frozen=True)
class StaffInfo:
    """What may be shown about a staff account: no password hash, no TOTP secret."""

    id: str
    username: str
    role: str
    created_at: dt.datetime
    disabled_at: dt.datetime | None
    #: Since when repeated failed logins restrict the account (None: not restricted).
    restricted_at: dt.datetime | None
    #: Whether an authenticator is enrolled (False: new, or its TOTP was reset).
    enrolled: bool = True
    #: Whether the password is a temporary one the person must replace at the next sign-in.
    must_change_password: bool = False

    @property
    def active(self) -> bool:
        return self.disabled_at is None


@dataclass(frozen=True)
class NewStaff:
    """A new account and the secrets it was made with, shown once and never stored as such."""

    info: StaffInfo
    #: The TOTP secret (base32), or None when the person enrols on the console.
    totp_secret: str | None = field(repr=False)
    #: The password yaksok chose, to hand over in person, or None when the caller gave one.
    temporary_password: str | None = field(repr=False)


def _tables():
    from yaksok.store.tables import staff_accounts, staff_sessions

    return staff_accounts, staff_sessions


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now(dt.UTC)


def _info(row) -> StaffInfo:
    return StaffInfo(row.id, row.username, row.role, row.created_at, row.disabled_at,
                     row.restricted_at, row.totp_secret_enc is not None,
                     bool(row.must_change_password))


def new_temporary_password() -> str:
    """A password to hand over in person: 16 characters in groups of four, from letters and
    digits that cannot be misread (no 0/O, 1/l/I), about 90 bits; it meets the password rules."""
    alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    while True:
        groups = ["".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4)]
        candidate = "-".join(groups)
        try:
            check_password_rules(candidate)
        except ValidationError:  # vanishingly rare (a common password); draw again
            continue
        return candidate


def _normalise_username(username: str) -> str:
    name = (username or "").strip().lower()
    if not _USERNAME_RE.match(name):
        raise ValidationError(
            "a username is 2 to 64 characters: a letter first, then letters, digits, '.', '_' "
            "or '-'", field="username", fix="e.g. `alice` or `kim.minji`")
    return name


def _check_role(policy: Policy, role: str) -> None:
    if policy.staff_role(role) is None:
        known = ", ".join(r.key for r in policy.staff_roles) or "(none: the policy has none)"
        raise ValidationError(f"unknown staff role {role!r}; the policy defines: {known}",
                              field="role", fix="use a role from the policy's staff_roles")


def add_staff(engine: Engine, keyring, policy: Policy, username: str, role: str,
              password: str | None = None, *, now: dt.datetime | None = None,
              by: str = "cli:operator", enrol_on_console: bool = False,
              temporary_password: bool = False) -> NewStaff:
    """Create a staff account. The grant of its role is recorded (``rights_log``), as done
    ``by`` that actor.

    By default it returns the TOTP secret (base32), shown only once. With ``enrol_on_console``
    the account has no TOTP yet: the person enrols an authenticator at their first sign-in on
    the console (``yaksok.accounts.enrolment``). With ``temporary_password`` yaksok chooses the
    password (``password`` must then be left out), returns it once to hand over in person, and
    the person must replace it at their first sign-in."""
    from yaksok.crypto.secretbox import seal_b64

    name = _normalise_username(username)
    _check_role(policy, role)
    if temporary_password:
        if password is not None:
            raise ValidationError("a temporary password is chosen by yaksok, not given",
                                  field="password",
                                  fix="leave the password out, or do not ask for a temporary one")
        password = new_temporary_password()
    else:
        check_password_rules(password or "")
    staff_id = f"st_{secrets.token_hex(8)}"
    totp_secret = sealed = None
    if not enrol_on_console:
        totp_secret = pyotp.random_base32()  # 32 base32 characters: 160 bits, RFC 4226's advice
        sealed = seal_b64(keyring, "kek", totp_secret.encode("ascii"), totp_aad(staff_id))
    created = _now(now)
    accounts, _ = _tables()
    try:
        with engine.begin() as conn:
            conn.execute(insert(accounts).values(
                id=staff_id, username=name, role=role, password_hash=hash_password(password),
                totp_secret_enc=sealed, failed_logins=0, created_at=created,
                must_change_password=temporary_password))
            record_change(conn, by=by, subject=staff_id, subject_kind="staff",
                          change="granted", rights=f"role:{role}", at=created)
    except IntegrityError:
        raise Conflict(f"a staff account named {name!r} exists already", field="username",
                       fix="choose another username") from None
    info = StaffInfo(staff_id, name, role, created, None, None, sealed is not None,
                     temporary_password)
    return NewStaff(info, totp_secret, password if temporary_password else None)


def first_factor(engine: Engine, throttle: limits.Throttle, username: str, password: str,
                 ip: str | None):
    """The first steps of every staff sign-in (``login_staff``, ``start_enrolment``): the
    abuse limits, the account, and whether the password is right.

    Returns ``(throttle subject, account row, password right, upgraded hash or None)``. An
    unknown or disabled account, or a restricted one at an address that failed on it, is
    refused here with the generic ``AuthenticationFailed``, after one argon2 verification so
    that it takes as long as a wrong password."""
    accounts, _ = _tables()
    name = (username or "").strip().lower()
    subject = "staff:" + name
    failed_before = limits.before_login(throttle, subject, ip)
    with engine.connect() as conn:
        row = conn.execute(select(accounts).where(accounts.c.username == name)).first()
    if (row is None or row.disabled_at is not None
            or (row.restricted_at is not None and failed_before)):
        burn_dummy_verification(password)
        limits.login_failed(throttle, subject, ip)
        raise AuthenticationFailed(LOGIN_REFUSED, fix=LOGIN_REFUSED_FIX)
    ok, new_hash = verify_password(row.password_hash, password or "")
    return subject, row, ok, new_hash


def login_staff(engine: Engine, keyring, policy: Policy, username: str, password: str,
                totp_code: str, *, throttle: limits.Throttle, now: dt.datetime | None = None,
                session_seconds: int = DEFAULT_SESSION_SECONDS,
                ip: str | None = None, new_password: str | None = None) -> tuple[Actor, str]:
    """Check password and TOTP code; returns the actor and a new session token (``ys_...``).

    The session expires ``session_seconds`` after ``now``. Every failure is the same
    ``AuthenticationFailed`` — a restricted account refusing an address that failed on it too,
    an account with no authenticator enrolled yet, and one whose password is temporary when no
    ``new_password`` comes with it — and too many tries are ``RateLimited`` (``ip``: the
    client's address). After a password reset, ``new_password`` (checked by the password
    rules, field ``new_password``) replaces the temporary one in the session's transaction.
    """
    from yaksok.store.engine import IMMEDIATE

    now = _now(now)
    accounts, sessions = _tables()
    subject, row, ok, new_hash = first_factor(engine, throttle, username, password, ip)
    step = code_step(keyring, row.totp_secret_enc, totp_aad(row.id), row.totp_last_step,
                     totp_code, now)
    temporary_kept = bool(row.must_change_password) and new_password is None
    if not ok or step is None or temporary_kept:
        limits.login_failed(throttle, subject, ip)
        # A right password on an account still to enrol or to renew its password is the
        # person at the wrong door, not a guess: it does not count towards the restriction.
        if not ok or (step is None and row.totp_secret_enc is not None):
            record_failed_login(engine, accounts, row.id, now)
        raise AuthenticationFailed(LOGIN_REFUSED, fix=LOGIN_REFUSED_FIX)
    changes: dict = {**success_values(new_hash), "totp_last_step": step}
    if row.must_change_password:
        changes.update(renewed_password(row.password_hash, new_password))
    limits.login_succeeded(throttle, subject, ip)
    actor = staff_actor(policy, row.id, row.username, row.role)
    if actor is None:
        raise AuthenticationFailed(
            f"the role {row.role!r} of this account is not in the policy in force",
            fix="ask the privacy officer to give the account a role the policy defines")
    token = new_session_token(TOKEN_PREFIX)
    with engine.connect().execution_options(**IMMEDIATE) as conn, conn.begin():
        conn.execute(update(accounts).where(accounts.c.id == row.id).values(**changes))
        conn.execute(insert(sessions).values(
            token_hash=token_digest(token), staff_id=row.id, role=row.role, created_at=now,
            expires_at=now + dt.timedelta(seconds=session_seconds), last_seen_at=now))
    return actor, token


def renewed_password(current_hash: str, new_password: str | None) -> dict:
    """The account columns that replace the password by ``new_password``: it must meet the
    rules and differ from the current one (``ValidationError``, field ``new_password``); a
    temporary password is then no longer."""
    if not new_password:
        raise ValidationError("a new password is needed", field="new_password",
                              fix="choose your own password: at least 8 characters of two "
                                  "kinds (letters, digits, symbols) or 10 of one kind")
    check_password_rules(new_password, field="new_password")
    if verify_password(current_hash, new_password)[0]:
        raise ValidationError("the new password is the same as the current one",
                              field="new_password", fix="choose a password you have not used "
                                                        "here")
    return {"password_hash": hash_password(new_password), "must_change_password": False}


def authenticate_staff_token(engine: Engine, policy: Policy, token: str,
                             now: dt.datetime | None = None,
                             idle_seconds: int | None = None) -> Actor:
    """The actor of a live session token (expired, revoked or disabled: ``AuthenticationFailed``).

    With ``idle_seconds`` (``Settings.staff_idle_seconds``), a session not used for longer is
    ended and refused: the safety-measures standard (고시 art. 6) asks that an unattended
    staff session be cut off after a while, without naming how long. A check that succeeds
    marks the session used, writing at most once per ``SEEN_EVERY``."""
    now = _now(now)
    accounts, sessions = _tables()
    if not (token or "").startswith(TOKEN_PREFIX):
        raise AuthenticationFailed("the session token is not valid", fix="log in again")
    digest = token_digest(token)
    query = (select(sessions, accounts.c.username, accounts.c.disabled_at)
             .join(accounts, accounts.c.id == sessions.c.staff_id)
             .where(sessions.c.token_hash == digest))
    with engine.connect() as conn:
        row = conn.execute(query).first()
    check_live_session(row, digest, now, ended=row is not None and row.disabled_at is not None)
    # Sessions from before migration 0028 have no mark: their start counts as their last use.
    seen = row.last_seen_at or row.created_at
    if idle_seconds and now - seen > dt.timedelta(seconds=idle_seconds):
        revoke_session(engine, sessions, token, now)
        minutes = max(1, idle_seconds // 60)
        raise AuthenticationFailed(
            "the session has ended",
            fix=f"log in again: the session ended after {minutes} minutes without use")
    actor = staff_actor(policy, row.staff_id, row.username, row.role)
    if actor is None:
        raise AuthenticationFailed(f"the session's role {row.role!r} is not in the policy in force",
                                   fix="log in again once the account has a role the policy defines")
    if now - seen >= SEEN_EVERY:
        with engine.begin() as conn:
            conn.execute(update(sessions).where(sessions.c.token_hash == digest,
                                                sessions.c.revoked_at.is_(None))
                         .values(last_seen_at=now))
    return actor


def logout_staff(engine: Engine, token: str, *, now: dt.datetime | None = None) -> bool:
    """End the session of ``token``; returns whether a live session was ended."""
    _, sessions = _tables()
    return revoke_session(engine, sessions, token, _now(now))


def list_staff(engine: Engine) -> list[StaffInfo]:
    """Every staff account, disabled ones included, by username."""
    accounts, _ = _tables()
    with engine.connect() as conn:
        return [_info(r) for r in conn.execute(select(accounts).order_by(accounts.c.username))]


def account_row(engine: Engine, username: str):
    """The account's row by username (any case; ``NotFound`` naming the list command)."""
    accounts, _ = _tables()
    name = (username or "").strip().lower()
    with engine.connect() as conn:
        row = conn.execute(select(accounts).where(accounts.c.username == name)).first()
    if row is None:
        raise NotFound(f"no staff account {name!r}", field="username",
                       fix="list the accounts with `yaksok staff list`")
    return row


def disable_staff(engine: Engine, username: str, *, now: dt.datetime | None = None,
                  by: str = "cli:operator") -> StaffInfo:
    """Disable an account for good and end all its sessions (``NotFound`` if unknown); the
    revocation of its role is recorded (``rights_log``). Nobody disables their own account (as
    nobody resets it): an officer could otherwise lock the controller out of its own console."""
    row = account_row(engine, username)
    if row.id == by:
        raise Conflict("nobody disables their own account", field="username",
                       fix="ask another privacy officer, or run `yaksok staff disable` on the "
                           "server")
    now = _now(now)
    accounts, sessions = _tables()
    with engine.begin() as conn:
        if row.disabled_at is None:
            conn.execute(update(accounts).where(accounts.c.id == row.id).values(disabled_at=now))
            record_change(conn, by=by, subject=row.id, subject_kind="staff",
                          change="revoked", rights=f"role:{row.role}", at=now)
        conn.execute(update(sessions)
                     .where(sessions.c.staff_id == row.id, sessions.c.revoked_at.is_(None))
                     .values(revoked_at=now))
    return _info(account_row(engine, username))


def lift_restriction(engine: Engine, username: str, *, by: str = "cli:operator") -> StaffInfo:
    """Lift the restriction repeated failed logins put on an account, and restart its failure
    count (the privacy officer's act; ``NotFound`` if unknown). Access given back is a change of
    access rights: recorded (``rights_log``)."""
    row = account_row(engine, username)
    accounts, _ = _tables()
    with engine.begin() as conn:
        conn.execute(update(accounts).where(accounts.c.id == row.id)
                     .values(failed_logins=0, restricted_at=None))
        if row.restricted_at is not None:
            record_change(conn, by=by, subject=row.id, subject_kind="staff", change="restored",
                          rights=f"role:{row.role}", at=_now(None),
                          reason="restriction after failed logins lifted")
    return _info(account_row(engine, username))
