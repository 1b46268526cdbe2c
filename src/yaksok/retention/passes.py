"""The worker's passes, as a record: when each pass ran, what each expiry kind destroyed, and why
a pass failed.

Destruction records (``expiry.py``) say what was destroyed; they are silent about a pass that
found nothing due, and about one that failed. The privacy officer asks both ("is the worker
running at all?", "when did the hold keys last expire?"), so ``run_pass`` writes one row per
pass to ``worker_passes``: times, status, a count per kind, and for a failed pass the kind it was
running and the error's kind — a domain error's message (which never carries a value) or only
the exception's type. Counts and times only: no member, no value.

Passes older than ``KEEP_DAYS`` are pruned by the pass that records the next one, so the table
stays small (a pass every 5 minutes is about 26,000 rows in 90 days).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass

import sqlalchemy as sa

from yaksok.errors import YaksokError
from yaksok.services import Services
from yaksok.store.tables import utcnow, worker_passes

__all__ = ["KEEP_DAYS", "KindRun", "PassRecord", "describe_error", "kinds_last_run",
           "record_pass", "worker_passes_of"]

log = logging.getLogger("yaksok.retention")

#: How long a pass's row is kept.
KEEP_DAYS = 90
#: The stage named when a pass fails after expiry, while purging erased members' rows.
PURGE_STAGE = "purge_erased"


@dataclass(frozen=True, slots=True)
class PassRecord:
    """One recorded pass of the worker."""

    run_id: str
    started_at: dt.datetime
    finished_at: dt.datetime
    status: str  # done | stopped | failed
    destroyed: int
    purged: int
    kinds: dict[str, int]
    failed_kind: str | None
    error: str | None

    def to_dict(self) -> dict:
        return {"run_id": self.run_id, "started_at": _iso(self.started_at),
                "finished_at": _iso(self.finished_at), "status": self.status,
                "destroyed": self.destroyed, "purged": self.purged, "kinds": dict(self.kinds),
                "failed_kind": self.failed_kind, "error": self.error}


@dataclass(frozen=True, slots=True)
class KindRun:
    """An expiry kind as the recorded passes saw it: when it last ran and what it destroyed
    then, what it destroyed over the passes kept, and its last failure."""

    kind: str
    method: str
    rule: str
    last_ran_at: dt.datetime | None
    destroyed_last: int
    destroyed_kept: int
    last_failed_at: dt.datetime | None
    last_error: str | None

    def to_dict(self) -> dict:
        return {"kind": self.kind, "method": self.method, "rule": self.rule,
                "last_ran_at": _iso(self.last_ran_at), "destroyed_last": self.destroyed_last,
                "destroyed_kept": self.destroyed_kept,
                "last_failed_at": _iso(self.last_failed_at), "last_error": self.last_error}


def _iso(t: dt.datetime | None) -> str | None:
    return None if t is None else t.astimezone(dt.UTC).isoformat()


def describe_error(exc: BaseException) -> str:
    """What may be recorded or logged of a failure: a domain error's message never carries a
    value (errors.py); a driver's may quote SQL parameters, so of anything else only its type."""
    text = str(exc) if isinstance(exc, YaksokError) else type(exc).__name__
    return text[:200]


def record_pass(yk: Services, *, run_id: str, started_at: dt.datetime, status: str,
                kinds: dict[str, int], purged: int = 0, failed_kind: str | None = None,
                error: str | None = None, now: dt.datetime | None = None) -> None:
    """Write one pass and prune the passes older than ``KEEP_DAYS``, in one transaction."""
    now = now or utcnow()
    with yk.engine.begin() as conn:
        conn.execute(sa.insert(worker_passes).values(
            run_id=run_id, started_at=started_at, finished_at=now, status=status,
            destroyed=sum(kinds.values()), purged=purged,
            kinds=json.dumps(kinds, sort_keys=True), failed_kind=failed_kind, error=error))
        conn.execute(sa.delete(worker_passes).where(
            worker_passes.c.started_at < now - dt.timedelta(days=KEEP_DAYS)))


def _record(row) -> PassRecord:
    return PassRecord(row.run_id, row.started_at, row.finished_at, row.status, row.destroyed,
                      row.purged, json.loads(row.kinds), row.failed_kind, row.error)


def worker_passes_of(yk: Services, *, last: int = 20) -> list[PassRecord]:
    """The last ``last`` recorded passes, newest first."""
    t = worker_passes
    with yk.engine.connect() as conn:
        rows = conn.execute(sa.select(t).order_by(t.c.id.desc()).limit(last)).fetchall()
    return [_record(r) for r in rows]


def kinds_last_run(yk, *, scan: int = 2000) -> list[KindRun]:
    """Every registered expiry kind (``yk.expiry``, in run order) with what the last ``scan``
    recorded passes say of it; a kind no kept pass ran has no ``last_ran_at``."""
    passes = worker_passes_of(yk, last=scan)
    out: list[KindRun] = []
    for rule in yk.expiry.kinds():
        ran = next((p for p in passes if rule.kind in p.kinds), None)
        failed = next((p for p in passes if p.status == "failed"
                       and p.failed_kind == rule.kind), None)
        out.append(KindRun(
            rule.kind, rule.method, rule.rule, ran.started_at if ran else None,
            ran.kinds[rule.kind] if ran else 0,
            sum(p.kinds.get(rule.kind, 0) for p in passes),
            failed.started_at if failed else None, failed.error if failed else None))
    return out
