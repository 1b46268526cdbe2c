"""Retention: drop entries older than ``policy.access_log.retention``, whole epochs at a time.

An epoch is an aligned range of ``2**epoch_bits`` seq numbers (default 1024). Only whole epochs
that are sealed (inside a checkpoint) and entirely older than the cutoff are dropped, so the
boundary ``expired_before`` is always a multiple of the epoch size and of the 16-leaf block: the
stored subtree hashes (level >= 4) over the dropped prefix are kept, and the rest of the log
still verifies against every checkpoint. For each old checkpoint whose size falls inside a block,
that block's 16 leaf hashes are kept as level-0 nodes, so old checkpoints and the consistency
proofs between them stay checkable too. Only hashes are kept: the entries themselves are gone.

Every expiry appends its own entry (actor ``yaksok:retention``) saying where the boundary now
is, in the same transaction; ``verify`` checks the boundary against it, so deleting recent
entries cannot pass for an expiry.

Erasing a member is the vault's job: entries hold only the member's random internal id, so once
the vault destroys the link between that id and the person, their entries identify nobody and
still verify.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

import sqlalchemy as sa

from yaksok.auditlog.events import AccessEvent
from yaksok.auditlog.log import append, placeholder
from yaksok.auditlog.tree import BLOCK, lock_tree, read_head
from yaksok.auditlog.verify import RETENTION_ACTOR, RETENTION_REASON
from yaksok.errors import ValidationError

__all__ = ["EPOCH_BITS", "ExpiryResult", "cutoff_for", "expire_entries"]

EPOCH_BITS = 10
_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")


@dataclass(frozen=True)
class ExpiryResult:
    dropped: int
    expired_before: int
    cutoff: dt.datetime
    #: The seq of the retention record, or None if nothing was dropped.
    record_seq: int | None


def cutoff_for(now: dt.datetime, period: str) -> dt.datetime:
    """``now`` minus an ISO-8601 period of years, months, weeks and days, on the calendar."""
    m = _DURATION.match(period or "")
    if not m or not any(m.groups()):
        raise ValidationError(f"{period!r} is not a duration like P2Y", field="retention")
    years, months, weeks, days = (int(g or 0) for g in m.groups())
    total = now.year * 12 + (now.month - 1) - years * 12 - months
    year, month = divmod(total, 12)
    month += 1
    # 29 February minus a year is 28 February: keep at least the period, never less.
    day = min(now.day, calendar.monthrange(year, month)[1])
    return now.replace(year=year, month=month, day=day) - dt.timedelta(weeks=weeks, days=days)


def expire_entries(conn: sa.Connection, *, period: str, now: dt.datetime,
                   epoch_bits: int = EPOCH_BITS) -> ExpiryResult:
    """Drop expired epochs in the caller's transaction (SQLite: opened IMMEDIATE)."""
    from yaksok.store.tables import access_log

    if epoch_bits < 4:
        raise ValidationError("an epoch is at least one 16-entry block", field="epoch_bits")
    cutoff = cutoff_for(now, period)
    lock_tree(conn)
    head = read_head(conn)
    sealed = conn.exec_driver_sql("SELECT max(size) FROM access_log_checkpoints").scalar() or 0
    young = conn.execute(sa.select(sa.func.min(access_log.c.seq)).where(
        access_log.c.at >= cutoff)).scalar()
    limit = min(head.next_seq if young is None else young, sealed)
    before = limit - limit % (1 << epoch_bits)
    if before <= head.expired_before:
        return ExpiryResult(0, head.expired_before, cutoff, None)
    p = placeholder(conn)
    sizes = [s for (s,) in conn.exec_driver_sql(
        f"SELECT size FROM access_log_checkpoints WHERE size > {p} AND size < {p}",  # noqa: S608 - placeholders and constants only
        (head.expired_before, before))]
    for block in sorted({s // BLOCK for s in sizes if s % BLOCK}):
        conn.exec_driver_sql(
            "INSERT INTO access_log_nodes (level, idx, hash) SELECT 0, seq, leaf_hash "  # noqa: S608 - placeholders and constants only
            f"FROM access_log WHERE seq >= {p} AND seq < {p}",
            (block * BLOCK, (block + 1) * BLOCK))
    conn.exec_driver_sql(f"DELETE FROM access_log WHERE seq < {p}", (before,))  # noqa: S608 - placeholders and constants only
    conn.exec_driver_sql(f"UPDATE access_log_head SET expired_before = {p} WHERE id = 1",  # noqa: S608 - placeholders and constants only
                         (before,))
    reason = RETENTION_REASON.format(before=before, period=period,
                                     cutoff=cutoff.astimezone(dt.UTC).isoformat())
    record = append(conn, AccessEvent(
        actor_id=RETENTION_ACTOR, actor_kind="system", operation="erase", outcome="granted",
        at=now, purpose="access_log_retention", reason=reason))
    return ExpiryResult(before - head.expired_before, before, cutoff, record)
