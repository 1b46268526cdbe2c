"""What expires inside the vault, and the shape every expiry kind has.

An expiry kind says how to find its expired items and destroy them (``ExpiryRule``):
``destroy_batch(vault, conn, now, batch) -> list[Found]`` destroys at most ``batch`` items in
the caller's transaction and says what it destroyed (counts and time windows, per record kind
when the kind has several); ``count_due(vault, conn, now)`` says how many are due, when the kind
can tell. ``yaksok.retention.expiry`` runs every kind the wiring registered, a batch per
transaction, and writes the destruction records.

The vault's own kinds (``RULES``), whose rows hold personal values or keys:

- ``held_records``: held records past their expiry (on SQLite in rowid order after the run's last
  batch; on PostgreSQL by block ranges of the table claimed with advisory locks);
- ``hold_keys``: hold keys whose month of expiry is over (the key's death is the destruction);
- ``consent_evidence``: consent events whose consent ended longer ago than the period
  (``Settings.consent_evidence_period``, default ``CONSENT_EVIDENCE_PERIOD``), and every event of
  an account closed longer ago.
"""

from __future__ import annotations

import contextvars
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from yaksok.policy.periods import minus_period
from yaksok.store.sql import from_db, sql, to_db
from yaksok.vault.held import HOLD_MEMBER, law_text, month_end

__all__ = ["CONSENT_EVIDENCE_PERIOD", "EVIDENCE_RULES", "ExpiryRule", "Found", "HOLD_RULES", "RULES",
           "RUN_STATE", "row_delete_rule", "window"]

#: Consent evidence is kept this long after the consent ends (withdrawn or refused);
#: ``Settings.consent_evidence_period`` (env ``YAKSOK_CONSENT_EVIDENCE_PERIOD``) overrides it.
CONSENT_EVIDENCE_PERIOD = "P5Y"


@dataclass(frozen=True, slots=True)
class Found:
    """What one batch of a kind destroyed (never the values)."""

    count: int
    window_from: dt.datetime | None = None
    window_to: dt.datetime | None = None
    record_kind: str | None = None
    rule: str | None = None
    law: str | None = None
    #: Recorded under this kind and method instead of the rule's (on SQLite a hold key's batch
    #: also deletes any row left under the key, which counts as ``held_records``).
    kind: str | None = None
    method: str | None = None


@dataclass(frozen=True, slots=True)
class ExpiryRule:
    """How one kind of item expires: where to find it, how it is destroyed, under which rule."""

    kind: str
    method: str  # 'key deletion' | 'row delete' | 'overwrite'
    rule: str
    law: str | None
    destroy_batch: Callable[[Any, Any, dt.datetime, int], list[Found]]
    #: How many items ``destroy_batch`` would destroy at ``now`` (None: the kind cannot tell).
    count_due: Callable[[Any, Any, dt.datetime], int] | None = None


def window(times) -> tuple[dt.datetime | None, dt.datetime | None]:
    """(earliest, latest) of stored times (None, None when there are none)."""
    ts = [from_db(t) for t in times if t is not None]
    return (min(ts), max(ts)) if ts else (None, None)


def row_delete_rule(kind: str, rule: str, table: str, *, key: str = "id",
                    ended: str = "") -> ExpiryRule:
    """A kind whose items are rows of ``table`` deleted once ``expires_at`` has passed, or once
    ``ended`` (an extra SQL condition on constants, such as `` OR used_at IS NOT NULL``) holds:
    oldest first, deleted by ``key`` in chunks of 500; on PostgreSQL claimed with SKIP LOCKED so
    several workers share the work. Sessions, codes, emailed links and idempotency keys expire
    this way."""
    where = f"WHERE expires_at <= ?{ended}"

    def destroy(v, conn, now: dt.datetime, batch: int) -> list[Found]:
        sqlite = conn.dialect.name == "sqlite"
        q = f"SELECT {key}, expires_at FROM {table} {where} ORDER BY expires_at LIMIT ?"  # noqa: S608
        q += "" if sqlite else " FOR UPDATE SKIP LOCKED"
        rows = conn.exec_driver_sql(sql(conn, q), (to_db(sqlite, now), batch)).fetchall()
        for i in range(0, len(rows), 500):
            chunk = [r[0] for r in rows[i:i + 500]]
            marks = ", ".join("?" * len(chunk))
            conn.exec_driver_sql(sql(conn, f"DELETE FROM {table} WHERE {key} IN ({marks})"),  # noqa: S608
                                 tuple(chunk))
        return [Found(len(rows), *window(r[1] for r in rows))] if rows else []

    def count_due(v, conn, now: dt.datetime) -> int:
        q = f"SELECT COUNT(*) FROM {table} {where}"  # noqa: S608
        return conn.exec_driver_sql(sql(conn, q), (to_db(conn.dialect.name == "sqlite", now),)
                                    ).scalar()

    return ExpiryRule(kind, "row delete", rule, None, destroy, count_due)


