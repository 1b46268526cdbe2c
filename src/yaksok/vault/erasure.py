"""Erasure by crypto-shredding, the purge that follows it, and re-applying erasures after a
restore.

``erase_member`` is one short transaction that never touches the value rows, so it takes the
same time for a member with ten values or a hundred thousand:

1. the member becomes ``erased`` (password hash, lockout and age facts cleared);
2. the member-scope data key is destroyed (``wrapped`` set to NULL): from the commit on, no
   ciphertext of the member can be opened, whoever holds the keyring;
3. the member's sessions are deleted;
4. the erasure is listed in ``erasures`` (id, time, active KEK version);
5. an ``erase`` entry is appended to the access log;
6. one line ``<member id> <UTC time>`` is appended and fsynced to the erasures file beside the
   access-log checkpoints (``<data_dir>/erasures.txt`` by default), outside the database.

Keys of other scopes (``hold:<record_kind>``, statutory records) are left alone: they are
destroyed when their period ends. ``purge_erased`` then deletes the erased members' value,
consent, restriction, objection and session rows in batches (a background job) and, on SQLite,
checkpoints the WAL so old pages leave it. ``reapply_erasures`` re-erases, after a database
restore, every listed member the restored copy still holds. docs/vault.md has the procedure
(with KEK rotation, which defeats stale wrapped keys in backups, WAL and dead tuples).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from yaksok.durable import append_durably
from yaksok.errors import ConfigError, Conflict, NotFound, YaksokError
from yaksok.store.tables import utcnow
from yaksok.vault._db import lock_member, sql, to_db, write
from yaksok.vault.keys import MEMBER_SCOPE, destroy_member_key

if TYPE_CHECKING:
    from yaksok.actors import Actor
    from yaksok.vault.service import Vault

__all__ = ["Erasure", "erase_member", "purge_erased", "reapply_erasures", "erasures_path",
           "read_erasures_file", "checkpoint_sqlite"]

log = logging.getLogger("yaksok.vault")

_ERASE_MEMBER = (
    "UPDATE members SET status = 'erased', erased_at = ?, "
    "password_hash = NULL, failed_logins = 0, locked_until = NULL, age_verified_min = NULL, "
    "age_checked_at = NULL WHERE id = ?")
_LISTED = ("INSERT INTO erasures (member_id, erased_at, kek_version) VALUES (?, ?, ?) "
           "ON CONFLICT (member_id) DO NOTHING")


@dataclass(frozen=True, slots=True)
class Erasure:
    member_id: str
    erased_at: dt.datetime
    kek_version: int


def erasures_path(settings) -> Path:
    """``erasures.txt`` beside the access-log checkpoint file (``<data_dir>`` by default)."""
    if settings.erasures_path:
        return Path(settings.erasures_path)
    return Path(settings.effective_audit_checkpoint_path).parent / "erasures.txt"


def _append_line(path: Path, line: str) -> None:
    try:
        append_durably(path, (line + "\n").encode("ascii"))
    except OSError as exc:
        raise ConfigError(f"cannot append to the erasures file {path}: {exc.strerror or exc}",
                          fix="make it writable on durable storage; the erasure was not done"
                          ) from None


def read_erasures_file(path: Path) -> list[tuple[str, str]]:
    """(member id, time text) of every line of the erasures file, oldest first."""
    try:
        text = Path(path).read_text("ascii")
    except FileNotFoundError:
        return []
    out = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0].startswith("m_"):
            out.append((parts[0], parts[1]))
    return out


def _erase(v: Vault, conn, member_id: str, now: dt.datetime) -> tuple[int, list[str]]:
    """The erasure's statements (steps 1-4); returns the KEK version and destroyed key ids."""
    at = to_db(v.sqlite, now)
    conn.exec_driver_sql(sql(conn, _ERASE_MEMBER), (at, member_id))
    keys = destroy_member_key(conn, member_id, scope=MEMBER_SCOPE, now=now)
    conn.exec_driver_sql(sql(conn, "DELETE FROM member_sessions WHERE member_id = ?"),
                         (member_id,))
    kek_version = v.keyring.active("kek")[0]
    conn.exec_driver_sql(sql(conn, _LISTED), (member_id, at, kek_version))
    return kek_version, keys


def erase_member(v: Vault, member_id: str, *, actor: Actor, ip: str | None = None,
                 request_id: str | None = None) -> Erasure:
    """Crypto-shred the member (see the module docstring); ``NotFound`` / ``Conflict``."""
    log = dict(actor=actor, operation="erase", ip=ip, request_id=request_id,
               member_id=member_id, categories=(), purpose=None,
               policy_version=v.rules().version)
    now = utcnow()
    refusal = None
    with v.write() as conn:
        row = lock_member(conn, member_id)
        status = row[0] if row else None
        try:
            if status is None:
                raise NotFound("no such member", field="member_id", fix="check the member id")
            if status == "erased":
                raise Conflict("the member is already erased", field="member_id",
                               fix="nothing to do: erasure cannot be undone or repeated")
        except YaksokError as exc:
            refusal = exc
            v.append(conn, v.event(outcome="denied", reason=v.reason(exc), **log))
        else:
            kek_version, keys = _erase(v, conn, member_id, now)
            v.append(conn, v.event(outcome="granted", **log))
            # Last before the commit: if the file cannot be written, nothing is erased and the
            # caller is told; if the commit fails after it, reapply_erasures finishes the job.
            _append_line(erasures_path(v.yk.settings), f"{member_id} {_iso(now)}")
    if refusal is not None:
        raise refusal
    for key_id in keys:
        v.keys.forget(key_id)
    return Erasure(member_id, now, kek_version)


