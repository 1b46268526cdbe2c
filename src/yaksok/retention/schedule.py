"""One pass of the worker, and running passes on a schedule in a thread.

The schedule itself (``every 5m``, ``daily 03:00 Asia/Seoul``) is parsed and stepped by
``yaksok.schedule``. ``run_pass`` is one pass: ``run_expiry`` then ``purge_erased``. ``start_worker`` runs passes on
the schedule in a daemon thread (``yaksok serve`` on SQLite, see ``runs_in_serve``); a failed
pass is logged without its details (they may carry values) and retried at the next run. Every
pass, a failed one too, is recorded in ``worker_passes`` (``passes``).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from yaksok.crypto.envelope import new_id
from yaksok.errors import ConfigError
from yaksok.retention.expiry import DestructionRecord, ExpiryServices
from yaksok.retention.passes import PURGE_STAGE, describe_error, record_pass
from yaksok.schedule import Schedule, first_run, next_run, parse_schedule
from yaksok.services import Services
from yaksok.store.tables import utcnow

__all__ = ["WorkerPass", "run_pass", "runs_in_serve", "start_worker"]

log = logging.getLogger("yaksok.retention")

@dataclass(frozen=True, slots=True)
class WorkerPass:
    """One pass of the worker: what expiry destroyed, how many rows of erased members went."""

    records: tuple[DestructionRecord, ...]
    purged: int
    started_at: dt.datetime
    stopped: bool = False
    #: The run's id (its destruction records carry it; ``worker_passes`` records the pass).
    run_id: str = ""

    @property
    def destroyed(self) -> int:
        return sum(r.count for r in self.records)


def run_pass(yk: ExpiryServices, *, batch: int | None = None, now: dt.datetime | None = None,
             progress: Callable[[str, int], None] | None = None,
             stop: Callable[[], bool] | None = None) -> WorkerPass:
    """One pass of the worker: everything past its expiry, then erased members' rows; the pass
    is recorded (``passes``), a failed one too, with the kind it was running."""
    from yaksok.retention.expiry import run_expiry

    batch = batch or yk.settings.worker_batch
    started = utcnow()
    run_id = new_id("run_")
    ran: dict[str, int] = {}
    stage = None
    try:
        records = run_expiry(yk, now=now, batch=batch, progress=progress, stop=stop,
                             run_id=run_id, ran=ran)
        if stop is not None and stop():
            done = WorkerPass(tuple(records), 0, started, stopped=True, run_id=run_id)
        else:
            stage = PURGE_STAGE
            done = WorkerPass(tuple(records), yk.vault.purge_erased(batch=batch), started,
                              run_id=run_id)
    except Exception as exc:
        _record_failure(yk, run_id, started, ran, stage or (list(ran)[-1] if ran else None), exc)
        raise
    record_pass(yk, run_id=run_id, started_at=started, kinds=ran, purged=done.purged,
                status="stopped" if done.stopped else "done")
    return done


def _record_failure(yk, run_id, started, ran, failed_kind, exc) -> None:
    try:
        record_pass(yk, run_id=run_id, started_at=started, kinds=ran, status="failed",
                    failed_kind=failed_kind, error=describe_error(exc))
    except Exception as again:  # noqa: BLE001 - the pass's own error is the one to raise
        log.error("retention worker could not record its failed pass (%s)",
                  describe_error(again))


def runs_in_serve(yk: Services) -> bool:
    """Whether ``yaksok serve`` runs the worker: ``YAKSOK_WORKER_IN_SERVE`` on / off, or auto
    (on for SQLite, where one process owns the file; off for PostgreSQL, which runs
    ``yaksok worker`` processes beside the API)."""
    mode = (yk.settings.worker_in_serve or "auto").strip().lower()
    if mode not in ("auto", "on", "off"):
        raise ConfigError(f"{mode!r} is not a worker mode", field="YAKSOK_WORKER_IN_SERVE",
                          fix="use auto, on or off")
    if mode == "auto":
        return yk.engine.dialect.name == "sqlite"
    return mode == "on"


def start_worker(yk: ExpiryServices, schedule: str | Schedule | None = None, *,
                 batch: int | None = None) -> Callable[[], None]:
    """Run ``run_pass`` on ``schedule`` (default: the settings') in a daemon thread.

    Returns a function that stops it: the running pass ends after its current batch.
    """
    sched = parse_schedule(schedule or yk.settings.worker_schedule)
    stop = threading.Event()

    def run() -> None:
        due = first_run(sched, utcnow())
        while not stop.wait(max(0.0, (due - utcnow()).total_seconds())):
            try:
                done = run_pass(yk, batch=batch, stop=stop.is_set)
            except Exception as exc:  # noqa: BLE001 - a failed pass must not end the server
                due = next_run(sched, utcnow())
                log.error("retention worker pass failed (%s); retried at %s", describe_error(exc),
                          due.isoformat())
                continue
            if done.destroyed or done.purged:
                log.info("retention worker destroyed %d item(s), purged %d row(s)",
                         done.destroyed, done.purged)
            due = next_run(sched, utcnow())

    thread = threading.Thread(target=run, name="yaksok-retention-worker", daemon=True)
    thread.start()

    def halt() -> None:
        stop.set()
        thread.join(30)

    return halt
