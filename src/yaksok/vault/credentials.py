"""A member's password, as the vault keeps it: an argon2id hash sealed under the member's key.

The members layer (login) and the rights layer (re-authentication of a request) ask
``check_password``; the row and the hash never leave the vault. An unknown or closed account
costs an argon2 verification like a known one, and a hash made with older parameters is upgraded
on a good check. No failure locks a member's account: how often anyone may try is the callers'
rule (``yaksok.throttle``), counted per identifier and address whether an account exists or not.

The hash is sealed under the member's own data key (``password_sealed``, AAD bound to the member
and the key), so it dies with the member's erasure: a database backup taken before it holds a
ciphertext that no key opens once the member's key is destroyed and the KEK rotated, not a hash
to crack offline. Rows from before migration 0016 keep a plain ``password_hash`` until the next
good check seals it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from yaksok.accounts import sessions as common
from yaksok.accounts.passwords import verify_password
from yaksok.errors import NotFound
from yaksok.store.sql import sql

__all__ = ["PasswordCheck", "check_password", "seal_password_hash", "seal_plain_hashes"]

_ROW = ("SELECT id, status, password_hash, password_key, password_sealed FROM members "
        "WHERE id = ?")
_STORE = ("UPDATE members SET password_hash = NULL, password_key = ?, password_sealed = ? "
          "WHERE id = ? AND status = 'active'")


@dataclass(frozen=True, slots=True)
class PasswordCheck:
    """What a password check found: ``ok``, or why not (``no-password``: no such active
    account with a password; ``wrong``)."""

    ok: bool
    reason: str = ""


def _aad(member_id: str, key_id: str) -> bytes:
    return f"password|{member_id}|{key_id}".encode()


def seal_password_hash(v, conn, member_id: str, password_hash: str,
                       now: dt.datetime | None = None) -> None:
    """Keep ``password_hash`` sealed under the member's key, in the caller's write transaction."""
    # Locked: an erasure that landed meanwhile wins (NotFound), no key is made for it anew.
    key_id, sealed = v.seal_for_member(conn, member_id, lambda k: _aad(member_id, k),
                                       password_hash.encode("ascii"), now=now, lock=True)
    conn.exec_driver_sql(sql(conn, _STORE), (key_id, sealed, member_id))


def _stored_hash(v, conn, row) -> str | None:
    if row[4] is not None and row[3] is not None:
        try:
            return v.open_for_member(row[0], row[3], _aad(row[0], row[3]), bytes(row[4]),
                                     conn=conn).decode("ascii")
        except NotFound:  # the member's key is gone: no password to check
            return None
    return row[2]


def check_password(v, member_id: str | None, password: str, now: dt.datetime) -> PasswordCheck:
    """Check the member's password (a success upgrades an old hash, and seals a plain one).
    Timing does not tell an unknown member from a known one."""
    row = stored = None
    if member_id is not None:
        with v.engine.connect() as conn:
            row = conn.exec_driver_sql(sql(conn, _ROW), (member_id,)).first()
            if row is not None and row[1] == "active":
                stored = _stored_hash(v, conn, row)
    if stored is None:
        common.burn_dummy_verification(password)
        return PasswordCheck(False, "no-password")
    ok, new_hash = verify_password(stored, password or "")
    if not ok:
        return PasswordCheck(False, "wrong")
    if new_hash is not None or row[4] is None:  # older parameters, or not sealed yet
        try:
            with v.core_write() as conn:
                seal_password_hash(v, conn, row[0], new_hash or stored, now)
        except NotFound:  # erased while the password was checked: no login then
            return PasswordCheck(False, "no-password")
    return PasswordCheck(True)


_PLAIN = ("SELECT id, password_hash FROM members WHERE password_hash IS NOT NULL "
          "AND status = 'active' AND id > ? ORDER BY id LIMIT ?")


def seal_plain_hashes(v, *, batch: int = 500) -> int:
    """Seal every plain hash still on an active member's row (rows from before migration 0016,
    the demo's bulk members), without waiting for their next login; returns how many. A key
    rotation runs it, so the procedure that makes erasures final leaves no crackable hash in
    the backups made after it."""
    done, last = 0, ""
    while True:
        with v.engine.connect() as conn:
            rows = conn.exec_driver_sql(sql(conn, _PLAIN), (last, batch)).fetchall()
        if not rows:
            return done
        last = rows[-1][0]
        for member_id, plain in rows:
            try:
                with v.core_write() as conn:
                    seal_password_hash(v, conn, member_id, plain)
                    done += 1
            except NotFound:  # erased meanwhile
                continue