def _iso(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


_PURGE_VALUES = (
    "DELETE FROM vault_values WHERE id IN (SELECT v.id FROM erasures e "
    "JOIN data_keys k ON k.member_id = e.member_id AND k.scope = 'member' "
    "JOIN vault_values v ON v.member_id = e.member_id AND v.key_id = k.id "
    "WHERE k.wrapped IS NULL LIMIT ?)")
# (table, primary key, column naming the member): everything else a member leaves behind, from
# consent evidence to queued notices and linked cookie choices.
_PURGE_OTHER = (
    ("consent_events", "id", "member_id"), ("consent_renewals", "id", "member_id"),
    ("processing_restrictions", "id", "member_id"), ("objections", "id", "member_id"),
    ("member_sessions", "token_hash", "member_id"), ("outbox", "id", "recipient_ref"),
    ("cookie_choices", "id", "member_id"))
# Consent evidence of a CLOSED account (members.closed_at set, by ``close_account``) is kept for
# ``Settings.consent_evidence_period`` after the closure and left to the ``consent_evidence``
# expiry kind (yaksok.retention.expiry); a plain erasure purges it with the rest.
_NOT_CLOSED = (" WHERE NOT EXISTS (SELECT 1 FROM members m WHERE m.id = t.member_id "
               "AND m.closed_at IS NOT NULL)")
# Tables keyed by (member, something): deleted per member, no batching needed.
_PURGE_BY_MEMBER = ("member_notices",)


def purge_erased(engine: sa.Engine, batch: int = 5000) -> int:
    """Delete the rows erased members leave behind, ``batch`` at a time; returns the count.

    Safe to run at any time and from a background thread or worker (each batch is its own short
    transaction). Values under a key that still lives (a statutory hold) are kept.
    """
    total = 0
    statements = [_PURGE_VALUES] + [
        f"DELETE FROM {table} WHERE {pk} IN (SELECT t.{pk} FROM {table} t "  # noqa: S608
        f"JOIN erasures e ON e.member_id = t.{member}"
        + (_NOT_CLOSED if table == "consent_events" else "") + " LIMIT ?)"
        for table, pk, member in _PURGE_OTHER]
    for table in _PURGE_BY_MEMBER:
        with write(engine) as conn:
            total += conn.exec_driver_sql(
                f"DELETE FROM {table} WHERE member_id IN (SELECT member_id FROM erasures)"  # noqa: S608
            ).rowcount
    for text in statements:
        while True:
            with write(engine) as conn:
                n = conn.exec_driver_sql(sql(conn, text), (batch,)).rowcount
            total += n
            if n < batch:
                break
    checkpoint_sqlite(engine)
    return total


def checkpoint_sqlite(engine: sa.Engine) -> bool:
    """``PRAGMA wal_checkpoint(TRUNCATE)`` on SQLite: old page images leave the WAL file.

    Best effort (the change it follows is committed already): returns whether the WAL was
    emptied; a busy or failed checkpoint is logged and retried by the next one.
    """
    if engine.dialect.name != "sqlite":
        return False
    errors = engine.dialect.loaded_dbapi.Error
    try:
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            busy = cur.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            cur.close()
        finally:
            raw.close()
    except (errors, sa.exc.DBAPIError) as exc:
        log.warning("WAL checkpoint failed (%s); the next one retries", type(exc).__name__)
        return False
    if busy:
        log.info("WAL checkpoint could not finish (readers busy); the next one retries")
    return not busy


def reapply_erasures(v: Vault, *, actor: Actor | None = None) -> int:
    """After a restore: re-erase every member in the erasures file (or table) that the restored
    database still holds un-erased or with a live member key. Returns how many were erased."""
    from yaksok.actors import system_actor

    actor = actor or system_actor("reapply-erasures")
    listed = {m for m, _ in read_erasures_file(erasures_path(v.yk.settings))}
    with v.engine.connect() as conn:
        listed |= {r[0] for r in conn.exec_driver_sql("SELECT member_id FROM erasures")}
    done = 0
    for member_id in sorted(listed):
        with v.write() as conn:
            status = conn.exec_driver_sql(sql(conn, "SELECT status FROM members WHERE id = ?"),
                                          (member_id,)).scalar()
            live = conn.exec_driver_sql(sql(conn, "SELECT COUNT(*) FROM data_keys WHERE "
                                            "member_id = ? AND scope = ? AND wrapped IS NOT "
                                            "NULL"), (member_id, MEMBER_SCOPE)).scalar()
            if status is None or (status == "erased" and not live):
                continue
            _, keys = _erase(v, conn, member_id, utcnow())
            v.append(conn, v.event(actor=actor, operation="erase", outcome="granted",
                                   member_id=member_id, categories=(), purpose=None,
                                   reason="reapplied-after-restore", ip=None, request_id=None,
                                   policy_version=v.rules().version))
        for key_id in keys:
            v.keys.forget(key_id)
        done += 1
    if done:
        purge_erased(v.engine)
    return done