# -- the kinds --------------------------------------------------------------------------------

# One statement per batch (SQLite) or per block range (PostgreSQL): the DELETE removes expired
# rows by physical address and RETURNING says what was removed, so a batch counts exactly the
# rows it deleted, in one round trip, without going through the primary-key index.
#
# SQLite has one writer, so there is no claim to share: a batch takes the next expired rows in
# rowid order after the last batch of this run (a keyset carried in ``RUN_STATE``), so
# consecutive batches dirty neighbouring table pages instead of pages scattered over the whole
# file (in expires_at order each 1000-row batch dirtied ~1,800 pages, and every commit paid a
# WAL checkpoint for them). Each batch is still one transaction; a new run starts from rowid 0,
# so a killed run loses nothing, and a row given a lower rowid during the run waits for the next.
_HELD_SQLITE = ("DELETE FROM held_records WHERE rowid IN (SELECT rowid FROM held_records "
                "WHERE rowid > ? AND expires_at <= ? ORDER BY rowid LIMIT ?) "
                "RETURNING rowid, record_kind, expires_at")
# PostgreSQL: the table is shared out in ranges of physical blocks. A worker claims a range with
# a transaction-level advisory lock (another worker skips it) and deletes that range's expired
# rows in one statement through a TID range scan, the way a plain DELETE reads the table: in
# physical order, no index, no row lock taken ahead. Claiming single rows (FOR UPDATE SKIP
# LOCKED, oldest first) instead made three workers 18x slower than one plain DELETE: each claim
# walked the index over the dead rows of earlier batches and locked every row twice.
_HELD_PG = ("WITH gone AS (DELETE FROM held_records WHERE (SELECT pg_try_advisory_xact_lock(%s)) "
            "AND ctid >= %s::tid AND ctid < %s::tid AND expires_at <= %s "
            "RETURNING record_kind, expires_at) "
            "SELECT record_kind, COUNT(*), MIN(expires_at), MAX(expires_at) FROM gone "
            "GROUP BY record_kind")
#: Advisory-lock class of held_records block ranges (the range's first block is the low half).
_PG_HELD_RANGE_LOCK = 0x7961_6B73 << 32

#: Per-run state of the kinds (the SQLite keyset of held_records), set by ``run_expiry``.
RUN_STATE: contextvars.ContextVar[dict | None] = contextvars.ContextVar("expiry_run",
                                                                        default=None)


def _held_rows(v, conn, now, batch) -> list[Found]:
    if conn.dialect.name != "sqlite":
        return _held_found(v, _held_ranges_pg(conn, now, batch))
    state = RUN_STATE.get()
    last = state.get("held_rowid", 0) if state is not None else 0
    got = conn.exec_driver_sql(_HELD_SQLITE, (last, to_db(True, now), batch)).fetchall()
    if got and state is not None:
        state["held_rowid"] = max(r[0] for r in got)
    # Per kind: count and window. Stored times compare in their stored form (fixed-width text),
    # so only each window's two ends are converted.
    windows: dict[str, list] = {}
    for _rowid, kind, expires in got:
        w = windows.get(kind)
        if w is None:
            windows[kind] = [1, expires, expires]
        else:
            w[0] += 1
            if expires < w[1]:
                w[1] = expires
            elif expires > w[2]:
                w[2] = expires
    return _held_found(v, windows)


