"""`yaksok worker` (destroy whatever is past its expiry), `yaksok retention status`, `by-month`,
`passes` and `destructions` (the overview as tables), and the held records of one member: `yaksok retention write-record` and `yaksok retention records`
(as the signed-in staff account; the core decides, docs/access.md)."""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from typing import TYPE_CHECKING, Annotated

import typer

from yaksok import errors
from yaksok.cli.base import app, open_store, out, staff_store

if TYPE_CHECKING:
    from yaksok.engine import Yaksok

retention_app = typer.Typer(help="Statutory holds, expiry and destruction records.",
                            no_args_is_help=True)
app.add_typer(retention_app, name="retention")


@retention_app.command("status")
def retention_status_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    last: Annotated[int, typer.Option(help="How many destruction records to show.")] = 20,
) -> None:
    """Held records by kind and month of expiry, the next expiry, the last destruction records.

    Example:  yaksok retention status --json
    """
    from yaksok.retention import retention_status

    yk = open_store()
    try:
        status = retention_status(yk, last=last)
    finally:
        yk.close()
    if as_json:
        out(json.dumps(status, ensure_ascii=False, indent=2))
        return
    out("held records (kind, month of expiry, count):")
    for h in status["held"] or []:
        out(f"  {h['record_kind']:<36} {h['expiry_month']}  {h['count']}")
    if not status["held"]:
        out("  none")
    out(f"next expiry: {status['next_expiry'] or 'none'}")
    out("last destruction records:")
    for r in status["last_destructions"]:
        out(f"  {r['at']}  {r['kind']:<18} {r['record_kind'] or '-':<28} {r['count']:>8}  "
            f"{r['method']}  ({r['rule']})")
    if not status["last_destructions"]:
        out("  none")


