"""`yaksok outbox`: deliver and inspect email and in-app notices."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from yaksok.cli.base import (
    app,
    open_store,
    out,
)

outbox_app = typer.Typer(help="The outbox: email and in-app notices to members.",
                         no_args_is_help=True)
app.add_typer(outbox_app, name="outbox")


# -- outbox ------------------------------------------------------------------------------------

@outbox_app.command("send")
def outbox_send(
    once: Annotated[bool, typer.Option("--once", help="Deliver what is due now, then exit.")] = False,
    interval: Annotated[float, typer.Option(help="Seconds to sleep when nothing is due.")] = 5.0,
    batch: Annotated[int, typer.Option(min=1, help="Messages claimed per batch.")] = 50,
    lease: Annotated[float, typer.Option(
        min=1, help="Seconds a claimed message stays ours before another sender may retry it.")
    ] = 300.0,
    base_url: Annotated[str | None, typer.Option(
        help="Public address of the API, for links in emails (e.g. https://privacy.example); "
             "default YAKSOK_PUBLIC_URL.")] = None,
) -> None:
    """Deliver queued messages: email over SMTP (YAKSOK_SMTP_*) and in-app notices.

    Runs until interrupted (SIGINT/SIGTERM finish the current batch first), or with --once
    until nothing is due. Without YAKSOK_SMTP_HOST only in-app notices are delivered.
    Example:  YAKSOK_SMTP_HOST=smtp.example.com YAKSOK_SMTP_FROM=privacy@example.com \
              yaksok outbox send --once
    """
    import signal
    import threading

    from yaksok.notify import DeliveryResult

    yk = open_store()
    sender = yk.outbox.sender(base_url=base_url, batch_size=batch, lease_seconds=lease)
    if sender.transport is None:
        typer.echo("YAKSOK_SMTP_HOST is not set: delivering in-app notices only", err=True)
    else:
        typer.echo(f"SMTP: {sender.transport.config.describe()}", err=True)

    def report(r: DeliveryResult) -> None:
        line = (f"claimed {r.claimed}: sent {r.sent}, retrying {r.retrying}, dead {r.dead}, "
                f"released {r.released}")
        if r.lost_lease:
            line += f", taken over {r.lost_lease}"
        if r.connection_error:
            line += f"; stopped: {r.connection_error}"
        out(line)

    try:
        if once:
            total = DeliveryResult()
            while True:
                r = sender.deliver_once()
                total += r
                if r.claimed == 0 or r.connection_error:
                    break
            report(total)
            if total.connection_error:
                raise typer.Exit(1)
            return
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        sender.run(stop, idle_seconds=interval, on_batch=report)
    finally:
        if sender.transport is not None:
            sender.transport.close()


@outbox_app.command("status")
def outbox_status_cmd(
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Messages per channel and status, what is due, and the latest errors.

    Example:  yaksok outbox status
    """
    from yaksok.notify import outbox_status

    yk = open_store()
    st = outbox_status(yk.engine)
    # Email waits for SMTP: say so rather than let messages queue unseen (docs/notices.md).
    st["email_configured"] = bool(yk.settings.smtp_host)
    if json_output:
        out(json.dumps(st, default=str, indent=2))
        return
    if not st["counts"]:
        out("the outbox is empty")
    waiting = sum(v for k, v in st["counts"].get("email", {}).items()
                  if k in ("pending", "failed"))
    if waiting and not st["email_configured"]:
        out(f"warning: {waiting} email(s) wait and no SMTP server is configured: set "
            "YAKSOK_SMTP_HOST (docs/notices.md) and run `yaksok worker`")
    for channel, counts in sorted(st["counts"].items()):
        out(f"{channel}\t" + "\t".join(f"{k} {v}" for k, v in sorted(counts.items())))
    if st["oldest_due"]:
        out(f"due since {st['oldest_due']:%Y-%m-%d %H:%M:%S} UTC")
    if st["next_due"]:
        out(f"next retry {st['next_due']:%Y-%m-%d %H:%M:%S} UTC")
    for e in st["errors"]:
        out(f"{e['status']}\t{e['id']}\t{e['channel']}\tattempts {e['attempts']}\t"
            f"{e['last_error']}")


@outbox_app.command("list")
def outbox_list(
    status: Annotated[list[str] | None, typer.Option(
        "--status", help="Only this status (repeatable): pending, sending, sent, failed, dead. "
                         "Default: every message not delivered.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500, help="At most this many.")] = 100,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The messages not yet delivered, given-up ones first: id, channel, template, status,
    attempts, next try and last error. Never whom they go to or what they say.

    Example:  yaksok outbox list --status dead --status failed
    """
    from yaksok.notify.manage import WAITING, list_messages

    messages = list_messages(open_store().engine, statuses=status or WAITING, limit=limit)
    if json_output:
        out(json.dumps([m.to_dict() for m in messages], ensure_ascii=False, indent=2))
        return
    for m in messages:
        when = f"next {m.next_attempt_at:%Y-%m-%d %H:%M:%S} UTC" if m.next_attempt_at else "-"
        out(f"{m.id}\t{m.channel}\t{m.template}\t{m.status}\tattempts {m.attempts}\t{when}\t"
            f"{m.last_error or ''}")
    if not messages:
        out("no message waits")


@outbox_app.command("retry")
def outbox_retry(
    ids: Annotated[list[str] | None, typer.Argument(
        help="Outbox ids (from `yaksok outbox list`); none: every failed and dead one.")] = None,
) -> None:
    """Retry failed messages now (after fixing what made them fail): a dead one with a fresh
    count of attempts, one waiting for its back-off at once.

    Example:  yaksok outbox retry            yaksok outbox retry ob_3f9c0a1b2c3d4e5f6a7b8c9d
    """
    from yaksok.cli.base import acting_as
    from yaksok.notify.manage import retry_failed, retry_message

    yk = open_store()
    by = acting_as(yk)
    if not ids:
        out(f"requeued {retry_failed(yk.engine, by=by)} message(s)")
        return
    for message_id in ids:  # each its own change: those before a bad id stay requeued
        out(f"requeued {retry_message(yk.engine, message_id, by=by).id}")
