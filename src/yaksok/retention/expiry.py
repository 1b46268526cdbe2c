"""One expiry mechanism for everything that expires (issue 6, item 3) and destruction records.

Every kind of item that expires is an ``ExpiryRule`` (``yaksok.vault.expiry``): how to find its
expired items and destroy them a batch at a time, and how many are due. The kinds are
registered on the ``ExpiryRegistry`` of a running yaksok by the wiring (``yaksok.engine``): the
vault's (held records, hold keys, consent evidence), this module's (member and staff sessions:
``EXPIRY_RULES``, with the idempotency keys) and the rights layer's (exports, one-time codes, farewell addresses).

``run_expiry`` calls every kind in registration order, a batch per transaction (on SQLite, a few
batches per transaction, see ``SQLITE_TRANSACTION_SECONDS``), until a batch comes back short,
and writes a ``destruction_records`` row for every batch that destroyed something, in the
batch's own transaction (so a kill -9 loses neither the work nor its record: the next run finds
what is left). Running it twice destroys nothing twice. On PostgreSQL several workers share the
work: held records by block ranges of the table claimed with advisory locks, hold keys one key
at a time and the other kinds' rows ``FOR UPDATE SKIP LOCKED``.

``count_due(yk)`` asks every kind that can tell how many of its items are due, so a worker run
by hand can show a progress bar with a total.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from yaksok.crypto.envelope import new_id
from yaksok.services import Services
from yaksok.store.sql import from_db, sql, to_db, write
from yaksok.store.tables import utcnow
from yaksok.vault import RUN_STATE, ExpiryRule, row_delete_rule

__all__ = ["DestructionRecord", "EXPIRY_RULES", "ExpiryRegistry", "ExpiryServices",
           "run_expiry", "count_due", "retention_status"]


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


class ExpiryRegistry:
    """The expiry kinds of one running yaksok, in the order they run (filled by the wiring)."""

    def __init__(self) -> None:
        self._rules: dict[str, ExpiryRule] = {}

    def register(self, rule: ExpiryRule) -> None:
        """Register (or replace) the expiry rule of ``rule.kind``."""
        self._rules[rule.kind] = rule

    def kinds(self) -> list[ExpiryRule]:
        return list(self._rules.values())


class ExpiryServices(Services, Protocol):
    """What expiry needs of a running yaksok: the services and the registry of kinds."""

    expiry: ExpiryRegistry


EXPIRY_RULES = (
    row_delete_rule("member_sessions", "session expired or revoked", "member_sessions",
                    key="token_hash", ended=" OR revoked_at IS NOT NULL"),
    row_delete_rule("staff_sessions", "session expired or revoked", "staff_sessions",
                    key="token_hash", ended=" OR revoked_at IS NOT NULL"),
    # What a write answered to an Idempotency-Key (yaksok.store.idempotency): ids, 24 hours.
    row_delete_rule("idempotency_keys", "idempotency key older than 24 hours",
                    "idempotency_keys", key="key_hash"),
)


# -- running -----------------------------------------------------------------------------------

_INSERT = ("INSERT INTO destruction_records (run_id, kind, record_kind, count, window_from, "
           "window_to, method, rule, law, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


def count_due(yk: ExpiryServices, now: dt.datetime | None = None) -> dict[str, int]:
    """How many items each kind would destroy at ``now``; kinds that cannot tell are left out."""
    now = (now or utcnow()).astimezone(dt.UTC)
    with yk.engine.connect() as conn:
        return {r.kind: int(r.count_due(yk.vault, conn, now)) for r in yk.expiry.kinds()
                if r.count_due is not None}


def run_expiry(yk: ExpiryServices, *, now: dt.datetime | None = None, batch: int = 1000,
               kinds: list[str] | None = None,
               progress: Callable[[str, int], None] | None = None,
               stop: Callable[[], bool] | None = None, run_id: str | None = None,
               ran: dict[str, int] | None = None) -> list[DestructionRecord]:
    """Destroy everything past its expiry; one transaction per batch; returns the records.

    ``stop`` is asked before every batch: when it says so, the run ends there (a server shutting
    down); what is left is found by the next run. ``run_id`` names the run in its destruction
    records (default: a new one); ``ran``, if given, is filled with {kind: items destroyed} for
    every kind as it starts, so a caller whose run failed knows which kind was running.
    """
    now = (now or utcnow()).astimezone(dt.UTC)
    run_id = run_id or new_id("run_")
    out: list[DestructionRecord] = []
    token = RUN_STATE.set({})
    try:
        _run_kinds(yk, now, batch, kinds, progress, stop, run_id, out,
                   {} if ran is None else ran)
    finally:
        RUN_STATE.reset(token)
    if out:
        yk.vault.checkpoint_wal()
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


def _run_kinds(yk: ExpiryServices, now, batch, kinds, progress, stop, run_id, out,
               ran: dict[str, int]) -> None:
    engine = yk.engine
    sqlite = engine.dialect.name == "sqlite"
    for rule in yk.expiry.kinds():
        if kinds is not None and rule.kind not in kinds:
            continue
        more = True
        while more and not (stop is not None and stop()):
            ran.setdefault(rule.kind, 0)  # the kind ran: at least one batch was tried
            done: list[dict[str, int]] = []
            grouped = sqlite or rule.kind in POSTGRES_GROUPED_KINDS
            with write(engine) as conn:
                started = time.perf_counter()
                for _ in range(SQLITE_BATCHES_PER_TRANSACTION if grouped else 1):
                    counts = _one_batch(yk, conn, rule, now, batch, run_id, sqlite, out)
                    n = sum(counts.values())
                    ran[rule.kind] += n
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


def _one_batch(yk: Services, conn, rule, now, batch, run_id, sqlite, out) -> dict[str, int]:
    """One batch of ``rule`` and its destruction records, in the caller's transaction; how
    many items of each recorded kind it destroyed."""
    found = [f for f in rule.destroy_batch(yk.vault, conn, now, batch) if f.count]
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


def retention_status(yk: ExpiryServices, *, last: int = 20) -> dict:
    """Held records by kind and month of expiry, live hold keys, the last destruction records,
    and the next run (the earliest expiry still ahead)."""
    held, nxt = yk.vault.held_status()
    with yk.engine.connect() as conn:
        recs = conn.exec_driver_sql(sql(conn, (
            "SELECT run_id, kind, record_kind, count, window_from, window_to, method, rule, "
            "law, at FROM destruction_records ORDER BY id DESC LIMIT ?")), (last,)).fetchall()
    return {
        "held": [{"record_kind": k, "expiry_month": month, "count": n,
                  "first_expiry": first.isoformat()} for k, month, n, first in held],
        "next_expiry": nxt.isoformat() if nxt is not None else None,
        "kinds": [{"kind": r.kind, "method": r.method, "rule": r.rule}
                  for r in yk.expiry.kinds()],
        "last_destructions": [DestructionRecord(r[0], r[1], r[2], r[3], from_db(r[4]),
                                                from_db(r[5]), r[6], r[7], r[8],
                                                from_db(r[9])).to_dict() for r in recs],
    }