@retention_app.command("by-month")
def by_month_cmd(
    months: Annotated[int, typer.Option(help="How many months from this one (1-120).")] = 12,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Held records by kind and month of expiry (UTC), with those past their month and not yet
    destroyed (overdue) and those expiring later; counts only.

    Example:  yaksok retention by-month --months 6
    """
    from yaksok.retention import held_by_expiry_month

    yk = open_store()
    try:
        table = held_by_expiry_month(yk, months=months)
    finally:
        yk.close()
    if as_json:
        out(json.dumps(table.to_dict(), ensure_ascii=False, indent=2))
        return
    out(f"{'record kind':<32} {'overdue':>7} " + " ".join(f"{m:>7}" for m in table.months)
        + f" {'later':>7}")
    for k in table.kinds:
        out(f"{k:<32} {table.overdue[k]:>7} " + " ".join(f"{n:>7}" for n in table.counts[k])
            + f" {table.later[k]:>7}")


@retention_app.command("passes")
def passes_cmd(
    last: Annotated[int, typer.Option(help="How many passes to list.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The worker's last passes (done, stopped or failed; what each kind destroyed) and when
    each expiry kind last ran.

    Example:  yaksok retention passes --last 5
    """
    from yaksok.retention import kinds_last_run, worker_passes_of

    yk = open_store()
    try:
        passes, kinds = worker_passes_of(yk, last=last), kinds_last_run(yk)
    finally:
        yk.close()
    if as_json:
        out(json.dumps({"passes": [p.to_dict() for p in passes],
                        "kinds": [k.to_dict() for k in kinds]}, ensure_ascii=False, indent=2))
        return
    out("expiry kinds (last ran, destroyed then, last failure):")
    for k in kinds:
        ran = k.last_ran_at.isoformat(timespec="seconds") if k.last_ran_at else "never"
        failed = (f"  failed {k.last_failed_at.isoformat(timespec='seconds')}: {k.last_error}"
                  if k.last_failed_at else "")
        out(f"  {k.kind:<24} {ran:<26} {k.destroyed_last:>8}{failed}")
    out("passes:")
    for p in passes:
        what = f"failed in {p.failed_kind}: {p.error}" if p.status == "failed" else p.status
        out(f"  {p.started_at.isoformat(timespec='seconds')}  destroyed {p.destroyed:>8}  "
            f"purged {p.purged:>6}  {what}")
    if not passes:
        out("  none recorded")


@retention_app.command("destructions")
def destructions_cmd(
    days: Annotated[int, typer.Option(help="The window, in days up to now (1-730).")] = 90,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The destruction records of the last days summed by kind, record kind, method and rule.

    Example:  yaksok retention destructions --days 30
    """
    from yaksok.retention import destruction_totals

    yk = open_store()
    try:
        totals = destruction_totals(yk, days=days)
    finally:
        yk.close()
    if as_json:
        out(json.dumps({"days": days, "totals": [t.to_dict() for t in totals]},
                       ensure_ascii=False, indent=2))
        return
    for t in totals:
        out(f"{t.kind:<20} {t.record_kind or '-':<28} {t.count:>8}  {t.method}  ({t.rule})  "
            f"last {t.last_at.isoformat(timespec='seconds')}")
    if not totals:
        out(f"nothing destroyed in the last {days} days")


def _values(pairs: list[str], from_stdin: bool) -> dict[str, str]:
    values: dict[str, str] = {}
    if from_stdin:
        try:
            given = json.loads(sys.stdin.read() or "{}")
        except ValueError:
            given = None
        if not isinstance(given, dict):
            raise errors.ValidationError("stdin must hold one JSON object {category: value}",
                                         field="--values-stdin",
                                         fix='e.g. {"user.payment.transaction_id": "tx-1"}')
        values.update(given)
    for pair in pairs:
        category, sep, value = pair.partition("=")
        if not sep or not category.strip():
            raise errors.ValidationError("each --value is CATEGORY=VALUE", field="--value",
                                         fix="e.g. --value user.payment.transaction_id=tx-1")
        values[category.strip()] = value
    return values


@retention_app.command("write-record")
def write_record_cmd(
    member_id: Annotated[str, typer.Argument(help="The member's id (m_...).")],
    record_kind: Annotated[str, typer.Argument(
        help="A record kind with a retention rule in the policy, e.g. payment_record.")],
    value: Annotated[list[str], typer.Option(
        "--value", help="CATEGORY=VALUE, a category of the record kind (repeat).")] = [],  # noqa: B006
    values_stdin: Annotated[bool, typer.Option(
        "--values-stdin", help="Read {category: value} as JSON from stdin (keeps the values "
                               "out of the shell's history and the process list).")] = False,
    at: Annotated[str | None, typer.Option(
        help="When the event happened (ISO 8601 with a zone); the period runs from it. "
             "Default: now.")] = None,
) -> None:
    """Keep a record the law makes us keep after closure (a statutory hold), in separated
    storage until its period has passed. Prints the record's id and expiry, never its values.

    \b
    Example:  printf '{"user.payment.transaction_id": "tx-20261129-0042"}' | \\
                  yaksok retention write-record m_3f9c0a1b2c3d4e5f60718293 payment_record \\
                  --values-stdin --at 2026-11-29T09:30:00+09:00
    """
    from yaksok.retention import write_record

    when = None
    if at is not None:
        try:
            when = dt.datetime.fromisoformat(at)
        except ValueError:
            raise errors.ValidationError("not a date and time", field="--at",
                                         fix="e.g. 2026-11-29T09:30:00+09:00") from None
    values = _values(value, values_stdin)
    yk, actor = staff_store()
    try:
        rec = write_record(yk, member_id, record_kind, values, actor=actor, at=when)
    finally:
        yk.close()
    out(f"{rec.id}\t{rec.record_kind}\tkept until {rec.expires_at.isoformat()}")


@retention_app.command("records")
def records_cmd(
    member_id: Annotated[str, typer.Argument(help="The member's id (m_...).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The member's held records in force (also after closure): id, kind, created, expiry;
    never their values.

    Example:  yaksok retention records m_3f9c0a1b2c3d4e5f60718293 --json
    """
    from yaksok.retention import records_of

    yk, actor = staff_store()
    try:
        found = records_of(yk, member_id, actor=actor)
    finally:
        yk.close()
    if as_json:
        out(json.dumps({"member_id": member_id, "records": [e.to_dict() for e in found]},
                       ensure_ascii=False, indent=2))
        return
    for e in found:
        out(f"{e.id}\t{e.record_kind}\t{e.created_at.isoformat()}\t"
            f"kept until {e.expires_at.isoformat()}")
    if not found:
        out("no held records")


class _AsTerminal:
    """stderr as if it were a terminal: ``--progress`` draws the bar into a pipe or a file."""

    def __init__(self, stream):
        self._stream = stream

    def isatty(self) -> bool:
        return True

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _pass_with_lines(yk: Yaksok, batch: int):
    from yaksok.retention.schedule import run_pass

    def progress(kind: str, n: int) -> None:
        typer.echo(f"{kind}: {n} destroyed", err=True)

    return run_pass(yk, batch=batch, progress=progress)


def _pass_with_bar(yk: Yaksok, batch: int, stream):
    from yaksok.retention.expiry import count_due
    from yaksok.retention.schedule import run_pass
    from yaksok.store.tables import utcnow

    now = utcnow()  # counted and destroyed as of the same instant, so the total matches
    due = count_due(yk, now)
    uncounted: dict[str, int] = {}
    with typer.progressbar(length=sum(due.values()), label="destroying expired items",
                           show_pos=True, file=stream) as bar:

        def progress(kind: str, n: int) -> None:
            if kind in due:
                bar.update(n)
            else:  # a kind that cannot count ahead: told after the bar
                uncounted[kind] = uncounted.get(kind, 0) + n

        done = run_pass(yk, batch=batch, now=now, progress=progress)
    for kind, n in uncounted.items():
        typer.echo(f"{kind}: {n} destroyed (not counted ahead)", err=True)
    return done


def _revocations(yk: Yaksok) -> None:
    """Connected accounts of closed or erased members are revoked at the provider, and due
    retries delivered, on every pass (yaksok.connected; `yaksok connected retry` alone too)."""
    from yaksok import connected

    done = connected.run_due(yk)
    if done.claimed or done.queued:
        out(f"connected accounts: revoked {done.revoked}, retrying {done.retrying}, "
            f"given up {done.dead}")


@app.command("worker")
def worker(
    once: Annotated[bool, typer.Option("--once", help="Run one pass and exit.")] = False,
    interval: Annotated[float | None, typer.Option(
        help="Seconds between passes; overrides the schedule [env YAKSOK_WORKER_SCHEDULE].")
    ] = None,
    batch: Annotated[int | None, typer.Option(
        min=1, help="Items per batch, one transaction each [env YAKSOK_WORKER_BATCH].")] = None,
    progress: Annotated[bool | None, typer.Option(
        "--progress/--no-progress",
        help="Draw a progress bar on stderr (default: when stderr is a terminal).")] = None,
) -> None:
    """Destroy whatever is past its expiry, in batches; safe to run in several processes.

    Without --once it runs on YAKSOK_WORKER_SCHEDULE (default `every 5m`; or e.g.
    `daily 03:00 Asia/Seoul`); --interval overrides it.

    Example:  yaksok worker --once --progress
    """
    from yaksok.schedule import Schedule, first_run, next_run, parse_schedule
    from yaksok.store.tables import utcnow

    if interval is not None and interval <= 0:
        raise errors.ValidationError("the interval must be positive", field="--interval",
                                     fix="give the seconds between passes, e.g. 300")
    yk = open_store()
    try:
        batch = batch or yk.settings.worker_batch
        schedule = (Schedule(interval=dt.timedelta(seconds=interval)) if interval is not None
                    else parse_schedule(yk.settings.worker_schedule))
        due = utcnow() if once else first_run(schedule, utcnow())
        while True:
            wait = (due - utcnow()).total_seconds()
            if wait > 0:
                typer.echo(f"next pass at {due.isoformat(timespec='seconds')} "
                           f"(schedule: {schedule})", err=True)
                time.sleep(wait)
            stream = sys.stderr
            bar = stream.isatty() if progress is None else progress
            done = (_pass_with_bar(yk, batch, stream if stream.isatty() else _AsTerminal(stream))
                    if bar else _pass_with_lines(yk, batch))
            out(f"destroyed {done.destroyed} item(s) in {len(done.records)} batch(es); "
                f"purged {done.purged} row(s) of erased members")
            _revocations(yk)
            if once:
                return
            due = next_run(schedule, utcnow())
    finally:
        yk.close()