def _held_ranges_pg(conn, now, batch) -> dict[str, list]:
    """Claim block ranges of held_records in turn and delete their expired rows, until ``batch``
    rows are gone or the table (as long as it was when this run first looked) is covered."""
    state = RUN_STATE.get()
    if state is None:
        state = {}
    plan = state.get("held_blocks")
    if plan is None:
        pages, tuples, size, version = conn.exec_driver_sql(
            "SELECT c.relpages, c.reltuples, pg_relation_size(c.oid) / "
            "current_setting('block_size')::int, current_setting('server_version_num')::int "
            "FROM pg_class c WHERE c.oid = 'held_records'::regclass").one()
        per_block = tuples / pages if pages > 0 and tuples > 0 else 50.0
        # A range holds about a batch of rows, by the planner's statistics. Before PostgreSQL
        # 14 a ctid range is no scan of its own (each range would read the whole table), so
        # there the whole table is one range: correct, but one worker does it.
        step = max(1, round(batch / per_block)) if version >= 140000 else max(1, int(size))
        plan = state["held_blocks"] = {"next": 0, "end": int(size), "step": step}
    windows: dict[str, list] = {}
    done = 0
    while done < batch and plan["next"] < plan["end"]:
        first = plan["next"]
        plan["next"] = first + plan["step"]
        # The claim is in the statement (one round trip a range): as an uncorrelated subquery
        # the lock call runs once, before the scan (an InitPlan), and without the lock nothing
        # matches: the range is another worker's.
        for kind, n, lo, hi in conn.exec_driver_sql(
                _HELD_PG, (_PG_HELD_RANGE_LOCK | first, f"({first},0)",
                           f"({first + plan['step']},0)", to_db(False, now))):
            w = windows.setdefault(kind, [0, lo, hi])
            w[0] += n
            w[1], w[2] = min(w[1], lo), max(w[2], hi)
            done += n
    return windows


def _held_found(v, windows: dict[str, list]) -> list[Found]:
    out = []
    for kind in sorted(windows):
        count, first, last = windows[kind]
        rule = v.policy.retention_rule(kind)
        out.append(Found(count, from_db(first), from_db(last), record_kind=kind,
                         rule=f"{kind}: {rule.period} after the record" if rule else kind,
                         law=law_text(rule) if rule else None))
    return out


def _held_due(v, conn, now) -> int:
    return conn.exec_driver_sql(sql(conn, "SELECT COUNT(*) FROM held_records WHERE expires_at <= ?"),
                                (to_db(conn.dialect.name == "sqlite", now),)).scalar()


def _hold_keys_due(v, conn, now) -> int:
    live = conn.exec_driver_sql(sql(conn, "SELECT scope FROM data_keys WHERE member_id = ? "
                                     "AND wrapped IS NOT NULL"), (HOLD_MEMBER,)).fetchall()
    return sum(1 for (scope,) in live if month_end(scope) <= now)


def _hold_keys(v, conn, now, batch) -> list[Found]:
    """Destroy hold keys whose month of expiry is over, with any row still under them.

    ``held_records`` has run first, so the rows are normally gone already; on SQLite a row still
    under the key goes with it and is counted as a held record. On PostgreSQL a worker claims
    one key at a time (``FOR UPDATE SKIP LOCKED`` on that key's row only), so other workers take
    other keys.
    """
    sqlite = conn.dialect.name == "sqlite"
    q = "SELECT id, scope FROM data_keys WHERE member_id = ? AND wrapped IS NOT NULL ORDER BY scope"
    live = conn.exec_driver_sql(sql(conn, q), (HOLD_MEMBER,)).fetchall()
    due = [(k, s) for k, s in live if month_end(s) <= now]
    out: list[Found] = []
    done = 0
    for key_id, scope in due:
        if done >= batch:
            break
        if not sqlite and conn.exec_driver_sql(
                "SELECT 1 FROM data_keys WHERE id = %s AND wrapped IS NOT NULL "
                "FOR UPDATE SKIP LOCKED", (key_id,)).first() is None:
            continue  # another worker holds this key (or has just destroyed it)
        start = dt.datetime(int(scope[-7:-3]), int(scope[-2:]), 1, tzinfo=dt.UTC)
        end = month_end(scope)
        kind = scope.split(":")[1]
        rule = v.policy.retention_rule(kind)
        law = law_text(rule) if rule else None
        if sqlite:
            # Every row sealed under the key expires within its month (the scope is the month
            # of expiry), so the month's range on the (record_kind, expires_at) index finds
            # them all (``key_id = ?`` alone has no index).
            left = [r[0] for r in conn.exec_driver_sql(_KEY_ROWS_SQLITE, (
                kind, to_db(sqlite, start), to_db(sqlite, end), key_id))]
            if left:
                out += [replace(f, kind="held_records", method="row delete") for f in
                        _held_found(v, {kind: [len(left), min(left), max(left)]})]
                done += len(left)
        # On PostgreSQL a row left under the key is not looked for here: that index range holds
        # the dead entries of every row held_records has just deleted, and walking them for 168
        # keys cost as much as the deletion itself. Such a row is expired, so the next pass's
        # held_records deletes it, and with its key gone it can no longer be read meanwhile.
        conn.exec_driver_sql(sql(conn, "UPDATE data_keys SET wrapped = NULL, destroyed_at = ? "
                                 "WHERE id = ? AND wrapped IS NOT NULL"),
                             (to_db(sqlite, now), key_id))
        out.append(Found(1, start, end, record_kind=kind,
                         rule=f"hold key {scope}: month of expiry over", law=law))
        done += 1
    return out


