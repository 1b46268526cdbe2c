"""One expiry mechanism for everything that expires (issue 6, item 3) and destruction records.

Each kind registers, in this one module, how to find its expired items and destroy them::

    register_expiry(ExpiryRule(kind="member_sessions", method="row delete",
                               rule="expires_at passed or revoked", law=None,
                               destroy_batch=_sessions("member_sessions")))

``destroy_batch(yk, conn, now, batch) -> list[Found]`` destroys at most ``batch`` items in the
caller's transaction and says what it destroyed (counts and time windows, per record kind when
the kind has several). ``run_expiry`` calls every kind in registration order, a batch per
transaction (on SQLite, a few batches per transaction, see ``SQLITE_TRANSACTION_SECONDS``),
until a batch comes back short, and writes a ``destruction_records`` row for every batch that
destroyed something, in the batch's own transaction (so a kill -9 loses neither the work nor
its record: the next run finds what is left). Running it twice destroys nothing
twice. On PostgreSQL several workers share the work: held records by block ranges of the table
claimed with advisory locks, hold keys one key at a time and the other kinds' rows
``FOR UPDATE SKIP LOCKED``.

A kind may also say how many of its items are due (``count_due(yk, conn, now) -> int``), so a
worker run by hand can show a progress bar with a total; ``count_due(yk)`` asks every kind that
can tell. Later issues register their kinds (one-time codes, export files) by calling
``register_expiry`` at import of their module; nothing else changes.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from yaksok.retention.held import HOLD_MEMBER, add_period, law_text, month_end
from yaksok.store.tables import utcnow
from yaksok.vault._db import from_db, sql, to_db, write
from yaksok.vault.keys import new_id

__all__ = ["DestructionRecord", "ExpiryRule", "Found", "register_expiry", "expiry_kinds",
           "run_expiry", "count_due", "retention_status", "CONSENT_EVIDENCE_PERIOD"]

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


@dataclass(frozen=True, slots=True)
class DestructionRecord:
    run_id: str
    kind: str
    record_kind: str | None
    count: int
    window_from: dt.datetime | None
    window_to: dt.datetime | None
    method: str
    rule: str
    law: str | None
    at: dt.datetime

    def to_dict(self) -> dict:
        def iso(t):
            return None if t is None else t.astimezone(dt.UTC).isoformat()
        return {"run_id": self.run_id, "kind": self.kind, "record_kind": self.record_kind,
                "count": self.count, "window_from": iso(self.window_from),
                "window_to": iso(self.window_to), "method": self.method, "rule": self.rule,
                "law": self.law, "at": iso(self.at)}


_REGISTRY: dict[str, ExpiryRule] = {}


def register_expiry(rule: ExpiryRule) -> None:
    """Register (or replace) the expiry rule of ``rule.kind``."""
    _REGISTRY[rule.kind] = rule


#: Modules of later layers that register kinds at import. Imported before the registry is
#: read, so a worker process that imports only ``yaksok.retention`` still destroys them.
EXPIRY_MODULES = ("yaksok.rights.verify", "yaksok.rights.export", "yaksok.rights.farewell")


def expiry_kinds() -> list[ExpiryRule]:
    import importlib

    for name in EXPIRY_MODULES:
        importlib.import_module(name)
    return list(_REGISTRY.values())


def _skip_locked(conn) -> str:
    return "" if conn.dialect.name == "sqlite" else " FOR UPDATE SKIP LOCKED"


def _window(times) -> tuple[dt.datetime | None, dt.datetime | None]:
    ts = [from_db(t) for t in times if t is not None]
    return (min(ts), max(ts)) if ts else (None, None)


# -- the kinds --------------------------------------------------------------------------------

# One statement per batch (SQLite) or per block range (PostgreSQL): the DELETE removes expired
# rows by physical address and RETURNING says what was removed, so a batch counts exactly the
# rows it deleted, in one round trip, without going through the primary-key index.
#
# SQLite has one writer, so there is no claim to share: a batch takes the next expired rows in
# rowid order after the last batch of this run (a keyset carried in ``_RUN_STATE``), so
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
_RUN_STATE: contextvars.ContextVar[dict | None] = contextvars.ContextVar("expiry_run",
                                                                        default=None)


def _held_rows(yk, conn, now, batch) -> list[Found]:
    if conn.dialect.name != "sqlite":
        return _held_found(yk, _held_ranges_pg(conn, now, batch))
    state = _RUN_STATE.get()
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
    return _held_found(yk, windows)


def _held_ranges_pg(conn, now, batch) -> dict[str, list]:
    """Claim block ranges of held_records in turn and delete their expired rows, until ``batch``
    rows are gone or the table (as long as it was when this run first looked) is covered."""
    state = _RUN_STATE.get()
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


def _held_found(yk, windows: dict[str, list]) -> list[Found]:
    out = []
    for kind in sorted(windows):
        count, first, last = windows[kind]
        rule = yk.policy.retention_rule(kind)
        out.append(Found(count, from_db(first), from_db(last), record_kind=kind,
                         rule=f"{kind}: {rule.period} after the record" if rule else kind,
                         law=law_text(rule) if rule else None))
    return out


def _held_due(yk, conn, now) -> int:
    return conn.exec_driver_sql(sql(conn, "SELECT COUNT(*) FROM held_records WHERE expires_at <= ?"),
                                (to_db(conn.dialect.name == "sqlite", now),)).scalar()


def _hold_keys_due(yk, conn, now) -> int:
    live = conn.exec_driver_sql(sql(conn, "SELECT scope FROM data_keys WHERE member_id = ? "
                                     "AND wrapped IS NOT NULL"), (HOLD_MEMBER,)).fetchall()
    return sum(1 for (scope,) in live if month_end(scope) <= now)


def _hold_keys(yk, conn, now, batch) -> list[Found]:
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
        rule = yk.policy.retention_rule(kind)
        law = law_text(rule) if rule else None
        if sqlite:
            # Every row sealed under the key expires within its month (the scope is the month
            # of expiry), so the month's range on the (record_kind, expires_at) index finds
            # them all (``key_id = ?`` alone has no index).
            left = [r[0] for r in conn.exec_driver_sql(_KEY_ROWS_SQLITE, (
                kind, to_db(sqlite, start), to_db(sqlite, end), key_id))]
            if left:
                out += [replace(f, kind="held_records", method="row delete") for f in
                        _held_found(yk, {kind: [len(left), min(left), max(left)]})]
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


def _sessions(table: str) -> Callable:
    def destroy(yk, conn, now, batch) -> list[Found]:
        sqlite = conn.dialect.name == "sqlite"
        q = f"SELECT token_hash, expires_at FROM {table} WHERE expires_at <= ? "  # noqa: S608
        q += "OR revoked_at IS NOT NULL ORDER BY expires_at LIMIT ?" + _skip_locked(conn)
        rows = conn.exec_driver_sql(sql(conn, q), (to_db(sqlite, now), batch)).fetchall()
        for i in range(0, len(rows), 500):
            chunk = [r[0] for r in rows[i:i + 500]]
            marks = ", ".join("?" * len(chunk))
            conn.exec_driver_sql(sql(conn, f"DELETE FROM {table} WHERE token_hash IN ({marks})"),  # noqa: S608
                                 tuple(chunk))
        return [Found(len(rows), *_window(r[1] for r in rows))] if rows else []
    return destroy


def _sessions_due(table: str) -> Callable:
    def count(yk, conn, now) -> int:
        return conn.exec_driver_sql(sql(conn, (
            f"SELECT COUNT(*) FROM {table} WHERE expires_at <= ? "  # noqa: S608
            "OR revoked_at IS NOT NULL")), (to_db(conn.dialect.name == "sqlite", now),)).scalar()
    return count


def _consent_evidence(yk, conn, now, batch) -> list[Found]:
    """Consent events of a (member, item) whose latest event (withdrawn or refused, not given)
    is older than the period; oldest first, so the deciding latest event goes last. And every
    consent event of a closed account (``members.closed_at``, set by ``close_account``; the
    erasure purge leaves these) once the period after the closure is over."""
    sqlite = conn.dialect.name == "sqlite"
    period = yk.settings.consent_evidence_period or CONSENT_EVIDENCE_PERIOD
    # now - period, computed as the largest t with t + period <= now (calendar arithmetic).
    cutoff = _minus_period(now, period)
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
        out.append(Found(len(rows), *_window(r[1] for r in rows),
                         rule=f"{period} after the consent ended"))
    if closed:
        out.append(Found(len(closed), *_window(r[1] for r in closed),
                         rule=f"{period} after the account closed"))
    return out


def _consent_evidence_due(yk, conn, now) -> int:
    """The same two selections as ``_consent_evidence``, counted once each event."""
    period = yk.settings.consent_evidence_period or CONSENT_EVIDENCE_PERIOD
    cutoff = to_db(conn.dialect.name == "sqlite", _minus_period(now, period))
    return conn.exec_driver_sql(sql(conn, (
        "SELECT COUNT(*) FROM consent_events e LEFT JOIN (SELECT member_id, consent_key, "
        "MAX(at) AS last FROM consent_events GROUP BY member_id, consent_key) g "
        "ON g.member_id = e.member_id AND g.consent_key = e.consent_key AND g.last <= ? "
        "AND NOT EXISTS (SELECT 1 FROM consent_events x WHERE x.member_id = g.member_id AND "
        "x.consent_key = g.consent_key AND x.at = g.last AND x.action = 'given') "
        "WHERE g.member_id IS NOT NULL OR EXISTS (SELECT 1 FROM members m WHERE "
        "m.id = e.member_id AND m.closed_at IS NOT NULL AND m.closed_at <= ?)")),
        (cutoff, cutoff)).scalar()


def _minus_period(now: dt.datetime, period: str) -> dt.datetime:
    # Step back a year too far, then forward: t = now - period to the day (clamped months).
    lo = now - dt.timedelta(days=366 * 200)
    lo_plus = add_period(lo, period)
    # Binary search on days: the latest t with add_period(t, period) <= now.
    hi = now
    if lo_plus > now:
        return lo
    for _ in range(64):
        mid = lo + (hi - lo) / 2
        if add_period(mid, period) <= now:
            lo = mid
        else:
            hi = mid
        if hi - lo < dt.timedelta(seconds=1):
            break
    return lo


register_expiry(ExpiryRule("held_records", "row delete",
                           "record kind's retention period (policy retention.rules)",
                           None, _held_rows, _held_due))
register_expiry(ExpiryRule("hold_keys", "key deletion",
                           "hold key of a kind and month, once the month of expiry is over",
                           None, _hold_keys, _hold_keys_due))
register_expiry(ExpiryRule("member_sessions", "row delete", "session expired or revoked",
                           None, _sessions("member_sessions"), _sessions_due("member_sessions")))
register_expiry(ExpiryRule("staff_sessions", "row delete", "session expired or revoked",
                           None, _sessions("staff_sessions"), _sessions_due("staff_sessions")))
register_expiry(ExpiryRule("consent_evidence", "row delete",
                           "consent evidence: a period after the consent ended", None,
                           _consent_evidence, _consent_evidence_due))


# -- running -----------------------------------------------------------------------------------

_INSERT = ("INSERT INTO destruction_records (run_id, kind, record_kind, count, window_from, "
           "window_to, method, rule, law, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


def count_due(yk, now: dt.datetime | None = None) -> dict[str, int]:
    """How many items each kind would destroy at ``now``; kinds that cannot tell are left out."""
    now = (now or utcnow()).astimezone(dt.UTC)
    with yk.engine.connect() as conn:
        return {r.kind: int(r.count_due(yk, conn, now)) for r in expiry_kinds()
                if r.count_due is not None}


def run_expiry(yk, *, now: dt.datetime | None = None, batch: int = 1000,
               kinds: list[str] | None = None,
               progress: Callable[[str, int], None] | None = None,
               stop: Callable[[], bool] | None = None) -> list[DestructionRecord]:
    """Destroy everything past its expiry; one transaction per batch; returns the records.

    ``stop`` is asked before every batch: when it says so, the run ends there (a server shutting
    down); what is left is found by the next run.
    """
    from yaksok.vault.erasure import checkpoint_sqlite

    now = (now or utcnow()).astimezone(dt.UTC)
    engine = yk.engine
    run_id = new_id("run_")
    out: list[DestructionRecord] = []
    token = _RUN_STATE.set({})
    try:
        _run_kinds(yk, now, batch, kinds, progress, stop, run_id, out)
    finally:
        _RUN_STATE.reset(token)
    if out:
        checkpoint_sqlite(engine)
    return out


#: On SQLite, batches are grouped into one transaction until it has run this long: SQLite has
#: one writer, so a longer transaction holds no other worker back, and every commit costs a WAL
#: fsync and (past ``wal_autocheckpoint``) a checkpoint; grouping them took 1,000,000 rows in
#: 1000-row batches from 149 s to 48 s (docs/performance.md). Each batch keeps its own
#: destruction record. At most ``SQLITE_BATCHES_PER_TRANSACTION`` batches, so ``batch`` still
#: bounds what a commit holds (and what a kill -9 makes the next run redo).
SQLITE_TRANSACTION_SECONDS = 1.0
SQLITE_BATCHES_PER_TRANSACTION = 100
#: Kinds whose batches PostgreSQL groups the same way. Expired held records are claimed by
#: block range under an advisory lock and nobody else writes them, so a longer transaction
#: makes no API call or other worker wait; it only saves commits (a WAL flush each).
POSTGRES_GROUPED_KINDS = frozenset({"held_records"})


def _run_kinds(yk, now, batch, kinds, progress, stop, run_id, out) -> None:
    engine = yk.engine
    sqlite = engine.dialect.name == "sqlite"
    for rule in expiry_kinds():
        if kinds is not None and rule.kind not in kinds:
            continue
        more = True
        while more and not (stop is not None and stop()):
            done: list[dict[str, int]] = []
            grouped = sqlite or rule.kind in POSTGRES_GROUPED_KINDS
            with write(engine) as conn:
                started = time.perf_counter()
                for _ in range(SQLITE_BATCHES_PER_TRANSACTION if grouped else 1):
                    counts = _one_batch(yk, conn, rule, now, batch, run_id, sqlite, out)
                    n = sum(counts.values())
                    if n:
                        done.append(counts)
                    more = n >= batch
                    # Other kinds on PostgreSQL: a batch per transaction, so the rows a batch
                    # claims FOR UPDATE SKIP LOCKED are held briefly.
                    if not (more and grouped
                            and time.perf_counter() - started < SQLITE_TRANSACTION_SECONDS
                            and not (stop is not None and stop())):
                        break
            if progress is not None:
                for counts in done:
                    for kind, n in counts.items():
                        progress(kind, n)


def _one_batch(yk, conn, rule, now, batch, run_id, sqlite, out) -> dict[str, int]:
    """One batch of ``rule`` and its destruction records, in the caller's transaction; how
    many items of each recorded kind it destroyed."""
    found = [f for f in rule.destroy_batch(yk, conn, now, batch) if f.count]
    at = utcnow()
    recs = [DestructionRecord(run_id, f.kind or rule.kind, f.record_kind, f.count,
                              f.window_from, f.window_to, f.method or rule.method,
                              f.rule or rule.rule, f.law or rule.law, at) for f in found]
    if recs:  # one round trip for the batch's records (a batch of held records has one a kind)
        conn.exec_driver_sql(sql(conn, _INSERT), [(
            r.run_id, r.kind, r.record_kind, r.count, to_db(sqlite, r.window_from),
            to_db(sqlite, r.window_to), r.method, r.rule, r.law, to_db(sqlite, at))
            for r in recs])
        out.extend(recs)
    counts: dict[str, int] = {}
    for f in found:
        counts[f.kind or rule.kind] = counts.get(f.kind or rule.kind, 0) + f.count
    return counts


def retention_status(yk, *, last: int = 20) -> dict:
    """Held records by kind and month of expiry, live hold keys, the last destruction records,
    and the next run (the earliest expiry still ahead)."""
    with yk.engine.connect() as conn:
        held = conn.exec_driver_sql(
            "SELECT h.record_kind, k.scope, COUNT(*), MIN(h.expires_at) FROM held_records h "
            "JOIN data_keys k ON k.id = h.key_id GROUP BY h.record_kind, k.scope "
            "ORDER BY h.record_kind, k.scope").fetchall()
        nxt = conn.exec_driver_sql("SELECT MIN(expires_at) FROM held_records").scalar()
        recs = conn.exec_driver_sql(sql(conn, (
            "SELECT run_id, kind, record_kind, count, window_from, window_to, method, rule, "
            "law, at FROM destruction_records ORDER BY id DESC LIMIT ?")), (last,)).fetchall()
    return {
        "held": [{"record_kind": k, "expiry_month": s.rsplit(":", 1)[1], "count": n,
                  "first_expiry": from_db(first).isoformat()} for k, s, n, first in held],
        "next_expiry": from_db(nxt).isoformat() if nxt is not None else None,
        "kinds": [{"kind": r.kind, "method": r.method, "rule": r.rule} for r in expiry_kinds()],
        "last_destructions": [DestructionRecord(r[0], r[1], r[2], r[3], from_db(r[4]),
                                                from_db(r[5]), r[6], r[7], r[8],
                                                from_db(r[9])).to_dict() for r in recs],
    }
