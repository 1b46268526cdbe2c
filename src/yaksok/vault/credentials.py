"""A member's password, as the vault keeps it: an argon2id hash on the member's row.

The members layer (login) and the rights layer (re-authentication of a request) ask
``check_password``; the row and the hash never leave the vault. An unknown or closed account
costs an argon2 verification like a known one, and a hash made with older parameters is upgraded
on a good check. No failure locks a member's account: how often anyone may try is the callers'
rule (``yaksok.throttle``), counted per identifier and address whether an account exists or not.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from yaksok.accounts import sessions as common
from yaksok.accounts.passwords import verify_password
from yaksok.store.tables import members

__all__ = ["PasswordCheck", "check_password", "set_password_hash"]


@dataclass(frozen=True, slots=True)
class PasswordCheck:
    """What a password check found: ``ok``, or why not (``no-password``: no such active
    account with a password; ``wrong``)."""

    ok: bool
    reason: str = ""


def check_password(engine: sa.Engine, member_id: str | None, password: str,
                   now: dt.datetime) -> PasswordCheck:
    """Check the member's password (a success upgrades an old hash). Timing does not tell an
    unknown member from a known one."""
    row = None
    if member_id is not None:
        with engine.connect() as conn:
            row = conn.execute(sa.select(
                members.c.id, members.c.status, members.c.password_hash)
                .where(members.c.id == member_id)).first()
    if row is None or row.status != "active" or row.password_hash is None:
        common.burn_dummy_verification(password)
        return PasswordCheck(False, "no-password")
    ok, new_hash = verify_password(row.password_hash, password or "")
    if not ok:
        return PasswordCheck(False, "wrong")
    if new_hash is not None:  # parameters changed since it was hashed: upgrade
        with engine.begin() as conn:
            conn.execute(sa.update(members).where(members.c.id == row.id)
                         .values(password_hash=new_hash))
    return PasswordCheck(True)


def set_password_hash(conn: sa.Connection, member_id: str, password_hash: str) -> None:
    """Store a new hash (a password change)."""
    conn.execute(sa.update(members).where(members.c.id == member_id).values(
        password_hash=password_hash))
