"""Erasure by crypto-shredding, the purge that follows it, and re-applying erasures after a
restore.

``erase_member`` is one short transaction that never touches the value rows, so it takes the
same time for a member with ten values or a hundred thousand:

1. the member becomes ``erased`` (password hash, login counters and age facts cleared);
2. the member-scope data key is destroyed (``wrapped`` set to NULL): from the commit on, no
   ciphertext of the member can be opened, whoever holds the keyring;
3. the member's sessions are deleted;
4. the erasure is listed in ``erasures`` (id, time, active KEK version);
5. an ``erase`` entry is appended to the access log;
6. one line ``<member id> <UTC time>`` is appended and fsynced to the erasures file beside the
   access-log checkpoints (``<data_dir>/erasures.txt`` by default), outside the database. An
   account closure (``yaksok.retention.close_account``) writes ``<member id> <UTC time>
   closure``: the time is ``closed_at``, and a restore needs it to keep the consent evidence
   for its period after the closure (two-word lines are plain erasures, old files included).

Keys of other scopes (``hold:<record_kind>``, statutory records) are left alone: they are
destroyed when their period ends. ``purge_erased`` then deletes the erased members' value,
consent, restriction, objection and session rows in batches (a background job), and the rows
other layers declared as ``Leftover``s (queued messages, cookie choices, exports: registered on
the vault by the wiring, so the vault does not know their tables) and, on SQLite, checkpoints
the WAL so old pages leave it. ``reapply_erasures`` re-erases, after a database
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
from yaksok.store.sql import sql, to_db, write
from yaksok.store.tables import utcnow
from yaksok.vault.keys import MEMBER_SCOPE, destroy_member_key
from yaksok.vault.subjects import lock_member

if TYPE_CHECKING:
    from yaksok.actors import Actor
    from yaksok.vault.service import Vault

__all__ = ["DOOR_TABLES", "Erasure", "Leftover", "ListedErasure", "erase_member", "purge_erased", "reapply_erasures",
           "erasures_path", "read_erasures_file", "read_erasure_entries", "checkpoint_sqlite"]

log = logging.getLogger("yaksok.vault")

_ERASE_MEMBER = (
    "UPDATE members SET status = 'erased', erased_at = ?, "
    "password_hash = NULL, password_key = NULL, password_sealed = NULL, failed_logins = 0, "
    "locked_until = NULL, age_verified_min = NULL, "
    "age_checked_at = NULL, adult_from_key = NULL, adult_from = NULL WHERE id = ?")
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


@dataclass(frozen=True, slots=True)
class ListedErasure:
    """One line of the erasures file: who, when, and whether it was an account closure."""

    member_id: str
    at: dt.datetime | None  # None: the time on the line does not parse
    closure: bool = False


def _listed_lines(path: Path) -> list[list[str]]:
    """The words of each well-formed line: ``<member id> <time> [closure]``."""
    try:
        text = Path(path).read_text("ascii")
    except FileNotFoundError:
        return []
    return [parts for parts in (line.split() for line in text.splitlines())
            if len(parts) in (2, 3) and parts[0].startswith("m_")]


def read_erasure_entries(path: Path) -> list[ListedErasure]:
    """Every line of the erasures file, oldest first (``<id> <time> [closure]``)."""
    out = []
    for parts in _listed_lines(path):
        if len(parts) == 3 and parts[2] != "closure":
            log.warning("erasures file: unknown kind on a line of %s; read as an erasure",
                        parts[0])
        try:
            at = dt.datetime.fromisoformat(parts[1]).astimezone(dt.UTC)
        except ValueError:
            at = None
        out.append(ListedErasure(parts[0], at, parts[2:] == ["closure"]))
    return out


def read_erasures_file(path: Path) -> list[tuple[str, str]]:
    """(member id, time text) of every line of the erasures file, oldest first."""
    return [(parts[0], parts[1]) for parts in _listed_lines(path)]


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
    """Crypto-shred the member (see the module docstring); ``NotFound`` / ``Conflict``; who may
    is ``yaksok.access``'s ``erase_account`` rule (the member, an app key acting for members,
    the privacy officer)."""
    v.authorize(actor, "erase_account", member_id=member_id, ip=ip, request_id=request_id)
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
            _append_line(erasures_path(v.settings), f"{member_id} {_iso(now)}")
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


@dataclass(frozen=True)
class Leftover:
    """A table whose rows name a member and go once the member is erased (``purge_erased``)."""

    table: str
    #: Its primary key, for deletes in batches; ``None``: keyed by member, deleted at once.
    key: str | None
    member_column: str = "member_id"


#: The tables that hold personal values, identifiers, blind indexes or keys: no layer above the
#: vault runs SQL on them, or registers them for others to (leftovers, sealed columns).
DOOR_TABLES = frozenset({"members", "vault_values", "data_keys", "held_records",
                         "consent_events"})

#: What the vault's own tables leave behind; later layers add theirs (``Vault.leaves_behind``).
OWN_LEFTOVERS = (
    Leftover("consent_events", "id"), Leftover("consent_renewals", "id"),
    Leftover("processing_restrictions", "id"), Leftover("objections", "id"),
    Leftover("member_sessions", "token_hash"))
# Consent evidence of a CLOSED account (members.closed_at set, by ``close_account``) is kept for
# ``Settings.consent_evidence_period`` after the closure and left to the ``consent_evidence``
# expiry kind (yaksok.vault.expiry); a plain erasure purges it with the rest.
_NOT_CLOSED = (" WHERE NOT EXISTS (SELECT 1 FROM members m WHERE m.id = t.member_id "
               "AND m.closed_at IS NOT NULL)")


def purge_erased(engine: sa.Engine, leftovers: tuple[Leftover, ...] = OWN_LEFTOVERS,
                 batch: int = 5000) -> int:
    """Delete the rows erased members leave behind, ``batch`` at a time; returns the count.

    Safe to run at any time and from a background thread or worker (each batch is its own short
    transaction). Values under a key that still lives (a statutory hold) are kept.
    """
    total = 0
    statements = [_PURGE_VALUES] + [
        f"DELETE FROM {t.table} WHERE {t.key} IN (SELECT t.{t.key} FROM {t.table} t "  # noqa: S608
        f"JOIN erasures e ON e.member_id = t.{t.member_column}"
        + (_NOT_CLOSED if t.table == "consent_events" else "") + " LIMIT ?)"
        for t in leftovers if t.key is not None]
    for t in leftovers:
        if t.key is None:
            with write(engine) as conn:
                total += conn.exec_driver_sql(
                    f"DELETE FROM {t.table} WHERE {t.member_column} IN "  # noqa: S608
                    "(SELECT member_id FROM erasures)").rowcount
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
    database still holds un-erased or with a live member key, and give back a closure its
    ``closed_at`` (so ``purge_erased`` keeps its consent evidence for the period after the
    closure instead of deleting it at once). Returns how many members it changed."""
    from yaksok.access import RIGHTS_DECIDE
    from yaksok.actors import system_actor

    # A restore re-applies erasures that were decided and done before: the duty of the system.
    actor = actor or system_actor("reapply-erasures", capabilities=(RIGHTS_DECIDE,))
    v.authorize(actor, "erase_account")
    # The last line of a member wins: it is what the database committed last.
    entries = {e.member_id: e for e in read_erasure_entries(erasures_path(v.settings))}
    listed = set(entries)
    with v.engine.connect() as conn:
        listed |= {r[0] for r in conn.exec_driver_sql("SELECT member_id FROM erasures")}
    done = 0
    for member_id in sorted(listed):
        entry = entries.get(member_id)
        closed_at = None
        if entry is not None and entry.closure:
            if entry.at is None:
                # Later than the real closure, so the evidence is kept a little longer, not lost.
                log.warning("erasures file: unreadable closure time for %s; using now", member_id)
            closed_at = entry.at or utcnow()
        keys: list[str] = []
        with v.write() as conn:
            row = conn.exec_driver_sql(sql(conn, "SELECT status, closed_at FROM members "
                                            "WHERE id = ?"), (member_id,)).first()
            live = conn.exec_driver_sql(sql(conn, "SELECT COUNT(*) FROM data_keys WHERE "
                                            "member_id = ? AND scope = ? AND wrapped IS NOT "
                                            "NULL"), (member_id, MEMBER_SCOPE)).scalar()
            if row is None:
                continue
            erase = row[0] != "erased" or bool(live)
            mark = closed_at is not None and row[1] is None
            if not (erase or mark):
                continue
            if erase:
                _, keys = _erase(v, conn, member_id, utcnow())
            if mark:
                conn.exec_driver_sql(sql(conn, "UPDATE members SET closed_at = ? WHERE id = ?"),
                                     (to_db(v.sqlite, closed_at), member_id))
            reason = ("account-closure-reapplied-after-restore" if closed_at is not None
                      else "reapplied-after-restore")
            v.append(conn, v.event(actor=actor, operation="erase", outcome="granted",
                                   member_id=member_id, categories=(), purpose=None,
                                   reason=reason, ip=None, request_id=None,
                                   policy_version=v.rules().version))
        for key_id in keys:
            v.keys.forget(key_id)
        done += 1
    if done:
        purge_erased(v.engine, v.leftovers)
    return done
