"""`yaksok worker` (destroy whatever is past its expiry) and `yaksok retention status`."""

from __future__ import annotations

import json
import time
from typing import Annotated

import typer

from yaksok.cli.base import app, open_store, out

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


@app.command("worker")
def worker(
    once: Annotated[bool, typer.Option("--once", help="Run one pass and exit.")] = False,
    interval: Annotated[float, typer.Option(help="Seconds between passes.")] = 60.0,
    batch: Annotated[int, typer.Option(help="Items per batch (one transaction each).")] = 1000,
) -> None:
    """Destroy whatever is past its expiry, in batches; safe to run in several processes.

    Example:  yaksok worker --once
    """
    from yaksok.retention import run_expiry
    from yaksok.vault.erasure import purge_erased

    yk = open_store()
    try:
        while True:
            done = 0

            def progress(kind: str, n: int) -> None:
                nonlocal done
                done += n
                typer.echo(f"{kind}: {n} destroyed", err=True)

            records = run_expiry(yk, batch=batch, progress=progress)
            purged = purge_erased(yk.engine, batch=batch)
            out(f"destroyed {sum(r.count for r in records)} item(s) in {len(records)} "
                f"batch(es); purged {purged} row(s) of erased members")
            if once:
                return
            time.sleep(interval)
    finally:
        yk.close()