_KEY_ROWS_SQLITE = ("DELETE FROM held_records WHERE record_kind = ? AND expires_at >= ? "
                    "AND expires_at < ? AND key_id = ? RETURNING expires_at")


def _consent_evidence(v, conn, now, batch) -> list[Found]:
    """Consent events of a (member, item) whose latest event (withdrawn or refused, not given)
    is older than the period; oldest first, so the deciding latest event goes last. And every
    consent event of a closed account (``members.closed_at``, set by ``close_account``; the
    erasure purge leaves these) once the period after the closure is over."""
    sqlite = conn.dialect.name == "sqlite"
    period = v.settings.consent_evidence_period or CONSENT_EVIDENCE_PERIOD
    # now - period, computed as the largest t with t + period <= now (calendar arithmetic).
    cutoff = minus_period(now, period)
    rows = conn.exec_driver_sql(sql(conn, (
        "SELECT e.id, e.at FROM consent_events e JOIN (SELECT member_id, consent_key, "
        "MAX(at) AS last FROM consent_events GROUP BY member_id, consent_key) g "
        "ON g.member_id = e.member_id AND g.consent_key = e.consent_key WHERE g.last <= ? "
        "AND NOT EXISTS (SELECT 1 FROM consent_events x WHERE x.member_id = g.member_id AND "
        "x.consent_key = g.consent_key AND x.at = g.last AND x.action = 'given') "
        "ORDER BY e.at, e.id LIMIT ?")), (to_db(sqlite, cutoff), batch)).fetchall()
    seen = {r[0] for r in rows}
    closed = []
    if len(rows) < batch:
        closed = [r for r in conn.exec_driver_sql(sql(conn, (
            "SELECT e.id, e.at FROM consent_events e JOIN members m ON m.id = e.member_id "
            "WHERE m.closed_at IS NOT NULL AND m.closed_at <= ? ORDER BY e.at, e.id LIMIT ?")),
            (to_db(sqlite, cutoff), batch)).fetchall() if r[0] not in seen][:batch - len(rows)]
    gone = rows + closed
    for i in range(0, len(gone), 500):
        chunk = [r[0] for r in gone[i:i + 500]]
        marks = ", ".join("?" * len(chunk))
        conn.exec_driver_sql(sql(conn, f"DELETE FROM consent_events WHERE id IN ({marks})"),  # noqa: S608
                             tuple(chunk))
    out = []
    if rows:
        out.append(Found(len(rows), *window(r[1] for r in rows),
                         rule=f"{period} after the consent ended"))
    if closed:
        out.append(Found(len(closed), *window(r[1] for r in closed),
                         rule=f"{period} after the account closed"))
    return out


def _consent_evidence_due(v, conn, now) -> int:
    """The same two selections as ``_consent_evidence``, counted once each event."""
    period = v.settings.consent_evidence_period or CONSENT_EVIDENCE_PERIOD
    cutoff = to_db(conn.dialect.name == "sqlite", minus_period(now, period))
    return conn.exec_driver_sql(sql(conn, (
        "SELECT COUNT(*) FROM consent_events e LEFT JOIN (SELECT member_id, consent_key, "
        "MAX(at) AS last FROM consent_events GROUP BY member_id, consent_key) g "
        "ON g.member_id = e.member_id AND g.consent_key = e.consent_key AND g.last <= ? "
        "AND NOT EXISTS (SELECT 1 FROM consent_events x WHERE x.member_id = g.member_id AND "
        "x.consent_key = g.consent_key AND x.at = g.last AND x.action = 'given') "
        "WHERE g.member_id IS NOT NULL OR EXISTS (SELECT 1 FROM members m WHERE "
        "m.id = e.member_id AND m.closed_at IS NOT NULL AND m.closed_at <= ?)")),
        (cutoff, cutoff)).scalar()



#: Statutory holds: the records first, then the keys of the months they leave empty.
HOLD_RULES = (
    ExpiryRule("held_records", "row delete",
               "record kind's retention period (policy retention.rules)", None, _held_rows,
               _held_due),
    ExpiryRule("hold_keys", "key deletion",
               "hold key of a kind and month, once the month of expiry is over", None,
               _hold_keys, _hold_keys_due),
)
#: The consent ledger's evidence of ended consents and closed accounts.
EVIDENCE_RULES = (
    ExpiryRule("consent_evidence", "row delete",
               "consent evidence: a period after the consent ended", None, _consent_evidence,
               _consent_evidence_due),
)
RULES = HOLD_RULES + EVIDENCE_RULES
